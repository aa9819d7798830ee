"""Forms of the directory's administration: an organisation and a service. English only,
like the rest of the admin (no strings for the translation catalogs).

The forms check what was typed (a date, a number, an address, at least one area) and give
each mistake a message next to its field, keeping what was typed. The directory's rules are
checked again where the change is made (directory_edit.py), with the same messages.
"""

from __future__ import annotations

import datetime as dt
import re

from wtforms import BooleanField, Field, RadioField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import TextInput

from portal import vocab
from portal.admin import directory_edit as rules
from portal.forms import FromTheList, InRange, PortalForm, WholeNumberField
from portal.models import Organisation, Service
from portal.referrals.forms import AtLeastOne, MultiCheckboxField

LONG_TEXT = 5000
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UNKNOWN = "unknown"  # the radio value for "the sources do not say" (None in the database)
YES_NO_UNKNOWN = {"yes": True, "no": False, UNKNOWN: None}


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _terms(terms: dict) -> list[SelectChoice]:
    """A vocabulary's choices with their English labels (the admin is not translated)."""
    return [SelectChoice(code, term.label) for code, term in terms.items()]


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=f"Use {maximum:,} characters or fewer")


def _plain(text: str | None) -> str:
    """Text as the directory's files hold it: one line, single spaces (see load.py)."""
    return " ".join((text or "").split())


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, UNKNOWN)


class TypedDateField(Field):
    """A date typed as YYYY-MM-DD in a text box; a wrong one keeps what was typed and gets
    the field's own message."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, invalid_message: str, **kwargs):
        render_kw = {"autocomplete": "off", "spellcheck": "false", **kwargs.pop("render_kw", {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        text = str(valuelist[0]).strip()
        if not ISO_DATE.match(text):
            raise ValueError(self.invalid_message)
        try:
            self.data = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(self.invalid_message) from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if isinstance(self.data, dt.date) else ""


class DirectoryForm(PortalForm):
    """What both forms share: a slug only when the record is new, and the rules' messages
    put next to their fields."""

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        if not creating:
            del self.slug

    def validate_slug(self, field):
        if field.data and not rules.SLUG.match(field.data):
            raise ValidationError(rules.SLUG_FORMAT)

    def add_problems(self, problems: dict[str, str]) -> None:
        """Show the messages of directory_edit.Invalid next to their fields."""
        for name, message in problems.items():
            field = self._fields.get(name) or self.name
            field.errors = [*field.errors, message]


class OrganisationForm(DirectoryForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Enter the organisation's name"), _length(200)],
    )
    short_name = StringField("Short name or initials (optional)", validators=[_length(80)])
    slug = StringField(
        "Slug",
        validators=[DataRequired("Enter a slug: the name used in web addresses"), _length(80)],
    )
    description = TextAreaField("About the organisation", validators=[_length(LONG_TEXT)])
    referral_email = StringField(
        "Address referrals are sent to",
        validators=[DataRequired("Enter the address referrals are sent to"), _length(254)],
        render_kw={"spellcheck": "false", "inputmode": "email"},
    )
    delivery_mode = RadioField(
        "How referrals are delivered",
        choices=_choices(
            {
                "link": (
                    "Link: the e-mail holds only the reference and a link to the inbox; "
                    "no personal data in the mail"
                ),
                "full": (
                    "Full: the referral itself is e-mailed: only for providers with secure e-mail"
                ),
            }
        ),
        default="link",
        validators=[
            DataRequired("Choose how referrals are delivered"),
            FromTheList("Choose how referrals are delivered from the list"),
        ],
        validate_choice=False,
    )

    @classmethod
    def for_organisation(cls, organisation: Organisation, **kwargs) -> OrganisationForm:
        return cls(obj=organisation, **kwargs)

    def validate_referral_email(self, field):
        if field.data:
            try:
                rules.referral_address(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None

    def values(self) -> dict:
        values = {
            "name": _plain(self.name.data),
            "short_name": _plain(self.short_name.data) or None,
            "description": _plain(self.description.data),
            "referral_email": self.referral_email.data,
            "delivery_mode": self.delivery_mode.data,
        }
        if self.creating:
            values["slug"] = self.slug.data
        return values


def _count(label: str, what: str, maximum: int = 9999) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[InRange(0, maximum, f"Enter the {what} as a number from 0 to {maximum:,}")],
        invalid_message=f"Enter the {what} as a whole number, like 4, or leave it empty",
    )


def _age(label: str, what: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[InRange(0, rules.MAX_AGE, f"Enter the {what} from 0 to {rules.MAX_AGE}")],
        invalid_message=f"Enter the {what} as a whole number of years, like 16",
    )


def _date(label: str, what: str) -> TypedDateField:
    return TypedDateField(
        label,
        invalid_message=f"Enter the {what} as a real date written YYYY-MM-DD, like 2027-03-31",
    )


def _yes_no_unknown(label: str, what: str) -> RadioField:
    return RadioField(
        label,
        choices=_choices({"yes": "Yes", "no": "No", UNKNOWN: "Not known"}),
        default=UNKNOWN,
        validators=[FromTheList(f"Choose yes, no or not known for {what}")],
        validate_choice=False,
    )


class ServiceForm(DirectoryForm):
    # About the service
    name = StringField("Name", validators=[DataRequired("Enter the service's name"), _length(200)])
    slug = StringField(
        "Slug",
        validators=[DataRequired("Enter a slug: the name used in web addresses"), _length(120)],
    )
    summary = TextAreaField(
        "Summary",
        validators=[DataRequired("Enter a one-sentence summary of the service"), _length(1000)],
    )
    description = TextAreaField("Description", validators=[_length(LONG_TEXT)])
    how_to_refer = TextAreaField("How to refer", validators=[_length(LONG_TEXT)])

    # Status
    status = RadioField(
        "Status",
        choices=_choices({"operating": "Operating", "ended": "Ended"}),
        default="operating",
        validators=[
            DataRequired("Choose whether the service is operating or has ended"),
            FromTheList("Choose operating or ended"),
        ],
        validate_choice=False,
    )
    ended_on = _date("Ended on (optional)", "date it ended")
    funded_until = _date("Funded until (optional)", "date its funding ends")
    status_note = TextAreaField("Note about its status", validators=[_length(LONG_TEXT)])

    # Who it is for
    accepts_women = BooleanField("Women", default=True)
    accepts_men = BooleanField("Men")
    min_age = _age("Youngest age taken (optional)", "youngest age")
    max_age = _age("Oldest age taken (optional)", "oldest age")
    eligibility_note = TextAreaField("Note about who it is for", validators=[_length(LONG_TEXT)])
    takes_from_anywhere = BooleanField(
        "Takes people fleeing from anywhere, not only from the areas below"
    )
    areas = MultiCheckboxField(
        "Areas it serves",
        choices=_terms(vocab.AREAS),
        validators=[FromTheList("Choose areas from the list"), AtLeastOne(rules.NEEDS_AREA)],
        validate_choice=False,
    )
    kinds = MultiCheckboxField(
        "Kind of service",
        choices=_terms(vocab.KINDS),
        validators=[FromTheList("Choose kinds from the list"), AtLeastOne(rules.NEEDS_KIND)],
        validate_choice=False,
    )
    specialisms = MultiCheckboxField(
        "Specialist service for (optional)",
        choices=_terms(vocab.SPECIALISMS),
        validators=[FromTheList("Choose specialisms from the list")],
        validate_choice=False,
    )

    # Accommodation
    units = _count("Units (optional)", "number of units")
    unit_types = StringField("Types of unit (optional)", validators=[_length(200)])
    wheelchair_units = _count("Wheelchair-accessible units (optional)", "number of units")
    largest_family = _count("Largest family it can take (optional)", "number of people", 99)
    sons_no_age_limit = BooleanField("Takes sons of any age")
    max_son_age = _age("Oldest age of sons taken (optional)", "oldest age of sons")
    max_son_age_if_agreed = _age(
        "Oldest age of sons if agreed case by case (optional)", "oldest age if agreed"
    )
    son_age_note = TextAreaField("Note about sons' ages", validators=[_length(LONG_TEXT)])
    nrpf = RadioField(
        "People with no recourse to public funds",
        choices=[
            *(SelectChoice(code, term.label) for code, term in vocab.NRPF_ANSWERS.items()),
            SelectChoice(UNKNOWN, "Not known: the sources do not say"),
        ],
        default=UNKNOWN,
        validators=[FromTheList("Choose an answer about no recourse to public funds")],
        validate_choice=False,
    )
    pets = _yes_no_unknown("Takes pets", "pets")
    pet_units = _count("Units that take pets (optional)", "number of units")
    overnight_security = _yes_no_unknown("Security staff overnight", "overnight security")

    # Contact
    phone = StringField(
        "Phone (optional)", validators=[_length(40)], render_kw={"inputmode": "tel"}
    )
    text_phone = StringField(
        "Number for text messages (optional)",
        validators=[_length(40)],
        render_kw={"inputmode": "tel"},
    )
    contact_note = TextAreaField("Note about contact", validators=[_length(LONG_TEXT)])

    @classmethod
    def for_service(cls, service: Service, **kwargs) -> ServiceForm:
        data = {name: getattr(service, name) for name in rules.SERVICE_FIELDS}
        for name in ("pets", "overnight_security"):
            data[name] = _yes_no(data[name])
        data["nrpf"] = data["nrpf"] or UNKNOWN
        return cls(data=data, **kwargs)

    def validate_accepts_women(self, field):
        if not (field.data or self.accepts_men.data):
            raise ValidationError(rules.NEEDS_WOMEN_OR_MEN)

    def validate_min_age(self, field):
        high = self.max_age.data
        if field.data is not None and high is not None and field.data > high:
            raise ValidationError(rules.AGES_REVERSED)

    def validate_status_note(self, field):
        if self.status.data == "ended" and not field.data:
            raise ValidationError(rules.NEEDS_ENDED_REASON)

    def validate_max_son_age(self, field):
        if field.data is not None and self.sons_no_age_limit.data:
            raise ValidationError(rules.SON_AGES_BOTH)

    def validate_max_son_age_if_agreed(self, field):
        usual = self.max_son_age.data
        if self.max_son_age.errors:
            return  # the usual age has its own message (it is checked first)
        if field.data is not None and (usual is None or field.data <= usual):
            raise ValidationError(rules.SON_AGE_IF_AGREED)

    def validate_phone(self, field):
        problem = rules.phone_problem(field.data)
        if problem:
            raise ValidationError(problem)

    validate_text_phone = validate_phone

    def values(self) -> dict:
        values = {
            "name": _plain(self.name.data),
            "summary": _plain(self.summary.data),
            "description": _plain(self.description.data),
            "how_to_refer": _plain(self.how_to_refer.data),
            "status": self.status.data,
            "ended_on": self.ended_on.data,
            "funded_until": self.funded_until.data,
            "status_note": _plain(self.status_note.data),
            "accepts_women": self.accepts_women.data,
            "accepts_men": self.accepts_men.data,
            "min_age": self.min_age.data,
            "max_age": self.max_age.data,
            "eligibility_note": _plain(self.eligibility_note.data),
            "takes_from_anywhere": self.takes_from_anywhere.data,
            "areas": list(self.areas.data or []),
            "kinds": list(self.kinds.data or []),
            "specialisms": list(self.specialisms.data or []),
            "units": self.units.data,
            "unit_types": _plain(self.unit_types.data) or None,
            "wheelchair_units": self.wheelchair_units.data,
            "largest_family": self.largest_family.data,
            "sons_no_age_limit": self.sons_no_age_limit.data,
            "max_son_age": self.max_son_age.data,
            "max_son_age_if_agreed": self.max_son_age_if_agreed.data,
            "son_age_note": _plain(self.son_age_note.data),
            "nrpf": None if self.nrpf.data == UNKNOWN else self.nrpf.data,
            "pets": YES_NO_UNKNOWN.get(self.pets.data),
            "pet_units": self.pet_units.data,
            "overnight_security": YES_NO_UNKNOWN.get(self.overnight_security.data),
            "phone": _plain(self.phone.data) or None,
            "text_phone": _plain(self.text_phone.data) or None,
            "contact_note": _plain(self.contact_note.data),
        }
        if self.creating:
            values["slug"] = self.slug.data
        return values
