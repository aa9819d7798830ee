"""The pathway finder: the routing inputs as a short GET form, so its answer has a stable
address a professional can share or print, and no cookie is needed to use it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from portal import routing, vocab
from portal.forms import InRange, QueryForm, WholeNumberField
from portal.referrals.forms import MultiCheckboxField

GENDERS = (
    ("woman", _l("Woman")),
    ("man", _l("Man")),
    ("non-binary", _l("Non-binary")),
    ("other", _l("In another way")),
)


def _terms(terms: dict, codes=None) -> list[SelectChoice]:
    return [SelectChoice(code, _l(terms[code].label)) for code in (codes or terms)]


class _Chosen:
    """A choice from the list (the list is the only way to answer; anything else was typed
    into the address)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        values = field.data if isinstance(field.data, list) else [field.data]
        allowed = {choice.value for choice in field.choices}
        if any(value not in allowed for value in values if value):
            raise ValidationError(self.message)


class FinderForm(QueryForm):
    age = WholeNumberField(
        _l("Age of the person"),
        validators=[
            InputRequired(_l("Enter the person's age")),
            InRange(0, 120, _l("Enter an age from 0 to 120")),
        ],
        invalid_message=_l("Enter the age as a number, like 34"),
    )
    gender = SelectField(
        _l("Gender"),
        choices=[SelectChoice(value, label) for value, label in GENDERS],
        validators=[_Chosen(_l("Choose a gender from the list"))],
        validate_choice=False,
    )
    area = SelectField(
        _l("Where the person lives"),
        choices=_terms(vocab.AREAS),
        validators=[_Chosen(_l("Choose where the person lives from the list"))],
        validate_choice=False,
    )
    needs = MultiCheckboxField(
        _l("What help they need"),
        choices=_terms(vocab.NEEDS),
        validators=[_Chosen(_l("Choose the help from the list"))],
        validate_choice=False,
    )
    risk = SelectField(
        _l("Risk level"),
        choices=_terms(vocab.RISK_LEVELS, ("unknown", "standard", "medium", "high")),
        validators=[_Chosen(_l("Choose the risk level from the list"))],
        validate_choice=False,
    )
    communities = MultiCheckboxField(
        _l("Community"),
        choices=_terms(vocab.COMMUNITIES),
        validators=[_Chosen(_l("Choose the community from the list"))],
        validate_choice=False,
    )
    lgbt = BooleanField(_l("Lesbian, gay, bisexual or LGBT+"))
    nrpf = BooleanField(_l("No recourse to public funds, or an insecure immigration status"))

    def validate_needs(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one kind of help"))

    def is_filled(self) -> bool:
        """Whether the finder was sent (a first visit shows the empty form, no errors)."""
        return any(self[name].raw_data for name in ("age", "area", "needs"))

    def referral(self) -> routing.Referral:
        """The answers as the routing contract's referral, for a professional."""
        return routing.parse_referral(
            {
                "referrer": "professional",
                "age": self.age.data,
                "gender": self.gender.data or "woman",
                "lgbt": bool(self.lgbt.data),
                "communities": list(self.communities.data or []),
                "area": self.area.data or "leicester",
                "needs": list(self.needs.data),
                "nrpf": bool(self.nrpf.data),
                "risk": self.risk.data or "unknown",
            }
        )

    def answers_by_step(self) -> dict:
        """The same answers in the professional referral's steps, to start it with."""
        return {
            "referrer": {"risk": self.risk.data or None},
            "about-you": {
                "age": self.age.data,
                "gender": self.gender.data,
                "lgbt": "yes" if self.lgbt.data else None,
                "communities": list(self.communities.data or []),
            },
            "where": {"area": self.area.data},
            "needs": {"needs": list(self.needs.data), "nrpf": "yes" if self.nrpf.data else None},
        }
