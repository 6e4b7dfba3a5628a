"""Page latency of the review app over a published snapshot (docs/benchmarks.md).

    python -m dacall.review.bench --warehouse W [--repeat 20]

Serves the app in-process (FastAPI's TestClient: the whole request path, no network), logs
in a throwaway user against a throwaway database, and times the queue page (unfiltered and
filtered) and the case pages of the top incidents. Prints medians and the slowest, in ms.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGETS_MS = {"queue": 500, "case": 300}


def _timed(client, path: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append(1000 * (time.perf_counter() - started))
        assert response.status_code == 200, (path, response.status_code)
    return times


def measure(warehouse: Path, repeat: int = 20) -> dict[str, list[float]]:
    from fastapi.testclient import TestClient

    from dacall.review import auth
    from dacall.review.app import Settings, create_app
    from dacall.review.snapshot import snapshot_path
    from dacall.warehouse import connect

    snapshot = snapshot_path(warehouse)
    con = connect(snapshot, read_only=True)
    try:
        top = [
            r[0]
            for r in con.execute(
                "select incident_urn from marts.fct_review_queue order by queue_position limit 5"
            ).fetchall()
        ]
        team = con.execute(
            "select team from marts.fct_review_queue group by 1 order by count(*) desc limit 1"
        ).fetchone()[0]
    finally:
        con.close()
    with tempfile.TemporaryDirectory() as folder:
        users = Path(folder) / "users.json"
        auth.add_user(users, "bench", "viewer", "bench password 123")
        app = create_app(Settings(snapshot, f"sqlite:///{Path(folder) / 'review.sqlite3'}", users))
        client = TestClient(app, follow_redirects=False)
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        client.post(
            "/login",
            data={"username": "bench", "password": "bench password 123", "csrf_token": token[1]},
        )
        client.get("/")  # first request opens the snapshot
        results = {
            "queue": _timed(client, "/", repeat),
            "queue filtered (P2, busiest team, PNC)": _timed(
                client, f"/?band=P2&team={team}&system=PNC", repeat
            ),
            "case": [t for urn in top for t in _timed(client, f"/case/{urn}", repeat)],
        }
        app.state.snapshot.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dacall.review.bench", description=__doc__)
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    results = measure(args.warehouse, args.repeat)
    print("| page | requests | median ms | slowest ms | target ms |")
    print("|---|---:|---:|---:|---:|")
    met = True
    for page, times in results.items():
        target = TARGETS_MS["case" if page.startswith("case") else "queue"]
        median = statistics.median(times)
        met &= median < target
        print(f"| {page} | {len(times)} | {median:.0f} | {max(times):.0f} | {target} |")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
