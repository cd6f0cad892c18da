"""Every simulated feed, by source name; a new simulated source registers its Feed here."""

from __future__ import annotations

from simulator import edoc, signature, tthc, tthc_services, vneid
from simulator.feeds import Feed

#: The merged province exists from this day; no feed serves anything earlier.
PROVINCE_START = tthc.PROVINCE_START

FEEDS: dict[str, Feed] = {feed.name: feed for feed in (tthc.FEED, tthc_services.FEED, vneid.FEED, signature.FEED, edoc.FEED)}
