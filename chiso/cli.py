"""The ``chiso`` command: the same pipeline steps the DAGs run, for operators and for ``make demo``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from datetime import date

from chiso.config import settings


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def cmd_demo(args: argparse.Namespace) -> int:
    from chiso import demo

    demo.main(args.date_from, args.date_to)
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from chiso.extraction import batch_count, extract_source
    from extract.sources import get_source

    spec = get_source(args.source)
    periods = spec.periods(args.date_from, args.date_to)
    with tqdm(total=len(periods), unit=spec.grain, desc=f"extract {args.source}",
              disable=not sys.stderr.isatty()) as bar:
        summary = extract_source(args.source, args.date_from, args.date_to, accept_incomplete=args.accept_incomplete,
                                 progress=lambda day, result: (bar.set_postfix_str(f"{day} {result.row_count} rows"),
                                                               bar.update()))
    print(f"{summary.source}: {summary.rows} rows in {batch_count(summary.source, summary.periods)}")
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from chiso.extraction import backfill, batch_count
    from extract.sources import get_source

    names = args.source or None
    total = sum(len(get_source(n).periods(args.date_from, args.date_to)) for n in (names or _all_sources()))
    with tqdm(total=total, unit="batch", desc="backfill", disable=not sys.stderr.isatty()) as bar:
        summary = backfill(args.date_from, args.date_to, names, accept_incomplete=args.accept_incomplete,
                           progress=lambda source, day, result: (bar.set_postfix_str(f"{source} {day}"), bar.update()))
    for ex in summary.extracts:
        print(f"{ex.source}: {ex.rows} rows in {batch_count(ex.source, ex.periods)}")
    print(summary.build.line())
    for exported in summary.exports:
        print(f"{exported.path}: {exported.rows} rows")
    return 0


def _all_sources() -> list[str]:
    from extract.sources import SOURCES

    return sorted(SOURCES)


def cmd_inbox(args: argparse.Namespace) -> int:
    from chiso.annex import load_annex_inbox
    from extract.filedrop.text import printable  # names and cells may hold newlines or ANSI escapes

    outcomes = load_annex_inbox(report_date=args.report_date)
    if not outcomes:
        print(printable(f"no file waiting in {settings().inbox_dir}"))
    for o in outcomes:
        print(printable(f"{o.file}: {o.status}, {o.rows} figures"
                        + (f", report date {o.report_date}" if o.report_date else "")))
        for line in ([o.reason] if o.reason else []) + [str(issue) for issue in o.errors]:
            print(f"  {printable(line)}")
    return 1 if any(o.status == "quarantined" for o in outcomes) else 0


def cmd_init(args: argparse.Namespace) -> int:
    import psycopg

    from chiso.warehouse import init_warehouse

    try:
        user = init_warehouse(args.runtime_user)
    except psycopg.errors.InsufficientPrivilege as exc:
        raise RuntimeError(f"chiso init needs an administrator ({str(exc).strip().splitlines()[0]}): set"
                           " CHISO_ADMIN_DATABASE_URL to a superuser's URL of the warehouse database and run it"
                           " again") from exc
    print(f"warehouse initialised: roles chiso_loader, chiso_transformer, chiso_bi_reader, schemas and raw tables;"
          f" {user} may now run the pipeline (it acts as those roles, never as itself)")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from chiso.quality import quality_summary, write_quality_page
    from chiso.warehouse import build_warehouse

    print(build_warehouse().line())
    summary = quality_summary()
    print(f"{summary.line()}; page: {write_quality_page()}")
    _print_findings(summary.new_blocking, "new errors to correct")
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from chiso.database import connect
    from chiso.roles import BI_READER
    from publish.quality import read_findings, summarise

    with connect(role=BI_READER) as conn:
        findings = read_findings(conn)
    summary = summarise(findings)
    print(summary.line())
    _print_findings([f for f in findings if f.status == "open"], "open findings")
    return 1 if summary.new_blocking else 0


def _print_findings(findings, title: str) -> None:
    if findings:
        print(f"{title}:")
    for f in findings:
        where = " › ".join(x for x in (f.file_name, f.sheet, f.cell) if x) or f.source_refs or f.origin
        print(f"  [{f.severity}] {where}: {f.rule_name_vi}: {f.description_vi}")


def cmd_publish(args: argparse.Namespace) -> int:
    from chiso.publishing import publish_exports, push_to_portal

    for exported in publish_exports():
        state = "written" if exported.changed else "unchanged"
        print(f"{settings().export_dir / exported.path}: {exported.rows} rows, {state}, sha256 {exported.sha256[:12]}")
    if args.push:
        changes = push_to_portal(dry_run=args.dry_run)
        for change in changes:
            print(("would " if args.dry_run else "") + str(change))
        if not changes:
            print("portal already up to date")
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from chiso.warehouse import generate_docs

    index = generate_docs()
    print(f"dbt docs: {index}")
    if args.serve:
        import functools
        import http.server
        from pathlib import Path

        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(Path(index).parent))
        with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
            print(f"serving on http://127.0.0.1:{server.server_address[1]}/ (Ctrl+C to stop)")
            with contextlib.suppress(KeyboardInterrupt):
                server.serve_forever()
    return 0


def cmd_simulator(args: argparse.Namespace) -> int:
    from simulator.server import make_simulator

    cfg = settings()
    sim = make_simulator(cfg.simulator_seed, cfg.source_token, cfg.seeds_dir / "agencies.csv", port=args.port)
    print(f"source simulator (synthetic data) on {sim.url}; token from CHISO_SOURCE_TOKEN", flush=True)
    try:
        sim.serve_forever()
    except KeyboardInterrupt:
        sim.stop()
    return 0


def parser() -> argparse.ArgumentParser:
    from extract.sources import SOURCES

    p = argparse.ArgumentParser(prog="chiso", description="Lâm Đồng digital-government statistics pipeline")
    p.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    p.add_argument("--debug", action="store_true", help="log at DEBUG level, with the traceback of a failure")
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="run the nightly DAG through Airflow locally and print a summary")
    demo.add_argument("--from", dest="date_from", type=_day, default=date(2025, 7, 1))
    demo.add_argument("--to", dest="date_to", type=_day, default=date(2026, 3, 31))
    demo.set_defaults(func=cmd_demo)

    ex = sub.add_parser("extract", help="extract one source for a date range into raw (one batch per period)")
    ex.add_argument("--source", required=True, choices=sorted(SOURCES))
    ex.add_argument("--from", dest="date_from", type=_day, required=True)
    ex.add_argument("--to", dest="date_to", type=_day, required=True)
    _accept_option(ex)
    ex.set_defaults(func=cmd_extract)

    bf = sub.add_parser("backfill", help="reload every source over a date range, then rebuild and republish")
    bf.add_argument("--from", dest="date_from", type=_day, required=True)
    bf.add_argument("--to", dest="date_to", type=_day, required=True)
    bf.add_argument("--source", action="append", choices=sorted(SOURCES), help="only this source (repeatable)")
    _accept_option(bf)
    bf.set_defaults(func=cmd_backfill)

    init = sub.add_parser("init", help="once, as an administrator (CHISO_ADMIN_DATABASE_URL): roles, schemas, grants")
    init.add_argument("--runtime-user", default=None,
                      help="the login the pipeline runs with (default: the user of CHISO_DATABASE_URL)")
    init.set_defaults(func=cmd_init)

    inbox = sub.add_parser("inbox", help="load the annex files waiting in the inbox (exit 1 if any is quarantined)")
    inbox.add_argument("--report-date", type=_day, default=None, help="report date when the files carry none")
    inbox.set_defaults(func=cmd_inbox)

    sub.add_parser("build", help="dbt build: seeds, models and tests; then the quality findings"
                   ).set_defaults(func=cmd_build)
    sub.add_parser("quality", help="the open data-quality findings (exit 1 if the last build found new errors)"
                   ).set_defaults(func=cmd_quality)
    pub = sub.add_parser("publish", help="write the open-data exports (and push them to the CKAN portal)")
    pub.add_argument("--push", action="store_true", help="push to CHISO_CKAN_URL with CHISO_CKAN_API_KEY")
    pub.add_argument("--dry-run", action="store_true", help="with --push: list what would change, change nothing")
    pub.set_defaults(func=cmd_publish)

    docs = sub.add_parser("docs", help="generate the dbt docs site (and optionally serve it on loopback)")
    docs.add_argument("--serve", action="store_true")
    docs.add_argument("--port", type=int, default=8081)
    docs.set_defaults(func=cmd_docs)

    sim = sub.add_parser("simulator", help="serve the source simulator on 127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.set_defaults(func=cmd_simulator)
    return p


def _accept_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--accept-incomplete", metavar="REASON", default=None,
                   help="load batches that miss reporting units or fall sharply below the current ones anyway;"
                        " the reason is recorded on each such batch")


def failure_line(exc: BaseException) -> str:
    """One line for an operator: what failed and what to do (the traceback goes to the debug log)."""
    import psycopg
    import requests

    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, psycopg.OperationalError):
        return (f"the warehouse connection failed or was lost ({first}); check that PostgreSQL is running and"
                " CHISO_DATABASE_URL, then run the command again (nothing half-loaded is kept)")
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return f"the warehouse refused: {first}; an administrator may need to run `chiso init` again"
    if isinstance(exc, psycopg.Error):
        return (f"the warehouse refused the data ({type(exc).__name__}: {first}); the transaction was rolled back,"
                " nothing was changed")
    if isinstance(exc, requests.RequestException):
        return (f"could not talk to {getattr(exc.request, 'url', None) or 'the server'} ({type(exc).__name__});"
                " check that it is running and the URL, then run the command again")
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc}"
    return first if isinstance(exc, (ValueError, RuntimeError)) else f"{type(exc).__name__}: {first}"


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"chiso {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure is one clear line; the traceback is in the debug log
        logging.getLogger("chiso").debug("chiso %s failed", args.command, exc_info=True)
        print(f"chiso {args.command}: error: {failure_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
