"""The synthetic procedure catalogue (seeds/procedures.csv) reconciles with the catalogue feed and Phụ lục V."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest

from simulator.feeds import load_agencies
from simulator.tthc_services import FEED, generate_month

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_SEED = 20250701  # CHISO_SIMULATOR_SEED's default (chiso/config.py)
COMMUNE = "commune level"


@pytest.fixture(scope="module")
def procedures() -> list[dict[str, str]]:
    with (SEEDS / "procedures.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def feed_month() -> list[dict[str, object]]:
    """What the catalogue feed serves for January 2026: one row per agency that receives dossiers."""
    agencies = tuple(a for a in load_agencies(SEEDS / "agencies.csv") if FEED.serves(a))
    return generate_month(DEFAULT_SEED, date(2026, 1, 1), agencies)


def _counts(rows: list[dict[str, str]]) -> tuple[int, int, int, int]:
    levels = Counter(r["service_level"] for r in rows)
    return len(rows), levels["full_process"], levels["partial_online"], levels["in_person_only"]


def _by_catalogue(procedures: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in procedures:
        grouped[row["agency_code"] or COMMUNE].append(row)
    return grouped


def test_the_seed_has_the_columns_the_dbt_seed_is_typed_for():
    header = (SEEDS / "procedures.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ("procedure_code,procedure_name_vi,procedure_name_en,field_code,field_name_vi,field_name_en,"
                      "level,agency_code,service_level,has_fee,deadline_days,is_synthetic,source")


def test_the_province_level_has_the_annex_v_counts(procedures):
    province = [r for r in procedures if r["level"] == "province"]
    assert _counts(province) == (1_600, 698, 902, 0)  # Phụ lục V, 000:112, 000:119


def test_the_commune_level_is_one_catalogue_of_the_annex_v_counts(procedures):
    commune = [r for r in procedures if r["level"] == "commune"]
    assert _counts(commune) == (377, 143, 234, 0)  # 000:112, 000:119
    assert {r["agency_code"] for r in commune} == {""}  # one catalogue every commune applies


def _levels() -> dict[str, str]:
    return {a.code: a.level for a in load_agencies(SEEDS / "agencies.csv")}


def _feed_counts(row: dict[str, object]) -> tuple[object, ...]:
    return row["tthc_count"], row["dvctt_full_count"], row["dvctt_partial_count"], row["in_person_only_count"]


def test_every_provincial_agency_has_the_counts_the_feed_serves(procedures, feed_month):
    levels = _levels()
    feed = {row["agency_code"]: _feed_counts(row) for row in feed_month if levels[row["agency_code"]] == "province"}
    seed = {code: _counts(rows) for code, rows in _by_catalogue(procedures).items() if code != COMMUNE}
    assert seed == feed
    totals = [sum(counts[i] for counts in feed.values()) for i in range(4)]
    assert totals == [1_600, 698, 902, 0]  # the feed's province level is the sum over its provincial agencies


def test_the_commune_catalogue_is_what_every_commune_reports(procedures, feed_month):
    levels = _levels()
    communes = [_feed_counts(row) for row in feed_month if levels[row["agency_code"]] == "commune"]
    assert len(communes) == 124
    assert set(communes) == {_counts(_by_catalogue(procedures)[COMMUNE])}  # any commune's, never a sum


def test_every_agency_that_receives_dossiers_is_covered(procedures):
    receiving = {a.code for a in load_agencies(SEEDS / "agencies.csv") if a.receives_dossiers}
    provincial = {a.code for a in load_agencies(SEEDS / "agencies.csv") if a.receives_dossiers
                  and a.level == "province"}
    covered = {r["agency_code"] for r in procedures if r["agency_code"]}
    assert covered == provincial and covered <= receiving
    assert any(r["level"] == "commune" for r in procedures)  # the communes share the commune catalogue


def test_procedure_codes_are_unique_and_field_codes_name_one_field(procedures):
    codes = Counter(r["procedure_code"] for r in procedures)
    assert [c for c, n in codes.items() if n > 1] == []
    names: dict[str, set[str]] = defaultdict(set)
    for r in procedures:
        names[r["field_code"]].add(r["field_name_vi"])
        assert r["field_code"].isascii() and r["field_code"].replace("_", "").isalnum()
    assert {code: found for code, found in names.items() if len(found) > 1} == {}


def test_each_catalogue_has_a_fee_and_a_free_procedure_and_an_online_one(procedures):
    for code, rows in _by_catalogue(procedures).items():
        assert {r["has_fee"] for r in rows} == {"true", "false"}, code
        assert any(r["service_level"] in {"full_process", "partial_online"} for r in rows), code


def test_fees_deadlines_and_flags_are_plausible(procedures):
    share = sum(r["has_fee"] == "true" for r in procedures) / len(procedures)
    assert 0.55 <= share <= 0.65
    assert all(0 <= int(r["deadline_days"]) <= 30 for r in procedures)
    assert {r["is_synthetic"] for r in procedures} == {"true"}
    land = [int(r["deadline_days"]) for r in procedures if r["field_code"] == "dat_dai"]
    civil = [int(r["deadline_days"]) for r in procedures if r["field_code"] == "ho_tich"]
    assert sum(land) / len(land) > sum(civil) / len(civil)  # land procedures take longer
