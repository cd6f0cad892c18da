"""The loader checks rows a chunk and a column at a time: the same errors name the same first row, and checksums hold.

Batches span several chunks (``CHUNK_ROWS``), so a break planted anywhere (seeded positions, the last row, chunk
edges) must still be named by its row number and column, exactly as the row-by-row rules word it.
"""

import hashlib
import random
import re
from datetime import date
from decimal import Decimal
from enum import IntEnum

import psycopg
import pytest

from extract.loader import CHUNK_ROWS, LoadError, load_batch
from extract.sources import get_source
from extract.sources.base import Column, SourceSpec

SPEC = get_source("tthc")
ROWS = 2 * CHUNK_ROWS + 7  # three chunks, the last one short
COUNTS = ("received_online", "received_direct", "resolved_early", "resolved_on_deadline", "resolved_overdue")

#: a feed with every kind of column, nullable ones among them, to check what the loader writes
VALUES_SPEC = SourceSpec(
    name="test_chunks", entity="values", path="/", description="test",
    columns=(Column("code", "text"), Column("day", "date"), Column("count", "integer", maximum=1000),
             Column("amount", "numeric", nullable=True), Column("note", "text", nullable=True)),
    period_column="day", key=("code", "day"))


def _rows(day: date, n: int = ROWS) -> list[dict[str, object]]:
    rng = random.Random(day.toordinal())
    return [{"agency_code": f"ld_test_{i:05d}", "report_date": day.isoformat(),
             **{c: rng.randint(0, 50) for c in COUNTS}} for i in range(n)]


def _current_rows(conn, day: date) -> int:
    return conn.execute("select count(*) from raw.tthc_dossier_daily d join raw.load_batch b using (batch_id)"
                        " where b.status = 'loaded' and d.report_date = %s", (day,)).fetchone()[0]


#: (what is planted in the row, the message's end after "row N, "), each written out from the rules
BREAKS = [
    ({"received_direct": -3}, "column 'received_direct': expected a count >= 0, got -3"),
    ({"resolved_early": True}, "column 'resolved_early': expected an integer, got True"),
    ({"resolved_overdue": "7"}, "column 'resolved_overdue': expected an integer, got '7'"),
    ({"received_online": 10**9}, "column 'received_online': 1000000000 is more than the largest plausible value"),
    ({"agency_code": "  "}, "column 'agency_code': expected non-empty text, got '  '"),
    ({"agency_code": "ld\x00x"}, "column 'agency_code': the text contains a NUL character"),
    ({"agency_code": "x" * 201}, "column 'agency_code': text of 201 characters, at most 200 expected"),
    ({"report_date": "2026-13-01"}, "column 'report_date': expected a date YYYY-MM-DD, got '2026-13-01'"),
    ({"report_date": "2026-05-21"}, "column 'report_date': 2026-05-21 is outside the batch period"),
    ({"received_online": None}, "column 'received_online': a value is required, got null"),
]


@pytest.mark.parametrize(("planted", "expected"), BREAKS, ids=[e.split(":")[0] for _, e in BREAKS])
def test_a_bad_value_anywhere_in_a_long_batch_is_named_with_its_row(conn, planted, expected):
    day = date(2026, 5, 20)
    for position in sorted({ROWS, CHUNK_ROWS, CHUNK_ROWS + 1, random.Random(expected).randint(1, ROWS)}):
        rows = _rows(day)
        rows[position - 1].update(planted)
        with pytest.raises(LoadError) as err:
            load_batch(conn, SPEC, day, day, rows, source_url="test", is_synthetic=True)
        assert f", row {position}, {expected}" in str(err.value)
        assert _current_rows(conn, day) == 0
        error = conn.execute("select error from raw.load_batch where status = 'quarantined' and period_start = %s"
                             " order by extracted_at desc limit 1", (day,)).fetchone()[0]
        assert f"row {position}, " in error


def test_schema_drift_deep_in_a_batch_names_its_row(conn):
    day = date(2026, 5, 22)
    rows = _rows(day)
    rows[-1]["received_online_count"] = rows[-1].pop("received_online")
    with pytest.raises(LoadError, match=rf"row {ROWS}: schema drift .* missing columns \['received_online'\],"
                                        r" unexpected columns \['received_online_count'\]"):
        load_batch(conn, SPEC, day, day, rows, source_url="test", is_synthetic=True)
    assert _current_rows(conn, day) == 0


def test_the_first_bad_row_and_its_first_bad_column_are_named(conn):
    day = date(2026, 5, 23)
    rows = _rows(day)
    # later in the same chunk: another break; in the row itself: a date outside the period after a bad count
    rows[CHUNK_ROWS + 10].update(report_date="2026-05-24", received_direct=-1)
    rows[CHUNK_ROWS + 11].update(resolved_early=-5)
    with pytest.raises(LoadError) as err:
        load_batch(conn, SPEC, day, day, rows, source_url="test", is_synthetic=True)
    assert f"row {CHUNK_ROWS + 11}, column 'received_direct': expected a count >= 0, got -1" in str(err.value)


def _expected_checksum(rows: list[dict[str, object]], spec: SourceSpec) -> str:
    """The documented checksum, computed here: SHA-256 over each row's tab-separated values in declared order."""
    text = "".join("\t".join(str(row[c]) for c in spec.column_names) + "\n" for row in rows)
    return "sha256-copy:" + hashlib.sha256(text.encode()).hexdigest()


def test_the_checksum_is_stable_for_the_same_rows_and_changes_with_them(conn):
    day = date(2026, 5, 25)
    rows = _rows(day)
    first = load_batch(conn, SPEC, day, day, rows, source_url="test", is_synthetic=True)
    again = load_batch(conn, SPEC, day, day, [{**r, "report_date": day} for r in rows], source_url="test",
                       is_synthetic=True)  # the same rows, dates as objects: the same checksum
    rows[-1]["resolved_overdue"] += 1
    changed = load_batch(conn, SPEC, day, day, rows, source_url="test", is_synthetic=True)
    assert first.checksum == again.checksum == _expected_checksum(_rows(day), SPEC)
    assert changed.checksum == _expected_checksum(rows, SPEC) != first.checksum
    stored = conn.execute("select checksum from raw.load_batch where batch_id = %s", (changed.batch_id,)).fetchone()
    assert stored == (changed.checksum,)


class Level(IntEnum):
    HIGH = 900


def test_unusual_but_valid_values_load_as_they_are(conn):
    day = date(2026, 5, 26)
    rows = [{"code": f"c{i}", "day": day.isoformat(), "count": i % 1000, "amount": i / 4, "note": f"n{i}"}
            for i in range(ROWS)]
    rows[3].update(note="tab\there\nnew line \\ back\rslash", amount=None)
    rows[CHUNK_ROWS + 1].update(day=day, count=Level.HIGH, amount=Decimal("12.50"), note=None)
    rows[-1].update(amount=7)
    result = load_batch(conn, VALUES_SPEC, day, day, rows, source_url="test", is_synthetic=True)
    assert result.row_count == ROWS
    loaded = conn.execute(psycopg.sql.SQL(
        "select code, day, count, amount, note from raw.test_chunks_values where batch_id = %s"), (result.batch_id,))
    by_code = {r[0]: r for r in loaded}
    assert by_code["c3"] == ("c3", day, 3, None, "tab\there\nnew line \\ back\rslash")
    assert by_code[f"c{CHUNK_ROWS + 1}"] == (f"c{CHUNK_ROWS + 1}", day, 900, Decimal("12.50"), None)
    assert by_code[f"c{ROWS - 1}"][3] == 7 and by_code["c10"][3] == Decimal("2.5")
    assert len(by_code) == ROWS


def test_an_empty_batch_loads_with_the_checksum_of_no_rows(conn):
    day = date(2026, 5, 27)
    result = load_batch(conn, SPEC, day, day, iter(()), source_url="test", is_synthetic=True)
    assert (result.row_count, result.checksum) == (0, "sha256-copy:" + hashlib.sha256(b"").hexdigest())


@pytest.mark.parametrize("amount", [Decimal("NaN"), float("inf"), 10**20, Decimal("1e15")], ids=repr)
def test_a_number_that_is_not_finite_or_too_large_is_named_in_the_last_row(conn, amount):
    day = date(2026, 5, 28)
    rows = [{"code": f"c{i}", "day": day, "count": 1, "amount": Decimal(i) / 8, "note": None} for i in range(ROWS)]
    rows[-1]["amount"] = amount
    with pytest.raises(LoadError, match=rf"row {ROWS}, column 'amount': expected a finite number below 1e\+15,"
                                        rf" got {re.escape(repr(amount))}$"):
        load_batch(conn, VALUES_SPEC, day, day, rows, source_url="test", is_synthetic=True)
