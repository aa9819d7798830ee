"""The referral forms through Flask's client: steps, validation that keeps what was typed,
safe contact, consent by name, one referral per submission, nothing personal left behind."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.models import Delivery, Referral, ReferralDraft
from tests.conftest import parse_page, text_of
from tests.web.referral_journey import PROFESSIONAL_ANSWERS, SELF_ANSWERS, Journey, page


def referral_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Referral))


def test_the_start_page_explains_and_sets_no_cookie(client, get_page):
    response = client.get("/en/refer")
    assert "Set-Cookie" not in response.headers
    text = text_of(parse_page(response).main)
    assert "you choose which ones get it" in text
    assert get_page("/en/refer").select_one('a.button[href="/en/refer/about-you"]')


def test_a_self_referral_goes_step_by_step_to_check_and_send(client, db):
    journey = Journey(client)
    redirects = []
    for step, data in SELF_ANSWERS.items():
        response = journey.post(step, data)
        assert response.status_code == 303
        redirects.append(response.headers["Location"])
    assert redirects == [
        "/en/refer/where",
        "/en/refer/needs",
        "/en/refer/who-with",
        "/en/refer/contact",
        "/en/refer/check",
    ]
    check = journey.check_page()
    summary = {
        text_of(dt): text_of(dd)
        for dt, dd in zip(
            check.select(".summary dt"),
            check.select(".summary dd:not(.summary-change)"),
            strict=True,
        )
    }
    assert summary["Age"] == "29"
    assert summary["Children who would come"] == "girl aged 6; boy aged 15"
    assert summary["A safe phone number"] == "07700 900123"
    offered = [text_of(label) for label in check.select(".choice--service label")]
    assert offered[0] == "Panahghar : Panahghar refuge"
    response, _, _ = journey.send(["panahghar-refuge"])
    assert response.status_code == 303 and response.headers["Location"] == "/en/refer/sent"
    referral = db.scalars(select(Referral)).one()
    assert [d.service_slug for d in referral.deliveries] == ["panahghar-refuge"]
    assert referral.deliveries[0].status == "pending"
    sent = client.get("/en/refer/sent")
    text = text_of(page(sent).main)
    assert referral.reference in text
    # The confirmation shows no personal data.
    for typed in ("Asha", "07700 900123", "sunflower", "29"):
        assert typed not in text
    # It is shown once: the cookie is emptied, and Back or a reload leads to the start.
    assert (
        "Max-Age=0" in sent.headers["Set-Cookie"]
        or "Expires=Thu, 01 Jan 1970" in sent.headers["Set-Cookie"]
    )
    again = client.get("/en/refer/sent")
    assert again.status_code == 302 and again.headers["Location"].endswith("/en/refer")


def test_only_the_services_ticked_receive_it(client, db):
    journey = Journey(client)
    journey.answer_all(
        {**SELF_ANSWERS, "needs": {"needs": ["safe-accommodation", "children-support"]}}
    )
    response, _, offered = journey.send()
    assert len(offered) == 2
    journey2 = Journey(client)
    journey2.answer_all(SELF_ANSWERS)
    journey2.send([])
    assert referral_count(db) == 1
    assert sorted(d.service_slug for d in db.scalars(select(Delivery))) == sorted(offered)


def test_sending_without_ticking_a_service_says_so_next_to_the_choice(client, db):
    journey = Journey(client)
    journey.answer_all(SELF_ANSWERS)
    response, _, _ = journey.send([])
    assert response.status_code == 422
    result = page(response)
    assert "Choose at least one service to send this to" in text_of(
        result.select_one("#share_with-error")
    )
    assert result.select_one('.error-summary a[href="#share_with"]') is not None
    assert referral_count(db) == 0


def test_a_double_click_or_resubmission_makes_one_referral(client, db):
    journey = Journey(client)
    journey.answer_all(SELF_ANSWERS)
    first, key, offered = journey.send(["panahghar-refuge"])
    again = journey.post("check", {"submission_key": key, "share_with": ["panahghar-refuge"]})
    assert again.status_code == 303 and again.headers["Location"] == "/en/refer/sent"
    assert referral_count(db) == 1
    assert db.scalar(select(func.count()).select_from(Delivery)) == 1


def test_missing_and_bad_answers_get_messages_and_keep_what_was_typed(client):
    journey = Journey(client)
    response = journey.post("about-you", {"name": "Asha", "age": "twenty", "language": "other"})
    assert response.status_code == 422
    result = page(response)
    errors = {p["id"]: text_of(p) for p in result.select(".field-error")}
    assert errors["age-error"] == "Error: Enter the age as a number, like 34"
    assert errors["gender-error"] == "Error: Choose a gender, or prefer not to say"
    assert errors["other_language-error"] == "Error: Enter the language"
    assert result.select_one("#age")["value"] == "twenty"
    assert result.select_one("#name")["value"] == "Asha"
    assert result.select_one('input[name="language"][value="other"]').has_attr("checked")
    assert result.title.get_text().startswith("Error:")
    summary_links = [a["href"] for a in result.select(".error-summary a")]
    assert summary_links[0] == "#age"


def test_the_contact_step_asks_for_a_number_when_a_call_or_text_is_safe(client):
    journey = Journey(client)
    journey.answer_all({k: v for k, v in SELF_ANSWERS.items() if k != "contact"})
    response = journey.post("contact", {"channels": ["text"], "code_word": "tulip"})
    assert response.status_code == 422
    result = page(response)
    assert text_of(result.select_one("#phone-error")) == "Error: Enter a safe phone number"
    assert result.select_one("#code_word")["value"] == "tulip"
    nothing = journey.post("contact", {})
    assert "Choose at least one safe way to contact you" in nothing.get_data(as_text=True)


def test_do_not_contact_me_is_allowed_and_the_confirmation_gives_numbers_to_call(client):
    journey = Journey(client)
    journey.answer_all({**SELF_ANSWERS, "contact": {"do_not_contact": "y"}})
    journey.send()
    text = text_of(page(client.get("/en/refer/sent")).main)
    assert "You asked not to be contacted" in text
    assert "0808 80 200 28" in text


def test_steps_cannot_be_skipped(client):
    response = Journey(client).get("needs")
    assert response.status_code == 303
    assert response.headers["Location"] == "/en/refer/about-you"
    assert Journey(client).get("check").headers["Location"] == "/en/refer/about-you"


def test_change_links_return_to_check_and_send(client):
    journey = Journey(client)
    journey.answer_all(SELF_ANSWERS)
    check = journey.check_page()
    change = check.select_one('a[href="/en/refer/where?return=check"]')
    assert change is not None
    response = journey.post("where?return=check", {"area": "charnwood"})
    assert response.headers["Location"] == "/en/refer/check"
    assert "Charnwood" in text_of(journey.check_page().select_one(".summary"))


def test_children_can_be_added_and_removed_without_javascript(client):
    journey = Journey(client)
    journey.answer_all({k: SELF_ANSWERS[k] for k in ("about-you", "where", "needs")})
    added = journey.post(
        "who-with", {"children-0-age": "3", "children-0-sex": "male", "add_child": "y"}
    )
    assert added.status_code == 200
    rows = page(added)
    assert rows.select_one("#children-0-age")["value"] == "3"
    assert rows.select_one("#children-1-age") is not None
    assert rows.select(".field-error") == []
    removed = journey.post(
        "who-with",
        {
            "children-0-age": "3",
            "children-0-sex": "male",
            "children-1-age": "8",
            "children-1-sex": "female",
            "remove_child": "0",
        },
    )
    left = page(removed)
    assert left.select_one("#children-0-age")["value"] == "8"
    assert left.select_one("#children-1-age") is None


def test_an_empty_child_row_means_no_child_but_a_half_filled_one_is_questioned(client):
    journey = Journey(client)
    journey.answer_all({k: SELF_ANSWERS[k] for k in ("about-you", "where", "needs")})
    # The form always shows one child row; left empty, it is not an error.
    empty = journey.post("who-with", {"children-0-age": "", "pets": "no"})
    assert empty.status_code == 303
    journey.answer_all({"contact": SELF_ANSWERS["contact"]})
    assert "Children who would come No children" in text_of(
        journey.check_page().select_one(".summary")
    )

    half = journey.post("who-with", {"children-0-age": "", "children-0-sex": "male"})
    assert half.status_code == 422
    summary = page(half).select_one(".error-summary")
    links = {a["href"]: text_of(a) for a in summary.select("a")}
    assert links == {"#children-0-age": "Enter the child's age"}


def test_a_htmx_send_loads_the_confirmation_as_a_whole_page(client):
    journey = Journey(client)
    journey.answer_all(SELF_ANSWERS)
    check = journey.check_page()
    key = check.select_one('input[name="submission_key"]')["value"]
    offered = [box["value"] for box in check.select('input[name="share_with"]')]
    response = journey.post(
        "check",
        {"submission_key": key, "share_with": offered},
        headers={"HX-Request": "true", "HX-Target": "referral-step"},
    )
    assert response.headers["HX-Redirect"] == "/en/refer/sent"
    assert response.get_data() == b""
    assert "Your request has been sent" in text_of(page(client.get("/en/refer/sent")).h1)


def test_a_child_under_13_is_shown_childline_instead_of_the_form(client, db):
    response = Journey(client).post(
        "about-you", {"age": "11", "gender": "woman", "language": "en", "interpreter": "no"}
    )
    assert response.headers["Location"] == "/en/refer/young-people"
    text = text_of(page(client.get("/en/refer/young-people")).main)
    assert "Childline" in text and "0800 1111" in text


def test_someone_under_16_is_only_offered_young_peoples_services(client):
    journey = Journey(client)
    journey.answer_all(
        {
            **SELF_ANSWERS,
            "about-you": {"age": "15", "gender": "woman", "language": "en", "interpreter": "no"},
            "where": {"area": "harborough"},
            "needs": {"needs": ["support", "counselling"]},
            "who-with": {},
        }
    )
    check = journey.check_page()
    assert "we only send this to services for young people" in text_of(check.select_one(".notice"))
    offered = [box["value"] for box in check.select('input[name="share_with"]')]
    assert "freeva-young-peoples-counselling" in offered
    assert not [slug for slug in offered if "refuge" in slug or "house" in slug]


def test_a_professional_referral_asks_for_the_referrer_and_shows_the_reasons(client, db):
    journey = Journey(client, "professional")
    assert journey.get("about-you").headers["Location"] == "/en/refer/professional/referrer"
    no_reason = journey.post("referrer", {**PROFESSIONAL_ANSWERS["referrer"], "consent": "no"})
    assert "Say why you are referring without their agreement" in no_reason.get_data(as_text=True)
    journey.answer_all(PROFESSIONAL_ANSWERS)
    check = journey.check_page()
    reasons = text_of(check.select_one(".choice--service"))
    assert "specialist service for male victims" in reasons
    assert any("MARAC" in text_of(li) for li in check.select(".reasons li"))
    response, _, _ = journey.send()
    assert response.headers["Location"] == "/en/refer/sent"
    referral = db.scalars(select(Referral)).one()
    assert referral.referrer == "professional"
    assert any(d.kind == "idva" for d in referral.deliveries)


def test_the_form_pages_are_never_stored_and_their_cookie_is_a_session_cookie(client):
    response = Journey(client).get("about-you")
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-portal-session=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie
    assert "Expires" not in cookie and "Max-Age" not in cookie


def test_the_browser_holds_only_an_opaque_id_and_answers_are_encrypted(client, db, database_path):
    journey = Journey(client)
    journey.answer_all(SELF_ANSWERS)
    cookie = client.get_cookie("__Host-portal-session")
    for typed in ("07700 900123", "sunflower", "Asha"):
        assert typed not in cookie.value
    journey.send(["panahghar-refuge"])
    db.close()
    raw = database_path.read_bytes()
    for wal in database_path.parent.glob("*-wal"):
        raw += wal.read_bytes()
    for typed in (b"07700 900123", b"sunflower", b"Asha", b"weekdays 10am"):
        assert typed not in raw


def test_leaving_by_the_quick_exit_deletes_the_unfinished_form(client, db):
    journey = Journey(client)
    journey.answer_all({k: SELF_ANSWERS[k] for k in ("about-you", "where")})
    assert db.scalar(select(func.count()).select_from(ReferralDraft)) == 1
    client.get("/exit")
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(ReferralDraft)) == 0
    assert Journey(client).get("needs").headers["Location"] == "/en/refer/about-you"


def test_an_unfinished_form_left_too_long_is_deleted_and_says_so(app, client, db):
    journey = Journey(client)
    journey.post("about-you", SELF_ANSWERS["about-you"])
    app.config["PORTAL_DRAFT_MINUTES"] = 0
    response = client.get("/en/refer/where", follow_redirects=True)
    assert "Please start again" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(ReferralDraft)) == 0


def test_a_form_posted_without_its_security_token_is_refused_kindly(client):
    Journey(client).get("about-you")
    response = client.post("/en/refer/about-you", data={"age": "30"})
    assert response.status_code == 400
    assert "0808 2000 247" in response.get_data(as_text=True)


def test_the_hidden_box_filled_in_by_software_stops_the_referral(client, db):
    journey = Journey(client)
    journey.answer_all(SELF_ANSWERS)
    check = journey.check_page()
    key = check.select_one('input[name="submission_key"]')["value"]
    response = journey.post(
        "check",
        {
            "submission_key": key,
            "share_with": ["panahghar-refuge"],
            "website": "http://spam.example",
        },
    )
    assert response.status_code == 400
    assert referral_count(db) == 0


def test_sending_is_rate_limited_per_address(app, client, db):
    app.config["PORTAL_SUBMIT_LIMIT"] = "2 per hour"
    statuses = []
    for _ in range(3):
        journey = Journey(client)
        journey.answer_all(SELF_ANSWERS)
        response, _, _ = journey.send(["panahghar-refuge"])
        statuses.append(response.status_code)
    assert statuses == [303, 303, 429]
    assert referral_count(db) == 2
