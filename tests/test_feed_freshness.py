"""Each feed has its own freshness (declared with the feed): one stalled feed warns, then errs, while the others
keep loading and pass."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from chiso.database import drop_database, to_url
from chiso.dbt import DbtError, run_dbt
from conftest import dbname_of, new_warehouse
from extract.sources import SOURCES

STALLED = "payment"


@pytest.fixture(scope="module")
def warehouse(pg_admin_url: str) -> Iterator[tuple[str, str]]:
    url = new_warehouse(pg_admin_url, "chiso_fresh")
    yield url, to_url(pg_admin_url, dbname=dbname_of(url))
    drop_database(pg_admin_url, dbname_of(url))


def _last_loads(admin_url: str, stalled_hours: int) -> None:
    """One current batch per feed: loaded an hour ago, the stalled feed's ``stalled_hours`` ago."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute("delete from raw.load_batch")
        for spec in SOURCES.values():
            hours = stalled_hours if spec.name == STALLED else 1
            conn.execute(
                "insert into raw.load_batch (batch_id, source, entity, period_start, period_end, status,"
                " is_synthetic, extracted_at, loaded_at) values (gen_random_uuid(), %s, %s, current_date,"
                " current_date, 'loaded', true, now(), now() - make_interval(hours => %s))",
                (spec.name, spec.entity, hours))
            # a superseded batch that is newer never counts: only the current batch says the feed is fresh
            conn.execute(
                "insert into raw.load_batch (batch_id, source, entity, period_start, period_end, status,"
                " is_synthetic, extracted_at, loaded_at) values (gen_random_uuid(), %s, %s, current_date,"
                " current_date, 'superseded', true, now(), now())", (spec.name, spec.entity))


def _source_id(name: str) -> str:
    spec = SOURCES[name]
    return f"source.chiso.{spec.name}.{spec.entity}"


def test_a_feed_past_its_warning_age_warns_while_every_other_feed_passes(warehouse):
    url, admin = warehouse
    _last_loads(admin, SOURCES[STALLED].freshness.warn_after_hours + 2)
    summary = run_dbt(["source", "freshness"], url=url)
    assert summary.warned == [_source_id(STALLED)]
    assert summary.passed.get("source") == len(SOURCES) - 1
    assert summary.failed == []


def test_a_feed_past_its_error_age_fails_the_check_naming_the_feed(warehouse):
    url, admin = warehouse
    _last_loads(admin, SOURCES[STALLED].freshness.error_after_hours + 2)
    with pytest.raises(DbtError, match=_source_id(STALLED).replace(".", r"\.")):
        run_dbt(["source", "freshness"], url=url)
