"""`chiso extract` reports what it loaded in the source's grain: daily batches for daily feeds, monthly for monthly."""

from __future__ import annotations

import re

import pytest

from chiso.cli import main
from extract.sources import SOURCES


@pytest.mark.parametrize(("source", "start", "end", "expected"), [
    ("edoc", "2026-01-01", "2026-02-28", "2 monthly batches"),  # January and February
    ("tthc", "2026-02-27", "2026-03-01", "3 daily batches"),  # 27, 28 February and 1 March
])
def test_extract_counts_batches_in_the_sources_grain(warehouse_url, simulator, capsys, source, start, end, expected):
    assert main(["extract", "--source", source, "--from", start, "--to", end]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(rf"{source}: \d+ rows in {expected}\n", out), out


def test_every_source_has_a_grain_the_wording_knows():
    assert {spec.grain for spec in SOURCES.values()} <= {"day", "month"}
    assert {spec.name: spec.grain for spec in SOURCES.values()}["edoc"] == "month"
