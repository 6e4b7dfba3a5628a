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
    return {"records": len(records), "true_pairs": true_pairs, "predicted_pairs": predicted_pairs,
            "true_positive_pairs": tp, "precision": precision, "recall": recall, "f1": f1}


def read_truth(truth_dir: Path) -> dict[tuple[str, str], str]:
    with (truth_dir / "person_records.csv").open(encoding="utf-8") as handle:
        return {(r["source"], r["source_record_id"]): r["person_id"] for r in csv.DictReader(handle)}


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
