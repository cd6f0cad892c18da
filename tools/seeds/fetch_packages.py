"""Fetch the pinned ``vietnam-provinces`` wheels the agency seed generators read, unpacked one folder per version.

``make install`` runs ``python -m tools.seeds.fetch_packages .venv/share/chiso/seed-packages``. The two
versions cannot share one environment (and 2026.9.0 declares Python ≥ 3.12, though the modules used import
under 3.11), so each is unpacked into its own folder, put on ``PYTHONPATH`` by whoever runs the generator
(``tests/test_seed_generators.py``). Each wheel's sha256 is checked before it is unpacked.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

#: version -> (the Python version pip resolves it for, the wheel's sha256)
WHEELS = {
    "2025.10.1": ("3.11", "1693dece496b1e04e2b637a3dd79a87a22666e13c91c51cf06dc27e482987f57"),
    "2026.9.0": ("3.12", "b5f3540a98937d38b9bebcbdb792fa4f5b9712737d41b05c7254beb2308ebcd1"),
}


def package_dir(root: Path, version: str) -> Path:
    """Where ``vietnam-provinces==version`` is unpacked under ``root`` (a folder for ``PYTHONPATH``)."""
    return root / f"vietnam-provinces-{version}"


def fetch(root: Path, version: str, python_version: str, sha256: str) -> Path:
    """Download, check and unpack one wheel; an already unpacked folder is kept."""
    target = package_dir(root, version)
    if (target / "vietnam_provinces").is_dir():
        return target
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
                        "--only-binary=:all:", "--python-version", python_version,
                        f"vietnam-provinces=={version}", "-d", tmp], check=True)
        (wheel,) = Path(tmp).glob("*.whl")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != sha256:
            raise SystemExit(f"{wheel.name}: sha256 {digest}, expected {sha256}; not unpacked")
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(target)
    return target


def main(root: Path) -> int:
    for version, (python_version, sha256) in WHEELS.items():
        print(f"seed package: {fetch(root, version, python_version, sha256)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
