"""Open files in headless LibreOffice Calc (Debian's package), as people do, and read back what it shows.

Each helper is one ``soffice`` run over many files, in an isolated user profile (nothing of the machine's own
LibreOffice settings is read), with a timeout: every sheet of workbooks as CSV, CSV files imported as UTF-8 text,
and the row heights of workbooks beside the heights Calc itself computes for their text.
"""

from __future__ import annotations

import csv
import html
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

TIMEOUT_S = 180
#: Calc's CSV filter: comma, double quote, UTF-8 (76), from line 1, standard cell format, no quoting of all text,
#: values as stored rather than as shown (a number at full precision; a date still in its yyyy-mm-dd format),
#: no formulas, spaces kept, and -1: every sheet, each to ``<file>-<sheet>.csv``.
CSV_EXPORT = "44,34,76,1,,0,false,true,false,false,false,-1"
#: What the CSV's guide (publish/writers.py FORMATS) tells people to choose: separator comma, UTF-8, and "Detect
#: special numbers" off (on, Calc reads a reference such as 000:151 as the time 2:31).
CSV_IMPORT = "44,34,76,1,,0,false,false"
_CSV_FILTER = "Text - txt - csv (StarCalc)"
_MACRO = "Module1"
#: A Basic macro: for each workbook listed in a file, each sheet and each used row, the row's height as stored
#: and the height Calc computes for its text (OptimalHeight), in 1/100 mm, as "file sheet row height optimal".
_HEIGHTS_BASIC = """
Sub Heights(sList As String, sOut As String)
    Dim aArgs(0) As New com.sun.star.beans.PropertyValue
    aArgs(0).Name = "Hidden" : aArgs(0).Value = True
    iOut = FreeFile
    Open sOut For Output As #iOut
    iIn = FreeFile
    Open sList For Input As #iIn
    nFile = 0
    Do While Not EOF(iIn)
        Line Input #iIn, sPath
        oDoc = StarDesktop.loadComponentFromURL(ConvertToURL(sPath), "_blank", 0, aArgs())
        For i = 0 To oDoc.Sheets.Count - 1
            oSheet = oDoc.Sheets.getByIndex(i)
            oCursor = oSheet.createCursor()
            oCursor.gotoEndOfUsedArea(False)
            For r = 0 To oCursor.RangeAddress.EndRow
                oRow = oSheet.Rows.getByIndex(r)
                nHeight = oRow.Height
                oRow.OptimalHeight = True
                Print #iOut, nFile & Chr(9) & i & Chr(9) & (r + 1) & Chr(9) & nHeight & Chr(9) & oRow.Height
            Next r
        Next i
        oDoc.close(True)
        nFile = nFile + 1
    Loop
    Close #iIn
    Close #iOut
End Sub
"""


@dataclass(frozen=True)
class Calc:
    """Debian's ``soffice`` and the isolated profile it runs with."""

    binary: str
    profile: Path


@dataclass(frozen=True)
class RowHeight:
    """A row as Calc opened it: its height and the height Calc computes for its text, in 1/100 mm."""

    height: int
    optimal: int


def calc(profile: Path) -> Calc:
    """Calc with a fresh profile in ``profile``; fails (does not skip) when LibreOffice is not installed."""
    binary = shutil.which("soffice")
    if binary is None:
        pytest.fail("LibreOffice's soffice is not installed: run tools/install_programs.sh test (make test runs it)")
    return Calc(binary, profile)


def _run(office: Calc, args: Sequence[str], what: str) -> None:
    command = [office.binary, f"-env:UserInstallation={office.profile.as_uri()}", "--headless", "--norestore",
               *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"LibreOffice did not finish {what} within {TIMEOUT_S} s: {' '.join(command)}")
    if done.returncode != 0:
        pytest.fail(f"LibreOffice failed {what} (exit {done.returncode}): {done.stderr.strip() or done.stdout}")


def sheets_as_csv(office: Calc, workbooks: Sequence[Path], out: Path) -> dict[tuple[str, str], list[list[str]]]:
    """Every sheet of every workbook as Calc shows it, in one run: (file stem, sheet name) → rows of cell text."""
    out.mkdir(parents=True, exist_ok=True)
    _run(office, ["--convert-to", f"csv:{_CSV_FILTER}:{CSV_EXPORT}", "--outdir", str(out), *map(str, workbooks)],
         f"converting {len(workbooks)} workbooks to CSV")
    sheets: dict[tuple[str, str], list[list[str]]] = {}
    for workbook in workbooks:
        exported = sorted(out.glob(f"{workbook.stem}-*.csv"))
        if not exported:
            pytest.fail(f"LibreOffice wrote no CSV for {workbook.name} into {out}")
        for path in exported:
            with path.open(encoding="utf-8", newline="") as f:
                sheets[(workbook.stem, path.stem.removeprefix(f"{workbook.stem}-"))] = list(csv.reader(f))
    return sheets


def import_csv(office: Calc, files: Sequence[Path], out: Path) -> dict[str, Path]:
    """Each CSV file imported as the guide says (comma, UTF-8) and saved as XLSX, in one run: file stem → XLSX."""
    out.mkdir(parents=True, exist_ok=True)
    _run(office, [f"--infilter={_CSV_FILTER}:{CSV_IMPORT}", "--convert-to", "xlsx", "--outdir", str(out),
                  *map(str, files)], f"importing {len(files)} CSV files")
    saved = {path.stem: out / f"{path.stem}.xlsx" for path in files}
    missing = [path.name for path in saved.values() if not path.exists()]
    if missing:
        pytest.fail(f"LibreOffice saved no workbook for {', '.join(missing)} into {out}")
    return saved


def row_heights(office: Calc, workbooks: Sequence[Path], work: Path) -> dict[tuple[str, int, int], RowHeight]:
    """Every used row of every workbook, in one run: (file stem, sheet index, row number) → its heights."""
    _install_macro(office)
    work.mkdir(parents=True, exist_ok=True)
    listing, result = work / "workbooks.txt", work / "heights.tsv"
    listing.write_text("".join(f"{path}\n" for path in workbooks), encoding="utf-8")
    _run(office, [f'macro:///Standard.{_MACRO}.Heights("{listing}","{result}")'], "measuring row heights")
    if not result.exists():
        pytest.fail(f"LibreOffice's Basic macro {_MACRO}.Heights wrote no {result} (is Basic installed?)")
    heights = {}
    for line in result.read_text(encoding="utf-8").splitlines():
        file, sheet, row, height, optimal = map(int, line.split("\t"))
        heights[(workbooks[file].stem, sheet, row)] = RowHeight(height, optimal)
    return heights


def _install_macro(office: Calc) -> None:
    """The height macro as the profile's Standard.Module1 (the profile is made by a first run when it is new)."""
    module = office.profile / "user" / "basic" / "Standard" / f"{_MACRO}.xba"
    if not module.exists():
        _run(office, ["--terminate_after_init"], "creating its profile")
    module.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument'
        ' 1.0//EN" "module.dtd">\n<script:module xmlns:script="http://openoffice.org/2000/script"'
        f' script:name="{_MACRO}" script:language="StarBasic">{html.escape(_HEIGHTS_BASIC, quote=False)}'
        "</script:module>\n", encoding="utf-8")
