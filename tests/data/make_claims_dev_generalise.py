"""Writes claims_dev_generalise.csv from claims_dev_generalise.txt: the development set for the
parser's generalisation (issue 13), entries in operators' own styles labelled from
shared/spec/claims.md alone, each with the kind of phrasing it tests. A development set: the
parser may be tuned on it. The blind set that measures the parser is written by someone else and
never read by its authors. The labels' notation is in claims_sets.py.
"""

from claims_sets import write_set

if __name__ == "__main__":
    write_set("claims_dev_generalise", id_prefix="dev")
