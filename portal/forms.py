"""What every form in the portal shares: whitespace stripped, messages that name the field."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    """Strips surrounding whitespace from every text field (GOV.UK Notify's habit)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters") or [])
            filters.append(_strip)
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
