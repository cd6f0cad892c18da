"""Draw a dataset's main indicator as an SVG line chart at build time: no script, no library, same series → same
bytes. Each point is a ``circle.point`` carrying its period and exact value (``data-period``, ``data-value``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from publish.indicator import Point, Series
from publish.layout import vn_number

WIDTH, HEIGHT = 520, 300
LEFT, RIGHT, TOP, BOTTOM = 62, 12, 30, 52
#: Below this spacing between points (SVG units) the value labels would overlap: the table carries the values.
LABEL_SPACING = 46


@dataclass(frozen=True)
class Scale:
    low: float
    high: float
    ticks: tuple[float, ...]

    def y(self, value: float) -> float:
        span = (self.high - self.low) or 1.0
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - self.low) / span)


def svg(s: Series, title_id: str, desc_id: str) -> str:
    """The chart, labelled by the elements ``title_id`` and ``desc_id`` it holds (its accessible name and text)."""
    values = [float(p.value) for p in s.points if p.value is not None]
    scale = nice_scale(min(values, default=0.0), max(values, default=1.0), rate=s.is_rate)
    xs = _x_positions(len(s.points))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{title_id} {desc_id}"'
        ' xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{title_id}">{escape(_title(s))}</title>',
        f'<desc id="{desc_id}">{escape(describe(s))}</desc>',
        *_grid(scale, s.is_rate),
        *_x_labels(s, xs),
        _line(s.points, xs, scale),
        *_points(s, xs, scale),
        "</svg>",
    ]
    return "\n".join(parts)


def _title(s: Series) -> str:
    return f"{s.field.title.vi} / {s.field.title.en}"


def describe(s: Series) -> str:
    """Every point in words (the chart's text alternative)."""
    unit = " %" if s.is_rate else ""
    listed = "; ".join(f"{s.label(p)}: {_value_text(p.value)}{unit if p.value is not None else ''}"
                       for p in s.points)
    return f"{len(s.points)} kỳ, toàn tỉnh / {len(s.points)} periods, whole province. {listed}."


def _value_text(value: Decimal | None) -> str:
    return "không có số liệu / no data" if value is None else vn_number(value)


def nice_scale(low: float, high: float, *, rate: bool) -> Scale:
    """Round axis bounds and about five ticks around [low, high]; a rate's axis stays within 0–100 %."""
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08  # room for the value labels above and below the line
    low, high = low - pad, high + pad
    step = _nice_step((high - low) / 4)
    bottom, top = math.floor(low / step) * step, math.ceil(high / step) * step
    if rate:
        bottom, top = max(bottom, 0.0), min(top, 100.0)
    count = round((top - bottom) / step)
    return Scale(bottom, top, tuple(bottom + i * step for i in range(count + 1)))


def _nice_step(raw: float) -> float:
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _x_positions(count: int) -> list[float]:
    inner = WIDTH - LEFT - RIGHT
    if count == 1:
        return [LEFT + inner / 2]
    pad = inner / (2 * count)
    return [LEFT + pad + i * (inner - 2 * pad) / (count - 1) for i in range(count)]


def _grid(scale: Scale, rate: bool) -> list[str]:
    lines = []
    for tick in scale.ticks:
        y = scale.y(tick)
        label = vn_number(Decimal(format(Decimal(f"{tick:.6f}").normalize(), "f"))) + (" %" if rate else "")
        lines.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        lines.append(f'<text class="axis" x="{LEFT - 8}" y="{y + 5:.1f}" text-anchor="end">{escape(label)}</text>')
    return lines


def _x_labels(s: Series, xs: list[float]) -> list[str]:
    """Month (or day/month) under each point, the year on a second line where it changes: short enough for a
    phone."""
    count = len(s.points)
    every = max(1, math.ceil(count / 12))
    out, last_year = [], None
    for i, (p, x) in enumerate(zip(s.points, xs, strict=True)):
        if i % every and i != count - 1:
            continue
        first = f"{p.period.month}" if s.monthly else f"{p.period:%d/%m}"
        out.append(f'<text class="axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 22}" text-anchor="middle">{first}</text>')
        if p.period.year != last_year:
            out.append(f'<text class="axis year" x="{x:.1f}" y="{HEIGHT - BOTTOM + 42}" text-anchor="middle">'
                       f"{p.period.year}</text>")
            last_year = p.period.year
    return out


def _line(points: tuple[Point, ...], xs: list[float], scale: Scale) -> str:
    """The line, broken where a period has no value."""
    path, pen_down = [], False
    for p, x in zip(points, xs, strict=True):
        if p.value is None:
            pen_down = False
            continue
        path.append(f"{'L' if pen_down else 'M'}{x:.1f} {scale.y(float(p.value)):.1f}")
        pen_down = True
    return f'<path class="line" d="{" ".join(path)}"/>'


def _points(s: Series, xs: list[float], scale: Scale) -> list[str]:
    unit = " %" if s.is_rate else ""
    labelled = len(xs) < 2 or xs[1] - xs[0] >= LABEL_SPACING
    out = []
    for i, (p, x) in enumerate(zip(s.points, xs, strict=True)):
        if p.value is None:
            continue
        y = scale.y(float(p.value))
        text = f"{vn_number(p.value)}{unit}"
        out.append(f'<circle class="point" cx="{x:.1f}" cy="{y:.1f}" r="5" data-period="{p.period.isoformat()}"'
                   f' data-value="{p.value}"><title>{escape(s.label(p))}: {escape(text)}</title></circle>')
        if labelled:
            dy = 22 if _below_neighbours(s.points, i) else -11
            out.append(f'<text class="value" x="{x:.1f}" y="{y + dy:.1f}" text-anchor="middle">'
                       f"{vn_number(p.value)}</text>")
    return out


def _below_neighbours(points: tuple[Point, ...], i: int) -> bool:
    """A local minimum (no neighbour lower, one higher) has the line above it: its label goes below."""
    value = points[i].value
    around = [p.value for j, p in enumerate(points) if abs(j - i) == 1 and p.value is not None]
    return value is not None and bool(around) and value <= min(around) and value < max(around)
