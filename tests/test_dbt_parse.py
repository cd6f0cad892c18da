"""dbt loads the project once per process: a night's freshness check, build and docs share one parse, and an
edited project file or another warehouse makes the next command parse again."""

from __future__ import annotations

import os
import re

import pytest

from chiso.config import settings
from chiso.dbt import run_dbt

pytestmark = pytest.mark.slow

MODEL = settings().dbt_project_dir / "models" / "marts" / "core" / "fact_tthc_dossier_daily.sql"


def parses_during(args: list[str]) -> int:
    """Run ``dbt <args>``; how many times dbt parsed the project meanwhile (its parser's partial-parsing line)."""
    log = settings().state_dir / "logs" / "dbt.log"
    offset = log.stat().st_size if log.exists() else 0
    run_dbt(args)
    with log.open("rb") as fh:
        fh.seek(offset)
        return len(re.findall(rb"Partial parsing enabled:|Unable to do partial parsing|Partial parsing not enabled",
                              fh.read()))


def test_a_second_command_in_the_same_process_reuses_the_parsed_project(warehouse_url):
    parses_during(["ls", "--select", "mart_tthc_agency_month"])  # parsed here, or by an earlier test
    assert parses_during(["ls", "--select", "mart_scorecard"]) == 0
    assert parses_during(["ls", "--resource-type", "seed"]) == 0


def test_an_edited_project_file_is_parsed_again(warehouse_url):
    parses_during(["ls", "--select", "mart_tthc_agency_month"])
    stat = MODEL.stat()
    try:
        os.utime(MODEL, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # as an edit saves it
        assert parses_during(["ls", "--select", "mart_tthc_agency_month"]) == 1
        assert parses_during(["ls", "--select", "mart_tthc_agency_month"]) == 0
    finally:
        os.utime(MODEL, ns=(stat.st_atime_ns, stat.st_mtime_ns))
