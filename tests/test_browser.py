"""The report in a real browser: headless Chromium opens it as a reviewer would (a file, no
server, no network), every chart must render, and nothing may go wrong or go out."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from browser import visit
from dacall.settings import PROJECT_ROOT

# Kept after the run for a person to look at (gitignored); the tmp copy goes with the tmp dir.
SCREENSHOT_DIR = PROJECT_ROOT / "build" / "screenshots"


@pytest.fixture(scope="module")
def published(generated_run) -> Path:
    """The reports folder the pipeline published (report, exceptions, Data Docs, dbt docs)."""
    folder = generated_run[1]
    assert (folder / "report.html").is_file()
    return folder


def drawn_share(png: bytes) -> float:
    """Share of pixels that are not (near) white: a blank or failed chart scores about 0."""
    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return sum(histogram[:240]) / max(sum(histogram), 1)


def test_report_opens_offline_without_errors_and_every_chart_renders(browser, published):
    seen, page = visit(browser, published / "report.html")
    try:
        assert seen.problems(published) == []
        assert seen.title.startswith("dacall report")

        titles = page.locator("section h2").all_inner_texts()
        charts = page.locator("section figure.chart svg")
        assert len(titles) >= 8 and charts.count() == len(titles)
        for index, title in enumerate(titles):
            chart = charts.nth(index)
            chart.scroll_into_view_if_needed()
            box = chart.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 100, title
            # Drawn marks (bars, lines, text), not an empty frame: paths inside, ink on screen.
            assert chart.locator("path").count() > 10, title
            assert drawn_share(chart.screenshot()) > 0.02, title

        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOT_DIR / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        with Image.open(shot) as image:
            assert image.width == 1280 and image.height > 8 * 200
        shutil.copy(shot, published.parent / "report.png")
    finally:
        page.close()


def test_report_links_reach_the_exception_list_data_docs_and_dbt_docs(browser, published):
    seen, page = visit(browser, published / "report.html")
    try:
        hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    finally:
        page.close()
    targets = {Path(h.removeprefix("file://")).relative_to(published).as_posix() for h in hrefs}
    assert targets == {"exceptions.csv", "data_docs/index.html", "dbt_docs.html"}

    docs, page = visit(browser, published / "dbt_docs.html", settle_ms=2000)
    try:
        assert docs.title == "dbt Docs"
        page.goto(docs.url + "#!/model/model.dacall.fct_check_reconciliation")
        page.wait_for_timeout(1000)
        model_page = page.inner_text("body")
        assert "fct_check_reconciliation" in model_page and "has_matching_audit" in model_page
        assert docs.requests_outside(published) == []
    finally:
        page.close()

    data_docs, page = visit(browser, published / "data_docs" / "index.html", settle_ms=1000)
    try:
        assert "Data Docs" in data_docs.title
        # The index lists the validations (its table is drawn by the vendored scripts).
        assert page.locator("table tbody tr").count() >= 10
    finally:
        page.close()


def test_every_data_docs_page_opens_offline_without_errors(browser, published):
    """GX's templates load from CDNs and send GX an id with the logo; dacall vendors the files
    and rewrites the pages, so each one opens offline with nothing failing or going out."""
    site = published / "data_docs"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    problems = {}
    for path in pages:
        seen, page = visit(browser, path, settle_ms=200)
        page.close()
        if seen.problems(site):
            problems[path.relative_to(site).as_posix()] = seen.problems(site)
    assert problems == {}


def test_the_browser_check_catches_errors_failed_requests_and_outside_addresses(browser, tmp_path):
    """The checks above can fail: a page with each kind of fault is caught, each exactly once."""
    page_path = tmp_path / "broken.html"
    page_path.write_text(
        "<!DOCTYPE html><html><head><title>broken</title></head><body>"
        '<img src="missing.png"><img src="https://example.invalid/x.png">'
        "<script>console.error('seeded'); null.boom;</script></body></html>"
    )
    seen, page = visit(browser, page_path)
    page.close()
    problems = seen.problems(tmp_path)
    assert [p for p in problems if p == "console error: seeded"] == ["console error: seeded"]
    assert len(seen.page_errors) == 1
    assert any(re.search(r"missing\.png", f) for f in seen.failed_requests)
    assert seen.requests_outside(tmp_path) == ["https://example.invalid/x.png"]
