"""The dataset's main indicator per period over the whole province, from its unsuppressed rows: a count summed,
a rate recomputed from its summed numerator and denominator (never an average of the rows' rates).

Totals per period over the province are not personal data, so the series is computed before small-count
suppression; the dataset page says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from publish.catalogue import CatalogueError, Chart, Dataset, Field
from publish.layout import period_label

#: Rates are published in percent with two decimals (numeric(7, 2)); the series is rounded the same way.
RATE_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Point:
    period: date
    value: Decimal | None  # None: a rate whose denominator sums to zero (or a count with no value) that period
    numerator: Decimal | None = None
    denominator: Decimal | None = None


@dataclass(frozen=True)
class Series:
    """One point per period present in the data, in period order."""

    chart: Chart
    field: Field
    period: Field
    points: tuple[Point, ...]

    @property
    def is_rate(self) -> bool:
        return self.chart.numerator is not None

    @property
    def monthly(self) -> bool:
        """Every period is a month's first day: the periods are months (labelled 7/2025)."""
        return all(p.period.day == 1 for p in self.points)

    def label(self, point: Point) -> str:
        return period_label(point.period, monthly=self.monthly)


def series(ds: Dataset, rows: Sequence[tuple]) -> Series | None:
    """The main indicator of ``ds`` over ``rows`` (the mart's rows, columns ``ds.mart_columns``), or None when the
    dataset declares no chart."""
    if ds.chart is None:
        return None
    index = {name: i for i, name in enumerate(ds.mart_columns)}
    if ds.chart.numerator is not None:
        _check_rate(ds, rows, index)
    by_period: dict[date, list[tuple]] = {}
    for row in rows:
        by_period.setdefault(_day(row[index[ds.temporal_column]]), []).append(row)
    points = tuple(_point(ds.chart, index, period, by_period[period]) for period in sorted(by_period))
    fields = {f.name: f for f in ds.fields}
    return Series(ds.chart, fields[ds.chart.column], fields[ds.temporal_column], points)


def _point(chart: Chart, index: dict[str, int], period: date, rows: list[tuple]) -> Point:
    if chart.numerator is None or chart.denominator is None:
        return Point(period, _sum(rows, index[chart.column]))
    numerator, denominator = _sum(rows, index[chart.numerator]), _sum(rows, index[chart.denominator])
    return Point(period, rate(numerator, denominator), numerator, denominator)


def rate(numerator: Decimal | None, denominator: Decimal | None) -> Decimal | None:
    """100 × numerator / denominator in percent, rounded half away from zero to two decimals as PostgreSQL's
    ``round(numeric, 2)`` does; None without a denominator."""
    if numerator is None or not denominator:
        return None
    return (Decimal(100) * numerator / denominator).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _sum(rows: list[tuple], column: int) -> Decimal | None:
    values = [Decimal(row[column]) for row in rows if row[column] is not None]
    return sum(values, Decimal(0)) if values else None


def _day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else value  # type: ignore[return-value]


def _check_rate(ds: Dataset, rows: Sequence[tuple], index: dict[str, int]) -> None:
    """The declared counts must give the published rate in every row, or the chart would recompute another rate."""
    chart = ds.chart
    assert chart is not None and chart.numerator is not None and chart.denominator is not None
    for row in rows:
        published = row[index[chart.column]]
        recomputed = rate(row[index[chart.numerator]], row[index[chart.denominator]])
        if published is not None and recomputed is not None and abs(Decimal(published) - recomputed) > RATE_PLACES:
            key = ", ".join(f"{c}={row[index[c]]}" for c in ds.order_by[:2])
            raise CatalogueError(
                f"dataset {ds.code}: chart {chart.column} is not {chart.numerator} / {chart.denominator}: the row"
                f" {key} publishes {published} %, the counts give {recomputed} %; declare the rate's own counts")
