"""The site's static files (stylesheet, search script, icon), shipped as package data in publish/static."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from publish.layout import ICON, SCRIPT, STYLESHEET

#: File names in the export folder, each a file of publish/static.
ASSET_NAMES = (STYLESHEET, SCRIPT, ICON)


@cache
def assets() -> dict[str, bytes]:
    """Each asset's bytes by its file name in the export folder."""
    folder = files("publish") / "static"
    return {name: (folder / name).read_bytes() for name in ASSET_NAMES}
