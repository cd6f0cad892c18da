"""Regenerate published_figures.csv, targets.csv and published_reference_figures.csv from ../shared/reference.

Standalone script (nothing imports it), from the repository root:
python -m tools.seeds.build_reference_seeds [--reference DIR] [--seeds DIR] [--check]

* published_figures.csv and targets.csv come from indicator_observations.csv, Lâm Đồng only; every row keeps
  its document reference (file:line) and a short quote cut from that line of the source document around the
  printed value.
* published_reference_figures.csv has one row per actual (is_target = false) of the reference's
  published_figures.csv, linked to the published_figures.csv row that states the same figure (rules in
  `_link`). An in-scope actual that no observation states is appended to published_figures.csv under its
  reference id (ADDED_FIGURES); an out-of-scope one says why it is out of scope.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tools.seeds.seedfile import REFERENCE, SEEDS, reference_dir, render, repo_path, write_or_check

#: What the reference folder must hold (the source documents lie beside it, for the quotes).
NEEDS = ("indicator_observations.csv", "published_figures.csv", "../source-documents")

FIGURE_COLUMNS = ["figure_id", "indicator_code", "value", "value_raw", "comparator", "unit", "scope_level",
                  "agency_name", "dimension", "period_type", "period_start", "period_end", "period_label_vi",
                  "source_ref", "quote", "note"]
TARGET_COLUMNS = ["target_id", "plan", "indicator_code", "target_year", "comparator", "value", "unit",
                  "scope_level", "dimension", "source_ref", "quote", "note"]
REFERENCE_COLUMNS = ["reference_figure_id", "family", "is_in_scope", "reference_indicator", "figure_id", "value",
                     "unit", "scope_level", "period_start", "period_end", "source_ref", "quote",
                     "out_of_scope_reason", "match_note"]
PLANS = {"003": "08-KH/TU"}
LEVELS = {"all": "province_total", "province_level": "province", "commune_level": "commune",
          "central_level": "central"}
# the reference's published_figures.csv names levels differently from indicator_observations.csv
REFERENCE_LEVELS = {"province_total": "province_total", "province": "province", "commune": "commune",
                    "national": "central"}

# figure_id prefix -> (family, why it is out of scope; empty = in scope: TTHC, online services, signatures, VNeID)
FAMILIES = {
    "tthc_": ("tthc", ""),
    "dvctt_": ("dvc", ""),
    "dvc_": ("dvc", ""),
    "sig_": ("signature", ""),
    "vneid_": ("vneid", ""),
    "cccd_": ("vneid", ""),
    "it_": ("it", "Ngoài phạm vi: nhân lực CNTT / Out of scope: IT staffing"),
    "lgsp_": ("lgsp", "Ngoài phạm vi: nền tảng tích hợp, chia sẻ dữ liệu LGSP / "
                      "Out of scope: LGSP data-sharing platform"),
    "idx766_": ("idx766", "Ngoài phạm vi: Bộ chỉ số phục vụ người dân, doanh nghiệp (QĐ 766/QĐ-TTg) / "
                          "Out of scope: citizen and business service index (Decision 766)"),
    "edoc_": ("edoc", "Ngoài phạm vi: văn bản điện tử / Out of scope: electronic documents"),
    "opendata_": ("opendata", "Ngoài phạm vi: dữ liệu mở / Out of scope: open data"),
    "datawarehouse_": ("datawarehouse", "Ngoài phạm vi: kho dữ liệu dùng chung / Out of scope: shared data warehouse"),
    "lltp_": ("lltp", "Ngoài phạm vi: lý lịch tư pháp, tổng hồ sơ mọi kênh / "
                      "Out of scope: criminal-record certificates, all channels"),
}

# reference indicator name -> catalogue codes (seeds/indicators.csv) that mean the same thing. A link needs the
# seed row's code among them; an added row takes the first. Empty: no catalogue code (out-of-scope rows only).
REFERENCE_CODES: dict[str, tuple[str, ...]] = {
    # TTHC and dossiers
    "tthc_count": ("tthc_count",),
    "tthc_on_national_portal": ("tthc_count",),
    "tthc_direct_only": ("tthc_in_person_only_count",),
    "direct_only_tthc_share_pct": ("tthc_in_person_only_share",),
    "dossiers_received": ("dossier_received_count", "essential_dvc_dossier_received_count"),
    "dossiers_online": ("dossier_online_count", "essential_dvc_dossier_online_count"),
    "dossiers_direct_other": ("dossier_direct_other_count",),
    "dossiers_full_online": ("dossier_online_full_process_count",),
    "dossiers_resolved": ("dossier_resolved_count",),
    "dossiers_on_time": ("dossier_resolved_ontime_count",),
    "dossiers_overdue": ("dossier_resolved_overdue_count",),
    "online_dossier_rate_pct": ("dossier_online_rate", "essential_dvc_online_rate"),
    "online_public_service_dossier_rate_pct": ("dossier_online_rate",),
    "full_online_dossier_rate_pct": ("dossier_online_full_process_rate",),
    "on_time_rate_pct": ("dossier_ontime_rate",),
    "overdue_rate_pct": ("dossier_overdue_rate",),
    "overdue_dossiers_apologised_pct": ("dossier_overdue_apology_rate",),
    "tthc_cross_boundary_listed_pct": ("tthc_location_independent_rate",),
    "tthc_offered_online_pct": ("tthc_online_offered_rate",),
    "tthc_via_one_stop_shop_pct": ("tthc_one_stop_rate",),
    "internal_tthc_simplified_pct": ("tthc_internal_simplified_rate",),
    "internal_tthc_managed_electronically_pct": ("tthc_internal_electronic_rate",),
    "internal_tthc_simplification_decisions": ("tthc_internal_simplification_decision_count",),
    "tthc_independently_reviewed": ("tthc_reform_actions_count",),
    "tthc_dossier_components_amendment_proposed": ("tthc_reform_actions_count",),
    "tthc_processing_time_cut_proposed": ("tthc_reform_actions_count",),
    "tthc_delegated": ("tthc_reform_actions_count",),
    "internal_tthc_amendment_proposed": ("tthc_reform_actions_count",),
    "internal_tthc_amended_or_time_cut": ("tthc_reform_actions_count",),
    "internal_tthc_abolition_approved": ("tthc_reform_actions_count",),
    "legal_documents_with_new_tthc_rules": ("tthc_legal_doc_replaced_count",),
    "commune_public_admin_service_centres": ("commune_service_centre_count",),
    "commune_service_centre_dedicated_staff": ("one_stop_centre_staff_count",),
    "tthc_with_fees_online_payment_pct": ("tthc_fin_obligation_online_payment_rate",),
    "tthc_online_payment_with_transactions_pct": ("tthc_online_payment_active_rate",),
    "online_payment_transactions": ("online_payment_transaction_count",),
    "online_payment_rate_pct": ("online_payment_rate",),
    "digitised_data_reuse_rate_pct": ("data_reuse_rate",),
    "tthc_dossier_digitisation_rate_pct": ("dossier_digitized_rate",),
    "electronic_result_issuance_rate_pct": ("e_result_rate",),
    "communes_e_certification_pct": ("commune_e_certification_rate",),
    # online public services
    "full_online_public_services": ("dvctt_full_count",),
    "partial_online_public_services": ("dvctt_partial_count",),
    "full_online_tthc_share_pct": ("dvctt_full_share",),
    "partial_online_tthc_share_pct": ("dvctt_partial_share",),
    "full_online_public_services_rate_pct": ("dvctt_full_rate_of_eligible",),
    # "100% TTHC đủ điều kiện được cung cấp trực tuyến": the catalogue files 000:10 and 000:151 under this rate
    "eligible_tthc_offered_online_pct": ("dvctt_full_rate_of_eligible",),
    "eligible_tthc_published_on_national_portal_pct": ("dvctt_full_rate_of_eligible",),
    "essential_public_services_count": ("essential_dvc_count",),
    "interconnected_public_services_count": ("interlinked_dvc_count",),
    "interconnected_service_dossiers": ("interlinked_dvc_dossier_count",),
    "interconnected_service_dossiers_completed": ("interlinked_dvc_returned_count",),
    "interconnected_service_completion_rate_pct": ("interlinked_dvc_return_rate",),
    # digital signatures
    "signature_certificates_total": ("ds_cert_count",),
    "signature_certificates_organisation": ("ds_cert_org_count",),
    "signature_certificates_individual": ("ds_cert_personal_count",),
    "signature_tokens": ("ds_token_count",),
    "signature_sim_pki": ("ds_sim_pki_count",),
    "remote_signing_accounts": ("ds_remote_signing_account_count",),
    "signature_certificate_info_changes": ("ds_cert_change_count",),
    "signature_password_resets": ("ds_password_reset_count",),
    "tthc_officials_with_digital_signature_pct": ("ds_staff_equipped_rate",),
    "agencies_using_digital_signature_pct": ("ds_agency_coverage_rate",),
    "units_issued_etoken_pct": ("ds_etoken_unit_coverage_rate",),
    # VNeID, ID cards and Đề án 06
    "id_card_applications": ("id_card_application_count",),
    "id_card_applications_new_law_card": ("id_card_application_count",),
    "vneid_account_applications": ("eid_application_count",),
    "vneid_accounts_activated": ("eid_activated_count",),
    "vneid_activation_rate_pct": ("eid_activation_rate",),
    "organisations_registered_e_id": ("org_eid_registered_count",),
    "organisations_eligible_e_id": ("org_eid_eligible_count",),
    "organisation_e_id_registration_rate_pct": ("org_eid_registration_rate",),
    "health_insurance_lookups_by_id_card": ("chip_id_health_lookup_count",),
    "health_insurance_lookups_by_id_card_or_vneid": ("chip_id_health_lookup_count",),
    "health_insurance_lookups_successful": ("chip_id_health_lookup_success_count",),
    "health_insurance_lookup_success_rate_pct": ("chip_id_health_lookup_success_rate",),
    "health_facilities_vneid_residence_notification": ("vneid_stay_notification_facility_count",),
    "criminal_record_applications_via_vneid": ("criminal_record_vneid_application_count",),
    "criminal_record_vneid_share_pct": ("criminal_record_vneid_rate",),
    "vehicle_declarations_for_vneid": ("vehicle_declaration_updated_count",),
    "vehicles_updated_for_vneid": ("vehicle_record_updated_count",),
    "diplomas_verified_for_vneid": ("diploma_data_verified_count",),
    "diplomas_to_verify_for_vneid": ("diploma_data_total_count",),
    "diplomas_verified_for_vneid_rate_pct": ("diploma_data_verified_rate",),
    "voter_transfers_approved_via_vneid": ("voter_transfer_vneid_count",),
    "police_officers_deployed_vneid_dvc_support": ("vneid_support_officer_count",),
    # out of scope: linked where an observation states the figure, never added
    "criminal_record_applications_total": ("criminal_record_application_count",),
    "it_staff_positions_allocated": ("itstaff_quota_count",),
    "it_staff_assigned": ("itstaff_assigned_count",),
    "it_staff_shortfall": ("itstaff_shortfall_count",),
    "communes_with_it_staff_party_bloc": ("units_with_it_staff_count",),
    "units_with_it_staff_government_bloc": ("units_with_it_staff_count",),
    "communes_with_it_staff": ("units_with_it_staff_count",),
    "departments_with_it_staff": ("units_with_it_staff_count",),
    "communes_total": ("unit_count_in_scope",),
    "units_total_government_bloc": ("unit_count_in_scope",),
    "communes_without_it_staff": ("units_without_it_staff_count",),
    "it_staff_seconded_to_communes": ("it_staff_seconded_count",),
    "commune_dx_staff": (),
    "department_dx_staff": (),
    "it_support_staff_from_telecom": (),
    "it_support_staff_requested_per_commune": (),
    "service_index_766_rank": ("index_citizen_business_service_rank",),
    "service_index_766_provinces_ranked": (),
    "units_rated_good_or_better_tthc_quality_pct": ("agencies_rated_good_or_better_rate",),
    "lgsp_connected_national_systems": ("lgsp_connected_central_system_count",),
    "lgsp_data_transactions": ("lgsp_transaction_count",),
    "signed_e_document_rate_pct": ("edoc_signed_rate",),
    "e_document_usage_rate_pct": ("edoc_usage_rate",),
    "open_data_topics": ("opendata_topic_count",),
    "open_datasets": ("opendata_dataset_count",),
    "open_data_fields": ("opendata_field_count",),
    "shared_data_warehouse_domains": ("shared_warehouse_domain_count",),
    "shared_data_warehouse_databases": ("shared_warehouse_source_count",),
}


@dataclass(frozen=True)
class Added:
    """What a published_figures.csv row needs beyond the reference row: the seed's own judgements. The agency is
    the one the observations on the same line name, else the responsible unit of the annex row (000)."""

    period_type: str                  # snapshot | period | cumulative, as the observations use them
    agency_name: str = ""
    dimension: str = ""
    label: str = ""                   # period_label_vi where the reference gives no period_label
    note: str = ""


VP, PC06, CA, KHCN = "Văn phòng UBND tỉnh", "Công an tỉnh (PC06)", "Công an tỉnh", "Sở Khoa học và Công nghệ"
REVIEW, COMPONENTS, TIME_CUT = ("action=rà soát, đánh giá độc lập", "action=sửa đổi thành phần hồ sơ",
                                "action=cắt giảm thời gian giải quyết")
# In-scope reference actuals that no observation states. The rest of each row comes from the reference:
# value, unit (the catalogue's), level, period (no start for a snapshot), quote, source; value_raw and comparator
# are read from the quote (`_printed`).
ADDED_FIGURES: dict[str, Added] = {
    "tthc_eligible_online_pct_jun2026": Added("snapshot", VP, note="Phụ lục I row 2"),
    "tthc_internal_electronic_pct_jun2026": Added("snapshot", VP, note="Phụ lục I row 4"),
    "tthc_eligible_on_dvcqg_pct_jun2026": Added(
        "snapshot", "Trung tâm Phục vụ hành chính công tỉnh", label="Phụ lục VI Cổng Dịch vụ công quốc gia",
        note="Phụ lục VI; same 100% as 000:10"),
    "sig_tthc_officials_equipped_pct_jun2026": Added(
        "snapshot", KHCN, note="Phụ lục XIII row 5; sentence continues on 000:276; same claim as obs0180 (002:710)"),
    "tthc_fee_online_payment_pct_jun2026": Added("snapshot", PC06, note="Phụ lục XIII row 7"),
    "vneid_support_police_officers_2026": Added(
        "period", CA, note="officers sent to communes ('Tôi làm Công an xã' phase 2) for Đề án 06, VNeID and "
                           "online services"),
    "dvc_essential_services_count_dec2025": Added("snapshot", label="Đến nay", note="001 is undated"),
    "dvc_lienthong_services_count_dec2025": Added("snapshot", label="Đến nay", note="001 is undated"),
    "sig_agencies_deployed_pct_dec2025": Added("snapshot", label="Đến nay", note="từ cấp tỉnh đến cấp xã"),
    "cccd_applications_cancuoc_cum_dec2025": Added(
        "cumulative", CA, dimension="card_type=căn cước",
        note="part of obs0077 (3.861.824 hồ sơ căn cước, căn cước công dân); cumulative start not stated"),
    "vneid_vehicle_declarations_oct2025": Added("cumulative", note="same figure again at 002:909"),
    "vneid_vehicles_updated_oct2025": Added("cumulative", note="same figure again at 002:909"),
    "tthc_fee_online_payment_pct_dec2025": Added("snapshot", label="Đến nay", note="repeated in 001:1296"),
    "tthc_reviewed_gt200": Added("cumulative", dimension=REVIEW, label="không nêu kỳ", note="period not stated"),
    "tthc_amend_components_2025": Added("period", dimension=COMPONENTS),
    "tthc_amend_components_province_level_2025": Added("period", dimension=COMPONENTS),
    "tthc_amend_components_commune_level_2025": Added("period", dimension=COMPONENTS),
    "tthc_time_cut_proposed_2025": Added("period", dimension=TIME_CUT),
    "tthc_time_cut_proposed_province_level_2025": Added("period", dimension=TIME_CUT),
    "tthc_time_cut_proposed_commune_level_2025": Added("period", dimension=TIME_CUT),
    "tthc_legal_docs_replaced_2025_2026": Added(
        "period", label="Từ NQ 66.7/2025/NQ-CP (15/11/2025) đến nay", note="ngành Y tế và Nông nghiệp và Môi trường"),
    "tthc_online_2025_sec2": Added(
        "period", note="same figure as obs0135 (002:776, 6 tháng cuối năm 2025); 'Trong năm 2025' read as "
                       "01/7-31/12/2025"),
    "tthc_online_payment_active_pct_sec2": Added("snapshot", label="Đến thời điểm báo cáo"),
    "tthc_commune_e_certification_pct_sec2": Added("snapshot", note="same claim as obs0150 (002:790)"),
    "tthc_online_offered_pct_sec2": Added(
        "snapshot", label="Đến thời điểm báo cáo",
        note="conflicts with 002:773, where 180 of 2.205 TTHC are in person only"),
    "tthc_commune_service_centres": Added("snapshot", label="Đến thời điểm báo cáo", note="repeated at 002:822"),
    "tthc_delegated_sti_oct2025": Added(
        "period", dimension="action=ủy quyền giải quyết", label="Quyết định ủy quyền ngày 31/10/2025",
        note="TTHC of the science and technology sector (NĐ 133/2025/NĐ-CP)"),
    "sig_units_etoken_pct_apr2026": Added(
        "snapshot", label="Đến thời điểm báo cáo",
        note="BML, eToken2in1 and DC02.M19 for the secret-document system; 16 provincial agencies + 124 communes"),
    "tthc_cross_boundary_pct_apr2026": Added("snapshot", label="Đến thời điểm báo cáo", note="same claim as 002:314"),
    "tthc_internal_simplification_decisions_2025": Added("period", note="issued by the Chủ tịch UBND tỉnh"),
    "tthc_internal_proposed_2025": Added(
        "period", dimension="action=kiến nghị sửa đổi, bổ sung, bãi bỏ TTHC nội bộ",
        note="76 + 14 = 90"),
    "tthc_internal_amended_2025": Added(
        "period", dimension="action=phê duyệt phương án sửa đổi, cắt giảm thời gian TTHC nội bộ"),
    "tthc_internal_abolished_2025": Added(
        "period", dimension="action=phê duyệt phương án bãi bỏ TTHC nội bộ", note="ngành nông nghiệp và môi trường"),
    "tthc_internal_simplified_pct_2026": Added("period", note="same 30% as obs0156 (002:306, 2025)"),
    "vneid_health_facilities_stay_notice_apr2026": Added(
        "snapshot", label="Đến nay", note="385/385; same figure as obs0087 (001:828)"),
    "vneid_diplomas_verified_apr2026": Added("cumulative", CA, label="Đến nay", note="17.019/17.525"),
    "vneid_diplomas_total_apr2026": Added("cumulative", CA, label="Đến nay", note="17.019/17.525"),
    "vneid_diplomas_verified_rate_apr2026": Added(
        "cumulative", CA, label="Đến nay", note="printed 97,17% but 17.019/17.525 = 97,11%"),
    "vneid_vehicle_declarations_apr2026": Added(
        "cumulative", CA, label="Đến nay", note="identical to 001:850 (10/10/2025)"),
    "vneid_vehicles_updated_apr2026": Added(
        "cumulative", CA, label="Đến nay", note="identical to 001:852 (10/10/2025)"),
    "vneid_voter_transfers_2026": Added(
        "cumulative", CA, label="Bầu cử ĐBQH khóa XVI và HĐND các cấp", note="2026 elections"),
}
QUALIFIERS = {"trên": ">", "hơn": ">", "gần": "~", "khoảng": "~"}
PERIOD_TYPES = ("snapshot", "period", "cumulative")


def _quote(doc_dir: Path, source_file: str, line: str, value_raw: str) -> str:
    first = int(re.split(r"[-–,]", line)[0])
    text = (doc_dir / source_file).read_text(encoding="utf-8").splitlines()[first - 1]
    text = re.sub(r"<[^>]+>|\$|\\geq|\\%", lambda m: {"\\geq": "≥", "\\%": "%"}.get(m.group(0), ""), text)
    text = re.sub(r"\s+", " ", text).strip()
    at = text.find(value_raw) if value_raw else -1
    if at < 0 or len(text) <= 160:
        return text[:160]
    start = max(0, at - 80)
    return ("…" if start else "") + text[start:start + 160] + ("…" if start + 160 < len(text) else "")


def _ref(row: dict[str, str]) -> str:
    return f"{row['source_file'][:3]}:{row['source_line']}"


#: The date each source document reports at (its signature date). A figure "đến nay" (until now) cannot end after
#: the report that states it: the observations date 001's "đến nay" at 31/12/2025 although 001 is dated 05/12/2025
#: (001:1, as the reference's published_figures.csv reads it); such an end is moved back to the report date.
REPORT_DATES = {"000": "2026-06-19", "001": "2025-12-05", "002": "2026-04-16"}


def _report_dated(row: dict[str, str]) -> tuple[str, str]:
    """(period_end, note): the observation's end, moved back to its document's date when it lies after it."""
    report_date = REPORT_DATES.get(row["source_file"][:3])
    end = row["period_end"]
    if report_date and end and end > report_date:
        note = f"period_end {end} moved to the report date {report_date}"
        return report_date, "; ".join(x for x in (row["note"], note) if x)
    return end, row["note"]


def _observations(reference: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    doc_dir = reference.parent / "source-documents"
    with (reference / "indicator_observations.csv").open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["province"] == "Lâm Đồng"]
    figures, targets = [], []
    for r in rows:
        quote = _quote(doc_dir, r["source_file"], r["source_line"], r["value_raw"])
        if r["period_type"] == "target":
            targets.append({
                "target_id": r["obs_id"], "plan": PLANS.get(r["source_file"][:3], r["source_file"][:3]),
                "indicator_code": r["indicator_code"], "target_year": r["period_end"][:4],
                "comparator": r["comparator"] or "=", "value": r["value"], "unit": r["unit"],
                "scope_level": LEVELS[r["level"]], "dimension": r["dimension"], "source_ref": _ref(r),
                "quote": quote, "note": r["note"]})
        else:
            period_end, note = _report_dated(r)
            figures.append({
                "figure_id": r["obs_id"], "indicator_code": r["indicator_code"], "value": r["value"],
                "value_raw": r["value_raw"], "comparator": r["comparator"], "unit": r["unit"],
                "scope_level": LEVELS[r["level"]], "agency_name": r["agency"], "dimension": r["dimension"],
                "period_type": r["period_type"], "period_start": r["period_start"], "period_end": period_end,
                "period_label_vi": r["period_label_vi"], "source_ref": _ref(r), "quote": quote, "note": note})
    return figures, targets


# ---------- linking the reference's published figures to the seed

def _lines(source_ref: str) -> tuple[str, set[int]]:
    """'000:108-112' -> ('000', {108, …, 112})."""
    prefix, _, spec = source_ref.partition(":")
    lines: set[int] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        lines.update(range(int(first), int(last or first) + 1))
    return prefix, lines


def _number(text: str) -> Decimal | None:
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _family(figure_id: str) -> tuple[str, str]:
    for prefix, family_and_reason in FAMILIES.items():
        if figure_id.startswith(prefix):
            return family_and_reason
    raise ValueError(f"reference figure {figure_id}: no family for its prefix; expected one of {list(FAMILIES)}")


def _same_place_and_value(ref: dict[str, str], figures: list[dict[str, str]]) -> list[dict[str, str]]:
    """Seed rows citing the reference's file and a line range that holds its line, with the same value."""
    prefix, lines = _lines(_ref(ref))
    value = _number(ref["value"])
    return [f for f in figures
            if _number(f["value"]) == value and _lines(f["source_ref"])[0] == prefix
            and _lines(f["source_ref"])[1] & lines]


def _period(row: dict[str, str]) -> tuple[str, str]:
    """A window that starts and ends on one day is a point in time: compare it as the seed's snapshots are."""
    start, end = row["period_start"], row["period_end"]
    return ("" if start == end else start), end


def _link(ref: dict[str, str], figures: list[dict[str, str]]) -> tuple[dict[str, str] | None, str]:
    """The seed row stating the same figure: same file and line (or a seed range holding it), the same value, a
    catalogue code that means the reference's indicator; among several, the same level, then the same period."""
    level = REFERENCE_LEVELS[ref["scope_level"]]
    found = [f for f in _same_place_and_value(ref, figures) if f["indicator_code"] in REFERENCE_CODES[ref["indicator"]]]
    tie_break = ""
    for rule, same in (("level", lambda f: f["scope_level"] == level),
                       ("period", lambda f: _period(f) == _period(ref))):
        if len(found) > 1:
            tie_break = f"; chosen by {rule} among {', '.join(f['figure_id'] for f in found)}"
            found = [f for f in found if same(f)] or found
    if len(found) > 1:
        raise ValueError(f"reference figure {ref['figure_id']} ({_ref(ref)}) matches several seed rows "
                         f"{[f['figure_id'] for f in found]}; expected one")
    if not found:
        return None, ""
    figure = found[0]
    diffs = [f"seed cites {figure['source_ref']}"] if figure["source_ref"] != _ref(ref) else []
    if figure["scope_level"] != level:
        diffs.append(f"level seed {figure['scope_level']}, reference {ref['scope_level']}")
    if _period(figure) != _period(ref):
        diffs.append("period seed {}–{}, reference {}–{}".format(*_period(figure), *_period(ref)))
    note = (f"same line, value and indicator ({ref['indicator']} = {figure['indicator_code']})"
            + "".join(f"; {d}" for d in diffs) + tie_break)
    return figure, note


def _printed(value: str, unit: str, quote: str) -> tuple[str, str]:
    """The value as the quote prints it ('hơn 200', '97,17%', '09') and the comparator its qualifier implies."""
    whole, _, fraction = f"{Decimal(value):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    number = f"0*(?:{re.escape(grouped)}|{whole})" + (rf"[.,]{fraction.rstrip('0')}0*" if fraction.strip("0") else "")
    percent = r"\s*%" if unit == "percent" else ""
    found = re.search(rf"(?:\b({'|'.join(QUALIFIERS)})\s+)?(?<![\d.,]){number}(?![\d]|[.,]\d){percent}", quote)
    if not found:
        raise ValueError(f"value {value} ({unit}) is not printed in the quote {quote!r}")
    return found.group(0), QUALIFIERS.get(found.group(1) or "", "=")


def _added_figure(ref: dict[str, str], spec: Added, units: dict[str, str]) -> dict[str, str]:
    code = (REFERENCE_CODES[ref["indicator"]] or ("",))[0]
    if code not in units or spec.period_type not in PERIOD_TYPES:
        raise ValueError(f"ADDED_FIGURES[{ref['figure_id']!r}]: needs a seeds/indicators.csv code for "
                         f"{ref['indicator']!r} in REFERENCE_CODES (has {code!r}) and a period_type in "
                         f"{PERIOD_TYPES} (has {spec.period_type!r})")
    value_raw, comparator = _printed(ref["value"], ref["unit"], ref["quote"])
    label = ref["period_label"] or spec.label
    if bool(ref["period_label"]) == bool(spec.label):
        raise ValueError(f"ADDED_FIGURES[{ref['figure_id']!r}]: give a label exactly when the reference has no "
                         f"period_label (it has {ref['period_label']!r})")
    return {
        "figure_id": ref["figure_id"], "indicator_code": code, "value": ref["value"], "value_raw": value_raw,
        "comparator": comparator, "unit": units[code], "scope_level": REFERENCE_LEVELS[ref["scope_level"]],
        "agency_name": spec.agency_name, "dimension": spec.dimension, "period_type": spec.period_type,
        "period_start": "" if spec.period_type == "snapshot" else ref["period_start"],
        "period_end": ref["period_end"], "period_label_vi": label, "source_ref": _ref(ref), "quote": ref["quote"],
        "note": f"from reference published_figures.csv {ref['figure_id']}" + (f"; {spec.note}" if spec.note else "")}


def _link_all(actuals: list[dict[str, str]], figures: list[dict[str, str]],
              units: dict[str, str]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """One reference row per actual, and the seed rows added for in-scope actuals that no observation states."""
    rows, added = [], []
    for ref in actuals:
        family, reason = _family(ref["figure_id"])
        figure, note = _link(ref, figures)
        spec = ADDED_FIGURES.get(ref["figure_id"])
        if figure and spec:
            raise ValueError(f"ADDED_FIGURES[{ref['figure_id']!r}]: {figure['figure_id']} already states it")
        if not figure and not reason:
            if not spec:
                raise ValueError(f"in-scope reference figure {ref['figure_id']} ({_ref(ref)}) has no seed row; "
                                 "add it to ADDED_FIGURES")
            figure = _added_figure(ref, spec, units)
            added.append(figure)
            note = f"added to published_figures.csv: no observation states it at {_ref(ref)}"
            others = [f"{f['figure_id']} {f['indicator_code']}" for f in _same_place_and_value(ref, figures)]
            note += f" (same value there but another figure: {', '.join(others)})" if others else ""
        elif not figure:
            note = f"out of scope; no published_figures.csv row states it at {_ref(ref)}"
        rows.append({
            "reference_figure_id": ref["figure_id"], "family": family, "is_in_scope": str(not reason).lower(),
            "reference_indicator": ref["indicator"], "figure_id": figure["figure_id"] if figure else "",
            "value": ref["value"], "unit": ref["unit"], "scope_level": ref["scope_level"],
            "period_start": ref["period_start"], "period_end": ref["period_end"], "source_ref": _ref(ref),
            "quote": ref["quote"], "out_of_scope_reason": reason, "match_note": note})
    return rows, added


def _validate_inputs(actuals: list[dict[str, str]]) -> None:
    unknown = sorted({r["indicator"] for r in actuals} - set(REFERENCE_CODES))
    if unknown:
        raise ValueError(f"reference indicators missing from REFERENCE_CODES: {unknown}")
    stale = sorted(set(ADDED_FIGURES) - {r["figure_id"] for r in actuals})
    if stale:
        raise ValueError(f"ADDED_FIGURES names figures that are not reference actuals: {stale}")


def _validate(rows: list[dict[str, str]], figures: list[dict[str, str]], units: dict[str, str]) -> None:
    codes = {c for cs in REFERENCE_CODES.values() for c in cs} | {f["indicator_code"] for f in figures}
    if codes - set(units):
        raise ValueError(f"indicator codes not in seeds/indicators.csv: {sorted(codes - set(units))}")
    twice = [f for f, n in Counter(r["figure_id"] for r in rows if r["figure_id"]).items() if n > 1]
    if twice:
        raise ValueError(f"seed rows linked by more than one reference figure: {twice}")
    ids = [f["figure_id"] for f in figures]
    if len(ids) != len(set(ids)):
        raise ValueError("figure_id is not unique in published_figures.csv")


def build(reference: Path, seeds: Path) -> tuple[list[dict[str, str]], list[dict[str, str]], list[dict[str, str]]]:
    """published_figures, targets and published_reference_figures rows from ``reference`` and the indicators seed."""
    figures, targets = _observations(reference)
    with (seeds / "indicators.csv").open(encoding="utf-8", newline="") as fh:
        units = {r["indicator_code"]: r["unit"] for r in csv.DictReader(fh)}
    with (reference / "published_figures.csv").open(encoding="utf-8", newline="") as fh:
        actuals = [r for r in csv.DictReader(fh) if r["is_target"] == "false"]
    _validate_inputs(actuals)
    rows, added = _link_all(actuals, figures, units)
    figures += added
    _validate(rows, figures, units)
    return figures, targets, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference", type=Path, default=REFERENCE, help="default: ../shared/reference")
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="the seed folder (default: seeds/ of the repository)")
    parser.add_argument("--check", action="store_true", help="exit 1 naming the first seed row that differs")
    args = parser.parse_args()
    seeds = repo_path(args.seeds)
    figures, targets, reference_rows = build(reference_dir(args.reference, NEEDS), seeds)
    outputs = {seeds / "published_figures.csv": render(figures, FIGURE_COLUMNS),
               seeds / "targets.csv": render(targets, TARGET_COLUMNS),
               seeds / "published_reference_figures.csv": render(reference_rows, REFERENCE_COLUMNS)}
    failed = 0
    for path, text in outputs.items():
        failed |= write_or_check(path, text, args.check)
        if failed:
            return failed  # the first differing seed is enough to act on
    return failed


if __name__ == "__main__":
    sys.exit(main())
