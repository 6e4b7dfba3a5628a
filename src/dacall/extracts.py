"""Partner extracts: what each information sharing agreement allows, and nothing more.

Each partner has one file in config/sharing/ naming its agreement, purpose, lawful basis, the
dataset it draws from, and the allow-list of fields that may leave. The datasets are dbt models
(dbt/models/exports/, with their contracts and tests) and the only tables an extract can read;
none of them offers a name, date of birth, telephone, address or URN, and a partner's own
reference (Case Ref, referral_id, VS_REF) is offered only to that partner. Here: one period of
one dataset, the allow-list, pseudonyms under a keyed hash that differs per partner, small-number
suppression, the files, the manifest and the disclosure log.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dacall import paths
from dacall.csv_out import frame_csv_bytes
from dacall.governance import crypto
from dacall.governance.crypto import recipient_text
from dacall.settings import UserError, config_dir
from dacall.warehouse import connect, owner_only, private_dir, write_private

_PARTNER = re.compile(r"[a-z][a-z_]{1,40}", re.ASCII)
_PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})", re.ASCII)  # ASCII digits only, never "٢٠٢٥"
FIRST_YEAR = 1990  # no control room's data is older; "0000-01" is a typing mistake
MIN_KEY_BYTES = 32  # HMAC-SHA256's own strength: a shorter secret can be guessed
AGGREGATE_DATASETS = {"home_office_counts"}  # counts, where small numbers are suppressed
MIN_THRESHOLD = 2  # below 2 nothing is suppressed: a count of 1 is one identifiable person
# Never shared, whatever an allow-list says: identifiers a partner does not already hold.
FORBIDDEN = {
    "incident_urn",
    "urn",
    "caller_name",
    "caller_dob",
    "caller_tel",
    "location",
    "postcode",
    "uprn",
    "person_key",
    "surname",
    "forename",
    "dob",
    "phone",
    "address",
}


# The partner datasets: dbt models in dbt/models/exports/ (schema exports), each holding every
# period's rows under `month` (YYYY-MM, local time); an extract reads one month of one.
DATASETS = (
    "marac_prior_incidents",
    "mash_child_present_incidents",
    "victim_support_repeat_incidents",
    "home_office_counts",
)
REFERENCE_OF = {"marac": "case_ref", "mash": "referral_id", "victim_support": "vs_ref"}
# Rows resting on a person link weaker than this are held back for review unless the agreement
# sets its own min_link_probability.
DEFAULT_MIN_LINK_PROBABILITY = 0.99


@dataclass(frozen=True)
class Agreement:
    partner: str
    agreement: str
    purpose: str
    lawful_basis: str
    dataset: str
    fields: tuple[str, ...]
    threshold: int
    min_link_probability: float = DEFAULT_MIN_LINK_PROBABILITY
    recipient: str = ""  # the partner's age public key: every file is encrypted to it


def _rows(con, dataset: str, period: str):
    """One period's rows of a dataset; the period is a bound parameter, the dataset a name from
    DATASETS (never from the command line)."""
    import duckdb

    if dataset not in DATASETS:
        raise UserError(f"unknown dataset {dataset!r}")
    try:
        return con.execute(f"select * from exports.{dataset} where month = ?", [period]).df()
    except duckdb.CatalogException as exc:
        raise UserError(
            f"the warehouse has no exports.{dataset}: run `dacall run` to build the partner "
            "datasets first"
        ) from exc


def validate_partner(name: str) -> str:
    if not _PARTNER.fullmatch(name or ""):
        raise UserError(f"not a partner name: {name!r} (lower-case letters and underscores)")
    return name


def validate_period(text: str) -> str:
    match = _PERIOD.fullmatch(text or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise UserError(f"not a period in YYYY-MM form: {text!r}")
    if not FIRST_YEAR <= int(match.group(1)) <= 2999:
        raise UserError(f"not a plausible period: {text!r} (years {FIRST_YEAR} to 2999)")
    return text


def load_agreement(partner: str) -> Agreement:
    partner = validate_partner(partner)
    folder = config_dir() / "sharing"
    if not (folder / f"{partner}.yml").is_file():
        known = sorted(p.stem for p in folder.glob("*.yml"))
        raise UserError(f"no sharing agreement for partner {partner!r} (known: {', '.join(known)})")
    from dacall.config_schema import validate_file

    spec = validate_file(f"sharing/{partner}.yml")
    where = f"config/sharing/{partner}.yml"
    try:
        agreement = Agreement(
            partner=partner,
            agreement=spec["agreement"],
            purpose=spec["purpose"].strip(),
            lawful_basis=spec["lawful_basis"],
            dataset=spec["dataset"],
            fields=tuple(spec["fields"]),
            threshold=int(spec.get("small_number_threshold", 5)),
            min_link_probability=float(
                spec.get("min_link_probability", DEFAULT_MIN_LINK_PROBABILITY)
            ),
            recipient=recipient_text(spec, partner),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"{where}: missing or malformed {exc}") from exc
    if not 0 <= agreement.min_link_probability <= 1:
        raise UserError(f"{where}: min_link_probability must be between 0 and 1")
    if agreement.dataset not in DATASETS:
        raise UserError(f"{where}: unknown dataset {agreement.dataset!r}")
    if agreement.dataset in AGGREGATE_DATASETS and agreement.threshold < MIN_THRESHOLD:
        raise UserError(
            f"{where}: small_number_threshold {agreement.threshold} suppresses nothing; "
            f"an aggregate dataset needs at least {MIN_THRESHOLD} (default 5)"
        )
    return agreement


def pseudonym_key() -> bytes:
    """The secret behind pseudonyms: environment, key file, or the Airflow connection; at
    least MIN_KEY_BYTES long."""
    key, source = _pseudonym_key()
    if len(key) < MIN_KEY_BYTES:
        raise UserError(
            f"the pseudonym key from {source} is {len(key)} byte(s); at least {MIN_KEY_BYTES} "
            "are needed (for example 64 hex digits from a password manager or "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`); refusing to write "
            "an extract"
        )
    return key


def _pseudonym_key() -> tuple[bytes, str]:
    if os.environ.get("DACALL_PSEUDONYM_KEY"):
        return os.environ["DACALL_PSEUDONYM_KEY"].encode(), "DACALL_PSEUDONYM_KEY"
    key_file = os.environ.get("DACALL_PSEUDONYM_KEY_FILE")
    if key_file:
        try:
            return Path(key_file).read_bytes().strip(), "DACALL_PSEUDONYM_KEY_FILE"
        except OSError as exc:
            raise UserError(
                f"cannot read the pseudonym key file {key_file}: {exc.strerror}"
            ) from exc
    try:
        from airflow.sdk import BaseHook

        password = BaseHook.get_connection("dacall_pseudonym").password
        if password:
            return password.encode(), "the Airflow connection dacall_pseudonym"
    except Exception:  # noqa: BLE001 - no Airflow, or no such connection
        pass
    raise UserError(
        "no pseudonym key: set DACALL_PSEUDONYM_KEY (or the Airflow connection "
        "dacall_pseudonym); refusing to write an extract"
    )


def pseudonym(master: bytes, partner: str, person_key: str) -> str:
    """HMAC-SHA256 under a key derived per partner, so two partners cannot join extracts."""
    partner_key = hmac.new(master, f"dacall-partner|{partner}".encode(), hashlib.sha256).digest()
    return hmac.new(partner_key, person_key.encode(), hashlib.sha256).hexdigest()[:32]


def suppress(rows: list[dict], threshold: int) -> tuple[list[dict], int]:
    """Counts from 1 to threshold-1 are withheld; where a dimension has exactly one withheld
    cell, its smallest other cell is withheld too, so no cell can be worked out from the total
    minus the others."""
    suppressed = 0
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["month"], row["dimension"]), []).append(row)
    for (_month, dimension), cells in groups.items():
        hidden = [c for c in cells if 0 < c["incidents"] < threshold]
        if dimension != "total" and len(hidden) == 1:
            others = sorted(
                (c for c in cells if c not in hidden and c["incidents"] > 0),
                key=lambda c: (c["incidents"], c["value"]),
            )
            hidden += others[:1]
        for cell in hidden:
            cell["incidents"] = None
            suppressed += 1
    return rows, suppressed


def make_extract(
    partner: str,
    period: str,
    warehouse: Path | None = None,
    out: Path | None = None,
    run_by: str | None = None,
) -> dict:
    agreement = load_agreement(partner)
    period = validate_period(period)
    key = pseudonym_key()
    warehouse = paths.warehouse_or_configured(warehouse)
    con = connect(warehouse, read_only=True)
    try:
        frame = _rows(con, agreement.dataset, period)
    finally:
        con.close()
    available = [c for c in frame.columns if not c.startswith("_")]
    if "person_key" in available:
        available.append("person_pseudonym")
    for field in agreement.fields:
        if field in FORBIDDEN:
            raise UserError(f"config/sharing/{partner}.yml: field {field!r} is never shared")
        if field not in available:
            raise UserError(
                f"config/sharing/{partner}.yml: field {field!r} is not in dataset "
                f"{agreement.dataset} (it has: {', '.join(sorted(available))})"
            )
        own = REFERENCE_OF.get(partner)
        if field in REFERENCE_OF.values() and field != own:
            raise UserError(
                f"config/sharing/{partner}.yml: {field!r} is another partner's reference"
            )
    if "person_key" in frame.columns:
        frame["person_pseudonym"] = [pseudonym(key, partner, k) for k in frame["person_key"]]
    order = [
        c
        for c in (
            "case_ref",
            "referral_id",
            "vs_ref",
            "person_pseudonym",
            "_incident_created_at",
            "_incident_record",
            "month",
            "dimension",
            "value",
        )
        if c in frame.columns
    ]
    frame = frame.sort_values(order, kind="stable").reset_index(drop=True)
    suppressed = 0
    if agreement.dataset == "home_office_counts":
        rows, suppressed = suppress(frame.to_dict("records"), agreement.threshold)
        import pandas as pd

        frame = pd.DataFrame(rows, columns=frame.columns).astype({"incidents": "Int64"})
    from dacall.governance.links import hold_back

    out_root = Path(out or paths.extracts())
    with owner_only():
        frame, held = hold_back(frame, agreement, out_root / partner, period)
        people = sorted(set(frame["person_key"])) if "person_key" in frame.columns else []
        frame = frame[list(agreement.fields)]
        disclosure = Disclosure(agreement, period, suppressed, held, people, warehouse, run_by)
        return _publish(disclosure, frame, private_dir(out_root / partner / period))


@dataclass(frozen=True)
class Disclosure:
    """What an extract discloses, beside its rows: for the manifest and the disclosure log."""

    agreement: Agreement
    period: str
    suppressed: int
    held: int
    people: list
    warehouse: Path
    run_by: str | None


def _publish(disclosure: Disclosure, frame, folder: Path) -> dict:
    agreement, period, partner = (
        disclosure.agreement,
        disclosure.period,
        disclosure.agreement.partner,
    )
    suppressed, held, people = disclosure.suppressed, disclosure.held, disclosure.people
    warehouse, run_by = disclosure.warehouse, disclosure.run_by
    for stale in folder.iterdir():
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
    stem = f"{partner}_{period}"
    files = _write(frame, folder, stem, agreement.recipient)
    manifest = {
        "disclosure_id": str(uuid.uuid4()),
        "partner": partner,
        "dataset": agreement.dataset,
        "agreement": agreement.agreement,
        "purpose": agreement.purpose,
        "lawful_basis": agreement.lawful_basis,
        "period": period,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "fields": list(agreement.fields),
        "rows": len(frame),
        "rows_held_for_review": held,
        "min_link_probability": agreement.min_link_probability,
        "files": files,
        "suppression": {
            "threshold": agreement.threshold,
            "cells_suppressed": suppressed,
            "applies_to": "aggregate counts",
        },
        "encryption": {
            "scheme": "age v1, X25519 recipient",
            "recipient_fingerprint": crypto.fingerprint(agreement.recipient),
            "signature": "manifest.json.sig: Ed25519 over manifest.json's bytes",
            "signing_fingerprint": crypto.signing_fingerprint(),
        },
    }
    manifest_bytes = json.dumps(manifest, indent=2).encode() + b"\n"
    write_private(folder / "manifest.json", manifest_bytes)
    write_private(folder / "manifest.json.sig", crypto.sign(manifest_bytes))
    _record_disclosure(
        warehouse,
        manifest,
        run_by or os.environ.get("DACALL_RUN_BY") or getpass.getuser(),
        people,
    )
    return manifest


def _write(frame, folder: Path, stem: str, recipient: str) -> dict:
    """CSV and Parquet built in memory and written only encrypted to the partner's key."""
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    csv_bytes = frame_csv_bytes(frame)
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), buffer)
    files = {}
    for name, plain in ((f"{stem}.csv", csv_bytes), (f"{stem}.parquet", buffer.getvalue())):
        sealed = crypto.encrypt(plain, recipient)
        write_private(folder / f"{name}.age", sealed)
        files[f"{name}.age"] = {
            "sha256": hashlib.sha256(sealed).hexdigest(),
            "plaintext_sha256": hashlib.sha256(plain).hexdigest(),
            "rows": len(frame),
        }
    return files


def _record_disclosure(
    warehouse: Path, manifest: dict, made_by: str, people: list[str] = ()
) -> None:
    """One row per extract, and one child row per person disclosed (audit.disclosure_subjects:
    the person key, never a name), so a subject access request can say who received what."""
    from dacall.governance.disclosures import record_subjects

    con = connect(warehouse)
    try:
        con.execute(
            "insert into audit.disclosures (partner, agreement, period, fields, rows, "
            "file_hashes, made_by, made_at, disclosure_id, dataset, recipient_fingerprint, "
            "signing_fingerprint) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                manifest["partner"],
                manifest["agreement"],
                manifest["period"],
                ",".join(manifest["fields"]),
                manifest["rows"],
                json.dumps({k: v["sha256"] for k, v in manifest["files"].items()}),
                made_by,
                datetime.now(UTC).replace(tzinfo=None),
                manifest["disclosure_id"],
                manifest["dataset"],
                manifest.get("encryption", {}).get("recipient_fingerprint"),
                manifest.get("encryption", {}).get("signing_fingerprint"),
            ],
        )
        record_subjects(con, manifest["disclosure_id"], people)
    finally:
        con.close()


def partners() -> list[str]:
    return sorted(p.stem for p in (config_dir() / "sharing").glob("*.yml"))
