"""`make bench` holds the last days of a landing back, to deliver them a night at a time."""

from __future__ import annotations

import shutil
from datetime import date

import pytest

from dacall.bench import hold_back_last_days


def test_the_last_days_files_are_held_back_by_day_and_the_rest_stay(tmp_path):
    landing = tmp_path / "landing"
    names = {
        "audit_rms": ["RMS_AUDIT_20250103.csv", "RMS_AUDIT_20250104.csv", "RMS_AUDIT_20250105.csv"],
        "cc_log": ["cc_log_2025-01-04.jsonl", "cc_log_2025-01-05.jsonl"],
        "partner_vs": ["vs_2025-01-02.csv"],
    }
    for feed, files in names.items():
        (landing / feed).mkdir(parents=True)
        for name in files:
            (landing / feed / name).write_text(name)

    held = hold_back_last_days(tmp_path, date(2025, 1, 5), nights=2)

    assert held == 4
    remaining = sorted(p.name for p in landing.glob("*/*"))
    assert remaining == ["RMS_AUDIT_20250103.csv", "vs_2025-01-02.csv"]
    by_day = {
        day.name: sorted(f"{p.parent.name}/{p.name}" for p in day.glob("*/*"))
        for day in (tmp_path / "held").iterdir()
    }
    assert by_day == {
        "2025-01-04": ["audit_rms/RMS_AUDIT_20250104.csv", "cc_log/cc_log_2025-01-04.jsonl"],
        "2025-01-05": ["audit_rms/RMS_AUDIT_20250105.csv", "cc_log/cc_log_2025-01-05.jsonl"],
    }
    # Moved, not copied: each file's content went with it.
    assert (tmp_path / "held/2025-01-05/cc_log/cc_log_2025-01-05.jsonl").read_text() == (
        "cc_log_2025-01-05.jsonl"
    )


def test_the_histories_nights_are_taken_in_turn_and_each_gets_its_median(tmp_path, monkeypatch):
    from dacall import bench

    for days in (365, 1825):
        for day in ("2025-01-04", "2025-01-05", "2025-01-06"):
            held = tmp_path / f"scale-1-days-{days}" / "held" / day / "audit_rms"
            held.mkdir(parents=True)
            (held / f"RMS_AUDIT_{day}.csv").write_text("x")
    calls = []

    def night(stage, scale, days, out, number):
        # As the nightly stage does: a night delivers the first day still held back.
        if number:
            shutil.rmtree(min((out / "held").iterdir()))
        calls.append((days, number))
        seconds = {365: 10.0, 1825: 14.0}[days] + len(calls)
        return {
            "seconds": seconds,
            "steps": {"ingest": 1.0},
            "delivered": 1,
            "full_refresh": False,
            "peak_mib": 100.0 * len(calls),
        }

    monkeypatch.setattr(bench, "run_stage", night)
    results = bench.run_nights(1.0, [365, 1825], tmp_path)

    assert calls == [
        (365, 0),
        (1825, 0),
        (365, 1),
        (1825, 1),
        (1825, 1),
        (365, 1),
        (365, 1),
        (1825, 1),
    ]
    assert results[365]["nights"] == [13.0, 16.0, 17.0]
    assert results[365]["seconds"] == 16.0  # the median night
    assert results[1825]["nights"] == [18.0, 19.0, 22.0]
    assert results[1825]["night_before_seconds"] == 16.0
    assert results[1825]["peak_mib"] == 800.0  # the highest of its nights, the night before too


def test_a_history_with_no_day_held_back_is_refused(tmp_path):
    from dacall import bench

    (tmp_path / "scale-1-days-365" / "held").mkdir(parents=True)
    with pytest.raises(SystemExit, match="no day held back"):
        bench.run_nights(1.0, [365], tmp_path)
