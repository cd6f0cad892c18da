"""The nightly window: which days a run extracts, and how bad parameters are refused."""

from datetime import UTC, date, datetime

import pytest
from chiso_dag_support import nightly_window


def test_a_scheduled_run_takes_the_previous_local_day():
    # 01:30 in Hồ Chí Minh on 1 April is 18:30 UTC on 31 March: the run extracts 31 March
    assert nightly_window(datetime(2026, 3, 31, 18, 30, tzinfo=UTC)) == (date(2026, 3, 31), date(2026, 3, 31))


def test_parameters_override_the_window():
    assert nightly_window(None, "2026-01-01", "2026-03-31") == (date(2026, 1, 1), date(2026, 3, 31))


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [
        ("2026-03-31", "2026-01-01", "is before"),
        ("2026-01-01", None, "give both"),
        ("31/01/2026", "2026-03-01", "must be a date YYYY-MM-DD"),
        ("2024-01-01", "2026-01-01", "at most 366"),
    ],
)
def test_bad_parameters_are_refused_with_a_reason(date_from, date_to, message):
    with pytest.raises(ValueError, match=message):
        nightly_window(None, date_from, date_to)
