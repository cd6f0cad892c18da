"""Read what dbt already declares from its manifest: the open-data exposures (the datasets) and, for each mart,
its descriptions, owner, published columns, keys and identities."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

#: Letters only Vietnamese uses (đ, ă, ơ, ư and the Latin Extended Additional block of tone marks).
_VIETNAMESE = re.compile(r"[đĐăĂơƠưƯ\u1ea0-\u1ef9]")
_OWNER = re.compile(r"^(?P<name>.+?)\s*\((?P<code>[a-z0-9_]+)\)$")
#: The key of an exposure's ``config.meta`` that makes it an open-data dataset.
OPEN_DATA_META = "open_data"


class DbtDocsError(RuntimeError):
    """The dbt manifest is missing, unreadable, or lacks the documentation a published dataset needs."""


@dataclass(frozen=True)
class Bilingual:
    vi: str
    en: str


@dataclass(frozen=True)
class ColumnDoc:
    name: str
    description: Bilingual
    data_type: str
    not_null: bool
    unit: str | None  # ``meta.unit`` when the model's YAML gives one
    published: bool  # ``config: {meta: {publish: {include: true}}}`` in the model's YAML


@dataclass(frozen=True)
class Owner:
    name_vi: str
    agency_code: str | None


@dataclass(frozen=True)
class ExposureDoc:
    """An open-data exposure: one dataset, the one mart it publishes, its publisher (the owner) and its metadata."""

    name: str
    path: str  # the YAML file that declares it
    model: str
    owner: Owner
    open_data: dict


@dataclass(frozen=True)
class ModelDoc:
    name: str
    schema: str
    description: Bilingual
    owner: Owner
    columns: dict[str, ColumnDoc]  # in the order of the YAML
    unique_key: tuple[str, ...]  # from a ``unique_combination`` test, else empty
    identities: tuple[tuple[str, ...], ...]  # each ``sum_of_parts`` test: (total, part, part, ...)


def split_bilingual(text: str) -> Bilingual:
    """'Vietnamese. / English.' → both halves; text with no English half is used for both languages.

    The split is at the last ' / ' (Vietnamese halves may hold a ' / ' of their own, e.g. a formula) and
    only when what follows it is not Vietnamese ('Cấp tỉnh / Cấp xã.' is one Vietnamese description).
    """
    text = " ".join(text.split())
    head, sep, tail = text.rpartition(" / ")
    if not sep or not head or _VIETNAMESE.search(tail):
        return Bilingual(text, text)
    return Bilingual(head, tail)


def parse_owner(owner: str) -> Owner:
    """'Văn phòng UBND tỉnh (ld_vp_ubnd)' → name and agency code."""
    match = _OWNER.match(owner.strip())
    return Owner(match["name"], match["code"]) if match else Owner(owner.strip(), None)


def load_manifest(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DbtDocsError(f"dbt manifest {path} not found: run `chiso build` (dbt build) before publishing") from exc
    except json.JSONDecodeError as exc:
        raise DbtDocsError(f"dbt manifest {path} is not valid JSON ({exc}); is dbt still writing it?") from exc


def model_doc(manifest: dict, model: str) -> ModelDoc:
    """The documentation of model ``model``; raises if it is missing, undescribed or has no owner."""
    node = _model_node(manifest, model)
    owner = (node.get("config", {}).get("meta") or node.get("meta") or {}).get("owner")
    if not owner:
        raise DbtDocsError(f"model {model} has no meta.owner in its YAML; every published mart needs one")
    if not node.get("description", "").strip():
        raise DbtDocsError(f"model {model} has no description in its YAML")
    tests = [t for t in manifest["nodes"].values()
             if t.get("resource_type") == "test" and t.get("attached_node") == node["unique_id"]]
    return ModelDoc(
        name=model,
        schema=node["schema"],
        description=split_bilingual(node["description"]),
        owner=parse_owner(owner),
        columns={name: _column_doc(col) for name, col in node.get("columns", {}).items()},
        unique_key=_unique_key(tests),
        identities=_identities(tests),
    )


def open_data_exposures(manifest: dict) -> tuple[ExposureDoc, ...]:
    """Every exposure whose ``config.meta`` has ``open_data``, by name; raises if one is not a dataset as declared."""
    found = []
    for exposure in manifest.get("exposures", {}).values():
        meta = exposure.get("config", {}).get("meta") or exposure.get("meta") or {}
        if OPEN_DATA_META not in meta:
            continue
        name, path = exposure["name"], exposure.get("original_file_path", "?")
        if not isinstance(meta[OPEN_DATA_META], dict):
            raise DbtDocsError(f"exposure {name} ({path}): meta.{OPEN_DATA_META} must be a mapping of metadata")
        nodes = exposure.get("depends_on", {}).get("nodes") or []
        if len(nodes) != 1 or not nodes[0].startswith("model."):
            raise DbtDocsError(f"exposure {name} ({path}): an open-data exposure depends on exactly one mart"
                               f" (depends_on: [ref('<mart>')]), not {nodes or 'nothing'}")
        owner = parse_owner((exposure.get("owner") or {}).get("name") or "")
        if owner.agency_code is None:
            raise DbtDocsError(f"exposure {name} ({path}): owner.name must name the publisher with its agency code,"
                               f" e.g. 'Văn phòng UBND tỉnh (ld_vp_ubnd)'")
        found.append(ExposureDoc(name, path, manifest["nodes"][nodes[0]]["name"], owner, meta[OPEN_DATA_META]))
    return tuple(sorted(found, key=lambda e: e.name))


def _model_node(manifest: dict, model: str) -> dict:
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "model" and node.get("name") == model:
            return node
    raise DbtDocsError(f"model {model} is not in the dbt manifest; check the depends_on of its open-data exposure")


def _column_doc(col: dict) -> ColumnDoc:
    meta = col.get("config", {}).get("meta") or col.get("meta") or {}
    return ColumnDoc(
        name=col["name"],
        description=split_bilingual(col.get("description") or ""),
        data_type=col.get("data_type") or "",
        not_null=any(c.get("type") == "not_null" for c in col.get("constraints", [])),
        unit=meta.get("unit"),
        published=isinstance(meta.get("publish"), dict) and meta["publish"].get("include") is True,
    )


def _unique_key(tests: list[dict]) -> tuple[str, ...]:
    for test in sorted(tests, key=lambda t: t["unique_id"]):
        meta = test.get("test_metadata") or {}
        if meta.get("name") == "unique_combination":
            return tuple(meta["kwargs"]["columns"])
    for test in sorted(tests, key=lambda t: t["unique_id"]):
        meta = test.get("test_metadata") or {}
        if meta.get("name") == "unique" and test.get("column_name"):
            return (test["column_name"],)
    return ()


def _identities(tests: list[dict]) -> tuple[tuple[str, ...], ...]:
    found = []
    for test in tests:
        meta = test.get("test_metadata") or {}
        if meta.get("name") == "sum_of_parts":
            found.append((meta["kwargs"]["total"], *meta["kwargs"]["parts"]))
    return tuple(sorted(found))
