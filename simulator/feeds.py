"""The simulated feeds: what each source system serves, at which path and grain, from which generator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from extract.sources.base import SourceSpec
from extract.sources.units import Unit, load_units

#: the simulator serves the units of the same registry the loader checks batches against
Agency = Unit


#: rows for one period: (seed, period_start, agencies) -> rows; a day for "day" feeds, a month for "month" feeds
Generator = Callable[[int, date, tuple[Agency, ...]], list[dict[str, object]]]


@dataclass(frozen=True)
class _Endpoint:
    """What every simulated endpoint takes from its feed's declaration: path, fields, grain, reporting units."""

    spec: SourceSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def path(self) -> str:
        return self.spec.path

    @property
    def fields(self) -> tuple[str, ...]:
        return self.spec.column_names

    @property
    def grain(self) -> str:
        return self.spec.grain

    def serves(self, agency: Agency) -> bool:
        """The agency reports on this feed: the units the loader expects, as the declaration says."""
        return self.spec.reports is None or self.spec.reports(agency)


@dataclass(frozen=True)
class Feed(_Endpoint):
    """One simulated API endpoint of periods: the feed's declaration and a generator of each period's rows."""

    generate: Generator

    def period_starts(self, start: date, end: date) -> list[date]:
        """Each day of ``start``..``end``, or the first day of each month that begins in it."""
        days = [start + timedelta(n) for n in range((end - start).days + 1)]
        return days if self.grain == "day" else [d for d in days if d.day == 1]

    def period_rows(self, seed: int, period: date, agencies: tuple[Agency, ...]) -> list[dict[str, object]]:
        """One period's rows, one per agency in ``agencies``' order.

        A synthetic copy of an agency (the scale case, ``tools/scale_province.py``) repeats its original's row under
        its own code, so N copies of the province serve N times the rows and N times the province's volumes.
        """
        copies = [a for a in agencies if a.copy_of]
        if not copies:
            return self.generate(seed, period, agencies)
        originals = tuple(a for a in agencies if not a.copy_of)
        by_code = {row["agency_code"]: row for row in self.generate(seed, period, originals)}
        missing = sorted({a.copy_of for a in copies} - by_code.keys())
        if missing:
            raise ValueError(f"feed {self.name}: copies of {', '.join(missing[:5])}, which the feed does not serve")
        return [by_code[a.code] if not a.copy_of else {**by_code[a.copy_of], "agency_code": a.code}
                for a in agencies]

    def generate_range(self, seed: int, start: date, end: date,
                       agencies: tuple[Agency, ...]) -> Iterator[dict[str, object]]:
        """Rows of every period from ``start`` to ``end``, ordered by period, then agency."""
        for period in self.period_starts(start, end):
            yield from self.period_rows(seed, period, agencies)


@dataclass(frozen=True)
class RecordFeed(_Endpoint):
    """A simulated endpoint of records that change after they are first served (``SourceSpec.sync == "changes"``):
    asked for a range of receipt dates, or for what changed since a time; ``module`` serves its pages."""

    module: object  # simulator.dossiers: model_for, received_in, changed_since, last_full_day, LOCAL


def load_agencies(seed_file: Path) -> tuple[Agency, ...]:
    """The latest version of every agency of the agencies seed, ordered by code."""
    latest = {unit.code: unit for unit in load_units(seed_file)}  # ordered by (code, valid_from): the last wins
    return tuple(latest.values())
