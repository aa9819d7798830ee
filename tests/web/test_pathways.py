"""Pathways for professionals: a page per situation whose services come from the directory,
and the pathway finder whose answer is the routing decision, with a referral to start from it."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import routing
from portal.directory.helplines import routing_helplines
from portal.directory.queries import routing_services
from portal.pathways.catalogue import PATHWAYS
from portal.web import db_session
from tests.conftest import TODAY, parse_page, text_of
from tests.web.referral_journey import PROFESSIONAL_ANSWERS, csrf_token

HIGH_RISK_MAN_IN_MELTON = {
    "age": "41",
    "gender": "man",
    "area": "melton",
    "needs": "support",
    "risk": "high",
}


def card_names(page) -> list[str]:
    return [text_of(a) for a in page.select(".cards .card-title a")]


def test_the_index_links_every_pathway(client):
    page = parse_page(client.get("/en/pathways"))
    links = {a["href"] for a in page.select("main .link-grid a")}
    assert links == {f"/en/pathways/{p.slug}" for p in PATHWAYS}
    assert len(PATHWAYS) == 13


@pytest.mark.parametrize("pathway", PATHWAYS, ids=lambda p: p.slug)
def test_every_pathway_page_lists_services_and_sets_no_cookie(client, pathway):
    response = client.get(f"/en/pathways/{pathway.slug}")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    page = parse_page(response)
    assert page.select("ol.steps li"), "a pathway says what to do"
    assert card_names(page), f"{pathway.slug}: no service fits anywhere in LLR"
    assert page.select(".helplines .helpline")


def test_the_high_risk_pathway_lists_idva_services_and_says_marac(client, app):
    page = parse_page(client.get("/en/pathways/high-risk"))
    assert "MARAC" in text_of(page.select_one("ol.steps"))
    for card in page.select(".cards .card"):
        assert "Independent domestic violence adviser (IDVA)" in text_of(card)


def test_choosing_an_area_keeps_only_services_that_cover_it(client, get_page):
    everywhere = card_names(get_page("/en/pathways/children-and-young-people"))
    in_blaby = card_names(get_page("/en/pathways/children-and-young-people?area=blaby"))
    in_rutland = card_names(get_page("/en/pathways/children-and-young-people?area=rutland"))
    assert set(in_blaby) < set(everywhere) and set(in_rutland) < set(everywhere)
    assert "Blaby recovery support for children" in in_blaby
    assert "Blaby recovery support for children" not in in_rutland


def test_a_pathway_shows_the_same_services_as_the_directory_for_the_same_choice(get_page):
    pathway = card_names(get_page("/en/pathways/lgbt?area=charnwood"))
    directory = card_names(get_page("/en/services?specialism=lgbt&area=charnwood"))
    assert pathway == directory and pathway


def test_an_unknown_area_in_the_address_shows_every_area_and_an_unknown_pathway_is_404(
    client, get_page
):
    assert card_names(get_page("/en/pathways/lgbt?area=atlantis")) == card_names(
        get_page("/en/pathways/lgbt")
    )
    assert client.get("/en/pathways/no-such-pathway").status_code == 404


def test_the_finder_starts_empty_without_errors(get_page):
    page = get_page("/en/pathways/finder")
    assert page.select_one(".error-summary") is None
    assert page.select_one(".routes") is None


def test_a_wrong_answer_in_the_finder_is_explained_and_kept(get_page):
    page = get_page("/en/pathways/finder?" + urlencode({**HIGH_RISK_MAN_IN_MELTON, "age": "x"}))
    assert "Enter the age as a number, like 34" in text_of(page.select_one(".error-summary"))
    assert page.select_one("#age")["value"] == "x"
    assert page.select_one("#area option[selected]")["value"] == "melton"
    assert page.select_one(".routes") is None


def test_the_finder_answers_with_the_routing_decision_and_its_reasons(app, client):
    response = client.get("/en/pathways/finder?" + urlencode(HIGH_RISK_MAN_IN_MELTON))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    page = parse_page(response)
    shown = [a["href"].rsplit("/", 1)[1] for a in page.select(".routes .route-name a")]
    with app.test_request_context("/en/"):
        decision = routing.decide(
            routing.parse_referral(
                {
                    "referrer": "professional",
                    "age": 41,
                    "gender": "man",
                    "area": "melton",
                    "needs": ["support"],
                    "risk": "high",
                }
            ),
            routing_services(db_session(), TODAY),
            routing_helplines(),
        )
    assert shown == [route.service for route in decision.routes]
    reasons = text_of(page.select_one(".routes"))
    assert "high risk: refer to MARAC" in reasons
    assert "specialist service for male victims" in reasons


def start_from_the_finder(client) -> None:
    finder = parse_page(client.get("/en/pathways/finder?" + urlencode(HIGH_RISK_MAN_IN_MELTON)))
    refer = finder.select_one('a.button[href^="/en/refer/professional?"]')["href"]
    start = client.get(refer)
    assert start.status_code == 200
    hidden = {i["name"]: i["value"] for i in parse_page(start).select('input[type="hidden"]')}
    assert hidden["age"] == "41" and hidden["area"] == "melton" and hidden["risk"] == "high"
    begun = client.post(
        "/en/refer/professional",
        data={**HIGH_RISK_MAN_IN_MELTON, "csrf_token": csrf_token(start.get_data(as_text=True))},
    )
    assert begun.status_code == 303
    assert begun.headers["Location"] == "/en/refer/professional/referrer"


def test_refer_this_person_starts_the_professional_referral_with_the_answers_filled_in(client):
    start_from_the_finder(client)
    referrer = parse_page(client.get("/en/refer/professional/referrer"))
    assert referrer.select_one('input[name="risk"][value="high"]').has_attr("checked")
    assert referrer.select_one("#referrer_name")["value"] == ""

    step = client.get("/en/refer/professional/referrer").get_data(as_text=True)
    answers = {"csrf_token": csrf_token(step), **PROFESSIONAL_ANSWERS["referrer"]}
    sent = client.post("/en/refer/professional/referrer", data=answers)
    assert sent.headers["Location"] == "/en/refer/professional/about-you"
    about = parse_page(client.get("/en/refer/professional/about-you"))
    assert about.select_one("#age")["value"] == "41"
    assert about.select_one('input[name="gender"][value="man"]').has_attr("checked")


def test_without_the_finders_answers_the_start_is_a_plain_link_and_sets_no_cookie(client):
    response = client.get("/en/refer/professional")
    assert "Set-Cookie" not in response.headers
    page = parse_page(response)
    assert page.select_one("main form") is None
    assert page.select_one('a.button[href="/en/refer/professional/referrer"]') is not None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(["age", "gender", "area", "needs", "risk", "communities", "lgbt", "nrpf"]),
        st.text(max_size=30),
        max_size=8,
    )
)
def test_any_finder_address_gives_a_page_never_a_server_error(client, query):
    response = client.get("/en/pathways/finder?" + urlencode(query))
    assert response.status_code == 200
