"""Every simulated feed, by source name: the ``FEED`` of each module of this package; a new simulated source is a
module with a ``FEED`` and nothing else to register."""

from __future__ import annotations

import importlib
import pkgutil

import simulator
from simulator.feeds import Feed, RecordFeed
from simulator.tthc import PROVINCE_START

__all__ = ["FEEDS", "PROVINCE_START"]


#: the modules that serve the feeds rather than generate one
_NOT_FEEDS = {"registry", "server"}


def _feeds() -> dict[str, Feed | RecordFeed]:
    found: dict[str, Feed | RecordFeed] = {}
    for module_info in sorted(pkgutil.iter_modules(simulator.__path__), key=lambda m: m.name):
        if module_info.name in _NOT_FEEDS:
            continue
        feed = getattr(importlib.import_module(f"simulator.{module_info.name}"), "FEED", None)
        if isinstance(feed, (Feed, RecordFeed)):
            found[feed.name] = feed
    return found


FEEDS: dict[str, Feed | RecordFeed] = _feeds()
