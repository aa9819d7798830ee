"""The e-mail a provider receives: a neutral subject (the reference only), plain text and
simple HTML, the safe-contact block first, then what they need to act, and why it came to
them. Always in English, saying which language the person uses and whether an interpreter
is needed."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask_babel import force_locale
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from portal.delivery.outbox import Outgoing
from portal.referrals import summary

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "emails"
SECTIONS = (
    ("contact", "How to contact them safely: read this first"),
    ("referrer", "The referrer"),
    ("about-you", "The person"),
    ("where", "Where they live"),
    ("needs", "What they need"),
    ("who-with", "Who is coming with them"),
)

_environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def _sections(referrer: str, answers: dict) -> list[tuple[str, list[summary.Row]]]:
    rows = summary.rows(referrer, answers, about_the_person=True)
    return [
        (title, [row for row in rows if row.step == step])
        for step, title in SECTIONS
        if any(row.step == step for row in rows)
    ]


def compose(outgoing: Outgoing, content: dict, sender: str) -> EmailMessage:
    # Providers read English whatever language the person used (and the e-mail says which
    # language to use with them), even if this runs while a page in another language is
    # being served.
    with force_locale("en_GB"):
        return _compose(outgoing, content, sender)


def _compose(outgoing: Outgoing, content: dict, sender: str) -> EmailMessage:
    answers = content["answers"]
    routes = [r for r in content["routing"]["routes"] if r["service"] == outgoing.service_slug]
    context = {
        "reference": outgoing.reference,
        "professional": outgoing.referrer == "professional",
        "organisation": outgoing.organisation,
        "sent": outgoing.created_at.strftime("%-d %B %Y at %H:%M UTC"),
        "do_not_contact": bool(answers.get("contact", {}).get("do_not_contact")),
        "sections": _sections(outgoing.referrer, answers),
        "reasons": routes[0]["reasons"] if routes else [],
        "service": outgoing.service_name,
        "fallback": outgoing.fallback,
        "also_sent_to": outgoing.also_sent_to,
        "demo": outgoing.address_is_demo,
    }
    message = EmailMessage()
    # Only the reference in the subject: a subject is seen in notifications and lists.
    message["Subject"] = f"Referral {outgoing.reference}"
    message["From"] = sender
    message["To"] = outgoing.to_address
    message["Message-ID"] = outgoing.message_id
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_environment.get_template("referral.txt").render(context))
    message.add_alternative(
        _environment.get_template("referral.html").render(context), subtype="html"
    )
    return message
