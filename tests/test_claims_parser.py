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


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        # Negation and deferral read per part, with their scope: the named system only.
        ("NICHE UNAVAILABLE - PND ON CALLER NTR", ["PND:PERSON:NO_TRACE"]),
        ("CAD HIST ON ADDR 2 PREVS - PNC DOWN", ["CAD:ADDRESS:TRACE"]),
        ("PNC ON IP NTR, NICHE AND PND UNAVAILABLE", ["PNC:PERSON:NO_TRACE"]),
        ("DAY SHIFT TO COMPLETE INTEL CHECKS", []),
        ("CHECKS TO FOLLOW ONCE UNIT ON SCENE", []),
        ("PASSED TO INTEL DESK FOR CHECKS", []),
        ("IF TIME PERMITS CHECK STORM HIST ON ADDR", []),
        ("PNC OFFLINE, NO CHECKS POSSIBLE", []),
        # ... but a purpose after the check was done is not a deferral.
        ("CHECKED PNC TO SEE IF WANTED - NTR", ["PNC:PERSON:NO_TRACE"]),
        ("CALLER'S NO CHECKED ON STORM - NIL", ["CAD:TELEPHONE:NO_TRACE"]),
        # Results: counts either side of their noun, denials, plain words.
        ("PREVS AT ADDRESS: 4", ["CAD:ADDRESS:TRACE"]),
        ("NICHE ON IP - PREVS: 3", ["RMS:PERSON:TRACE"]),
        ("CAD HIST ON ADDR - PREVS: 0", ["CAD:ADDRESS:NO_TRACE"]),
        ("NICHE ON IP - LAST INCIDENT 2023 - NTR", ["RMS:PERSON:NO_TRACE"]),
        ("PND ON CALLER - NIL HISTORY", ["PND:PERSON:NO_TRACE"]),
        ("NICHE ON IP - SEVERAL DOMESTICS LOGGED", ["RMS:PERSON:TRACE"]),
        ("PNC ON IP - KNOWN TO POLICE", ["PNC:PERSON:TRACE"]),
        # A misspelling nobody listed, one letter away from a system word.
        ("PDN ON IP NTR", ["PND:PERSON:NO_TRACE"]),
        # Each system its own result, whichever comes first.
        (
            "checks complete - nothing on pnc, 2 x prev on niche",
            ["PNC:PERSON:NO_TRACE", "RMS:PERSON:TRACE", "RMS:ADDRESS:TRACE", "RMS:TELEPHONE:TRACE"],
        ),
        ("no intel checks done - caller hung up", []),
        # The same check named twice is one claim (int_claims is unique per system and subject).
        ("NICHE ON IP NTR. NICHE ON IP 2 PREVS", ["RMS:PERSON:NO_TRACE"]),
        ("STORY OF ABUSE, NO CHECKS", []),
    ],
)
def test_statements_are_read_with_their_scope(text, claims):
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


@pytest.mark.parametrize(
    ("text", "claims"),
    [
        # A subject word one slip from a listed one is that subject, not "no subject named".
        ("NICHE ON CALER - NTR", ["RMS:PERSON:NO_TRACE"]),
        ("pnd on mobiel no trace", ["PND:TELEPHONE:NO_TRACE"]),
        ("RMS ON PREMSIES NTR", ["RMS:ADDRESS:NO_TRACE"]),
        # A subject word nobody listed is never all three subjects: no claim (listed for review).
        ("NICHE ON LODGER - NTR", []),
        ("PNC ON VEHICLE NTR", []),
        # ... but a word after a result or about something else is no subject slot.
        ("PNC NTR FOR INFO", ["PNC:PERSON:NO_TRACE"]),
        ("pnc chkd on i/p - ntr", ["PNC:PERSON:NO_TRACE"]),
        # Another person named is a check of the PERSON: the subject is the incident's.
        ("PND ON SUSPECT - NTR", ["PND:PERSON:NO_TRACE"]),
        # The subject a trace was found for, named after it.
        (
            "I HAVE CHECKED NICHE AND THERE ARE SEVERAL PREVIOUS DOMESTICS RECORDED FOR THE CALLER",
            ["RMS:PERSON:TRACE"],
        ),
        ("HISTORY OF DV AT THE ADDRESS PER NICHE", ["RMS:ADDRESS:TRACE"]),
        # A possession names the thing possessed.
        ("PND ON HOME ADDRESS OF THE CALLER - NTR", ["PND:ADDRESS:NO_TRACE"]),
        # Hand-overs, checks under way, conditions.
        ("LOCAL POLICING TEAM TASKED WITH PND CHECKS", []),
        ("FAO INTEL DESK - PND ON CALLER", []),
        ("CHECKING PND NOW", []),
        ("UPON CHECKING NICHE FOR IP - NTR", ["RMS:PERSON:NO_TRACE"]),
        ("intel checks after call", []),
        (
            "NICHE CHECKED AFTER CALL - NTR",
            ["RMS:PERSON:NO_TRACE", "RMS:ADDRESS:NO_TRACE", "RMS:TELEPHONE:NO_TRACE"],
        ),
        # Keeping a record is not a search; reported speech anywhere in the first words.
        ("CRIME REPORT RAISED ON NICHE BY OIC", []),
        ("CALLER HAS A NICHE REF FROM LAST YEAR", []),
        ("IP SAYS POLICE HAVE HISTORY WITH HER EX", []),
        # A check of something that is no intelligence system.
        ("WELFARE CHECK ON CHILDREN DONE BY UNIT", []),
        ("Units checked the street, nothing found", []),
        # A negation's scope across a slash.
        ("CAD HIST ADDR NIL / PNC - NO ACCESS", ["CAD:ADDRESS:NO_TRACE"]),
        ("checked pnc on ip (ntr) - niche timed out", ["PNC:PERSON:NO_TRACE"]),
        ("niche on ip nil but couldnt get onto pnd", ["RMS:PERSON:NO_TRACE"]),
        ("checks still being done", []),
        # A system named with nothing said of a check, or with a record's number, is no claim
        # ... but a time is not a record's number.
        ("STORM 1234 CLOSED", []),
        ("TO BE CHECKED: PNC, PND", []),
        ("OCCURRENCE CREATED ON NICHE 45/1234/26", []),
        ("PNC 1430 NTR", ["PNC:PERSON:NO_TRACE"]),
        # The owner of a subject is not a subject of its own.
        (
            "I have conducted a PND check on the telephone number provided by the caller - ntr",
            ["PND:TELEPHONE:NO_TRACE"],
        ),
        ("NICHE CHECKED ON BOTH PARTIES - TRACE", ["RMS:PERSON:TRACE"]),
        # An everyday word for the C&C history needs more than a subject to be a check ...
        ("PREVIOUS INCIDENTS DISCUSSED WITH CALLER", []),
        ("HISTORY: PARTNER HAS BEEN DRINKING ALL DAY", []),
        ("VICTIM HAS HISTORY OF MENTAL HEALTH", []),
        ("PREVS ON LOC X4 DOMESTICS", ["CAD:ADDRESS:TRACE"]),
        # ... and a time clause that goes on to say the check was done is when it was done.
        (
            "After speaking to the caller I checked PNC which shows no trace",
            ["PNC:PERSON:NO_TRACE"],
        ),
        ("ONCE CALLER DETAILS CONFIRMED WILL RUN PNC", []),
        ("CHECKED WITH CALLER THAT SHE IS SAFE", []),
        # A result before a list whose subject is named after it covers the list.
        (
            "NIL TRACE PNC, PND ON IP; NICHE NOT DONE",
            ["PNC:PERSON:NO_TRACE", "PND:PERSON:NO_TRACE"],
        ),
        # A system not done elsewhere in the entry is not claimed through a shared list, and a
        # bare mention of a system named with its subject elsewhere adds no subjects.
        (
            "PNC, PND AND NICHE ON IP - PNC NTR, PND NTR, NICHE NOT AVAILABLE",
            ["PNC:PERSON:NO_TRACE", "PND:PERSON:NO_TRACE"],
        ),
        # Counts in words; a system's own number is a reference.
        (
            "Storm history for the address shows three previous domestic related calls",
            ["CAD:ADDRESS:TRACE"],
        ),
        ("PNC NUMBER OF SUSPECT OBTAINED FROM OFFICERS", []),
        ("PND NUMBER CHECK - NTR", ["PND:TELEPHONE:NO_TRACE"]),
        # What was looked for is not what was found.
        (
            "NICHE CHECKED FOR DV HISTORY - NONE",
            ["RMS:PERSON:NO_TRACE", "RMS:ADDRESS:NO_TRACE", "RMS:TELEPHONE:NO_TRACE"],
        ),
        # A telephone number written out is the telephone.
        ("PND CHECKED ON 07700 900123 NTR", ["PND:TELEPHONE:NO_TRACE"]),
    ],
)
def test_false_claim_families_are_read_generally(text, claims):
    assert [str(c) for c in parse(text)] == claims


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
