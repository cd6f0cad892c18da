#!/usr/bin/env python3
"""Regenerate ``seeds/indicators.csv`` from the reference indicator catalogue.

Standalone generator; nothing imports it. Standard library only::

    python3 -m tools.seeds.build_indicators               # from the repository root: writes seeds/indicators.csv
    python3 -m tools.seeds.build_indicators --check       # compare only; exit 1 naming the first differing row
    python3 -m tools.seeds.build_indicators --reference DIR   # another copy of ../shared/reference

Rules (see seeds/README.md):
* copied from the reference: indicator_code, name_vi, name_en, unit, kind, numerator_code,
  denominator_code, domain, definition_vi; aggregation_note = the reference's prose
  ``aggregation`` text; source_ref = ``<3-digit file prefix>:<source_line>``.
* aggregation (controlled): target/index -> none; rate -> ratio when both numerator_code and
  denominator_code are set, otherwise none (cannot be recomputed); count -> sum when the
  reference says ``sum``, snapshot when it says ``latest``, none for ``avg``;
  overrides in AGGREGATION_OVERRIDES.
* owner_agency_code: by domain (OWNER_BY_DOMAIN), then per-indicator OWNER_OVERRIDES.
* rows the pipeline needs but the reference lacks are appended (EXTRA_ROWS, source_ref=derived).
* indicators of published figures the reference catalogue lacks (FIGURE_INDICATORS, catalogue-shaped, with the
  document line as source_ref) go through the same rules as the reference rows.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from tools.seeds.seedfile import REFERENCE, SEEDS, reference_dir, render as render_seed, repo_path, write_or_check

CATALOGUE = 'indicator_catalogue.csv'
VALID_FROM = '2025-07-01'
COLUMNS = [
    'indicator_code', 'name_vi', 'name_en', 'unit', 'kind', 'numerator_code', 'denominator_code',
    'aggregation', 'aggregation_note', 'owner_agency_code', 'domain', 'definition_vi', 'source_ref', 'valid_from',
]
AGGREGATIONS = {'sum', 'snapshot', 'ratio', 'none'}

# Reference prose says "sum" but the figure is a stock of issued accounts ("đã có 19.915 tài khoản").
AGGREGATION_OVERRIDES = {'official_email_account_count': 'snapshot'}

OWNER_BY_DOMAIN = {
    'tthc': 'ld_vp_ubnd',
    'dvctt': 'ld_vp_ubnd',
    'dossier': 'ld_vp_ubnd',
    'payment': 'ld_vp_ubnd',
    'digitization': 'ld_vp_ubnd',       # Phụ lục I rows 4-6 (000): Văn phòng UBND tỉnh
    'index': 'ld_vp_ubnd',
    'eid_vneid': 'ld_congan_tinh',      # Phụ lục XIII rows 7, 10 (000:278, 284): Công an tỉnh (PC06)
    'de_an_06': 'ld_congan_tinh',
    'digital_signature': 'ld_so_khcn',  # 002:710
    'e_document': 'ld_so_khcn',         # Phụ lục XIII row 5 (000:273): QLVB, Sở KH&CN
    'open_data': 'ld_so_khcn',
    'lgsp_integration': 'ld_so_khcn',
    'infrastructure': 'ld_so_khcn',
    'security': 'ld_so_khcn',
    'it_staff': 'ld_so_khcn',           # Phụ lục I row 8 (000): nhân lực CĐS, Sở KH&CN
    'governance': 'ld_so_khcn',         # NQ57 tracking / BCĐ reporting, Sở KH&CN (001:2419-2423; 002:1562)
    'society': 'ld_so_khcn',            # Phụ lục XIII row 6 (000:277)
    'reference': 'ld_so_nv',            # administrative units and organisation
}
OWNER_OVERRIDES = {
    'archive_pages_digitized_count': 'ld_so_nv',          # 002:295 Sở Nội vụ (archives)
    'commune_e_certification_rate': 'ld_so_tp',           # chứng thực = Sở Tư pháp's field
    'commune_e_certification_count': 'ld_so_tp',
    'index_par': 'ld_so_nv',                              # 002:304 Sở Nội vụ (CCHC index)
    'index_sipas': 'ld_so_nv',
    'index_dti_province': 'ld_so_khcn',
    'tgt_index_dti_province': 'ld_so_khcn',
    'land_data_digitized_commune_count': 'ld_so_nnmt',   # land data, Sở NN&MT
    'ioc_subsystem_count': 'ld_vp_ubnd',                 # IOC chủ trì VP UBND (001:3031-3037; 000 Phụ lục I row 14)
    'stic_dx_budget_share': 'ld_so_tc',                  # budget allocation, Sở Tài chính (001:2384-2401)
    'tgt_assigned_tasks_tracked_rate': 'ld_vp_ubnd',     # 004:789 responsible body: Văn phòng UBND tỉnh
    'tgt_e_governance_agency_rate': 'ld_vp_ubnd',
}

SUM_NOTE = ('sum (flow: additive across agencies, levels and months; cumulative "lũy kế" = '
            'sum of periods from the stated start date)')
EXTRA_ROWS = [
    {
        'indicator_code': 'dossier_resolved_early_count',
        'name_vi': 'Số hồ sơ giải quyết trước hạn',
        'name_en': 'Dossiers resolved before the deadline',
        'unit': 'count', 'kind': 'count', 'numerator_code': '', 'denominator_code': '',
        'aggregation': 'sum', 'aggregation_note': SUM_NOTE,
        'owner_agency_code': 'ld_vp_ubnd', 'domain': 'dossier',
        'definition_vi': ('[derived — bổ sung, không có trong tài liệu] Số hồ sơ TTHC đã giải quyết trước thời hạn '
                          'quy định; dossier_resolved_ontime_count = dossier_resolved_early_count + '
                          'dossier_resolved_on_deadline_count (tài liệu chỉ nêu gộp "trước hạn và đúng hạn", '
                          '002:775-776).'),
        'source_ref': 'derived', 'valid_from': VALID_FROM,
    },
    {
        'indicator_code': 'dossier_resolved_on_deadline_count',
        'name_vi': 'Số hồ sơ giải quyết đúng hạn',
        'name_en': 'Dossiers resolved exactly on the deadline',
        'unit': 'count', 'kind': 'count', 'numerator_code': '', 'denominator_code': '',
        'aggregation': 'sum', 'aggregation_note': SUM_NOTE,
        'owner_agency_code': 'ld_vp_ubnd', 'domain': 'dossier',
        'definition_vi': ('[derived — bổ sung, không có trong tài liệu] Số hồ sơ TTHC đã giải quyết đúng thời hạn '
                          'quy định (không tính hồ sơ trước hạn); dossier_resolved_ontime_count = '
                          'dossier_resolved_early_count + dossier_resolved_on_deadline_count.'),
        'source_ref': 'derived', 'valid_from': VALID_FROM,
    },
]
#: what the dossier records add to the catalogue (tthc_dossier.state): the backlog's age, processing days and the
#: digitisation of results, which no daily total can give
RECORD_ROWS = [
    {
        'indicator_code': 'dossier_overdue_pending_count',
        'name_vi': 'Số hồ sơ đang giải quyết đã quá hạn (tồn quá hạn)',
        'name_en': 'Dossiers still in process past their deadline at period end',
        'unit': 'count', 'kind': 'count', 'numerator_code': '', 'denominator_code': '',
        'aggregation': 'snapshot',
        'aggregation_note': ('latest (stock/snapshot: take value at period end; may sum across agencies/levels at the'
                             ' same snapshot date; never sum across periods)'),
        'owner_agency_code': 'ld_vp_ubnd', 'domain': 'dossier',
        'definition_vi': ('[derived — tính từ từng hồ sơ] Số hồ sơ tiếp nhận đến cuối kỳ, chưa giải quyết, trả lại '
                          'hay rút tại cuối kỳ và có hạn trả kết quả trước cuối kỳ (mart_tthc_dossier_agency_month).'),
        'source_ref': 'derived', 'valid_from': VALID_FROM,
    },
    {
        'indicator_code': 'dossier_processing_days_median',
        'name_vi': 'Trung vị số ngày giải quyết hồ sơ',
        'name_en': 'Median processing days of resolved dossiers',
        'unit': 'days', 'kind': 'measure', 'numerator_code': '', 'denominator_code': '',
        'aggregation': 'none',
        'aggregation_note': 'none (a median: recomputed from the dossiers of the scope and period, never combined)',
        'owner_agency_code': 'ld_vp_ubnd', 'domain': 'dossier',
        'definition_vi': ('[derived — tính từ từng hồ sơ] Trung vị của (thời điểm giải quyết trừ thời điểm tiếp nhận), '
                          'tính bằng ngày, của các hồ sơ giải quyết trong kỳ.'),
        'source_ref': 'derived', 'valid_from': VALID_FROM,
    },
    {
        'indicator_code': 'dossier_processing_days_p90',
        'name_vi': 'Phân vị 90 số ngày giải quyết hồ sơ',
        'name_en': '90th percentile of processing days of resolved dossiers',
        'unit': 'days', 'kind': 'measure', 'numerator_code': '', 'denominator_code': '',
        'aggregation': 'none',
        'aggregation_note': 'none (a percentile: recomputed from the dossiers of the scope and period, never combined)',
        'owner_agency_code': 'ld_vp_ubnd', 'domain': 'dossier',
        'definition_vi': ('[derived — tính từ từng hồ sơ] Phân vị 90 của (thời điểm giải quyết trừ thời điểm tiếp '
                          'nhận), tính bằng ngày, của các hồ sơ giải quyết trong kỳ.'),
        'source_ref': 'derived', 'valid_from': VALID_FROM,
    },
    {
        'indicator_code': 'dossier_result_digitized_count',
        'name_vi': 'Số kết quả giải quyết TTHC được số hóa',
        'name_en': 'Procedure results digitised',
        'unit': 'count', 'kind': 'count', 'numerator_code': '', 'denominator_code': '',
        'aggregation': 'sum', 'aggregation_note': SUM_NOTE,
        'owner_agency_code': 'ld_vp_ubnd', 'domain': 'digitization',
        'definition_vi': '[derived — tính từ từng hồ sơ] Số hồ sơ giải quyết trong kỳ có kết quả được số hóa.',
        'source_ref': 'derived', 'valid_from': VALID_FROM,
    },
    {
        'indicator_code': 'dossier_result_digitized_rate',
        'name_vi': 'Tỷ lệ kết quả giải quyết TTHC được số hóa',
        'name_en': 'Share of procedure results digitised',
        'unit': 'percent', 'kind': 'rate', 'numerator_code': 'dossier_result_digitized_count',
        'denominator_code': 'dossier_resolved_count', 'aggregation': 'ratio',
        'aggregation_note': ('recompute_from_counts (sum numerator and denominator first, then divide; never average'
                             ' percentages)'),
        'owner_agency_code': 'ld_vp_ubnd', 'domain': 'digitization',
        'definition_vi': ('[derived — tính từ từng hồ sơ] Số kết quả được số hóa / số hồ sơ đã giải quyết trong kỳ '
                          '(nhóm Số hóa hồ sơ của Bộ chỉ số 766).'),
        'source_ref': 'derived', 'valid_from': VALID_FROM,
    },
]
LATEST_NOTE = ('latest (stock/snapshot: take value at period end; may sum across agencies/levels at the same '
               'snapshot date; never sum across periods)')
RATIO_NOTE = 'recompute_from_counts (sum numerator and denominator first, then divide; never average percentages)'


def _indicator(code: str, name_vi: str, name_en: str, unit: str, kind: str, aggregation: str, domain: str,
               source_ref: str, definition_vi: str, numerator_code: str = '', denominator_code: str = '') -> dict:
    """A row shaped like the reference catalogue's, for FIGURE_INDICATORS."""
    return {'indicator_code': code, 'name_vi': name_vi, 'name_en': name_en, 'unit': unit, 'kind': kind,
            'numerator_code': numerator_code, 'denominator_code': denominator_code, 'aggregation': aggregation,
            'domain': domain, 'definition_vi': definition_vi, 'source_ref': source_ref}


# Indicators of figures in the reference's published_figures.csv (TTHC, online services, signatures, VNeID) that
# no catalogue code means; tools/seeds/build_reference_seeds.py maps those figures to them.
FIGURE_INDICATORS = [
    _indicator('tthc_internal_electronic_rate',
               'Tỷ lệ TTHC nội bộ được công bố, theo dõi, quản lý trên môi trường điện tử',
               'Share of internal (inter-agency) procedures published and tracked electronically',
               'percent', 'rate', RATIO_NOTE, 'tthc', '000:12',
               '100% TTHC nội bộ giữa các cơ quan hành chính nhà nước được công bố và theo dõi, quản lý trên môi '
               'trường điện tử (Phụ lục I mục 4); tài liệu không nêu số đếm tử số.',
               denominator_code='tthc_internal_count'),
    _indicator('tthc_online_offered_rate', 'Tỷ lệ TTHC được cung cấp dịch vụ công trực tuyến',
               'Share of procedures offered as online public services (full or partial)',
               'percent', 'rate', RATIO_NOTE, 'dvctt', '002:314',
               '100% TTHC trên địa bàn tỉnh được cung cấp dịch vụ công trực tuyến; tử số = DVCTT toàn trình + một '
               'phần (không có mã riêng). Mâu thuẫn với 002:773 (180/2.205 TTHC chỉ thực hiện trực tiếp).',
               denominator_code='tthc_count'),
    _indicator('tthc_online_payment_active_rate',
               'Tỷ lệ TTHC triển khai thanh toán trực tuyến có phát sinh giao dịch trực tuyến',
               'Share of procedures offering online payment that had online payment transactions',
               'percent', 'rate', RATIO_NOTE, 'payment', '002:310',
               '100% TTHC triển khai thanh toán trực tuyến đều phát sinh giao dịch trực tuyến; tài liệu không nêu '
               'số đếm.'),
    _indicator('tthc_internal_simplification_decision_count',
               'Số quyết định phê duyệt phương án đơn giản hóa TTHC nội bộ',
               'Decisions approving simplification plans for internal procedures',
               'count', 'count', SUM_NOTE, 'tthc', '002:804',
               'Năm 2025 Chủ tịch UBND tỉnh ban hành 03 Quyết định phê duyệt phương án đơn giản hóa TTHC nội bộ.'),
    _indicator('tthc_legal_doc_replaced_count',
               'Số văn bản QPPL mới có quy định TTHC ban hành thay thế văn bản cũ (đơn giản hóa TTHC dựa trên dữ liệu)',
               'New legal documents with procedure rules replacing old ones (data-based simplification)',
               'count', 'count', SUM_NOTE, 'tthc', '002:307',
               'Thực hiện NQ 66.7/2025/NQ-CP ngày 15/11/2025, tỉnh đã ban hành 02 văn bản QPPL (ngành Y tế và Nông '
               'nghiệp và Môi trường) mới có quy định TTHC thay thế các văn bản QPPL cũ.'),
    _indicator('commune_service_centre_count', 'Số Trung tâm Phục vụ hành chính công cấp xã',
               'Commune-level public administrative service centres',
               'count', 'count', LATEST_NOTE, 'tthc', '002:317',
               'Đã thành lập 124 Trung tâm Phục vụ hành chính công xã, phường, đặc khu.'),
    _indicator('essential_dvc_count', 'Số dịch vụ công thiết yếu', 'Essential public services',
               'count', 'count', LATEST_NOTE, 'dvctt', '001:706',
               'Số dịch vụ công thiết yếu được theo dõi kết quả thực hiện (11 dịch vụ công thiết yếu).'),
    _indicator('interlinked_dvc_count', 'Số dịch vụ công liên thông', 'Interlinked public services',
               'count', 'count', LATEST_NOTE, 'dvctt', '001:710',
               'Số dịch vụ công liên thông được theo dõi kết quả thực hiện (02 dịch vụ công liên thông).'),
    _indicator('ds_etoken_unit_coverage_rate',
               'Tỷ lệ đơn vị được cấp thiết bị BML, eToken2in1 và thiết bị lưu trữ chuyên dụng',
               'Share of units issued BML, eToken2in1 and dedicated storage devices (secret-document system)',
               'percent', 'rate', RATIO_NOTE, 'digital_signature', '002:719',
               '100% các đơn vị (16 cơ quan cấp tỉnh và 124 xã, phường, đặc khu) được cấp thiết bị BML, eToken2in1 '
               'và thiết bị lưu trữ chuyên dụng DC02.M19 cho Hệ thống quản lý văn bản mật; không nêu số đếm.'),
    _indicator('vneid_support_officer_count',
               'Số cán bộ, chiến sĩ Công an tăng cường về cơ sở hỗ trợ người dân (Đề án 06, VNeID, DVCTT)',
               'Police officers sent to communes to help people with VNeID and online public services',
               'persons', 'count', LATEST_NOTE, 'eid_vneid', '000:288',
               'Đợt 2 mô hình "Tôi làm Công an xã" (18/5-18/8/2026): tăng cường 224 cán bộ, chiến sĩ về cơ sở hướng '
               'dẫn dịch vụ công trực tuyến, cài đặt và kích hoạt tài khoản định danh điện tử.'),
    _indicator('vehicle_declaration_updated_count',
               'Số tờ khai phương tiện cập nhật lên CSDL quốc gia về dân cư (phục vụ tích hợp VNeID)',
               'Vehicle declarations loaded into the national population database for VNeID',
               'count', 'count', LATEST_NOTE, 'de_an_06', '001:850',
               'Cập nhật 84.605 tờ khai với thông tin 96.799 phương tiện lên hệ thống CSDL quốc gia về dân cư phục '
               'vụ tích hợp lên ứng dụng VNeID (001:850-852; 002:909).'),
    _indicator('vehicle_record_updated_count',
               'Số phương tiện được cập nhật thông tin lên CSDL quốc gia về dân cư (phục vụ tích hợp VNeID)',
               'Vehicles whose data were loaded into the national population database for VNeID',
               'count', 'count', LATEST_NOTE, 'de_an_06', '001:852',
               'Thông tin 96.799 phương tiện được cập nhật lên hệ thống CSDL quốc gia về dân cư (001:852; 002:909).'),
    _indicator('diploma_data_verified_count',
               'Số trường hợp dữ liệu văn bằng, chứng chỉ đã rà soát, xác thực trên CSDL quốc gia về dân cư',
               'Diploma and certificate records verified against the national population database',
               'count', 'count', LATEST_NOTE, 'de_an_06', '002:909',
               'Rà soát, xác thực dữ liệu văn bằng, chứng chỉ trên hệ thống CSDLQG về dân cư phục vụ tích hợp lên '
               'ứng dụng VNeID: 17.019/17.525 trường hợp (tử số).'),
    _indicator('diploma_data_total_count',
               'Số trường hợp văn bằng, chứng chỉ cần rà soát, xác thực trên CSDL quốc gia về dân cư',
               'Diploma and certificate records to verify against the national population database',
               'count', 'count', LATEST_NOTE, 'de_an_06', '002:909',
               'Rà soát, xác thực dữ liệu văn bằng, chứng chỉ: 17.019/17.525 trường hợp (mẫu số).'),
    _indicator('diploma_data_verified_rate', 'Tỷ lệ dữ liệu văn bằng, chứng chỉ đã rà soát, xác thực',
               'Share of diploma and certificate records verified', 'percent', 'rate', RATIO_NOTE, 'de_an_06',
               '002:909', '17.019/17.525 trường hợp, đạt tỷ lệ 97,17% (tính lại: 97,11%).',
               numerator_code='diploma_data_verified_count', denominator_code='diploma_data_total_count'),
    _indicator('voter_transfer_vneid_count', 'Số cử tri chuyển đến, chuyển đi được phê duyệt trên ứng dụng VNeID',
               'Voter transfers approved in the VNeID app', 'count', 'count', SUM_NOTE, 'eid_vneid', '002:909',
               'Phê duyệt 412 cử tri chuyển đến, chuyển đi trên ứng dụng VNeID (bầu cử ĐBQH khóa XVI và HĐND các '
               'cấp năm 2026).'),
]
REQUIRED_CODES = [
    'dossier_received_count', 'dossier_online_count', 'dossier_direct_other_count', 'dossier_resolved_count',
    'dossier_resolved_ontime_count', 'dossier_resolved_overdue_count', 'dossier_online_rate',
    'dossier_ontime_rate', 'dossier_overdue_rate', 'dossier_resolved_early_count',
    'dossier_resolved_on_deadline_count',
]


def aggregation_for(r: dict) -> str:
    code, kind, ref = r['indicator_code'], r['kind'], r['aggregation'].split(' ', 1)[0]
    if code in AGGREGATION_OVERRIDES:
        return AGGREGATION_OVERRIDES[code]
    if kind in ('target', 'index'):
        return 'none'
    if kind == 'rate':
        return 'ratio' if r['numerator_code'] and r['denominator_code'] else 'none'
    if kind == 'count':
        return {'sum': 'sum', 'latest': 'snapshot', 'avg': 'none'}[ref]
    raise ValueError(f'unknown kind {kind!r} for {code}')


def build(ref_path: Path, committed: Path) -> list[dict]:
    """The seed rows from the reference catalogue ``ref_path``, keeping the source-added rows of ``committed``."""
    with ref_path.open(encoding='utf-8', newline='') as f:
        ref = list(csv.DictReader(f))
    rows = [_seed_row(r, f"{r['source_file'][:3]}:{r['source_line']}") for r in ref]
    have = {r['indicator_code'] for r in rows}
    rows += [x for x in EXTRA_ROWS + RECORD_ROWS if x['indicator_code'] not in have]
    rows += [_seed_row(r, r['source_ref']) for r in FIGURE_INDICATORS if r['indicator_code'] not in have]
    return rows + _rows_added_by_sources(committed, {r['indicator_code'] for r in rows})


def _seed_row(r: dict, source_ref: str) -> dict:
    """A catalogue-shaped row (the reference's, or FIGURE_INDICATORS') as a seed row."""
    code = r['indicator_code']
    return {
        'indicator_code': code,
        'name_vi': r['name_vi'],
        'name_en': r['name_en'],
        'unit': r['unit'],
        'kind': r['kind'],
        'numerator_code': r['numerator_code'],
        'denominator_code': r['denominator_code'],
        'aggregation': aggregation_for(r),
        'aggregation_note': r['aggregation'],
        'owner_agency_code': OWNER_OVERRIDES.get(code) or OWNER_BY_DOMAIN[r['domain']],
        'domain': r['domain'],
        'definition_vi': r['definition_vi'],
        'source_ref': source_ref,
        'valid_from': VALID_FROM,
    }


def _rows_added_by_sources(committed: Path, have: set[str]) -> list[dict]:
    """Rows appended to the committed seed by a source (e.g. the VNeID and signature flows) are kept as they are."""
    if not committed.exists():
        return []
    with committed.open(encoding='utf-8', newline='') as f:
        return [r for r in csv.DictReader(f) if r['indicator_code'] not in have]


def validate(rows: list[dict], agencies_csv: Path | None) -> None:
    codes = [r['indicator_code'] for r in rows]
    assert all(codes) and len(codes) == len(set(codes)), 'indicator_code null or duplicated'
    known = set(codes)
    for r in rows:
        assert r['aggregation'] in AGGREGATIONS, r
        assert r['owner_agency_code'], r
        for c in ('numerator_code', 'denominator_code'):
            assert not r[c] or r[c] in known, f"{r['indicator_code']}.{c}={r[c]} is not an indicator_code"
    missing = [c for c in REQUIRED_CODES if c not in known]
    assert not missing, f'missing required codes {missing}'
    if agencies_csv and agencies_csv.exists():
        with agencies_csv.open(encoding='utf-8', newline='') as f:
            agencies = {a['agency_code'] for a in csv.DictReader(f)}
        bad = sorted({r['owner_agency_code'] for r in rows} - agencies)
        assert not bad, f'owner_agency_code not in agencies.csv: {bad}'


def render(rows: list[dict]) -> str:
    return render_seed(rows, COLUMNS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--reference', type=Path, default=REFERENCE,
                    help=f'the folder of {CATALOGUE} (default: ../shared/reference)')
    ap.add_argument('--seeds', type=Path, default=SEEDS, help='the seed folder (default: seeds/ of the repository)')
    ap.add_argument('--check', action='store_true', help='do not write; exit 1 naming the first row that differs')
    args = ap.parse_args()
    seeds = repo_path(args.seeds)
    out = seeds / 'indicators.csv'
    rows = build(reference_dir(args.reference, [CATALOGUE]) / CATALOGUE, out)
    validate(rows, seeds / 'agencies.csv')
    return write_or_check(out, render(rows), args.check)


if __name__ == '__main__':
    sys.exit(main())
