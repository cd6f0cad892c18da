"""Synthetic TTHC dossiers, one record per dossier, whose sums per agency and day are the daily feeds exactly.

Each agency's dossiers are the daily TTHC feed's receipts (``simulator.tthc``: online and direct per day) and its
resolutions (early, on time, overdue per day), paired first in, first out within three lanes of procedures (about
a day, a week and three weeks of processing), so a dossier is resolved on or after the day it arrived. The day's
closures beyond the feed's resolutions are dossiers returned or withdrawn; they keep the open backlog near each
lane's processing time. The oldest dossiers closed on a day are its overdue ones, then those on time, then the early
ones, and each one's due date is set to agree with that class. Fees and online payments are those of the payment
feed (``simulator.payment``), per agency and day of receipt.

The source serves each dossier in its state at the time asked (``as_of``): received, in process, waiting for a
supplement, then resolved, returned or withdrawn, with ``updated_at`` its last change. Every value is a pure
function of (seed, agency, day), computed ahead of the clock by ``LOOKAHEAD_DAYS``, so a dossier's due date is known
when it arrives and never changes. Procedures come from ``seeds/procedures.csv`` (synthetic). The applicant's
identifier and name are sent as a real system would, for the warehouse to drop or hash before raw.
"""

from __future__ import annotations

import csv
import sys
import threading
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from extract.sources.tthc import TTHC_DOSSIER_STATE
from simulator import payment, tthc
from simulator.apportion import apportion, apportion_capped
from simulator.determinism import rng
from simulator.feeds import Agency, RecordFeed

SPEC = TTHC_DOSSIER_STATE
PROVINCE_START = tthc.PROVINCE_START
LOCAL = timedelta(hours=7)  # Asia/Ho_Chi_Minh, no daylight saving
#: lanes of procedures: mean processing days and share of receipts
LANE_DAYS = (1.0, 6.0, 20.0)
LANE_SHARES = (0.45, 0.40, 0.15)
#: closures beyond the resolutions: at least this share of them (returned, withdrawn)
RETURN_SHARE = 0.03
#: the model is computed this far past the clock, so due dates are fixed on arrival
LOOKAHEAD_DAYS = 120
DIGITISED_SHARE = 0.89  # 002:784: 88,67 % of dossiers digitised from 01/01/2026 (synthetic per dossier)
RESULT_DIGITISED_SHARE = 0.85
DATA_REUSED_SHARE = 0.72  # below the once-only target of 80 % (002:794)
RATED_SHARE = 0.3
SUPPLEMENT_SHARE = 0.08
POSTAL_SHARE = 0.12  # of direct dossiers
PROCEDURES_SEED = Path(__file__).resolve().parent.parent / "seeds" / "procedures.csv"

#: closure classes, in the order the oldest closures take them
OVERDUE, ON_TIME, EARLY, RETURNED, WITHDRAWN = range(5)


@lru_cache(maxsize=4096)
def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - LOCAL


def _local(day: date, hours: float) -> datetime:
    """``hours`` after local midnight of ``day``, as a UTC time."""
    return _midnight(day) + timedelta(hours=hours)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Procedure:
    code: str
    field_code: str
    service_level: str
    has_fee: bool
    deadline_days: int


@lru_cache(maxsize=4)
def load_procedures(path: Path = PROCEDURES_SEED) -> dict[str, tuple[tuple[Procedure, ...], tuple[Procedure, ...]]]:
    """Per agency code (``""`` for every commune): (procedures with a fee, procedures without)."""
    by_agency: dict[str, tuple[list[Procedure], list[Procedure]]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            procedure = Procedure(row["procedure_code"], row["field_code"], row["service_level"],
                                  row["has_fee"] == "true", int(row["deadline_days"]))
            key = row["agency_code"] if row["level"] == "province" else ""
            by_agency.setdefault(key, ([], []))[0 if procedure.has_fee else 1].append(procedure)
    return {k: (tuple(fee), tuple(free)) for k, (fee, free) in by_agency.items()}


@dataclass
class _Agency:
    """One agency's dossiers as cumulative counts per lane and day (day 0 is the province's first day)."""

    code: str
    received: list[list[int]] = field(default_factory=lambda: [[] for _ in LANE_DAYS])  # cumulative, per lane
    closed: list[list[int]] = field(default_factory=lambda: [[] for _ in LANE_DAYS])
    daily: list[tuple[int, int, int, int, int, int, int]] = field(default_factory=list)  # n, online, e, t, v, f, p
    average: list[float] = field(default_factory=lambda: [0.0 for _ in LANE_DAYS])


class DossierModel:
    """The dossiers of one seed and set of agencies, extended day by day as the clock asks for later days."""

    def __init__(self, seed: int, agencies: tuple[Agency, ...], procedures: Path = PROCEDURES_SEED) -> None:
        self.seed = seed
        self.agencies = agencies
        self.originals = tuple(a for a in agencies if not a.copy_of)
        self.state = {a.code: _Agency(a.code) for a in self.originals}
        self.days = 0
        self.lock = threading.Lock()
        self.procedures = load_procedures(procedures)

    # ---------- the model, day by day
    def extend_to(self, last: date) -> None:
        """Compute every day up to ``last`` (inclusive) that is not computed yet."""
        with self.lock:
            while PROVINCE_START + timedelta(self.days) <= last:
                self._add_day(PROVINCE_START + timedelta(self.days))
                self.days += 1

    def _add_day(self, day: date) -> None:
        daily = tthc.generate_day(self.seed, day, self.originals)
        fees = payment.generate_day(self.seed, day, self.originals)
        for row, fee in zip(daily, fees, strict=True):
            agency = self.state[row["agency_code"]]
            online, direct = row["received_online"], row["received_direct"]
            early, on_time, overdue = row["resolved_early"], row["resolved_on_deadline"], row["resolved_overdue"]
            n = online + direct
            agency.daily.append((n, online, early, on_time, overdue, fee["fee_dossiers"], fee["online_payments"]))
            jitter = rng(self.seed, "lane", agency.code, day)
            weights = [share * jitter.uniform(0.7, 1.3) for share in LANE_SHARES]
            arrivals = apportion(n, weights) if n else [0, 0, 0]
            open_now = []
            for i, arrived in enumerate(arrivals):
                before = agency.received[i][-1] if agency.received[i] else 0
                agency.received[i].append(before + arrived)
                agency.average[i] = arrived if self.days == 0 else 0.9 * agency.average[i] + 0.1 * arrived
                open_now.append(agency.received[i][-1] - (agency.closed[i][-1] if agency.closed[i] else 0))
            resolved = early + on_time + overdue
            if resolved > sum(open_now):
                raise ValueError(f"dossiers of {agency.code} on {day}: {resolved} resolved but only"
                                 f" {sum(open_now)} open")
            target = sum(d * a for d, a in zip(LANE_DAYS, agency.average, strict=True))
            closures = min(sum(open_now), max(resolved + round(RETURN_SHARE * resolved),
                                              round(sum(open_now) - target)))
            shares = apportion_capped(closures, [o / d for o, d in zip(open_now, LANE_DAYS, strict=True)],
                                      open_now)
            for i, closed in enumerate(shares):
                before = agency.closed[i][-1] if agency.closed[i] else 0
                agency.closed[i].append(before + closed)

    # ---------- one dossier
    def _lane_day(self, cumulative: list[int], k: int) -> int:
        """The day on which lane index ``k`` arrives (or closes): the first day whose cumulative count passes it."""
        return bisect_right(cumulative, k)

    @lru_cache(maxsize=8192)  # noqa: B019 - the model lives as long as the simulator
    def _arrivals(self, code: str, day: int) -> tuple[tuple[int, ...], ...]:
        """The in-day numbers of the dossiers each lane received on ``day``, and the fee / paid order."""
        agency = self.state[code]
        n = agency.daily[day][0]
        order = list(range(n))
        rng(self.seed, "arrivals", code, day).shuffle(order)
        lanes, start = [], 0
        for i in range(len(LANE_DAYS)):
            count = agency.received[i][day] - (agency.received[i][day - 1] if day else 0)
            lanes.append(tuple(order[start:start + count]))
            start += count
        fee_order = list(range(n))
        rng(self.seed, "fees", code, day).shuffle(fee_order)
        return (*lanes, tuple(fee_order))

    @lru_cache(maxsize=8192)  # noqa: B019
    def _closures(self, code: str, day: int) -> dict[tuple[int, int], int]:
        """(lane, lane index) -> closure class of every dossier the agency closed on ``day``."""
        agency = self.state[code]
        closing = []
        for i, cumulative in enumerate(agency.closed):
            first = cumulative[day - 1] if day else 0
            for k in range(first, cumulative[day]):
                closing.append((self._lane_day(agency.received[i], k), i, k))
        closing.sort()
        _, _, early, on_time, overdue, _, _ = agency.daily[day]
        classes: dict[tuple[int, int], int] = {}
        for position, (_, lane, k) in enumerate(closing):
            if position < overdue:
                kind = OVERDUE
            elif position < overdue + on_time:
                kind = ON_TIME
            elif position < overdue + on_time + early:
                kind = EARLY
            else:
                kind = RETURNED if rng(self.seed, "return", code, lane, k).random() < 0.6 else WITHDRAWN
            classes[(lane, k)] = kind
        return classes

    def record(self, agency: Agency, lane: int, k: int, as_of: datetime) -> dict[str, object]:
        """Dossier ``k`` of ``lane`` of ``agency`` as the source shows it at ``as_of`` (received by then)."""
        code = agency.copy_of or agency.code
        model = self.state[code]
        day = self._lane_day(model.received[lane], k)
        first = model.received[lane][day - 1] if day else 0
        arrivals = self._arrivals(code, day)
        number = arrivals[lane][k - first]
        _, online, _, _, _, fees, paid = model.daily[day]
        received_day = PROVINCE_START + timedelta(day)
        r = rng(self.seed, "dossier", code, day, number)
        u = [r.random() for _ in range(12)]  # every draw made whatever the state, so states agree
        is_online = number < online
        received_at = _local(received_day, 23.9 * u[0] if is_online else 7.5 + 9.4 * u[0])
        if received_at > as_of:
            raise ValueError(f"dossier {k} of lane {lane} of {agency.code} arrives after {as_of}")
        fee_rank = arrivals[-1][number]
        has_fee, paid_online = fee_rank < fees, fee_rank < paid
        choices = self.procedures[code if code in self.procedures else ""][0 if has_fee else 1]
        procedure = choices[int(u[1] * len(choices))]
        closed_day = self._lane_day(model.closed[lane], k)
        events = [(received_at, "received"), (received_at + timedelta(hours=0.3 + 2.7 * u[2]), "in_process")]
        finished_at = None
        if closed_day < self.days:
            kind = self._closures(code, closed_day)[(lane, k)]
            finished_at = _local(PROVINCE_START + timedelta(closed_day), 8 + 8.5 * u[3])
            if finished_at <= received_at:  # closed the day it arrived: later that day, never past midnight
                finished_at = received_at + (_local(received_day + timedelta(1), 0) - received_at) * (0.2 + 0.7 * u[4])
            due_at = self._due(received_at, finished_at, closed_day - day, kind, procedure, u[5])
            events = [e for e in events if e[0] < finished_at]
            if closed_day - day >= 3 and u[6] < SUPPLEMENT_SHARE:
                events += [(_local(received_day + timedelta(1), 10), "supplement_requested"),
                           (_local(received_day + timedelta(2), 10), "in_process")]
            events.append((finished_at, ("resolved", "resolved", "resolved", "returned", "withdrawn")[kind]))
        else:
            due_at = _local(received_day + timedelta(round(procedure.deadline_days * 1.4)), 17)
        updated_at, status = [e for e in events if e[0] <= as_of][-1]
        finished = status in ("resolved", "returned", "withdrawn")
        rating = next(score for score, bound in ((5, 0.6), (4, 0.88), (3, 0.96), (2, 0.99), (1, 1.01))
                      if u[11] < bound)
        return {
            "dossier_code": f"{agency.code}-{received_day:%y%m%d}-{number:05d}",
            "procedure_code": procedure.code,
            "field_code": procedure.field_code,
            "agency_code": agency.code,
            "channel": "online" if is_online else ("postal" if u[7] < POSTAL_SHARE else "in_person"),
            "service_level": procedure.service_level,
            "status": status,
            "received_at": _iso(received_at),
            "due_at": _iso(due_at),
            "finished_at": _iso(finished_at) if finished else None,
            "updated_at": _iso(updated_at),
            "dossier_digitised": u[8] < DIGITISED_SHARE,
            "result_digitised": (u[9] < RESULT_DIGITISED_SHARE) if status == "resolved" else None,
            "has_fee": has_fee,
            "paid_online": paid_online if has_fee else None,
            "data_reused": u[10] < DATA_REUSED_SHARE,
            "satisfaction": rating if status == "resolved" and u[9] * 7 % 1 < RATED_SHARE else None,
            "applicant_id": f"{int(u[2] * 10**12):012d}",
            "applicant_name": f"Người nộp {int(u[3] * 10**6):06d}",
        }

    @staticmethod
    def _due(received_at: datetime, finished_at: datetime, lag: int, kind: int, procedure: Procedure,
             draw: float) -> datetime:
        """A due date that puts the dossier in its closure class (resolved early, on time or overdue)."""
        finished_day = (finished_at + LOCAL).date()
        if kind == EARLY:
            return _local(finished_day + timedelta(1 + int(draw * 5)), 17)
        if kind == ON_TIME:
            return max(_local(finished_day, 17), finished_at)
        if kind == OVERDUE:
            if lag >= 1:
                due = _local(finished_day - timedelta(1 + int(draw * min(lag, 10))), 17)
                return max(due, received_at + timedelta(minutes=30))
            return received_at + (finished_at - received_at) / 2
        received_day = (received_at + LOCAL).date()
        return _local(received_day + timedelta(round(procedure.deadline_days * 1.4)), 17)

    # ---------- what a request selects
    def blocks_received(self, start: date, end: date) -> Iterator[tuple[Agency, int, int, int]]:
        """(agency, lane, first, last + 1) lane-index blocks of the dossiers received from ``start`` to ``end``."""
        first_day = max(0, (start - PROVINCE_START).days)
        last_day = min(self.days - 1, (end - PROVINCE_START).days)
        if last_day < first_day:
            return
        for agency in self.agencies:
            model = self.state[agency.copy_of or agency.code]
            for lane, cumulative in enumerate(model.received):
                lo = cumulative[first_day - 1] if first_day else 0
                if cumulative[last_day] > lo:
                    yield agency, lane, lo, cumulative[last_day]

    def backlog_at(self, day: date) -> Iterator[tuple[Agency, int, int, int]]:
        """Blocks of the dossiers received before ``day`` and not closed before it (still open that morning)."""
        index = (day - PROVINCE_START).days
        if index <= 0:
            return
        for agency in self.agencies:
            model = self.state[agency.copy_of or agency.code]
            for lane in range(len(LANE_DAYS)):
                lo, hi = model.closed[lane][index - 1], model.received[lane][index - 1]
                if hi > lo:
                    yield agency, lane, lo, hi


_models: dict[tuple[int, tuple[Agency, ...]], DossierModel] = {}
_models_lock = threading.Lock()


def model_for(seed: int, agencies: tuple[Agency, ...], as_of: datetime) -> DossierModel:
    """The shared model of ``seed`` and ``agencies``, computed to ``LOOKAHEAD_DAYS`` past ``as_of``."""
    with _models_lock:
        model = _models.setdefault((seed, agencies), None) or DossierModel(seed, agencies)
        _models[(seed, agencies)] = model
    model.extend_to((as_of + LOCAL).date() + timedelta(LOOKAHEAD_DAYS))
    return model


def last_full_day(as_of: datetime) -> date:
    """The source serves the dossiers received up to the end of the local day before ``as_of``."""
    return (as_of + LOCAL).date() - timedelta(1)


Rows = Callable[[int], Iterator[dict[str, object]]]


def received_in(model: DossierModel, start: date, end: date, as_of: datetime) -> tuple[int, Rows]:
    """(how many, rows from a skip) of the dossiers received from ``start`` to ``end``, as they stand at ``as_of``."""
    blocks = list(model.blocks_received(start, min(end, last_full_day(as_of))))

    def rows(skip: int = 0) -> Iterator[dict[str, object]]:
        for agency, lane, lo, hi in blocks:
            if skip >= hi - lo:
                skip -= hi - lo
                continue
            for k in range(lo + skip, hi):
                yield model.record(agency, lane, k, as_of)
            skip = 0

    return sum(hi - lo for _, _, lo, hi in blocks), rows


def changed_since(model: DossierModel, since: date, as_of: datetime, end: date | None = None) -> tuple[int, Rows]:
    """(how many, rows from a skip) of the dossiers received up to ``end`` that arrived on or after ``since`` or
    changed since its local midnight: the open backlog of that morning whose state moved, then the new ones."""
    end = min(end or last_full_day(as_of), last_full_day(as_of))
    backlog = _backlog_changed(model, since, as_of) if end >= since else ()
    total, new = received_in(model, since, end, as_of) if end >= since else (0, lambda skip: iter(()))

    def rows(skip: int = 0) -> Iterator[dict[str, object]]:
        yield from backlog[skip:]
        yield from new(max(0, skip - len(backlog)))

    return len(backlog) + total, rows


@lru_cache(maxsize=16)
def _backlog_changed(model: DossierModel, since: date, as_of: datetime) -> tuple[dict[str, object], ...]:
    midnight = _iso(_local(since, 0))
    out = []
    for agency, lane, lo, hi in model.backlog_at(since):
        for k in range(lo, hi):
            record = model.record(agency, lane, k, as_of)
            if str(record["updated_at"]) >= midnight:  # both UTC ISO text of one format
                out.append(record)
    return tuple(out)


def agency_days(model: DossierModel) -> Iterator[tuple[str, date, tuple[int, ...]]]:
    """(agency code, day, the daily feed's counts) of every computed day: what the records must sum to."""
    for code, agency in model.state.items():
        for day, counts in enumerate(agency.daily):
            yield code, PROVINCE_START + timedelta(day), counts


FEED = RecordFeed(SPEC, sys.modules[__name__])
