"""`make bench` holds the last days of a landing back, to deliver them a night at a time."""

from __future__ import annotations

from datetime import date

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
