"""The claims parser, measured: precision and recall on the spec's examples, on the project's
own labelled set of varied real-world phrasing, and on generated log entries."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from conftest import TEST_DATA
from dacall.claims import Vocabulary, parse, unclaimed_reason
from dacall.settings import UserError, load_yaml

TARGET = 0.98


def measure(rows) -> tuple[float, float, int, list[str]]:
    tp = fp = fn = 0
    wrong = []
    for text, expected in rows:
        got = {str(c) for c in parse(text)}
        want = set(filter(None, expected.split(";")))
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        if got != want:
            wrong.append(f"{text!r}: got {sorted(got)}, want {sorted(want)}")
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, wrong


def labelled(path: Path):
    return [(row["text"], row["claims"]) for row in csv.DictReader(path.open(encoding="utf-8"))]


@pytest.mark.parametrize(
    "path",
    [
        TEST_DATA / "claims_examples.csv",
        TEST_DATA / "claims_labelled.csv",
        TEST_DATA / "claims_dev_generalise.csv",
        TEST_DATA / "claims_dev_families.csv",
    ],
    ids=[
        "spec examples",
        "project labelled set",
        "generalisation development set",
        "false-claim families development set",
    ],
)
def test_precision_and_recall_meet_the_target(path):
    rows = labelled(path)
    precision, recall, tp, wrong = measure(rows)
    print(
        f"\n{path.name}: {len(rows)} entries, {tp} claims found; precision {precision:.4f}, "
        f"recall {recall:.4f}"
    )
    assert precision >= TARGET and recall >= TARGET, "\n".join(wrong)


def test_the_labelled_set_is_large_and_varied():
    rows = labelled(TEST_DATA / "claims_labelled.csv")
    assert len(rows) >= 150
    texts = [t for t, _ in rows]
    assert sum(t != t.upper() for t in texts) >= 10  # lower and mixed case
    assert sum(not c for _, c in rows) >= 25  # negations, deferrals, narrative
    assert sum(c.count(";") >= 2 for _, c in rows) >= 20  # several systems and subjects


def test_generated_log_entries_are_read_as_the_generator_wrote_them(generated):
    truth = defaultdict(set)
    for row in csv.DictReader((generated / "truth" / "claims.csv").open()):
        truth[(row["incident_urn"], row["log_seq"])].add(
            f"{row['system']}:{row['subject_type']}:{row['claimed_result']}"
        )
    rows = []
    for path in sorted((generated / "landing" / "cc_log").iterdir()):
        with path.open(encoding="cp1252", newline="") as handle:
            for record in list(csv.reader(handle))[1:]:
                rows.append((record[5], ";".join(sorted(truth.get((record[0], record[1]), ())))))
    precision, recall, tp, wrong = measure(rows)
    print(
        f"\ngenerated: {len(rows)} entries, {tp} claims; precision {precision:.4f}, "
        f"recall {recall:.4f}"
    )
    assert precision >= 0.995 and recall >= 0.995, "\n".join(wrong[:20])


def test_the_standard_check_set_is_configuration():
    config = load_yaml("claims_vocabulary.yml")
    config["standard_check_set"] = ["PNC"]
    vocab = Vocabulary.from_config(config)
    assert [str(c) for c in parse("CHECKS DONE - NTR", vocab)] == ["PNC:PERSON:NO_TRACE"]
    config["standard_check_set"] = ["NOPE"]
    with pytest.raises(UserError, match="unknown system"):
        Vocabulary.from_config(config)


def hand_made_cases() -> list:
    """Entries written by hand with the claims they make, in the order read, and why each is
    there (tests/data/claims_cases.csv: scope of negation and deferral, results, subjects,
    hand-overs, reported speech and the other false-claim families)."""
    with (TEST_DATA / "claims_cases.csv").open(encoding="utf-8") as handle:
        return [
            (row["text"], [claim for claim in row["claims"].split(";") if claim])
            for row in csv.DictReader(handle)
        ]


@pytest.mark.parametrize(("text", "claims"), hand_made_cases())
def test_hand_made_entries_are_read_as_written(text, claims):
    assert [str(c) for c in parse(text)] == claims


def test_each_claim_carries_the_words_it_was_read_from_and_its_doubts():
    (claim,) = parse("NICH ON CALLER - NTR")
    assert claim.evidence == "NICH~NICHE | CALLER | NTR"
    assert claim.doubts == ()
    (guessed,) = parse("NICCHE ON IP NTR")
    assert guessed.evidence == "NICCHE~NICHE | IP | NTR"
    assert guessed.doubts == ("guessed spelling NICCHE~NICHE",)
    standard = parse("INTEL CHECKS DONE ON CALLER - NTR")
    assert {c.system for c in standard} == {"RMS", "CAD"}
    assert all(c.doubts == ("standard check set",) for c in standard)
    assert standard[0].evidence == "INTEL [standard set] | CALLER | NTR"


def test_a_number_read_as_the_subject_is_not_copied_into_the_evidence():
    (claim,) = parse("PND CHECKED ON 07700 900123 NTR")
    assert "900123" not in claim.evidence
    assert claim.evidence == "PND | [phone number] | NTR"


def test_a_claim_on_a_guessed_subject_word_says_so():
    (claim,) = parse("NICHE ON CALER - NTR")
    assert claim.evidence == "NICHE | CALER~CALLER | NTR"
    assert claim.doubts == ("guessed spelling CALER~CALLER",)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("NICHE ON LODGER - NTR", ("subject word not understood", "NICHE ON LODGER")),
        ("CRIME REPORT RAISED ON NICHE", ("read as not done", "RAISED")),
        ("NICHE UNAVAILABLE", ("read as not done", "UNAVAILABLE")),
        ("OIC TO CHECK PND ON SUSPECT", ("read as not done", "TO CHECK")),
        ("CALLER STATES PNC SAYS HE IS WANTED", ("reported speech", "CALLER STATES")),
        ("PLS CHECK CAD HIST", ("read as not done", "PLS")),
        ("UNIT 2C3 ASSIGNED", None),  # names no check: nothing to review
        ("PNC ON IP NTR", None),  # a claim was read
    ],
)
def test_entries_naming_a_check_without_a_claim_say_why(text, reason):
    assert unclaimed_reason(text) == reason
