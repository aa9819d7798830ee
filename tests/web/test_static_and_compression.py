"""Static files are addressed by their content's fingerprint and kept a year; text answers
are gzipped for browsers that accept it, except pages holding a form's secret (BREACH)."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import pytest

from tests.conftest import parse_page

STATIC = Path(__file__).resolve().parents[2] / "static"
GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def static_addresses(client, url: str) -> list[str]:
    page = parse_page(client.get(url))
    found = [tag.get("href") or tag.get("src") for tag in page.select("link[href], script[src]")]
    return [address for address in found if address.startswith("/static/")]


@pytest.mark.parametrize("url", ["/en/", "/en/services", "/en/refer/about-you"])
def test_pages_address_static_files_by_their_contents_fingerprint(client, url):
    addresses = static_addresses(client, url)
    assert addresses
    for address in addresses:
        path, version = re.fullmatch(r"/static/(.+)\?v=([0-9a-f]{12})", address).groups()
        assert version == hashlib.sha256((STATIC / path).read_bytes()).hexdigest()[:12]


def test_a_fingerprinted_file_is_kept_a_year_and_an_old_address_only_an_hour(client):
    (current,) = [a for a in static_addresses(client, "/en/") if "portal.css" in a]
    with client.get(current) as fresh, client.get("/static/css/portal.css?v=000") as stale:
        assert fresh.status_code == 200
        assert fresh.cache_control.max_age == 31_536_000 and fresh.cache_control.immutable
        assert stale.status_code == 200 and stale.get_data() == fresh.get_data()
        assert stale.cache_control.max_age == 3_600 and not stale.cache_control.immutable


@pytest.mark.parametrize("url", ["/en/services", "/en/services/wall-brookes-house"])
def test_public_pages_are_gzipped_for_a_browser_that_accepts_it(client, url):
    plain = client.get(url)
    packed = client.get(url, headers=GZIP)
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.get_data()) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 3
    assert packed.headers["Cache-Control"] == "no-store"


def test_a_static_file_is_gzipped_too(client):
    (css,) = [a for a in static_addresses(client, "/en/") if "portal.css" in a]
    with client.get(css, headers=GZIP) as packed:
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.get_data()) == (STATIC / "css/portal.css").read_bytes()


def test_a_form_page_with_a_csrf_token_is_never_compressed(client):
    response = client.get("/en/refer/about-you", headers=GZIP)
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert "Content-Encoding" not in response.headers
