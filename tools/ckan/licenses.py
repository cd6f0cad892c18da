"""Write the portal's licence list, deploy/ckan/licenses.json, from publish/catalogue.py LICENSES (``--check``:
only say whether the file is up to date). CKAN reads it through ``licenses_group_url``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from publish.ckan import license_register

LICENSE_LIST = Path(__file__).resolve().parents[2] / "deploy" / "ckan" / "licenses.json"


def license_list_bytes() -> bytes:
    """The file's content: CKAN's licence-list JSON (a list of licences), stable and UTF-8."""
    return (json.dumps(license_register(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from LICENSES")
    parser.add_argument("--output", type=Path, default=LICENSE_LIST)
    args = parser.parse_args(argv)
    data = license_list_bytes()
    if args.check:
        current = args.output.read_bytes() if args.output.exists() else b""
        if current != data:
            print(f"{args.output} is not what publish/catalogue.py LICENSES gives: run python -m tools.ckan.licenses",
                  file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
