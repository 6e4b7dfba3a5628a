"""Writes claims_labelled.csv from claims_labelled.txt: log entries written the many ways
handlers write them, each labelled by hand under the rules of shared/spec/claims.md (standard
check set RMS and CAD; no subject named means every subject the system can search, so PNC alone
means PERSON). The labels' notation is in claims_sets.py. Run it to rewrite the CSV after adding
entries.
"""

from claims_sets import write_set

if __name__ == "__main__":
    write_set("claims_labelled")
