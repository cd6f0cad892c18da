"""The dbt project's layers point one way: staging reads sources, intermediate reads staging, seeds and other
intermediate models, never a mart; every model is documented with an owner."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

MODELS = Path(__file__).resolve().parent.parent / "dbt_project" / "models"
REF = re.compile(r"""ref\(\s*['"](\w+)['"]\s*\)""")


def _layer_of() -> dict[str, str]:
    return {path.stem: path.relative_to(MODELS).parts[0] for path in MODELS.rglob("*.sql")}


def _refs(path: Path) -> set[str]:
    return set(REF.findall(path.read_text(encoding="utf-8")))


def test_intermediate_models_never_read_a_mart():
    layers = _layer_of()
    upward = [(path.stem, ref) for path in (MODELS / "intermediate").rglob("*.sql") for ref in _refs(path)
              if layers.get(ref) == "marts"]
    assert upward == []


def test_staging_models_read_sources_and_the_batch_register_only():
    layers = _layer_of()
    for path in (MODELS / "staging").rglob("*.sql"):
        assert not {ref for ref in _refs(path) if ref in layers}, path.name


def test_marts_read_facts_not_the_narrow_fact_pivoted_back():
    """A mart of one domain reads its wide fact; only the scorecard and the reconciliation read the narrow one."""
    readers = {path.stem for path in (MODELS / "marts").rglob("*.sql") if "fact_indicator_value" in _refs(path)}
    assert readers <= {"mart_published_reconciliation", "figures__feed", "scorecard__warehouse_actuals"}, readers


def test_every_model_has_a_description_and_an_owner():
    documented: dict[str, dict[str, object]] = {}
    for path in MODELS.rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            documented[model["name"]] = model
    for name in _layer_of():
        model = documented.get(name)
        assert model and str(model.get("description", "")).strip(), f"{name}: no description"
        assert ((model.get("config") or {}).get("meta") or {}).get("owner"), f"{name}: no meta.owner"
