"""The feed's query string, read strictly: a value that cannot be understood is an error the
client is told about (400), never a guess and never a failure of ours (500).

No Flask: views pass the query string in as {name: [values]}.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from portal.api.oruk import TAXONOMY_BY_ID, TERM_BY_ID, Taxonomy, TaxonomyTerm
from portal.api.queries import ServiceSelection

Args = Mapping[str, Sequence[str]]

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_SEARCH = 200
MAX_AGE = 150

# ORUK filters that need locations or schedules, which this feed does not have. Ignoring
# them would answer a different question than the one asked.
UNSUPPORTED = {
    "postcode": "no service here has a published location",
    "proximity": "no service here has a published location",
    "day": "the sources give no opening times",
    "start_time": "the sources give no opening times",
    "end_time": "the sources give no opening times",
    "modified_after": "the directory records when entries were checked, not changed",
}

WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")
AGE = re.compile(r"[0-9]{1,3}(\.[0-9]{1,2})?")


class BadParameter(ValueError):
    """A query parameter the feed cannot use; the message says which and why."""


@dataclass(frozen=True)
class PageRequest:
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def _value(args: Args, name: str) -> str | None:
    values = [value for value in args.get(name, ()) if value.strip()]
    if len(values) > 1:
        raise BadParameter(f"{name}: give it once")
    return values[0].strip() if values else None


def _whole_number(args: Args, name: str, low: int, high: int, default: int) -> int:
    text = _value(args, name)
    if text is None:
        return default
    if not WHOLE_NUMBER.fullmatch(text) or not low <= int(text) <= high:
        raise BadParameter(f"{name}: a whole number from {low} to {high}")
    return int(text)


def _age(args: Args, name: str) -> float | None:
    text = _value(args, name)
    if text is None:
        return None
    if not AGE.fullmatch(text) or float(text) > MAX_AGE:
        raise BadParameter(f"{name}: an age in years, from 0 to {MAX_AGE}")
    return float(text)


def _uuid(args: Args, name: str) -> uuid.UUID | None:
    text = _value(args, name)
    if text is None:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        raise BadParameter(f"{name}: not an id (a UUID)") from None


def page_request(args: Args) -> PageRequest:
    return PageRequest(
        page=_whole_number(args, "page", 1, MAX_PAGE, 1),
        per_page=_whole_number(args, "per_page", 1, MAX_PER_PAGE, DEFAULT_PER_PAGE),
    )


def taxonomy_term(args: Args, name: str = "taxonomy_term_id") -> TaxonomyTerm | None:
    term_id = _uuid(args, name)
    if term_id is None:
        return None
    if term_id not in TERM_BY_ID:
        raise BadParameter(f"{name}: no such taxonomy term (see /api/oruk/taxonomy_terms)")
    return TERM_BY_ID[term_id]


def taxonomy(args: Args, name: str = "taxonomy_id") -> Taxonomy | None:
    taxonomy_id = _uuid(args, name)
    if taxonomy_id is None:
        return None
    if taxonomy_id not in TAXONOMY_BY_ID:
        raise BadParameter(f"{name}: no such taxonomy (see /api/oruk/taxonomies)")
    return TAXONOMY_BY_ID[taxonomy_id]


def service_selection(args: Args) -> ServiceSelection:
    for name, reason in UNSUPPORTED.items():
        if _value(args, name) is not None:
            raise BadParameter(f"{name}: not supported by this feed, because {reason}")
    search = _value(args, "search")
    if search is not None and len(search) > MAX_SEARCH:
        raise BadParameter(f"search: at most {MAX_SEARCH} characters")
    return ServiceSelection(
        search=search,
        term=taxonomy_term(args),
        taxonomy=taxonomy(args),
        organization_id=_uuid(args, "organization_id"),
        minimum_age=_age(args, "minimum_age"),
        maximum_age=_age(args, "maximum_age"),
    )
