"""The governance verbs of the `dacall` command line: links, sar, erase, retention."""

from __future__ import annotations

import argparse
import getpass
import os
from pathlib import Path

from dacall.cli_args import add_folder, add_verb, add_warehouse, iso_date


def _who() -> str:
    return os.environ.get("DACALL_RUN_BY") or getpass.getuser()


def cmd_links(args: argparse.Namespace) -> int:
    from dacall.governance.links import decide, decide_from_file

    if args.file:
        count = decide_from_file(args.warehouse, args.file, args.by or _who())
        print(f"recorded {count} decision(s); they apply from the next run")
        return 0
    if not (args.left and args.right and args.decision):
        from dacall.settings import UserError

        raise UserError("give --file, or --left, --right and --decision")
    decide(args.warehouse, args.left, args.right, args.decision, args.by or _who(), args.reason)
    print(f"recorded: {args.left} and {args.right} are {args.decision}; applies from the next run")
    return 0


def add_verbs(verbs) -> None:
    links = add_verb(
        verbs,
        "links",
        cmd_links,
        "record a person's decision on a pair of person records",
        "Record that two records are (or are not) the same person. The decision "
        "overrides the linkage model for that pair from the next run; rows held back from an "
        "extract for review (extracts/<partner>/<period>_links_to_review.csv) are released "
        "once their link is confirmed.",
    )
    links.add_argument("--left", help="a record as source|id, e.g. partner_marac|M-2025-0031")
    links.add_argument("--right", help="the other record, e.g. cc_incidents|HC-250214-0415")
    links.add_argument("--decision", choices=["same", "different"])
    links.add_argument(
        "--file",
        type=Path,
        help="a review file with a decision column added (same, different or blank)",
    )
    links.add_argument("--by", help="who decided (default: the user running the command)")
    links.add_argument("--reason", help="why, in a few words (no personal data)")
    add_warehouse(links)
    add_person_verbs(verbs)


def cmd_sar(args: argparse.Namespace) -> int:
    from dacall.governance.sar import Subject, subject_access

    path, counts = subject_access(args.warehouse, args.out, Subject(args.name, args.dob, args.ref))
    print(
        f"subject access: {counts['people']} person(s), {counts['records']} record(s), "
        f"{counts['possible']} possible (name only), {counts['claims']} claim(s), "
        f"{counts['disclosures']} disclosure(s)"
    )
    print(f"  written to {path} (readable only by you; logged in audit.subject_access_requests)")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    from dacall.governance.erasure import erase
    from dacall.governance.sar import Subject

    lines = erase(args.warehouse, Subject(args.name, args.dob, args.ref))
    if not lines:
        print("erasure: no records found; nothing erased (logged)")
        return 0
    for line in lines:
        print(
            f"  {line['source']:<14} {line['records']:>3} record(s): {line['outcome']}"
            + (f", {line['rows_deleted']} row(s) deleted" if line["outcome"] == "erased" else "")
        )
        for name in line["landing_files"]:
            print(f"    delete or redeliver the landing file {name}: it still holds them")
    print("logged in audit.erasures; the marts drop the erased records at the next run")
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from dacall.governance.retention import apply_retention

    lines = apply_retention(args.warehouse, args.extracts, args.as_of, args.dry_run, _who())
    verb = "would delete" if args.dry_run else "deleted"
    for line in lines:
        print(
            f"  {line['rule']:<26} {line['target']:<30} keep {line['keep_months']:>3} months "
            f"(before {line['cutoff']}): {verb} {line['deleted']:,}"
        )
    print(
        "recorded in audit.retention_runs" + (" (dry run: nothing deleted)" if args.dry_run else "")
    )
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from dacall.extracts import partners
    from dacall.governance.crypto import keys_dir, make_demo_keys

    written = make_demo_keys(keys_dir(), partners())
    print(f"demo keys in {keys_dir()}: {len(written)} file(s) written, existing ones kept")
    return 0


def add_person_verbs(verbs) -> None:
    for verb, helper, line, about in (
        (
            "sar",
            cmd_sar,
            "write a person's subject access file for the IG team",
            "Write, for the information governance team, a file listing every record held "
            "about a person by source, every claim and exception, the searches of them and "
            "every disclosure of them (partner, date, dataset).",
        ),
        (
            "erase",
            cmd_erase,
            "erase a person's records where the law allows",
            "Erase a person's records where config/governance.yml and the law allow "
            "(Victim Support referrals); report the rest as retained; log the counts.",
        ),
    ):
        sub = add_verb(verbs, verb, helper, line, about)
        sub.add_argument("--name", help='"SURNAME, FORENAME"')
        sub.add_argument("--dob", type=iso_date, help="date of birth, YYYY-MM-DD")
        sub.add_argument("--ref", help="an incident URN, Case Ref, referral_id or VS_REF")
        add_warehouse(sub)
        if verb == "sar":
            add_folder(sub, "--out", "default reports/subject_access")

    ret = add_verb(
        verbs,
        "retention",
        cmd_retention,
        "delete what is past its retention period",
        "Apply config/retention.yml: delete raw rows, quarantined rows, log rows, extract "
        "files and validation results past their period, and record the counts in "
        "audit.retention_runs.",
    )
    ret.add_argument("--dry-run", action="store_true", help="count only; delete nothing")
    ret.add_argument("--as-of", type=iso_date, default=None, help="today's date (default: today)")
    add_warehouse(ret)
    add_folder(ret, "--extracts", "default extracts/")

    keys = add_verb(
        verbs,
        "keys",
        cmd_keys,
        "make throwaway demo keys for encrypted extracts",
        "Write each partner's age key pair and the force's Ed25519 signing key "
        "into the keys folder (DACALL_KEYS_DIR, default keys/), readable only by you. For the "
        "demo and tests only: a real partner sends its public key and keeps its secret key.",
    )
    keys.add_argument("--demo", action="store_true", required=True)
