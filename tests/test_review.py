"""The review queue (dbt), the published snapshot and the review app (FastAPI's TestClient) on
a real warehouse: the generated landing through the whole pipeline."""

from __future__ import annotations

import re
import stat

import duckdb
import pytest
from fastapi.testclient import TestClient

from conftest import query
from dacall.review import auth, store
from dacall.review import snapshot as snapshot_module
from dacall.review.app import SECURITY_HEADERS, Settings, create_app
from dacall.review.config import parse, review_config
from dacall.review.snapshot import publish_snapshot, row_hashes_path, snapshot_path
from dacall.settings import PROJECT_ROOT, UserError

PASSWORD = "correct horse battery"
P3_STATUSES = {"NO_SUBJECT", "NOT_SEARCHABLE"}


# -- the queue mart ---------------------------------------------------------------------------


def test_every_signal_the_sql_computes_has_a_rule_in_config():
    sql = (PROJECT_ROOT / "dbt/models/intermediate/int_review_candidates.sql").read_text()
    computed = set(re.findall(r"'(\w+)' as signal", sql))
    assert computed == {s.name for s in review_config().signals}


def test_the_queue_holds_exactly_the_incidents_with_an_exception_or_missed_history(
    generated_warehouse,
):
    expected = {
        r[0]
        for r in query(
            generated_warehouse,
            """
            select incident_urn from marts.fct_check_reconciliation where not has_matching_audit
            union
            select incident_urn from marts.fct_prior_history where missed_history
            """,
        )
    }
    queued = {
        r[0] for r in query(generated_warehouse, "select incident_urn from marts.fct_review_queue")
    }
    assert queued == expected and len(queued) > 100


def test_bands_follow_the_rules(generated_warehouse):
    rows = query(
        generated_warehouse,
        """
        select q.incident_urn, q.band, q.missed_history, q.priority_score, q.reasons,
               list(distinct r.status) filter (where not r.has_matching_audit) as statuses
        from marts.fct_review_queue q
        left join marts.fct_check_reconciliation r using (incident_urn)
        group by all
        """,
    )
    bands = {band for _u, band, *_ in rows}
    assert bands == {"P1", "P2", "P3"}
    for urn, band, missed, score, reasons, statuses in rows:
        statuses = set(statuses or [])
        if missed:
            assert band == "P1", urn
        if band == "P3":
            # Trend only: recording practice, nothing else wrong.
            assert statuses and statuses <= P3_STATUSES and not missed, urn
        if statuses - P3_STATUSES:
            assert band in ("P1", "P2"), urn
        assert score > 0 and reasons.endswith(".") and "{count}" not in reasons
    # Sorted by priority: positions follow band, then score.
    ordered = query(
        generated_warehouse,
        "select band, priority_score from marts.fct_review_queue order by queue_position",
    )
    assert ordered == sorted(ordered, key=lambda r: (r[0], -r[1]))


def test_an_abandoned_call_with_checks_not_done_is_p1_with_its_reason(generated_warehouse):
    rows = query(
        generated_warehouse,
        """
        select q.band, q.reasons from marts.fct_review_queue q
        join marts.fct_incidents i using (incident_urn)
        where (i.is_abandoned or i.is_silent) and q.signals like '%no_audit%'
        """,
    )
    assert rows
    assert all(band == "P1" and "abandoned or silent call" in reasons for band, reasons in rows)


def test_config_refuses_shifts_that_overlap_or_leave_a_gap_and_unknown_bands():
    raw = {
        "signals": {"x": {"weight": 1, "band": "P1", "reason": "x."}},
        "outcomes": {"DONE": "done"},
        "shifts": [{"name": "Day", "starts": "07:00", "ends": "19:00"}],
    }
    with pytest.raises(UserError, match="cover each minute"):
        parse(raw)
    raw["shifts"].append({"name": "Night", "starts": "19:00", "ends": "07:00"})
    assert [s.name for s in parse(raw).shifts] == ["Day", "Night"]
    raw["signals"]["x"]["band"] = "P9"
    with pytest.raises(UserError, match="band"):
        parse(raw)


# -- the snapshot -----------------------------------------------------------------------------


def test_the_pipeline_published_every_mart_in_an_owner_only_snapshot(generated_warehouse):
    snapshot = snapshot_path(generated_warehouse)
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    marts = {
        r[0]
        for r in query(
            generated_warehouse,
            "select table_name from duckdb_tables() where schema_name = 'marts'",
        )
    }
    published = {r[0] for r in query(snapshot, "select table_name from duckdb_tables()")}
    assert marts | {"published"} == published and "fct_review_queue" in marts
    assert query(snapshot, "select count(*) from marts.fct_review_queue") == query(
        generated_warehouse, "select count(*) from marts.fct_review_queue"
    )


def test_a_reader_of_the_snapshot_never_blocks_the_writer(
    generated_warehouse, tmp_path, monkeypatch
):
    """The bug this replaces: a BI tool holding the warehouse open made the nightly run fail."""
    from dacall.review.outcomes import load_outcomes

    monkeypatch.setenv("DACALL_SNAPSHOT", str(tmp_path / "published" / "snapshot.duckdb"))
    monkeypatch.setenv("DACALL_REVIEW_DB", f"sqlite:///{tmp_path / 'review.sqlite3'}")
    first, _ = publish_snapshot(generated_warehouse, "first")
    reader = duckdb.connect(str(first), read_only=True)
    try:
        # The pipeline writes the warehouse and publishes again while the reader holds on.
        assert load_outcomes(generated_warehouse) == 0
        publish_snapshot(generated_warehouse, "second")
        assert reader.execute("select run_id from marts.published").fetchone() == ("first",)
    finally:
        reader.close()
    assert query(first, "select run_id from marts.published") == [("second",)]
    assert not list(first.parent.glob("*.tmp"))


def _marts_warehouse(tmp_path, monkeypatch):
    """A private folder's warehouse with an empty marts schema, its snapshot in tmp_path."""
    folder = tmp_path / "w"
    folder.mkdir(mode=0o700)
    warehouse = folder / "dacall.duckdb"
    monkeypatch.setenv("DACALL_SNAPSHOT", str(tmp_path / "published" / "snapshot.duckdb"))
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema marts")
    return warehouse


def _marts_tables(con, database: str) -> set[str]:
    """The tables of an attached database's marts schema but `published`."""
    return {
        t
        for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "and schema_name = 'marts' and table_name <> 'published'",
            [database],
        ).fetchall()
    }


def _differing_rows(left, right) -> dict[str, int]:
    """Each marts table of either file: rows one holds and the other not, both ways."""
    con = duckdb.connect()
    con.execute("attach ? as l (read_only)", [str(left)])
    con.execute("attach ? as r (read_only)", [str(right)])
    tables = _marts_tables(con, "l") | _marts_tables(con, "r")
    return {
        t: con.execute(
            f"select (select count(*) from (select * from l.marts.{t} except all "
            f"select * from r.marts.{t})) + (select count(*) from (select * from r.marts.{t} "
            f"except all select * from l.marts.{t}))"
        ).fetchall()[0][0]
        for t in sorted(tables)
    }


def test_a_snapshot_made_from_the_last_holds_the_marts_as_they_are_now(tmp_path, monkeypatch):
    """Each publish starts from the last snapshot and copies again only the groups of rows
    whose rows changed in number (grouped by a hash of the whole row), and whole every table
    whose columns or most of whose rows changed: after a night that decided claims again,
    dropped some, added one, changed a claim without changing its stamp, changed one column of
    one row of a plain table and dropped one of its twin rows, moved most rows of a table a
    little, changed a table's columns and dropped a table, the snapshot holds exactly the
    warehouse's marts."""
    warehouse = _marts_warehouse(tmp_path, monkeypatch)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "create table marts.claims as select i as k, 'decided ' || i as v, "
            "timestamptz '2025-01-01 00:00:00+00' + to_days(i % 3) as decided_at "
            "from range(30) as t(i)"
        )
        con.execute(
            "create table marts.evidence as select i as k, i % 2 as found_at, "
            "timestamptz '2025-01-01 00:00:00+00' as decided_at from range(6) as t(i)"
        )
        con.execute(
            'create table marts.plain as select i, i % 2 as "a ""grp"" column" '
            "from range(5) as t(i) union all select 4, 0"
        )
        con.execute("create table marts.gone as select 1 as i")
        con.execute("create table marts.drifted as select i, i / 7 as p from range(4) as t(i)")
    first, _ = publish_snapshot(warehouse, "first")
    assert set(_differing_rows(warehouse, first).values()) == {0}
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.claims where k in (1, 4, 9)")
        con.execute(
            "insert into marts.claims values "
            "(1, 'decided again', timestamptz '2025-02-01 00:00:00+00'), "
            "(100, 'new', timestamptz '2025-02-01 00:00:00+00')"
        )
        con.execute("update marts.claims set v = 'edited' where k = 2")  # the same stamp
        con.execute('update marts.plain set "a ""grp"" column" = 7 where i = 2')
        con.execute("delete from marts.plain where rowid = (select max(rowid) from marts.plain)")
        con.execute("alter table marts.evidence add column note varchar default 'n'")
        con.execute("drop table marts.gone")
        con.execute("update marts.drifted set p = p + 1e-12 where i > 0")  # most rows: whole
    second, tables = publish_snapshot(warehouse, "second")
    assert second == first and tables == 4
    assert _differing_rows(warehouse, second) == {
        "claims": 0,
        "drifted": 0,
        "evidence": 0,
        "plain": 0,
    }
    assert query(second, "select run_id from marts.published") == [("second",)]
    assert stat.S_IMODE(second.stat().st_mode) == 0o600
    _assert_row_hashes_describe(second)
    # A third publish starts from the groups the second kept (changed groups only).
    with duckdb.connect(str(warehouse)) as con:
        con.execute("delete from marts.claims where k in (2, 100)")
        con.execute(
            "insert into marts.claims values (2, 'again', timestamptz '2025-03-01 00:00:00+00')"
        )
        con.execute("insert into marts.plain values (2, 7)")  # a twin of a changed row
    publish_snapshot(warehouse, "third")
    assert set(_differing_rows(warehouse, first).values()) == {0}
    _assert_row_hashes_describe(first)


def _assert_row_hashes_describe(snapshot) -> None:
    """The row hashes kept beside the snapshot are its tables' groups, stamped as its own."""
    hashes = row_hashes_path(snapshot)
    assert stat.S_IMODE(hashes.stat().st_mode) == 0o600
    con = duckdb.connect()
    con.execute("attach ? as s (read_only)", [str(snapshot)])
    con.execute("attach ? as h (read_only)", [str(hashes)])
    tables = _marts_tables(con, "s")
    assert _marts_tables(con, "h") == tables
    for table in tables:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where database_name = 's' "
                "and table_name = ? order by column_index",
                [table],
            ).fetchall()
        ]
        group = "hash(" + ", ".join(f'r."{c.replace(chr(34), chr(34) * 2)}"' for c in columns) + ")"
        counted = f"select {group} as grp, count(*) as n from s.marts.{table} as r group by all"
        differing = con.execute(
            f"select count(*) from (({counted}) except all (select * from h.marts.{table})) "
            "union all select count(*) from "
            f"((select * from h.marts.{table}) except all ({counted}))"
        ).fetchall()
        assert differing == [(0,), (0,)], table
    (stamp,) = con.execute("select stamp from h.main.stamp").fetchall()
    assert stamp[0] and "published" not in stamp[0]
    con.close()


def test_row_hashes_left_by_a_failed_publish_or_another_snapshot_are_not_used(
    tmp_path, monkeypatch
):
    """A publish that fails part way has changed some tables' kept row hashes but not the
    snapshot; and a snapshot put back from elsewhere is not the one they describe. Trusted,
    either would leave the next publish's snapshot unlike the warehouse (the groups it
    thinks are there are not)."""
    warehouse = _marts_warehouse(tmp_path, monkeypatch)
    with duckdb.connect(str(warehouse)) as con:
        for table in ("a", "b"):
            con.execute(
                f"create table marts.{table} as select i, 'v' || i as v from range(20) t(i)"
            )
    first, _ = publish_snapshot(warehouse, "first")
    kept_first = tmp_path / "first.duckdb"
    kept_first.write_bytes(first.read_bytes())
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.a set v = 'changed' where i < 3")
        con.execute("update marts.b set v = 'changed' where i < 3")
    real = snapshot_module._publish_table

    def fail_on_b(con, table, hashed):
        if table == "b":
            raise RuntimeError("killed while publishing")
        return real(con, table, hashed)

    monkeypatch.setattr(snapshot_module, "_publish_table", fail_on_b)
    with pytest.raises(RuntimeError):
        publish_snapshot(warehouse, "failed")
    monkeypatch.setattr(snapshot_module, "_publish_table", real)
    assert query(first, "select run_id from marts.published") == [("first",)]
    publish_snapshot(warehouse, "second")
    assert _differing_rows(warehouse, first) == {"a": 0, "b": 0}
    _assert_row_hashes_describe(first)
    # The first snapshot put back (a restore): the kept hashes are the second's.
    first.write_bytes(kept_first.read_bytes())
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.a set v = 'again' where i = 5")
    publish_snapshot(warehouse, "third")
    assert _differing_rows(warehouse, first) == {"a": 0, "b": 0}
    _assert_row_hashes_describe(first)


# -- the app ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def review_app(generated_warehouse, tmp_path_factory):
    root = tmp_path_factory.mktemp("review-app")
    users = root / "users.json"
    auth.add_user(users, "rita", "reviewer", PASSWORD)
    auth.add_user(users, "vic", "viewer", PASSWORD)
    settings = Settings(
        snapshot=snapshot_path(generated_warehouse),
        database_url=f"sqlite:///{root / 'review.sqlite3'}",
        users=users,
    )
    app = create_app(settings)
    yield app, settings
    app.state.snapshot.close()


def log_in(app, user: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = client.post(
        "/login", data={"username": user, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"
    return client


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def top_case(generated_warehouse, band="P1") -> str:
    return query(
        generated_warehouse,
        "select incident_urn from marts.fct_review_queue where band = ? order by queue_position "
        "limit 1",
        [band],
    )[0][0]


def test_users_file_keeps_only_salted_hashes_owner_only(review_app):
    _app, settings = review_app
    text = settings.users.read_text()
    assert PASSWORD not in text and text.count("scrypt$") == 2
    assert stat.S_IMODE(settings.users.stat().st_mode) == 0o600
    assert auth.authenticate(settings.users, "rita", PASSWORD).role == "reviewer"
    assert auth.authenticate(settings.users, "rita", PASSWORD + "x") is None
    assert auth.authenticate(settings.users, "nobody", PASSWORD) is None
    with pytest.raises(UserError):
        auth.add_user(settings.users, "Bad Name", "reviewer", PASSWORD)


def test_nothing_is_served_without_a_session(review_app, generated_warehouse):
    app, _ = review_app
    client = TestClient(app, follow_redirects=False)
    urn = top_case(generated_warehouse)
    for path in ("/", f"/case/{urn}", "/?band=P1"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/login"
        assert urn not in response.text
    response = client.post(f"/case/{urn}/outcome", data={"outcome": "RECORDING_ERROR"})
    assert response.status_code == 401


def test_log_in_needs_its_form_token_and_the_right_password(review_app):
    app, _ = review_app
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/login").text)
    no_token = client.post("/login", data={"username": "rita", "password": PASSWORD})
    assert no_token.status_code == 403 and "dacall_review_session" not in no_token.cookies
    wrong = client.post(
        "/login", data={"username": "rita", "password": "wrong password!", "csrf_token": token}
    )
    assert wrong.headers["location"] == "/login?failed=1"


def test_queue_page_counts_filters_and_sorts(review_app, generated_warehouse):
    app, _ = review_app
    client = log_in(app, "vic")
    page = client.get("/")
    assert page.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert page.headers[name] == value
    assert "<script" not in page.text and " style=" not in page.text
    counts = dict(
        query(generated_warehouse, "select band, count(*) from marts.fct_review_queue group by 1")
    )
    for band, n in counts.items():
        assert f"<strong>{n:,}</strong> {band}" in page.text
    first_rows = re.findall(r'<tr class="band-(P\d)">\s*<td>(\d+)</td>', page.text)
    assert first_rows[0] == ("P1", "1") and len(first_rows) == 100
    assert f"/case/{top_case(generated_warehouse)}" in page.text

    p3 = client.get("/?band=P3").text
    assert set(re.findall(r'<tr class="band-(P\d)">', p3)) == {"P3"}
    team, shift, day = query(
        generated_warehouse,
        "select team, shift, created_on from marts.fct_review_queue "
        "order by queue_position limit 1",
    )[0]
    filtered = client.get("/", params={"team": team, "shift": shift, "day": day.isoformat()}).text
    expected = query(
        generated_warehouse,
        "select count(*) from marts.fct_review_queue "
        "where team = ? and shift = ? and created_on = ?",
        [team, shift, day],
    )[0][0]
    assert f"<strong>{expected:,}</strong> in all" in filtered
    rpc = client.get("/?system=PNC").text
    assert all("PNC" in cell for cell in re.findall(r"<td>([A-Z, ]*)</td>\s*<td>[^<]*\.</td>", rpc))
    # An unknown filter value is ignored, not passed to SQL.
    assert client.get("/?team=' or 1=1 --").status_code == 200


def test_case_page_shows_timeline_log_claims_evidence_and_history(review_app, generated_warehouse):
    app, settings = review_app
    client = log_in(app, "vic")
    urn = query(
        generated_warehouse,
        """
        select q.incident_urn from marts.fct_review_queue q
        where q.incident_urn in (select incident_urn from marts.fct_review_evidence)
          and q.incident_urn in (select incident_urn from marts.fct_review_partner_history)
        order by q.queue_position limit 1
        """,
    )[0][0]
    page = client.get(f"/case/{urn}").text
    assert "created" in page and "Timeline" in page
    entries = query(
        generated_warehouse,
        "select count(*) from marts.fct_review_log_entries where incident_urn = ?",
        [urn],
    )[0][0]
    assert page.count('<section class="entry">') == entries > 0
    claims = query(
        generated_warehouse,
        "select status, reason from marts.fct_check_reconciliation where incident_urn = ?",
        [urn],
    )
    for status, _reason in claims:
        assert status in page
    verdicts = query(
        generated_warehouse,
        "select audit_ref, verdict from marts.fct_review_evidence where incident_urn = ?",
        [urn],
    )
    for audit_ref, verdict in verdicts:
        assert audit_ref in page
        assert (verdict.replace("'", "&#39;")) in page
    partners = query(
        generated_warehouse,
        "select record_id from marts.fct_review_partner_history where incident_urn = ?",
        [urn],
    )
    assert all(record in page for (record,) in partners)
    # A viewer reads but has no outcome form.
    assert "Record the outcome" not in page
    # And the view is in the access log: who, when, which incident.
    with store.engine(settings.database_url).connect() as con:
        logged = (
            con.execute(store.access_log.select().where(store.access_log.c.incident_urn == urn))
            .mappings()
            .all()
        )
    assert [(r["user_name"], r["action"]) for r in logged][-1] == ("vic", "view_case")


def test_case_reference_is_checked(review_app):
    app, _ = review_app
    client = log_in(app, "vic")
    assert client.get("/case/HC-000000-0000").status_code == 404
    assert client.get("/case/not-a-urn").status_code == 404


def test_outcomes_need_a_reviewer_a_token_and_a_known_outcome(review_app, generated_warehouse):
    app, settings = review_app
    urn = top_case(generated_warehouse, "P2")
    database = store.engine(settings.database_url)
    viewer = log_in(app, "vic")
    token = csrf_of(viewer.get(f"/case/{urn}").text)
    refused = viewer.post(
        f"/case/{urn}/outcome", data={"outcome": "RECORDING_ERROR", "csrf_token": token}
    )
    assert refused.status_code == 403

    reviewer = log_in(app, "rita")
    page = reviewer.get(f"/case/{urn}").text
    assert "Record the outcome" in page
    no_token = reviewer.post(f"/case/{urn}/outcome", data={"outcome": "RECORDING_ERROR"})
    assert no_token.status_code == 403
    wrong_token = reviewer.post(
        f"/case/{urn}/outcome", data={"outcome": "RECORDING_ERROR", "csrf_token": token}
    )
    assert wrong_token.status_code == 403  # the viewer's token is not the reviewer's
    mine = csrf_of(page)
    unknown = reviewer.post(f"/case/{urn}/outcome", data={"outcome": "SHRUG", "csrf_token": mine})
    assert unknown.status_code == 400
    assert store.outcomes_of(database, urn) == []

    done = reviewer.post(
        f"/case/{urn}/outcome",
        data={
            "outcome": "RECORDING_ERROR",
            "note": "entry typed on the wrong incident",
            "csrf_token": mine,
        },
    )
    assert done.status_code == 303 and done.headers["location"] == f"/case/{urn}?recorded=1"
    (recorded,) = store.outcomes_of(database, urn)
    assert (recorded["outcome"], recorded["reviewer"]) == ("RECORDING_ERROR", "rita")
    assert "Recording error" in reviewer.get(done.headers["location"]).text


def test_review_command_refuses_to_start_without_users(tmp_path, monkeypatch, capsys):
    from dacall.cli import main

    monkeypatch.setenv("DACALL_REVIEW_USERS", str(tmp_path / "users.json"))
    assert main(["review", "--warehouse", str(tmp_path / "w.duckdb")]) == 2
    assert "review-user add" in capsys.readouterr().err
    monkeypatch.setenv("DACALL_REVIEW_PASSWORD", PASSWORD)
    assert (
        main(
            [
                "review-user",
                "add",
                "ann",
                "--role",
                "viewer",
                "--warehouse",
                str(tmp_path / "w.duckdb"),
            ]
        )
        == 0
    )
    assert auth.authenticate(tmp_path / "users.json", "ann", PASSWORD).role == "viewer"
