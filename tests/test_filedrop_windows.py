"""The period reader of the annex file drop: a column header and the report date give the window a figure covers."""

from __future__ import annotations

import calendar
import random
import unicodedata
from datetime import date, timedelta

import pytest

from extract.filedrop.windows import (
    PeriodError,
    Window,
    is_running_total,
    looks_like_period,
    parse_period,
    period_phrases,
    read_window,
    snapshot,
)

D = date
JUNE_19 = D(2026, 6, 19)  # Phụ lục V's report date (000:105)
JAN_10 = D(2027, 1, 10)

READ = [
    # calendar periods: the year from the text, else the report date's
    ("5 tháng đầu năm", JUNE_19, "ytd", D(2026, 1, 1), D(2026, 5, 31)),  # 000:123
    ("4 tháng đầu năm", JUNE_19, "ytd", D(2026, 1, 1), D(2026, 4, 30)),
    ("4 tháng đầu năm 2026", JAN_10, "ytd", D(2026, 1, 1), D(2026, 4, 30)),
    ("4 tháng năm 2026", JUNE_19, "ytd", D(2026, 1, 1), D(2026, 4, 30)),
    ("2 tháng đầu năm", D(2028, 3, 5), "ytd", D(2028, 1, 1), D(2028, 2, 29)),  # leap year
    ("6 tháng đầu năm", JUNE_19, "ytd", D(2026, 1, 1), D(2026, 6, 30)),  # the first half: ytd, from 1 January
    ("6 tháng đầu năm 2026", JAN_10, "ytd", D(2026, 1, 1), D(2026, 6, 30)),  # 000:121, title of V.3
    ("12 tháng đầu năm 2025", JUNE_19, "ytd", D(2025, 1, 1), D(2025, 12, 31)),
    ("6 tháng cuối năm 2025", JUNE_19, "half", D(2025, 7, 1), D(2025, 12, 31)),
    ("6 tháng cuối năm", JUNE_19, "half", D(2026, 7, 1), D(2026, 12, 31)),
    ("Quý I", JUNE_19, "quarter", D(2026, 1, 1), D(2026, 3, 31)),
    ("QUÝ II", JUNE_19, "quarter", D(2026, 4, 1), D(2026, 6, 30)),
    ("quý iii năm 2025", JUNE_19, "quarter", D(2025, 7, 1), D(2025, 9, 30)),
    ("Quý IV/2025", JAN_10, "quarter", D(2025, 10, 1), D(2025, 12, 31)),
    ("Quý 1", JAN_10, "quarter", D(2027, 1, 1), D(2027, 3, 31)),
    ("Quý 2 - 2026", JUNE_19, "quarter", D(2026, 4, 1), D(2026, 6, 30)),
    ("Quý 3/2026", JUNE_19, "quarter", D(2026, 7, 1), D(2026, 9, 30)),
    ("năm 2025", JUNE_19, "year", D(2025, 1, 1), D(2025, 12, 31)),
    ("Cả năm 2025", JUNE_19, "year", D(2025, 1, 1), D(2025, 12, 31)),
    ("tháng 5/2026", JUNE_19, "month", D(2026, 5, 1), D(2026, 5, 31)),
    ("Tháng 5 năm 2026", JUNE_19, "month", D(2026, 5, 1), D(2026, 5, 31)),
    ("Tháng 02-2028", JUNE_19, "month", D(2028, 2, 1), D(2028, 2, 29)),
    ("tháng 12", JAN_10, "month", D(2027, 12, 1), D(2027, 12, 31)),
    # running totals: to the report date unless a day is stated; from a stated day or from none
    ("Lũy kế", JUNE_19, "cumulative", None, JUNE_19),
    ("Lũy kế đến hiện tại", JUNE_19, "cumulative", None, JUNE_19),  # 000:123
    ("Luỹ kế đến hiện tại", JUNE_19, "cumulative", None, JUNE_19),  # old tone placement
    ("LŨY KẾ ĐẾN NAY", JUNE_19, "cumulative", None, JUNE_19),
    ("Lũy kế đến thời điểm báo cáo", JAN_10, "cumulative", None, JAN_10),
    ("Lũy kế đến ngày báo cáo", JAN_10, "cumulative", None, JAN_10),
    ("Lũy kế đến 31/5/2026", JUNE_19, "cumulative", None, D(2026, 5, 31)),
    ("lũy kế đến ngày 31/5/2026", JUNE_19, "cumulative", None, D(2026, 5, 31)),
    ("Lũy kế tính đến hết ngày 31.05.2026", JUNE_19, "cumulative", None, D(2026, 5, 31)),
    ("Lũy kế đến ngày 31 tháng 5 năm 2026", JUNE_19, "cumulative", None, D(2026, 5, 31)),
    ("Lũy kế từ 01/7/2025", JUNE_19, "cumulative", D(2025, 7, 1), JUNE_19),
    ("Lũy kế từ ngày 01/7/2025 đến nay", JUNE_19, "cumulative", D(2025, 7, 1), JUNE_19),
    ("Lũy kế đến 31/5/2026 (từ 01/7/2025)", JUNE_19, "cumulative", D(2025, 7, 1), D(2026, 5, 31)),
    ("Lũy kế từ 1-7-2025 đến 31-5-2026", JUNE_19, "cumulative", D(2025, 7, 1), D(2026, 5, 31)),
    ("Lũy kế từ đầu năm", JUNE_19, "ytd", D(2026, 1, 1), JUNE_19),
    ("Lũy kế từ đầu năm đến 31/5/2026", JUNE_19, "ytd", D(2026, 1, 1), D(2026, 5, 31)),
    # stocks: the report date, or the day the header states
    ("Số liệu đến thời điểm báo cáo", JUNE_19, "snapshot", JUNE_19, JUNE_19),  # the VNeID template
    ("Số liệu đến ngày 31/3/2026", JUNE_19, "snapshot", D(2026, 3, 31), D(2026, 3, 31)),
    ("Số liệu tính đến hết ngày 31.03.2026", JUNE_19, "snapshot", D(2026, 3, 31), D(2026, 3, 31)),
    ("Tính đến nay", JAN_10, "snapshot", JAN_10, JAN_10),
    ("Số liệu tại thời điểm 30/4/2026", JUNE_19, "snapshot", D(2026, 4, 30), D(2026, 4, 30)),
    # what the file's text folding already ignores: case, spacing, a trailing ':' or '(*)', NFD
    ("  5  tháng   đầu năm: ", JUNE_19, "ytd", D(2026, 1, 1), D(2026, 5, 31)),
    ("Quý I (*)", JUNE_19, "quarter", D(2026, 1, 1), D(2026, 3, 31)),
    (unicodedata.normalize("NFD", "Lũy kế đến hiện tại"), JUNE_19, "cumulative", None, JUNE_19),
]


@pytest.mark.parametrize(("text", "report_date", "kind", "start", "end"), READ, ids=[r[0].strip() for r in READ])
def test_period_headers_are_read_into_dated_windows(text, report_date, kind, start, end):
    assert read_window(text, report_date) == Window(kind, start, end)


REFUSED = [
    ("13 tháng đầu năm", "a year has 12 months"),
    ("0 tháng đầu năm", "a year has 12 months"),
    ("Quý V", "quarters I, II, III and IV"),
    ("Quý 5/2026", "quarters I, II, III and IV"),
    ("Quý IIII", "quarters I, II, III and IV"),
    ("tháng 13/2026", "a year has 12 months"),
    ("3 tháng cuối năm", "not a half year"),
    ("năm 1850", "out of range"),
    ("Lũy kế đến 31/2/2026", "not a calendar date"),
    ("Lũy kế từ 01/7/2026", "after its end"),  # after the report date
    ("Lũy kế từ 01/7/2025 đến 31/5/2026 từ 01/1/2025", "states two starts"),
    ("5 tháng đầu năm (ước)", "not a period header that can be read"),
    ("Quý", "not a period header that can be read"),
    ("Số hồ sơ trực tuyến", "not a period"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_period_header_that_cannot_be_read_is_refused_with_the_reason(text, reason):
    with pytest.raises(PeriodError, match=reason):
        read_window(text, JUNE_19)


def test_the_template_snapshot_is_the_report_date():
    assert snapshot(JUNE_19) == Window("snapshot", JUNE_19, JUNE_19)


# ---------- generated headers: seeded random periods, spelled the ways owners write them

ROMAN = ("I", "II", "III", "IV")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _case(rng: random.Random, text: str) -> str:
    return rng.choice([text, text.upper(), text.lower(), unicodedata.normalize("NFD", text)])


def _generated(rng: random.Random) -> tuple[str, date, Window]:
    """A header, a report date, and the window computed here from the numbers the header was made of."""
    report = date(rng.randint(2020, 2030), 1, 1) + timedelta(days=rng.randint(0, 364))
    year = rng.choice([report.year, report.year - 1, None])  # None: not written, the report date's
    y = year or report.year
    suffix = f" {year}" if year else ""
    kind = rng.choice(["ytd", "quarter", "month", "year", "cumulative", "cumulative_to"])
    if kind == "ytd":
        n = rng.randint(1, 12)
        text = rng.choice([f"{n} tháng đầu năm{suffix}"] + ([f"{n} tháng năm {year}"] if year else []))
        return _case(rng, text), report, Window("ytd", date(y, 1, 1), _month_end(y, n))
    if kind == "quarter":
        q = rng.randint(1, 4)
        numeral = rng.choice([ROMAN[q - 1], str(q)])
        text = f"Quý {numeral}" + (rng.choice([f" năm {year}", f"/{year}", f" - {year}"]) if year else "")
        return _case(rng, text), report, Window("quarter", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if kind == "month":
        m = rng.randint(1, 12)
        spelled = rng.choice([str(m), f"{m:02d}"])
        text = f"Tháng {spelled}" + (rng.choice([f"/{year}", f" năm {year}", f"-{year}"]) if year else "")
        return _case(rng, text), report, Window("month", date(y, m, 1), _month_end(y, m))
    if kind == "year":
        return _case(rng, rng.choice([f"Năm {y}", f"Cả năm {y}"])), report, Window("year", date(y, 1, 1),
                                                                                   date(y, 12, 31))
    start = report - timedelta(days=rng.randint(30, 900)) if rng.random() < 0.5 else None
    since = rng.choice([f" từ {start:%d/%m/%Y}", f" từ ngày {start.day}/{start.month}/{start.year}"]) if start else ""
    if kind == "cumulative":
        to = rng.choice(["", " đến hiện tại", " đến nay", " đến thời điểm báo cáo"])
        return _case(rng, "Lũy kế" + since + to), report, Window("cumulative", start, report)
    end = report - timedelta(days=rng.randint(0, 25))
    to = rng.choice([f" đến {end.day}/{end.month}/{end.year}", f" đến ngày {end:%d/%m/%Y}",
                     f" đến ngày {end.day} tháng {end.month} năm {end.year}", f" đến {end:%d.%m.%Y}"])
    if start and start > end:
        start = None
        since = ""
    text = rng.choice(["Lũy kế" + since + to, "Lũy kế" + to + (f" ({since.strip()})" if since else "")])
    return _case(rng, text), report, Window("cumulative", start, end)


def test_generated_period_headers_are_read_into_the_windows_they_were_made_from():
    rng = random.Random(20260619)
    cases = [_generated(rng) for _ in range(2000)]
    wrong = [(text, report, read_window(text, report), expected) for text, report, expected in cases
             if read_window(text, report) != expected]
    assert not wrong, wrong[:5]
    assert {w.type for _, _, w in cases} == {"ytd", "quarter", "month", "year", "cumulative"}


def test_generated_impossible_months_and_quarters_are_refused():
    rng = random.Random(7)
    for _ in range(200):
        n = rng.choice([0, *range(13, 100)])
        text = rng.choice([f"{n} tháng đầu năm", f"tháng {n}/2026", f"Quý {rng.choice(['V', 'VI', str(n)])}"])
        with pytest.raises(PeriodError):
            parse_period(text)
        assert looks_like_period(text)


# ---------- titles and the slots of a template

def test_the_periods_a_title_names_are_found_and_dates_are_not_periods():
    assert period_phrases("3. Tổng số hồ sơ tiếp nhận trong 6 tháng đầu năm 2026 và lũy kế đến hiện tại:") == [
        "6 tháng đầu năm 2026", "luỹ kế đến hiện tại"]  # 000:121, folded
    assert period_phrases("(Ban hành kèm theo Báo cáo số -BC/BCĐ, ngày 19 tháng 6 năm 2026 của Ban Chỉ đạo)") == []
    assert period_phrases("Kính gửi quý vị: số liệu Quý II/2026, lũy kế đến 30/6/2026") == [
        "quý ii/2026", "luỹ kế đến 30/6/2026"]
    assert period_phrases("1. Số thủ tục hành chính:") == []
    assert period_phrases("SỐ LIỆU CHỨNG THƯ CHỮ KÝ SỐ (tính đến ngày 31/3/2026)") == ["tính đến ngày 31/3/2026"]
    [phrase] = period_phrases("Số liệu 13 tháng đầu năm")
    with pytest.raises(PeriodError, match="12 months"):
        parse_period(phrase)


@pytest.mark.parametrize(("text", "period_like", "running_total"), [
    ("5 tháng đầu năm", True, False), ("Quý V", True, False), ("tháng 5/2026", True, False),
    ("Năm 2025", True, False), ("Luỹ kế đến hiện tại", True, True), ("LŨY KẾ", True, True),
    ("Số hồ sơ trực tuyến", False, False), ("Cấp tỉnh", False, False), ("Ghi chú", False, False),
])
def test_period_like_headers_are_told_apart_from_other_headers(text, period_like, running_total):
    assert (looks_like_period(text), is_running_total(text)) == (period_like, running_total)
