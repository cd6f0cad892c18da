"""The XLSX files as LibreOffice Calc shows them (Debian's soffice, headless): every cell of every workbook is what
the mart holds (read here with SQL), suppressed cells are empty exactly where the CSV's are, codes such as
ld_xa_22918 stay intact, planted look-alikes of the ``_xHHHH_`` escape read back exactly, no row is shorter than
Calc needs for its text, and the CSV imports into Calc as its guide says. Calc runs once per kind of check, over
every file at once."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import random
import re
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path

import openpyxl
import pandas as pd
import psycopg
import pytest
from libreoffice import Calc, RowHeight, calc, import_csv, row_heights, sheets_as_csv
from openpyxl import Workbook
from psycopg import sql

from chiso.config import settings
from chiso.dbt import dbt_target_dir
from publish import export_all
from publish.catalogue import Dataset, Field, read_catalogue
from publish.dbt_docs import Bilingual, load_manifest, split_bilingual
from publish.xlsx import XlsxError, render_xlsx, xlsx_text

pytestmark = pytest.mark.warehouse("built")

DATA, METADATA = "Dữ liệu", "Metadata"  # the sheets, as people see them
FLAG = "suppressed_columns"
#: What Excel decodes (ECMA-376 ST_Xstring: ``_x``, four hex digits, ``_``; it writes a literal one as _x005F_…).
EXCEL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
#: Anything shaped like an escape, however loosely (what this module looks for in the mart's text).
ESCAPE_SHAPED = re.compile(r"_[xX][0-9A-Fa-f]{1,4}_")
SEED = 20260301


@dataclass(frozen=True)
class Published:
    """An open-data dataset as this test reads it from dbt's manifest: its mart, marked columns, labels and key."""

    code: str
    model: str
    columns: list[str]
    labels: dict[str, str]  # column -> its Vietnamese description's first sentence, before any formula or colon
    key: list[str]


def _published(manifest: dict) -> list[Published]:
    nodes, found = manifest["nodes"], []
    for exposure in manifest["exposures"].values():
        if "open_data" not in exposure["config"]["meta"]:
            continue
        (model_id,) = exposure["depends_on"]["nodes"]
        node = nodes[model_id]
        marked = {name: column for name, column in node["columns"].items()
                  if column["config"]["meta"].get("publish", {}).get("include")}
        (key,) = [t["test_metadata"]["kwargs"]["columns"] for t in nodes.values()
                  if t["resource_type"] == "test" and t.get("attached_node") == model_id
                  and (t.get("test_metadata") or {}).get("name") == "unique_combination"]
        labels = {name: _first_clause(split_bilingual(column["description"]).vi) for name, column in marked.items()}
        found.append(Published(exposure["name"], node["name"], list(marked), labels, key))
    return sorted(found, key=lambda p: p.code)


def _first_clause(text: str) -> str:
    ends = [i for i in (text.find(". "), text.find(" = "), text.find(": ")) if i >= 0]
    return text[:min(ends)] if ends else text.rstrip(" .")


def _shows(text: str, value: object) -> bool:
    """Whether Calc's raw text of a cell is ``value``: a number to Calc's 15 significant digits, a date as ISO."""
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("TRUE" if value else "FALSE")
    if isinstance(value, datetime):
        return text == value.date().isoformat()
    if isinstance(value, date):
        return text == value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        try:
            return float(text) == float(f"{float(value):.15g}")
        except ValueError:
            return False
    return text == value


def _key_text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


@pytest.fixture(scope="module")
def published() -> list[Published]:
    found = _published(json.loads((dbt_target_dir() / "manifest.json").read_text(encoding="utf-8")))
    assert found, "no open-data exposure in the dbt manifest"
    return found


@pytest.fixture(scope="module")
def exported(warehouse_url, tmp_path_factory) -> Path:
    """The exports of two months of every source (conftest.BUILT_WINDOW), at the configured minimum cell."""
    out = tmp_path_factory.mktemp("xlsx-exports")
    export_all(warehouse_url, out, dbt_manifest=dbt_target_dir() / "manifest.json",
               min_cell=settings().publish_min_cell)
    return out


def _mart(conn: psycopg.Connection, ds: Published) -> dict[tuple[str, ...], dict[str, object]]:
    """The mart's published columns, by key, read straight from the warehouse."""
    cur = conn.execute(sql.SQL("select {} from marts.{}").format(
        sql.SQL(", ").join(map(sql.Identifier, ds.columns)), sql.Identifier(ds.model)))
    rows = [dict(zip(ds.columns, row, strict=True)) for row in cur.fetchall()]
    return {tuple(_key_text(row[k]) for k in ds.key): row for row in rows}


def _csv_records(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


# --- planted text: every shape of escape look-alike, through the writer ------------------------------------------

#: Hex digits after ``_x``: each length, both cases, values Calc or Excel decode and values next to them.
DIGITS = ("0", "a", "A", "f", "1f", "1F", "20", "41", "5f", "5F", "7f", "00a", "05f", "0041", "000a", "000D", "005F",
          "005f", "00e9", "d83d", "DFFF", "fffe", "FFFF", "00041", "g", "0g", "")


def look_alikes(seed: int) -> list[str]:
    """Strings shaped like escapes (at the start, middle and end, back to back, sharing an underscore, nearly
    right), then seeded random strings of escape parts."""
    cases = ["ld_xa_22918", "Phường_xa_Mũi Né", "_x005F_x0041_", "_x005F_", "_x1_x2_", "_x4_1_", "__x0041_",
             "_x0041__", "_x_", "x0041_", "_x0041", "_x 41_", "_x+41_", "_x-1_", "_x0x41_", "abc_x", "_", "x",
             "a_\nx0041_", "_x0041_\n_xa_", " _xa_ "]
    for digits in DIGITS:
        for x in "xX":
            seq = f"_{x}{digits}_"
            cases += [seq, f"a{seq}b", f"{seq}end", f"start{seq}", seq + seq, seq[:-1] + seq, f"ld{seq}22918"]
    rng = random.Random(seed)
    parts = ["_", "_x", "x", "X", "0", "00", "5", "5F", "F", "f", "a", "D", "1", "g", " ", "đ", "Ư", "\n", "\t"]
    cases += ["".join(rng.choice(parts) for _ in range(rng.randint(1, 14))) for _ in range(400)]
    return list(dict.fromkeys(cases))


@dataclass(frozen=True)
class Planted:
    path: Path
    dataset: Dataset
    cases: list[str]


def _planted_dataset(real: Dataset, cases: list[str]) -> Dataset:
    field = Field(name="planted", pg_type="text", kind="label", table_type="string",
                  title=Bilingual(f"Nhãn {cases[0]} _x0041_", f"Label {cases[2]}"),
                  description=Bilingual(f"Mô tả {cases[3]}.", f"Description {cases[4]}."),
                  unit=None, unit_code=None, required=False)
    return dataclasses.replace(
        real, code="planted", title=Bilingual(cases[0], cases[1]), description=Bilingual(cases[5], cases[6]),
        grain=Bilingual(cases[7], cases[8]), spatial=cases[9], keywords=(cases[10], cases[11]), fields=(field,))


@pytest.fixture(scope="module")
def planted(warehouse_url, tmp_path_factory) -> Planted:
    """A workbook from render_xlsx whose every text (data, label, metadata) is an escape look-alike."""
    with psycopg.connect(warehouse_url) as conn:
        real = read_catalogue(conn, load_manifest(dbt_target_dir() / "manifest.json"), 1).datasets[0]
    cases = look_alikes(SEED)
    ds = _planted_dataset(real, cases)
    path = tmp_path_factory.mktemp("planted") / "planted.xlsx"
    path.write_bytes(render_xlsx(ds, [(case,) for case in cases], 0))
    return Planted(path, ds, cases)


def _probe_sequences() -> list[str]:
    """``_x``/``_X`` with one to three hex digits (every value, both cases) and four (a sample), to measure Calc."""
    values = [(n, v) for n in (1, 2, 3) for v in range(16 ** n)]
    rng = random.Random(SEED)
    four = [*range(0x100), *range(0xD7F0, 0xE010), *range(0xFFF0, 0x10000), *rng.sample(range(0x100, 0xFFF0), 600)]
    values += [(4, v) for v in four]
    digits = sorted({h for n, v in values for h in (format(v, f"0{n}x"), format(v, f"0{n}X"))})
    return [f"_{x}{h}_" for x in "xX" for h in digits]


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> tuple[Path, list[str]]:
    """A workbook of raw escape-shaped text (openpyxl alone, nothing protected): what Calc decodes by itself."""
    sequences = _probe_sequences()
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("probe")
    for seq in sequences:
        sheet.append([f"p{seq}q"])
    path = tmp_path_factory.mktemp("probe") / "probe.xlsx"
    wb.save(path)
    return path, sequences


# --- Calc, once per kind of check --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Calc:
    return calc(tmp_path_factory.mktemp("libreoffice-profile"))


@pytest.fixture(scope="module")
def shown(office, exported, planted, probe, tmp_path_factory) -> dict[tuple[str, str], list[list[str]]]:
    """Every sheet of every exported workbook, the planted one and the probe, as Calc shows it (one run)."""
    workbooks = [*sorted(exported.glob("*.xlsx")), planted.path, probe[0]]
    return sheets_as_csv(office, workbooks, tmp_path_factory.mktemp("calc-csv"))


def _data(shown: dict, code: str) -> list[list[str]]:
    return shown[(code, DATA)]


def _cells(code: str, rows: list[list[str]]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each record of a data sheet as Calc shows it: (row number, column name -> text); names are row 2."""
    names = rows[1]
    for number, row in enumerate(rows[2:], start=3):
        assert len(row) == len(names), f"{code}.xlsx, sheet {DATA}, row {number}: {len(row)} cells"
        yield number, dict(zip(names, row, strict=True))


def test_every_exported_workbook_has_a_data_and_a_metadata_sheet(shown, exported, published):
    assert {stem for stem, _ in shown} >= {ds.code for ds in published}
    for ds in published:
        assert (ds.code, DATA) in shown and (ds.code, METADATA) in shown, ds.code


def test_the_data_sheet_shows_vietnamese_labels_above_the_csv_names(shown, exported, published):
    for ds in published:
        labels, names = _data(shown, ds.code)[:2]
        csv_header = next(csv.reader((exported / f"{ds.code}.csv").read_text(encoding="utf-8-sig").splitlines()))
        assert names == csv_header, ds.code
        assert names[:len(ds.columns)] == ds.columns and names[len(ds.columns):] in ([], [FLAG]), ds.code
        assert labels[:len(ds.columns)] == [ds.labels[c] for c in ds.columns], ds.code
        assert all(labels), f"{ds.code}: every column has a label in row 1"


def test_every_data_cell_reads_in_calc_as_the_mart_holds_it(shown, conn, published):
    wrong, checked = [], 0
    for ds in published:
        mart = _mart(conn, ds)
        records = list(_cells(ds.code, _data(shown, ds.code)))
        assert len(records) == len(mart), f"{ds.code}.xlsx: {len(records)} records in Calc, {len(mart)} in the mart"
        for number, cells in records:
            key = tuple(cells[k] for k in ds.key)
            if key not in mart:
                wrong.append(f"{ds.code}.xlsx, sheet {DATA}, row {number}: key {dict(zip(ds.key, key, strict=True))}"
                             f" is no row of marts.{ds.model}")
                continue
            expected = mart[key]
            hidden = set(filter(None, cells.get(FLAG, "").split(";")))
            for name in ds.columns:
                checked += 1
                value = None if name in hidden else expected[name]
                if not _shows(cells[name], value):
                    wrong.append(f"{ds.code}.xlsx, sheet {DATA}, row {number}, column {name}: Calc shows"
                                 f" {cells[name]!r}, the mart holds {expected[name]!r}")
    assert not wrong, f"{len(wrong)} of {checked} cells differ:\n" + "\n".join(wrong[:20])


def test_suppressed_cells_are_empty_in_calc_exactly_where_the_csv_has_them_empty(shown, exported, published):
    hidden_cells = 0
    for ds in published:
        records = {tuple(r[k] for k in ds.key): r for r in _csv_records(exported / f"{ds.code}.csv")}
        for number, cells in _cells(ds.code, _data(shown, ds.code)):
            in_csv = records.get(tuple(cells[k] for k in ds.key))
            assert in_csv, f"{ds.code}.xlsx, sheet {DATA}, row {number}: its key is in no row of the CSV"
            assert cells.get(FLAG, "") == in_csv.get(FLAG, ""), (ds.code, number)
            empty_in_calc = {name for name, text in cells.items() if text == ""}
            empty_in_csv = {name for name, text in in_csv.items() if text == ""}
            assert empty_in_calc == empty_in_csv, f"{ds.code}.xlsx, sheet {DATA}, row {number}"
            hidden = set(filter(None, in_csv.get(FLAG, "").split(";")))
            assert hidden <= empty_in_calc, f"{ds.code}.xlsx, sheet {DATA}, row {number}"
            hidden_cells += len(hidden)
    assert hidden_cells > 0, "no cell was suppressed: the exports hold no small commune count to hide"


def test_commune_codes_such_as_ld_xa_22918_come_back_intact(shown, conn, published):
    with_codes = 0
    for ds in published:
        in_mart = Counter(v for row in _mart(conn, ds).values() for v in row.values()
                          if isinstance(v, str) and ESCAPE_SHAPED.search(v))
        in_calc = Counter(text for _, cells in _cells(ds.code, _data(shown, ds.code)) for text in cells.values()
                          if ESCAPE_SHAPED.search(text))
        assert in_calc == in_mart, f"{ds.code}.xlsx: {sorted(set(in_mart) - set(in_calc))[:5]} lost in Calc"
        assert not any("\n" in text for _, cells in _cells(ds.code, _data(shown, ds.code)) for text in cells.values())
        with_codes += bool(in_mart)
    assert with_codes >= 4, "the commune codes ld_xa_… are in most datasets"
    vneid = _data(shown, "vneid_by_commune_month")
    assert "ld_xa_22918" in {cells["agency_code"] for _, cells in _cells("vneid_by_commune_month", vneid)}


def _openpyxl_rows(path: Path, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))


def test_calc_and_openpyxl_read_every_cell_of_every_sheet_alike(shown, exported, published):
    wrong = []
    for ds in published:
        for sheet in (DATA, METADATA):
            for number, (text_row, value_row) in enumerate(
                    zip_longest(shown[(ds.code, sheet)], _openpyxl_rows(exported / f"{ds.code}.xlsx", sheet),
                                fillvalue=()), start=1):
                for column, (text, value) in enumerate(zip_longest(text_row, value_row, fillvalue=None), start=1):
                    if not _shows(text or "", value if value != "" else None):
                        wrong.append(f"{ds.code}.xlsx, sheet {sheet}, row {number}, column {column}: Calc shows"
                                     f" {text!r}, openpyxl reads {value!r}")
    assert not wrong, "\n".join(wrong[:20])


def test_planted_escape_look_alikes_read_back_exactly_in_calc_openpyxl_and_pandas(shown, planted):
    data, metadata = shown[("planted", DATA)], shown[("planted", METADATA)]
    assert data[0] == [planted.dataset.fields[0].title.vi] and data[1] == ["planted"]
    wrong = [f"planted.xlsx, sheet {DATA}, row {n}: {case!r} shows as {row[0]!r}"
             for n, (case, row) in enumerate(zip(planted.cases, data[2:], strict=True), start=3) if row != [case]]
    assert not wrong, f"{len(wrong)} of {len(planted.cases)} planted texts changed in Calc:\n" + "\n".join(wrong[:20])
    record = {row[0]: row[1:3] for row in metadata if row and row[0]}
    ds = planted.dataset
    assert record["Tiêu đề / Title"] == [ds.title.vi, ds.title.en]
    assert record["Cấp chi tiết / Grain"] == [ds.grain.vi, ds.grain.en]
    assert record["Từ khóa / Keywords"][0] == "; ".join(ds.keywords)
    assert record["planted"] == [ds.fields[0].title.vi, ds.fields[0].title.en]  # the column table
    for read_only in (False, True):
        sheet = openpyxl.load_workbook(planted.path, read_only=read_only)[DATA]
        assert [r[0] for r in sheet.iter_rows(min_row=3, values_only=True)] == planted.cases
    frame = pd.read_excel(planted.path, sheet_name=DATA, header=1, dtype=str, keep_default_na=False)
    assert frame["planted"].tolist() == planted.cases


def test_the_writer_protects_exactly_what_calc_or_excel_decodes(shown, probe):
    path, sequences = probe
    rows = shown[(path.stem, "probe")]
    decoded_by_calc = {seq for seq, row in zip(sequences, rows, strict=True) if row != [f"p{seq}q"]}
    assert {"_xa_", "_x005F_", "_x1f_", "_xd83d_"} <= decoded_by_calc, "the probe measures Calc's decoding"
    assert not {s for s in decoded_by_calc if s.startswith("_X")}, "Calc decodes _X… (capital X) too: widen the rule"
    wrong = []
    for seq in sequences:
        needs = seq in decoded_by_calc or bool(EXCEL_ESCAPE.fullmatch(seq))
        written = xlsx_text(f"p{seq}q")
        if needs == isinstance(written, str):
            wrong.append(f"{seq}: decoded by {'Calc' if seq in decoded_by_calc else 'Excel' if needs else 'neither'},"
                         f" written as {written!r}")
    assert not wrong, f"{len(wrong)} of {len(sequences)} sequences:\n" + "\n".join(wrong[:20])


def test_a_character_no_cell_can_hold_is_refused_naming_the_file_sheet_row_and_column(planted):
    for text in ("a\rb", "bell\x07"):
        with pytest.raises(XlsxError, match=rf"planted\.xlsx, sheet '{DATA}', row 4, column A \(planted\): .*U\+00"):
            render_xlsx(planted.dataset, [("fine",), (text,)], 0)


def test_a_text_longer_than_a_cell_holds_is_refused_not_cut(planted):
    for text in ("a" * 32_768, "ld_xa_1 " * 4_100):  # plain, and cut into runs around look-alikes
        with pytest.raises(XlsxError, match=rf"planted\.xlsx, sheet '{DATA}', row 3, column A \(planted\): .*longer"):
            render_xlsx(planted.dataset, [(text,)], 0)
    assert render_xlsx(planted.dataset, [("a" * 32_767,)], 0)  # Excel's limit itself fits


def test_the_same_rows_give_the_same_bytes_whatever_the_clock_timezone_or_umask(planted, monkeypatch):
    rows = [(case,) for case in planted.cases]
    first = render_xlsx(planted.dataset, rows, 0)
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: a zip date from local time would move a day
    time.tzset()
    previous = os.umask(0o022)  # a temporary file's mode must not reach the archive
    try:
        time.sleep(1.1)  # a clock read at write time would differ by a second
        second = render_xlsx(planted.dataset, rows, 0)
    finally:
        os.umask(previous)
        monkeypatch.undo()
        time.tzset()
    assert first == second
    archive = zipfile.ZipFile(io.BytesIO(first))
    assert {(i.date_time, i.external_attr >> 16) for i in archive.infolist()} == {((1980, 1, 1, 0, 0, 0), 0o600)}
    assert b"dcterms:created" not in archive.read("docProps/core.xml")
    properties = openpyxl.load_workbook(io.BytesIO(first)).properties
    assert (properties.creator, properties.title) == (planted.dataset.publisher.name.vi, planted.dataset.title.vi)
    assert (properties.identifier, properties.language) == (planted.dataset.uri, "vi")


# --- row heights -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def heights(office, exported, tmp_path_factory) -> dict[tuple[str, int, int], RowHeight]:
    """Every used row of every exported workbook: its height in Calc and the height Calc computes for its text."""
    return row_heights(office, sorted(exported.glob("*.xlsx")), tmp_path_factory.mktemp("calc-heights"))


def test_no_row_is_shorter_than_calc_needs_for_its_text_and_wrapped_rows_are_not_far_taller(heights, published):
    short, tall = [], []
    for (code, sheet, row), h in sorted(heights.items()):
        where = f"{code}.xlsx, sheet {(DATA, METADATA)[sheet]}, row {row}: {h.height / 100} mm"
        if h.height < h.optimal:
            short.append(f"{where}, Calc needs {h.optimal / 100} mm")
        wrapped = sheet == 1 or row == 1  # the Metadata sheet and the labels
        if wrapped and h.height > 1.5 * h.optimal + 600:
            tall.append(f"{where}, Calc needs only {h.optimal / 100} mm")
    assert {code for code, _, _ in heights} == {ds.code for ds in published}
    assert not short, "text overlaps the next row:\n" + "\n".join(short[:20])
    assert not tall, "rows far taller than their text:\n" + "\n".join(tall[:20])
    assert max(h.optimal for (_, sheet, _), h in heights.items() if sheet == 1) > 2000, "long descriptions wrap"


# --- the CSV in Calc, as its guide says ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def csv_in_calc(office, exported, tmp_path_factory) -> dict[str, Path]:
    """Each exported CSV imported into Calc with comma and UTF-8 (publish/writers.py FORMATS['csv'].guide)."""
    return import_csv(office, sorted(exported.glob("*.csv")), tmp_path_factory.mktemp("calc-import"))


def test_calc_imports_the_csv_as_utf8_with_intact_vietnamese_text_and_codes(csv_in_calc, exported):
    types = {r["path"].removesuffix(".csv"): {f["name"]: f["type"] for f in r["schema"]["fields"]}
             for r in json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))["resources"]}
    wrong = []
    for code, workbook in csv_in_calc.items():
        with (exported / f"{code}.csv").open(encoding="utf-8-sig", newline="") as f:
            written = list(csv.reader(f))
        read = list(openpyxl.load_workbook(workbook).active.iter_rows(values_only=True))
        assert list(read[0]) == written[0], f"{code}.csv: the header (the BOM must not show)"
        for number, (texts, values) in enumerate(zip(written[1:], read[1:], strict=True), start=2):
            for name, text, value in zip(written[0], texts, values, strict=True):
                if not _imported_as(text, value, types[code][name]):
                    wrong.append(f"{code}.csv, line {number}, column {name}: {text!r} imported as {value!r}")
    assert not wrong, "\n".join(wrong[:20])
    vneid = [r[1] for r in openpyxl.load_workbook(csv_in_calc["vneid_by_commune_month"]).active.iter_rows(
        min_row=2, values_only=True)]
    assert "Phường Mũi Né" in vneid and "Đặc khu Phú Quý" in vneid


def _imported_as(text: str, value: object, table_type: str) -> bool:
    """Whether Calc's import of a CSV cell kept it: text exactly, a number, date or boolean as the CSV wrote it."""
    if table_type == "string":
        return value == (text or None)
    if value is None or isinstance(value, str):
        return value == (text or None)
    if isinstance(value, bool):
        return text == str(value).lower()
    if isinstance(value, datetime):
        return text == value.date().isoformat()
    return re.fullmatch(r"-?(0|[1-9]\d*)(\.\d+)?", text) is not None and float(text) == value
