"""Read a period header ("5 tháng đầu năm", "Quý I/2026", "Lũy kế đến 31/5/2026") into a dated window."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from extract.filedrop.text import fold, key

WINDOW_TYPES = ("snapshot", "month", "ytd", "quarter", "half", "year", "cumulative")
TO_DATE = ("snapshot", "cumulative")  # a stock or running total up to a day, unlike a calendar period
EXPECTED = ("a period such as '5 tháng đầu năm', '5 tháng đầu năm 2026', 'Quý I', 'Quý II/2026', 'tháng 5/2026',"
            " 'năm 2025', 'Lũy kế đến hiện tại', 'Lũy kế đến 31/5/2026', 'Lũy kế từ 01/7/2025 đến nay', or for a"
            " stock 'Số liệu đến thời điểm báo cáo' or 'Số liệu đến ngày 31/3/2026'")
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
YEARS = range(1900, 2100)


@dataclass(frozen=True)
class Window:
    """The days a figure covers: ``start`` None for a running total whose first day is not stated."""

    type: str  # one of WINDOW_TYPES
    start: date | None
    end: date


class PeriodError(ValueError):
    """A text that names a period which cannot be turned into dates; the message says why."""


@dataclass(frozen=True)
class Period:
    """A period as written, before the report date fills in what the text leaves out (the year, "hiện tại")."""

    type: str
    phrase: str  # the text matched, folded
    year: int | None = None  # None: the report date's year
    number: int | None = None  # months since 1 January (ytd), the month, the quarter or the half
    start: date | None = None  # the stated first day (a cumulative)
    end: date | None = None  # the stated last day (a cumulative, "lũy kế từ đầu năm"); None: the report date

    def window(self, report_date: date) -> Window:
        """The dated window on ``report_date``; a stated start after the end is refused."""
        year = self.year or report_date.year
        if self.type == "ytd" and self.number:
            return Window("ytd", date(year, 1, 1), _month_end(year, self.number))
        if self.type in ("month", "quarter", "half"):
            months = {"month": 1, "quarter": 3, "half": 6}[self.type]
            last = self.number * months
            return Window(self.type, date(year, last - months + 1, 1), _month_end(year, last))
        if self.type == "year":
            return Window("year", date(year, 1, 1), date(year, 12, 31))
        if self.type == "snapshot":  # "Số liệu đến ngày 31/3/2026", "tính đến thời điểm báo cáo"
            return snapshot(self.end or report_date)
        end = self.end or report_date
        start = date(self.year or end.year, 1, 1) if self.type == "ytd" else self.start
        if start is not None and start > end:
            raise PeriodError(f"'{self.phrase}' starts on {start:%d/%m/%Y}, after its end {end:%d/%m/%Y}"
                              + ("" if self.end else " (the report date)"))
        return Window(self.type, start, end)


def snapshot(report_date: date) -> Window:
    """The window of a figure the template fixes as a stock on the report date."""
    return Window("snapshot", report_date, report_date)


def read_window(text: object, report_date: date) -> Window:
    """The window a column header names, e.g. '4 tháng đầu năm' on 19/6/2026 → ytd 1/1/2026–30/4/2026."""
    return parse_period(text).window(report_date)


def parse_period(text: object) -> Period:
    """The period a whole header names; PeriodError when it names none, or one that cannot be (Quý V)."""
    normal = _normal(text)
    for _, regex, build in _GRAMMAR:
        match = regex.fullmatch(normal)
        if match:
            return build(match)
    why = "not a period header that can be read" if looks_like_period(text) else "not a period"
    raise PeriodError(f"'{normal}' is {why}")


def period_phrases(text: object) -> list[str]:
    """The period phrases inside a longer text (a section title), folded, in order, for ``parse_period``.
    Dates ("ngày 19 tháng 6 năm 2026") are not periods and are skipped."""
    normal = _normal(text)
    found = sorted((m.start(), -m.end(), kind) for kind, regex, _ in _GRAMMAR + _NOT_PERIODS
                   for m in _bounded(regex).finditer(normal))
    out, taken = [], 0
    for start, neg_end, kind in found:
        if start >= taken:
            taken = -neg_end
            if kind != "date":
                out.append(normal[start:taken])
    return out


def looks_like_period(text: object) -> bool:
    """True for a header that talks about a period (months, a quarter, a year, a running total or a date)."""
    return _PERIOD_WORDS.search(_normal(text)) is not None


def is_running_total(text: object) -> bool:
    """True for a "Lũy kế …" header."""
    return _normal(text).startswith(_LUY_KE)


# ---------- the grammar, on folded text (text.fold: lower case, NFC, one tone placement)

def _normal(text: object) -> str:
    folded = re.sub(r"[(),;\[\]]", " ", key(text)).replace("–", "-").replace("—", "-")
    return re.sub(r"\s+", " ", re.sub(r"\s+-\s+", " ", folded)).strip(" .")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    if int(text) not in YEARS:
        raise PeriodError(f"the year {text} is out of range (expected {YEARS.start}–{YEARS.stop - 1})")
    return int(text)


def _date(text: str | None) -> date | None:
    """A date written 31/5/2026, 31.5.2026, 31-5-2026 or 31 tháng 5 năm 2026; None when the text is a word."""
    if text is None or not _DATE_RE.fullmatch(text):
        return None
    day, month, year = (int(n) for n in re.findall(r"\d+", text))
    try:
        return date(_year(str(year)), month, day)
    except ValueError:
        raise PeriodError(f"{day}/{month}/{year} is not a calendar date") from None


def _months(n: str, phrase: str) -> int:
    if not 1 <= int(n) <= 12:
        raise PeriodError(f"'{phrase}': a year has 12 months")
    return int(n)


def _ytd(m: re.Match[str]) -> Period:
    return Period("ytd", m.group(0), _year(m.group(2)), _months(m.group(1), m.group(0)))


def _half(m: re.Match[str]) -> Period:
    if int(m.group(1)) != 6:
        raise PeriodError(f"'{m.group(0)}' is not a half year; only '6 tháng cuối năm' (1/7–31/12) is read")
    return Period("half", m.group(0), _year(m.group(2)), 2)


def _quarter(m: re.Match[str]) -> Period:
    numeral = m.group(1)
    number = int(numeral) if numeral.isdigit() else ROMAN.get(numeral, 0)
    if not 1 <= number <= 4:
        raise PeriodError(f"'{m.group(0)}': a year has quarters I, II, III and IV (1–4)")
    return Period("quarter", m.group(0), _year(m.group(2)), number)


def _month(m: re.Match[str]) -> Period:
    return Period("month", m.group(0), _year(m.group(2)), _months(m.group(1), m.group(0)))


def _calendar_year(m: re.Match[str]) -> Period:
    return Period("year", m.group(0), _year(m.group(1)))


def _ytd_running(m: re.Match[str]) -> Period:
    return Period("ytd", m.group(0), _year(m.group(1)), end=_date(m.group(2)))


def _stock(m: re.Match[str]) -> Period:
    return Period("snapshot", m.group(0), end=_date(m.group(1) or m.group(2)))


def is_stock_header(text: object) -> bool:
    """True for a header naming the day of a stock: "Số liệu đến thời điểm báo cáo", "Số liệu đến ngày 31/3/2026"."""
    try:
        return parse_period(text).type == "snapshot"
    except PeriodError:
        return False


def _cumulative(m: re.Match[str]) -> Period:
    starts = [d for d in (m.group(1), m.group(3)) if d]
    if len(starts) > 1:
        raise PeriodError(f"'{m.group(0)}' states two starts")
    return Period("cumulative", m.group(0), start=_date(starts[0]) if starts else None, end=_date(m.group(2)))


_LUY_KE = fold("lũy kế")
_DATE = r"\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}|\d{1,2} tháng \d{1,2} năm \d{4}"
_DATE_RE = re.compile(fold(_DATE))
_TO = r"(?:tính )?(?:đến|tới)(?: hết)?(?: ngày)?"
_END = rf"hiện tại|nay|thời điểm báo cáo|(?:kỳ |ngày )?báo cáo|{_DATE}"
_FROM = rf"từ(?: ngày)? ({_DATE})"
_YEAR_AFTER = r"(?:(?: năm | ?[/.-] ?| )(\d{4}))?"

_Builder = Callable[[re.Match[str]], Period]
_GRAMMAR: list[tuple[str, re.Pattern[str], _Builder]] = [
    (kind, re.compile(fold(pattern)), build) for kind, pattern, build in (
        ("ytd", rf"lũy kế từ đầu năm(?: (\d{{4}}))?(?: {_TO} ({_END}))?", _ytd_running),
        ("cumulative", rf"lũy kế(?: {_FROM})?(?: {_TO} ({_END}))?(?: {_FROM})?", _cumulative),
        ("snapshot", rf"(?:số liệu )?(?:{_TO} ({_END})|tại (?:thời điểm|ngày) ({_END}))", _stock),
        ("ytd", r"(\d{1,2}) tháng đầu năm(?: (\d{4}))?", _ytd),
        ("ytd", r"(\d{1,2}) tháng năm (\d{4})", _ytd),
        ("half", r"(\d{1,2}) tháng cuối năm(?: (\d{4}))?", _half),
        ("quarter", rf"quý ([ivxl]+|\d{{1,2}}){_YEAR_AFTER}", _quarter),
        ("month", r"tháng (\d{1,2})(?:(?: năm | ?[/.-] ?)(\d{4}))?", _month),
        ("year", r"(?:cả )?năm (\d{4})", _calendar_year),
    )
]
_NOT_PERIODS: list[tuple[str, re.Pattern[str], None]] = [
    ("date", re.compile(fold(rf"ngày (?:{_DATE})|{_DATE}")), None),  # a day, not a period: skipped in titles
]
_PERIOD_WORDS = re.compile(fold(rf"(?<!\w)(lũy kế|quý|tháng|đầu năm|cuối năm|năm \d|đến|tới|tại thời điểm)|{_DATE}"))


def _bounded(regex: re.Pattern[str]) -> re.Pattern[str]:
    """The same pattern, matching whole words only (for searching inside a title)."""
    return re.compile(rf"(?<!\w)(?:{regex.pattern})(?!\w)")
