"""The directory filter: a GET form that works without JavaScript and with htmx."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField
from wtforms.fields import SelectChoice

from portal import vocab
from portal.directory.queries import DirectoryFilter
from portal.forms import FromTheList, InRange, QueryForm, WholeNumberField, term_choices


def _choices(any_label, terms: dict, codes=None) -> list[SelectChoice]:
    return [SelectChoice("", any_label), *term_choices(terms, codes)]


class DirectoryFilterForm(QueryForm):
    area = SelectField(
        _l("Where you live"),
        choices=_choices(
            _l("Anywhere in Leicester, Leicestershire and Rutland"), vocab.AREAS, vocab.LLR_AREAS
        ),
        validators=[FromTheList(_l("Choose where you live from the list"))],
        validate_choice=False,
    )
    need = SelectField(
        _l("What you need"),
        choices=_choices(_l("Any kind of help"), vocab.NEEDS),
        validators=[FromTheList(_l("Choose the help you need from the list"))],
        validate_choice=False,
    )
    specialism = SelectField(
        _l("Specialist services for"),
        choices=_choices(_l("Everyone"), vocab.SPECIALISMS),
        validators=[FromTheList(_l("Choose who the service is for from the list"))],
        validate_choice=False,
    )
    men = BooleanField(_l("Accepts men"))
    nrpf = BooleanField(_l("Takes people with no recourse to public funds"))
    pets = BooleanField(_l("Takes pets"))
    wheelchair = BooleanField(_l("Has wheelchair-accessible units"))
    family = WholeNumberField(
        _l("How many people need to stay, including you"),
        validators=[InRange(1, 15, _l("Enter how many people as a number from 1 to 15"))],
        invalid_message=_l("Enter how many people as a number, like 3"),
    )
    son = WholeNumberField(
        _l("Age of the oldest son coming with you"),
        validators=[InRange(0, 25, _l("Enter your son's age as a number from 0 to 25"))],
        invalid_message=_l("Enter your son's age as a number, like 12"),
    )
    ended = BooleanField(_l("Include services that have ended"))

    @property
    def more_choices_in_use(self) -> bool:
        """Whether any choice folded under "More choices" is set (or has an error)."""
        folded = (
            self.men,
            self.nrpf,
            self.pets,
            self.wheelchair,
            self.family,
            self.son,
            self.ended,
        )
        return any(field.raw_data and field.raw_data[0] for field in folded)

    def query(self) -> dict[str, str]:
        """The choices as the address gave them (invalid ones too, as typed), for links to
        other pages of the same results."""
        return {
            field.name: field.raw_data[0] for field in self if field.raw_data and field.raw_data[0]
        }

    def to_filter(self) -> DirectoryFilter:
        """The filter from the fields that are valid; an invalid field filters nothing."""
        errors = self.errors

        def value(name):
            return None if name in errors else (getattr(self, name).data or None)

        return DirectoryFilter(
            area=value("area"),
            need=value("need"),
            specialism=value("specialism"),
            accepts_men=bool(self.men.data),
            accepts_nrpf=bool(self.nrpf.data),
            pets=bool(self.pets.data),
            wheelchair=bool(self.wheelchair.data),
            family_size=None if "family" in errors else self.family.data,
            son_age=None if "son" in errors else self.son.data,
            include_ended=bool(self.ended.data),
        )
