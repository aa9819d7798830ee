"""The directory's rules for administrators' changes, called directly (no pages): what is
checked, what the audit log records, what is stamped, and what happens to translations."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.admin import directory_edit as edit
from portal.directory.load import load_directory
from portal.models import AuditEvent, Organisation, Service, StaffUser, stable_id
from tests.conftest import TODAY
from tests.staff_support import make_account

NOW = dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC)
OLD_REVIEW = dt.date(2025, 1, 10)


@pytest.fixture
def admin(app, db) -> StaffUser:
    return db.get(StaffUser, make_account(app, "admin").id)


def service(db, slug: str = "wall-brookes-house") -> Service:
    return db.scalars(select(Service).where(Service.slug == slug)).one()


def organisation(db, slug: str = "wall") -> Organisation:
    return db.scalars(select(Organisation).where(Organisation.slug == slug)).one()


def events(db, action: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.at)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.scalars(query))


def edit_service(db, admin, record, **values) -> dict:
    return edit.update_service(db, record, values, by=admin, now=NOW, today=TODAY)


def test_a_service_edit_records_each_changed_field_and_stamps_the_service(db, admin):
    brookes = service(db)
    brookes.reviewed_on = OLD_REVIEW

    changes = edit_service(
        db, admin, brookes, name="Brookes House Refuge", areas=["leicester", "rutland"], units=20
    )
    db.flush()

    assert changes == {
        "name": ["Brookes House", "Brookes House Refuge"],
        "areas": [["leicester"], ["leicester", "rutland"]],
        "units": [19, 20],
    }
    assert brookes.areas == ["leicester", "rutland"]
    assert brookes.reviewed_on == TODAY
    assert brookes.admin_edited_at == NOW
    [event] = events(db, "service edited")
    assert event.subject_id == str(brookes.id)
    assert event.actor_id == admin.id
    assert event.changes == changes


def test_saving_what_is_already_there_records_and_stamps_nothing(db, admin):
    brookes = service(db)
    brookes.reviewed_on = OLD_REVIEW
    everything = {name: getattr(brookes, name) for name in edit.SERVICE_FIELDS}
    # A form sends the areas in the vocabulary's order; the same codes are no change.
    everything["kinds"] = list(reversed(everything["kinds"]))

    assert edit_service(db, admin, brookes, **everything) == {}

    assert brookes.reviewed_on == OLD_REVIEW
    assert brookes.admin_edited_at is None
    assert events(db) == []


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"areas": []}, "areas", edit.NEEDS_AREA),
        ({"kinds": []}, "kinds", edit.NEEDS_KIND),
        ({"areas": ["leicester", "atlantis"]}, "areas", "Choose from the list"),
        ({"accepts_women": False, "accepts_men": False}, "accepts_women", edit.NEEDS_WOMEN_OR_MEN),
        ({"min_age": 30, "max_age": 18}, "min_age", edit.AGES_REVERSED),
        ({"status": "ended", "status_note": ""}, "status_note", edit.NEEDS_ENDED_REASON),
        ({"sons_no_age_limit": True, "max_son_age": 12}, "max_son_age", edit.SON_AGES_BOTH),
        ({"max_son_age": 14, "max_son_age_if_agreed": 14}, "max_son_age_if_agreed", None),
        ({"nrpf": "maybe"}, "nrpf", "Choose from the list"),
        ({"phone": "call 0116 255 0004"}, "phone", edit.PHONE_FORMAT),
        ({"phone": "12"}, "phone", edit.PHONE_FORMAT),
        ({"name": ""}, "name", None),
    ],
)
def test_a_service_edit_that_breaks_a_rule_changes_nothing(db, admin, values, field, message):
    brookes = service(db)
    before = {name: getattr(brookes, name) for name in edit.SERVICE_FIELDS}

    with pytest.raises(edit.Invalid) as raised:
        edit_service(db, admin, brookes, **values)

    assert field in raised.value.problems
    if message:
        assert raised.value.problems[field] == message
    assert {name: getattr(brookes, name) for name in edit.SERVICE_FIELDS} == before
    assert brookes.admin_edited_at is None
    assert events(db) == []


def test_an_unknown_field_is_a_mistake_in_the_code_not_the_form(db, admin):
    with pytest.raises(ValueError, match="not a service field: organisation_id"):
        edit_service(db, admin, service(db), organisation_id=None)


def test_changed_english_text_loses_its_translations_and_the_rest_keep_theirs(db, admin):
    juno = service(db, "wall-juno-house")
    assert juno.translations["gu"]["summary"] and juno.translations["gu"]["eligibility_note"]
    languages = set(juno.translations)

    changes = edit_service(db, admin, juno, summary="Safe housing in Leicester for young women.")

    assert all("summary" not in fields for fields in juno.translations.values())
    assert juno.translations["gu"]["eligibility_note"], "an unchanged text keeps its translation"
    removed = changes["translations removed"]
    assert removed.startswith("summary (")
    assert set(removed.removeprefix("summary (").rstrip(")").split(", ")) == languages
    db.commit()
    db.expire_all()
    assert "summary" not in service(db, "wall-juno-house").translations["gu"], "saved"


def test_an_organisation_description_change_drops_its_translations(db, admin):
    wall = organisation(db)
    wall.translations = {"gu": {"description": "જૂનું લખાણ"}}

    changes = edit.update_organisation(
        db, wall, {"description": "A charity in Leicester."}, by=admin, now=NOW, today=TODAY
    )

    assert wall.translations == {}
    assert changes["translations removed"] == "description (gu)"


def test_a_new_organisation_gets_its_stable_id_and_a_link_to_the_inbox(db, admin):
    created = edit.create_organisation(
        db,
        {
            "slug": "sanctuary-leicester",
            "name": "Sanctuary Leicester",
            "referral_email": "Referrals@Sanctuary.ORG.uk",
        },
        by=admin,
        now=NOW,
        today=TODAY,
    )
    db.flush()

    assert created.id == stable_id("organisation", "sanctuary-leicester")
    assert created.delivery_mode == "link"
    assert created.referral_email == "Referrals@sanctuary.org.uk"
    assert created.referral_email_is_demo is False
    assert created.admin_edited_at == NOW and created.reviewed_on == TODAY
    [event] = events(db, "organisation created")
    assert event.changes["slug"] == [None, "sanctuary-leicester"]
    assert event.changes["delivery_mode"] == [None, "link"]


@pytest.mark.parametrize(
    ("slug", "problem"),
    [
        ("wall", "already used"),
        ("Wall-Two", "lower-case"),
        ("wall--two", "lower-case"),
        ("-wall", "lower-case"),
        ("", "Enter a slug"),
    ],
)
def test_an_organisation_slug_must_be_well_formed_and_free(db, admin, slug, problem):
    with pytest.raises(edit.Invalid) as raised:
        edit.create_organisation(
            db,
            {"slug": slug, "name": "Another", "referral_email": "team@provider.org.uk"},
            by=admin,
            now=NOW,
            today=TODAY,
        )
    assert problem in raised.value.problems["slug"]


@pytest.mark.parametrize("address", ["team@", "team provider@org.uk", "Ann <ann@org.uk>", "x@y"])
def test_a_referral_address_must_be_an_address(db, admin, address):
    with pytest.raises(edit.Invalid) as raised:
        edit.update_organisation(
            db, organisation(db), {"referral_email": address}, by=admin, now=NOW, today=TODAY
        )
    assert raised.value.problems["referral_email"].startswith("Enter a valid e-mail address")


@pytest.mark.parametrize(
    ("address", "demo"),
    [
        ("wall@referrals.example.org", True),
        ("someone@example.com", True),
        ("someone@example.net", True),
        ("someone@example.co.uk", True),
        ("referrals@womensaid-leicester.org.uk", False),
        ("someone@notexample.org", False),
        ("someone@example-refuge.org.uk", False),
    ],
)
def test_demo_addresses(address, demo):
    assert edit.is_demo_address(address) is demo


def test_a_real_address_is_no_longer_a_demo_and_the_mode_can_change(db, admin):
    wall = organisation(db)
    assert wall.referral_email_is_demo and wall.delivery_mode == "full"

    changes = edit.update_organisation(
        db,
        wall,
        {"referral_email": "referrals@wall.org.uk", "delivery_mode": "link"},
        by=admin,
        now=NOW,
        today=TODAY,
    )

    assert changes["referral_email_is_demo"] == [True, False]
    assert changes["delivery_mode"] == ["full", "link"]
    assert wall.admin_edited_at == NOW
    with pytest.raises(edit.Invalid):
        edit.update_organisation(
            db, wall, {"delivery_mode": "post"}, by=admin, now=NOW, today=TODAY
        )


def test_a_new_service_has_its_rows_its_stable_id_and_todays_review(db, admin):
    wall = organisation(db)
    created = edit.create_service(
        db,
        wall,
        {
            "slug": "wall-rutland-outreach",
            "name": "Rutland Outreach",
            "summary": "Support in the community in Rutland.",
            "areas": ["rutland"],
            "kinds": ["outreach"],
        },
        by=admin,
        now=NOW,
        today=TODAY,
    )
    db.flush()
    db.expire_all()

    found = service(db, "wall-rutland-outreach")
    assert found.id == stable_id("service", "wall-rutland-outreach") == created.id
    assert found.areas == ["rutland"] and found.kinds == ["outreach"] and found.specialisms == []
    assert found.organisation.slug == "wall"
    assert found.status == "operating" and found.accepts_women and not found.accepts_men
    assert found.reviewed_on == TODAY and found.admin_edited_at == NOW
    [event] = events(db, "service created")
    assert event.changes["organisation"] == [None, "wall"]
    assert event.changes["areas"] == [[], ["rutland"]]


def test_a_new_service_needs_a_free_slug_and_an_area(db, admin):
    with pytest.raises(edit.Invalid) as raised:
        edit.create_service(
            db,
            organisation(db),
            {
                "slug": "wall-brookes-house",
                "name": "Copy",
                "summary": "A copy.",
                "areas": [],
                "kinds": ["refuge"],
            },
            by=admin,
            now=NOW,
            today=TODAY,
        )
    assert set(raised.value.problems) == {"slug", "areas"}


def test_facts_checked_moves_only_the_review_date(db, admin):
    brookes = service(db)
    brookes.reviewed_on = OLD_REVIEW

    edit.mark_reviewed(db, brookes, admin, NOW, TODAY)

    assert brookes.reviewed_on == TODAY
    # The check is the administrator's: reloading the files must not undo it.
    assert brookes.admin_edited_at == NOW
    [event] = events(db)
    assert event.action == "service reviewed"
    assert event.changes == {"reviewed_on": [OLD_REVIEW.isoformat(), TODAY.isoformat()]}


def test_the_loader_leaves_an_administrators_edit_alone(db, admin):
    brookes = service(db)
    edit_service(db, admin, brookes, name="Brookes House Refuge", areas=["leicester", "rutland"])
    organisation_changes = edit.update_organisation(
        db, organisation(db, "freeva"), {"name": "FreeVA"}, by=admin, now=NOW, today=TODAY
    )
    assert organisation_changes
    db.commit()

    report = load_directory(db)
    db.commit()
    db.expire_all()

    assert "wall-brookes-house" in report.kept and "freeva" in report.kept
    assert service(db).name == "Brookes House Refuge"
    assert service(db).areas == ["leicester", "rutland"]
    assert organisation(db, "freeva").name == "FreeVA"
    assert not report.updated and not report.created
