"""Least privilege: the BI reader sees the marts and nothing else, and can change nothing."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

from chiso.roles import BI_READER, LOADER

pytestmark = pytest.mark.warehouse("built")


@pytest.fixture(scope="module")
def built(warehouse_url):
    return warehouse_url  # a copy of the built warehouse: chiso init's roles, the raw tables and every model


def _as(url: str, role: str, query: str):
    with psycopg.connect(url, autocommit=True) as c:
        c.execute(psycopg.sql.SQL("set role {}").format(psycopg.sql.Identifier(role)))
        cur = c.execute(query)
        return cur.fetchall() if cur.description else []


def test_bi_reader_reads_every_mart(built):
    rows = _as(built, BI_READER, "select count(*) from marts.dim_agency")
    assert rows[0][0] > 124
    _as(built, BI_READER, "select * from marts.mart_tthc_agency_month limit 1")


@pytest.mark.parametrize("query", [
    "select * from raw.load_batch",
    "select * from raw.tthc_dossier_daily",
    "select * from staging.stg_tthc__dossier_daily",
    "select * from seeds.agencies",
])
def test_bi_reader_cannot_read_outside_marts(built, query):
    with pytest.raises(errors.InsufficientPrivilege):
        _as(built, BI_READER, query)


@pytest.mark.parametrize("statement", [
    "delete from marts.dim_agency",
    "update marts.dim_indicator set name_en = 'x'",
    "create table marts.bi_scratch (x int)",
    "create table public.bi_scratch (x int)",
    "drop table marts.dim_period",
])
def test_bi_reader_cannot_write_anywhere(built, statement):
    with pytest.raises(errors.InsufficientPrivilege):
        _as(built, BI_READER, statement)


def test_loader_writes_raw_but_cannot_read_marts(built):
    _as(built, LOADER, "select count(*) from raw.load_batch")
    with pytest.raises(errors.InsufficientPrivilege):
        _as(built, LOADER, "select * from marts.dim_agency")
