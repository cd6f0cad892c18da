"""Date a file's figures once its report date is known: each figure's window, and the window its title states."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from openpyxl.utils.cell import coordinate_from_string

from extract.filedrop.issues import Issues
from extract.filedrop.rows import Figure, Stated
from extract.filedrop.windows import (
    EXPECTED,
    TO_DATE,
    Period,
    PeriodError,
    Window,
    parse_period,
    period_phrases,
    snapshot,
)

_Where = tuple[str, str, str]  # sheet, cell, text


def date_figures(figures: list[Figure], report_date: date | None, errors: Issues, warnings: Issues) -> list[Figure]:
    """The figures with ``window`` and ``title_window`` set. A header that names a period which cannot be read is
    an error naming its cell; without a report date the headers are only checked (the file is refused anyway)."""
    headers = _header_windows(figures, report_date, errors)
    titles = _title_windows(figures, report_date, warnings)
    if report_date is None:
        return figures
    dated = []
    for f in figures:
        window = headers.get(_where(f, f.window_header)) if f.window_header else snapshot(report_date)
        if window is None:  # reported
            dated.append(f)
            continue
        said = titles.get(_where(f, f.title), []) if f.title else []
        title = next(((p, w) for p, w in said if (p.type in TO_DATE) == (window.type in TO_DATE)), None)
        dated.append(replace(f, window=window, title_window=title[1] if title else None))
    _report_same_window(dated, errors)
    _warn_where_the_title_differs(dated, titles, warnings)
    return dated


def _where(figure: Figure, stated: Stated) -> _Where:
    return figure.sheet, stated.cell, stated.text


def _place(stated: Stated) -> tuple[int, str]:
    column, row = coordinate_from_string(stated.cell)
    return row, column


def _header_windows(figures: list[Figure], report_date: date | None, errors: Issues) -> dict[_Where, Window]:
    out: dict[_Where, Window] = {}
    checked: set[_Where] = set()
    for f in figures:
        if f.window_header is None or _where(f, f.window_header) in checked:
            continue
        checked.add(_where(f, f.window_header))
        try:
            period = parse_period(f.window_header.text)
            if report_date is not None:
                out[_where(f, f.window_header)] = period.window(report_date)
        except PeriodError as exc:
            errors.add(f.sheet, *_place(f.window_header), f"the period header cannot be read in section "
                       f"{f.section}: {exc}", value=f.window_header.text, expected=EXPECTED)
    return out


def _title_windows(figures: list[Figure], report_date: date | None,
                   warnings: Issues) -> dict[_Where, list[tuple[Period, Window]]]:
    """The periods each section title names ("6 tháng đầu năm 2026", "lũy kế đến hiện tại"), dated."""
    out: dict[_Where, list[tuple[Period, Window]]] = {}
    for f in figures:
        if f.title is None or _where(f, f.title) in out:
            continue
        said = out[_where(f, f.title)] = []
        for phrase in period_phrases(f.title.text):
            try:
                period = parse_period(phrase)
                if report_date is not None:
                    said.append((period, period.window(report_date)))
            except PeriodError as exc:
                warnings.add(f.sheet, *_place(f.title), f"section {f.section}'s title names a period that cannot be"
                             f" read ({exc}); its figures are stored without the title's window", value=f.title.text)
    return out


def _report_same_window(figures: list[Figure], errors: Issues) -> None:
    """Two columns of one measure must not cover the same kind of window ("5 tháng đầu năm", "Lũy kế từ đầu năm")."""
    first: dict[tuple[str, str, str, str, str], Stated] = {}
    reported: set[tuple[str, str]] = set()
    for f in figures:
        if f.window is None or f.window_header is None:
            continue
        seen = first.setdefault((f.sheet, f.section, f.level, f.measure, f.window.type), f.window_header)
        if seen != f.window_header and (seen.cell, f.window_header.cell) not in reported:
            reported.add((seen.cell, f.window_header.cell))
            errors.add(f.sheet, *_place(f.window_header), f"columns {seen.cell} ('{seen.text}') and"
                       f" {f.window_header.cell} both read as window '{f.window.type}' in section {f.section}",
                       value=f.window_header.text, expected=f"a different kind of period than '{seen.text}'")


def _warn_where_the_title_differs(figures: list[Figure], titles: dict[_Where, list[tuple[Period, Window]]],
                                  warnings: Issues) -> None:
    """Phụ lục V.3's title says "6 tháng đầu năm 2026" while its columns say "5 tháng đầu năm": the columns win,
    the title's window is stored beside them, and the owner is told."""
    differs: dict[tuple[str, str], tuple[Figure, dict[str, Window], dict[str, Window]]] = {}
    for f in figures:
        if f.window_header is None or f.title_window is None or _span(f.title_window) == _span(f.window):
            continue
        said = next(p for p, w in titles[_where(f, f.title)] if w == f.title_window)
        entry = differs.setdefault((f.sheet, f.section), (f, {}, {}))
        entry[1][said.phrase] = f.title_window
        entry[2][f.window_header.text] = f.window
    for (sheet, section), (f, said, columns) in differs.items():
        warnings.add(sheet, *_place(f.title), f"section {section}'s title says {_quoted(said)} but its columns say "
                     f"{_quoted(columns)}; the figures keep the columns' window and store the title's beside it"
                     " (title_window_start, title_window_end)", value=f.title.text)


def _span(window: Window) -> tuple[date | None, date]:
    return window.start, window.end


def _quoted(texts: dict[str, Window]) -> str:
    def shown(w: Window) -> str:
        return f"{w.start:%d/%m/%Y}–{w.end:%d/%m/%Y}" if w.start else f"to {w.end:%d/%m/%Y}"
    return ", ".join(f"'{text}' ({shown(w)})" for text, w in texts.items())
