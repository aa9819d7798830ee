"""Referrals reaching providers by e-mail through a real SMTP server on loopback: once, to the
right address, saying the right things, through outages, dead and concurrent workers,
refusals, dropped connections, and only ever encrypted unless the server is on this
machine."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select, update

from portal.config import ConfigError
from portal.delivery import messages
from portal.delivery import worker as delivery_worker
from portal.delivery.smtp import SmtpTransport, parse_smtp_url
from portal.models import Delivery, Referral, Service
from tests.conftest import TEST_DATA_KEY, sqlite_url
from tests.delivery_support import (
    CODE_WORD,
    NAME,
    PHONE,
    REFUGE,
    SENDER,
    UAVA_ADDRESS,
    Mailbox,
    deliveries,
    free_port,
    fresh_postgres,
    mail_server,
    run_worker,
    self_signed_certificate,
    settings,
    submit,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
WALL_ADDRESS = "wall@referrals.example.org"
FALLBACK_NOTE = "could not be delivered to the service it was first meant for"


def plain(port: int) -> str:
    return f"smtp://127.0.0.1:{port}?tls=none"


@pytest.fixture
def database(app):
    return app.extensions["portal.database"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --- the form, as a person fills it in -----------------------------------------------------


FORM = {
    "about-you": {
        "name": NAME,
        "age": "34",
        "gender": "woman",
        "language": "en",
        "interpreter": "no",
    },
    "where": {"area": "leicester"},
    "needs": {"needs": ["safe-accommodation", "support", "counselling"]},
    "who-with": {},
    "contact": {"channels": ["text"], "phone": PHONE, "code_word": CODE_WORD},
}


def refer_through_the_form(client) -> tuple[str, str]:
    """Fill in and send the self-referral form, ticking one service of those offered.
    Returns the reference the sent page shows and the ticked service."""
    form = client.get("/en/refer/about-you").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    for step, data in FORM.items():
        response = client.post(f"/en/refer/{step}", data={"csrf_token": token, **data})
        assert response.status_code == 303, (step, response.get_data(as_text=True)[-2000:])
    check = BeautifulSoup(client.get("/en/refer/check").get_data(as_text=True), "html.parser")
    key = check.select_one('input[name="submission_key"]')["value"]
    offered = [box["value"] for box in check.select('input[name="share_with"]')]
    assert len(offered) >= 2, offered
    # Not the first one offered: the mail must follow the person's choice.
    ticked = offered[1]
    response = client.post(
        "/en/refer/check", data={"csrf_token": token, "submission_key": key, "share_with": [ticked]}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/refer/sent")
    sent = BeautifulSoup(client.get("/en/refer/sent").get_data(as_text=True), "html.parser")
    return sent.select_one("p.reference").get_text(strip=True), ticked


def address_of(database, service_slug: str) -> str:
    with database.session() as session:
        service = session.scalars(select(Service).where(Service.slug == service_slug)).one()
        return f"{service.organisation.slug}@referrals.example.org"


# --- a: a referral from the form arrives --------------------------------------------------


def test_a_referral_from_the_form_reaches_the_ticked_service_once_safe_contact_first(
    app, client, database
):
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        reference, ticked = refer_through_the_form(client)
        first = run_worker(app, plain(port))
        second = run_worker(app, plain(port))

    assert (first.sent, second.sent, second.retrying, second.parked) == (1, 0, 0, 0)
    (received,) = mailbox.received
    to = address_of(database, ticked)
    assert received.recipients == (to,) and received.message["To"] == to
    assert received.message["From"] == SENDER
    assert re.fullmatch(r"LLR-[0-9A-Z]{4}-[0-9A-Z]{4}", reference)
    subject = received.message["Subject"]
    assert subject == f"Referral {reference}"
    assert "abuse" not in subject.lower()

    text = received.text
    sections = re.findall(r"^== (.+) ==$", text, flags=re.MULTILINE)
    assert sections[0] == "How to contact them safely: read this first"
    person = text.index("== The person ==")
    assert text.index(PHONE) < text.index(CODE_WORD) < person < text.index("Age\n  34")
    assert text.index(NAME) > person
    html = received.message.get_body(("html",))
    assert html is not None
    assert PHONE in html.get_content() and reference in html.get_content()

    (delivery,) = deliveries(database)
    assert delivery.service_slug == ticked and delivery.status == "sent"
    assert received.message_id == delivery.message_id


# --- b: an outage ----------------------------------------------------------------------


class ComesBackShaky(Mailbox):
    """A server that, just back, asks the first few senders to try again later."""

    def __init__(self, deferrals: int):
        super().__init__()
        self.deferrals = deferrals

    async def before_accepting(self, envelope):
        if self.deferrals:
            self.deferrals -= 1
            return "451 4.3.0 Busy, try again later"
        return None


def test_after_an_outage_every_waiting_referral_arrives_exactly_once(app, database):
    with database.session() as session:
        for _ in range(50):
            submit(session)
    port = free_port()
    schedule = (60, 1, 1, 1, 1, 1, 1, 1, 1, 1)

    down = run_worker(app, plain(port), schedule)
    started = now()
    assert (down.sent, down.retrying, down.parked) == (0, 50, 0)
    waiting = deliveries(database)
    assert len(waiting) == 50
    for delivery in waiting:
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert delivery.last_error == "ConnectionRefusedError" and delivery.sent_at is None
        # The first retry is a minute away, give or take its jitter.
        assert dt.timedelta(seconds=40) < delivery.next_attempt_at - started
        assert delivery.next_attempt_at - started <= dt.timedelta(seconds=72)

    # A minute passes.
    with database.session() as session:
        for delivery in session.scalars(select(Delivery)):
            delivery.next_attempt_at -= dt.timedelta(seconds=75)
    mailbox = ComesBackShaky(deferrals=10)
    deadline = time.monotonic() + 30
    with mail_server(mailbox, port=port):
        while any(d.status != "sent" for d in deliveries(database)):
            assert time.monotonic() < deadline, "not every referral was sent within 30 s"
            run_worker(app, plain(port), schedule)
            time.sleep(0.1)

    copies = mailbox.copies()
    assert set(copies) == {d.message_id for d in deliveries(database)}
    assert set(copies.values()) == {1}
    # One attempt each during the outage, one after, and one more for each deferral.
    attempts = [d.attempts for d in deliveries(database)]
    assert min(attempts) == 2 and sum(attempts) == 50 * 2 + 10


# --- c: a worker killed while sending ------------------------------------------------------


def worker_process(database_url: str, port: int, *args: str) -> subprocess.Popen:
    environment = {
        **os.environ,
        "PORTAL_ENV": "production",
        "PORTAL_SECRET_KEY": "delivery-test-secret",
        "PORTAL_DATA_KEY": TEST_DATA_KEY,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_SMTP_URL": plain(port),
        "PORTAL_BASE_URL": "https://portal.example.org",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "portal", "deliver", *args],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def deliver_once(database_url: str, port: int) -> str:
    process = worker_process(database_url, port, "--once")
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    return stdout.strip()


class Hangs(Mailbox):
    """Holds every message at the end of DATA until released, then asks to try later."""

    def __init__(self):
        super().__init__()
        self.holding = True
        self.data_seen = threading.Event()
        self.release = threading.Event()

    async def before_accepting(self, envelope):
        if not self.holding:
            return None
        self.data_seen.set()
        await wait_for(self.release.is_set, timeout=60)
        return "451 4.3.0 Try again later"


def test_a_referral_held_by_a_killed_worker_is_sent_once_after_its_lease_runs_out(
    database, database_path
):
    url = sqlite_url(database_path)
    with database.session() as session:
        referral = submit(session)
    mailbox = Hangs()
    with mail_server(mailbox) as port:
        process = worker_process(url, port)
        try:
            assert mailbox.data_seen.wait(timeout=30), "the worker never reached DATA"
        finally:
            process.send_signal(signal.SIGKILL)
            process.communicate(timeout=30)
        mailbox.holding = False
        mailbox.release.set()

        (held,) = deliveries(database)
        assert held.status == "sending" and held.lease_until > now()
        # Its lease has not run out: another worker must not send it (it might yet arrive).
        assert deliver_once(url, port) == "0 sent, 0 to retry later, 0 parked"
        assert mailbox.received == []

        # Five minutes pass.
        with database.session() as session:
            session.execute(update(Delivery).values(lease_until=now() - dt.timedelta(seconds=1)))
        assert deliver_once(url, port) == "1 sent, 0 to retry later, 0 parked"

    (delivery,) = deliveries(database)
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert mailbox.copies() == {delivery.message_id: 1}
    assert mailbox.received[0].message["Subject"] == f"Referral {referral.reference}"


# --- d: two workers at once ------------------------------------------------------------


class TwoAtOnce(Mailbox):
    """Holds the first message until a second one is being sent alongside it, so the two
    workers are certainly sending at the same time."""

    def __init__(self):
        super().__init__()
        self.sending = 0
        self.most_at_once = 0

    async def before_accepting(self, envelope):
        self.sending += 1
        self.most_at_once = max(self.most_at_once, self.sending)
        try:
            await wait_for(lambda: self.most_at_once >= 2, timeout=20)
        finally:
            self.sending -= 1
        return None


def _two_workers(database, database_url: str) -> None:
    with database.session() as session:
        for _ in range(30):
            submit(session)
    mailbox = TwoAtOnce()
    with mail_server(mailbox) as port:
        workers = [worker_process(database_url, port, "--once") for _ in range(2)]
        outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_, stderr) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, stderr
    copies = mailbox.copies()
    assert [id_ for id_, count in copies.items() if count > 1] == [], "sent twice"
    assert len(copies) == 30
    # Both workers were sending at the same moment, and each sent some.
    assert mailbox.most_at_once == 2
    sent = [int(stdout.split()[0]) for stdout, _ in outputs]
    assert sum(sent) == 30 and min(sent) >= 1
    rows = deliveries(database)
    assert set(copies) == {d.message_id for d in rows}
    assert {d.status for d in rows} == {"sent"}


def test_two_workers_at_once_send_each_referral_once_on_sqlite(database, database_path):
    _two_workers(database, sqlite_url(database_path))


@pytest.mark.postgres
def test_two_workers_at_once_send_each_referral_once_on_postgres(postgres_url):
    database = fresh_postgres(postgres_url)
    try:
        _two_workers(database, postgres_url)
    finally:
        database.dispose()


# --- e: a refusal ---------------------------------------------------------------------


def test_a_provider_refusing_the_address_parks_it_and_uava_gets_the_referral(app, database):
    with database.session() as session:
        referral = submit(session, (REFUGE,))
    mailbox = Mailbox(refuse=[WALL_ADDRESS])
    with mail_server(mailbox) as port:
        tally = run_worker(app, plain(port))

    assert (tally.sent, tally.parked, tally.retrying) == (1, 1, 0)
    assert mailbox.refused == [WALL_ADDRESS] and mailbox.to(WALL_ADDRESS) == []
    (received,) = mailbox.to(UAVA_ADDRESS)
    assert received.recipients == (UAVA_ADDRESS,)
    assert received.message["Subject"] == f"Referral {referral.reference}"
    assert FALLBACK_NOTE in " ".join(received.text.split())
    assert PHONE in received.text
    parked, fallback = deliveries(database)
    assert (parked.status, parked.last_error) == ("parked", "recipient refused (550)")
    assert (fallback.status, fallback.fallback_for_id) == ("sent", parked.id)
    assert received.message_id == fallback.message_id != parked.message_id


class RefusesOurSender(Mailbox):
    """Our own relay, refusing the sender address we were configured with."""

    def __init__(self):
        super().__init__()
        self.sender_allowed = False

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if not self.sender_allowed:
            return "553 5.7.1 Sender address rejected: not owned by user"
        envelope.mail_from = address
        return "250 OK"


def test_a_relay_refusing_our_sender_address_keeps_the_referral_waiting_not_parked(app, database):
    with database.session() as session:
        submit(session, (REFUGE,))
    mailbox = RefusesOurSender()
    with mail_server(mailbox) as port:
        refused = run_worker(app, plain(port))
        # A settings mistake, ours to fix: the referral waits for it, and UAVA gets no copy.
        assert (refused.retrying, refused.parked, refused.sent) == (1, 0, 0)
        (waiting,) = deliveries(database)
        assert (waiting.status, waiting.last_error) == ("pending", "sender refused (553)")
        mailbox.sender_allowed = True
        with database.session() as session:
            session.execute(update(Delivery).values(next_attempt_at=now()))
        assert run_worker(app, plain(port)).sent == 1
    (received,) = mailbox.received
    assert received.recipients == (WALL_ADDRESS,)
    assert [d.status for d in deliveries(database)] == ["sent"]


# --- f: encryption ----------------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path) -> tuple[Path, ssl.SSLContext]:
    certificate_path, key_path = self_signed_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate_path, key_path)
    return certificate_path, context


def test_a_server_without_starttls_gets_nothing(app, database):
    with database.session() as session:
        submit(session)
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        tally = run_worker(app, f"smtp://127.0.0.1:{port}")
    assert (tally.sent, tally.retrying) == (0, 1)
    assert mailbox.received == []
    (delivery,) = deliveries(database)
    assert delivery.status == "pending" and "STARTTLS" in delivery.last_error


def test_with_starttls_and_a_trusted_certificate_the_referral_arrives_encrypted(
    app, database, certificate
):
    certificate_path, context = certificate
    with database.session() as session:
        submit(session)
    mailbox = Mailbox()
    with (
        mail_server(mailbox, tls_context=context, require_starttls=True) as port,
    ):
        untrusted = run_worker(app, f"smtp://127.0.0.1:{port}")
        assert (untrusted.sent, mailbox.received) == (0, [])
        assert "SSL" in deliveries(database)[0].last_error
        with database.session() as session:
            session.execute(update(Delivery).values(next_attempt_at=now()))
        trusted = run_worker(app, f"smtp://127.0.0.1:{port}?cafile={certificate_path}")
    assert trusted.sent == 1
    (received,) = mailbox.received
    assert received.encrypted and received.message_id == deliveries(database)[0].message_id


def test_with_smtps_the_referral_arrives_encrypted(app, database, certificate):
    certificate_path, context = certificate
    with database.session() as session:
        submit(session)
    mailbox = Mailbox()
    with mail_server(mailbox, ssl_context=context) as port:
        tally = run_worker(app, f"smtps://127.0.0.1:{port}?cafile={certificate_path}")
    assert tally.sent == 1
    (received,) = mailbox.received
    assert received.encrypted


def test_sending_in_clear_is_refused_for_a_server_on_another_machine():
    for url in ("smtp://mail.example.org:25?tls=none", "smtp://192.0.2.7?tls=none"):
        with pytest.raises(ConfigError, match="only allowed for a mail server on this machine"):
            parse_smtp_url(url)
    for host in ("localhost", "127.0.0.1", "[::1]"):
        assert parse_smtp_url(f"smtp://{host}:1025?tls=none").security == "none"
    assert parse_smtp_url("smtp://mail.example.org").security == "starttls"
    secure = parse_smtp_url("smtps://user%40org:p%40ss@mail.example.org?cafile=/etc/ca.pem")
    assert (secure.security, secure.port, secure.host) == ("tls", 465, "mail.example.org")
    assert (secure.username, secure.password, secure.cafile) == ("user@org", "p@ss", "/etc/ca.pem")


# --- g: deleting what was delivered -----------------------------------------------------


def test_purge_deletes_content_a_week_after_the_provider_has_it_and_never_keeps_it_past_90_days(
    app, database, runner
):
    with database.session() as session:
        taken, recent, unanswered, forgotten = (submit(session) for _ in range(4))
    mailbox = Mailbox()
    with mail_server(mailbox) as port:
        assert run_worker(app, plain(port)).sent == 4
    week_and_a_day = dt.timedelta(days=8)
    with database.session() as session:
        for referral, sent_ago, acknowledged_ago in (
            (taken, week_and_a_day, week_and_a_day),  # acknowledged more than 7 days ago
            (recent, week_and_a_day, dt.timedelta(0)),  # acknowledged just now
            (unanswered, week_and_a_day, None),  # delivered, nobody has said they have it
            (forgotten, dt.timedelta(days=91), None),  # past the 90-day limit
        ):
            for delivery in session.scalars(
                select(Delivery).where(Delivery.referral_id == referral.id)
            ):
                delivery.sent_at -= sent_ago
                if acknowledged_ago is not None:
                    delivery.acknowledged_at = now() - acknowledged_ago
            session.get(Referral, referral.id).created_at -= sent_ago

    # The commands are added with app.cli.add_command, so the runner needs the app context
    # that `flask` itself pushes.
    with app.app_context():
        result = runner.invoke(args=["purge"])
        again = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2 referrals' content deleted, 0 unfinished forms deleted"
    with database.session() as session:
        for referral in (taken, forgotten):
            purged = session.get(Referral, referral.id)
            assert purged.content is None and purged.purged_at is not None
            assert purged.reference == referral.reference
            assert [d.status for d in purged.deliveries] == ["sent"]
        for referral in (recent, unanswered):
            kept = session.get(Referral, referral.id)
            assert kept.content is not None and kept.purged_at is None
    assert again.output.strip() == "0 referrals' content deleted, 0 unfinished forms deleted"


# --- h: nothing a person typed is logged ----------------------------------------------------


def test_nothing_a_person_typed_is_logged_while_referring_and_delivering(
    app, client, database, caplog
):
    caplog.set_level(logging.DEBUG)
    _, ticked = refer_through_the_form(client)
    run_worker(app, plain(free_port()))  # nothing listening
    with database.session() as session:
        session.execute(update(Delivery).values(next_attempt_at=now()))
    mailbox = Mailbox(refuse=[address_of(database, ticked)])
    with mail_server(mailbox) as port:
        tally = run_worker(app, plain(port))
    assert (tally.parked, tally.sent) == (1, 1)
    assert PHONE in mailbox.to(UAVA_ADDRESS)[0].text

    # The provider's own server (aiosmtpd, "mail.log") is not the portal.
    records = [r for r in caplog.records if not r.name.startswith("mail.log")]
    portal = [r.getMessage() for r in records if r.name.startswith("portal")]
    assert any("sent" in m for m in portal) and any("failed" in m for m in portal)
    for record in records:
        logged = record.getMessage()
        if record.exc_info:
            logged += logging.Formatter().formatException(record.exc_info)
        for typed in (PHONE, PHONE.replace(" ", ""), CODE_WORD, NAME, NAME.split()[1]):
            assert typed not in logged, f"{record.name} logged {typed!r}"


# --- i: one connection for many referrals, and a new one when the server drops it ----------


class Connections(Mailbox):
    """Notes the connection (SMTP session) each message came over, and each goodbye."""

    def __init__(self):
        super().__init__()
        # The sessions themselves, kept so that no two of them can share an id.
        self.sessions: list = []
        self.goodbyes = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        reply = await super().handle_DATA(server, session, envelope)
        self.sessions.append(session)
        return reply

    async def handle_QUIT(self, server, session, envelope):  # noqa: N802
        self.goodbyes += 1
        return "221 Bye"

    def carried_one_already(self, session) -> bool:
        return any(seen is session for seen in self.sessions)

    def connections(self) -> int:
        return len({id(session) for session in self.sessions})


def test_a_worker_sends_several_referrals_over_one_connection_and_says_goodbye(app, database):
    with database.session() as session:
        for _ in range(5):
            submit(session)
    mailbox = Connections()
    with mail_server(mailbox) as port:
        tally = run_worker(app, plain(port))
    assert tally.sent == 5
    assert set(mailbox.copies().values()) == {1} and len(mailbox.copies()) == 5
    assert (mailbox.connections(), mailbox.goodbyes) == (1, 1)


class DropsOldConnections(Mailbox):
    """Ends a connection when a second message is begun on it: `silently` (what a client
    sees when the server has timed out a connection left open) or with a 421 reply (a
    server that takes a few messages per connection)."""

    def __init__(self, *, silently: bool):
        super().__init__()
        self.silently = silently
        self.connections = Connections()
        self.dropped = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):  # noqa: N802
        if self.connections.carried_one_already(session):
            self.dropped += 1
            if self.silently:
                server.transport.abort()
            else:
                asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.4.2 Closing connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        await self.connections.handle_DATA(server, session, envelope)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize("silently", [True, False], ids=["dropped silently", "closed with 421"])
def test_a_connection_the_server_ended_between_referrals_is_replaced_at_once(
    app, database, silently
):
    with database.session() as session:
        for _ in range(3):
            submit(session)
    mailbox = DropsOldConnections(silently=silently)
    with mail_server(mailbox) as port:
        tally = run_worker(app, plain(port))

    assert (tally.sent, tally.retrying) == (3, 0)
    assert mailbox.dropped == 2 and mailbox.connections.connections() == 3
    rows = deliveries(database)
    assert set(mailbox.copies()) == {d.message_id for d in rows}
    assert set(mailbox.copies().values()) == {1}
    # Nothing of a referral had reached the server: sent now, not counted as a failure.
    assert {(d.status, d.attempts, d.last_error) for d in rows} == {("sent", 1, None)}


class KeepsButDropsBeforeAnswering(Mailbox):
    """Keeps the second message of a connection, then drops the connection before saying
    it was accepted."""

    def __init__(self):
        super().__init__()
        self.connections = Connections()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.connections.carried_one_already(session):
            await super().handle_DATA(server, session, envelope)
            server.transport.abort()
            return "250 2.0.0 Accepted"
        await self.connections.handle_DATA(server, session, envelope)
        return await super().handle_DATA(server, session, envelope)


def test_a_referral_that_may_have_arrived_before_the_connection_dropped_is_not_resent_at_once(
    app, database
):
    with database.session() as session:
        first, second = submit(session), submit(session)
    mailbox = KeepsButDropsBeforeAnswering()
    with mail_server(mailbox) as port:
        tally = run_worker(app, plain(port))

    assert (tally.sent, tally.retrying) == (1, 1)
    assert set(mailbox.copies().values()) == {1} and len(mailbox.copies()) == 2
    by_referral = {d.referral_id: d for d in deliveries(database)}
    assert by_referral[first.id].status == "sent"
    # It is retried on the schedule, with the same Message-ID, like any failure.
    waiting = by_referral[second.id]
    assert (waiting.status, waiting.attempts) == ("pending", 1)
    assert waiting.last_error == "SMTPServerDisconnected"
    assert waiting.next_attempt_at > now() + dt.timedelta(seconds=40)


def test_an_idle_worker_hangs_up_and_opens_a_new_connection_for_the_next_referral(app, database):
    with database.session() as session:
        submit(session)
        submit(session)
    mailbox = Connections()
    stop = threading.Event()
    quick = replace(settings(), hang_up_seconds=0.2)
    with mail_server(mailbox) as port:
        transport = SmtpTransport(parse_smtp_url(plain(port)))

        def deliver_until_stopped():
            with app.app_context():
                delivery_worker.run(
                    database,
                    app.extensions["portal.cipher"],
                    transport.send,
                    messages.compose,
                    quick,
                    stop=stop,
                    hang_up=transport.close,
                )

        running = threading.Thread(target=deliver_until_stopped)
        running.start()
        try:
            deadline = time.monotonic() + 30
            while mailbox.goodbyes < 1:
                assert time.monotonic() < deadline, "the idle worker kept its connection open"
                time.sleep(0.02)
            assert (len(mailbox.received), mailbox.connections()) == (2, 1)
            with database.session() as session:
                submit(session)
            while mailbox.goodbyes < 2:
                assert time.monotonic() < deadline, "the third referral was not sent"
                time.sleep(0.02)
        finally:
            stop.set()
            running.join(timeout=30)
    assert (len(mailbox.received), mailbox.connections()) == (3, 2)
    assert {d.status for d in deliveries(database)} == {"sent"}


def _deliver_due(app, database, port: int, quick, stop=None, after_each=None) -> list[str]:
    with app.app_context(), SmtpTransport(parse_smtp_url(plain(port))) as transport:

        def send(message):
            transport.send(message)
            if after_each:
                after_each()

        return delivery_worker.deliver_due(
            database,
            app.extensions["portal.cipher"],
            send,
            messages.compose,
            quick,
            "worker-a",
            stop,
        )


def test_a_stopping_worker_gives_back_the_referrals_it_had_not_begun(app, database):
    with database.session() as session:
        for _ in range(3):
            submit(session)
    stop = threading.Event()
    with mail_server(Mailbox()) as port:
        statuses = _deliver_due(app, database, port, settings(), stop, after_each=stop.set)
    assert statuses == ["sent"]
    rows = deliveries(database)
    assert sorted((d.status, d.attempts, d.claimed_by) for d in rows) == [
        ("pending", 0, None),
        ("pending", 0, None),
        ("sent", 1, "worker-a"),
    ]
    # Due again at once, for any worker.
    assert all(d.next_attempt_at <= now() for d in rows if d.status == "pending")


class Slow(Mailbox):
    async def before_accepting(self, envelope):
        await asyncio.sleep(0.3)
        return None


def test_a_worker_never_begins_a_referral_on_a_lease_half_gone(app, database):
    with database.session() as session:
        for _ in range(3):
            submit(session)
    short_lease = replace(settings(), lease=dt.timedelta(seconds=0.4))
    with mail_server(Slow()) as port:
        statuses = _deliver_due(app, database, port, short_lease)
    # The first took 0.3 s, more than half the lease: the others were given back.
    assert statuses == ["sent"]
    assert sorted((d.status, d.attempts) for d in deliveries(database)) == [
        ("pending", 0),
        ("pending", 0),
        ("sent", 1),
    ]
