"""The Open Referral UK 3.0 feed at /api/oruk/, through the Flask client on the real directory:
every answer valid against the UK profile's schemas, pages that cover the directory exactly
once, filters, ids that survive a reload, CORS, JSON errors, and nothing published that must
stay private."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select

from portal import create_app, vocab
from portal.api import oruk
from portal.database import Database
from portal.directory.load import load_directory
from portal.directory.status import service_state
from portal.migrate import upgrade
from portal.models import Organisation, Service
from portal.safety import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY
from tests.conftest import TODAY, sqlite_url

SHARED = Path(__file__).resolve().parents[3] / "shared"
SCHEMAS = SHARED / "oruk" / "schema"
# Where openapi.json says its schemas live; served here from the copies in ../shared.
PUBLISHED = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"

API = "/api/oruk"

# --- Validation against the UK profile --------------------------------------------------------

FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    if not isinstance(value, str):
        return True
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return "T" in value and parsed.tzinfo is not None


@FORMATS.checks("uri")
def _is_uri(value) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _schema(relative: str) -> dict:
    return json.loads((SCHEMAS / relative).read_text(encoding="utf-8"))


def _registry() -> Registry:
    resources = [("openapi.json", _schema("openapi.json"))]
    for path in sorted(SCHEMAS.rglob("*.json")):
        relative = path.relative_to(SCHEMAS).as_posix()
        if relative != "openapi.json":
            resources.append((PUBLISHED + relative, _schema(relative)))
    return Registry().with_resources(
        (uri, DRAFT202012.create_resource(contents)) for uri, contents in resources
    )


REGISTRY = _registry()


def validator(ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref}, registry=REGISTRY, format_checker=FORMATS)


def response_schema(api_path: str) -> Draft202012Validator:
    """The schema openapi.json gives for a 200 answer on this path."""
    escaped = api_path.replace("~", "~0").replace("/", "~1")
    return validator(
        f"openapi.json#/paths/{escaped}/get/responses/200/content/application~1json/schema"
    )


def assert_valid(instance, checker: Draft202012Validator) -> None:
    errors = sorted(checker.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


SERVICE = validator(PUBLISHED + "compiled/service.json")
SERVICE_LIST_ITEM = validator(PUBLISHED + "compiled/service_list.json")
TAXONOMY = validator(PUBLISHED + "taxonomy.json")
TAXONOMY_TERM = validator(PUBLISHED + "taxonomy_term.json")


# --- Helpers ----------------------------------------------------------------------------------


def get_json(client, url: str, status: int = 200):
    response = client.get(url)
    assert response.status_code == status, f"{url}: {response.status_code}"
    assert response.mimetype == "application/json", url
    return response.get_json()


def all_pages(client, url: str, per_page: int = 100) -> list[dict]:
    joiner = "&" if "?" in url else "?"
    pages, number = [], 1
    while True:
        page = get_json(client, f"{url}{joiner}page={number}&per_page={per_page}")
        pages.append(page)
        if page["last_page"]:
            return pages
        number += 1


def listed_ids(client, query: str = "") -> set[str]:
    url = f"{API}/services" + (f"?{query}" if query else "")
    return {item["id"] for page in all_pages(client, url) for item in page["contents"]}


def whole_feed(client) -> dict[str, object]:
    """Every answer the feed gives, keyed by URL."""
    feed: dict[str, object] = {f"{API}/": get_json(client, f"{API}/")}
    for kind in ("services", "taxonomies", "taxonomy_terms", "service_at_locations"):
        for page in all_pages(client, f"{API}/{kind}"):
            feed[f"{API}/{kind}?page={page['page_number']}"] = page
    for service_id in sorted(listed_ids(client)):
        feed[f"{API}/services/{service_id}"] = get_json(client, f"{API}/services/{service_id}")
    for taxonomy in oruk.TAXONOMIES:
        url = f"{API}/taxonomies/{taxonomy.id}"
        feed[url] = get_json(client, url)
    for term in oruk.TERMS:
        url = f"{API}/taxonomy_terms/{term.id}"
        feed[url] = get_json(client, url)
    return feed


def term_id(taxonomy: str, code: str) -> str:
    return str(oruk.TERM_BY_KEY[(taxonomy, code)].id)


def keys_in(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_in(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_in(v)}
    return set()


@pytest.fixture
def services(db) -> list[Service]:
    return list(db.scalars(select(Service).order_by(Service.slug)))


# --- The API's description --------------------------------------------------------------------


def test_the_root_names_oruk_3_and_the_uk_profile(client):
    answer = get_json(client, f"{API}/")
    assert_valid(answer, response_schema("/"))
    assert answer["version"] == "3.0"
    assert "uk-profile" in answer["profile"]


# --- Valid against the schemas ----------------------------------------------------------------


def test_every_service_validates_as_a_fully_nested_oruk_service(client, services):
    for service in services:
        record = get_json(client, f"{API}/services/{service.id}")
        assert_valid(record, SERVICE)
        assert_valid(record, response_schema("/services/{id}"))
        assert record["id"] == str(service.id)
        assert record["organization"]["id"] == str(service.organisation_id)
        assert record["url"].endswith(f"/en/services/{service.slug}")


def test_every_page_of_services_validates_as_a_page_of_service_list_items(client):
    for page in all_pages(client, f"{API}/services", per_page=10):
        assert_valid(page, response_schema("/services"))
        for item in page["contents"]:
            assert_valid(item, SERVICE_LIST_ITEM)


def test_taxonomies_and_terms_validate_and_publish_every_vocabulary(client):
    (page,) = all_pages(client, f"{API}/taxonomies")
    assert_valid(page, response_schema("/taxonomies"))
    published = {
        t["name"]: {term["term"] for term in t["taxonomy_terms"]} for t in page["contents"]
    }
    assert published["Kind of service"] == set(vocab.KINDS)
    assert published["Specialist service for"] == set(vocab.SPECIALISMS)
    assert published["Need met"] == set(vocab.NEEDS)
    assert published["Area served"] == set(vocab.AREAS)
    assert {"men", "nrpf-ask", "pets", "wheelchair", "sons-any-age"} <= published["Eligibility"]
    for taxonomy in page["contents"]:
        assert_valid(taxonomy, TAXONOMY)
        assert get_json(client, f"{API}/taxonomies/{taxonomy['id']}") == taxonomy

    terms = [t for p in all_pages(client, f"{API}/taxonomy_terms", 20) for t in p["contents"]]
    assert len(terms) == len({t["id"] for t in terms}) == sum(map(len, published.values()))
    for term in terms:
        assert_valid(term, TAXONOMY_TERM)
        assert get_json(client, f"{API}/taxonomy_terms/{term['id']}") == term
    for p in all_pages(client, f"{API}/taxonomy_terms", 20):
        assert_valid(p, response_schema("/taxonomy_terms"))


def test_taxonomy_terms_can_be_listed_for_one_taxonomy(client):
    kinds = oruk.TAXONOMY_BY_CODE["kinds"]
    page = get_json(client, f"{API}/taxonomy_terms?taxonomy_id={kinds.id}")
    assert page["total_items"] == len(vocab.KINDS)
    assert {t["taxonomy_id"] for t in page["contents"]} == {str(kinds.id)}


def test_service_at_locations_is_an_empty_valid_page_because_no_location_is_published(client):
    page = get_json(client, f"{API}/service_at_locations")
    assert_valid(page, response_schema("/service_at_locations"))
    assert page["total_items"] == 0 and page["empty"] and page["contents"] == []


# --- Pages ------------------------------------------------------------------------------------


def test_pages_cover_every_service_exactly_once(client, services):
    pages = all_pages(client, f"{API}/services", per_page=7)
    seen = [item["id"] for page in pages for item in page["contents"]]
    assert len(seen) == len(set(seen)) == len(services)
    assert set(seen) == {str(s.id) for s in services}
    total_pages = -(-len(services) // 7)
    assert [p["page_number"] for p in pages] == list(range(1, total_pages + 1))
    for page in pages:
        assert page["total_items"] == len(services)
        assert page["total_pages"] == total_pages
        assert page["size"] == len(page["contents"]) <= 7
        assert page["first_page"] == (page["page_number"] == 1)
        assert page["last_page"] == (page["page_number"] == total_pages)
        assert page["empty"] is False


def test_a_page_past_the_last_is_empty_rather_than_an_error(client, services):
    page = get_json(client, f"{API}/services?page=999&per_page=100")
    assert page["contents"] == [] and page["empty"] and page["size"] == 0
    assert page["total_items"] == len(services) and page["last_page"]


def test_per_page_defaults_to_fifty_and_may_be_a_hundred(client, services):
    assert get_json(client, f"{API}/services")["size"] == min(50, len(services))
    assert get_json(client, f"{API}/services?per_page=100")["size"] == min(100, len(services))


# --- Filters ----------------------------------------------------------------------------------


def test_the_refuge_term_lists_refuges_and_only_refuges(client, services):
    refuges = {str(s.id) for s in services if "refuge" in s.kinds}
    assert len(refuges) >= 3
    assert listed_ids(client, f"taxonomy_term_id={term_id('kinds', 'refuge')}") == refuges
    for service_id in refuges:
        record = get_json(client, f"{API}/services/{service_id}")
        terms = {a["taxonomy_term_id"] for a in record["attributes"]}
        assert term_id("kinds", "refuge") in terms


def test_a_taxonomy_lists_services_with_any_of_its_terms(client, services):
    specialist = {str(s.id) for s in services if s.specialisms}
    specialisms = oruk.TAXONOMY_BY_CODE["specialisms"]
    assert listed_ids(client, f"taxonomy_id={specialisms.id}") == specialist


def test_need_and_eligibility_terms_filter_as_the_directory_does(client, services):
    men = {str(s.id) for s in services if s.accepts_men}
    assert listed_ids(client, f"taxonomy_term_id={term_id('eligibility', 'men')}") == men
    immigration = listed_ids(client, f"taxonomy_term_id={term_id('needs', 'immigration')}")
    panahghar = next(s for s in services if s.slug == "panahghar-refuge")
    assert str(panahghar.id) in immigration


def test_minimum_age_lists_services_whose_own_minimum_is_at_least_that(client, services):
    expected = {str(s.id) for s in services if (s.min_age or 0) >= 13}
    assert expected and len(expected) < len(services)
    assert listed_ids(client, "minimum_age=13") == expected
    for page in all_pages(client, f"{API}/services?minimum_age=13"):
        assert all(item["minimum_age"] >= 13 for item in page["contents"])


def test_maximum_age_lists_services_whose_own_maximum_is_at_most_that(client, services):
    expected = {str(s.id) for s in services if s.max_age is not None and s.max_age <= 18}
    assert expected
    assert listed_ids(client, "maximum_age=18") == expected
    assert listed_ids(client, "maximum_age=17") == set()
    assert listed_ids(client, "minimum_age=5&maximum_age=18") == {
        str(s.id) for s in services if s.min_age == 5 and s.max_age == 18
    }


def test_search_matches_names_and_summaries_whatever_the_case(client, services):
    found = listed_ids(client, "search=REFUGE")
    expected = {
        str(s.id) for s in services if "refuge" in s.name.lower() or "refuge" in s.summary.lower()
    }
    assert found == expected and found
    # A LIKE wildcard is a character to look for, not "anything".
    assert listed_ids(client, "search=%25") == set()
    assert listed_ids(client, "search=_") == {
        str(s.id) for s in services if "_" in s.name or "_" in s.summary
    }


def test_filters_combine_with_paging(client, services):
    query = f"taxonomy_term_id={term_id('areas', 'leicester')}&search=house"
    page = get_json(client, f"{API}/services?{query}&per_page=1")
    expected = {
        str(s.id)
        for s in services
        if "leicester" in s.areas and ("house" in s.name.lower() or "house" in s.summary.lower())
    }
    assert page["total_items"] == len(expected) == len(listed_ids(client, query))


# --- Stable ids -------------------------------------------------------------------------------


def test_ids_and_records_are_the_same_after_loading_the_directory_into_a_new_database(
    app, client, app_config, tmp_path
):
    url = sqlite_url(tmp_path / "again.sqlite3")
    upgrade(url)
    database = Database(url)
    with database.session() as session:
        load_directory(session)
    database.dispose()
    again = create_app({**app_config, "PORTAL_DATABASE_URL": url})
    try:
        assert whole_feed(again.test_client()) == whole_feed(client)
    finally:
        again.extensions["portal.database"].dispose()


def test_published_ids_never_change(client):
    # Partners store these: a change of namespace or naming would break every one of them.
    assert term_id("kinds", "refuge") == "bab902fa-aee4-5fb2-94c9-1502b3f20126"
    assert str(oruk.TAXONOMY_BY_CODE["kinds"].id) == "105b747a-9948-5fe7-95ba-2c1190dd01a6"
    record = get_json(client, f"{API}/services/eb6417c4-3031-5f4c-897c-285f4402241c")
    assert record["name"] == "24/7 Locks home security"
    leicester = next(a for a in record["service_areas"] if a["name"] == "Leicester city")
    assert leicester["id"] == "600895e6-fc15-5cc3-b5de-99f8fde5ebbf"


def test_every_id_in_a_service_is_unique(client, services):
    for service in services:
        record = get_json(client, f"{API}/services/{service.id}")
        ids = [
            item["id"]
            for field in ("service_areas", "attributes", "funding", "phones")
            for item in record[field]
        ]
        assert len(ids) == len(set(ids)), service.slug


# --- Status -----------------------------------------------------------------------------------


def test_ended_services_are_inactive_and_offer_no_way_to_contact_them(client, services):
    ended = [s for s in services if service_state(s, TODAY) == "ended"]
    assert len(ended) >= 3
    for service in ended:
        record = get_json(client, f"{API}/services/{service.id}")
        assert record["status"] == "inactive", service.slug
        assert "ended" in record["alert"] and "ended" in record["description"]
        assert record["phones"] == []


def test_services_past_their_funding_term_are_active_but_say_to_check(client, services):
    unconfirmed = [s for s in services if service_state(s, TODAY) == "unconfirmed"]
    assert unconfirmed
    for service in unconfirmed:
        record = get_json(client, f"{API}/services/{service.id}")
        assert record["status"] == "active"
        when = oruk.long_date(service.funded_until)
        assert "Check that this service still runs" in record["alert"] and when in record["alert"]
        assert record["alert"] in record["description"]


def test_open_services_are_active_with_no_alert(client, services):
    open_services = [s for s in services if service_state(s, TODAY) == "open"]
    assert open_services
    for service in open_services:
        record = get_json(client, f"{API}/services/{service.id}")
        assert record["status"] == "active" and "alert" not in record


# --- What a service says ----------------------------------------------------------------------


def test_a_refuge_publishes_its_eligibility_and_only_the_area_it_serves(client, db):
    brookes = db.scalars(select(Service).where(Service.slug == "wall-brookes-house")).one()
    record = get_json(client, f"{API}/services/{brookes.id}")
    eligibility = record["eligibility_description"]
    for words in (
        "For women; not for men.",
        "Takes boys up to 14.",
        "Boys aged 15 to 16: ask.",
        "Takes people with no recourse to public funds.",
        "No pets.",
        "5 wheelchair-accessible units.",
        "Families of up to 4 people",
    ):
        assert words in eligibility and words in record["description"]
    assert record["service_areas"] == [
        {
            "id": record["service_areas"][0]["id"],
            "service_id": str(brookes.id),
            "name": "Leicester city",
            "service_area": "Leicester city",
            "uri": "http://statistics.data.gov.uk/id/statistical-geography/E06000016",
        }
    ]
    assert record["service_at_locations"] == []
    terms = {a["taxonomy_term"]["term"] for a in record["attributes"]}
    assert {"refuge", "safe-accommodation", "leicester", "nrpf-yes", "wheelchair"} <= terms
    assert record["funding"][0]["source"] == "Leicester City Council"
    assert record["accreditations"].startswith("Women's Aid Federation of England")


def test_age_limits_are_published_as_numbers(client, services):
    for service in services:
        if service.min_age is None and service.max_age is None:
            continue
        record = get_json(client, f"{API}/services/{service.id}")
        assert record.get("minimum_age") == service.min_age
        assert record.get("maximum_age") == service.max_age


def test_only_the_public_numbers_a_service_page_shows_are_published(client, services):
    with_phone = [s for s in services if s.phone and service_state(s, TODAY) != "ended"]
    assert with_phone
    for service in services:
        record = get_json(client, f"{API}/services/{service.id}")
        numbers = {phone["number"] for phone in record["phones"]}
        if service in with_phone:
            assert numbers == {n for n in (service.phone, service.text_phone) if n}
        else:
            assert numbers == set()


# --- Nothing private --------------------------------------------------------------------------


def test_nothing_private_is_anywhere_in_the_feed(client, db):
    feed = whole_feed(client)
    text = json.dumps(feed, ensure_ascii=False)

    # No e-mail address of any kind: not the referral addresses, not a named person's.
    assert "@" not in text
    for organisation in db.scalars(select(Organisation)):
        if organisation.referral_email:
            assert organisation.referral_email not in text
    # No address or map position of anywhere, so never a refuge's.
    assert not keys_in(feed) & {"addresses", "address_1", "postal_code", "latitude", "longitude"}
    assert not keys_in(feed) & {"email", "assurer_email"}
    assert not re.search(r"\b[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}\b", text), "a postcode"
    for url, answer in feed.items():
        if url.startswith(f"{API}/services/"):
            assert answer["service_at_locations"] == [] and answer["contacts"] == []

    # The only phone numbers are the services' public ones; never one from the seeds' named
    # officers.
    public = {
        re.sub(r"\D", "", number)
        for service in db.scalars(select(Service))
        for number in (service.phone, service.text_phone)
        if number
    }
    published = {
        re.sub(r"\D", "", phone["number"])
        for answer in feed.values()
        for phone in (answer.get("phones", []) if isinstance(answer, dict) else [])
    }
    assert published <= public
    digits = re.sub(r"[\s-]", "", text)
    seed_text = "\n".join(p.read_text(encoding="utf-8") for p in (SHARED / "seeds").glob("*.txt"))
    seed_numbers = {
        re.sub(r"\D", "", n) for n in re.findall(r"\b0[0-9][0-9 ]{8,12}[0-9]\b", seed_text)
    }
    for number in seed_numbers - public:
        assert number not in digits, number


# --- Headers and errors -----------------------------------------------------------------------

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Frame-Options": "DENY",
}

ANSWERS = {
    "root": (f"{API}/", 200),
    "services": (f"{API}/services", 200),
    "service": (f"{API}/services/eb6417c4-3031-5f4c-897c-285f4402241c", 200),
    "taxonomies": (f"{API}/taxonomies", 200),
    "taxonomy terms": (f"{API}/taxonomy_terms", 200),
    "service at locations": (f"{API}/service_at_locations", 200),
    "bad parameter": (f"{API}/services?page=abc", 400),
    "unknown service": (f"{API}/services/{uuid.UUID(int=0)}", 404),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_every_answer_is_json_open_to_any_origin_with_the_site_headers_and_no_cookie(client, name):
    url, status = ANSWERS[name]
    with client.get(url) as response:
        assert response.status_code == status
        assert response.mimetype == "application/json"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, header
        assert "Set-Cookie" not in response.headers
        if status == 200:
            assert response.headers["Cache-Control"] == "public, max-age=300"
        assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=1&page=2", "page"),
        ("page=99999999999999999999999", "page"),
        ("per_page=100000", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=-5", "per_page"),
        (f"taxonomy_term_id={uuid.UUID(int=1)}", "taxonomy_term_id"),
        ("taxonomy_term_id=refuge", "taxonomy_term_id"),
        (f"taxonomy_id={uuid.UUID(int=2)}", "taxonomy_id"),
        ("organization_id=wall", "organization_id"),
        ("minimum_age=abc", "minimum_age"),
        ("minimum_age=-1", "minimum_age"),
        ("maximum_age=1e9", "maximum_age"),
        ("maximum_age=nan", "maximum_age"),
        ("search=" + "x" * 201, "search"),
        ("postcode=LE1%201AA", "postcode"),
        ("day=MO", "day"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(client, query, named):
    answer = get_json(client, f"{API}/services?{query}", status=400)
    assert answer["status"] == 400 and answer["detail"].startswith(f"{named}:")


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/taxonomies?per_page=101",
        f"{API}/taxonomy_terms?page=x",
        f"{API}/taxonomy_terms?taxonomy_id=nope",
        f"{API}/service_at_locations?per_page=1000",
    ],
)
def test_every_list_checks_its_parameters(client, url):
    assert get_json(client, url, status=400)["status"] == 400


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/services/{uuid.UUID(int=0)}",
        f"{API}/services/not-an-id",
        f"{API}/taxonomies/{uuid.UUID(int=0)}",
        f"{API}/taxonomy_terms/{uuid.UUID(int=0)}",
        f"{API}/taxonomy_terms/refuge",
    ],
)
def test_an_unknown_id_is_a_404_in_json(client, url):
    answer = get_json(client, url, status=404)
    assert answer["status"] == 404 and answer["title"] == "Not Found"


def test_the_api_is_not_under_a_language(client):
    assert client.get("/en/api/oruk/services").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("GET", "/api/oruk/no-such-thing", 404), ("POST", "/api/oruk/services", 405)],
)
def test_an_address_or_method_the_api_does_not_have_gets_a_json_error(client, method, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.is_json and response.get_json()["status"] == status
    assert response.headers["Access-Control-Allow-Origin"] == "*"
