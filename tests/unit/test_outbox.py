"""The outbox on a real database: which delivery goes next, leases, retries, parking with a
copy to UAVA, deleting delivered content, and one referral per submission."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest
from sqlalchemy import func, select

from portal.database import Database
from portal.delivery import outbox
from portal.models import Delivery, Organisation, Referral
from portal.routing import LLR_SUPPORT_SERVICE
from tests.conftest import sqlite_url
from tests.delivery_support import PANAHGHAR, REFUGE, UAVA, cipher, fresh_postgres, submit, utc

T0 = utc(2026, 11, 22, 9, 0)
LEASE = dt.timedelta(minutes=5)
SCHEDULE = (60, 300)


@pytest.fixture
def database(database_path):
    database = Database(sqlite_url(database_path))
    yield database
    database.dispose()


@pytest.fixture
def session(database):
    with database.session() as session:
        yield session


def claim(session, worker: str, now: dt.datetime) -> outbox.Claim | None:
    return outbox.claim_next(session, worker, now, LEASE)


def delivery(session, claim_or_id) -> Delivery:
    delivery_id = getattr(claim_or_id, "delivery_id", claim_or_id)
    session.expire_all()
    return session.get(Delivery, delivery_id)


def rows_of(session, referral: Referral) -> list[Delivery]:
    session.expire_all()
    return list(
        session.scalars(
            select(Delivery).where(Delivery.referral_id == referral.id).order_by(Delivery.position)
        )
    )


def organisation_id(session, slug: str):
    return session.scalars(select(Organisation.id).where(Organisation.slug == slug)).one()


def fail(session, claim_, worker: str, now: dt.datetime, **kwargs) -> str:
    return outbox.mark_failed(
        session,
        claim_,
        worker,
        now,
        "connection refused",
        SCHEDULE,
        fallback_service=LLR_SUPPORT_SERVICE,
        **kwargs,
    )


# --- retry_delay -------------------------------------------------------------------------


def test_each_retry_waits_its_scheduled_time_give_or_take_a_fifth_then_the_delivery_parks():
    schedule = (60, 300, 900, 86400)
    rng = random.Random(7)
    for attempt, base in enumerate(schedule, start=1):
        delays = [outbox.retry_delay(attempt, schedule, rng).total_seconds() for _ in range(200)]
        assert min(delays) >= base * 0.8 and max(delays) <= base * 1.2
        # Jittered: many failures at once do not all come back at the same moment.
        assert max(delays) - min(delays) > base * 0.2
    assert outbox.retry_delay(len(schedule) + 1, schedule, rng) is None
    assert outbox.retry_delay(1, (), rng) is None


# --- claiming ----------------------------------------------------------------------------


def test_the_oldest_due_delivery_goes_first_and_none_before_its_time(session):
    second = submit(session, now=T0 + dt.timedelta(minutes=2))
    first = submit(session, now=T0)
    third = submit(session, now=T0 + dt.timedelta(minutes=4))
    later = submit(session, now=T0 + dt.timedelta(hours=1))
    now = T0 + dt.timedelta(minutes=10)

    claimed = [claim(session, "worker-a", now) for _ in range(3)]
    assert [delivery(session, c).referral_id for c in claimed] == [first.id, second.id, third.id]
    assert all(c.attempt == 1 for c in claimed)
    # The last one is not due until T0 + 1 hour.
    assert claim(session, "worker-a", now) is None
    assert delivery(session, later.deliveries[0].id).status == "pending"
    for done in claimed:
        assert outbox.mark_sent(session, done, "worker-a", now)

    due = claim(session, "worker-a", T0 + dt.timedelta(hours=1))
    assert due is not None and due.delivery_id == later.deliveries[0].id


def test_a_claimed_delivery_is_left_alone_until_its_lease_runs_out_then_another_worker_takes_it(
    session,
):
    referral = submit(session, now=T0)
    first = claim(session, "worker-a", T0)
    assert first.delivery_id == referral.deliveries[0].id
    row = delivery(session, first)
    assert (row.status, row.claimed_by, row.lease_until) == ("sending", "worker-a", T0 + LEASE)

    assert claim(session, "worker-b", T0 + LEASE - dt.timedelta(seconds=1)) is None
    # Worker A died: once its lease has run out, B sends the referral.
    second = claim(session, "worker-b", T0 + LEASE + dt.timedelta(seconds=1))
    assert second == outbox.Claim(first.delivery_id, 2)
    assert delivery(session, second).claimed_by == "worker-b"


def test_a_batch_claim_takes_the_oldest_due_deliveries_up_to_its_limit_and_counts_each_attempt(
    session,
):
    referrals = [submit(session, now=T0 + dt.timedelta(seconds=i)) for i in (3, 1, 4, 0, 2)]
    submit(session, now=T0 + dt.timedelta(hours=1))
    oldest_first = [r.deliveries[0].id for r in sorted(referrals, key=lambda r: r.created_at)]
    now = T0 + dt.timedelta(minutes=1)

    first = outbox.claim_due(session, "worker-a", now, LEASE, limit=3)
    assert [c.delivery_id for c in first] == oldest_first[:3]
    assert {c.attempt for c in first} == {1}
    second = outbox.claim_due(session, "worker-b", now, LEASE, limit=3)
    # Only two are due: the last referral's delivery is not due for an hour.
    assert [c.delivery_id for c in second] == oldest_first[3:]
    assert outbox.claim_due(session, "worker-c", now, LEASE, limit=3) == []
    for claimed, worker in [(c, "worker-a") for c in first] + [(c, "worker-b") for c in second]:
        row = delivery(session, claimed)
        assert (row.status, row.claimed_by, row.lease_until) == ("sending", worker, now + LEASE)


def test_released_claims_are_due_again_at_once_without_counting_the_attempt_never_made(session):
    for i in range(3):
        submit(session, now=T0 - dt.timedelta(seconds=i))
    started, *unsent = outbox.claim_due(session, "worker-a", T0, LEASE, limit=3)
    assert outbox.mark_sent(session, started, "worker-a", T0)

    assert outbox.release(session, unsent, "worker-a") == 2
    for claimed in unsent:
        row = delivery(session, claimed)
        assert (row.status, row.attempts, row.claimed_by, row.lease_until) == (
            "pending",
            0,
            None,
            None,
        )
    again = outbox.claim_due(session, "worker-b", T0, LEASE, limit=3)
    assert [c.delivery_id for c in again] == [c.delivery_id for c in unsent]
    assert {c.attempt for c in again} == {1}
    # A claim that has passed to another worker is not the first worker's to give back.
    assert outbox.release(session, unsent, "worker-a") == 0
    assert {delivery(session, c).claimed_by for c in again} == {"worker-b"}
    assert delivery(session, started).status == "sent"


def test_a_worker_that_lost_its_lease_cannot_overwrite_the_new_owners_claim(session):
    submit(session, now=T0)
    slow = claim(session, "worker-a", T0)
    later = T0 + LEASE + dt.timedelta(minutes=1)
    taken_over = claim(session, "worker-b", later)

    assert outbox.mark_sent(session, slow, "worker-a", later) is False
    row = delivery(session, slow)
    assert (row.status, row.claimed_by, row.sent_at) == ("sending", "worker-b", None)
    # Nor can its failure put the delivery back in the queue while B is sending it.
    assert fail(session, slow, "worker-a", later) == "lost"
    assert fail(session, slow, "worker-a", later, permanent=True) == "lost"
    row = delivery(session, slow)
    assert (row.status, row.claimed_by, row.last_error) == ("sending", "worker-b", None)
    assert len(rows_of(session, row.referral)) == 1, "no copy to UAVA for a delivery not parked"
    assert claim(session, "worker-c", later) is None

    assert outbox.mark_sent(session, taken_over, "worker-b", later) is True
    row = delivery(session, taken_over)
    assert (row.status, row.sent_at, row.lease_until) == ("sent", later, None)
    assert claim(session, "worker-c", later + dt.timedelta(days=1)) is None


# --- failures ----------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_on_schedule_then_parked_with_one_copy_to_uava(session):
    referral = submit(session, now=T0)
    first = claim(session, "worker-a", T0)
    assert fail(session, first, "worker-a", T0) == "pending"
    row = delivery(session, first)
    assert row.status == "pending" and row.last_error == "connection refused"
    assert row.lease_until is None
    assert T0 + dt.timedelta(seconds=48) <= row.next_attempt_at <= T0 + dt.timedelta(seconds=72)
    assert claim(session, "worker-a", T0 + dt.timedelta(seconds=47)) is None

    now = row.next_attempt_at
    second = claim(session, "worker-a", now)
    assert second.attempt == 2
    assert fail(session, second, "worker-a", now) == "pending"
    gap = delivery(session, second).next_attempt_at - now
    assert dt.timedelta(seconds=240) <= gap <= dt.timedelta(seconds=360)

    now = delivery(session, second).next_attempt_at
    third = claim(session, "worker-a", now)
    assert third.attempt == 3
    assert fail(session, third, "worker-a", now) == "parked"
    parked = delivery(session, third)
    assert (parked.status, parked.parked_at, parked.lease_until) == ("parked", now, None)

    rows = rows_of(session, referral)
    fallbacks = [d for d in rows if d.fallback_for_id is not None]
    assert len(rows) == 2 and len(fallbacks) == 1
    fallback = fallbacks[0]
    assert fallback.organisation_id == organisation_id(session, "uava")
    assert fallback.service_slug == LLR_SUPPORT_SERVICE
    assert fallback.fallback_for_id == parked.id
    assert fallback.message_id != parked.message_id
    # The copy to UAVA goes out straight away.
    assert claim(session, "worker-a", now).delivery_id == fallback.id


def test_a_permanent_refusal_parks_at_once_and_two_parked_copies_make_one_uava_copy(session):
    referral = submit(session, (REFUGE, PANAHGHAR), now=T0)
    for _ in range(2):
        claimed = claim(session, "worker-a", T0)
        assert fail(session, claimed, "worker-a", T0, permanent=True) == "parked"
    rows = rows_of(session, referral)
    assert sorted(d.status for d in rows) == ["parked", "parked", "pending"]
    (fallback,) = [d for d in rows if d.status == "pending"]
    assert fallback.organisation_id == organisation_id(session, "uava")


def test_no_copy_to_uava_when_the_parked_delivery_was_for_uava_or_uava_already_has_one(session):
    to_uava = submit(session, (UAVA,), now=T0)
    claimed = claim(session, "worker-a", T0)
    assert fail(session, claimed, "worker-a", T0, permanent=True) == "parked"
    assert [d.status for d in rows_of(session, to_uava)] == ["parked"]

    both = submit(session, (REFUGE, UAVA), now=T0 + dt.timedelta(minutes=1))
    uava = organisation_id(session, "uava")
    for _ in range(2):
        claimed = claim(session, "worker-a", T0 + dt.timedelta(minutes=1))
        if delivery(session, claimed).organisation_id == uava:
            outbox.mark_sent(session, claimed, "worker-a", T0 + dt.timedelta(minutes=1))
        else:
            fail(session, claimed, "worker-a", T0 + dt.timedelta(minutes=1), permanent=True)
    assert sorted(d.status for d in rows_of(session, both)) == ["parked", "sent"]


def test_the_error_kept_is_one_short_line(session):
    submit(session, now=T0)
    claimed = claim(session, "worker-a", T0)
    outbox.mark_failed(
        session, claimed, "worker-a", T0, "server said\n  451 " + "x" * 1000, SCHEDULE
    )
    error = delivery(session, claimed).last_error
    assert error.startswith("server said 451 x") and len(error) == outbox.MAX_ERROR_LENGTH


# --- deleting delivered content ----------------------------------------------------------


def _send(
    session,
    referral: Referral,
    at: dt.datetime,
    statuses: dict | None = None,
    *,
    acknowledged: bool = True,
):
    """Take each of the referral's deliveries to a status: sent (at `at`) unless given;
    a sent copy is acknowledged by its provider at once unless `acknowledged` is False."""
    for row in referral.deliveries:
        status = (statuses or {}).get(row.service_slug, "sent")
        if status == "pending":
            continue
        row.status = "sending"
        row.claimed_by = "worker-a"
        session.commit()
        claimed = outbox.Claim(row.id, 1)
        if status == "sent":
            assert outbox.mark_sent(session, claimed, "worker-a", at)
            if acknowledged:
                row.acknowledged_at = at
                session.commit()
        else:
            outbox.mark_failed(
                session, claimed, "worker-a", at, "refused", SCHEDULE, permanent=True
            )


def test_content_is_deleted_only_once_every_copy_was_sent_longer_ago_than_the_retention(session):
    now = T0 + dt.timedelta(days=30)
    retention = dt.timedelta(days=7)
    old = now - dt.timedelta(days=8)
    delivered = submit(session, (REFUGE, PANAHGHAR), now=old)
    _send(session, delivered, old)
    recent = submit(session, now=old)
    _send(session, recent, now - dt.timedelta(days=6))
    one_recent = submit(session, (REFUGE, PANAHGHAR), now=old)
    _send(session, one_recent, old)
    one_recent.deliveries[1].sent_at = now - dt.timedelta(days=1)
    session.commit()
    parked = submit(session, (REFUGE, PANAHGHAR), now=old)
    _send(session, parked, old, {PANAHGHAR.service: "parked"})
    waiting = submit(session, (REFUGE, PANAHGHAR), now=old)
    _send(session, waiting, old, {PANAHGHAR.service: "pending"})
    never_sent = submit(session, now=old)

    assert outbox.purge_delivered_content(session, now, retention) == 1
    session.expire_all()
    purged = session.get(Referral, delivered.id)
    assert purged.content is None and purged.purged_at == now
    assert purged.reference == delivered.reference
    assert [d.status for d in purged.deliveries] == ["sent", "sent"]
    for kept in (recent, one_recent, parked, waiting, never_sent):
        assert cipher().decrypt(session.get(Referral, kept.id).content)["answers"]
        assert session.get(Referral, kept.id).purged_at is None
    assert outbox.purge_delivered_content(session, now, retention) == 0


def test_content_waits_for_the_provider_to_acknowledge_but_never_past_the_longest(session):
    now = T0 + dt.timedelta(days=100)
    retention, longest = dt.timedelta(days=7), dt.timedelta(days=90)
    unanswered = submit(session, (REFUGE, PANAHGHAR), now=now - dt.timedelta(days=30))
    _send(session, unanswered, now - dt.timedelta(days=30), acknowledged=False)
    half_answered = submit(session, (REFUGE, PANAHGHAR), now=now - dt.timedelta(days=30))
    _send(session, half_answered, now - dt.timedelta(days=30))
    half_answered.deliveries[1].acknowledged_at = None
    acknowledged_late = submit(session, now=now - dt.timedelta(days=30))
    _send(session, acknowledged_late, now - dt.timedelta(days=30))
    acknowledged_late.deliveries[0].acknowledged_at = now - dt.timedelta(days=2)
    forgotten = submit(session, (REFUGE,), now=now - dt.timedelta(days=91))
    _send(session, forgotten, now - dt.timedelta(days=91), {REFUGE.service: "parked"})
    session.commit()

    assert outbox.purge_delivered_content(session, now, retention, longest) == 1
    session.expire_all()
    assert session.get(Referral, forgotten.id).content is None
    for kept in (unanswered, half_answered, acknowledged_late):
        assert session.get(Referral, kept.id).content is not None


# --- submitting --------------------------------------------------------------------------


def test_the_same_submission_twice_makes_one_referral_with_its_deliveries_once(session):
    first = submit(session, (REFUGE, PANAHGHAR), now=T0, key="one-click")
    again = submit(
        session, (REFUGE, PANAHGHAR, UAVA), now=T0 + dt.timedelta(seconds=1), key="one-click"
    )
    assert again.id == first.id and again.reference == first.reference
    assert session.scalar(select(func.count()).select_from(Referral)) == 1
    slugs = session.scalars(select(Delivery.service_slug).order_by(Delivery.position)).all()
    assert slugs == [REFUGE.service, PANAHGHAR.service]
    other = submit(session, now=T0, key="another-form")
    assert other.id != first.id and other.reference != first.reference


# --- two workers at once -----------------------------------------------------------------


def _claim_concurrently(database: Database, count: int, limit: int = 1) -> None:
    with database.session() as session:
        expected = {
            row.id
            for i in range(count // 2)
            for row in submit(
                session, (REFUGE, PANAHGHAR), now=T0 + dt.timedelta(seconds=i)
            ).deliveries
        }
    assert len(expected) == count
    start = threading.Barrier(2)
    claimed: dict[str, list] = {"worker-a": [], "worker-b": []}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with database.session() as session:
                start.wait(timeout=10)
                for _ in range(count + 1):
                    taken = outbox.claim_due(
                        session, name, T0 + dt.timedelta(hours=1), LEASE, limit=limit
                    )
                    if not taken:
                        break
                    claimed[name].extend(c.delivery_id for c in taken)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    a, b = claimed["worker-a"], claimed["worker-b"]
    assert len(a) == len(set(a)) and len(b) == len(set(b))
    both = set(a) & set(b)
    assert len(both) == 0, "two workers claimed the same delivery"
    assert set(a) | set(b) == expected
    with database.session() as session:
        assert set(session.scalars(select(Delivery.status))) == {"sending"}


def test_two_workers_claiming_at_once_on_sqlite_never_take_the_same_delivery(database):
    _claim_concurrently(database, 40)


def test_two_workers_claiming_batches_at_once_on_sqlite_never_take_the_same_delivery(database):
    _claim_concurrently(database, 60, limit=4)


@pytest.mark.postgres
@pytest.mark.parametrize("limit", [1, 4], ids=["one at a time", "in batches"])
def test_two_workers_claiming_at_once_on_postgres_never_take_the_same_delivery(postgres_url, limit):
    database = fresh_postgres(postgres_url)
    try:
        _claim_concurrently(database, 60 if limit > 1 else 40, limit=limit)
    finally:
        database.dispose()
