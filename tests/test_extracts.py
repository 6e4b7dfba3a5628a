"""Partner extracts and data protection, on real extracts of generated data."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import stat
from pathlib import Path

import pytest

from conftest import query
from dacall.extracts import make_extract, pseudonym, suppress
from dacall.settings import UserError

PARTNERS = ["marac", "mash", "victim_support", "home_office"]
PERIOD = "2025-04"  # the generated fixture covers 10 March to 18 April 2025


@pytest.fixture(scope="module")
def extracts(generated_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("extracts")
    manifests = {p: make_extract(p, PERIOD, generated_warehouse, out) for p in PARTNERS}
    return out, manifests


def opened(path: Path) -> bytes:
    """A file as the partner reads it: decrypted with the partner's own (test) key."""
    from dacall.governance.crypto import decrypt, keys_dir

    if path.suffix != ".age":
        return path.read_bytes()
    partner = path.parent.parent.name
    return decrypt(path.read_bytes(), (keys_dir() / f"{partner}.age.key").read_text().strip())


def csv_text(out: Path, partner: str, period: str = PERIOD) -> str:
    return opened(out / partner / period / f"{partner}_{period}.csv.age").decode("utf-8")


def personal_tokens(warehouse) -> tuple[set[str], list[re.Pattern]]:
    """Every name, date of birth, number, postcode and address the warehouse holds."""
    tokens: set[str] = set()
    for sql in (
        "select caller_name, strftime(caller_dob, '%d/%m/%Y'), strftime(caller_dob, '%Y-%m-%d'),"
        " caller_tel, caller_tel_e164, location, postcode from staging.stg_cc_incidents",
        "select victim_forename || ' ' || victim_surname, strftime(victim_dob, '%Y-%m-%d'), "
        "postcode, null, null, null, null from staging.stg_partner_marac",
        "select subject_name, strftime(subject_dob, '%Y-%m-%d'), address, postcode, null, null, "
        "null from staging.stg_partner_mash",
        "select client_name, client_phone, phone_e164, null, null, null, null "
        "from staging.stg_partner_vs",
    ):
        for row in query(warehouse, sql):
            tokens.update(v for v in row if v and len(v) >= 6)
    for (surname,) in query(
        warehouse,
        "select distinct caller_surname_key from "
        "staging.stg_cc_incidents where length(caller_surname_key) >= 6",
    ):
        tokens.add(surname)
    return tokens, [re.compile(r"HC-\d{6}-\d{4}")]


def test_no_extract_holds_personal_data_unless_allow_listed(extracts, generated_warehouse):
    out, manifests = extracts
    tokens, patterns = personal_tokens(generated_warehouse)
    assert len(tokens) > 1000
    for partner, manifest in manifests.items():
        folder = out / partner / PERIOD
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [*manifest["files"], "manifest.json", "manifest.json.sig"]
        )  # nothing else
        for path in folder.iterdir():
            text = opened(path).decode("latin-1")
            upper = text.upper()
            leaked = [t for t in tokens if t in text or t.upper() in upper]
            assert not leaked, f"{path.name} holds {leaked[:3]}"
            for pattern in patterns:
                assert not pattern.search(text), f"{path.name} holds an incident number"
    assert manifests["marac"]["rows"] > 0 and manifests["victim_support"]["rows"] > 0


def test_each_partner_gets_only_its_own_reference(extracts):
    out, manifests = extracts
    header = {p: csv_text(out, p).splitlines()[0].split(",") for p in PARTNERS}
    assert "case_ref" in header["marac"] and "referral_id" not in header["marac"]
    assert "referral_id" in header["mash"] and "case_ref" not in header["mash"]
    assert "vs_ref" in header["victim_support"]
    assert header["home_office"] == ["month", "dimension", "value", "incidents"]


def test_pseudonyms_differ_between_partners_and_are_stable(extracts, generated_warehouse, tmp_path):
    out, manifests = extracts
    key = b"test-only-key"
    assert pseudonym(key, "marac", "P1") != pseudonym(key, "mash", "P1")
    assert pseudonym(key, "marac", "P1") == pseudonym(key, "marac", "P1")
    assert pseudonym(b"another-key", "marac", "P1") != pseudonym(key, "marac", "P1")
    # In the files: the people both partners hold appear under different pseudonyms.
    people = query(
        generated_warehouse,
        """
        select b1.person_key from marts.bridge_person_records b1
        join marts.bridge_person_records b2 using (person_key)
        where b1.source = 'partner_marac' and b2.source = 'partner_mash'""",
    )
    marac = set(_column(csv_text(out, "marac"), "person_pseudonym"))
    mash = set(_column(csv_text(out, "mash"), "person_pseudonym"))
    assert not marac & mash
    assert people  # there are shared people for the statement above to mean something
    # Re-running a period reproduces identical data files.
    again = make_extract("marac", PERIOD, generated_warehouse, tmp_path)
    plain = {k: v["plaintext_sha256"] for k, v in manifests["marac"]["files"].items()}
    assert {k: v["plaintext_sha256"] for k, v in again["files"].items()} == plain


def _column(text: str, name: str) -> list[str]:
    lines = text.splitlines()
    index = lines[0].split(",").index(name)
    return [line.split(",")[index] for line in lines[1:]]


def test_manifests_and_disclosures(extracts, generated_warehouse):
    out, manifests = extracts
    for partner in manifests:
        folder = out / partner / PERIOD
        on_disk = json.loads((folder / "manifest.json").read_text())
        assert on_disk["agreement"] and on_disk["fields"] and on_disk["period"] == PERIOD
        for name, facts in on_disk["files"].items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == facts["sha256"]
        mode = stat.S_IMODE(folder.stat().st_mode)
        assert mode == 0o700, oct(mode)
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
    rows = query(
        generated_warehouse,
        "select partner, period, rows, file_hashes from audit.disclosures where period = ?",
        [PERIOD],
    )
    logged = {(p, r) for p, _period, r, _h in rows}
    for partner, manifest in manifests.items():
        assert (partner, manifest["rows"]) in logged


def test_small_numbers_are_suppressed_including_by_differencing(sample_warehouse, tmp_path):
    manifest = make_extract("home_office", "2025-02", sample_warehouse, tmp_path)
    lines = csv_text(tmp_path, "home_office", "2025-02")
    cells = [line.split(",") for line in lines.splitlines()[1:]]
    visible = [int(c[3]) for c in cells if c[3]]
    assert all(v == 0 or v >= 5 for v in visible)
    assert manifest["suppression"]["cells_suppressed"] > 0
    rows, hidden = suppress(
        [
            {"month": "m", "dimension": "channel", "value": "999", "incidents": 40},
            {"month": "m", "dimension": "channel", "value": "101", "incidents": 3},
            {"month": "m", "dimension": "channel", "value": "ONLINE", "incidents": 9},
            {"month": "m", "dimension": "total", "value": "all", "incidents": 52},
        ],
        5,
    )
    # 3 is withheld, and so is 9: otherwise 52 - 40 - 9 would give the 3 away.
    assert [r["incidents"] for r in rows] == [40, None, None, 52] and hidden == 2


def test_configuration_mistakes_are_one_line_errors(generated_warehouse, tmp_path, monkeypatch):
    from dacall.settings import PROJECT_ROOT

    config = tmp_path / "config"
    shutil.copytree(PROJECT_ROOT / "config", config)
    monkeypatch.setenv("DACALL_CONFIG_DIR", str(config))
    sharing = config / "sharing" / "mash.yml"
    sharing.write_text(sharing.read_text().replace("  - weapon", "  - weapon_type"))
    with pytest.raises(UserError, match="'weapon_type' is not in dataset"):
        make_extract("mash", PERIOD, generated_warehouse, tmp_path / "out")
    sharing.write_text(sharing.read_text().replace("  - weapon_type", "  - caller_name"))
    with pytest.raises(UserError, match="never shared"):
        make_extract("mash", PERIOD, generated_warehouse, tmp_path / "out")
    for bad in ("../marac", "MARAC", "marac; drop table x"):
        with pytest.raises(UserError, match="not a partner name"):
            make_extract(bad, PERIOD, generated_warehouse, tmp_path / "out")
    with pytest.raises(UserError, match="not a period"):
        make_extract("marac", "2025-4", generated_warehouse, tmp_path / "out")
    monkeypatch.delenv("DACALL_PSEUDONYM_KEY")
    with pytest.raises(UserError, match="no pseudonym key"):
        make_extract("marac", PERIOD, generated_warehouse, tmp_path / "out")
