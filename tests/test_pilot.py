"""The pilot kit (`dacall evaluate --labels`): the pipeline against a force's dip sample.

The sample here is the spec samples' expected results (tests/data/spec_samples/EXPECTED.md) as
a quality team would record them, with the entry's PND "NOT CHECKED" reviewed as no claim."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import TEST_DATA
from dacall.cli import main
from dacall.pilot import read_labels, wilson
from dacall.settings import UserError

DIP_SAMPLE = TEST_DATA / "pilot_dip_sample.csv"


def test_wilson_intervals_are_the_textbook_ones():
    low, high = wilson(8, 10)
    assert (round(low, 3), round(high, 3)) == (0.490, 0.943)
    low, high = wilson(0, 5)
    assert low == 0.0 and round(high, 3) == 0.434
    assert wilson(0, 0) is None


def test_a_bad_labels_file_gets_a_one_line_error(tmp_path):
    bad = tmp_path / "dip.csv"
    bad.write_text("URN,SEQ,SYSTEM,SUBJECT,FINDING\nHC-1,1,PNC,PERSON,DONE\n")
    with pytest.raises(UserError, match="finding must be a status"):
        read_labels(bad)
    bad.write_text("URN,SEQ,SYSTEM\nHC-1,1,PNC\n")
    with pytest.raises(UserError, match="no column for subject_type"):
        read_labels(bad)


def test_the_samples_agree_with_their_reviewed_dip_sample(sample_warehouse, capsys):
    code = main(
        ["evaluate", "--labels", str(DIP_SAMPLE), "--warehouse", str(sample_warehouse), "--json"]
    )
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sampled_entries"] == 4 and report["reviewed_checks"] == 12
    assert report["claims"]["precision"]["value"] == 1.0
    assert report["claims"]["recall"]["hits"] == 11
    assert report["status_agreement"]["value"] == 1.0
    assert report["per_status"]["VERIFIED"]["recall"]["of"] == 5
    assert report["per_status"]["NO_AUDIT"]["precision"]["ci95"][1] == 1.0
    assert report["disagreements"] == []


def test_disagreements_are_listed_with_the_words_the_claim_was_read_from(
    sample_warehouse, tmp_path, capsys
):
    labels = tmp_path / "dip.csv"
    shutil.copy(DIP_SAMPLE, labels)
    text = labels.read_text()
    # The reviewer found the address searched in time, and no check claimed in entry 3.
    text = text.replace("CAD,ADDRESS,OUTSIDE_WINDOW", "CAD,ADDRESS,VERIFIED")
    text = text.replace(
        "HC-250214-0415,3,CAD,TELEPHONE,VERIFIED", "HC-250214-0415,3,CAD,TELEPHONE,NOT_A_CLAIM"
    )
    labels.write_text(text)
    assert main(["evaluate", "--labels", str(labels), "--warehouse", str(sample_warehouse)]) == 0
    out = capsys.readouterr().out
    assert "claims: precision                0.909  (10/11" in out
    assert "HC-250214-0412 seq 4 CAD:ADDRESS: pipeline OUTSIDE_WINDOW, reviewer VERIFIED" in out
    assert "HC-250214-0415 seq 3 CAD:TELEPHONE: pipeline VERIFIED, reviewer NOT_A_CLAIM" in out
    assert "read from " in out
