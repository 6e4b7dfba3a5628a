"""Writes claims_dev_families.csv from claims_dev_families.txt: a second development set for the
claims parser (issue 13), aimed at the families of false claims the blind evaluation found
(docs/claims-parser.md): subject words the vocabulary does not know (misspelt, or named after
the system in long sentences), hand-overs, deferrals, narrative that names a system but reports
no check, result-first phrasing, and mixed done / not done. Written and labelled from
shared/spec/claims.md alone, in several operators' styles, before the parser was changed for
them. A development set: the parser may be tuned on it; the blind set (claims_blind/) is never
read. The labels' notation is in claims_sets.py.

A check "ON" somebody other than the caller (the suspect, the partner, a male) is labelled a
check of the PERSON: claims.md says "the subject checked is the incident's, whatever the text
says". A subject word nobody listed is not "no subject named": it is never all three subjects.
"""

from claims_sets import write_set

if __name__ == "__main__":
    write_set("claims_dev_families", id_prefix="fam")
