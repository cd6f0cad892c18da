"""Normalise Vietnamese header and label text so matching ignores case, spacing, Unicode form and tone placement;
show any text (a file name, a cell) safely in a terminal or a log."""

from __future__ import annotations

import re
import unicodedata

_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"\s+")
_TRAILING_MARKS = re.compile(r"(\s*(\(\*+\)|\*+|[:：]))+$")  # noqa: RUF001 (the full-width colon of typed headers)
# Both tone placements are correct Vietnamese ("hoà"/"hòa", "luỹ"/"lũy"); Unicode NFC keeps them apart.
_TONE_PLACEMENT = {
    "òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ",
    "òe": "oè", "óe": "oé", "ỏe": "oẻ", "õe": "oẽ", "ọe": "oẹ",
    "ùy": "uỳ", "úy": "uý", "ủy": "uỷ", "ũy": "uỹ", "ụy": "uỵ",
}
_TONE_PATTERN = re.compile("|".join(_TONE_PLACEMENT))
_STT_VALUE = re.compile(r"^(\d{1,3}|[ivxlc]{1,6}|[a-zđ])[.)]?$")
# Characters a terminal or log reader would act on or hide: controls (ANSI escapes, newlines), format characters
# (bidi overrides, zero-width), surrogates (a file name that is not UTF-8), line and paragraph separators.
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def clean(value: object) -> str:
    """The cell's text as a person reads it: NFC, HTML tags removed, whitespace collapsed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _SPACES.sub(" ", _TAGS.sub("", text)).strip()


def fold(text: str) -> str:
    """Case-fold and unify tone placement (also applied to the patterns that labels are matched with)."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).casefold())
    return _TONE_PATTERN.sub(lambda m: _TONE_PLACEMENT[m.group(0)], folded)


def key(value: object) -> str:
    """The matching key of a header or label: cleaned, folded, trailing ':' and footnote '*' dropped."""
    return _TRAILING_MARKS.sub("", fold(clean(value))).strip()


def is_stt_header(value: object) -> bool:
    """True for the row-number header: "STT", the broken "ST T", or "TT"."""
    return key(value).replace(" ", "") in ("stt", "tt")


def looks_like_stt(value: object) -> bool:
    """True for a row number as written in the STT column: 1, "2", "3.", "II", "a"."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return True
    return bool(_STT_VALUE.match(key(value)))


def printable(text: object) -> str:
    """``text`` safe to print to a terminal or a log: control and invisible characters shown as escapes
    (``\\n``, ``\\x1b``, ``\\u202e``), every letter kept, Vietnamese included. Applying it twice changes nothing."""
    return "".join(_escaped(ch) if unicodedata.category(ch) in _UNPRINTABLE else ch for ch in str(text))


def _escaped(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
