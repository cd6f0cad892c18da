"""The VNeID, digital-signature and document feeds reproduce the province's published figures, in the
generator and in raw after an extraction over HTTP, and keep their stock-and-flow invariants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from chiso.config import PROJECT_ROOT
from chiso.extraction import extract_source
from simulator import edoc, signature, vneid
from simulator.feeds import load_agencies

AGENCIES = load_agencies(PROJECT_ROOT / "seeds" / "agencies.csv")
COMMUNES = tuple(a for a in AGENCIES if vneid.FEED.serves(a))
SIGNERS = tuple(a for a in AGENCIES if signature.FEED.serves(a))
COMMUNE_CODES = [a.code for a in AGENCIES if a.level == "commune"]
SEED = 7
STOCK_FIELDS = ("cumulative_id_card_applications", "cumulative_eid_applications", "cumulative_activations")
ACTIVE_SQL = " + ".join(f"c.active_{h}_{m}" for h, m in signature.CELLS)


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def _months(first: date, count: int) -> list[date]:
    out = [first]
    while len(out) < count:
        out.append((out[-1] + timedelta(days=32)).replace(day=1))
    return out


def _stocks(rows: Iterable[dict[str, object]]) -> tuple[int, ...]:
    rows = list(rows)
    return tuple(sum(int(r[f]) for r in rows) for f in STOCK_FIELDS)


def _active(month: date, level: str | None = None, holder: str | None = None, medium: str | None = None) -> int:
    """Certificates in use at the month's end, summed over the agencies of ``level`` and the matching cells."""
    levels = {a.code: a.level for a in SIGNERS}
    return sum(
        row[f"active_{h}_{m}"]
        for row in signature.generate_month(SEED, month, SIGNERS)
        if level in (None, levels[row["agency_code"]])
        for h, m in signature.CELLS
        if holder in (None, h) and medium in (None, m)
    )


def _pct(num: int, den: int, rounding: str, places: str = "0.01") -> Decimal:
    return (Decimal(100) * num / den).quantize(Decimal(places), rounding=rounding)


# ---------------------------------------------------------------- VNeID


def test_vneid_stocks_on_31_march_2026_are_the_published_figures():
    # 002_47fe5be8680f8277.txt:909 — "Toàn tỉnh đã thu nhận 3.999.830 lượt hồ sơ cấp căn cước, căn cước công dân;
    # thu nhận 2.891.016 hồ sơ cấp tài khoản định danh điện tử, kích hoạt 2.228.763 tài khoản (đạt tỷ lệ 77,1%)"
    rows = vneid.generate_day(SEED, date(2026, 3, 31), COMMUNES)
    assert len(rows) == 124
    id_cards, applications, activated = _stocks(rows)
    assert (id_cards, applications, activated) == (3_999_830, 2_891_016, 2_228_763)
    assert _pct(activated, applications, ROUND_HALF_UP, "0.1") == Decimal("77.1")


def test_vneid_stocks_on_5_december_2025_are_the_figures_of_the_de_an():
    # 001_5e469424f6c49e24.txt:804-808 — "Đến nay, toàn tỉnh đã thu nhận 3.861.824 lượt hồ sơ cấp căn cước, căn cước
    # công dân ...; 2.775.718 tài khoản định danh điện tử, kích hoạt 2.202.278 tài khoản, đạt tỷ lệ 79,34%"
    # (001 is undated; 05/12/2025 is the latest date it cites, published_figures.csv:66-69)
    id_cards, applications, activated = _stocks(vneid.generate_day(SEED, date(2025, 12, 5), COMMUNES))
    assert (id_cards, applications, activated) == (3_861_824, 2_775_718, 2_202_278)
    assert _pct(activated, applications, ROUND_HALF_UP) == Decimal("79.34")


def test_vneid_daily_flows_between_the_two_reports_add_up_to_the_change_in_the_stocks():
    rows = list(vneid.FEED.generate_range(SEED, date(2025, 12, 6), date(2026, 3, 31), COMMUNES))
    assert sum(r["id_card_applications"] for r in rows) == 3_999_830 - 3_861_824
    assert sum(r["eid_applications"] for r in rows) == 2_891_016 - 2_775_718
    assert sum(r["level1_activations"] + r["level2_activations"] for r in rows) == 2_228_763 - 2_202_278


def test_vneid_each_days_stock_is_the_previous_days_stock_plus_the_days_flows():
    previous: dict[str, dict[str, object]] = {}
    for day in _days(date(2025, 7, 1), date(2026, 9, 30)):
        for row in vneid.generate_day(SEED, day, COMMUNES):
            before = previous.get(row["agency_code"])
            if before is not None:
                activated = row["level1_activations"] + row["level2_activations"]
                assert row["cumulative_id_card_applications"] == (before["cumulative_id_card_applications"]
                                                                  + row["id_card_applications"]), row
                assert row["cumulative_eid_applications"] == (before["cumulative_eid_applications"]
                                                              + row["eid_applications"]), row
                assert row["cumulative_activations"] == before["cumulative_activations"] + activated, row
            previous[row["agency_code"]] = row


def test_vneid_activations_never_exceed_applications_and_no_count_is_negative():
    for day in _days(date(2025, 7, 1), date(2026, 12, 31)):
        for row in vneid.generate_day(SEED, day, COMMUNES):
            assert all(row[f] >= 0 for f in vneid.FIELDS[2:]), row
            assert row["cumulative_activations"] <= row["cumulative_eid_applications"], row


def test_vneid_stock_in_june_2026_agrees_with_the_later_rounded_figure():
    # 000_495e4b193472de68.txt:278 (report of 19/6/2026) — "kích hoạt hơn 2,23 triệu tài khoản định danh điện tử"
    _, _, activated = _stocks(vneid.generate_day(SEED, date(2026, 6, 19), COMMUNES))
    assert activated > 2_230_000


def test_vneid_is_deterministic_per_seed_and_starts_with_the_merged_province():
    day = date(2026, 2, 2)
    assert vneid.generate_day(3, day, COMMUNES) == vneid.generate_day(3, day, COMMUNES)
    assert vneid.generate_day(3, day, COMMUNES) != vneid.generate_day(4, day, COMMUNES)
    assert vneid.generate_day(3, date(2025, 6, 30), COMMUNES) == []


# ---------------------------------------------------------------- digital-signature certificates


def test_certificates_in_use_at_the_end_of_november_2025_are_the_figures_of_the_de_an():
    # 001_5e469424f6c49e24.txt:738-748 — "tính đến ngày 05/12/2025, trên địa bàn tỉnh có 11.453 chứng thư chữ ký số
    # chuyên dùng công vụ, trong đó: cấp tỉnh có 4.879 chứng thư chữ ký số (bao gồm 718 chứng thư số của tổ chức,
    # 4.161 chứng thư số cá nhân, cụ thể: 3.206 token, 402 SIM PKI và 553 tài khoản ký số tập trung); cấp xã 6.574
    # ... (bao gồm 1.415 chứng thư số của tổ chức, 5.159 chứng thư số cá nhân, cụ thể: 4.924 token, 235 SIM PKI)"
    november = date(2025, 11, 1)  # the monthly feed's nearest month end before 05/12/2025
    assert _active(november) == 11_453
    assert (_active(november, "province"), _active(november, "commune")) == (4_879, 6_574)
    assert (_active(november, "province", "organisation"), _active(november, "province", "personal")) == (718, 4_161)
    assert [_active(november, "province", "personal", m) for m in signature.MEDIA] == [3_206, 402, 553]
    assert (_active(november, "commune", "organisation"), _active(november, "commune", "personal")) == (1_415, 5_159)
    assert [_active(november, "commune", "personal", m) for m in signature.MEDIA] == [4_924, 235, 0]


def test_certificates_in_use_at_the_end_of_march_2026_are_the_consistent_figures_of_the_report():
    # 002_47fe5be8680f8277.txt:710 — "trên địa bàn tỉnh có 14.533 chứng thư chữ ký số chuyên dùng công vụ, trong đó:
    # (1) Cấp tỉnh có 5.492 ..., bao gồm: 710 chứng thư số tổ chức, 4.782 chứng thư số cá nhân. Cụ thể: 4.609 token,
    # 462 SIM PKI và 421 tài khoản ký số tập trung; (2) Cấp xã có 9.041 ..., bao gồm: 1.777 chứng thư số tổ chức,
    # 6.498 chứng thư số cá nhân. Cụ thể: 8.159 token, 336 SIM PKI và 501 tài khoản ký số tập trung"
    march = date(2026, 3, 1)
    assert _active(march) == 14_533
    assert (_active(march, "province"), _active(march, "commune")) == (5_492, 9_041)
    assert (_active(march, "province", "organisation"), _active(march, "province", "personal")) == (710, 4_782)
    assert [_active(march, "province", medium=m) for m in signature.MEDIA] == [4_609, 462, 421]
    assert _active(march, "commune", "organisation") == 1_777
    assert [_active(march, "commune", medium=m) for m in signature.MEDIA[1:]] == [336, 501]
    # cấp xã does not add up in the report (1.777 + 6.498 = 8.275 and 8.159 + 336 + 501 = 8.996, not 9.041):
    # with the total and the parts above, personal certificates and tokens are what remains
    assert _active(march, "commune", "personal") == 9_041 - 1_777
    assert _active(march, "commune", medium="usb_token") == 9_041 - 336 - 501


def test_certificate_stocks_chain_and_revocations_never_exceed_issues():
    issued_since_merger: dict[tuple[str, str, str], int] = {}
    revoked_since_merger: dict[tuple[str, str, str], int] = {}
    previous: dict[tuple[str, str, str], int] = {}
    for month in _months(date(2025, 7, 1), 24):
        for row in signature.generate_month(SEED, month, SIGNERS):
            assert all(row[f] >= 0 for f in signature.FIELDS[2:]), row
            for h, m in signature.CELLS:
                key = (row["agency_code"], h, m)
                issued, revoked, active = row[f"issued_{h}_{m}"], row[f"revoked_{h}_{m}"], row[f"active_{h}_{m}"]
                if key in previous:
                    assert active == previous[key] + issued - revoked, (month, key)
                previous[key] = active
                issued_since_merger[key] = issued_since_merger.get(key, 0) + issued
                revoked_since_merger[key] = revoked_since_merger.get(key, 0) + revoked
                assert revoked_since_merger[key] <= issued_since_merger[key], (month, key)


def test_certificates_are_deterministic_per_seed_and_monthly():
    month = date(2026, 1, 1)
    assert signature.generate_month(3, month, SIGNERS) == signature.generate_month(3, month, SIGNERS)
    assert signature.generate_month(3, month, SIGNERS) != signature.generate_month(4, month, SIGNERS)
    assert {r["report_month"] for r in signature.generate_month(3, month, SIGNERS)} == {"2026-01-01"}
    assert len(SIGNERS) == 140  # 124 communes + 16 provincial units that handle documents (000:192 counts 140)


# ---------------------------------------------------------------- documents


def test_documents_since_the_merger_sum_to_the_published_totals():
    # 002_47fe5be8680f8277.txt:750 — "tổng số văn bản đến toàn hệ thống đến thời điểm báo cáo là 3.366.973 văn bản,
    # tổng số văn bản đi là 460.138 văn bản" (read as 07/2025-03/2026, the merged system's life to the cut-off)
    rows = [r for month in _months(date(2025, 7, 1), 9) for r in edoc.generate_month(SEED, month, SIGNERS)]
    assert sum(r["documents_received"] for r in rows) == 3_366_973
    assert sum(r["documents_issued"] for r in rows) == 460_138


def test_q1_2026_signed_share_is_the_published_rate():
    # 002_47fe5be8680f8277.txt:741 — "Từ ngày 01/01/2026 đến 31/3/2026, tỷ lệ văn bản điện tử được ký số trên toàn
    # hệ thống đạt 93,65%"
    rows = [r for month in _months(date(2026, 1, 1), 3) for r in edoc.generate_month(SEED, month, SIGNERS)]
    signed, issued = sum(r["documents_signed"] for r in rows), sum(r["documents_issued"] for r in rows)
    assert _pct(signed, issued, ROUND_DOWN) == _pct(signed, issued, ROUND_HALF_UP) == Decimal("93.65")


def test_signed_documents_never_exceed_issued_ones_and_no_count_is_negative():
    for month in _months(date(2025, 7, 1), 18):
        for row in edoc.generate_month(SEED, month, SIGNERS):
            assert all(row[f] >= 0 for f in edoc.FIELDS[2:]), row
            assert row["documents_signed"] <= row["documents_issued"], row


def test_documents_are_deterministic_per_seed():
    month = date(2026, 2, 1)
    assert edoc.generate_month(3, month, SIGNERS) == edoc.generate_month(3, month, SIGNERS)
    assert edoc.generate_month(3, month, SIGNERS) != edoc.generate_month(4, month, SIGNERS)


# ---------------------------------------------------------------- over HTTP into raw


def _batches(conn, summary) -> list[tuple[date, date, int, bool]]:
    return conn.execute(
        "select period_start, period_end, row_count, is_synthetic from raw.load_batch"
        " where batch_id = any(%s::uuid[]) and status = 'loaded' order by period_start",
        (list(summary.batches),),
    ).fetchall()


def test_vneid_extraction_loads_a_batch_per_day_and_raw_gives_the_published_stocks(conn, simulator):
    summary = extract_source("vneid", date(2026, 3, 30), date(2026, 3, 31))
    earlier = extract_source("vneid", date(2025, 12, 5), date(2025, 12, 5))
    assert (summary.periods, summary.rows, earlier.rows) == (2, 2 * 124, 124)
    assert _batches(conn, summary) == [(date(2026, 3, 30), date(2026, 3, 30), 124, True),
                                       (date(2026, 3, 31), date(2026, 3, 31), 124, True)]
    stocks = conn.execute(
        "select v.report_date, sum(v.cumulative_id_card_applications), sum(v.cumulative_eid_applications),"
        "       sum(v.cumulative_activations)"
        " from raw.vneid_daily v join raw.load_batch b using (batch_id)"
        " where b.status = 'loaded' and v.report_date in ('2025-12-05', '2026-03-31')"
        " group by v.report_date order by v.report_date").fetchall()
    assert stocks == [(date(2025, 12, 5), 3_861_824, 2_775_718, 2_202_278),  # 001:804-808
                      (date(2026, 3, 31), 3_999_830, 2_891_016, 2_228_763)]  # 002:909


def test_signature_extraction_loads_a_batch_per_month_and_raw_gives_the_published_stocks(conn, simulator):
    summary = extract_source("signature", date(2025, 11, 1), date(2026, 3, 31))
    assert (summary.periods, summary.rows) == (5, 5 * 140)
    batches = _batches(conn, summary)
    assert [(b[0], b[1]) for b in batches] == [
        (date(2025, 11, 1), date(2025, 11, 30)), (date(2025, 12, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 31)), (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 31))]
    stocks = conn.execute(
        f"select c.report_month, sum({ACTIVE_SQL}), sum({ACTIVE_SQL}) filter (where c.agency_code = any(%s))"
        " from raw.signature_certificate_monthly c join raw.load_batch b using (batch_id)"
        " where b.status = 'loaded' and c.report_month in ('2025-11-01', '2026-03-01')"
        " group by c.report_month order by c.report_month", (COMMUNE_CODES,)).fetchall()
    assert stocks == [(date(2025, 11, 1), 11_453, 6_574),  # 001:738-748
                      (date(2026, 3, 1), 14_533, 9_041)]  # 002:710


def test_edoc_extraction_loads_a_batch_per_month_and_raw_gives_the_published_totals(conn, simulator):
    summary = extract_source("edoc", date(2025, 7, 1), date(2026, 3, 31))
    assert (summary.periods, summary.rows) == (9, 9 * 140)
    assert [b[2] for b in _batches(conn, summary)] == [140] * 9
    received, issued, q1_signed, q1_issued = conn.execute(
        "select sum(d.documents_received), sum(d.documents_issued),"
        "       sum(d.documents_signed) filter (where d.report_month >= '2026-01-01'),"
        "       sum(d.documents_issued) filter (where d.report_month >= '2026-01-01')"
        " from raw.edoc_document_monthly d join raw.load_batch b using (batch_id)"
        " where b.status = 'loaded' and d.report_month between '2025-07-01' and '2026-03-01'").fetchone()
    assert (received, issued) == (3_366_973, 460_138)  # 002:750
    assert _pct(q1_signed, q1_issued, ROUND_DOWN) == Decimal("93.65")  # 002:741
