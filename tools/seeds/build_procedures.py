#!/usr/bin/env python3
"""Regenerate ``seeds/procedures.csv``, a synthetic procedure catalogue that reconciles with the catalogue feed.

Standalone generator; nothing imports it. Reads ``agencies.csv`` and the simulator's catalogue split::

    python -m tools.seeds.build_procedures               # from the repository root: writes seeds/procedures.csv
    python -m tools.seeds.build_procedures --check       # compare only; exit 1 naming the first differing row
    python -m tools.seeds.build_procedures --seeds DIR   # another seed folder (reads its agencies.csv)

Rules (see seeds/README.md):
* the real procedure codes are not available, so every row is synthetic; the counts are not: each provincial agency
  that receives dossiers gets exactly the (total, full-process, partial) of ``simulator.tthc_services._province_split``
  at the default simulator seed (1.600 = 698 + 902 over them, 000:112, 000:119), and the commune level one catalogue
  of 377 = 143 + 234 shared by every commune (``agency_code`` empty); in person only is 0, as in the feed.
* fields (lĩnh vực) come from FIELDS, mapped to agencies by AGENCY_FIELDS; an agency without a mapping gets one
  generic field of its own (``chung_<agency>``).
* fee, deadline and which procedures are full-process are drawn with ``simulator.determinism.rng``, so the file is
  a pure function of the seed; each agency then has a procedure with a fee and one without.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from simulator.apportion import apportion
from simulator.determinism import rng
from simulator.feeds import Agency, load_agencies
from simulator.tthc_services import COMMUNE_LEVEL, FEED, PROVINCE_LEVEL, _province_split
from tools.seeds.seedfile import SEEDS, render as render_seed, repo_path, write_or_check

#: the simulator's default seed (CHISO_SIMULATOR_SEED, chiso/config.py): the split the feed serves by default
SEED = 20250701
COLUMNS = [
    'procedure_code', 'procedure_name_vi', 'procedure_name_en', 'field_code', 'field_name_vi', 'field_name_en',
    'level', 'agency_code', 'service_level', 'has_fee', 'deadline_days', 'is_synthetic', 'source',
]
SOURCE = ('synthetic (tools/seeds/build_procedures.py): counts calibrated to Phụ lục V (000:112, 000:119) and the'
          f' catalogue feed split (simulator/tthc_services.py, seed {SEED}); codes and names are not real')
COMMUNE = 'commune'
FEE_SHARE = (0.55, 0.65)  # the share of procedures with a fee the whole catalogue must land in


@dataclass(frozen=True)
class Field:
    name_vi: str
    name_en: str
    deadline: tuple[int, int]  # working days, inclusive
    fee_rate: float  # chance a procedure of the field has a fee (phí, lệ phí)


FIELDS = {
    # Tư pháp
    'ho_tich': Field('Hộ tịch', 'Civil status', (0, 5), 0.6),
    'chung_thuc': Field('Chứng thực', 'Authentication', (0, 2), 0.95),
    'ly_lich_tu_phap': Field('Lý lịch tư pháp', 'Judicial records', (5, 10), 0.9),
    'cong_chung': Field('Công chứng', 'Notarisation', (2, 10), 0.9),
    'luat_su': Field('Luật sư', 'Lawyers', (5, 15), 0.7),
    'tro_giup_phap_ly': Field('Trợ giúp pháp lý', 'Legal aid', (3, 10), 0.05),
    # Xây dựng
    'xay_dung': Field('Xây dựng', 'Construction', (7, 20), 0.75),
    'nha_o': Field('Nhà ở', 'Housing', (10, 30), 0.6),
    'quy_hoach_kien_truc': Field('Quy hoạch - kiến trúc', 'Planning and architecture', (10, 25), 0.5),
    'duong_bo': Field('Đường bộ', 'Road transport', (3, 15), 0.8),
    'kinh_doanh_bat_dong_san': Field('Kinh doanh bất động sản', 'Real estate business', (10, 20), 0.6),
    # Nông nghiệp và Môi trường
    'dat_dai': Field('Đất đai', 'Land', (10, 30), 0.85),
    'moi_truong': Field('Môi trường', 'Environment', (10, 30), 0.7),
    'tai_nguyen_nuoc': Field('Tài nguyên nước', 'Water resources', (10, 30), 0.75),
    'trong_trot': Field('Trồng trọt và bảo vệ thực vật', 'Crop production and plant protection', (5, 15), 0.6),
    'chan_nuoi_thu_y': Field('Chăn nuôi và thú y', 'Livestock and veterinary services', (5, 15), 0.7),
    'lam_nghiep': Field('Lâm nghiệp', 'Forestry', (5, 20), 0.4),
    'thuy_san': Field('Thủy sản', 'Fisheries', (5, 15), 0.6),
    # Công Thương
    'thuong_mai': Field('Lưu thông hàng hóa trong nước', 'Domestic trade', (5, 15), 0.8),
    'dien': Field('Điện', 'Electricity', (5, 15), 0.75),
    'hoa_chat': Field('Hóa chất', 'Chemicals', (5, 15), 0.8),
    'an_toan_thuc_pham': Field('An toàn thực phẩm', 'Food safety', (5, 15), 0.85),
    'xuat_nhap_khau': Field('Xuất nhập khẩu', 'Import and export', (2, 8), 0.6),
    # Giáo dục và Đào tạo
    'giao_duc_dao_tao': Field('Giáo dục và Đào tạo', 'Education and training', (5, 20), 0.45),
    'van_bang_chung_chi': Field('Văn bằng, chứng chỉ', 'Diplomas and certificates', (2, 10), 0.5),
    'thi_tuyen_sinh': Field('Thi, tuyển sinh', 'Examinations and admissions', (5, 15), 0.4),
    'giao_duc_nghe_nghiep': Field('Giáo dục nghề nghiệp', 'Vocational education', (5, 20), 0.5),
    # Khoa học và Công nghệ
    'hoat_dong_khcn': Field('Hoạt động khoa học và công nghệ', 'Science and technology activities', (10, 30), 0.5),
    'so_huu_tri_tue': Field('Sở hữu trí tuệ', 'Intellectual property', (5, 20), 0.7),
    'tieu_chuan_do_luong': Field('Tiêu chuẩn đo lường chất lượng', 'Standards, metrology and quality', (3, 15), 0.8),
    'an_toan_buc_xa': Field('An toàn bức xạ và hạt nhân', 'Radiation and nuclear safety', (10, 25), 0.8),
    'buu_chinh': Field('Bưu chính', 'Postal services', (5, 15), 0.7),
    'vien_thong': Field('Viễn thông và Internet', 'Telecommunications and Internet', (5, 15), 0.7),
    # Ngoại vụ
    'hoi_nghi_quoc_te': Field('Hội nghị, hội thảo quốc tế', 'International conferences', (5, 15), 0.35),
    'vien_tro_phi_chinh_phu': Field('Viện trợ phi chính phủ nước ngoài', 'Foreign non-governmental aid',
                                    (10, 30), 0.05),
    'lanh_su': Field('Lãnh sự', 'Consular affairs', (3, 10), 0.85),
    # Nội vụ
    'cong_chuc_vien_chuc': Field('Công chức, viên chức', 'Civil servants and public employees', (10, 30), 0.3),
    'thi_dua_khen_thuong': Field('Thi đua, khen thưởng', 'Emulation and commendation', (10, 30), 0.0),
    'ton_giao': Field('Tín ngưỡng, tôn giáo', 'Beliefs and religion', (10, 30), 0.05),
    'viec_lam': Field('Việc làm', 'Employment', (5, 15), 0.6),
    'an_toan_lao_dong': Field('An toàn, vệ sinh lao động', 'Occupational safety and health', (5, 15), 0.7),
    'nguoi_co_cong': Field('Người có công', 'Persons with meritorious service', (5, 20), 0.0),
    'van_thu_luu_tru': Field('Văn thư, lưu trữ', 'Records and archives', (3, 10), 0.7),
    # Tài chính
    'dau_tu': Field('Đầu tư tại Việt Nam', 'Investment in Viet Nam', (10, 30), 0.5),
    'thanh_lap_doanh_nghiep': Field('Thành lập và hoạt động của doanh nghiệp', 'Business registration', (3, 5), 0.9),
    'hop_tac_xa': Field('Thành lập và hoạt động của hợp tác xã', 'Cooperatives', (3, 5), 0.85),
    'quan_ly_cong_san': Field('Quản lý công sản', 'Public assets', (10, 30), 0.3),
    # Văn hóa, Thể thao và Du lịch
    'van_hoa': Field('Văn hóa', 'Culture', (5, 15), 0.6),
    'the_duc_the_thao': Field('Thể dục, thể thao', 'Sport', (5, 15), 0.6),
    'du_lich': Field('Du lịch', 'Tourism', (5, 15), 0.75),
    'bao_chi': Field('Báo chí', 'Press', (5, 15), 0.5),
    'xuat_ban': Field('Xuất bản, in và phát hành', 'Publishing, printing and distribution', (5, 15), 0.6),
    'gia_dinh': Field('Gia đình', 'Family', (5, 15), 0.2),
    # Y tế
    'kham_chua_benh': Field('Khám bệnh, chữa bệnh', 'Medical examination and treatment', (10, 30), 0.9),
    'duoc_pham': Field('Dược phẩm', 'Pharmaceuticals', (10, 30), 0.9),
    'trang_thiet_bi_y_te': Field('Trang thiết bị y tế', 'Medical devices', (5, 20), 0.85),
    'y_te_du_phong': Field('Y tế dự phòng', 'Preventive medicine', (5, 20), 0.6),
    'bao_tro_xa_hoi': Field('Bảo trợ xã hội', 'Social protection', (5, 20), 0.0),
    # Thanh tra
    'tiep_cong_dan': Field('Tiếp công dân', 'Citizen reception', (0, 10), 0.0),
    'khieu_nai': Field('Giải quyết khiếu nại', 'Complaints', (15, 30), 0.0),
    'to_cao': Field('Giải quyết tố cáo', 'Denunciations', (15, 30), 0.0),
    'phong_chong_tham_nhung': Field('Phòng, chống tham nhũng', 'Anti-corruption', (10, 30), 0.0),
    # Công an
    'cu_tru': Field('Đăng ký, quản lý cư trú', 'Residence registration', (1, 7), 0.5),
    'can_cuoc': Field('Căn cước', 'Identity cards', (3, 7), 0.7),
    'xuat_nhap_canh': Field('Xuất nhập cảnh', 'Exit and entry', (5, 8), 0.9),
    'dang_ky_xe': Field('Đăng ký, quản lý phương tiện giao thông', 'Vehicle registration', (1, 8), 0.9),
    'phong_chay_chua_chay': Field('Phòng cháy, chữa cháy', 'Fire prevention and firefighting', (5, 15), 0.4),
    'nganh_nghe_an_ninh': Field('Ngành, nghề kinh doanh có điều kiện về an ninh, trật tự',
                                'Businesses with security conditions', (5, 10), 0.7),
    'vu_khi_vat_lieu_no': Field('Quản lý vũ khí, vật liệu nổ, công cụ hỗ trợ', 'Weapons and explosives',
                                (5, 15), 0.6),
    # Cấp xã
    'kinh_doanh_ho': Field('Đăng ký kinh doanh hộ', 'Household business registration', (3, 5), 0.9),
}

#: the fields of each agency's catalogue (an agency that receives dossiers and is not listed gets a generic field)
AGENCY_FIELDS = {
    'ld_so_tp': ('ho_tich', 'chung_thuc', 'ly_lich_tu_phap', 'cong_chung', 'luat_su', 'tro_giup_phap_ly'),
    'ld_so_xd': ('xay_dung', 'nha_o', 'quy_hoach_kien_truc', 'duong_bo', 'kinh_doanh_bat_dong_san'),
    'ld_so_nnmt': ('dat_dai', 'moi_truong', 'tai_nguyen_nuoc', 'trong_trot', 'chan_nuoi_thu_y', 'lam_nghiep',
                   'thuy_san'),
    'ld_so_ct': ('thuong_mai', 'dien', 'hoa_chat', 'an_toan_thuc_pham', 'xuat_nhap_khau'),
    'ld_so_gddt': ('giao_duc_dao_tao', 'van_bang_chung_chi', 'thi_tuyen_sinh', 'giao_duc_nghe_nghiep'),
    'ld_so_khcn': ('hoat_dong_khcn', 'so_huu_tri_tue', 'tieu_chuan_do_luong', 'an_toan_buc_xa', 'buu_chinh',
                   'vien_thong'),
    'ld_so_ngv': ('hoi_nghi_quoc_te', 'vien_tro_phi_chinh_phu', 'lanh_su'),
    'ld_so_nv': ('cong_chuc_vien_chuc', 'thi_dua_khen_thuong', 'ton_giao', 'viec_lam', 'an_toan_lao_dong',
                 'nguoi_co_cong', 'van_thu_luu_tru'),
    'ld_so_tc': ('dau_tu', 'thanh_lap_doanh_nghiep', 'hop_tac_xa', 'quan_ly_cong_san'),
    'ld_so_vhttdl': ('van_hoa', 'the_duc_the_thao', 'du_lich', 'bao_chi', 'xuat_ban', 'gia_dinh'),
    'ld_so_yt': ('kham_chua_benh', 'duoc_pham', 'trang_thiet_bi_y_te', 'y_te_du_phong', 'an_toan_thuc_pham',
                 'bao_tro_xa_hoi'),
    'ld_thanh_tra': ('tiep_cong_dan', 'khieu_nai', 'to_cao', 'phong_chong_tham_nhung'),
    'ld_bql_kcn': ('dau_tu', 'xay_dung', 'moi_truong', 'viec_lam', 'thuong_mai'),
    'ld_congan_tinh': ('cu_tru', 'can_cuoc', 'xuat_nhap_canh', 'dang_ky_xe', 'phong_chay_chua_chay',
                       'nganh_nghe_an_ninh', 'vu_khi_vat_lieu_no'),
    COMMUNE: ('ho_tich', 'chung_thuc', 'dat_dai', 'bao_tro_xa_hoi', 'kinh_doanh_ho', 'nguoi_co_cong', 'xay_dung',
              'moi_truong', 'trong_trot', 'khieu_nai'),
}
GENERIC = Field('Tổng hợp', 'General', (3, 15), 0.6)


@dataclass(frozen=True)
class Catalogue:
    """One catalogue to write: an agency's, or the commune level's (``agency`` None)."""

    key: str  # the agency code, or COMMUNE
    name_vi: str
    name_en: str
    counts: tuple[int, int, int]  # total, full-process, partial


def provincial_agencies(agencies_csv: Path) -> tuple[Agency, ...]:
    """The provincial agencies the catalogue feed serves, in the order the simulator splits over them."""
    served = tuple(a for a in load_agencies(agencies_csv) if FEED.serves(a))
    return tuple(a for a in served if a.level == 'province')


def catalogues(agencies_csv: Path, names: dict[str, tuple[str, str]]) -> list[Catalogue]:
    split = _province_split(SEED, provincial_agencies(agencies_csv))
    found = [Catalogue(code, *names[code], counts) for code, counts in sorted(split.items())]
    return [*found, Catalogue(COMMUNE, 'cấp xã', 'commune level', COMMUNE_LEVEL)]


def fields_of(catalogue: Catalogue) -> list[tuple[str, Field]]:
    codes = AGENCY_FIELDS.get(catalogue.key)
    if codes:
        return [(code, FIELDS[code]) for code in codes]
    short = catalogue.key.removeprefix('ld_')
    generic = Field(f'{GENERIC.name_vi} ({catalogue.name_vi})', f'{GENERIC.name_en} ({catalogue.name_en})',
                    GENERIC.deadline, GENERIC.fee_rate)
    return [(f'chung_{short}', generic)]


def procedures(catalogue: Catalogue) -> list[dict[str, str]]:
    """The catalogue's procedures: spread over its fields, ``full`` of them full-process, the rest partial."""
    total, full, _partial = catalogue.counts
    fields = fields_of(catalogue)
    weights = [rng(SEED, 'procedure-field', catalogue.key, code).uniform(0.5, 2.0) for code, _ in fields]
    per_field = apportion(total, weights)
    is_full = set(rng(SEED, 'procedure-full', catalogue.key).sample(range(total), full))
    commune = catalogue.key == COMMUNE
    prefix = 'LD.X' if commune else f"LD.T.{catalogue.key.removeprefix('ld_').replace('_', '').upper()}"
    rows, number = [], 0
    for (field_code, field), count in zip(fields, per_field, strict=True):
        for in_field in range(1, count + 1):
            code = f'{prefix}.{number + 1:03d}'
            draw = rng(SEED, 'procedure', code)
            where_vi, where_en = ('cấp xã', 'Commune-level') if commune else (
                f'của {catalogue.name_vi}', catalogue.name_en)
            rows.append({
                'procedure_code': code,
                'procedure_name_vi': f'Thủ tục {field.name_vi} số {in_field} {where_vi} (tổng hợp)',
                'procedure_name_en': (f'{where_en} {field.name_en.lower()} procedure no. {in_field} (synthetic)'
                                      if commune else
                                      f'{field.name_en} procedure no. {in_field}, {where_en} (synthetic)'),
                'field_code': field_code, 'field_name_vi': field.name_vi, 'field_name_en': field.name_en,
                'level': 'commune' if commune else 'province',
                'agency_code': '' if commune else catalogue.key,
                'service_level': 'full_process' if number in is_full else 'partial_online',
                'has_fee': _flag(draw.random() < field.fee_rate),
                'deadline_days': str(draw.randint(*field.deadline)),
                'is_synthetic': 'true', 'source': SOURCE,
            })
            number += 1
    return _with_fee_and_without(rows)


def _flag(value: bool) -> str:
    return 'true' if value else 'false'


def _with_fee_and_without(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Every catalogue has a procedure with a fee and one without: the last row flips when all agree."""
    if len(rows) > 1 and len({r['has_fee'] for r in rows}) == 1:
        rows[-1] = {**rows[-1], 'has_fee': _flag(rows[-1]['has_fee'] != 'true')}
    return rows


def build(agencies_csv: Path) -> list[dict[str, str]]:
    names = _agency_names(agencies_csv)
    return [row for catalogue in catalogues(agencies_csv, names) for row in procedures(catalogue)]


def _agency_names(agencies_csv: Path) -> dict[str, tuple[str, str]]:
    with agencies_csv.open(encoding='utf-8', newline='') as fh:
        return {r['agency_code']: (r['name_vi'], r['name_en']) for r in csv.DictReader(fh)}


def validate(rows: list[dict[str, str]], agencies_csv: Path) -> None:
    """Stop, naming the problem, unless the catalogue reconciles with the feed's split and Phụ lục V."""
    codes = Counter(r['procedure_code'] for r in rows)
    duplicated = sorted(c for c, n in codes.items() if n > 1)
    if duplicated:
        raise SystemExit(f'procedures.csv: procedure_code not unique: {duplicated[:5]}')
    names = defaultdict(set)
    for r in rows:
        names[r['field_code']].add(r['field_name_vi'])
    clashes = sorted(code for code, found in names.items() if len(found) > 1)
    if clashes:
        raise SystemExit(f'procedures.csv: field_code with more than one name: {clashes}')
    by_agency: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        by_agency[r['agency_code'] or COMMUNE].append(r)
    expected = {**_province_split(SEED, provincial_agencies(agencies_csv)), COMMUNE: COMMUNE_LEVEL}
    if set(by_agency) != set(expected):
        raise SystemExit(f'procedures.csv: agencies {sorted(set(by_agency) ^ set(expected))} are not the receiving'
                         ' provincial agencies plus the commune level')
    for key, want in expected.items():
        got = _counts(by_agency[key])
        if got != want:
            raise SystemExit(f'procedures.csv {key}: (total, full, partial) {got}, the catalogue feed has {want}')
        if {r['has_fee'] for r in by_agency[key]} != {'true', 'false'}:
            raise SystemExit(f'procedures.csv {key}: needs a procedure with a fee and one without')
    province = tuple(map(sum, zip(*(_counts(v) for k, v in by_agency.items() if k != COMMUNE), strict=True)))
    if province != PROVINCE_LEVEL:
        raise SystemExit(f'procedures.csv: the province level is {province}, Phụ lục V says {PROVINCE_LEVEL}')
    share = sum(r['has_fee'] == 'true' for r in rows) / len(rows)
    if not FEE_SHARE[0] <= share <= FEE_SHARE[1]:
        raise SystemExit(f'procedures.csv: {share:.1%} of procedures have a fee, expected {FEE_SHARE}')
    print(f'procedures.csv: {len(rows)} procedures, {len(by_agency) - 1} provincial agencies + the commune level,'
          f' province {province}, commune {_counts(by_agency[COMMUNE])}, {share:.1%} with a fee', file=sys.stderr)


def _counts(rows: list[dict[str, str]]) -> tuple[int, int, int]:
    levels = Counter(r['service_level'] for r in rows)
    return len(rows), levels['full_process'], levels['partial_online']


def render(rows: list[dict[str, str]]) -> str:
    return render_seed(rows, COLUMNS)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seeds', type=Path, default=SEEDS, help='the seed folder (default: seeds/ of the repository)')
    ap.add_argument('--check', action='store_true', help='do not write; exit 1 naming the first row that differs')
    args = ap.parse_args()
    seeds = repo_path(args.seeds)
    rows = build(seeds / 'agencies.csv')
    validate(rows, seeds / 'agencies.csv')
    return write_or_check(seeds / 'procedures.csv', render(rows), args.check)


if __name__ == '__main__':
    sys.exit(main())
