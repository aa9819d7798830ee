"""The pathway finder: the routing inputs as a short GET form, so its answer has a stable
address a professional can share or print, and no cookie is needed to use it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from portal import routing, vocab
from portal.forms import FromTheList, InRange, QueryForm, WholeNumberField, term_choices
from portal.referrals.forms import GENDERS, MultiCheckboxField


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
        validators=[FromTheList(_l("Choose a gender from the list"))],
        validate_choice=False,
    )
    area = SelectField(
        _l("Where the person lives"),
        choices=term_choices(vocab.AREAS),
        validators=[FromTheList(_l("Choose where the person lives from the list"))],
        validate_choice=False,
    )
    needs = MultiCheckboxField(
        _l("What help they need"),
        choices=term_choices(vocab.NEEDS),
        validators=[FromTheList(_l("Choose the help from the list"))],
        validate_choice=False,
    )
    risk = SelectField(
        _l("Risk level"),
        choices=term_choices(vocab.RISK_LEVELS, ("unknown", "standard", "medium", "high")),
        validators=[FromTheList(_l("Choose the risk level from the list"))],
        validate_choice=False,
    )
    communities = MultiCheckboxField(
        _l("Community"),
        choices=term_choices(vocab.COMMUNITIES),
        validators=[FromTheList(_l("Choose the community from the list"))],
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
