"""The e-mail a provider receives: a neutral subject (the reference only), plain text and
simple HTML. In "full" mode: the safe-contact block first, then what they need to act, and
why it came to them, always in English, saying which language the person uses and whether
an interpreter is needed. In "link" mode: only the reference and a link to the inbox."""

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


def sections(referrer: str, answers: dict) -> list[tuple[str, list[summary.Row]]]:
    rows = summary.rows(referrer, answers, about_the_person=True)
    return [
        (title, [row for row in rows if row.step == step])
        for step, title in SECTIONS
        if any(row.step == step for row in rows)
    ]


def acknowledge_link(base_url: str, outgoing: Outgoing) -> str:
    return f"{base_url}/staff/referrals/{outgoing.delivery_id}/received" if base_url else ""


def compose(outgoing: Outgoing, content: dict, sender: str, base_url: str = "") -> EmailMessage:
    """The referral for one provider: the whole referral ("full" mode), or only its
    reference and a link to the inbox ("link" mode, no personal data in the mail)."""
    if outgoing.mode == "link":
        return compose_link(outgoing, sender, base_url)
    # Providers read English whatever language the person used (and the e-mail says which
    # language to use with them), even if this runs while a page in another language is
    # being served.
    with force_locale("en_GB"):
        return _compose(outgoing, content, sender, base_url)


def compose_link(
    outgoing: Outgoing, sender: str, base_url: str, *, reminder: bool = False
) -> EmailMessage:
    """Reference, service and a link to sign in and read it: nothing about the person.
    Also the reminder for a referral nobody has acknowledged."""
    if not base_url:
        raise ValueError("PORTAL_BASE_URL must be set to send a link to the inbox")
    context = {
        "reference": outgoing.reference,
        "professional": outgoing.referrer == "professional",
        "organisation": outgoing.organisation,
        "service": outgoing.service_name,
        "sent": outgoing.created_at.strftime("%-d %B %Y at %H:%M UTC"),
        "fallback": outgoing.fallback,
        "demo": outgoing.address_is_demo,
        "link": acknowledge_link(base_url, outgoing),
        "reminder": reminder,
    }
    subject = f"Reminder: referral {outgoing.reference}" if reminder else None
    return _message(outgoing, sender, context, "referral_link", subject)


def _message(
    outgoing: Outgoing, sender: str, context: dict, template: str, subject: str | None = None
) -> EmailMessage:
    message = EmailMessage()
    # Only the reference in the subject: a subject is seen in notifications and lists.
    message["Subject"] = subject or f"Referral {outgoing.reference}"
    message["From"] = sender
    message["To"] = outgoing.to_address
    # A reminder is a new message, not the referral again.
    message["Message-ID"] = (
        outgoing.message_id.replace("@", ".reminder@") if subject else outgoing.message_id
    )
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_environment.get_template(f"{template}.txt").render(context))
    message.add_alternative(
        _environment.get_template(f"{template}.html").render(context), subtype="html"
    )
    return message


def _compose(outgoing: Outgoing, content: dict, sender: str, base_url: str) -> EmailMessage:
    answers = content["answers"]
    routes = [r for r in content["routing"]["routes"] if r["service"] == outgoing.service_slug]
    context = {
        "reference": outgoing.reference,
        "professional": outgoing.referrer == "professional",
        "organisation": outgoing.organisation,
        "sent": outgoing.created_at.strftime("%-d %B %Y at %H:%M UTC"),
        "do_not_contact": bool(answers.get("contact", {}).get("do_not_contact")),
        "sections": sections(outgoing.referrer, answers),
        "reasons": routes[0]["reasons"] if routes else [],
        "service": outgoing.service_name,
        "fallback": outgoing.fallback,
        "also_sent_to": outgoing.also_sent_to,
        "demo": outgoing.address_is_demo,
        "link": acknowledge_link(base_url, outgoing),
    }
    return _message(outgoing, sender, context, "referral")
