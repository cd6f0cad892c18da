#!/usr/bin/env python3
"""Regenerate ``seeds/agency_predecessors.csv``: the pre-merger units behind each 2025 commune.

Standalone generator; nothing imports it. For each of the 124 commune-level units in
``seeds/agencies.csv`` (new Lâm Đồng, province code 68, from 1 July 2025) it lists every
pre-merger xã / phường / thị trấn that the unit replaced, so the warehouse can model
agencies as a type-2 slowly changing dimension across the merger.

Data source: PyPI ``vietnam-provinces==2026.9.0``.
* ``vietnam_provinces/_ward_conversion_2025.py`` (``NEW_TO_OLD`` / ``OLD_TO_NEW``). It is
  generated from the government conversion table ``BangChuyendoiĐVHCmoi_cu_khong_merge.csv``.
  ``OldWardRef`` holds the old code, old district code, old province code and ``is_partly_merged``.
* ``vietnam_provinces.legacy`` for the pre-2025 names of wards, districts and provinces.

The package declares ``Requires-Python >=3.12``, so run it with Python 3.12. It is not
installed anywhere; the wheel is downloaded and put on ``PYTHONPATH``::

    pip download --no-deps --python-version 3.12 --only-binary=:all: \\
        vietnam-provinces==2026.9.0 -d /tmp/vp26
    cd /tmp/vp26 && python3.12 -m zipfile -e vietnam_provinces-2026.9.0-py3-none-any.whl .
    # wheel sha256 b5f3540a98937d38b9bebcbdb792fa4f5b9712737d41b05c7254beb2308ebcd1
    # from the repository root:
    PYTHONPATH=/tmp/vp26 python3.12 -m tools.seeds.build_agency_predecessors          # writes the CSV
    PYTHONPATH=/tmp/vp26 python3.12 -m tools.seeds.build_agency_predecessors --check  # exit 1 naming the row

The modules used here also import under 3.11, and the output is identical: ``make install`` unpacks the
same wheel (sha256 checked) into ``.venv/share/chiso/seed-packages/vietnam-provinces-2026.9.0``, and
``tests/test_seed_generators.py`` runs ``--check`` with that folder on ``PYTHONPATH``.

The script also reads ``seeds/agencies.csv`` (never writes it). It takes the 124
``agency_code`` values from there and cross-checks them. See ``seeds/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

import vietnam_provinces
from vietnam_provinces import Ward as NewWard, WardCode as NewWardCode, _ward_conversion_2025 as conv
from vietnam_provinces.legacy import (
    District as OldDistrict,
    DistrictCode as OldDistrictCode,
    Province as OldProvince,
    ProvinceCode as OldProvinceCode,
    Ward as OldWard,
    WardCode as OldWardCode,
)

from tools.seeds.seedfile import SEEDS, render as render_seed, repo_path, write_or_check

EXPECTED_PACKAGE_VERSION = '2026.9.0'
EXPECTED_TABLE = 'BangChuyendoiĐVHCmoi_cu_khong_merge.csv'
NEW_PROVINCE_CODE = 68  # Lâm Đồng after 1 July 2025
VALID_TO = '2025-06-30'
SOURCE = f'vietnam-provinces {EXPECTED_PACKAGE_VERSION} (_ward_conversion_2025, {EXPECTED_TABLE})'

COLUMNS = [
    'agency_code', 'predecessor_code', 'predecessor_name_vi', 'predecessor_type',
    'predecessor_district_code', 'predecessor_district_name_vi',
    'predecessor_province_code', 'predecessor_province_name_vi',
    'is_partly_merged', 'keeps_code', 'valid_to', 'source',
]

# Old province code -> value of agencies.csv ``former_province``.
FORMER_PROVINCE = {60: 'Bình Thuận', 67: 'Đắk Nông', 68: 'Lâm Đồng'}

# legacy division type -> (predecessor_type, expected name prefix)
OLD_TYPE = {
    'xã': ('xa', 'Xã '),
    'phường': ('phuong', 'Phường '),
    'thị trấn': ('thi_tran', 'Thị trấn '),
}

# Conversion-table new code -> agencies.csv official_code, where the two packages disagree.
# Xã Hàm Liêm (Hàm Chính 23098 + Hàm Liêm 23095): vietnam-provinces 2025.10.1, which
# agencies.csv was built from, gives it code 23098. 2026.9.0 (list and conversion table)
# gives 23095. Used only while agencies.csv has no ld_xa_23095. The name must match, and
# the agencies.csv code must be one of the unit's predecessors.
NEW_CODE_ALIASES = {23095: 23098}


def load_agency_communes(path: Path) -> dict[int, dict]:
    with path.open(encoding='utf-8', newline='') as fh:
        rows = [r for r in csv.DictReader(fh) if r['level'] == 'commune']
    out = {}
    for r in rows:
        code = int(r['official_code'])
        assert r['agency_code'] == f'ld_xa_{code:05d}', r['agency_code']
        out[code] = r
    return out


def resolve_new_units(agencies: dict[int, dict]) -> dict[int, int]:
    """Map conversion-table new code -> agencies.csv official_code, for province 68."""
    table_codes = sorted(k for k, e in conv.NEW_TO_OLD.items() if e.new_ward.province_code == NEW_PROVINCE_CODE)
    mapping = {}
    for code in table_codes:
        target = code
        if code not in agencies and code in NEW_CODE_ALIASES:
            target = NEW_CODE_ALIASES[code]
            entry = conv.NEW_TO_OLD[code]
            pkg_name = NewWard.from_code(NewWardCode(code)).name
            if agencies.get(target, {}).get('name_vi') != pkg_name:
                raise SystemExit(f'alias {code}->{target}: name {pkg_name!r} != agencies.csv '
                                 f'{agencies.get(target, {}).get("name_vi")!r}')
            if target not in {o.code for o in entry.old_wards}:
                raise SystemExit(f'alias {code}->{target}: {target} is not a predecessor of {code}')
            print(f'NOTE: conversion-table unit {code} ({pkg_name}) is ld_xa_{target:05d} in agencies.csv',
                  file=sys.stderr)
        if target not in agencies:
            raise SystemExit(f'new unit {code} from the conversion table is not in agencies.csv')
        mapping[code] = target
    missing = sorted(set(agencies) - set(mapping.values()))
    if missing:
        raise SystemExit(f'agencies.csv communes with no conversion-table entry: {missing}')
    if len(set(mapping.values())) != len(mapping):
        raise SystemExit('two conversion-table units map to one agencies.csv unit')
    return mapping


def old_unit(ref) -> dict:
    """Names for an OldWardRef from vietnam_provinces.legacy, cross-checked against the ref."""
    ward = OldWard.from_code(OldWardCode(ref.code))
    district = OldDistrict.from_code(OldDistrictCode(ref.district_code))
    province = OldProvince.from_code(OldProvinceCode(ref.province_code))
    if int(ward.district_code) != ref.district_code or int(district.province_code) != ref.province_code:
        raise SystemExit(f'legacy hierarchy disagrees with the conversion table for {ref}')
    ptype, prefix = OLD_TYPE[ward.division_type.value]
    if not ward.name.startswith(prefix):
        raise SystemExit(f'{ref.code}: name {ward.name!r} does not match type {ward.division_type.value!r}')
    return {
        'predecessor_code': f'{ref.code:05d}',
        'predecessor_name_vi': ward.name,
        'predecessor_type': ptype,
        'predecessor_district_code': f'{ref.district_code:03d}',
        'predecessor_district_name_vi': district.name,
        'predecessor_province_code': f'{ref.province_code:02d}',
        'predecessor_province_name_vi': province.name,
    }


def build_rows(agencies: dict[int, dict]) -> list[dict]:
    mapping = resolve_new_units(agencies)
    rows = []
    for table_code, official in mapping.items():
        entry = conv.NEW_TO_OLD[table_code]
        for ref in entry.old_wards:
            back = conv.OLD_TO_NEW.get(ref.code)
            if back is None or back.old_ward != ref or table_code not in {n.code for n in back.new_wards}:
                raise SystemExit(f'OLD_TO_NEW disagrees with NEW_TO_OLD for old {ref.code} / new {table_code}')
            rows.append({
                'agency_code': f'ld_xa_{official:05d}',
                **old_unit(ref),
                'is_partly_merged': 'true' if ref.is_partly_merged else 'false',
                'keeps_code': 'true' if ref.code == official else 'false',
                'valid_to': VALID_TO,
                'source': SOURCE,
            })
    # Every OLD_TO_NEW pair that points into province 68 must be present.
    pairs = {(r['agency_code'], r['predecessor_code']) for r in rows}
    for old_code, e in conv.OLD_TO_NEW.items():
        for n in e.new_wards:
            if n.province_code != NEW_PROVINCE_CODE:
                continue
            if (f'ld_xa_{mapping[n.code]:05d}', f'{old_code:05d}') not in pairs:
                raise SystemExit(f'OLD_TO_NEW pair {old_code}->{n.code} missing from NEW_TO_OLD')
    rows.sort(key=lambda r: (r['agency_code'], r['predecessor_code']))
    return rows


def validate(rows: list[dict], agencies: dict[int, dict]) -> None:
    def log(msg: str) -> None:
        print(msg, file=sys.stderr)

    keys = [(r['agency_code'], r['predecessor_code']) for r in rows]
    assert all(a and p for a, p in keys), 'empty key'
    assert len(keys) == len(set(keys)), 'duplicate (agency_code, predecessor_code)'
    by_unit = defaultdict(list)
    for r in rows:
        by_unit[r['agency_code']].append(r)
    expected = {r['agency_code'] for r in agencies.values()}
    if set(by_unit) != expected:
        raise SystemExit(f'agency_code set differs from agencies.csv: {sorted(set(by_unit) ^ expected)}')

    keeps = {u: [r for r in rs if r['keeps_code'] == 'true'] for u, rs in by_unit.items()}
    bad_keeps = {u: len(k) for u, k in keeps.items() if len(k) != 1}
    if bad_keeps:
        raise SystemExit(f'units without exactly one keeps_code predecessor: {bad_keeps}')

    # former_province of agencies.csv vs the province of the predecessor that kept the code.
    mismatches = []
    for u, (k,) in keeps.items():
        got = FORMER_PROVINCE[int(k['predecessor_province_code'])]
        want = agencies[int(u[len('ld_xa_'):])]['former_province']
        if got != want:
            mismatches.append((u, want, got))
    split = Counter(FORMER_PROVINCE[int(k[0]['predecessor_province_code'])] for k in keeps.values())
    mixed = sorted(u for u, rs in by_unit.items() if len({r['predecessor_province_code'] for r in rs}) > 1)

    n_pred = Counter(len(rs) for rs in by_unit.values())
    partly = [r for r in rows if r['is_partly_merged'] == 'true']
    distinct = {r['predecessor_code'] for r in rows}
    log(f'rows={len(rows)} distinct predecessors={len(distinct)} new units={len(by_unit)}')
    log(f'rows per old province={dict(sorted(Counter(r["predecessor_province_code"] for r in rows).items()))}')
    distinct_prov = Counter(p for _, p in {(r['predecessor_code'], r['predecessor_province_code']) for r in rows})
    log(f'distinct predecessors per old province={dict(sorted(distinct_prov.items()))}')
    log(f'predecessor types={dict(sorted(Counter(r["predecessor_type"] for r in rows).items()))}')
    log(f'is_partly_merged rows={len(partly)}: {sorted({r["predecessor_code"] for r in partly})}')
    log(f'predecessors per unit={dict(sorted(n_pred.items()))} (1: {n_pred[1]}, >1: {len(by_unit) - n_pred[1]})')
    log(f'former_province split by keeps_code predecessor={dict(sorted(split.items()))}')
    log(f'former_province mismatches vs agencies.csv={mismatches or "none"}')
    log(f'units with predecessors from more than one old province={mixed or "none"}')
    if split != Counter({'Lâm Đồng': 51, 'Bình Thuận': 45, 'Đắk Nông': 28}):
        log('WARNING: former-province split is not 51/45/28')

    # Legacy units of the three old provinces that the conversion table does not list.
    absent = [
        (int(w.code), w.name)
        for p in FORMER_PROVINCE
        for w in OldWard.iter_by_province(OldProvinceCode(p))
        if f'{int(w.code):05d}' not in distinct
    ]
    log(f'legacy units in old provinces 60/67/68 absent from the table={absent or "none"}')


def render(rows: list[dict]) -> str:
    return render_seed(rows, COLUMNS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seeds', type=Path, default=SEEDS,
                    help='the seed folder: reads agencies.csv, writes agency_predecessors.csv (default: seeds/)')
    ap.add_argument('--check', action='store_true', help='do not write; exit 1 naming the first row that differs')
    args = ap.parse_args()

    if vietnam_provinces.__version__ != EXPECTED_PACKAGE_VERSION or conv.SOURCE != EXPECTED_TABLE:
        raise SystemExit(f'need vietnam-provinces {EXPECTED_PACKAGE_VERSION} ({EXPECTED_TABLE}); '
                         f'got {vietnam_provinces.__version__} ({conv.SOURCE})')

    seeds = repo_path(args.seeds)
    agencies = load_agency_communes(seeds / 'agencies.csv')
    rows = build_rows(agencies)
    validate(rows, agencies)
    return write_or_check(seeds / 'agency_predecessors.csv', render(rows), args.check)


if __name__ == '__main__':
    sys.exit(main())
