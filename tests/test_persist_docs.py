"""BI users read every model's and column's description as a PostgreSQL comment; a build comments only what
differs from the comment already there (a seed or incremental model kept from the last build gets none)."""

from __future__ import annotations

import json
import re

import pytest

from chiso.config import settings
from chiso.database import connect
from chiso.dbt import dbt_target_dir, run_dbt

pytestmark = [pytest.mark.warehouse("built"), pytest.mark.slow]

SEED = "agencies"  # kept by a rebuild (truncated and reloaded); undocumented, so never commented
INCREMENTAL = "fact_tthc_dossier_daily"  # kept, rows merged
KEPT = "fact_vneid_daily"  # incremental too
TABLE = "mart_tthc_agency_month"  # dbt builds a new table and swaps it in


def manifest_node(name: str) -> dict:
    manifest = json.loads((dbt_target_dir() / "manifest.json").read_text(encoding="utf-8"))
    return next(n for n in manifest["nodes"].values() if n["name"] == name and n["resource_type"] in ("model", "seed"))


def comments(schema: str, table: str) -> tuple[str | None, dict[str, str | None]]:
    """The relation's comment and its columns' comments, as BI tools read them from pg_description."""
    relation = f"{schema}.{table}"
    with connect() as conn:
        own = conn.execute("select obj_description(%s::regclass, 'pg_class')", (relation,)).fetchone()[0]
        columns = dict(conn.execute("select attname, col_description(attrelid, attnum) from pg_attribute"
                                    " where attrelid = %s::regclass and attnum > 0 and not attisdropped",
                                    (relation,)).fetchall())
    return own, columns


def commented_relations(args: list[str]) -> dict[str, int]:
    """Run ``dbt <args>``; the number of ``comment on`` statements it issued per relation (from dbt's debug log)."""
    log = settings().state_dir / "logs" / "dbt.log"
    offset = log.stat().st_size if log.exists() else 0
    run_dbt(args)
    with log.open("rb") as fh:
        fh.seek(offset)
        text = fh.read().decode("utf-8", errors="replace")
    counts: dict[str, int] = {}
    for match in re.finditer(r'comment on (?:column|table|view) "[^"]+"\."(\w+)"\."(\w+)"', text):
        counts[match.group(2)] = counts.get(match.group(2), 0) + 1
    return counts


def assert_documented(schema: str, name: str) -> None:
    node = manifest_node(name)
    own, columns = comments(schema, name)
    assert own == node["description"]
    for column, spec in node["columns"].items():
        assert columns[column] == spec["description"], f"{schema}.{name}.{column}"


def test_a_build_over_a_built_warehouse_comments_only_the_relations_it_replaced(warehouse_url):
    for name in (INCREMENTAL, KEPT, TABLE):
        assert_documented("marts", name)  # the template's build left every description as a comment

    issued = commented_relations(["build", "--select", SEED, INCREMENTAL, KEPT, TABLE])

    assert not {SEED, INCREMENTAL, KEPT} & set(issued)  # same objects, same comments: nothing to say
    assert issued[TABLE] == 1 + len(manifest_node(TABLE)["columns"])  # a new table: its comment and every column's
    for name in (INCREMENTAL, KEPT, TABLE):
        assert_documented("marts", name)


def test_a_comment_that_differs_from_its_description_is_rewritten_alone(warehouse_url, warehouse_admin_url):
    column = list(manifest_node(INCREMENTAL)["columns"])[1]
    with connect(warehouse_admin_url) as conn:
        conn.execute(f"comment on column marts.{INCREMENTAL}.{column} is 'edited by hand'")

    issued = commented_relations(["run", "--select", INCREMENTAL])

    assert issued == {INCREMENTAL: 1}
    assert_documented("marts", INCREMENTAL)

