"""Information governance on a small landing through real dbt: consent and its withdrawal,
links held for review and people's decisions on them, subject access, erasure, retention."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import SAMPLES, query
from dacall.extracts import make_extract
from dacall.governance.links import decide, review_file
from dacall.pipeline import ingest_step, transform_step

JADE_CALL = "cc_incidents|HC-250214-0415"
MENSAH_CALL = "HC-250709-0088"
# A MARAC referral of Jade O'Neill after her February call: the call is prior history for it.
# Her forename is spelt Jayde and her postcode is another in the same district, so the link is
# likely but not certain: it is held for a person to review.
MARAC_MARCH = (
    "\ufeffCase Ref,Referral Date,Meeting Date,Victim Forename,Victim Surname,Victim DOB,"
    "Victim Postcode,Referring Agency,Risk Basis,Repeat,Children In Household\n"
    "M-2025-0040,01/03/2025,13/03/2025,Jayde,O Neill,21/11/1986,SO23 7ZZ,Police,DASH 14+,Yes,2\n"
)
VS_HEADER = "VS_REF,REFERRED_ON,CLIENT_NAME,CLIENT_PHONE,CONSENT,SERVICE,ENGAGED\n"
# Abena Mensah, referred to Victim Support before her July call, consenting...
VS_MARCH = VS_HEADER + "VS/25/00500,01/03/2025,Abena Mensah,(023) 8012 3456,Y,IDVA,Y\n"
# ... and withdrawing her consent in a later delivery.
VS_APRIL = VS_HEADER + "VS/25/00500,01/03/2025,Abena Mensah,(023) 8012 3456,N,IDVA,N\n"


def build(landing: Path, warehouse: Path) -> None:
    ingest_step(landing, warehouse)
    result = transform_step(warehouse)
    assert result["success"], result["failures"]


def bridge(warehouse: Path) -> dict[tuple[str, str], tuple[str, float]]:
    rows = query(
        warehouse,
        "select source, source_record_id, person_key, match_probability "
        "from marts.bridge_person_records",
    )
    return {(s, r): (k, p) for s, r, k, p in rows}


def history(warehouse: Path, urn: str) -> tuple:
    return query(
        warehouse,
        "select victim_support_referrals, marac_referrals_in_lookback, person_link_probability "
        "from marts.fct_prior_history where incident_urn = ?",
        [urn],
    )[0]


def mentions(warehouse: Path, text: str) -> list[str]:
    """Every mart (and the linkage) whose rows mention text anywhere."""
    found = []
    for (table,) in query(
        warehouse,
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where schema_name in ('marts', 'intermediate')",
    ):
        hits = query(
            warehouse, f"select count(*) from {table} t where t::varchar like ?", [f"%{text}%"]
        )[0][0]
        if hits:
            found.append(table)
    return found


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """The same warehouse through two deliveries, with what was true after each."""
    root = tmp_path_factory.mktemp("governance")
    landing = root / "landing"
    shutil.copytree(SAMPLES, landing, ignore=shutil.ignore_patterns("*.md"))
    (landing / "partner_marac" / "partner_marac_202503.csv").write_text(MARAC_MARCH)
    (landing / "partner_vs" / "partner_vs_202503.csv").write_text(VS_MARCH)
    warehouse = root / "wh" / "dacall.duckdb"
    out = root / "extracts"
    facts: dict = {"root": root, "landing": landing, "warehouse": warehouse, "out": out}

    build(landing, warehouse)
    facts["first"] = {
        "bridge": bridge(warehouse),
        "mensah": history(warehouse, MENSAH_CALL),
        "manifest": make_extract("marac", "2025-03", warehouse, out),
        "review": review_file(out / "marac", "2025-03").read_text()
        if review_file(out / "marac", "2025-03").exists()
        else "",
    }
    # The IG team confirms the held link and rejects another; Ms Mensah withdraws consent.
    decide(warehouse, "partner_marac|M-2025-0040", JADE_CALL, "same", "ig.officer", "checked")
    decide(warehouse, "partner_vs|VS/25/00417", JADE_CALL, "different", "ig.officer", None)
    (landing / "partner_vs" / "partner_vs_202504.csv").write_text(VS_APRIL)
    build(landing, warehouse)
    facts["second"] = {
        "bridge": bridge(warehouse),
        "mensah": history(warehouse, MENSAH_CALL),
        "mentions_00500": mentions(warehouse, "VS/25/00500"),
        "manifest": make_extract("marac", "2025-03", warehouse, out),
        "review_exists": review_file(out / "marac", "2025-03").exists(),
    }
    return facts


def test_clients_who_did_not_consent_are_never_linked(story):
    first = story["first"]["bridge"]
    # The samples' VS/25/00422 (consent N) is neither linked nor held as a person.
    assert ("partner_vs", "VS/25/00422") not in first
    assert ("partner_vs", "VS/25/00422") not in story["second"]["bridge"]
    assert query(
        story["warehouse"],
        "select count(*) from intermediate.int_person_records where source_record_id = ?",
        ["VS/25/00422"],
    ) == [(0,)]
    # A consenting client is linked and counted in the history of her later call.
    mensah_key = first[("cc_incidents", MENSAH_CALL)][0]
    assert first[("partner_vs", "VS/25/00500")][0] == mensah_key
    referrals, _marac, probability = story["first"]["mensah"]
    assert referrals == 1 and 0 < probability <= 1


def test_withdrawn_consent_removes_the_records_from_every_mart(story):
    second = story["second"]
    assert ("partner_vs", "VS/25/00500") not in second["bridge"]
    assert second["mensah"][0] == 0  # no longer counted in her prior history
    assert second["mentions_00500"] == []
    # Still held as delivered (raw and staging) until retention or erasure removes it.
    assert query(
        story["warehouse"],
        "select has_consent from staging.stg_partner_vs where vs_ref = 'VS/25/00500'",
    ) == [(False,)]


def test_weak_links_are_held_back_and_listed_for_review(story):
    manifest = story["first"]["manifest"]
    assert manifest["rows"] == 0 and manifest["rows_held_for_review"] == 1
    rows = list(csv.DictReader(story["first"]["review"].splitlines()))
    assert [(r["partner_record"], r["incident_record"]) for r in rows] == [
        ("partner_marac|M-2025-0040", JADE_CALL)
    ]
    assert float(rows[0]["link_probability"]) < 0.99
    # The review list is beside the extract, not in what is sent.
    sent = story["out"] / "marac" / "2025-03"
    assert not any("review" in p.name for p in sent.iterdir())


def test_a_persons_decision_overrides_the_model_on_later_runs(story):
    first, second = story["first"]["bridge"], story["second"]["bridge"]
    jade = ("cc_incidents", JADE_CALL.split("|")[1])
    # Confirmed: the link is certain, so the row is released with its probability.
    assert second[("partner_marac", "M-2025-0040")] == (second[jade][0], 1.0)
    manifest = story["second"]["manifest"]
    assert manifest["rows"] == 1 and manifest["rows_held_for_review"] == 0
    assert not story["second"]["review_exists"]
    # Rejected: the model had linked Victim Support's client to the caller; no longer.
    assert first[("partner_vs", "VS/25/00417")][0] == first[jade][0]
    assert second[("partner_vs", "VS/25/00417")][0] != second[jade][0]


def test_missed_history_carries_the_probability_of_its_links(story):
    rows = query(
        story["warehouse"],
        "select incident_urn, person_link_probability, prior_incidents_person "
        "+ marac_referrals_in_lookback + mash_referrals + victim_support_referrals "
        "from marts.fct_prior_history order by incident_urn",
    )
    for urn, probability, through_person in rows:
        assert (probability is None) == (through_person == 0), urn
    chloe = dict((u, p) for u, p, _ in rows)["HC-250214-0412"]
    assert chloe == pytest.approx(story["second"]["bridge"][("partner_marac", "M-2025-0032")][1])


# --- Extracts encrypted to each partner ---------------------------------------------------


def test_only_the_partners_key_opens_the_extract_and_the_manifest_is_signed(story):
    import json

    import pyrage
    from pyrage import x25519

    from dacall.governance.crypto import decrypt, keys_dir, verify

    folder = story["out"] / "marac" / "2025-03"
    sealed = (folder / "marac_2025-03.csv.age").read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1")
    plain = decrypt(sealed, (keys_dir() / "marac.age.key").read_text().strip())
    header, row = plain.decode().splitlines()
    assert "link_probability" in header.split(",") and row.startswith("M-2025-0040,")
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(sealed, [x25519.Identity.generate()])
    with pytest.raises(pyrage.DecryptError):  # another partner's key does not open it either
        decrypt(sealed, (keys_dir() / "mash.age.key").read_text().strip())
    manifest_bytes = (folder / "manifest.json").read_bytes()
    signature = (folder / "manifest.json.sig").read_bytes()
    public = (keys_dir() / "force_signing.pub").read_bytes()
    assert verify(manifest_bytes, signature, public)
    assert not verify(manifest_bytes.replace(b'"rows": 1', b'"rows": 2'), signature, public)
    manifest = json.loads(manifest_bytes)
    import hashlib

    facts = manifest["files"]["marac_2025-03.csv.age"]
    assert facts["sha256"] == hashlib.sha256(sealed).hexdigest()
    assert facts["plaintext_sha256"] == hashlib.sha256(plain).hexdigest()
    logged = query(
        story["warehouse"],
        "select recipient_fingerprint, signing_fingerprint from audit.disclosures "
        "where disclosure_id = ?",
        [manifest["disclosure_id"]],
    )
    assert logged == [
        (
            manifest["encryption"]["recipient_fingerprint"],
            manifest["encryption"]["signing_fingerprint"],
        )
    ]


def _final_name(relative: Path) -> str:
    """The name a file is written under: write_private writes `.<name>.<random>` beside it,
    then renames it (a glimpse of that file is a glimpse of the final one)."""
    match = re.fullmatch(r"\.(.+)\.[A-Za-z0-9_]+", relative.name)
    return str(relative.with_name(match.group(1)) if match else relative)


def test_no_plaintext_file_appears_during_or_after_an_extract(story, tmp_path):
    import threading

    out = tmp_path / "watched"
    seen: dict[str, set[bytes]] = {}
    done = threading.Event()

    def watch():
        while not done.is_set():
            for path in out.rglob("*") if out.exists() else []:
                if path.is_file():
                    try:
                        name = _final_name(path.relative_to(out))
                        seen.setdefault(name, set()).add(path.read_bytes()[:64])
                    except OSError:
                        pass

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for partner in ("marac", "mash", "victim_support", "home_office"):
            make_extract(partner, "2025-03", story["warehouse"], out)
    finally:
        done.set()
        watcher.join()
    assert any(name.endswith(".csv.age") for name in seen)
    header = b"age-encryption.org/v1"
    for name, starts in seen.items():
        if name.endswith(".age"):
            # Every glimpse, even of a file being written, is (a prefix of) age's header.
            assert all(s.startswith(header) or header.startswith(s) for s in starts), name
        else:
            assert Path(name).name in ("manifest.json", "manifest.json.sig"), name
    assert not [p for p in out.rglob("*") if p.suffix in (".csv", ".parquet")]


def test_no_extract_without_the_partners_key(story, tmp_path, monkeypatch):
    from dacall.settings import UserError

    monkeypatch.setenv("DACALL_KEYS_DIR", str(tmp_path / "no-keys"))
    with pytest.raises(UserError, match="refusing to write"):
        make_extract("marac", "2025-03", story["warehouse"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --- Subject access, erasure and retention on the same warehouse, in that order ----------


@pytest.fixture(scope="module")
def requests_answered(story):
    """Subject access and erasure after the second delivery."""
    from dacall import linkage_pairs, paths
    from dacall.governance.erasure import erase
    from dacall.governance.sar import Subject, subject_access

    warehouse, folder = story["warehouse"], story["root"] / "sar"
    from datetime import date

    jade, jade_counts = subject_access(
        warehouse, folder, Subject("O'NEILL, Jade", date(1986, 11, 21))
    )
    liz, _ = subject_access(warehouse, folder, Subject(ref="VS/25/00422"))
    kept_pairs = paths.state(warehouse) / linkage_pairs.PAIR_CACHE  # records by id
    kept_before = kept_pairs.exists()
    withdrawn = erase(warehouse, Subject(ref="VS/25/00500"), erased_by="ig.officer")
    police = erase(warehouse, Subject(ref=MENSAH_CALL), erased_by="ig.officer")
    return {
        "jade": jade,
        "jade_counts": jade_counts,
        "liz": liz,
        "withdrawn": withdrawn,
        "police": police,
        "kept_pairs_before_and_after": (kept_before, kept_pairs.exists()),
        "raw_00500": query(
            warehouse, "select count(*) from raw.partner_vs where vs_ref = ?", ["VS/25/00500"]
        ),
    }


def test_subject_access_lists_records_claims_and_disclosures(requests_answered):
    import stat

    path = requests_answered["jade"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    text = path.read_text()
    for expected in ("HC-250214-0415", "M-2025-0031", "M-2025-0040", "LA-88121"):
        assert expected in text, expected
    claims = text.split("## Claims and exceptions")[1].split("\n## ")[0]
    assert "| HC-250214-0415 | 2 | RMS | ADDRESS |" in claims and "VERIFIED" in claims
    disclosures = text.split("## Disclosures of them")[1]
    assert "marac" in disclosures and "marac_prior_incidents" in disclosures
    assert "2025-03" in disclosures
    # Victim Support's client of the same name (link rejected) is listed as possible only.
    assert "VS/25/00417" in text.split("## Records: Victim Support")[1]
    counts = requests_answered["jade_counts"]
    assert counts["people"] == 1 and counts["disclosures"] >= 1 and counts["possible"] == 1
    # A client who did not consent is still found by her reference: she is held, so listed.
    assert "VS/25/00422" in requests_answered["liz"].read_text()


def test_erasure_does_what_the_rules_allow_and_logs_counts_only(story, requests_answered):
    assert [(x["source"], x["outcome"]) for x in requests_answered["withdrawn"]] == [
        ("partner_vs", "erased")
    ]
    assert requests_answered["withdrawn"][0]["rows_deleted"] == 2  # both deliveries
    assert requests_answered["raw_00500"] == [(0,)]
    # The linkage's kept pairs name the erased record by id: they go with it.
    assert requests_answered["kept_pairs_before_and_after"] == (True, False)
    assert [
        (x["source"], x["outcome"], x["rows_deleted"]) for x in requests_answered["police"]
    ] == [("cc_incidents", "retained", 0)]
    logged = query(story["warehouse"], "select * from audit.erasures")
    requests = query(story["warehouse"], "select * from audit.subject_access_requests")
    assert len(logged) == 2 and len(requests) == 2
    for row in logged + requests:
        text = " ".join(str(v) for v in row).upper()
        assert "NEILL" not in text and "MENSAH" not in text and "VS/25" not in text


def test_retention_deletes_what_is_past_its_period_and_the_marts_stay_consistent(
    story, requests_answered
):
    from datetime import date

    from dacall.governance.retention import apply_retention

    warehouse, out = story["warehouse"], story["out"]
    as_of = date(2031, 3, 1)  # police records of February 2025 are past 72 months
    before = query(warehouse, "select count(*) from raw.cc_incidents")[0][0]
    dry = apply_retention(warehouse, out, as_of, dry_run=True)
    assert query(warehouse, "select count(*) from raw.cc_incidents")[0][0] == before
    done = {(x["rule"], x["target"]): x["deleted"] for x in apply_retention(warehouse, out, as_of)}
    assert {(x["rule"], x["target"]): x["deleted"] for x in dry} == done
    assert done[("police_records", "raw.cc_incidents")] == 2
    assert done[("extract_files", "extract folders")] >= 1
    assert done[("disclosures", "audit.disclosures")] == 0  # made today: kept
    left = query(warehouse, "select urn from raw.cc_incidents")
    assert left == [(MENSAH_CALL,)]
    assert not list(out.rglob("2025-03*"))
    runs = query(
        warehouse,
        "select dry_run, count(*), sum(deleted) from audit.retention_runs group by 1 order by 1",
    )
    assert runs[0][0] is False and runs[1][0] is True and runs[0][2] == runs[1][2] > 0
    # The next build succeeds and no mart row refers to a deleted raw row.
    result = transform_step(warehouse)
    assert result["success"], result["failures"]
    for table, column in (
        ("marts.fct_incidents", "incident_urn"),
        ("marts.fct_prior_history", "incident_urn"),
        ("marts.fct_check_reconciliation", "incident_urn"),
    ):
        assert query(warehouse, f"select distinct {column} from {table}") == [(MENSAH_CALL,)]
    kept = {
        r for (r,) in query(warehouse, "select source_record_id from marts.bridge_person_records")
    }
    assert kept == {MENSAH_CALL, "M-2025-0040"}


def test_retention_schedule_in_the_docs_matches_the_configuration():
    from dacall.governance.retention import load_rules, schedule_markdown
    from dacall.settings import PROJECT_ROOT

    written = (PROJECT_ROOT / "docs" / "governance" / "retention-schedule.md").read_text()
    assert written == schedule_markdown(load_rules())


def test_a_warehouse_folder_others_can_read_is_refused_at_start_up(tmp_path):
    import os
    import subprocess
    import sys

    folder = tmp_path / "shared"
    folder.mkdir()
    existing = folder / "existing.duckdb"
    duckdb.connect(str(existing)).close()
    os.chmod(folder, 0o750)
    dacall = Path(sys.executable).with_name("dacall")
    result = subprocess.run(
        [dacall, "summary", "--warehouse", existing],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "can be read by others (mode 750)" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(Exception, match="can be read by others"):
        ingest_step(SAMPLES, folder / "dacall.duckdb")
    assert not (folder / "dacall.duckdb").exists()
    os.chmod(folder, 0o700)
    result = subprocess.run(
        [dacall, "summary", "--warehouse", folder / "dacall.duckdb"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "can be read by others" not in result.stderr  # now only: no warehouse yet


def test_every_test_the_governance_documents_cite_exists():
    import re

    from dacall.settings import PROJECT_ROOT

    unit_tests = "".join(p.read_text() for p in (PROJECT_ROOT / "dbt").rglob("_unit_tests.yml"))
    cited = 0
    for doc in [
        *(PROJECT_ROOT / "docs" / "governance").glob("*.md"),
        PROJECT_ROOT / "docs/operations.md",
    ]:
        text = " ".join(doc.read_text().split())
        for path, name in re.findall(r"(tests/test_\w+\.py)::(\w+)", text):
            assert f"def {name}(" in (PROJECT_ROOT / path).read_text(), f"{doc.name}: {name}"
            cited += 1
        for name in re.findall(r"dbt unit tests? `(\w+)`(?: and `(\w+)`)?", text):
            for item in filter(None, name):
                assert f"name: {item}" in unit_tests, f"{doc.name}: {item}"
    assert cited >= 15


def test_a_basis_for_non_consented_records_must_be_written_down(tmp_path, monkeypatch):
    from dacall.governance import dbt_vars
    from dacall.settings import PROJECT_ROOT, UserError

    assert dbt_vars() == {"vs_non_consented_basis": None}  # as shipped: none
    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    monkeypatch.setenv("DACALL_CONFIG_DIR", str(config))
    governance = config / "governance.yml"
    text = governance.read_text()
    governance.write_text(text.replace("non_consented_basis: null", "non_consented_basis: yes"))
    with pytest.raises(UserError, match="non_consented_basis must be null or the documented"):
        dbt_vars()
    basis = "DPA 2018 Sch 8 para 4: child at risk, decision IG-2026-014"
    governance.write_text(
        text.replace("non_consented_basis: null", f'non_consented_basis: "{basis}"')
    )
    assert dbt_vars() == {"vs_non_consented_basis": basis}


def test_retention_deletes_validation_files_past_their_period_and_only_those(
    generated_run, tmp_path
):
    """Great Expectations' results, archived results and Data Docs pages of a real run: a
    validation older than its period goes from all three, today's stay, nothing else is
    touched."""
    from datetime import UTC, datetime

    from dacall.governance.retention import apply_retention

    warehouse, published = generated_run
    copy = tmp_path / "wh" / "dacall.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(warehouse, copy)
    reports = tmp_path / "reports"
    shutil.copytree(published, reports)
    # Where GX writes them (dacall.validation), named here as docs/validation.md does.
    store, archive = reports / "gx_validations", reports / "gx_validations_archive"
    pages = reports / "data_docs" / "validations"
    today = sorted(p.relative_to(reports) for p in reports.rglob("*") if p.is_file())
    suite, run, run_time = next(store.glob("*/*/*")).relative_to(store).parts
    assert (pages / suite / run / run_time).is_dir()  # its page, under the same names
    # One validation of seven months ago in the store with its page, one in the archive, and a
    # folder that is not a validation's.
    old = (suite, "an-old-run", "20260502T031740.293133Z")
    for root in (store, pages):
        shutil.copytree(root / suite / run / run_time, root.joinpath(*old))
    archived = (suite, "an-older-run", "20250101T000000.000000Z")
    shutil.copytree(store / suite / run / run_time, archive.joinpath(*archived))
    (store / suite / "not-a-run" / "notes").mkdir(parents=True)

    as_of = datetime(2026, 12, 2, tzinfo=UTC).date()
    dry = apply_retention(copy, tmp_path / "extracts", as_of, dry_run=True, reports=reports)
    assert store.joinpath(*old).is_dir()
    done = apply_retention(copy, tmp_path / "extracts", as_of, reports=reports)
    by_rule = {x["rule"]: x["deleted"] for x in done}
    assert by_rule == {x["rule"]: x["deleted"] for x in dry}
    assert by_rule["validation_result_files"] == 2  # each validation counted once
    for root, parts in ((store, old), (pages, old), (archive, archived)):
        assert not root.joinpath(*parts).exists()
        assert not root.joinpath(*parts[:2]).exists()  # its run's folder, left empty, too
    assert (store / suite / "not-a-run" / "notes").is_dir()
    left = sorted(
        p.relative_to(reports)
        for p in reports.rglob("*")
        if p.is_file() and archive not in p.parents
    )
    assert left == today  # today's results and pages, every one
    assert query(
        copy,
        "select deleted from audit.retention_runs "
        "where rule = 'validation_result_files' and not dry_run",
    ) == [(2,)]
