"""The committed seeds are what their generators (tools/seeds/) make: every generator's ``--check`` passes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
REFERENCE = REPOSITORY.parent / "shared" / "reference"
SEED_PACKAGES = Path(sys.prefix) / "share" / "chiso" / "seed-packages"  # unpacked by make install

#: generator -> the vietnam-provinces version it reads (None: none; build_procedures reads this repository's simulator)
#: and whether it reads ../shared/reference
GENERATORS = {
    "build_agencies": ("2025.10.1", False),
    "build_agency_predecessors": ("2026.9.0", False),
    "build_indicators": (None, True),
    "build_procedures": (None, False),
    "build_reference_seeds": (None, True),
}


def run_generator(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m tools.seeds.<name> <args>`` from the repository root, with the package it reads on PYTHONPATH;
    fails the test, naming what to do, when that package or ../shared/reference is missing (never a skip)."""
    version, reads_reference = GENERATORS[name]
    env = dict(os.environ)
    if version:
        folder = SEED_PACKAGES / f"vietnam-provinces-{version}"
        if not (folder / "vietnam_provinces").is_dir():
            pytest.fail(f"{name} needs vietnam-provinces {version} unpacked in {folder}; run `make install`")
        env["PYTHONPATH"] = str(folder)
    if reads_reference and not REFERENCE.is_dir():
        pytest.fail(f"{name} reads ../shared/reference beside the repository ({REFERENCE}), which is missing:"
                    " its --check cannot say whether the committed seeds are current")
    return subprocess.run([sys.executable, "-m", f"tools.seeds.{name}", *args], cwd=REPOSITORY, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_the_committed_seeds_are_what_the_generator_makes(name):
    done = run_generator(name, "--check")
    assert done.returncode == 0, f"python -m tools.seeds.{name} --check failed:\n{done.stderr[-3000:]}"
    assert "up to date" in done.stderr


def test_check_names_the_first_seed_row_that_differs(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPOSITORY / "seeds", seeds)
    lines = (seeds / "indicators.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    code = lines[3].split(",", 1)[0]  # the third data row; its name_en is planted wrong
    assert header[:3] == ["indicator_code", "name_vi", "name_en"] and '"' not in lines[3].split(",", 3)[2]
    cells = lines[3].split(",", 3)
    lines[3] = ",".join([cells[0], cells[1], "Planted name", cells[3]])
    (seeds / "indicators.csv").write_text("".join(lines), encoding="utf-8")

    done = run_generator("build_indicators", "--check", "--seeds", str(seeds))

    assert done.returncode == 1
    assert f"indicators.csv row 3 (indicator_code={code}): name_en: committed 'Planted name'" in done.stderr
    assert "Planted name" in (seeds / "indicators.csv").read_text(encoding="utf-8")  # --check writes nothing


def test_check_names_a_seed_row_the_generator_no_longer_makes(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(REPOSITORY / "seeds", seeds)
    with (seeds / "targets.csv").open("a", encoding="utf-8") as fh:
        fh.write("obs_planted,08-KH/TU,x,2030,=,1,count,province_total,,003:1,q,\n")

    done = run_generator("build_reference_seeds", "--check", "--seeds", str(seeds))

    assert done.returncode == 1
    assert "targets.csv row" in done.stderr and "(target_id=obs_planted): committed, but no longer generated" \
        in done.stderr


def test_a_missing_reference_folder_stops_the_generator_naming_it(tmp_path):
    done = run_generator("build_indicators", "--check", "--reference", str(tmp_path / "nowhere"))

    assert done.returncode != 0
    assert "lacks indicator_catalogue.csv" in done.stderr and "--reference DIR" in done.stderr
