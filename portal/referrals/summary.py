"""The answers as question-and-answer rows, for the check page and the provider's e-mail.

The questions and the words of each choice come from the step forms themselves, so the
summary always says what the form asked, in the language it is rendered in.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from wtforms import BooleanField, FieldList, HiddenField, RadioField, SelectMultipleField

from portal.referrals import forms
from portal.referrals.answers import STEPS


@dataclass(frozen=True)
class Row:
    question: str
    answer: str
    step: str
    field: str


def _choice_label(field, value) -> str:
    for choice in field.choices:
        if choice.value == value:
            return str(choice.label)
    return str(value)


def _children(field: FieldList) -> str:
    if not field.data:
        return _("No children")
    parts = []
    for child in field.data:
        sex = {"male": _("boy"), "female": _("girl")}.get(child.get("sex"), _("child"))
        parts.append(_("%(who)s aged %(age)s", who=sex, age=child.get("age")))
    return "; ".join(parts)


def _answer(field) -> str | None:
    if isinstance(field, HiddenField) or field.name in ("csrf_token", "add_child"):
        return None
    if isinstance(field, FieldList):
        return _children(field)
    if isinstance(field, BooleanField):
        return _("Yes") if field.data else None
    if isinstance(field, SelectMultipleField):
        return ", ".join(_choice_label(field, v) for v in field.data) if field.data else None
    if isinstance(field, RadioField):
        return _choice_label(field, field.data) if field.data else None
    if field.data in (None, ""):
        return None
    return str(field.data)


def rows(referrer: str, answers: dict, *, about_the_person: bool = False) -> list[Row]:
    """Every answered question, in the order the form asked them. The questions speak to
    the person on their own check page; `about_the_person` words them for someone else
    (a professional's check page, the provider's e-mail)."""
    professional = about_the_person or referrer == "professional"
    result = []
    for step in STEPS[referrer]:
        form_class = getattr(forms, step.form)
        form = form_class(formdata=None, professional=professional, meta={"csrf": False})
        form.load(answers.get(step.name, {}))
        for name, field in form._fields.items():
            answer = _answer(field)
            if answer is not None:
                result.append(Row(str(field.label.text), answer, step.name, name))
    return result
