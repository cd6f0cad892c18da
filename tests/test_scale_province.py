"""The scale case's seed rewriter: N copies of the province's agencies, each a whole, separate province."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from extract.sources.units import is_commune, load_units
from simulator import tthc, vneid
from simulator.feeds import load_agencies
from tools.scale_province import AGENCIES, COPY_OF, PREDECESSORS, SYNTHETIC, scale_province

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A throwaway copy of the project's agency seeds, laid out as a checkout (a worktree: no .git directory)."""
    (tmp_path / "seeds").mkdir()
    for seed in (AGENCIES, PREDECESSORS):
        shutil.copyfile(PROJECT_ROOT / seed, tmp_path / seed)
    return tmp_path


def test_three_times_the_province_has_three_times_the_rows_with_unique_codes(checkout: Path) -> None:
    agencies, predecessors = _rows(PROJECT_ROOT / AGENCIES), _rows(PROJECT_ROOT / PREDECESSORS)
    scale_province(checkout, 3)
    scaled, scaled_predecessors = _rows(checkout / AGENCIES), _rows(checkout / PREDECESSORS)
    assert (len(scaled), len(scaled_predecessors)) == (3 * len(agencies), 3 * len(predecessors))
    versions = [(r["agency_code"], r["valid_from"]) for r in scaled]
    assert len(set(versions)) == len(versions)
    official = [r["official_code"] for r in scaled if r["official_code"]]
    assert len(set(official)) == len(official) == 3 * sum(1 for r in agencies if r["official_code"])
    pairs = [(r["agency_code"], r["predecessor_code"]) for r in scaled_predecessors]
    assert len(set(pairs)) == len(pairs)


def test_the_originals_are_kept_and_every_copy_is_marked_synthetic(checkout: Path) -> None:
    original = _rows(PROJECT_ROOT / AGENCIES)
    scale_province(checkout, 3)
    scaled = _rows(checkout / AGENCIES)
    assert scaled[:len(original)] == [{**row, COPY_OF: ""} for row in original]
    copies = scaled[len(original):]
    assert all(r["source"].startswith(SYNTHETIC) for r in copies)
    assert all(r[COPY_OF] == r["agency_code"][:-4] for r in copies)
    assert all(r["agency_code"].endswith(("_x02", "_x03")) for r in copies)
    assert all("bản sao 0" in r["name_vi"] for r in copies)
    by_code = {r["agency_code"]: r for r in original}
    for row in copies:
        twin = by_code[row["agency_code"][:-4]]
        assert [row[k] for k in ("agency_type", "level", "valid_from", "valid_to", "receives_dossiers")] == \
            [twin[k] for k in ("agency_type", "level", "valid_from", "valid_to", "receives_dossiers")]


def test_every_copy_has_its_parent_in_its_own_copy_of_the_province(checkout: Path) -> None:
    scale_province(checkout, 3)
    scaled = _rows(checkout / AGENCIES)
    codes = {r["agency_code"] for r in scaled}
    assert all(r["parent_code"] in codes for r in scaled if r["parent_code"])
    copies = [r for r in scaled if r["source"].startswith(SYNTHETIC)]
    assert all(r["parent_code"].endswith(r["agency_code"][-4:]) for r in copies if r["parent_code"])


def test_every_copied_commune_has_the_pre_merger_units_of_its_original(checkout: Path) -> None:
    original = _rows(PROJECT_ROOT / PREDECESSORS)
    scale_province(checkout, 3)
    communes = {u.code for u in load_units(checkout / AGENCIES) if is_commune(u)}
    scaled = _rows(checkout / PREDECESSORS)
    per_commune: dict[str, int] = {}
    for row in scaled:
        assert row["agency_code"] in communes
        per_commune[row["agency_code"]] = per_commune.get(row["agency_code"], 0) + 1
    for row in original:
        for copy in ("_x02", "_x03"):
            assert per_commune[row["agency_code"] + copy] == per_commune[row["agency_code"]]
    kept = {r["agency_code"]: r["predecessor_code"] for r in scaled if r["keeps_code"] == "true"}
    official = {r["agency_code"]: r["official_code"] for r in _rows(checkout / AGENCIES)}
    assert all(official[code] == predecessor for code, predecessor in kept.items())


def test_once_the_province_is_its_seeds_unchanged(checkout: Path) -> None:
    scale_province(checkout, 1)
    for seed in (AGENCIES, PREDECESSORS):
        assert (checkout / seed).read_bytes() == (PROJECT_ROOT / seed).read_bytes()


def test_the_main_checkout_and_an_already_scaled_one_are_refused(checkout: Path) -> None:
    (checkout / ".git").mkdir()
    with pytest.raises(SystemExit, match="main checkout"):
        scale_province(checkout, 2)
    assert (checkout / AGENCIES).read_bytes() == (PROJECT_ROOT / AGENCIES).read_bytes()
    (checkout / ".git").rmdir()
    scale_province(checkout, 2)
    with pytest.raises(SystemExit, match="already holds synthetic scale copies"):
        scale_province(checkout, 2)


def test_the_simulator_serves_each_copy_its_originals_rows_so_volumes_scale_too(checkout: Path) -> None:
    day = date(2026, 3, 2)
    real = load_agencies(checkout / AGENCIES)
    scale_province(checkout, 3)
    scaled = load_agencies(checkout / AGENCIES)
    for feed in (tthc.FEED, vneid.FEED):
        served = tuple(a for a in real if feed.serves(a))
        original = {row["agency_code"]: row for row in feed.period_rows(7, day, served)}
        agencies = tuple(a for a in scaled if feed.serves(a))
        rows = feed.period_rows(7, day, agencies)
        assert [row["agency_code"] for row in rows] == [a.code for a in agencies]
        assert len(rows) == 3 * len(original)
        for agency, row in zip(agencies, rows, strict=True):
            assert row == {**original[agency.copy_of or agency.code], "agency_code": agency.code}
