"""The review loop in a real browser (headless Chromium, as the report's test): log in, open the
top P1 case, record an outcome, run the pipeline, see the case leave the queue and the outcome
counted; a request without a session, or a form without its token, is refused; the access log
holds the views."""

from __future__ import annotations

import shutil
import socket
import threading
import time

import pytest
import uvicorn

from conftest import query
from dacall.review import auth, store
from dacall.review.app import Settings, create_app
from dacall.review.snapshot import snapshot_path

PASSWORD = "a long test password"


@pytest.fixture(scope="module")
def own_warehouse(generated, generated_warehouse, tmp_path_factory):
    """A copy of the generated warehouse, so that this test's outcome and rerun touch no other
    test's data; its own review database and users."""
    root = tmp_path_factory.mktemp("review-loop")
    warehouse = root / "wh" / "dacall.duckdb"
    warehouse.parent.mkdir(mode=0o700)  # the pipeline refuses a warehouse folder others can read
    shutil.copy(generated_warehouse, warehouse)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DACALL_REVIEW_DB", f"sqlite:///{root / 'review.sqlite3'}")
        patch.setenv("DACALL_REPORTS", str(root / "reports"))
        patch.delenv("DACALL_SNAPSHOT", raising=False)
        from dacall.review.snapshot import publish_snapshot

        publish_snapshot(warehouse, "copied")
        users = root / "users.json"
        auth.add_user(users, "rita", "reviewer", PASSWORD)
        yield generated, warehouse, users


@pytest.fixture(scope="module")
def server(own_warehouse):
    _generated, warehouse, users = own_warehouse
    import os

    settings = Settings(
        snapshot=snapshot_path(warehouse), database_url=os.environ["DACALL_REVIEW_DB"], users=users
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        assert time.monotonic() < deadline, "the review app did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", settings
    running.should_exit = True
    thread.join(timeout=10)


def watched(context):
    """A page that records console errors (a CSP violation is one) and uncaught errors."""
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


def test_review_loop_in_a_real_browser(browser, server, own_warehouse):
    from dacall.pipeline import run_pipeline

    base, settings = server
    generated, warehouse, _users = own_warehouse
    top = query(
        warehouse,
        "select incident_urn from marts.fct_review_queue where band = 'P1' "
        "order by queue_position limit 1",
    )[0][0]

    # Without a session: sent to the log-in page, the case not shown.
    stranger = browser.new_context()
    page, _ = watched(stranger)
    page.goto(f"{base}/case/{top}")
    assert page.url == f"{base}/login" and top not in page.content()
    stranger.close()

    context = browser.new_context()
    page, problems = watched(context)
    page.goto(f"{base}/")
    page.fill("input[name=username]", "rita")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert "Review queue" in page.title()
    counts_before = page.locator("#counts").inner_text()

    # The top P1 case is the first row; open it.
    first = page.locator("table.queue tbody tr").first
    assert first.locator("td").nth(1).inner_text() == "P1"
    first.locator("a").click()
    page.wait_for_url(f"{base}/case/{top}")
    assert page.locator("#band").inner_text().startswith("P1")
    assert page.locator("#timeline li").count() >= 2
    assert page.locator("section.entry").count() >= 1

    # A form without its token is refused, with the session's cookie and all.
    bare = context.request.post(f"{base}/case/{top}/outcome", form={"outcome": "SYSTEM_OUTAGE"})
    assert bare.status == 403

    page.check("input[value=CONFIRMED_FAILURE]")
    page.fill("textarea[name=note]", "checks logged, none made")
    page.click("form.outcome-form button[type=submit]")
    page.wait_for_url(f"{base}/case/{top}?recorded=1")
    assert page.locator("#recorded").is_visible()
    assert "Confirmed failure" in page.locator("p.outcome").inner_text()
    assert problems == []  # no CSP violation, no script error

    # The next pipeline run takes the outcome in: the case leaves the queue and is counted.
    reports = warehouse.parent.parent / "reports"
    run_pipeline(generated / "landing", warehouse, reports=reports)
    page.goto(f"{base}/")
    assert f"/case/{top}" not in page.content()
    assert page.locator("#counts").inner_text() != counts_before
    snapshot = snapshot_path(warehouse)
    assert (
        query(
            snapshot,
            "select sum(incidents) from marts.mart_review_outcomes_monthly "
            "where outcome = 'CONFIRMED_FAILURE'",
        )[0][0]
        >= 1
    )
    report = (reports / "report.html").read_text()
    assert "Review outcomes" in report
    # The case page still opens (reviewed), and says so.
    page.goto(f"{base}/case/{top}")
    assert "Not in the current queue (reviewed)" in page.content()
    assert problems == []
    context.close()

    # The access log holds who viewed which case, and the outcome.
    with store.engine(settings.database_url).connect() as con:
        rows = (
            con.execute(store.access_log.select().where(store.access_log.c.incident_urn == top))
            .mappings()
            .all()
        )
    actions = [(r["user_name"], r["action"]) for r in rows]
    assert actions.count(("rita", "view_case")) >= 2 and ("rita", "record_outcome") in actions
    assert all(r["at"] is not None for r in rows)
