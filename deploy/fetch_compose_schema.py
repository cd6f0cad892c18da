"""Fetch the Compose file JSON schema (shipped in PyPI's docker-compose 1.29.2) for the deployment tests.

Run by `make install` into .venv/share/chiso/compose_spec.json: the schema is a package's file, fetched from
the package registry at install time, never committed. No Docker engine is needed to validate against it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "docker-compose==1.29.2"
MEMBER = "compose/config/compose_spec.json"


def main(target: Path) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--disable-pip-version-check", PACKAGE, "-d", tmp], check=True)
        (wheel,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(wheel) as zf:
            target.write_bytes(zf.read(MEMBER))
    print(f"compose schema: {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
