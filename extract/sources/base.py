"""What a source is: its endpoint, its raw table and the typed columns it must deliver."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import requests

from extract.http import FetchLimits, fetch_pages
from extract.sources.units import Unit

#: The largest value each integer type can hold; a declared ``maximum`` is usually far below it.
TYPE_MAXIMUM = {"integer": 2_147_483_647, "bigint": 9_223_372_036_854_775_807}
#: numeric values beyond this are refused (no measure of ours comes near it; it keeps sums exact in bigint)
NUMERIC_LIMIT = 10**15
#: the sources' local time (Asia/Ho_Chi_Minh, no daylight saving): a sync window starts at a local midnight
SOURCE_UTC_OFFSET = "+07:00"


@dataclass(frozen=True)
class Column:
    """One field of a feed: its raw name and type, what it means, and its name in the staging model."""

    name: str
    pg_type: str  # integer | bigint | numeric | date | timestamptz | boolean | text
    description: str = ""  # "Tiếng Việt / English": the dbt source and staging docs read it
    staged_as: str | None = None  # its name in the staging model (counts end in _count); default: the raw name
    section: str | None = None  # the heading it sits under in the staging select ("counts: received (tiếp nhận)")
    nullable: bool = False
    maximum: int | None = None  # integer columns: the largest plausible value per row (default: the type's limit)
    max_length: int = 200  # text columns: longer values are refused
    allowed: tuple[str, ...] | None = None  # text columns: the only values the source may send (a code list)

    @property
    def staged_name(self) -> str:
        return self.staged_as or self.name

    @property
    def upper_bound(self) -> int | None:
        return self.maximum if self.maximum is not None else TYPE_MAXIMUM.get(self.pg_type)


@dataclass(frozen=True)
class Freshness:
    """How long a feed may go without a new current batch before dbt warns, then errs."""

    warn_after_hours: int = 36
    error_after_hours: int = 72


@dataclass(frozen=True)
class SourceSpec:
    """A source feed, declared once: where to fetch it, its raw table and typed columns, who owns it and how fresh it
    must be. The connector, the loader's checks, the simulator and the dbt sources and staging models all read it
    (``tools/generate_dbt.py`` writes the dbt files)."""

    name: str  # e.g. "tthc"
    entity: str  # e.g. "dossier_daily"
    path: str  # API path on the source's base URL
    columns: tuple[Column, ...]
    description: str  # the feed: "Tiếng Việt / English"
    system: str = ""  # the source system that serves it and who runs it: "Tiếng Việt / English"
    owner: str = ""  # the data owner, as dbt docs show it: "Văn phòng UBND tỉnh (ld_vp_ubnd)"
    freshness: Freshness = Freshness()
    grain: str = "day"  # one batch per "day" or per "month"
    period_column: str | None = "report_date"  # the date column every row must keep inside its batch period
    table: str | None = None  # raw table, when several feeds (entities) share one; default <name>_<entity>
    key: tuple[str, ...] = ()  # columns unique within a batch (one row per agency and period)
    unit_column: str | None = None  # the reporting unit of each row, checked against the registry of units
    reports: Callable[[Unit], bool] | None = None  # which units of the registry report on this feed
    #: "periods": each batch is one whole period (a reload supersedes it); "changes": each batch is the records
    #: changed in a sync window (``updated_since``), each record keyed by ``key`` and versioned by ``updated_at``
    sync: str = "periods"
    personal: tuple[str, ...] = ()  # fields a source may send that are personal data: dropped before raw
    pseudonymised: tuple[tuple[str, str], ...] = ()  # (sent field, raw column): a keyed hash replaces the value

    @property
    def raw_table(self) -> str:
        return self.table or f"{self.name}_{self.entity}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"source {self.name}.{self.entity} declares no column {name!r}")

    def fetch(self, http: requests.Session, base_url: str, start: date, end: date, limits: FetchLimits, *,
              updated_since: datetime | None = None, on_meta: Callable[[dict[str, object]], None] | None = None,
              page_size: int = 1000) -> Iterator[dict[str, object]]:
        """Stream the source's rows for ``start``..``end`` (only periods changed since ``updated_since``).

        ``limits`` bound the whole fetch: its pages, each page's size and its wall-clock time.
        """
        params: dict[str, object] = {"from": start.isoformat(), "to": end.isoformat(), "page": 1,
                                     "page_size": page_size}
        if updated_since is not None:
            params["updated_since"] = updated_since.isoformat()
        for page in fetch_pages(http, base_url, self.path, params, limits, on_meta):
            yield from page

    def fetch_changes(self, http: requests.Session, base_url: str, since: date, end: date, limits: FetchLimits, *,
                      on_meta: Callable[[dict[str, object]], None] | None = None,
                      page_size: int = 1000) -> Iterator[dict[str, object]]:
        """Stream the records (a ``changes`` feed) received up to ``end`` that arrived on or after ``since`` or
        changed since its local midnight, each in its latest state: one sync window, the same set however late
        it is asked again (only states move on), so a reload of the window supersedes it safely."""
        params: dict[str, object] = {"updated_since": f"{since.isoformat()}T00:00:00{SOURCE_UTC_OFFSET}",
                                     "to": end.isoformat(), "page": 1, "page_size": page_size}
        for page in fetch_pages(http, base_url, self.path, params, limits, on_meta):
            yield from page

    def periods(self, start: date, end: date) -> list[tuple[date, date]]:
        """The batch periods covering ``start``..``end``: each day, or each whole month it touches."""
        if end < start:
            raise ValueError(f"date range is backwards: from {start} to {end}")
        if self.grain == "day":
            return [(start + timedelta(n), start + timedelta(n)) for n in range((end - start).days + 1)]
        if self.grain != "month":
            raise ValueError(f"source {self.name}: unknown grain {self.grain!r}")
        out, month = [], start.replace(day=1)
        while month <= end:
            following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
            out.append((month, following - timedelta(days=1)))
            month = following
        return out
