"""Check a dropped file before any parser reads it: its size, a workbook's unpacked size and used range, XML
that declares entities (bombs, external references), and stored numbers that openpyxl cannot read."""

from __future__ import annotations

import io
import os
import posixpath
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import openpyxl.xml
from defusedxml.ElementTree import fromstring

MB = 2**20
BYTES_VARIABLE = "CHISO_INBOX_MAX_UNCOMPRESSED_MB"  # chiso.config reads these; the messages name them
CELLS_VARIABLE = "CHISO_INBOX_MAX_CELLS"
ROWS_VARIABLE = "CHISO_INBOX_MAX_ROWS"
MAX_PARTS = 1_000  # an annex workbook has a dozen parts
MAX_DEPTH = 64  # SpreadsheetML nests a few levels
MAX_NUMBER_TEXT = 32  # a stored number as Excel writes it: 17 significant digits, a sign, a point, an exponent
CHUNK = MB
XML_PARTS = (".xml", ".rels")  # parts openpyxl parses as XML (a .vml drawing or a picture it does not)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_STORED_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_FIX = "save the file again from Excel or LibreOffice as .xlsx (or CSV UTF-8) and drop it again"


class FileReadError(ValueError):
    """A file that cannot be read as a workbook or a UTF-8 CSV; ``sheet``, ``row`` and ``column`` where the fault
    has a place."""

    def __init__(self, message: str, row: int | None = None, *, sheet: str | None = None,
                 column: int | None = None) -> None:
        super().__init__(message)
        self.row, self.sheet, self.column = row, sheet, column


@dataclass(frozen=True)
class Limits:
    """How large a dropped file may be; a report annex is a few kB and a few hundred cells, far inside them."""

    max_bytes: int = 20 * MB  # a workbook unpacked (all its parts together), or a CSV file
    max_cells: int = 100_000  # a sheet's used range, rows × columns (what openpyxl allocates)
    max_rows: int = 10_000
    report_days_ahead: int = 7  # a report may be dated this many days after today (the day it is due); not more

    def too_large(self, what: str) -> str:
        return (f"{what}, more than the {self.max_bytes / MB:g} MB allowed ({BYTES_VARIABLE}); a report annex is far"
                f" smaller: remove pictures and other sheets, then save again (or raise {BYTES_VARIABLE})")

    def too_wide(self, rows: int, cols: int) -> str:
        if rows > self.max_rows:
            what = f"{rows:,} rows, more than the {self.max_rows:,} allowed ({ROWS_VARIABLE})"
        else:
            what = f"{rows * cols:,} cells, more than the {self.max_cells:,} allowed ({CELLS_VARIABLE})"
        return (f"the sheet spans A1:{_letters(cols)}{rows}, {what}; delete the rows and columns outside the"
                f" report (Ctrl+End shows the last cell in use) and save again, or raise {CELLS_VARIABLE} and"
                f" {ROWS_VARIABLE}")


def require_safe_xml() -> None:
    """openpyxl parses with defusedxml only when it is importable and not switched off (OPENPYXL_DEFUSEDXML)."""
    if not openpyxl.xml.DEFUSEDXML:
        raise RuntimeError("openpyxl is not using defusedxml (OPENPYXL_DEFUSEDXML is off, or defusedxml is missing);"
                           " dropped workbooks are not read without it: install chiso's requirements and unset"
                           " OPENPYXL_DEFUSEDXML")


def read_dropped(path: Path, limits: Limits) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file (a link is not followed) and its status; the size is checked before reading."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        if path.is_symlink():  # replaced by a link since it was listed
            raise FileReadError(symlink_message()) from None
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise FileReadError(not_regular_message())
        if st.st_size > limits.max_bytes:
            raise FileReadError(limits.too_large(f"the file has {st.st_size / MB:,.1f} MB"))
        data = f.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise FileReadError(limits.too_large("the file grew while it was read"))
    return data, st


def symlink_message() -> str:
    return ("a symbolic link is not read (it may point anywhere on this server); drop the file itself into the"
            " inbox, not a link to it")


def not_regular_message() -> str:
    return "not a regular file (a folder, a pipe or a device); drop the .xlsx or .csv file itself"


def check_workbook(data: bytes, limits: Limits) -> None:
    """Refuse a workbook before openpyxl reads it: an archive that unpacks to more than ``limits`` (or lies about
    its sizes), XML parts that declare a DTD or are not well formed, a sheet whose used range exceeds ``limits``,
    and numbers stored in a form no spreadsheet writes (NaN, 5,000 digits)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise FileReadError(f"not a readable .xlsx workbook ({exc}); {_FIX}") from None
    if len(infos) > MAX_PARTS:
        raise FileReadError(f"the workbook has {len(infos):,} parts (an annex has about a dozen, at most"
                            f" {MAX_PARTS:,} are read); {_FIX}")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_bytes:
        raise FileReadError(limits.too_large(f"the workbook unpacks to {declared / MB:,.1f} MB"))
    names = _sheet_names(archive)  # read through zipfile, which stops at the declared sizes just checked
    scans, total = [], 0
    for info in infos:
        is_xml = info.filename.lower().endswith(XML_PARTS)
        scan = _XmlScan(info.filename, names.get(info.filename, info.filename), limits) if is_xml else None
        for chunk in _unpacked(data, info):
            total += len(chunk)
            if total > limits.max_bytes:
                raise FileReadError(limits.too_large(f"the workbook unpacks to more than it declares"
                                                     f" ({declared / MB:,.1f} MB)"))
            if scan is not None:
                scan.feed(chunk)
        if scan is not None:
            scan.close()
            scans.append(scan)
    for scan in scans:
        scan.report()


def _unpacked(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes, unpacked a chunk at a time from the archive's own stream: a part that unpacks to more than
    its declared size is refused as soon as it does (zipfile would silently cut it at the declared size)."""
    if info.flag_bits & 0x1:
        raise FileReadError(f"the workbook is password-protected (part {info.filename} is encrypted); remove the"
                            " password in Excel (File › Info › Protect Workbook) and save again")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise FileReadError(f"part {info.filename} uses compression method {info.compress_type}, which Excel does"
                            f" not write; {_FIX}")
    header = data[info.header_offset:info.header_offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise FileReadError(f"the workbook is damaged (part {info.filename} is missing); {_FIX}")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_length + extra_length
    raw = memoryview(data)[start:start + info.compress_size]
    if len(raw) < info.compress_size:
        raise FileReadError(f"the workbook is damaged or cut short (part {info.filename}); {_FIX}")
    size = 0
    for chunk in _inflated(raw) if info.compress_type == zipfile.ZIP_DEFLATED else _pieces(raw):
        size += len(chunk)
        if size > info.file_size:
            raise FileReadError(f"the workbook is damaged or crafted: part {info.filename} declares"
                                f" {info.file_size:,} bytes but unpacks to more; {_FIX}")
        yield chunk
    if size != info.file_size:
        raise FileReadError(f"the workbook is damaged or cut short: part {info.filename} declares"
                            f" {info.file_size:,} bytes but holds {size:,}; {_FIX}")


def _pieces(raw: memoryview) -> Iterator[bytes]:
    for pos in range(0, len(raw), CHUNK):
        yield bytes(raw[pos:pos + CHUNK])


def _inflated(raw: memoryview) -> Iterator[bytes]:
    """Inflate ``raw`` a chunk of output at a time, so a bomb never sits in memory whole."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for pos in range(0, len(raw), CHUNK):
            pending = bytes(raw[pos:pos + CHUNK])
            while pending and not inflater.eof:
                out = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                if out:
                    yield out
        while not inflater.eof and (out := inflater.decompress(b"", CHUNK)):
            yield out
    except zlib.error as exc:
        raise FileReadError(f"the workbook is damaged (a part cannot be unpacked: {exc}); {_FIX}") from None


@dataclass
class _XmlScan:
    """One XML part streamed through expat: no DTD, well formed, and (for a sheet) its used range and stored
    numbers, which openpyxl would otherwise allocate or fail on without saying where."""

    part: str
    sheet: str  # the sheet's name, or the part's for a part that is not a sheet
    limits: Limits
    rows: int = 0
    cols: int = 0
    bad: list[tuple[int, int, str, int]] = field(default_factory=list)  # row, column, text shown, its length
    _parser: object = None
    _row: int = 0
    _col: int = 0
    _cell: tuple[int, int, str] | None = None  # the open <c>: row, column, type
    _text: list[str] | None = None  # the open <v> of a number cell (its start)
    _length: int = 0  # its length
    _depth: int = 0

    def __post_init__(self) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        parser.ExternalEntityRefHandler = self._doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        parser.buffer_text = True
        self._parser = parser

    def feed(self, chunk: bytes, final: bool = False) -> None:
        try:
            self._parser.Parse(chunk, final)
        except expat.ExpatError as exc:
            raise FileReadError(f"the workbook's part {self.part} is not well-formed XML"
                                f" ({expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset}); {_FIX}"
                                ) from None

    def close(self) -> None:
        self.feed(b"", final=True)

    def report(self) -> None:
        """Raise the first stored number openpyxl cannot read, naming its sheet and cell."""
        if not self.bad:
            return
        row, col, shown, length = self.bad[0]
        what = f"a number {length:,} characters long" if length > MAX_NUMBER_TEXT else f"'{shown}' as a number"
        more = f" ({len(self.bad) - 1} more such cells)" if len(self.bad) > 1 else ""
        raise FileReadError(f"cell {_letters(col)}{row} holds {what}, which no spreadsheet stores (Excel keeps"
                            f" 15 significant digits and no NaN or infinity){more}; type the figure again, then"
                            f" {_FIX}", row, sheet=self.sheet, column=col)

    def _doctype(self, *_: object) -> None:
        raise FileReadError(f"the workbook's part {self.part} declares a document type or entities (<!DOCTYPE …>,"
                            " <!ENTITY …>); they are refused because they can expand to gigabytes or read files of"
                            f" this server, and Excel never writes them; {_FIX}")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise FileReadError(f"the workbook's part {self.part} nests elements {self._depth} deep; {_FIX}")
        if not name.startswith(_MAIN):
            return
        local = name[len(_MAIN) + 1:]
        if local == "row":
            number = attrs.get("r", "")
            self._row = _number(number) if number.isdigit() else self._row + 1
            self._col = 0
            self._extend(self._row, 1)
        elif local == "c":
            row, col = _cell(attrs.get("r", "")) or (self._row, self._col + 1)
            self._col = col
            self._cell = (row, col, attrs.get("t", "n"))
            self._extend(row, col)
        elif local == "v" and self._cell is not None and self._cell[2] == "n":
            self._text, self._length = [], 0
        elif local in ("mergeCell", "hyperlink"):  # openpyxl creates a cell object for every cell of the range
            for corner in attrs.get("ref", "").replace("$", "").split(":"):
                self._extend(*(_cell(corner) or (1, 1)))

    def _chars(self, text: str) -> None:
        if self._text is not None:
            if self._length <= MAX_NUMBER_TEXT * 4:
                self._text.append(text[:MAX_NUMBER_TEXT * 4])
            self._length += len(text)

    def _end(self, name: str) -> None:
        self._depth -= 1
        if name == f"{_MAIN} c":
            self._cell = None
        elif name == f"{_MAIN} v" and self._text is not None and self._cell is not None:
            text, self._text = "".join(self._text).strip(), None
            if text and (self._length > MAX_NUMBER_TEXT * 4 or not _is_stored_number(text)) and len(self.bad) < 50:
                self.bad.append((self._cell[0], self._cell[1], text[:MAX_NUMBER_TEXT], self._length))

    def _extend(self, row: int, col: int) -> None:
        rows, cols = max(self.rows, row), max(self.cols, col)
        if rows > self.limits.max_rows or rows * cols > self.limits.max_cells:
            raise FileReadError(self.limits.too_wide(rows, cols), sheet=self.sheet)
        self.rows, self.cols = rows, cols


def _is_stored_number(text: str) -> bool:
    if len(text) > MAX_NUMBER_TEXT or not _STORED_NUMBER.fullmatch(text):
        return False
    return abs(float(text)) != float("inf")


def _cell(ref: str) -> tuple[int, int] | None:
    """(row, column) of a reference such as C8, as openpyxl reads it; None for one it cannot read (it then fails)."""
    found = _CELL_REF.fullmatch(ref)
    if found is None:
        return None
    col = 0
    for ch in found.group(1):
        col = col * 26 + ord(ch) - 64
    return _number(found.group(2)), col


def _number(digits: str) -> int:
    return int(digits) if len(digits) < 10 else 10**9  # past any limit, without int() of thousands of digits


def _letters(col: int) -> str:
    out = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        out = chr(65 + rest) + out
    return out or "A"


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Part name → sheet name, so a message says 'sheet Phụ lục V' rather than xl/worksheets/sheet1.xml; empty when
    the workbook's own index cannot be read (openpyxl then reports that)."""
    try:
        root = _targets(archive, "_rels/.rels", "")
        book = next((t for kind, t in root if kind.endswith("/officeDocument")), "xl/workbook.xml")
        folder, base = posixpath.split(book)
        targets = dict(_targets(archive, f"{folder}/_rels/{base}.rels", folder, ids=True))
        sheets = fromstring(archive.read(book)).iter(f"{{{_MAIN}}}sheet")
        return {targets[s.get(f"{{{_REL}}}id")]: s.get("name", "") for s in sheets if s.get(f"{{{_REL}}}id") in targets}
    except (KeyError, ValueError, SyntaxError, zipfile.BadZipFile):
        return {}


def _targets(archive: zipfile.ZipFile, rels: str, folder: str, *, ids: bool = False) -> list[tuple[str, str]]:
    out = []
    for rel in fromstring(archive.read(rels)).iter(f"{{{_PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        part = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out.append((rel.get("Id", "") if ids else rel.get("Type", ""), part))
    return out
