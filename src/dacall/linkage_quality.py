"""Pairwise linkage quality against the generator's answer key (truth/person_records.csv)."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_quality(links: dict[tuple[str, str], str], truth: dict[tuple[str, str], str]) -> dict:
    """Precision, recall and F1 of the pairs of records put in one cluster.

    `links` and `truth` map (source, source_record_id) to a cluster and a true person; only
    records present in both are counted.
    """
    records = links.keys() & truth.keys()
    predicted = Counter(links[r] for r in records)
    actual = Counter(truth[r] for r in records)
    both = Counter((links[r], truth[r]) for r in records)
    tp = sum(_pairs(n) for n in both.values())
    predicted_pairs = sum(_pairs(n) for n in predicted.values())
    true_pairs = sum(_pairs(n) for n in actual.values())
    precision = tp / predicted_pairs if predicted_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "records": len(records),
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
        "true_positive_pairs": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def read_truth(truth_dir: Path) -> dict[tuple[str, str], str]:
    with (truth_dir / "person_records.csv").open(encoding="utf-8") as handle:
        return {
            (r["source"], r["source_record_id"]): r["person_id"] for r in csv.DictReader(handle)
        }


def exact_match_baseline(records) -> dict[tuple[str, str], str]:
    """The obvious alternative: records agree exactly on folded surname, first initial and date
    of birth (or, without a date of birth, surname, initial and telephone)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    keys = {}
    for source, record_id, surname, forename, dob, phone in records:
        node = f"{source}|{record_id}"
        find(node)
        initial = (forename or "")[:1]
        for key in ((surname, initial, "dob", dob), (surname, initial, "tel", phone)):
            if key[0] and key[3]:
                if key in keys:
                    union(node, keys[key])
                else:
                    keys[key] = node
    return {tuple(node.split("|", 1)): find(node) for node in parent}


def report(warehouse: Path, truth_dir: Path) -> str:
    """Markdown for docs/linkage.md: quality beside the exact-match baseline, and the
    uncertain pairs near the threshold with their evidence (record ids and field agreement,
    no names)."""
    import time

    import duckdb

    from dacall.linkage import link_records
    from dacall.settings import load_yaml

    truth = read_truth(truth_dir)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        links = {
            (s, r): k
            for s, r, k in con.execute(
                "select source, source_record_id, person_key from marts.bridge_person_records"
            ).fetchall()
        }
        records = con.execute(
            "select source, source_record_id, surname_key, forename_key, cast(dob as varchar), "
            "phone_e164 from intermediate.int_person_records"
        ).fetchall()
        arrow_records = con.sql("select * from intermediate.int_person_records").to_arrow_table()
    finally:
        con.close()
    started = time.perf_counter()
    _, summary = link_records(arrow_records)
    seconds = time.perf_counter() - started
    splink = pairwise_quality(links, truth)
    baseline = pairwise_quality(exact_match_baseline(records), truth)
    threshold = load_yaml("linkage.yml")["match_threshold"]
    lines = [
        f"Threshold {threshold}; {splink['records']:,} records; linkage ran in {seconds:.0f} s.",
        "",
        "| method | precision | recall | F1 | pairs linked | true pairs |",
        "|---|---|---|---|---|---|",
    ]
    for name, q in (("Splink (dacall.linkage)", splink), ("exact match baseline", baseline)):
        lines.append(
            f"| {name} | {q['precision']:.4f} | {q['recall']:.4f} | {q['f1']:.4f} | "
            f"{q['predicted_pairs']:,} | {q['true_pairs']:,} |"
        )
    lines += [
        "",
        "Uncertain pairs nearest the threshold, with the evidence of each field as a "
        "match weight (log2 Bayes factor: positive agrees, negative disagrees, 0 missing) "
        "and whether the answer key says they are one person:",
        "",
        "| record | record | probability | forename | surname | date of birth | postcode | "
        "telephone | truly the same |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for left, right, probability, *weights in summary["review_pairs"][:15]:
        same = truth.get(tuple(left.split("|", 1))) == truth.get(tuple(right.split("|", 1)))
        left, right = left.replace("|", " "), right.replace("|", " ")
        lines.append(
            f"| {left} | {right} | {probability:.3f} | "
            + " | ".join(f"{w:+.1f}" for w in weights)
            + f" | {'yes' if same else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:  # pragma: no cover - python -m dacall.linkage_quality WAREHOUSE TRUTH_DIR
    import sys

    print(report(Path(sys.argv[1]), Path(sys.argv[2])))


if __name__ == "__main__":
    main()
