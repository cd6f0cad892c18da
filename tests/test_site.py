"""The export folder as a static site, opened in headless Chromium: every page from a plain web server on loopback
(and from file:// too) without an error, links that resolve, a search box that ignores Vietnamese accents, the
CSV's first rows on each dataset page, a chart whose points equal an independent SQL computation, and no
horizontal scroll on a phone. Screenshots for people to look at go to .test-output/site/."""

from __future__ import annotations

import copy
import csv
import functools
import json
import re
import shutil
import threading
import tomllib
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from fnmatch import fnmatch
from hashlib import sha256
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
import pytest

from browser import open_page
from chiso.config import PROJECT_ROOT, settings
from chiso.database import to_url
from chiso.dbt import dbt_target_dir
from conftest import dbname_of, snapshot_warehouse
from publish import export_all

pytestmark = pytest.mark.warehouse("built")

SCREENSHOTS = PROJECT_ROOT / ".test-output" / "site"
PHONE = {"width": 390, "height": 844}
PREVIEW_ROWS = 20
#: The dataset whose page the screenshots show.
SHOWN = "tthc_dossiers_by_agency_month"
#: What the page says about the chart's figures (the sentence a reader needs before adding up the CSV).
UNSUPPRESSED = ("trước khi để trống các ô nhỏ", "before small cells are emptied")


# ---------- fixtures: the site built once, a web server over it, the declarations read from dbt's manifest

def _export(url: str, out: Path, dbt_manifest: Path | None = None) -> None:
    export_all(url, out, dbt_manifest=dbt_manifest or dbt_target_dir() / "manifest.json",
               min_cell=settings().publish_min_cell)


@pytest.fixture(scope="module")
def site(warehouse_url, tmp_path_factory) -> Path:
    """The exports of the built warehouse (Jan–Feb 2026 of every source), written once for the module."""
    out = tmp_path_factory.mktemp("site")
    _export(warehouse_url, out)
    return out


@pytest.fixture(scope="module")
def manifest(site) -> dict:
    return json.loads((site / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def dbt_manifest(site) -> dict:
    return json.loads((dbt_target_dir() / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def declared(dbt_manifest) -> dict[str, dict]:
    """Each open-data exposure's ``open_data`` mapping, with the mart it publishes under ``model``."""
    found = {}
    for exposure in dbt_manifest["exposures"].values():
        meta = exposure["config"]["meta"].get("open_data")
        if meta is not None:
            (node,) = exposure["depends_on"]["nodes"]
            found[exposure["name"]] = {**meta, "model": dbt_manifest["nodes"][node]["name"]}
    assert found
    return found


@pytest.fixture(scope="module")
def pages(manifest) -> list[str]:
    """Home, every dataset page, the data-quality page."""
    return ["index.html", *(f"{d['dataset']}.html" for d in manifest["datasets"]), "quality.html"]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(site) -> Iterator[str]:
    """What ``python -m http.server`` does, on a free loopback port, serving the export folder."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


# ---------- helpers

def _csv(site: Path, code: str) -> tuple[list[str], list[list[str]]]:
    with (site / f"{code}.csv").open(encoding="utf-8-sig", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def fold(text: str) -> str:
    """Lower case without diacritics, đ as d: what a user typing without accents expects to match."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


class _Links(HTMLParser):
    """Every URL a page refers to, by tag and attribute, and the ids it defines."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if name in ("href", "src", "srcset", "data", "poster", "action") and value is not None:
                self.refs.append((tag, name, value))


def _parsed(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _visible_datasets(page) -> set[str]:
    return set(page.eval_on_selector_all(
        "[data-search]:not([hidden]) h3 a", "links => links.map(a => a.getAttribute('href').replace('.html', ''))"))


# ---------- opening every page

def test_every_page_opens_from_a_web_server_without_errors(browser, server, pages):
    for name in pages:
        with open_page(browser, server + name) as opened:
            page = opened.page
            assert page.evaluate("document.documentElement.lang") == "vi", name
            assert page.locator("h1").count() == 1, name
            assert page.locator('a[href="quality.html"]').count() >= 1, name
            sheets = page.evaluate("[...document.styleSheets].map(s => s.href)")
            assert sheets == [server + "site.css"], (name, sheets)
            assert page.evaluate("getComputedStyle(document.body).margin") == "0px", name  # the stylesheet applied
            assert opened.errors == [], (name, opened.errors)


def test_every_page_opens_from_a_file_url_too(browser, site, pages):
    for name in pages:
        with open_page(browser, (site / name).as_uri()) as opened:
            assert opened.page.evaluate("[...document.styleSheets].map(s => s.href)") == [(site / "site.css").as_uri()]
            assert opened.page.locator("h1").count() == 1, name
            assert opened.errors == [], (name, opened.errors)
    with open_page(browser, (site / "index.html").as_uri()) as opened:  # the search works without a server
        opened.page.fill("#q", "dinh danh")
        assert "vneid_by_commune_month" in _visible_datasets(opened.page)
        assert opened.errors == []


def test_every_link_resolves_and_nothing_is_loaded_from_outside_the_folder(site, pages):
    for name in pages:
        links = _parsed(site / name)
        assert links.refs, name
        for tag, attribute, value in links.refs:
            url = urlsplit(value)
            if url.scheme or value.startswith("//"):
                assert tag == "a" and url.scheme == "https", (name, tag, attribute, value)  # links out, never loads
                continue
            target = site / unquote(url.path) if url.path else site / name
            assert target.is_file() and target.parent == site, (name, value)
            if url.fragment and target.suffix == ".html":
                assert url.fragment in _parsed(target).ids, (name, value)


# ---------- the dataset pages

def test_each_dataset_page_shows_the_csv_first_rows_cell_by_cell(browser, server, site, manifest):
    for entry in manifest["datasets"]:
        code = entry["dataset"]
        header, rows = _csv(site, code)
        with open_page(browser, f"{server}{code}.html") as opened:
            shown_header = opened.page.eval_on_selector_all("table.preview thead th", "cells => cells.map(c =>"
                                                            " c.textContent)")
            shown = opened.page.eval_on_selector_all(
                "table.preview tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.textContent))")
        assert shown_header == header, code
        assert len(shown) == min(PREVIEW_ROWS, len(rows)) > 0, code
        assert shown == rows[:len(shown)], code


def test_each_dataset_page_states_the_facts_a_reader_needs(browser, server, site, manifest):
    for entry in manifest["datasets"]:
        md = entry["metadata"]
        with open_page(browser, f"{server}{entry['dataset']}.html") as opened:
            text = opened.page.inner_text("main")
            licence = opened.page.get_attribute('a[rel="license"]', "href")
            columns = opened.page.eval_on_selector_all("table.dictionary tbody tr td:first-child code",
                                                       "cells => cells.map(c => c.textContent)")
            downloads = opened.page.eval_on_selector_all("a.download",
                                                         "links => links.map(a => a.getAttribute('href'))")
        assert licence and licence.startswith("https://"), entry["dataset"]
        for expected in (md["publisher"]["name"]["vi"], md["spatial"], md["grain"]["vi"], md["license_id"],
                         *(f"{d[8:10]}/{d[5:7]}/{d[:4]}" for d in (md["temporal_start"], md["temporal_end"]))):
            assert expected in text, (entry["dataset"], expected)
        assert columns == _csv(site, entry["dataset"])[0], entry["dataset"]  # every column of the file, in order
        assert sorted(downloads) == sorted(f["path"] for f in entry["files"].values())


def _expected_series(conn, model: str, chart: dict, period: str) -> list[tuple[str, Decimal]]:
    """The main indicator per period over the whole mart, computed here in SQL: a sum, or a rate from sums."""
    if "numerator" in chart:
        value = f"round(100.0 * sum({chart['numerator']}) / nullif(sum({chart['denominator']}), 0), 2)"
    else:
        value = f"sum({chart['column']})"
    rows = conn.execute(f"select {period}, {value} from marts.{model} group by {period} order by {period}").fetchall()
    return [(p.isoformat(), Decimal(v)) for p, v in rows]


def test_the_chart_has_one_point_per_period_equal_to_an_independent_sql_sum(browser, server, conn, declared):
    charted = {code: meta for code, meta in declared.items() if isinstance(meta.get("chart"), dict)}
    kinds = {"rate" if "numerator" in meta["chart"] else "count" for meta in charted.values()}
    assert kinds == {"rate", "count"}, "the datasets chart both a count and a rate"
    for code, meta in sorted(charted.items()):
        expected = _expected_series(conn, meta["model"], meta["chart"], meta["temporal_column"])
        periods = conn.execute(f"select count(distinct {meta['temporal_column']}) from marts.{meta['model']}")
        assert len(expected) == periods.fetchone()[0] > 1, code
        with open_page(browser, f"{server}{code}.html") as opened:
            page = opened.page
            points = page.eval_on_selector_all("svg.chart circle.point", "cs => cs.map(c =>"
                                               " [c.dataset.period, c.dataset.value])")
            labelled_by = page.get_attribute("svg.chart", "aria-labelledby").split()
            named = [page.locator(f"svg.chart [id='{i}']").text_content() for i in labelled_by]
            caption = page.inner_text("figure.chart-figure figcaption")
        assert [(p, Decimal(v)) for p, v in points] == expected, code
        assert len(named) == 2 and all(named), code  # the chart's title and its description in words
        assert all(s in caption for s in UNSUPPRESSED), code


def test_a_charted_rate_is_its_declared_counts_in_every_row(conn, declared):
    for code, meta in sorted(declared.items()):
        chart = meta.get("chart")
        if not isinstance(chart, dict) or "numerator" not in chart:
            continue
        off = conn.execute(
            f"select count(*) from marts.{meta['model']} where abs({chart['column']} - round(100.0 *"
            f" {chart['numerator']} / nullif({chart['denominator']}, 0), 2)) > 0.01").fetchone()[0]
        assert off == 0, code


def test_a_dataset_without_a_series_says_so_instead_of_a_chart(browser, server, declared):
    plain = [code for code, meta in declared.items() if meta.get("chart") == "none"]
    assert plain, "the scorecard declares chart: none"
    for code in plain:
        with open_page(browser, f"{server}{code}.html") as opened:
            assert opened.page.locator("svg.chart").count() == 0
            assert "không có biểu đồ" in opened.page.inner_text("section[aria-labelledby=chart]")


# ---------- the home page

def _haystack(meta: dict) -> str:
    return fold(" ".join([meta["title_vi"], meta["title_en"], meta["description_vi"], meta["description_en"],
                          *meta["keywords_vi"], meta["topic_vi"], meta["topic_en"]]))


def _matching(declared: dict[str, dict], query: str) -> set[str]:
    words = fold(query).split()
    return {code for code, meta in declared.items() if all(w in _haystack(meta) for w in words)}


@pytest.mark.parametrize("query", ["dinh danh", "định danh", "THANH TOAN truc tuyen", "payment", "chữ ký số"])
def test_the_search_box_keeps_only_the_matching_datasets_accents_or_not(browser, server, declared, query):
    expected = _matching(declared, query)
    assert expected and expected != set(declared), query  # the query tells datasets apart
    with open_page(browser, server + "index.html") as opened:
        page = opened.page
        assert _visible_datasets(page) == set(declared)  # before typing: everything
        page.fill("#q", query)
        assert _visible_datasets(page) == expected, query
        hidden_topics = page.eval_on_selector_all("section.topic[hidden] h2", "hs => hs.map(h => h.textContent)")
        shown_topics = {declared[c]["topic_vi"] for c in expected}
        assert not any(t in h for h in hidden_topics for t in shown_topics)
        page.fill("#q", "")
        assert _visible_datasets(page) == set(declared)
        assert opened.errors == []


def test_an_accent_free_query_finds_the_accented_title(browser, server, declared):
    title = declared["vneid_by_commune_month"]["title_vi"]
    assert "Định danh" in title
    with open_page(browser, server + "index.html") as opened:
        opened.page.type("#q", "dinh danh dien tu")  # typed key by key, as a person does
        assert "vneid_by_commune_month" in _visible_datasets(opened.page)
        assert title.split(" [")[0] in opened.page.inner_text("[data-search]:not([hidden])")


def test_a_query_matching_nothing_says_so(browser, server):
    with open_page(browser, server + "index.html") as opened:
        opened.page.fill("#q", "khong co tap nao nhu the")
        assert _visible_datasets(opened.page) == set()
        assert opened.page.is_visible("#no-results")
        assert "0 / " in opened.page.inner_text("#search-status")


# ---------- phone, accessibility, screenshots

def test_no_page_scrolls_sideways_on_a_phone(browser, server, pages):
    for name in pages:
        with open_page(browser, server + name, **PHONE) as opened:
            widths = opened.page.evaluate(
                "[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
            assert max(widths[:2]) <= widths[2] == PHONE["width"], (name, widths)
            viewport = opened.page.get_attribute('meta[name="viewport"]', "content")
            assert viewport == "width=device-width, initial-scale=1", name
            assert opened.errors == [], (name, opened.errors)


def test_pages_have_the_accessible_basics(browser, server, pages):
    for name in pages:
        with open_page(browser, server + name) as opened:
            page = opened.page
            assert page.locator('[lang="en"]').count() > 0, name  # English beside the Vietnamese
            assert page.locator("table").count() == page.locator("table thead th").evaluate_all(
                "ths => new Set(ths.map(th => th.closest('table'))).size"), name  # every table has header cells
            page.keyboard.press("Tab")
            focused = page.evaluate("[document.activeElement.className, getComputedStyle(document.activeElement)"
                                    ".outlineStyle]")
            assert focused == ["skip", "solid"], (name, focused)  # the first Tab shows the skip link, outlined


def test_screenshots_of_the_home_page_and_a_dataset_page(browser, server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = [("home-desktop.png", "index.html", {}), (f"{SHOWN}-desktop.png", f"{SHOWN}.html", {}),
             ("home-phone.png", "index.html", PHONE), (f"{SHOWN}-phone.png", f"{SHOWN}.html", PHONE)]
    for file_name, page_name, size in shots:
        path = SCREENSHOTS / file_name
        with open_page(browser, server + page_name, **size) as opened:
            opened.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, path
        print(f"screenshot: {path}")


# ---------- the files of the site

def test_the_manifest_lists_every_site_file_with_its_checksum(site, manifest, pages):
    listed = manifest["metadata_files"]
    assert set(pages) | {"site.css", "site.js", "favicon.svg", "datapackage.json", "catalog.jsonld"} == set(listed)
    for name, file in listed.items():
        assert file["sha256"] == sha256((site / name).read_bytes()).hexdigest(), name


def test_a_second_export_rewrites_no_page(warehouse_url, site, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(site, again)  # copy2: same bytes, same mtimes
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in again.iterdir()}
    _export(warehouse_url, again)
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in again.iterdir()}
    assert after == before


def test_the_page_of_a_dataset_no_longer_declared_is_removed(warehouse_url, site, dbt_manifest, tmp_path):
    dropped = "signature_certificates_by_type_level"
    trimmed = copy.deepcopy(dbt_manifest)
    trimmed["exposures"] = {k: e for k, e in trimmed["exposures"].items() if e["name"] != dropped}
    (tmp_path / "manifest.json").write_text(json.dumps(trimmed), encoding="utf-8")
    out = tmp_path / "out"
    shutil.copytree(site, out)
    _export(warehouse_url, out, dbt_manifest=tmp_path / "manifest.json")
    assert not (out / f"{dropped}.html").exists() and not (out / f"{dropped}.csv").exists()
    assert f"{dropped}.html" not in (out / "index.html").read_text(encoding="utf-8")
    listed = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["metadata_files"]
    assert f"{dropped}.html" not in listed and "tthc_dossiers_by_agency_month.html" in listed


def test_a_dataset_with_no_rows_yet_gets_a_page_that_says_so(browser, pg_admin_url, warehouse_url, tmp_path):
    """An empty mart (a new dataset, a feed not loaded yet) still publishes: its page says there is nothing to chart."""
    empty = snapshot_warehouse(pg_admin_url, warehouse_url, "empty_mart")
    with psycopg.connect(to_url(pg_admin_url, dbname=dbname_of(empty)), autocommit=True) as c:
        c.execute("truncate marts.mart_vneid_commune_month")
    out = tmp_path / "out"
    _export(empty, out)
    page = out / "vneid_by_commune_month.html"
    with open_page(browser, page.as_uri()) as opened:
        text = opened.page.inner_text("#chart ~ p, section[aria-labelledby=chart]")
        assert "Chưa có số liệu để vẽ biểu đồ" in text and "No figures to chart yet" in text
        assert opened.page.locator("svg.chart").count() == 0
        assert opened.errors == []
    with (out / "vneid_by_commune_month.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh))) == 1  # the header alone


def test_the_stylesheet_and_script_ship_as_package_data():
    globs = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"]["publish"]
    for name in ("site.css", "site.js", "favicon.svg"):
        assert (PROJECT_ROOT / "publish" / "static" / name).is_file()
        assert any(fnmatch(f"static/{name}", g) for g in globs), name
    css = (PROJECT_ROOT / "publish" / "static" / "site.css").read_text(encoding="utf-8")
    assert not re.search(r"url\(|@import|@font-face", css)  # nothing loaded from anywhere
