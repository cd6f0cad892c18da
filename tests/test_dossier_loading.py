"""Dossier records through privacy and the loader: personal fields never pass, identifiers become keyed hashes, and a
bad time, flag or code anywhere in a long batch is named by its row, column and value, loading nothing."""

from __future__ import annotations

import hashlib
import hmac
import random
from datetime import UTC, date, datetime

import pytest

from chiso.config import PROJECT_ROOT
from extract.loader import CHUNK_ROWS, LoadError, load_batch
from extract.privacy import protect
from extract.sources.tthc import TTHC_DOSSIER_STATE as SPEC
from simulator import dossiers
from simulator.feeds import load_agencies

KEY = b"a-test-key"
AS_OF = datetime(2026, 2, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def served() -> list[dict[str, object]]:
    """The records the source serves for the first days of January 2026, applicant fields and all."""
    agencies = tuple(a for a in load_agencies(PROJECT_ROOT / "seeds" / "agencies.csv") if a.receives_dossiers)
    model = dossiers.model_for(20250701, agencies, AS_OF)
    _, rows = dossiers.received_in(model, date(2026, 1, 5), date(2026, 1, 9), AS_OF)
    records = list(rows(0))
    assert len(records) > 2 * CHUNK_ROWS
    return records


def test_personal_fields_are_dropped_and_the_identifier_is_hashed_with_the_key(served):
    protected = list(protect(served, SPEC, KEY))
    assert {k for row in protected for k in row} == set(SPEC.column_names)
    for sent, kept in zip(served[:50], protected[:50], strict=True):
        assert kept["applicant_key"] == hmac.new(KEY, str(sent["applicant_id"]).encode(), hashlib.sha256).hexdigest()
        assert sent["applicant_id"] not in kept.values() and sent["applicant_name"] not in kept.values()
    assert {r["applicant_key"] for r in protect(served[:20], SPEC, None)} == {None}  # no key: dropped, not hashed
    sent_without = [{k: v for k, v in row.items() if k != "applicant_id"} for row in served[:20]]
    assert {r["applicant_key"] for r in protect(sent_without, SPEC, KEY)} == {None}


#: (field, planted value, what the message says after "row N, ")
BREAKS = [
    ("received_at", "2026-01-05T08:30:00", "column 'received_at': expected an ISO time with its offset"),
    ("updated_at", "hôm qua", "column 'updated_at': expected an ISO time with its offset"),
    ("dossier_digitised", "yes", "column 'dossier_digitised': expected true or false, got 'yes'"),
    ("has_fee", 1, "column 'has_fee': expected true or false, got 1"),
    ("channel", "fax", "column 'channel': 'fax' is not one of the declared codes online, in_person, postal"),
    ("status", "lost", "column 'status': 'lost' is not one of the declared codes"),
    ("satisfaction", 9, "column 'satisfaction': 9 is more than the largest plausible value 5"),
]


@pytest.mark.parametrize(("field", "value", "expected"), BREAKS, ids=[f"{b[0]}={b[1]}" for b in BREAKS])
def test_a_bad_value_anywhere_in_a_batch_of_records_is_named_and_nothing_loads(conn, served, field, value, expected):
    rows = list(protect(served, SPEC, KEY))
    position = random.Random(field).randrange(len(rows))
    rows[position] = {**rows[position], field: value}
    before = conn.execute("select count(*) from raw.tthc_dossier_state").fetchone()[0]
    with pytest.raises(LoadError) as err:
        load_batch(conn, SPEC, date(2026, 1, 5), date(2026, 1, 9), rows, source_url=None, is_synthetic=True)
    assert f"row {position + 1}, {expected}" in str(err.value)
    assert conn.execute("select count(*) from raw.tthc_dossier_state").fetchone()[0] == before


def test_records_load_with_their_times_and_flags_as_sent(conn, served):
    rows = list(protect(served, SPEC, KEY))
    result = load_batch(conn, SPEC, date(2026, 1, 5), date(2026, 1, 9), rows, source_url=None, is_synthetic=True)
    assert result.row_count == len(rows)
    sample = rows[len(rows) // 2]
    loaded = conn.execute("select received_at, finished_at, has_fee, paid_online, channel from raw.tthc_dossier_state"
                          " where batch_id = %s and dossier_code = %s",
                          (result.batch_id, sample["dossier_code"])).fetchone()
    sent_finished = sample["finished_at"] and datetime.fromisoformat(str(sample["finished_at"]))
    assert loaded == (datetime.fromisoformat(str(sample["received_at"])), sent_finished or None, sample["has_fee"],
                      sample["paid_online"], sample["channel"])
