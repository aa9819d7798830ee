"""The helplines shown on every page and offered as signposts, read once from their file."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from portal.directory.load import read_helplines
from portal.routing import HelplineFacts


@dataclass(frozen=True)
class Helpline:
    slug: str
    name: str
    phone: str
    text_phone: str | None
    hours: str
    text_hours: str
    audience: str
    always: bool
    for_needs: tuple[str, ...]
    for_specialisms: tuple[str, ...]
    source: str
    recorded_on: object
    position: int

    @property
    def tel(self) -> str:
        """The number for a tel: link (digits only)."""
        return "".join(ch for ch in self.phone if ch.isdigit())

    @property
    def sms(self) -> str | None:
        return "".join(ch for ch in self.text_phone if ch.isdigit()) if self.text_phone else None


@cache
def all_helplines() -> tuple[Helpline, ...]:
    return tuple(
        Helpline(
            **{
                **values,
                "for_needs": tuple(values["for_needs"]),
                "for_specialisms": tuple(values["for_specialisms"]),
            }
        )
        for values in read_helplines()
    )


def helpline(slug: str) -> Helpline:
    for line in all_helplines():
        if line.slug == slug:
            return line
    raise KeyError(slug)


def footer_helplines() -> list[Helpline]:
    """The two lines on every page: the LLR helpline and the 24-hour national one."""
    return [helpline("uava"), helpline("national-domestic-abuse-helpline")]


def routing_helplines() -> list[HelplineFacts]:
    return [
        HelplineFacts(
            slug=line.slug,
            name=line.name,
            phone=line.phone,
            always=line.always,
            for_needs=line.for_needs,
            for_specialisms=line.for_specialisms,
        )
        for line in all_helplines()
    ]


def signposted_lines(signposts) -> list[Helpline]:
    """The helplines a routing decision signposts, in its order, to show in full (and in the
    page's language) rather than as the decision's plain English name and number."""
    by_name = {line.name: line for line in all_helplines()}
    return [by_name[s.name] for s in signposts if s.name in by_name]
