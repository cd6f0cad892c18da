"""Parse numbers written the Vietnamese way ("1.190.533", "95,88 %", "03", "-") and refuse ambiguous ones."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

NOTHING_REPORTED = frozenset({"-", "–", "—", "--"})  # "-" in a report: nothing reported (not zero)
MAX_DIGITS = 15  # Excel keeps 15 significant digits; a longer number was not typed as a figure
MAX_COUNT = 10**9  # no count of a provincial report comes near (the province has about 3.9 million people)

_SPACE_GROUPS = re.compile(r"[1-9]\d{0,2}(?:[ \u00a0\u202f\u2009]\d{3})+(?:,\d+)?")
_DIGITS = re.compile(r"\d+")
_DOT_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?")  # 1.600 · 1.190.533 · 1.600,5
_COMMA_DECIMAL = re.compile(r"(\d+),(\d+)")  # 95,88
_DOT_DECIMAL = re.compile(r"(\d+)\.(\d+)")  # the documents' exception: 74.02%
_ENGLISH_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")  # 1,190,533


class NumberFormatError(ValueError):
    """A cell that is not a number in a format chiso accepts; the message says what is wrong with it."""


@dataclass(frozen=True)
class Reading:
    """A parsed cell: ``value`` is None for a blank cell or "-" (nothing reported)."""

    value: int | Decimal | None
    is_percent: bool = False


def parse_number(raw: object) -> int | Decimal | None:
    """The number in ``raw`` (percent points for "95,88 %"); None for blank or "-"."""
    return read_number(raw).value


def read_number(raw: object, *, percent_format: bool = False) -> Reading:
    """Read a cell value: text in Vietnamese format, or an Excel number (``percent_format``: a 0.9588 shown as %)."""
    if raw is None:
        return Reading(None)
    if isinstance(raw, bool):
        raise NumberFormatError("a true/false value is not a number")
    if isinstance(raw, (datetime, date, time)):
        raise NumberFormatError("a date is not a number (Excel may have turned the entry into a date)")
    if isinstance(raw, str):
        return _read_text(raw)
    if isinstance(raw, (int, float, Decimal)):
        return _read_numeric(raw, percent_format)
    raise NumberFormatError(f"a {type(raw).__name__} is not a number")


def parse_count(raw: object, *, percent_format: bool = False) -> int | None:
    """A count: a whole number >= 0, or None for blank / "-"."""
    reading = read_number(raw, percent_format=percent_format)
    if reading.value is None:
        return None
    if reading.is_percent:
        raise NumberFormatError("a percentage where a count is expected")
    if reading.value < 0:
        raise NumberFormatError(f"a negative count ({reading.value})")
    if reading.value != int(reading.value):
        raise NumberFormatError(f"not a whole number ({reading.value})")
    if reading.value >= MAX_COUNT:
        raise NumberFormatError(f"an implausible count ({_grouped(int(reading.value))}); no figure of a provincial"
                                f" report reaches {_grouped(MAX_COUNT)}")
    return int(reading.value)


def parse_percent(raw: object, *, percent_format: bool = False) -> Decimal | None:
    """A percentage in points (95,88 % -> 95.88) between 0 and 100, or None for blank / "-"."""
    reading = read_number(raw, percent_format=percent_format)
    if reading.value is None:
        return None
    value = Decimal(reading.value)
    if not reading.is_percent and 0 < value <= 1:
        raise NumberFormatError(f"{value} without a % sign is ambiguous ({value} % or {value * 100} %?)")
    if not 0 <= value <= 100:
        raise NumberFormatError(f"a percentage outside 0..100 ({value})")
    return value


def _read_numeric(raw: int | float | Decimal, percent_format: bool) -> Reading:
    if (isinstance(raw, float) and not math.isfinite(raw)) or (isinstance(raw, Decimal) and not raw.is_finite()):
        raise NumberFormatError(f"{raw} is not a finite number")
    if isinstance(raw, int) and abs(raw) >= 10**(2 * MAX_DIGITS):  # beyond any bound, too long to even print
        raise NumberFormatError(f"a number of more than {2 * MAX_DIGITS} digits; Excel keeps {MAX_DIGITS}")
    value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
    if percent_format:
        return Reading(value * 100, is_percent=True)
    return Reading(_tidy(value))


def _grouped(n: int) -> str:
    """1000000000 as the reports write it: 1.000.000.000."""
    return f"{n:,}".replace(",", ".")


def _tidy(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


def _read_text(raw: str) -> Reading:
    text = unicodedata.normalize("NFC", raw).strip().replace("\u2212", "-")
    if not text or text in NOTHING_REPORTED:
        return Reading(None)
    is_percent = text.endswith("%")
    body = text[:-1].rstrip() if is_percent else text
    sign = -1 if body.startswith("-") else 1
    body = body[1:] if body[:1] in ("-", "+") else body
    digits = sum(ch.isdigit() for ch in body)
    if digits > MAX_DIGITS:
        raise NumberFormatError(f"a number of {digits:,} digits; Excel keeps {MAX_DIGITS} and no report figure is"
                                " that long")
    if _SPACE_GROUPS.fullmatch(body):
        body = re.sub(r"[ \u00a0\u202f\u2009]", ".", body)
    value = sign * _unsigned(body, raw, is_percent)
    return Reading(value, is_percent=True) if is_percent else Reading(_tidy(value))


def _unsigned(body: str, raw: str, is_percent: bool) -> Decimal:
    """The value of an unsigned number text, or the reason it is refused."""
    if _DIGITS.fullmatch(body):
        return Decimal(body)  # also "03" -> 3
    if _DOT_THOUSANDS.fullmatch(body):
        if is_percent and body.count(".") == 1 and "," not in body:
            raise NumberFormatError(f"{raw!r} is ambiguous: '.' before 3 digits reads as thousands in Vietnamese"
                                    " but as a decimal point in English; write 12,345 % or 12345 %")
        return Decimal(body.replace(".", "").replace(",", "."))
    comma = _COMMA_DECIMAL.fullmatch(body)
    if comma:
        whole, fraction = comma.groups()
        if len(fraction) == 3 and len(whole) <= 3 and not whole.startswith("0"):
            raise NumberFormatError(f"{raw!r} is ambiguous: Vietnamese reads {whole},{fraction} (decimal comma),"
                                    f" English reads {whole}{fraction}; write {whole}.{fraction} for thousands")
        return Decimal(f"{whole}.{fraction}")
    dot = _DOT_DECIMAL.fullmatch(body)
    if dot and (len(dot.group(2)) != 3 or dot.group(1) == "0"):
        return Decimal(body)  # the documents' dot-decimal exception (74.02 %); 3 digits after a dot are thousands
    if _ENGLISH_THOUSANDS.fullmatch(body):
        raise NumberFormatError(f"{raw!r} uses ',' as a thousands separator; Vietnamese format uses '.'"
                                f" ({body.replace(',', '.')})")
    raise NumberFormatError(f"{raw!r} is not a number")
