"""The quality rules over every figure, on annex files the test makes itself: each planted break gives exactly its
finding (file, cell, rule), clean files give none, a corrected file resolves its findings, and the quality page
and the nightly quality gate say so. Real PostgreSQL, the simulator, the real inbox loader, the real `dbt build`.

The files are of the three templates (Phụ lục V, chữ ký số, VNeID). All but one are for report dates in 2027,
beyond every published report and source feed, so they can only be checked against each other; one VNeID file
is for 31/3/2026, a day the VNeID feed (extracted here) holds, and is compared with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date
from pathlib import Path

import psycopg
import pytest

import filedrop_samples as samples
from chiso.config import settings
from conftest import chiso_environment, snapshot_warehouse
from extract.filedrop.templates import VNEID_ITEMS

SEED = 20270531
YEAR = 2027
LEVELS = ("province", "commune")
LEVEL_LABELS = {"province": "Cấp tỉnh", "commune": "Cấp xã"}
V3_ROW = {"central": 19, "province": 20, "commune": 21, "total": 22}  # the rows of the V.3 table below
CKS_ROW = {"province": 6, "commune": 7, "total": 8}
VNEID_ROW = {"id_card": 5, "eid_app": 6, "eid_act": 7, "org_eligible": 8, "org_registered": 9, "stay": 10}


# ---------- a province whose figures add up: monthly flows, running totals, stocks

@dataclass(frozen=True)
class Truth:
    """Consistent figures for 2027, drawn from a seeded generator: every clean file reads from here."""

    flows: dict[tuple[str, str, int], int]  # (channel, level, month) -> dossiers
    opening: dict[tuple[str, str], int]  # (channel, level) -> running total before 2027

    def ytd(self, channel: str, level: str, months: int) -> int:
        return sum(self.flows[(channel, level, m)] for m in range(1, months + 1))

    def cumulative(self, channel: str, level: str, months: int) -> int:
        return self.opening[(channel, level)] + self.ytd(channel, level, months)


def make_truth(rng: random.Random) -> Truth:
    flows, opening = {}, {}
    for level, (online, direct) in {"province": ((30_000, 60_000), (3_000, 8_000)),
                                    "commune": ((50_000, 90_000), (4_000, 9_000))}.items():
        for channel, (low, high) in (("online", online), ("direct", direct)):
            opening[(channel, level)] = rng.randint(800_000, 2_000_000)
            for month in range(1, 13):
                flows[(channel, level, month)] = rng.randint(low, high)
    return Truth(flows, opening)


def _vn(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# ---------- the three templates, filled from given values

def phu_luc_v(report: date, months: int, values: dict[str, dict[str, int]], *, title_months: int | None = None,
              catalogue: dict[str, tuple[int, int, int]] | None = None) -> samples.Layout:
    """Phụ lục V with V.3 in the 'Cấp' layout and a total row; ``values[level]`` = online ytd, online cumulative,
    direct ytd, direct cumulative (the total row is whatever ``values['total']`` says)."""
    v = samples.Layout("Phụ lục V")
    v.put(1, [samples.TITLE_V], bold=True)
    v.put(2, [f"(Ban hành kèm theo Báo cáo số -BC/BCĐ, ngày {report.day} tháng {report.month} năm {report.year}"
              " của Ban Chỉ đạo tỉnh"])
    v.put(3, [samples.CAPTION_V_END])
    catalogue = catalogue or {"province": (1_600, 698, 902), "commune": (377, 143, 234)}
    v.put(5, ["1. Số thủ tục hành chính:"], bold=True)
    v.put(6, ["STT", "Số TTHC"], bold=True)
    v.put(7, [None, "Cấp Trung ương", "Cấp tỉnh", "Cấp xã"], bold=True)
    v.merges += ["A6:A7", "B6:D6"]
    v.put(8, [1, "-", _vn(catalogue["province"][0]), _vn(catalogue["commune"][0])])
    v.put(10, ["2. Số dịch vụ công trực tuyến:"], bold=True)
    v.put(11, ["STT", "Số DVCTT"], bold=True)
    v.put(12, [None, "Cấp Trung ương", None, "Cấp tỉnh", None, "Cấp xã"], bold=True)
    v.put(13, [None] + ["Số DVCTT toàn trình", "Số DVCTT một phần"] * 3, bold=True)
    v.merges += ["A11:A13", "B11:G11", "B12:C12", "D12:E12", "F12:G12"]
    v.put(14, [1, "-", "-", *catalogue["province"][1:], *catalogue["commune"][1:]])
    said = title_months or months
    v.put(16, [f"3. Tổng số hồ sơ tiếp nhận trong {said} tháng đầu năm {report.year} và lũy kế đến hiện tại:"],
          bold=True)
    v.put(17, ["STT", "Cấp", "Số hồ sơ trực tuyến", None, "Số hồ sơ trực tiếp và hình thức khác"], bold=True)
    period = f"{months} tháng đầu năm"
    v.put(18, [None, None, period, "Lũy kế đến hiện tại", period, "Lũy kế đến hiện tại"], bold=True)
    v.merges += ["A17:A18", "B17:B18", "C17:D17", "E17:F17"]
    v.put(V3_ROW["central"], [1, "Cấp Trung ương", "-", "-", "-", "-"])
    for n, level in enumerate(LEVELS, start=2):
        v.put(V3_ROW[level], [n, LEVEL_LABELS[level], *map(_vn, values[level])])
    v.put(V3_ROW["total"], [None, "Tổng cộng", *map(_vn, values["total"])])
    return v


def v3_values(truth: Truth, months: int) -> dict[str, list[int]]:
    values = {level: [truth.ytd("online", level, months), truth.cumulative("online", level, months),
                      truth.ytd("direct", level, months), truth.cumulative("direct", level, months)]
              for level in LEVELS}
    return add_total(values)


def add_total(values: dict[str, list[int]]) -> dict[str, list[int]]:
    values["total"] = [sum(values[level][i] for level in LEVELS) for i in range(4)]
    return values


def chu_ky_so(report: date, levels: dict[str, list[int]], *, title_suffix: str = "") -> samples.Layout:
    """``levels[level]`` = org, personal, token, SIM PKI, remote; the level's total is org + personal, and the total
    row (certificates only) is the sum of the level totals."""
    v = samples.Layout("Chữ ký số")
    v.put(1, ["SỐ LIỆU CHỨNG THƯ CHỮ KÝ SỐ CHUYÊN DÙNG CÔNG VỤ" + title_suffix], bold=True)
    v.put(2, [f"Lâm Đồng, ngày {report.day} tháng {report.month} năm {report.year}"])
    v.put(4, ["STT", "Cấp", "Tổng số chứng thư số", "Theo đối tượng", None, "Theo hình thức", None, None,
              "Tỷ lệ lãnh đạo, chuyên viên giải quyết TTHC được trang bị chữ ký số (%)"], bold=True)
    v.put(5, [None, None, None, "Tổ chức", "Cá nhân", "Token", "SIM PKI", "Ký số tập trung"], bold=True)
    v.merges += ["A4:A5", "B4:B5", "C4:C5", "D4:E4", "F4:H4", "I4:I5"]
    for n, level in enumerate(LEVELS, start=1):
        org, personal, *media = levels[level]
        v.put(CKS_ROW[level], [n, LEVEL_LABELS[level], _vn(org + personal), org, personal, *media, "100%"])
    v.put(CKS_ROW["total"], [None, "Tổng cộng", _vn(sum(sum(levels[lv][:2]) for lv in LEVELS))])
    return v


def certificates(rng: random.Random, growth: int = 0) -> dict[str, list[int]]:
    out = {}
    for level, size in (("province", 5_000), ("commune", 9_000)):
        org = rng.randint(size // 8, size // 6) + growth
        personal = size - org + growth
        token = rng.randint((org + personal) * 6 // 10, (org + personal) * 8 // 10)
        sim = rng.randint(100, 500)
        out[level] = [org, personal, token, sim, org + personal - token - sim]
    return out


def vneid(report: date, figures: dict[str, int], *, header: str = "Số liệu đến thời điểm báo cáo") -> samples.Layout:
    v = samples.Layout("VNeID")
    v.put(1, ["SỐ LIỆU ĐỊNH DANH ĐIỆN TỬ VÀ ỨNG DỤNG VNeID (ĐỀ ÁN 06)"], bold=True)
    v.put(2, ["Ngày báo cáo:", report])
    v.put(4, ["STT", "Nội dung", header, "Ghi chú"], bold=True)
    labels = dict(zip(VNEID_ROW, (text for text, _ in VNEID_ITEMS), strict=True))
    for n, (item, row) in enumerate(VNEID_ROW.items(), start=1):
        v.put(row, [n, labels[item], _vn(figures[item])])
    return v


# ---------- the files, each break planted on purpose

@dataclass(frozen=True)
class Planted:
    file: str
    rule: str
    cell: str  # where the owner has to look


def annex_files(rng: random.Random) -> tuple[dict[str, samples.Layout], list[Planted]]:
    truth = make_truth(rng)
    files: dict[str, samples.Layout] = {}
    planted: list[Planted] = []
    small = rng.randint(1, 900)

    # clean: five months to 31/5, the total row adds up
    files["phu_luc_v_2027-05-31.xlsx"] = phu_luc_v(date(YEAR, 5, 31), 5, v3_values(truth, 5))

    # six months to 30/6: the provincial in-person figure below its own five-month figure
    six = v3_values(truth, 6)
    six["province"][2] = truth.ytd("direct", "province", 5) - small
    files["phu_luc_v_2027-06-30.xlsx"] = phu_luc_v(date(YEAR, 6, 30), 6, add_total(six))
    planted.append(Planted("phu_luc_v_2027-06-30.xlsx", "window_containment", f"E{V3_ROW['province']}"))

    # seven months to 31/7: the provincial running total of online dossiers falls below 30/6's
    seven = v3_values(truth, 7)
    seven["province"][1] = truth.cumulative("online", "province", 6) - small
    files["phu_luc_v_2027-07-31.xlsx"] = phu_luc_v(date(YEAR, 7, 31), 7, add_total(seven))
    planted.append(Planted("phu_luc_v_2027-07-31.xlsx", "window_containment", f"D{V3_ROW['province']}"))

    # eight months to 31/8: a total row that does not add up, and more online services than procedures
    eight = v3_values(truth, 8)
    eight["total"][0] += rng.randint(1, 500)
    files["phu_luc_v_2027-08-31.xlsx"] = phu_luc_v(date(YEAR, 8, 31), 8, eight, catalogue={
        "province": (1_600, 798, 812), "commune": (377, 143, 234)})
    planted += [Planted("phu_luc_v_2027-08-31.xlsx", "levels_vs_total", f"C{V3_ROW['total']}"),
                Planted("phu_luc_v_2027-08-31.xlsx", "at_most", "C8")]

    # a report of 19/9 whose columns say four months (it should be eight)
    four = v3_values(truth, 4)
    for level in LEVELS:  # its running totals run to the report date
        four[level][1], four[level][3] = (truth.cumulative("online", level, 9), truth.cumulative("direct", level, 9))
    files["phu_luc_v_2027-09-19.xlsx"] = phu_luc_v(date(YEAR, 9, 19), 4, add_total(four))
    planted.append(Planted("phu_luc_v_2027-09-19.xlsx", "window_vs_report_date", f"C{V3_ROW['central']}"))

    # ten months to 31/10 under a title that says nine
    files["phu_luc_v_2027-10-31.xlsx"] = phu_luc_v(date(YEAR, 10, 31), 10, v3_values(truth, 10), title_months=9)
    planted.append(Planted("phu_luc_v_2027-10-31.xlsx", "window_vs_title", f"C{V3_ROW['central']}"))

    # certificates: clean on 30/4; on 31/5 the provincial media do not add up to its total
    files["chu_ky_so_2027-04-30.xlsx"] = chu_ky_so(date(YEAR, 4, 30), certificates(rng))
    may = certificates(rng, growth=50)
    may["province"][2] += small
    files["chu_ky_so_2027-05-31.xlsx"] = chu_ky_so(date(YEAR, 5, 31), may)
    planted.append(Planted("chu_ky_so_2027-05-31.xlsx", "parts_vs_total", f"C{CKS_ROW['province']}"))

    # VNeID: clean on 30/4; on 31/5 more accounts activated than applied for; on 30/6 ID cards fall
    april = {"id_card": 4_100_000 + rng.randint(0, 9_999), "eid_app": 2_950_000 + rng.randint(0, 9_999),
             "eid_act": 2_300_000 + rng.randint(0, 9_999), "org_eligible": 25_000, "org_registered": 16_000,
             "stay": 385}
    files["vneid_2027-04-30.xlsx"] = vneid(date(YEAR, 4, 30), april)
    may_v = {**april, "id_card": april["id_card"] + 20_000, "eid_app": april["eid_app"] + 10_000}
    may_v["eid_act"] = may_v["eid_app"] + small
    files["vneid_2027-05-31.xlsx"] = vneid(date(YEAR, 5, 31), may_v)
    planted.append(Planted("vneid_2027-05-31.xlsx", "at_most", f"C{VNEID_ROW['eid_app']}"))
    june_v = {**may_v, "id_card": may_v["id_card"] - small, "eid_app": may_v["eid_app"] + 10 * small + 10,
              "eid_act": may_v["eid_act"] + small}
    files["vneid_2027-06-30.xlsx"] = vneid(date(YEAR, 6, 30), june_v)
    planted.append(Planted("vneid_2027-06-30.xlsx", "never_decreases", f"C{VNEID_ROW['id_card']}"))

    # stocks dated by their own header or title, not by the report date
    july_v = {**june_v, "id_card": may_v["id_card"] + 5_000, "eid_app": june_v["eid_app"] + 5_000,
              "eid_act": june_v["eid_act"] + 1_000}
    files["vneid_2027-07-31.xlsx"] = vneid(date(YEAR, 7, 31), july_v, header="Số liệu đến ngày 15/7/2027")
    planted.append(Planted("vneid_2027-07-31.xlsx", "window_vs_report_date", f"C{VNEID_ROW['id_card']}"))
    files["chu_ky_so_2027-06-30.xlsx"] = chu_ky_so(date(YEAR, 6, 30), certificates(rng, growth=90),
                                                   title_suffix=" (tính đến ngày 31/5/2027)")
    planted.append(Planted("chu_ky_so_2027-06-30.xlsx", "window_vs_title", f"C{CKS_ROW['province']}"))

    # the one file of a day the VNeID feed holds (31/3/2026): as the police reported it (002:909, what the
    # simulator is calibrated to), but with activations typed 1.000 too high
    files[FEED_DAY_FILE] = vneid(FEED_DAY, {**FEED_DAY_VNEID, "eid_act": FEED_DAY_VNEID["eid_act"] + 1_000})
    planted.append(Planted(FEED_DAY_FILE, "origins_disagree", f"C{VNEID_ROW['eid_act']}"))
    return files, planted


FEED_DAY = date(2026, 3, 31)
FEED_DAY_FILE = "vneid_2026-03-31.xlsx"
FEED_DAY_VNEID = {"id_card": 3_999_830, "eid_app": 2_891_016, "eid_act": 2_228_763, "org_eligible": 24_555,
                  "org_registered": 15_860, "stay": 385}  # 002:909, 001:808, 002:877
CLEAN = ("phu_luc_v_2027-05-31.xlsx", "chu_ky_so_2027-04-30.xlsx", "vneid_2027-04-30.xlsx")
CORRECTED = "phu_luc_v_2027-08-31.xlsx"


# ---------- the warehouse of this module: seeds, no feed, the files above
#
# The module goes through three states in its own warehouse: the first build, the corrected file rebuilt, the
# file-drop run. Each state is copied as it stands before the next one starts, and the tests of a state read
# its copy, so they hold in any order.

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def quality_url(warehouse_url: str):
    """This module's own database (an initialised copy: no feed, no other module's annex files), as
    CHISO_DATABASE_URL."""
    # the files are dated in 2027 on purpose (beyond every published report and feed); the inbox would refuse
    # report dates that far ahead of today, so this module allows them (a setting, not a special case)
    with chiso_environment(inbox_report_days_ahead=str((date(YEAR, 12, 31) - date.today()).days + 1)):
        yield warehouse_url


def _drop_and_load(url: str, inbox: Path, layouts: dict[str, samples.Layout]) -> list:
    from chiso.annex import inbox_limits
    from extract.filedrop.inbox import process_inbox

    inbox.mkdir(parents=True, exist_ok=True)
    for name, layout in layouts.items():
        samples.write_xlsx(inbox / name, layout)
    with psycopg.connect(url, autocommit=True) as conn:
        from extract.filedrop.spec import ensure_annex_table

        ensure_annex_table(conn)
        return process_inbox(inbox, conn, limits=inbox_limits())  # CHISO_INBOX_REPORT_DAYS_AHEAD, set above


@pytest.fixture(scope="module")
def first_build(quality_url, simulator, tmp_path_factory):
    """The VNeID feed of one day, every file dropped and loaded, then one `chiso build` (dbt build, the
    findings summary and the quality page)."""
    from chiso.cli import main
    from chiso.extraction import extract_source
    from chiso.quality import QualityError, check_quality

    extract_source("vneid", FEED_DAY, FEED_DAY)
    files, planted = annex_files(random.Random(SEED))
    outcomes = _drop_and_load(quality_url, tmp_path_factory.mktemp("inbox"), files)
    assert main(["build"]) == 0
    try:
        check_quality()
        gate = None
    except QualityError as exc:
        gate = exc
    return files, planted, outcomes, gate


@pytest.fixture(scope="module")
def first_build_url(first_build, pg_admin_url, quality_url) -> str:
    """The warehouse as the first build left it (a copy: the corrected build goes on in the module's own)."""
    return snapshot_warehouse(pg_admin_url, quality_url, "first")


@pytest.fixture(scope="module")
def corrected_build(first_build, first_build_url, quality_url, tmp_path_factory):
    """The owner corrects the eight-month Phụ lục V (same name, same report date) and the warehouse is rebuilt."""
    from chiso.quality import QualityError, check_quality
    from chiso.warehouse import build_warehouse

    truth = make_truth(random.Random(SEED))  # the same draws: the first ones made the truth
    fixed = phu_luc_v(date(YEAR, 8, 31), 8, v3_values(truth, 8))
    outcomes = _drop_and_load(quality_url, tmp_path_factory.mktemp("inbox2"), {CORRECTED: fixed})
    build_warehouse()
    try:
        return outcomes, check_quality()
    except QualityError as exc:  # pragma: no cover - reported by the assertion below
        return outcomes, exc


@pytest.fixture(scope="module")
def corrected_build_url(corrected_build, pg_admin_url, quality_url) -> str:
    """The warehouse as the corrected build left it (a copy: the file-drop run goes on in the module's own)."""
    return snapshot_warehouse(pg_admin_url, quality_url, "corrected")


def _annex_findings(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select file_name, rule_code, cell, status, severity, first_seen_at, resolved_at, description_vi,"
            " action_vi, owner_agency_code, found_value, expected_value"
            " from marts.mart_quality_findings where origin = 'annex' order by file_name, rule_code").fetchall()


def test_every_generated_file_loads(first_build):
    files, _, outcomes, _ = first_build
    assert sorted(o.file for o in outcomes) == sorted(files)
    assert all(o.status == "loaded" for o in outcomes), [(o.file, [str(e) for e in o.errors]) for o in outcomes]


def test_each_planted_break_gives_exactly_its_finding_and_clean_files_none(first_build, first_build_url):
    _, planted, _, _ = first_build
    found = [(f, rule, cell) for f, rule, cell, status, *_ in _annex_findings(first_build_url) if status == "open"]
    assert sorted(found) == sorted((p.file, p.rule, p.cell) for p in planted)
    assert not any(f in CLEAN for f, _, _ in found)


def test_a_finding_says_what_to_correct_and_who_owns_it(first_build, first_build_url):
    by_rule = {(row[0], row[1]): row for row in _annex_findings(first_build_url)}
    total = by_rule[("phu_luc_v_2027-08-31.xlsx", "levels_vs_total")]
    assert total[4] == "error" and total[9] == "ld_vp_ubnd"  # the catalogue's owner of dossier counts
    assert "Tổng cộng" in total[8] and total[10] != total[11]
    header = by_rule[("phu_luc_v_2027-09-19.xlsx", "window_vs_report_date")]
    assert header[4] == "warning" and "4 tháng đầu năm" in header[7] and "8 tháng đầu năm" in header[7]


def test_the_window_of_a_figure_is_its_header_s_not_the_report_date_s(first_build, first_build_url):
    with psycopg.connect(first_build_url) as conn:
        windows = conn.execute(
            "select distinct window_start, window_end, window_text from marts.mart_annex_vs_feed"
            " where file_name = 'phu_luc_v_2027-09-19.xlsx' and window_type = 'ytd'").fetchall()
    assert windows == [(date(YEAR, 1, 1), date(YEAR, 4, 30), "4 tháng đầu năm")]


def test_every_annex_figure_reaches_the_annex_vs_feed_mart(first_build, first_build_url):
    files, _, _, _ = first_build
    with psycopg.connect(first_build_url) as conn:
        seen = {r[0]: r[1] for r in conn.execute(
            "select file_name, array_agg(distinct annex_code) from marts.mart_annex_vs_feed group by file_name")}
        statuses = {r[0] for r in conn.execute("select distinct comparison_status from marts.mart_annex_vs_feed"
                                                "  where report_date > '2026-12-31'")}
        feed_day = {r[0]: r[1:] for r in conn.execute(
            "select indicator_code, annex_value, feed_value, difference, comparison_status, feed_is_synthetic"
            " from marts.mart_annex_vs_feed where file_name = %s", (FEED_DAY_FILE,))}
    assert set(seen) == set(files)
    assert {code for codes in seen.values() for code in codes} == {"V", "chu_ky_so", "vneid"}
    assert statuses <= {"no_feed", "not_reported"}  # 2027: no feed holds these days
    # side by side with the feed of the same day: what matches, what differs and by how much
    assert feed_day["eid_application_count"] == (2_891_016, 2_891_016, 0, "matched", True)
    assert feed_day["id_card_application_count"][3] == "matched"
    assert feed_day["eid_activated_count"] == (2_229_763, 2_228_763, -1_000, "differs", True)
    assert feed_day["org_eid_eligible_count"][3] == "no_feed"  # no source holds organisations


def test_the_quality_gate_fails_on_new_errors_and_names_them(first_build):
    *_, gate = first_build
    assert gate is not None
    message = str(gate)
    for name in ("phu_luc_v_2027-06-30.xlsx", "vneid_2027-05-31.xlsx", "chu_ky_so_2027-05-31.xlsx"):
        assert name in message
    assert "phu_luc_v_2027-10-31.xlsx" not in message  # a title mismatch is a warning, not an error


def test_chiso_build_writes_the_quality_page_with_every_open_finding_by_file_and_cell(first_build):
    page = (settings().export_dir / "quality.html").read_text(encoding="utf-8")
    _, planted, _, _ = first_build
    assert '<html lang="vi">' in page and "Chất lượng số liệu" in page
    for p in planted:
        assert p.file in page
        assert f"› {p.cell}<" in page or f">{p.cell}<" in page or f"Phụ lục V › {p.cell}" in page


def test_a_corrected_file_resolves_its_findings_and_keeps_the_others(first_build, corrected_build, corrected_build_url):
    outcomes, gate = corrected_build
    assert [o.status for o in outcomes] == ["loaded"]
    rows = {(r[0], r[1]): r for r in _annex_findings(corrected_build_url)}
    resolved = {k for k, r in rows.items() if r[3] == "resolved"}
    assert resolved == {(CORRECTED, "levels_vs_total"), (CORRECTED, "at_most")}
    assert all(rows[k][6] is not None and rows[k][6] >= rows[k][5] for k in resolved)
    still_open = {k for k, r in rows.items() if r[3] == "open"}
    assert len(still_open) == 10
    # nothing new in the second build: the gate passes, the open findings keep their first sighting
    assert not isinstance(gate, Exception), gate
    assert gate.new_count == 0 and gate.open_count >= 10


# ---------- the file-drop DAG: a new error fails its quality task, the exports still publish

@pytest.fixture(scope="module")
def filedrop_run(corrected_build, corrected_build_url, quality_url, airflow_db, tmp_path_factory):
    """A certificate file whose total row does not add up, dropped in the inbox and run through `chiso_filedrop`
    (with its own inbox and export folders: the first build's quality page stays as that build wrote it)."""
    from datetime import datetime

    from airflow.dag_processing.dagbag import DagBag

    from chiso.config import PROJECT_ROOT

    folder = tmp_path_factory.mktemp("filedrop-run")
    with chiso_environment(inbox_dir=str(folder / "inbox"), export_dir=str(folder / "exports")):
        inbox, exports = settings().inbox_dir, settings().export_dir
        inbox.mkdir(parents=True, exist_ok=True)
        levels = certificates(random.Random(SEED + 1), growth=120)
        layout = chu_ky_so(date(YEAR, 8, 31), levels)
        layout.set(f"C{CKS_ROW['total']}", _vn(sum(sum(levels[lv][:2]) for lv in LEVELS) + 7))
        samples.write_xlsx(inbox / "chu_ky_so_2027-08-31.xlsx", layout)
        dag = DagBag(dag_folder=PROJECT_ROOT / "dags", safe_mode=False).dags["chiso_filedrop"]
        run = dag.test(logical_date=datetime(2027, 9, 1, 1, 0, tzinfo=UTC))
    return run, {ti.task_id: str(ti.state) for ti in run.get_task_instances()}, exports


@pytest.mark.e2e
def test_a_new_error_fails_the_quality_task_of_the_run_while_the_exports_publish(filedrop_run):
    run, states, exports = filedrop_run
    assert states["load_files"] == "success" and states["build_warehouse"] == "success"
    assert states["check_quality"] == "failed"
    assert states["publish_exports"] == "success"
    assert str(run.state) == "failed"  # loud: the run is red in the Airflow UI
    page = (exports / "quality.html").read_text(encoding="utf-8")
    assert "chu_ky_so_2027-08-31.xlsx" in page and f"› C{CKS_ROW['total']}<" in page
    assert (exports / "manifest.json").exists()
