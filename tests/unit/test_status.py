"""A service is open, to be checked, or ended, judged on a given day."""

import datetime as dt
from types import SimpleNamespace

import pytest

from portal.directory.status import service_state

DAY = dt.date(2026, 11, 22)


def service(status="operating", ended_on=None, funded_until=None):
    return SimpleNamespace(status=status, ended_on=ended_on, funded_until=funded_until)


@pytest.mark.parametrize(
    ("record", "state"),
    [
        (service(), "open"),
        (service(funded_until=dt.date(2027, 3, 31)), "open"),
        (service(funded_until=DAY), "open"),
        (service(funded_until=dt.date(2024, 6, 30)), "unconfirmed"),
        (service(status="ended"), "ended"),
        (service(ended_on=dt.date(2022, 9, 30)), "ended"),
        (service(ended_on=dt.date(2027, 1, 1)), "open"),
        (service(status="ended", funded_until=dt.date(2030, 1, 1)), "ended"),
    ],
)
def test_state_follows_the_dates_in_the_data(record, state):
    assert service_state(record, DAY) == state
