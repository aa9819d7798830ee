"""The referral's questions, one form per step. Messages name the thing to fix, in the
person's language. Sensitive fields switch autofill off: safety before WCAG 1.3.5."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal import vocab
from portal.forms import InRange, PortalForm, WholeNumberField, term_choices

MAX_CHILDREN = 12
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{8,18}[0-9]$")
EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")

# The portal's own languages first, then "other": the interpreter matters more than the list.
LANGUAGE_CHOICES = (
    ("en", _l("English")),
    ("gu", _l("Gujarati")),
    ("pa", _l("Punjabi")),
    ("pl", _l("Polish")),
    ("hi", _l("Hindi")),
    ("ur", _l("Urdu")),
    ("ar", _l("Arabic")),
    ("so", _l("Somali")),
    ("bn", _l("Bengali")),
    ("ro", _l("Romanian")),
    ("other", _l("Another language")),
)
YES_NO = (("yes", _l("Yes")), ("no", _l("No")))
YES_NO_PREFER_NOT = (*YES_NO, ("prefer-not", _l("Prefer not to say")))


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


# Shared with the pathway finder, which asks the same question without "prefer not to say".
GENDERS = (
    ("woman", _l("Woman")),
    ("man", _l("Man")),
    ("non-binary", _l("Non-binary")),
    ("other", _l("In another way")),
)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AtLeastOne:
    """For a group of checkboxes. (InputRequired would mark every box `required`.)"""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise ValidationError(self.message)


def _off(**extra) -> dict:
    """Autofill off, so nothing typed here is remembered by a shared device."""
    return {"autocomplete": "off", **extra}


def phone_number(message):
    def _check(form, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError(message)

    return _check


def email_address(message):
    def _check(form, field):
        if field.data and (len(field.data) > 254 or not EMAIL.match(field.data)):
            raise ValidationError(message)

    return _check


class StepForm(PortalForm):
    """A referral step: knows how to fill itself from saved answers and save them back.

    The questions speak to the person ("you"); for a professional referral the labels in
    `professional_labels` speak about the person instead."""

    professional_labels: dict = {}

    def __init__(self, *args, professional: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if professional:
            for name, text in self.professional_labels.items():
                self[name].label.text = text

    def load(self, answers: dict) -> None:
        """Show saved answers (no form data: a GET, or the summary)."""
        self.process(data=answers)

    def answers(self) -> dict:
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}


class ReferrerForm(StepForm):
    referrer_name = StringField(
        _l("Your name"),
        validators=[InputRequired(_l("Enter your name")), Length(max=100)],
        render_kw=_off(),
    )
    organisation = StringField(
        _l("Your organisation"),
        validators=[InputRequired(_l("Enter your organisation")), Length(max=150)],
        render_kw=_off(),
    )
    role = StringField(
        _l("Your role"),
        validators=[InputRequired(_l("Enter your role, like housing officer")), Length(max=100)],
        render_kw=_off(),
    )
    work_email = StringField(
        _l("Your work e-mail address"),
        validators=[
            InputRequired(_l("Enter your work e-mail address")),
            email_address(_l("Enter an e-mail address like name@example.org")),
        ],
        render_kw=_off(spellcheck="false"),
    )
    work_phone = StringField(
        _l("Your work phone number"),
        validators=[
            InputRequired(_l("Enter your work phone number")),
            phone_number(_l("Enter a phone number like 0116 496 0000")),
        ],
        render_kw=_off(inputmode="tel"),
    )
    consent = RadioField(
        _l("Has the person agreed to this referral?"),
        choices=_choices(YES_NO),
        validators=[InputRequired(_l("Say whether the person has agreed to this referral"))],
    )
    no_consent_reason = TextAreaField(
        _l("Why are you referring without their agreement?"),
        validators=[Length(max=1000)],
        render_kw=_off(rows=3),
    )
    risk = RadioField(
        _l("Risk level"),
        choices=term_choices(vocab.RISK_LEVELS),
        validators=[InputRequired(_l("Choose the risk level, or not known"))],
    )
    dash_score = WholeNumberField(
        _l("DASH risk checklist score, if known"),
        validators=[InRange(0, 27, _l("Enter the DASH score as a number from 0 to 27"))],
        invalid_message=_l("Enter the DASH score as a number, like 14"),
    )

    def validate_no_consent_reason(self, field):
        if self.consent.data == "no" and not field.data:
            raise ValidationError(_l("Say why you are referring without their agreement"))


class AboutYouForm(StepForm):
    professional_labels = {
        "name": _l("What name should the service use for the person? (optional)"),
    }
    name = StringField(
        _l("What name should the service use? (optional)"),
        validators=[Optional(), Length(max=60, message=_l("Use 60 characters or fewer"))],
        render_kw=_off(),
    )
    age = WholeNumberField(
        _l("Age"),
        validators=[
            InputRequired(_l("Enter an age in years")),
            InRange(0, 120, _l("Enter an age from 0 to 120")),
        ],
        invalid_message=_l("Enter the age as a number, like 34"),
    )
    gender = RadioField(
        _l("Gender"),
        choices=_choices(
            (
                *GENDERS,
                ("prefer-not", _l("Prefer not to say")),
            )
        ),
        validators=[InputRequired(_l("Choose a gender, or prefer not to say"))],
    )
    trans = RadioField(
        _l("Trans or with a trans history?"),
        choices=_choices(YES_NO_PREFER_NOT),
        validators=[Optional()],
    )
    lgbt = RadioField(
        _l("Lesbian, gay, bisexual or LGBT+?"),
        choices=_choices(YES_NO_PREFER_NOT),
        validators=[Optional()],
    )
    communities = MultiCheckboxField(
        _l("Community (choose any that apply)"),
        choices=term_choices(vocab.COMMUNITIES),
    )
    language = RadioField(
        _l("Language to use"),
        choices=_choices(LANGUAGE_CHOICES),
        validators=[InputRequired(_l("Choose a language"))],
    )
    other_language = StringField(
        _l("Which language?"), validators=[Length(max=40)], render_kw=_off()
    )
    interpreter = RadioField(
        _l("Is an interpreter needed?"),
        choices=_choices(YES_NO),
        validators=[InputRequired(_l("Say whether an interpreter is needed"))],
    )

    def validate_other_language(self, field):
        if self.language.data == "other" and not field.data:
            raise ValidationError(_l("Enter the language"))


class WhereForm(StepForm):
    professional_labels = {"area": _l("Where does the person live now?")}
    area = RadioField(
        _l("Where do you live now?"),
        choices=term_choices(vocab.AREAS),
        validators=[InputRequired(_l("Choose where you live now"))],
    )


class NeedsForm(StepForm):
    professional_labels = {
        "needs": _l("What help does the person need? (choose all that apply)"),
        "nrpf": _l(
            "Does the person have no recourse to public funds, or an insecure immigration status?"
        ),
    }
    needs = MultiCheckboxField(
        _l("What help do you need? (choose all that apply)"),
        choices=term_choices(vocab.NEEDS),
        validators=[AtLeastOne(_l("Choose at least one kind of help"))],
    )
    nrpf = RadioField(
        _l("Do you have no recourse to public funds, or an insecure immigration status?"),
        choices=_choices((*YES_NO, ("not-sure", _l("Not sure")))),
        validators=[Optional()],
    )


class ChildForm(Form):
    age = WholeNumberField(
        _l("Age"),
        validators=[
            InputRequired(_l("Enter the child's age")),
            InRange(0, 25, _l("Enter the child's age from 0 to 25")),
        ],
        invalid_message=_l("Enter the child's age as a number, like 7"),
    )
    sex = RadioField(
        _l("Boy or girl"),
        choices=_choices((("male", _l("Boy")), ("female", _l("Girl")), ("other", _l("Other")))),
        validators=[InputRequired(_l("Say whether the child is a boy or a girl, or other"))],
    )


def _blank_row(row) -> bool:
    return all(not "".join(field.raw_data or ()).strip() for field in row.form)


class WhoWithForm(StepForm):
    professional_labels = {
        "pets": _l("Is there a pet that must come with them?"),
        "wheelchair": _l("Does the person need wheelchair-accessible accommodation?"),
    }
    children = FieldList(
        FormField(ChildForm), _l("Children who would come"), max_entries=MAX_CHILDREN
    )
    add_child = BooleanField(_l("Add a child"))
    pets = RadioField(
        _l("Is there a pet that must come with you?"),
        choices=_choices(YES_NO),
        validators=[Optional()],
    )
    wheelchair = RadioField(
        _l("Do you need wheelchair-accessible accommodation?"),
        choices=_choices(YES_NO),
        validators=[Optional()],
    )

    def validate(self, extra_validators=None) -> bool:
        # A row left wholly empty means no child, as the hint says; only rows with something
        # in them are checked.
        rows = self.children.entries
        self.children.entries = [row for row in rows if not _blank_row(row)]
        try:
            return super().validate(extra_validators)
        finally:
            self.children.entries = rows

    def answers(self) -> dict:
        kept = [c for c in self.children.data if c.get("age") is not None or c.get("sex")]
        return {"children": kept, "pets": self.pets.data, "wheelchair": self.wheelchair.data}


CHANNELS = (
    ("call", _l("Phone call")),
    ("text", _l("Text message")),
    ("voicemail", _l("Voicemail")),
    ("email", _l("E-mail")),
    ("letter", _l("Letter")),
)


class ContactForm(StepForm):
    professional_labels = {
        "do_not_contact": _l(
            "Do not contact the person. They will contact the service themselves."
        ),
        "channels": _l("How is it safe to contact the person? (choose all that are safe)"),
        "phone": _l("A safe phone number for the person"),
        "email": _l("A safe e-mail address for the person"),
        "address": _l("A safe postal address for the person"),
        "anything_else": _l(
            "Anything else the service should know to keep the person safe (optional)"
        ),
    }
    do_not_contact = BooleanField(_l("Do not contact me. I will contact the service myself."))
    channels = MultiCheckboxField(
        _l("How is it safe to contact you? (choose all that are safe)"),
        choices=_choices(CHANNELS),
    )
    phone = StringField(
        _l("A safe phone number"),
        validators=[phone_number(_l("Enter a phone number like 07700 900 123"))],
        render_kw=_off(inputmode="tel"),
    )
    email = StringField(
        _l("A safe e-mail address"),
        validators=[email_address(_l("Enter an e-mail address like name@example.org"))],
        render_kw=_off(spellcheck="false"),
    )
    address = TextAreaField(
        _l("A safe postal address"), validators=[Length(max=300)], render_kw=_off(rows=3)
    )
    times = StringField(
        _l("When is it safe? (optional)"),
        validators=[Length(max=150)],
        render_kw=_off(),
    )
    may_say_who = RadioField(
        _l("Can the person who calls say which service they are from?"),
        choices=_choices(YES_NO),
        validators=[Optional()],
    )
    code_word = StringField(
        _l("A code word the caller should use (optional)"),
        validators=[Length(max=40)],
        render_kw=_off(),
    )
    third_party = TextAreaField(
        _l("Someone safe to contact instead (optional)"),
        validators=[Length(max=300)],
        render_kw=_off(rows=2),
    )
    anything_else = TextAreaField(
        _l("Anything else the service should know to keep you safe (optional)"),
        validators=[Length(max=1000, message=_l("Use 1000 characters or fewer"))],
        render_kw=_off(rows=4),
    )

    def validate_channels(self, field):
        if not self.do_not_contact.data and not field.data:
            raise ValidationError(
                _l("Choose at least one safe way to contact you, or that you will call them")
            )

    def validate_phone(self, field):
        if self.do_not_contact.data or field.data:
            return
        if set(self.channels.data or ()) & {"call", "text", "voicemail"}:
            raise ValidationError(_l("Enter a safe phone number"))

    def validate_email(self, field):
        if (
            not self.do_not_contact.data
            and "email" in (self.channels.data or ())
            and (not field.data)
        ):
            raise ValidationError(_l("Enter a safe e-mail address"))

    def validate_address(self, field):
        if (
            not self.do_not_contact.data
            and "letter" in (self.channels.data or ())
            and (not field.data)
        ):
            raise ValidationError(_l("Enter a safe postal address"))


class CheckForm(PortalForm):
    share_with = MultiCheckboxField(
        _l("Send my request to"),
        validators=[AtLeastOne(_l("Choose at least one service to send this to"))],
    )
    submission_key = HiddenField()
    # A field people never see; software that fills in every box fills this one too.
    website = StringField(_l("Leave this box empty"), render_kw=_off(tabindex="-1"))


class StartForm(PortalForm):
    """Begins a professional referral with the pathway finder's answers (its CSRF token is
    what makes it a form: the answers travel as hidden fields beside it)."""
