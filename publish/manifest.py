"""The export folder's manifest (rows, checksums, dates per dataset) and the atomic, write-only-if-changed file I/O."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path

MANIFEST = "manifest.json"


class ManifestError(RuntimeError):
    """The export folder's manifest is missing or unreadable."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_bytes(document: object) -> bytes:
    """Pretty, stable JSON (insertion order, UTF-8, trailing newline)."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def canonical_hash(document: object) -> str:
    """A hash that ignores key order and whitespace: for change detection of metadata."""
    return sha256(json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                             default=str).encode("utf-8"))


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a hidden temporary file beside ``path``, then rename: readers see the old or the new file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` unless ``path`` already holds exactly those bytes (then its mtime stays); True if written."""
    if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
        return False
    write_atomic(path, data)
    return True


def read_manifest(out_dir: Path) -> dict:
    """The previous manifest, or an empty one when the folder has never been published to."""
    path = out_dir / MANIFEST
    if not path.exists():
        return {"datasets": []}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(manifest.get("datasets"), list):
        raise ManifestError(f"{path} has no 'datasets' list")
    return manifest


def require_manifest(out_dir: Path) -> dict:
    """The manifest of a folder that must have been published to (the portal push reads it)."""
    if not (out_dir / MANIFEST).exists():
        raise ManifestError(f"{out_dir / MANIFEST} not found: run `chiso publish` first")
    return read_manifest(out_dir)


def entries_by_code(manifest: dict) -> dict[str, dict]:
    return {entry["dataset"]: entry for entry in manifest["datasets"] if "dataset" in entry}


def files_match(out_dir: Path, entry: dict | None, files: dict[str, bytes]) -> bool:
    """True when the previous entry lists exactly these files with these checksums and they are on disk intact."""
    listed = (entry or {}).get("files") or {}
    if set(listed) != set(files):
        return False
    for ext, data in files.items():
        path = out_dir / listed[ext]["path"]
        if listed[ext]["sha256"] != sha256(data) or not path.is_file() or sha256(path.read_bytes()) != sha256(data):
            return False
    return True


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
