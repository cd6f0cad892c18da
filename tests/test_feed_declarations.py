"""Each feed is declared once (extract/sources/): the simulator, the dbt sources and staging, the narrow fact and
the rate metrics all follow from the declarations, and the generated dbt files are current."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from extract.sources import SOURCES
from simulator.registry import FEEDS
from tools import generate_dbt

ROOT = Path(__file__).resolve().parent.parent


def test_the_generated_dbt_files_are_those_the_declarations_give():
    run = subprocess.run([sys.executable, "-m", "tools.generate_dbt", "--check"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


def test_a_hand_edit_of_a_generated_file_is_found_and_named(tmp_path):
    for path in ("dbt_project/models/staging", "dbt_project/models/marts", "dbt_project/models/docs",
                 "dbt_project/macros", "seeds", "tools/templates"):
        shutil.copytree(ROOT / path, tmp_path / path)
    stale = tmp_path / generate_dbt.STAGING / "stg_vneid__daily.sql"
    stale.write_text(stale.read_text(encoding="utf-8").replace("eid_application_count", "eid_apps"), encoding="utf-8")
    differing = [p for p, text in generate_dbt.generated_files(SOURCES.values(), tmp_path).items()
                 if (tmp_path / p).read_text(encoding="utf-8") != text]
    assert differing == [generate_dbt.STAGING / "stg_vneid__daily.sql"]


def _generated_sources() -> dict[tuple[str, str], dict[str, object]]:
    document = yaml.safe_load(generate_dbt.sources_yaml(SOURCES.values()))
    return {(source["name"], table["name"]): table for source in document["sources"] for table in source["tables"]}


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_feed_is_a_dbt_source_with_its_own_freshness_and_columns(name):
    spec = SOURCES[name]
    table = _generated_sources()[(spec.name, spec.entity)]
    assert table["identifier"] == spec.raw_table
    config = table["config"]
    # the feed's own batches, not any load: one stalled feed warns while the others keep loading
    assert f"source = '{spec.name}'" in config["loaded_at_query"]
    assert f"entity = '{spec.entity}'" in config["loaded_at_query"]
    assert config["freshness"]["warn_after"] == {"count": spec.freshness.warn_after_hours, "period": "hour"}
    assert config["freshness"]["error_after"] == {"count": spec.freshness.error_after_hours, "period": "hour"}
    assert [c["name"] for c in table["columns"]] == ["batch_id", *spec.column_names]
    assert all(c["description"] for c in table["columns"]), "every column of a feed says what it means"


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_the_staging_model_renames_and_casts_every_declared_column(name):
    spec = SOURCES[name]
    sql = generate_dbt.staging_sql(spec)
    model = yaml.safe_load(generate_dbt.staging_yaml(spec))["models"][0]
    assert f"source('{spec.name}', '{spec.entity}')" in sql
    for column in spec.columns:
        assert column.name in sql and column.staged_name in sql
    assert [c["name"] for c in model["columns"]] == ["batch_id", *(c.staged_name for c in spec.columns)]
    assert model["config"]["meta"]["owner"] == spec.owner


def test_the_simulator_serves_every_declared_feed_at_its_declared_path_with_its_fields():
    assert set(FEEDS) == set(SOURCES)
    for name, feed in FEEDS.items():
        assert feed.spec is SOURCES[name]
        assert (feed.path, feed.fields, feed.grain) == (SOURCES[name].path, SOURCES[name].column_names,
                                                        SOURCES[name].grain)


def _catalogue() -> dict[str, dict[str, str]]:
    with (ROOT / "seeds" / "indicators.csv").open(encoding="utf-8", newline="") as fh:
        return {row["indicator_code"]: row for row in csv.DictReader(fh)}


def test_the_narrow_fact_holds_every_flow_of_the_wide_facts_and_no_stock():
    catalogue = _catalogue()
    facts = generate_dbt.wide_facts()
    sql = (ROOT / generate_dbt.CORE / "fact_indicator_value.sql").read_text(encoding="utf-8")
    measures = [m for f in facts for m in f.measures]
    assert measures, "the wide facts name the indicators they count (meta.indicator)"
    for measure in measures:
        present = f"('{measure.indicator}', {measure.column})" in sql
        assert present == (catalogue[measure.indicator]["aggregation"] == "sum"), measure


def test_every_rate_whose_counts_a_fact_holds_is_a_ratio_metric_of_those_counts():
    catalogue = _catalogue()
    metrics = yaml.safe_load((ROOT / generate_dbt.CORE / "_metrics.yml").read_text(encoding="utf-8"))["metrics"]
    ratios = {m["name"]: m["type_params"] for m in metrics if m["type"] == "ratio"}
    counted = {m.indicator for f in generate_dbt.wide_facts() for m in f.measures}
    expected = {code for code, row in catalogue.items() if row["aggregation"] == "ratio"
                and row["numerator_code"] in counted and row["denominator_code"] in counted}
    assert set(ratios) == expected
    assert {"dossier_online_rate", "edoc_signed_rate", "online_payment_rate"} <= expected
    for code in expected:
        assert ratios[code] == {"numerator": catalogue[code]["numerator_code"],
                                "denominator": catalogue[code]["denominator_code"]}


def test_a_fact_column_naming_an_indicator_the_catalogue_lacks_is_refused(tmp_path):
    core = tmp_path / generate_dbt.CORE
    core.mkdir(parents=True)
    (tmp_path / "seeds").mkdir()
    shutil.copy(ROOT / "seeds" / "indicators.csv", tmp_path / "seeds" / "indicators.csv")
    (core / "fact_x.yml").write_text(yaml.safe_dump({"version": 2, "models": [{"name": "fact_x", "columns": [
        {"name": "report_date"}, {"name": "n", "config": {"meta": {"indicator": "no_such_indicator"}}}]}]}))
    with pytest.raises(ValueError, match=r"fact_x\.n: meta.indicator 'no_such_indicator'"):
        generate_dbt.generated_files(SOURCES.values(), tmp_path)


def _published(figure_id: str) -> dict[str, str]:
    with (ROOT / "seeds" / "published_figures.csv").open(encoding="utf-8", newline="") as fh:
        return next(row for row in csv.DictReader(fh) if row["figure_id"] == figure_id)


def test_the_simulated_online_payments_give_the_published_count_and_rate():
    from simulator.feeds import load_agencies

    count, rate = _published("obs0144"), _published("obs0145")  # 002:310: 552.693 transactions, 92,94 %
    feed = FEEDS["payment"]
    dossiers_feed = FEEDS["tthc"]
    agencies = tuple(a for a in load_agencies(ROOT / "seeds" / "agencies.csv") if feed.serves(a))
    start, end = date.fromisoformat(count["period_start"]), date.fromisoformat(count["period_end"])
    fees = paid = 0
    for n in range((end - start).days + 1):
        day = start + timedelta(n)
        payments = feed.generate(20250701, day, agencies)
        dossiers = dossiers_feed.generate(20250701, day, agencies)
        for payment, dossier in zip(payments, dossiers, strict=True):
            assert payment["online_payments"] <= payment["fee_dossiers"] <= (
                dossier["received_online"] + dossier["received_direct"]), payment
        fees += sum(r["fee_dossiers"] for r in payments)
        paid += sum(r["online_payments"] for r in payments)
    assert paid == int(float(count["value"]))
    assert round(100 * paid / fees, 2) == float(rate["value"])
    assert int(10_000 * paid / fees) / 100 == float(rate["value"])  # truncated, as reports often print rates
