#!/usr/bin/env python3
"""Regenerate ``seeds/indicators.csv`` from the reference indicator catalogue.

Standalone generator; nothing imports it. Standard library only::

    python3 seeds/build_indicators.py                 # writes seeds/indicators.csv
    python3 seeds/build_indicators.py --check         # compare only, exit 1 if different
    python3 seeds/build_indicators.py --ref PATH      # another copy of indicator_catalogue.csv

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
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

DEFAULT_REF = Path('/work/shared/reference/indicator_catalogue.csv')
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
                          'dossier_resolved_on_deadline_count (tài liệu chỉ nêu gộp "trước hạn và đúng hạn", 002:775-776).'),
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


def build(ref_path: Path) -> list[dict]:
    with ref_path.open(encoding='utf-8', newline='') as f:
        ref = list(csv.DictReader(f))
    rows = []
    for r in ref:
        code = r['indicator_code']
        rows.append({
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
            'source_ref': f"{r['source_file'][:3]}:{r['source_line']}",
            'valid_from': VALID_FROM,
        })
    have = {r['indicator_code'] for r in rows}
    rows += [x for x in EXTRA_ROWS if x['indicator_code'] not in have]
    return rows + _rows_added_by_sources({r['indicator_code'] for r in rows})


def _rows_added_by_sources(have: set[str]) -> list[dict]:
    """Rows appended to the committed seed by a source (e.g. the VNeID and signature flows) are kept as they are."""
    committed = Path(__file__).with_name('indicators.csv')
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
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator='\n')
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--ref', type=Path, default=DEFAULT_REF)
    ap.add_argument('--out', type=Path, default=Path(__file__).with_name('indicators.csv'))
    ap.add_argument('--check', action='store_true', help='do not write; exit 1 if --out differs')
    args = ap.parse_args()
    rows = build(args.ref)
    validate(rows, args.out.with_name('agencies.csv'))
    text = render(rows)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding='utf-8') == text
        print('up to date' if same else f'{args.out} differs', file=sys.stderr)
        return 0 if same else 1
    args.out.write_text(text, encoding='utf-8')
    print(f'wrote {len(rows)} rows to {args.out}', file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
