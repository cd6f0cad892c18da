"""The fault and hostile-input suite for batches, builds and privileges: nothing wrong gets in, nothing stalls.

Each hostile answer of a source is served for real by the simulator (its page rewritten), extracted through the
pipeline, and must leave raw exactly as it was (checksums of every current raw row); at the end two builds run
at once, both green, and every mart equals the build made before any hostile input arrived.
(Hostile HTTP servers are in test_http_hostile.py, hostile annex files in test_filedrop_hostile.py.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date

import psycopg
import pytest

from chiso.config import PROJECT_ROOT
from chiso.database import connect, drop_database, exclusive, to_url
from chiso.extraction import extract_source
from chiso.roles import LOADER, ROLES, TRANSFORMER
from conftest import TEST_OWNER
from extract.loader import IncompleteBatch, LoadError, load_batch
from extract.sources import get_source
from extract.sources.units import Unit, load_units

DAY = date(2026, 2, 3)  # a Tuesday: every agency has dossiers
MONTH = date(2026, 2, 1)
RAW_TABLES = ("tthc_dossier_daily", "vneid_daily", "signature_certificate_monthly")
#: columns that differ between two loads of the same figures (ids, clocks, "new since the last build"), left out
#: of the mart checksums
VOLATILE = ("batch_id", "loaded_at", "extracted_at", "first_seen_at", "last_seen_at", "built_at", "dbt_", "is_new")


def raw_checksum(conn) -> dict[str, tuple[int, str]]:
    """Rows and an md5 of every current raw row (batch ids left out), per raw table."""
    out = {}
    for table in RAW_TABLES:
        out[table] = conn.execute(psycopg.sql.SQL(
            "select count(*), md5(coalesce(string_agg((to_jsonb(d) - 'batch_id')::text, '|'"
            " order by (to_jsonb(d) - 'batch_id')::text), ''))"
            " from raw.{} d join raw.load_batch b using (batch_id) where b.status = 'loaded'"
        ).format(psycopg.sql.Identifier(table))).fetchone()
    return out


def marts_checksum(conn) -> dict[str, tuple[int, str]]:
    """Rows and an md5 of every mart (volatile columns left out)."""
    out = {}
    for (name,) in conn.execute("select table_name from information_schema.tables where table_schema = 'marts'"
                                " order by table_name").fetchall():
        columns = [c for (c,) in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = %s"
            " order by ordinal_position", (name,)) if not any(v in c for v in VOLATILE)]
        row = psycopg.sql.SQL("jsonb_build_array({})::text").format(
            psycopg.sql.SQL(", ").join(psycopg.sql.Identifier(c) for c in columns))
        out[name] = conn.execute(psycopg.sql.SQL(
            "select count(*), md5(coalesce(string_agg({row}, '|' order by {row}), '')) from marts.{}"
        ).format(psycopg.sql.Identifier(name), row=row)).fetchone()
    return out


pytestmark = [pytest.mark.warehouse("built"), pytest.mark.slow]


@pytest.fixture(scope="module")
def faults_url(warehouse_url: str) -> str:
    """This module's own warehouse (a copy of the built one), as CHISO_DATABASE_URL."""
    return warehouse_url


@pytest.fixture(scope="module")
def admin(warehouse_admin_url: str):
    with psycopg.connect(warehouse_admin_url, autocommit=True) as c:
        yield c


@pytest.fixture(scope="module")
def baseline(faults_url, admin, simulator):
    """Raw and mart checksums of the built warehouse before anything hostile (it holds DAY and MONTH of every
    source, loaded and built)."""
    for source, period in (("tthc", DAY), ("vneid", DAY), ("signature", MONTH)):
        loaded = admin.execute("select count(*) from raw.load_batch where source = %s and status = 'loaded'"
                               " and period_start = %s", (source, period)).fetchone()[0]
        assert loaded == 1, f"the built warehouse lacks {source} {period}"
    return raw_checksum(admin), marts_checksum(admin)


@pytest.fixture
def hostile(simulator):
    """Arm the simulator with a page rewrite for one test."""
    def arm(rewrite: Callable[[dict], dict]) -> None:
        simulator.state.faults.rewrite_page = rewrite
    yield arm
    simulator.state.faults.rewrite_page = None


def _rows(mutate: Callable[[list[dict]], list[dict]]) -> Callable[[dict], dict]:
    def rewrite(body: dict) -> dict:
        data = mutate([dict(r) for r in body["data"]])
        return {**body, "data": data, "meta": {**body["meta"], "total_rows": len(data)}}
    return rewrite


def _each(**changes) -> Callable[[list[dict]], list[dict]]:
    return lambda rows: [{**r, **changes} for r in rows]


def _first(**changes) -> Callable[[list[dict]], list[dict]]:
    return lambda rows: [{**rows[0], **changes}, *rows[1:]]


def _to_a_third(rows: list[dict]) -> list[dict]:
    return [{k: (v // 3 if isinstance(v, int) else v) for k, v in r.items()} for r in rows]


#: (case, source, period, page rewrite, exception, words the message must hold)
HOSTILE_BATCHES = [
    ("an empty answer", "tthc", DAY, _rows(lambda rows: []), IncompleteBatch, "covers 0 of the 139"),
    ("5 of the 139 agencies", "tthc", DAY, _rows(lambda rows: rows[:5]), IncompleteBatch, "covers 5 of the 139"),
    ("one commune missing", "vneid", DAY, _rows(lambda rows: rows[1:]), IncompleteBatch, "missing 1"),
    ("every row sent three times", "tthc", DAY, _rows(lambda rows: rows * 3), LoadError, "must be unique"),
    ("one row sent twice", "signature", MONTH, _rows(lambda rows: rows + rows[:1]), LoadError, "must be unique"),
    ("an unknown agency", "tthc", DAY, _rows(_first(agency_code="ld_xa_99999")), LoadError, "ld_xa_99999"),
    ("a department on the commune feed", "vneid", DAY, _rows(_first(agency_code="ld_so_ct")), LoadError,
     "not a reporting unit"),
    ("a 5 MB agency code", "tthc", DAY, _rows(_first(agency_code="x" * 5_000_000)), LoadError, "5,000,000 characters"),
    ("a NUL in the agency code", "tthc", DAY, _rows(_first(agency_code="ld_xa_2\x004781")), LoadError, "NUL"),
    ("a count of 2·10⁹", "tthc", DAY, _rows(_first(received_online=2_000_000_000)), LoadError, "largest plausible"),
    ("a count beyond bigint", "vneid", DAY, _rows(_first(cumulative_activations=10**20)), LoadError,
     "largest plausible"),
    ("a 4,000-digit count", "tthc", DAY, _rows(_first(received_direct=10**4000)), LoadError, "4001-digit number"),
    ("a count as text", "tthc", DAY, _rows(_first(received_online="5")), LoadError, "expected an integer"),
    ("a negative count", "signature", MONTH, _rows(_first(active_personal_usb_token=-1)), LoadError, ">= 0"),
    ("a count as a float", "vneid", DAY, _rows(_first(eid_applications=1.5)), LoadError, "expected an integer"),
    ("a date as a number", "tthc", DAY, _rows(_first(report_date=20260203)), LoadError, "expected a date"),
    ("a row of another day", "tthc", DAY, _rows(_first(report_date="2026-02-04")), LoadError, "outside the batch"),
    ("every count falls to a third", "tthc", DAY, _rows(_to_a_third), IncompleteBatch, "fall by more than 50%"),
    ("stocks fall to a third", "vneid", DAY, _rows(_to_a_third), IncompleteBatch, "cumulative_activations"),
    ("total_rows as text", "tthc", DAY, lambda body: {**body, "meta": {**body["meta"], "total_rows": "139"}},
     Exception, "total_rows"),
]


@pytest.mark.parametrize(("source", "period", "rewrite", "error", "words"),
                         [case[1:] for case in HOSTILE_BATCHES], ids=[case[0] for case in HOSTILE_BATCHES])
def test_a_hostile_batch_supersedes_nothing_and_says_why(baseline, admin, hostile, source, period, rewrite, error,
                                                         words):
    hostile(rewrite)
    with pytest.raises(error) as caught:
        extract_source(source, period, period)
    message = str(caught.value)
    assert words in message
    assert len(message) < 2_000  # a 5 MB value is never echoed whole
    assert raw_checksum(admin) == baseline[0]
    status, error_text = admin.execute(
        "select status, error from raw.load_batch where source = %s and period_start = %s"
        " order by extracted_at desc limit 1", (source, period)).fetchone()
    assert status in ("quarantined", "failed") and words.split()[0] in error_text


def test_an_incomplete_batch_loads_when_the_operator_accepts_it_and_says_so(baseline, admin, hostile):
    hostile(_rows(lambda rows: rows[:5]))
    summary = extract_source("tthc", DAY, DAY, accept_incomplete="hệ thống nguồn chỉ có 5 đơn vị hôm nay")
    accepted = admin.execute("select row_count, accepted from raw.load_batch where batch_id = %s",
                             (summary.batches[0],)).fetchone()
    assert accepted[0] == 5
    assert "hệ thống nguồn chỉ có 5 đơn vị hôm nay" in accepted[1] and "covers 5 of the 139" in accepted[1]
    hostile(lambda body: body)
    extract_source("tthc", DAY, DAY)  # the complete day again: more units is never a shortfall
    assert raw_checksum(admin) == baseline[0]


def test_a_unit_is_known_only_for_its_own_dates(baseline, admin):
    spec = get_source("vneid")
    units = load_units(PROJECT_ROOT / "seeds" / "agencies.csv")
    gone = next(u for u in units if spec.reports(u))
    moved = [u for u in units if u is not gone] + [Unit(gone.code, gone.level, gone.agency_type,
                                                        gone.receives_dossiers, gone.valid_from, date(2026, 1, 31))]
    row = {c.name: 0 for c in spec.columns} | {"agency_code": gone.code, "report_date": DAY.isoformat()}
    with connect(role=LOADER) as c, pytest.raises(LoadError, match="not a reporting unit of this feed then"):
        load_batch(c, spec, DAY, DAY, [row], source_url=None, is_synthetic=True, units=moved)
    assert raw_checksum(admin) == baseline[0]


def _chiso(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chiso.cli", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **env})


@pytest.fixture
def after_every_hostile_batch(baseline, hostile) -> None:
    """Every hostile batch above sent once more (each refused, as its own test checks), so what follows runs after
    all of them in whatever order the tests run."""
    for _, source, period, rewrite, error, _ in HOSTILE_BATCHES:
        hostile(rewrite)
        with pytest.raises(error):
            extract_source(source, period, period)
    hostile(None)


def test_two_builds_started_together_both_end_green_and_equal_an_undisturbed_build(baseline, admin,
                                                                                   after_every_hostile_batch):
    """Runs after every hostile batch above: nothing they sent can break a build."""
    runs: list[subprocess.CompletedProcess] = []
    threads = [threading.Thread(target=lambda: runs.append(_chiso("build"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.returncode for r in runs] == [0, 0], [r.stderr[-2000:] for r in runs]
    assert all("0 failures" in r.stdout for r in runs)
    assert marts_checksum(admin) == baseline[1]


def test_everything_the_pipeline_made_is_owned_by_the_chiso_roles_never_the_login(baseline, admin):
    owners = dict(admin.execute(
        "select n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner) from pg_class c"
        " join pg_namespace n on n.oid = c.relnamespace where n.nspname in"
        " ('raw', 'seeds', 'staging', 'intermediate', 'snapshots', 'marts') and c.relkind in ('r', 'v', 'm')"
    ).fetchall())
    assert owners, "the build made nothing"
    wrong = {name: owner for name, owner in owners.items()
             if owner != (LOADER if name.startswith("raw.") else TRANSFORMER)}
    assert wrong == {}
    is_super = admin.execute("select rolsuper from pg_roles where rolname = %s", (TEST_OWNER,)).fetchone()[0]
    assert is_super is False


def _one_line_error(run: subprocess.CompletedProcess, *words: str) -> None:
    assert run.returncode == 1, run.stdout + run.stderr
    lines = [line for line in run.stderr.splitlines() if line.startswith("chiso ")]  # log lines may precede it
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_a_lost_database_is_one_line_saying_what_to_check(baseline):
    _one_line_error(_chiso("quality", CHISO_DATABASE_URL="postgresql://postgres@127.0.0.1:1/chiso"),
                    "warehouse connection failed", "CHISO_DATABASE_URL")


def test_an_unreachable_portal_is_one_line(baseline, tmp_path):
    _one_line_error(_chiso("publish", "--push", CHISO_EXPORT_DIR=str(tmp_path), CHISO_CKAN_URL="http://127.0.0.1:1",
                           CHISO_CKAN_API_KEY="not-a-real-key"), "could not talk to", "127.0.0.1:1")


def test_an_unreachable_source_is_one_line(baseline, admin):
    run = _chiso("extract", "--source", "tthc", "--from", "2026-02-03", "--to", "2026-02-03",
                 CHISO_SOURCE_URL="http://127.0.0.1:1", CHISO_HTTP_RETRIES="0")
    _one_line_error(run, "127.0.0.1:1")
    assert raw_checksum(admin) == baseline[0]


@pytest.mark.parametrize(("rewrite", "words"), [
    (_rows(_first(received_online=2_000_000_000)), "largest plausible"),  # was a COPY integer overflow
    (_rows(_first(agency_code="ld_xa_2\x004781")), "NUL"),
    (_rows(lambda rows: rows[:5]), "--accept-incomplete"),
], ids=["overflow", "NUL", "incomplete"])
def test_a_hostile_batch_is_one_line_on_the_command_line(baseline, admin, hostile, rewrite, words):
    hostile(rewrite)
    _one_line_error(_chiso("extract", "--source", "tthc", "--from", "2026-02-03", "--to", "2026-02-03"), words)
    assert raw_checksum(admin) == baseline[0]


def test_a_build_waiting_too_long_for_another_says_who_holds_the_lock(baseline, faults_url):
    with exclusive("dbt build", 5, faults_url):
        run = _chiso("build", CHISO_BUILD_LOCK_WAIT_S="1")
    _one_line_error(run, "another dbt build is in progress", "CHISO_BUILD_LOCK_WAIT_S")


def test_a_warehouse_without_init_says_to_run_it(pg_admin_url, simulator):
    dbname = f"chiso_noinit_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as c:
        c.execute(psycopg.sql.SQL("create database {} owner {}").format(psycopg.sql.Identifier(dbname),
                                                                        psycopg.sql.Identifier(TEST_OWNER)))
    try:
        url = to_url(pg_admin_url, dbname=dbname, user=TEST_OWNER)
        for command in (["build"], ["inbox"], ["extract", "--source", "vneid", "--from", "2026-02-03",
                                               "--to", "2026-02-03"]):
            _one_line_error(_chiso(*command, CHISO_DATABASE_URL=url), "chiso init", dbname)
    finally:
        drop_database(pg_admin_url, dbname)


def test_init_by_the_run_time_login_says_it_needs_an_administrator(faults_url):
    _one_line_error(_chiso("init", CHISO_DATABASE_URL=faults_url, CHISO_ADMIN_DATABASE_URL=faults_url),
                    "needs an administrator", "CHISO_ADMIN_DATABASE_URL")


def test_every_chiso_role_exists_once_init_has_run(admin):
    assert {r for (r,) in admin.execute("select rolname from pg_roles where rolname = any(%s)",
                                        (list(ROLES),))} == set(ROLES)


def test_init_hands_over_what_an_older_version_made_as_the_administrator(pg_admin_url):
    """A warehouse from before the roles: tables made by the administrator, raw.load_batch without 'accepted'."""
    from chiso.warehouse import init_warehouse
    from extract.loader import ensure_raw_schema

    dbname = f"chiso_older_{os.getpid()}"
    with psycopg.connect(pg_admin_url, autocommit=True) as c:
        c.execute(psycopg.sql.SQL("create database {}").format(psycopg.sql.Identifier(dbname)))
    url = to_url(pg_admin_url, dbname=dbname)
    try:
        with psycopg.connect(url, autocommit=True) as old:
            old.execute("create schema raw; create schema marts")
            ensure_raw_schema(old, get_source("tthc"))
            old.execute("alter table raw.load_batch drop column accepted")
            old.execute("create table marts.mart_from_before (x int); create view marts.v_from_before as select 1")
        init_warehouse(TEST_OWNER, admin=url)
        with psycopg.connect(url, autocommit=True) as c:
            owners = dict(c.execute(
                "select n.nspname || '.' || c.relname, pg_get_userbyid(c.relowner) from pg_class c"
                " join pg_namespace n on n.oid = c.relnamespace"
                " where n.nspname in ('raw', 'marts') and c.relkind in ('r', 'v')").fetchall())
            assert owners["raw.load_batch"] == owners["raw.tthc_dossier_daily"] == LOADER
            assert owners["marts.mart_from_before"] == owners["marts.v_from_before"] == TRANSFORMER
            assert c.execute("select count(*) from information_schema.columns where table_schema = 'raw'"
                             " and table_name = 'load_batch' and column_name = 'accepted'").fetchone() == (1,)
        with connect(to_url(url, user=TEST_OWNER, password="chiso-test"), role=LOADER) as c:
            load_batch(c, get_source("tthc"), DAY, DAY, [], source_url=None, is_synthetic=True)
    finally:
        drop_database(pg_admin_url, dbname)
