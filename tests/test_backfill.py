"""`chiso backfill`: two months of every source, rebuilt and republished; a rerun changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from chiso.cli import main

APRIL, MAY_END = date(2026, 4, 1), date(2026, 5, 31)

TOTALS = (
    "select count(*), sum(received_count), sum(resolved_count), sum(resolved_overdue_count)"
    " from marts.mart_tthc_agency_month where month_start between %s and %s"
)
CURRENT_BATCHES = (
    "select source, entity, count(*), sum(row_count) from raw.load_batch where status = 'loaded'"
    " and period_start >= %s and period_end <= %s group by source, entity order by source, entity"
)


pytestmark = [pytest.mark.warehouse("built"), pytest.mark.slow]  # a backfill over a built warehouse


@pytest.fixture(scope="module")
def first_backfill(warehouse_url, simulator):
    assert main(["backfill", "--from", APRIL.isoformat(), "--to", MAY_END.isoformat()]) == 0


def test_a_two_month_backfill_loads_every_period_of_every_source(first_backfill, conn):
    batches = {(s, e): (n, rows) for s, e, n, rows in conn.execute(CURRENT_BATCHES, (APRIL, MAY_END))}
    assert batches[("tthc", "dossier_daily")][0] == 61  # one batch per day
    assert all(n > 0 and rows > 0 for n, rows in batches.values())
    months, received, resolved, overdue = conn.execute(TOTALS, (APRIL, date(2026, 5, 1))).fetchone()
    assert months > 0 and received > 0 and resolved >= overdue > 0


def test_rerunning_the_backfill_changes_no_total(first_backfill, conn, capsys):
    before = (conn.execute(TOTALS, (APRIL, date(2026, 5, 1))).fetchone(),
              conn.execute(CURRENT_BATCHES, (APRIL, MAY_END)).fetchall())
    assert main(["backfill", "--from", APRIL.isoformat(), "--to", MAY_END.isoformat()]) == 0
    after = (conn.execute(TOTALS, (APRIL, date(2026, 5, 1))).fetchone(),
             conn.execute(CURRENT_BATCHES, (APRIL, MAY_END)).fetchall())
    assert after == before
    assert "tthc: " in capsys.readouterr().out


def test_an_unknown_source_is_refused_before_anything_loads(warehouse_url, simulator, capsys):
    with pytest.raises(SystemExit):
        main(["backfill", "--from", "2026-04-01", "--to", "2026-04-02", "--source", "nope"])
    assert "invalid choice: 'nope'" in capsys.readouterr().err
