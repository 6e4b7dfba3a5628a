"""The repository stands on its own: a clone anywhere, with nothing beside it, has all it needs."""

from __future__ import annotations

import re
import subprocess

from dacall.settings import PROJECT_ROOT

# Absolute paths that only exist on some developer's machine, and the team's spec folder that
# sits beside the repository on theirs.
MACHINE_PATH = re.compile(r"(?<![\w.])(/work/|/home/\w|/root/|/Users/\w|\.\./shared\b)")


def tracked() -> list[tuple[str, str]]:
    """(mode, path) of every file git tracks."""
    out = subprocess.run(
        ["git", "ls-files", "-s", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
    ).stdout.decode()
    rows = []
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        rows.append((meta.split()[0], path))
    return rows


def test_no_symbolic_link_is_tracked():
    links = [path for mode, path in tracked() if mode == "120000"]
    assert not links, f"tracked symbolic links (dangling on any other machine): {links}"


def test_no_path_of_a_developers_machine_is_named():
    offenders = []
    for _, path in tracked():
        file = PROJECT_ROOT / path
        if path in ("requirements.lock", "tests/test_repository.py") or not file.is_file():
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # byte-exact fixtures in Windows-1252
        for number, line in enumerate(text.splitlines(), 1):
            if MACHINE_PATH.search(line):
                offenders.append(f"{path}:{number}: {line.strip()[:100]}")
    assert not offenders, "\n".join(offenders)


def test_the_checker_sees_what_it_is_for():
    assert MACHINE_PATH.search("see /work/main/data")
    assert MACHINE_PATH.search("SPEC = '../shared/spec'")
    assert not MACHINE_PATH.search("url = http://x/work/y and ./data/landing")
