#!/usr/bin/env python3
"""Regenerate ``seeds/agencies.csv`` (Lâm Đồng province, after the 1 July 2025 merger).

Standalone generator; nothing imports it. It needs the PyPI package
``vietnam-provinces==2025.10.1`` (the 2025 two-tier division list, GSO codes)::

    python3.11 -m venv /tmp/vpenv
    /tmp/vpenv/bin/pip install vietnam-provinces==2025.10.1
    # from the repository root (make install unpacks the package into .venv/share/chiso/seed-packages/):
    PYTHONPATH=.venv/share/chiso/seed-packages/vietnam-provinces-2025.10.1 \
        .venv/bin/python -m tools.seeds.build_agencies            # writes seeds/agencies.csv
    ... -m tools.seeds.build_agencies --check    # compare only; exit 1 naming the first differing row

What it writes
* 124 commune-level units of province code 68 (xã / phường / đặc khu) from the package,
  ``agency_code = ld_xa_<5-digit official code>``.
* The provincial units named in the source documents (hand-curated list below; ``source``
  points to ``../shared/reference/agencies.csv`` = file:line in the source documents).

former_province
  vietnam-provinces 2025.10.1 has NO old-to-new mapping. Every 2025 unit keeps the GSO code
  of one of the pre-merger communes it absorbed, and pre-2025 GSO commune codes are
  contiguous per province. The ranges below were read from vietnam-provinces 0.6.0
  (the pre-2025 list, data/flat-divisions.json): each of the 124 codes exists there and
  lies in its province's range. Pass ``--old-json PATH`` (that file) to re-verify by
  exact code lookup instead of ranges.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path

import vietnam_provinces
from vietnam_provinces import ProvinceCode, Ward

from tools.seeds.seedfile import SEEDS, render as render_seed, repo_path, write_or_check

EXPECTED_PACKAGE_VERSION = '2025.10.1'
PROVINCE_CODE = 68  # Lâm Đồng
VALID_FROM = '2025-07-01'
PKG_SOURCE = f'vietnam-provinces {EXPECTED_PACKAGE_VERSION}'

COLUMNS = [
    'agency_code', 'official_code', 'name_vi', 'name_en', 'agency_type', 'level',
    'parent_code', 'former_province', 'valid_from', 'valid_to', 'receives_dossiers', 'source',
]

# Pre-2025 GSO commune-code ranges (min, max) per former province, from vietnam-provinces 0.6.0.
OLD_PROVINCE_RANGES = [
    ('Bình Thuận', 22915, 23278),  # old province code 60
    ('Đắk Nông', 24611, 24766),    # old province code 67
    ('Lâm Đồng', 24769, 25192),    # old province code 68
]
OLD_PROVINCE_NAME = {'Tỉnh Bình Thuận': 'Bình Thuận', 'Tỉnh Đắk Nông': 'Đắk Nông', 'Tỉnh Lâm Đồng': 'Lâm Đồng'}

# Obvious typos in the package names (fixed; listed in seeds/README.md).
NAME_FIXES = {'Xã Đắk song': 'Xã Đắk Song'}

TYPE_MAP = {  # package division_type -> (agency_type, Vietnamese prefix, English suffix)
    'xã': ('commune', 'Xã ', 'Commune'),
    'phường': ('ward', 'Phường ', 'Ward'),
    'đặc khu': ('special_zone', 'Đặc khu ', 'Special Zone'),
}

REF = '../shared/reference/agencies.csv'  # provenance only; not read
# Provincial units: (agency_code, official_code, name_vi, name_en, agency_type, receives_dossiers, source)
# agency_code reused from the reference agencies.csv; source = source-document file:line given there.
PROVINCIAL_UNITS = [
    ('ld_ubnd_tinh', '68', 'Ủy ban nhân dân tỉnh Lâm Đồng', "Lam Dong Provincial People's Committee",
     'province', False, '000_495e4b193472de68.txt:9'),
    ('ld_hdnd_tinh', '', 'Hội đồng nhân dân tỉnh Lâm Đồng', "Lam Dong Provincial People's Council",
     'province', False, '001_5e469424f6c49e24.txt:729'),
    ('ld_bcd_tinh', '', 'Ban Chỉ đạo tỉnh về phát triển khoa học, công nghệ và chuyển đổi số',
     'Provincial Steering Committee for Science, Technology and Digital Transformation',
     'province', False, '000_495e4b193472de68.txt:4'),
    ('ld_vp_ubnd', '', 'Văn phòng Ủy ban nhân dân tỉnh', "Office of the Provincial People's Committee",
     'department', False, '000_495e4b193472de68.txt:10'),
    ('ld_so_khcn', '', 'Sở Khoa học và Công nghệ', 'Department of Science and Technology',
     'department', True, '000_495e4b193472de68.txt:9'),
    ('ld_so_tc', '', 'Sở Tài chính', 'Department of Finance',
     'department', True, '001_5e469424f6c49e24.txt:2384'),
    ('ld_so_nv', '', 'Sở Nội vụ', 'Department of Home Affairs',
     'department', True, '001_5e469424f6c49e24.txt:2869'),
    ('ld_so_vhttdl', '', 'Sở Văn hóa, Thể thao và Du lịch', 'Department of Culture, Sports and Tourism',
     'department', True, '000_495e4b193472de68.txt:152'),
    ('ld_so_nnmt', '', 'Sở Nông nghiệp và Môi trường', 'Department of Agriculture and Environment',
     'department', True, '001_5e469424f6c49e24.txt:3267'),
    ('ld_so_tp', '', 'Sở Tư pháp', 'Department of Justice',
     'department', True, '001_5e469424f6c49e24.txt:3329'),
    ('ld_so_yt', '', 'Sở Y tế', 'Department of Health',
     'department', True, '001_5e469424f6c49e24.txt:3386'),
    ('ld_so_gddt', '', 'Sở Giáo dục và Đào tạo', 'Department of Education and Training',
     'department', True, '001_5e469424f6c49e24.txt:3490'),
    ('ld_so_xd', '', 'Sở Xây dựng', 'Department of Construction',
     'department', True, '001_5e469424f6c49e24.txt:3552'),
    ('ld_so_ct', '', 'Sở Công Thương', 'Department of Industry and Trade',
     'department', True, '001_5e469424f6c49e24.txt:3628'),
    ('ld_so_ngv', '', 'Sở Ngoại vụ', 'Department of Foreign Affairs',
     'department', True, '002_47fe5be8680f8277.txt:68'),
    ('ld_thanh_tra', '', 'Thanh tra tỉnh', 'Provincial Inspectorate',
     'department', True, '001_5e469424f6c49e24.txt:3612'),
    ('ld_bql_kcn', '', 'Ban Quản lý các Khu công nghiệp tỉnh Lâm Đồng', 'Lam Dong Industrial Parks Management Board',
     'department', True, '001_5e469424f6c49e24.txt:3587'),
    ('ld_ttpvhcc_tinh', '', 'Trung tâm Phục vụ hành chính công tỉnh', 'Provincial Public Administrative Service Centre',
     'centre', True, '000_495e4b193472de68.txt:151'),
    ('ld_congan_tinh', '', 'Công an tỉnh Lâm Đồng', 'Lam Dong Provincial Police',
     'police', True, '000_495e4b193472de68.txt:27'),
]


def ascii_fold(text: str) -> str:
    """Vietnamese -> ASCII (Đ/đ handled explicitly; NFD strips the other diacritics)."""
    text = text.replace('Đ', 'D').replace('đ', 'd')
    return ''.join(c for c in unicodedata.normalize('NFD', text) if unicodedata.category(c) != 'Mn')


def former_by_range(code: int) -> str:
    for name, lo, hi in OLD_PROVINCE_RANGES:
        if lo <= code <= hi:
            return name
    raise ValueError(f'code {code} outside the known pre-2025 ranges')


def commune_rows(old_json: Path | None) -> list[dict]:
    old_lookup = None
    if old_json is not None:
        old = json.loads(old_json.read_text(encoding='utf-8'))
        old_lookup = {r['ward_code']: OLD_PROVINCE_NAME.get(r['province_name'], r['province_name']) for r in old}

    rows = []
    for w in Ward.iter_by_province(ProvinceCode(PROVINCE_CODE)):
        code = int(w.code)
        agency_type, prefix_vi, suffix_en = TYPE_MAP[w.division_type.value]
        name_vi = NAME_FIXES.get(w.name, w.name)
        assert name_vi.startswith(prefix_vi), name_vi
        former = former_by_range(code)
        if old_lookup is not None and old_lookup.get(code) != former:
            raise SystemExit(f'former-province mismatch for {code}: range={former} old_json={old_lookup.get(code)}')
        source = PKG_SOURCE + ('; name case fixed' if name_vi != w.name else '')
        rows.append({
            'agency_code': f'ld_xa_{code:05d}',
            'official_code': f'{code:05d}',
            'name_vi': name_vi,
            'name_en': f'{ascii_fold(name_vi[len(prefix_vi):])} {suffix_en}',
            'agency_type': agency_type,
            'level': 'commune',
            'parent_code': 'ld_ubnd_tinh',
            'former_province': former,
            'valid_from': VALID_FROM,
            'valid_to': '',
            'receives_dossiers': 'true',
            'source': source,
        })
    rows.sort(key=lambda r: r['official_code'])
    return rows


def provincial_rows() -> list[dict]:
    rows = []
    for code, off, name_vi, name_en, typ, recv, src in PROVINCIAL_UNITS:
        rows.append({
            'agency_code': code,
            'official_code': off,
            'name_vi': name_vi,
            'name_en': name_en,
            'agency_type': typ,
            'level': 'province',
            'parent_code': '' if code == 'ld_ubnd_tinh' else 'ld_ubnd_tinh',
            'former_province': '',
            'valid_from': VALID_FROM,
            'valid_to': '',
            'receives_dossiers': 'true' if recv else 'false',
            'source': src,
        })
    rows.sort(key=lambda r: r['agency_code'])
    return rows


def validate(communes: list[dict], rows: list[dict]) -> None:
    from collections import Counter

    types = Counter(r['agency_type'] for r in communes)
    former = Counter(r['former_province'] for r in communes)
    print(f'communes={len(communes)} types={dict(types)} former={dict(former)}', file=sys.stderr)
    if len(communes) != 124 or types != Counter(commune=103, ward=20, special_zone=1):
        print('WARNING: package counts differ from 124 = 103 xã + 20 phường + 1 đặc khu', file=sys.stderr)
    if former != Counter({'Lâm Đồng': 51, 'Bình Thuận': 45, 'Đắk Nông': 28}):
        print('WARNING: former-province split differs from the documents (51/45/28)', file=sys.stderr)
    codes = [r['agency_code'] for r in rows]
    assert len(codes) == len(set(codes)), 'duplicate agency_code'
    known = set(codes)
    assert all(r['parent_code'] in known or r['agency_code'] == 'ld_ubnd_tinh' for r in rows)


def render(rows: list[dict]) -> str:
    return render_seed(rows, COLUMNS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seeds', type=Path, default=SEEDS, help='the seed folder (default: seeds/ of the repository)')
    ap.add_argument('--old-json', type=Path,
                    help='vietnam-provinces 0.6.0 data/flat-divisions.json, to re-verify former_province')
    ap.add_argument('--check', action='store_true', help='do not write; exit 1 naming the first row that differs')
    args = ap.parse_args()

    if vietnam_provinces.__version__ != EXPECTED_PACKAGE_VERSION:
        raise SystemExit(f'need vietnam-provinces {EXPECTED_PACKAGE_VERSION}, got {vietnam_provinces.__version__}'
                         f' ({vietnam_provinces.__file__}); see this script\'s docstring')

    communes = commune_rows(args.old_json)
    rows = provincial_rows() + communes
    validate(communes, rows)
    return write_or_check(repo_path(args.seeds) / 'agencies.csv', render(rows), args.check)


if __name__ == '__main__':
    sys.exit(main())
