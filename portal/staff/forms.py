"""Forms of the staff side: signing in, the second factor, choosing a password, a referral's
status and a service's availability. English only (see portal/staff/__init__.py)."""

from __future__ import annotations

from wtforms import PasswordField, RadioField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import FromTheList, InRange, PortalForm, WholeNumberField
from portal.staff import passwords
from portal.staff.availability import AVAILABILITY
from portal.staff.inbox import CLOSED_REASONS, STATUSES


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


# Radio answers are checked with FromTheList (a message in words) rather than the
# choices' own check, which says only "Not a valid choice".


class SignInForm(PortalForm):
    email = StringField(
        "E-mail address",
        validators=[DataRequired("Enter your e-mail address"), Length(max=254)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password"), Length(max=200)]
    )


class CodeForm(PortalForm):
    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired("Enter the 6-digit code from your app"), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )


class NewPasswordForm(PortalForm):
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired("Choose a password"), Length(max=passwords.MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Type it again",
        validators=[DataRequired("Type the password again")],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field):
        problem = passwords.problem_with(field.data or "", self._email)
        if problem:
            raise ValidationError(problem)

    def validate_confirm(self, field):
        if field.data != self.password.data:
            raise ValidationError("The two passwords are not the same")


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        "Your current password",
        validators=[DataRequired("Enter your current password"), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired("Enter the 6-digit code from your app"), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code"},
    )


class StatusForm(PortalForm):
    status = RadioField(
        "Status",
        choices=_choices(STATUSES),
        validate_choice=False,
        validators=[
            DataRequired("Choose a status"),
            FromTheList("Choose a status from the list"),
        ],
    )
    reason = RadioField(
        "Why it was closed",
        choices=_choices(CLOSED_REASONS),
        validate_choice=False,
        validators=[Optional(), FromTheList("Choose a reason from the list")],
    )

    def validate(self, extra_validators=None) -> bool:
        # Not validate_reason: Optional() on an empty reason stops that field's checks.
        valid = super().validate(extra_validators)
        if self.status.data == "closed" and not self.reason.data and not self.reason.errors:
            self.reason.errors = [*self.reason.errors, "Choose why the referral was closed"]
            return False
        return valid


class AvailabilityForm(PortalForm):
    availability = RadioField(
        "Taking referrals?",
        choices=_choices(AVAILABILITY),
        validate_choice=False,
        validators=[
            DataRequired("Choose whether the service is taking referrals"),
            FromTheList("Choose from the list"),
        ],
    )
    spaces = WholeNumberField(
        "Spaces available now",
        validators=[Optional(), InRange(0, 999, "Enter a number from 0 to 999")],
        invalid_message="Enter the number of spaces as a whole number, like 2",
    )


class InviteForm(PortalForm):
    name = StringField("Name", validators=[DataRequired("Enter their name"), Length(max=120)])
    email = StringField(
        "E-mail address",
        validators=[DataRequired("Enter their work e-mail address"), Length(max=254)],
    )
    role = RadioField(
        "Role",
        choices=_choices(
            {
                "provider": "Provider staff: reads and updates their organisation's referrals",
                "admin": "Administrator (commissioner): keeps the directory and sees counts",
            }
        ),
        validate_choice=False,
        validators=[DataRequired("Choose a role"), FromTheList("Choose a role from the list")],
    )
    organisation = RadioField(
        "Organisation (provider staff only)",
        choices=[],
        validate_choice=False,
        validators=[Optional(), FromTheList("Choose an organisation from the list")],
    )

    def validate(self, extra_validators=None) -> bool:
        # Not validate_organisation: Optional() on an empty answer stops that field's checks.
        valid = super().validate(extra_validators)
        problem = None
        if self.role.data == "provider" and not self.organisation.data:
            problem = "Choose the organisation they work for"
        elif self.role.data == "admin" and self.organisation.data:
            problem = "Administrators do not belong to an organisation: clear the choice"
        if problem and not self.organisation.errors:
            self.organisation.errors = [problem]
            return False
        return valid
