"""What every form in the portal shares: whitespace stripped, messages that name the field."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, IntegerField, PasswordField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

# Control characters have no place in a form answer and could break a mail or a log line.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def _clean_line(value):
    """One line of text: surrounding space stripped, line breaks and controls removed."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value.replace("\r", " ").replace("\n", " ")).strip()


def _clean_text(value):
    """Several lines of text: line endings normalised, other controls removed."""
    if not isinstance(value, str):
        return value
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


class PortalForm(FlaskForm):
    """Cleans every text answer (GOV.UK Notify's StripWhitespaceForm, and control
    characters too) before validation, so what is stored and mailed is plain text."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, (FieldList, FormField)):
                return unbound_field.bind(form=form, **options)  # they take no filters
            if issubclass(unbound_field.field_class, PasswordField):
                # A password is checked exactly as typed, spaces and all; never stored.
                return unbound_field.bind(form=form, **options)
            filters = list(unbound_field.kwargs.get("filters") or [])
            is_text_area = issubclass(unbound_field.field_class, TextAreaField)
            filters.append(_clean_text if is_text_area else _clean_line)
            return unbound_field.bind(form=form, filters=filters, **options)


class QueryForm(PortalForm):
    """A GET form (filters): no CSRF token, so browsing never sets a cookie."""

    class Meta:
        csrf = False


class WholeNumberField(IntegerField):
    """A whole number typed in a text box with a numeric keyboard (GOV.UK's advice over
    type=number); bad input keeps what was typed and gets the field's own message."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, invalid_message, **kwargs):
        render_kw = {"inputmode": "numeric", "autocomplete": "off", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        text = str(valuelist[0]).strip()
        if not text.isascii() or not text.isdigit():
            raise ValueError(self.invalid_message)
        self.data = int(text)

    def _value(self):
        # Show back exactly what was typed, even when it was not a number.
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class InRange:
    """Checks a number is within bounds; says nothing when there is no number."""

    def __init__(self, minimum: int, maximum: int, message):
        self.minimum, self.maximum, self.message = minimum, maximum, message

    def __call__(self, form, field):
        if field.data is not None and not self.minimum <= field.data <= self.maximum:
            raise ValidationError(self.message)


def field_attributes(field, hint=None, **attributes) -> dict:
    """HTML attributes linking a control to its hint and error message (for templates)."""
    described = []
    if hint:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
        attributes["aria-invalid"] = "true"
    if described:
        attributes["aria-describedby"] = " ".join(described)
    return attributes


def term_choices(terms: dict, codes=None) -> list[SelectChoice]:
    """Choices from one of portal/vocab.py's vocabularies, labels translated when shown."""
    return [SelectChoice(code, _l(terms[code].label)) for code in (codes or terms)]


class FromTheList:
    """The answer (or each answer) is one of the field's choices. A list is the only way to
    answer such a question, so anything else was typed into the address or forged."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        values = field.data if isinstance(field.data, list) else [field.data]
        allowed = {choice.value for choice in field.choices}
        if any(value not in allowed for value in values if value):
            raise ValidationError(self.message)
