"""The dbt docs that data owners open: one static page that works from file:// (no server), opening on the
project's bilingual overview, with every model's Vietnamese description reachable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from browser import open_page
from chiso.dbt import dbt_target_dir
from chiso.warehouse import STATIC_DOCS, generate_docs
from publish.dbt_docs import split_bilingual

pytestmark = [pytest.mark.warehouse("built"), pytest.mark.slow]

MODEL = "mart_tthc_agency_month"
#: dbt-docs' own page asks for its icon sprite and its favicon by not-yet-interpolated URLs; under file:// Chromium
#: logs each ("Unsafe attempt to load URL file:///…/{{ getIcon(…) }}", "…/${require('./assets/favicons/…')}").
#: Harmless and not ours; anything else (an alert, a script error, another failed request) is a failure.
DBT_DOCS_NOISE = ("getIcon(", "require('./assets/favicons/", "Failed to load resource: net::ERR_FILE_NOT_FOUND")


def _problems(errors: list[str]) -> list[str]:
    return [e for e in errors if not any(noise in e for noise in DBT_DOCS_NOISE)]


@pytest.fixture(scope="module")
def docs_page(warehouse_url) -> Path:
    return Path(generate_docs())


def _description_vi(model: str) -> str:
    manifest = json.loads((dbt_target_dir() / "manifest.json").read_text(encoding="utf-8"))
    node = next(n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["name"] == model)
    return split_bilingual(node["description"]).vi


def test_generate_docs_writes_one_self_contained_page(docs_page):
    assert docs_page.name == STATIC_DOCS and docs_page.parent == dbt_target_dir()
    html = docs_page.read_text(encoding="utf-8")
    # the manifest and catalogue travel inside the page (as JSON): nothing is fetched from beside it
    assert '"nodes"' in html and '"__overview__"' in html and f'"model.chiso.{MODEL}"' in html


def test_docs_open_from_file_on_the_vietnamese_overview(browser, docs_page):
    with open_page(browser, docs_page.as_uri()) as opened:
        page = opened.page
        page.get_by_role("heading", name="Kho dữ liệu chuyển đổi số tỉnh Lâm Đồng (chiso)").wait_for(timeout=30_000)
        text = page.inner_text("body")
        assert "Welcome!" not in text  # dbt's generic front page is replaced by the project's overview
        for heading in ("Kho chứa gì", "Dữ liệu đi như thế nào", "Ai chịu trách nhiệm", "Đọc một tỷ lệ",
                        "How to read a rate"):
            assert heading in text
        assert "Công an tỉnh (ld_congan_tinh)" in text  # the owner of the VNeID feed, from its declaration
        problems = _problems(opened.errors)
        assert not problems, '\n'.join(problems)  # no alert 'unable to load the manifest file', no script error


def test_a_model_page_shows_its_vietnamese_description_from_file(browser, docs_page):
    expected = " ".join(_description_vi(MODEL).split())[:60]
    with open_page(browser, f"{docs_page.as_uri()}#!/model/model.chiso.{MODEL}") as opened:
        page = opened.page
        page.get_by_text(expected, exact=False).first.wait_for(timeout=30_000)
        assert MODEL in page.inner_text("body")
        assert _problems(opened.errors) == []  # no alert 'unable to load the manifest file', no script error
