"""Writes claims_dev_generalise.csv: the development set for the parser's generalisation (issue
13), entries in operators' own styles labelled from shared/spec/claims.md alone, each with the
kind of phrasing it tests. A development set: the parser may be tuned on it. The blind set that
measures the parser is written by someone else and never read by its authors.

Labels as in make_claims_labelled.py: C("PNC PND", "P", "N") is PNC and PND on the person, no
trace; "*" is every subject the system can search (PNC: the person only).
"""

import csv
from pathlib import Path

from make_claims_labelled import ALL, NONE, STD, C

ENTRIES = [
    # future and modal forms: not (yet) done
    ("deferral", "DAY SHIFT TO COMPLETE INTEL CHECKS", NONE),
    ("deferral", "CHECKS TO FOLLOW ONCE UNIT ON SCENE", NONE),
    ("deferral", "PNC TO FOLLOW", NONE),
    ("deferral", "WILL DO PND CHECKS WHEN TIME ALLOWS", NONE),
    ("deferral", "NICHE CHECKS TO BE CARRIED OUT BY LATES", NONE),
    ("deferral", "intel checks will be completed after call", NONE),
    ("deferral", "ONCE CALLER DETAILS CONFIRMED WILL RUN PNC", NONE),
    ("deferral", "IF TIME PERMITS CHECK STORM HIST ON ADDR", NONE),
    ("deferral", "CAD HIST ON ADDRESS TO BE REVIEWED BY CONTROLLER", NONE),
    ("deferral", "AWAITING RESEARCHER RESULTS ON NICHE", NONE),
    ("deferral", "STILL AWAITING PND", NONE),
    ("deferral", "PND SEARCH TO BE ACTIONED", NONE),
    ("deferral", "CHECKS SHOULD BE DONE BY OIC", NONE),
    ("deferral", "NEED TO CHECK NICHE FOR SUSPECT", NONE),
    ("deferral", "PNC NTR. PND TO FOLLOW", C("PNC", "*", "N")),
    ("deferral", "CAD HIST ON ADDR NIL - NICHE CHECKS TO FOLLOW", C("CAD", "A", "N")),
    ("deferral", "Going to check PNC now", NONE),
    ("deferral", "INTEL CHECKS TO BE COMPLETED ASAP", NONE),
    # impossibility and the reasons a check could not happen
    ("impossibility", "NICHE UNAVAILABLE - PND ON CALLER NTR", C("PND", "P", "N")),
    ("impossibility", "PNC OFFLINE, NO CHECKS POSSIBLE", NONE),
    ("impossibility", "NICHE DOWN", NONE),
    ("impossibility", "STORM HISTORY NOT AVAILABLE", NONE),
    ("impossibility", "PND NOT WORKING - UNABLE TO SEARCH", NONE),
    ("impossibility", "NO PND ACCESS ON THIS TERMINAL", NONE),
    ("impossibility", "CHECKS NOT POSSIBLE AS NO NAME GIVEN", NONE),
    ("impossibility", "CANNOT SEARCH NICHE - LOGIN FAILING", NONE),
    ("impossibility", "PNC OFFLINE. NICHE ON IP - 2 PREVS", C("RMS", "P", "T")),
    ("impossibility", "PND IS DOWN, PNC ON IP NTR", C("PNC", "P", "N")),
    ("impossibility", "niche unavailable so cad hist only - nil", C("CAD", "*", "N")),
    ("impossibility", "NO CHECKS - CALLER WOULD NOT GIVE NAME", NONE),
    ("impossibility", "UNABLE TO RUN CHECKS AS CALLER HUNG UP", NONE),
    ("impossibility", "NICHE HAS BEEN UNAVAILABLE ALL SHIFT", NONE),
    ("impossibility", "STORM HIST NTR. PNC NOT AVAILABLE DUE TO IT OUTAGE", C("CAD", "*", "N")),
    # requests and hand-overs
    ("handover", "OIC TO CHECK PND ON SUSPECT", NONE),
    ("handover", "RESEARCHER TO CHECK NICHE", NONE),
    ("handover", "PASSED TO INTEL DESK FOR CHECKS", NONE),
    ("handover", "PNC REQUESTED FROM BUREAU", NONE),
    ("handover", "CHECKS PASSED TO DAY SHIFT", NONE),
    ("handover", "SUPERVISOR ASKED TO DO PND CHECK", NONE),
    ("handover", "CONTROLLER TO COMPLETE PNC", NONE),
    ("handover", "Asked researcher for niche checks on ip", NONE),
    ("handover", "PNC ON IP NTR. RESEARCHER TO CHECK PND", C("PNC", "P", "N")),
    ("handover", "HANDED TO INTEL UNIT - PND/NICHE", NONE),
    ("handover", "REQUESTED PND VIA RESEARCH TEAM", NONE),
    # one system done, another not, in one entry
    ("mixed", "PNC ON CALLER NTR, NICHE NOT CHECKED", C("PNC", "P", "N")),
    ("mixed", "NICHE NTR BUT PND UNAVAILABLE", C("RMS", "*", "N")),
    ("mixed", "CAD HIST ON ADDR 2 PREVS - PNC DOWN", C("CAD", "A", "T")),
    ("mixed", "PND OFFLINE; CAD HIST ON TEL NIL", C("CAD", "T", "N")),
    ("mixed", "PNC AND NICHE ON IP NTR. PND TO FOLLOW", C("PNC RMS", "P", "N")),
    ("mixed", "NICHE ON ADDR - NTR, PNC ON IP NOT DONE - NO ACCESS", C("RMS", "A", "N")),
    ("mixed", "PND CHECKS PENDING, NICHE ON IP NIL", C("RMS", "P", "N")),
    # counts before or after their noun
    ("count", "PREVS AT ADDRESS: 4", C("CAD", "A", "T")),
    ("count", "PREVS: 3", C("CAD", "*", "T")),
    ("count", "STORM HIST - PREVS 2", C("CAD", "*", "T")),
    ("count", "NICHE ON IP - OCCURRENCES: 5", C("RMS", "P", "T")),
    ("count", "CAD HIST ON ADDR - DOMESTICS X3", C("CAD", "A", "T")),
    ("count", "PREVIOUS INCIDENTS AT LOCATION = 2", C("CAD", "A", "T")),
    ("count", "PND ON IP - HITS: 1", C("PND", "P", "T")),
    ("count", "CAD HIST ON ADDR - PREVS: 0", C("CAD", "A", "N")),
    ("count", "NICHE ON IP 0 TRACES", C("RMS", "P", "N")),
    ("count", "3 PREVS AT ADDRESS ON STORM", C("CAD", "A", "T")),
    # NO / NIL / NONE before a history word
    ("no_history", "NICHE ON IP - NO HISTORY", C("RMS", "P", "N")),
    ("no_history", "CAD HIST ON ADDR - NO PREVIOUS INCIDENTS", C("CAD", "A", "N")),
    ("no_history", "PND ON CALLER - NIL HISTORY", C("PND", "P", "N")),
    ("no_history", "STORM ON ADDRESS - NONE", C("CAD", "A", "N")),
    ("no_history", "NICHE: NO PREVIOUS DOMESTICS FOR IP", C("RMS", "P", "N")),
    ("no_history", "PNC ON IP - NO RECORD", C("PNC", "P", "N")),
    ("no_history", "NICHE ON ADDRESS - NO OCCURRENCES", C("RMS", "A", "N")),
    ("no_history", "CAD HISTORY ON NUMBER - NIL PREVS", C("CAD", "T", "N")),
    ("no_history", "NICHE ON IP - NOT KNOWN", C("RMS", "P", "N")),
    ("no_history", "NICHE CHECKED ON IP - NO DOMESTIC HISTORY", C("RMS", "P", "N")),
    # positives in plain words
    ("plain_positive", "NICHE ON IP - SEVERAL DOMESTICS LOGGED", C("RMS", "P", "T")),
    ("plain_positive", "PNC ON IP - KNOWN TO POLICE", C("PNC", "P", "T")),
    ("plain_positive", "NICHE ON CALLER - REPEAT VICTIM", C("RMS", "P", "T")),
    ("plain_positive", "STORM HIST ON ADDRESS - MULTIPLE PREVIOUS CALLS", C("CAD", "A", "T")),
    ("plain_positive", "NICHE ON IP - NUMEROUS DA OCCURRENCES", C("RMS", "P", "T")),
    ("plain_positive", "PND ON IP - LINKED TO SUSPECT IN PREVIOUS DA", C("PND", "P", "T")),
    ("plain_positive", "CAD HIST ON ADDR - MANY PREVS", C("CAD", "A", "T")),
    ("plain_positive", "NICHE ON IP - VICTIM OF DA PREVIOUSLY", C("RMS", "P", "T")),
    ("plain_positive", "PNC ON IP - WARNING SIGNALS FOR VIOLENCE", C("PNC", "P", "T")),
    ("plain_positive", "NICHE ON ADDRESS - A FEW DOMESTICS", C("RMS", "A", "T")),
    # the result before the system
    ("result_first", "NTR ON PNC FOR IP", C("PNC", "P", "N")),
    ("result_first", "NIL TRACE ON NICHE", C("RMS", "*", "N")),
    ("result_first", "2 PREVS ON CAD HIST FOR ADDRESS", C("CAD", "A", "T")),
    ("result_first", "NO TRACE ON PND FOR CALLER OR NUMBER", C("PND", "PT", "N")),
    ("result_first", "nothing on niche for the address", C("RMS", "A", "N")),
    # verbose and several sentences
    (
        "verbose",
        "I have completed checks on PNC and PND for the caller and there is no trace.",
        C("PNC PND", "P", "N"),
    ),
    (
        "verbose",
        "Checked the address on STORM. There are 2 previous domestic incidents there.",
        C("CAD", "A", "T"),
    ),
    (
        "verbose",
        "Caller very upset. Niche checked on her name - nothing found. Units en route.",
        C("RMS", "P", "N"),
    ),
    (
        "verbose",
        "HAVE DONE A PND CHECK ON THE CALLERS MOBILE - NEGATIVE RESULT",
        C("PND", "T", "N"),
    ),
    (
        "verbose",
        "Research complete: PNC nil, Niche shows 1 prev DA",
        C("PNC", "*", "N") + C("RMS", "*", "T"),
    ),
    (
        "verbose",
        "SUSPECT ON SCENE. PNC CHECKED ON IP NTR. DASH TO BE DONE BY OFFICERS",
        C("PNC", "P", "N"),
    ),
    # terse
    ("terse", "PNC IP NTR", C("PNC", "P", "N")),
    ("terse", "NICHE ADDR NIL", C("RMS", "A", "N")),
    ("terse", "STORM TEL NEG", C("CAD", "T", "N")),
    ("terse", "PND IP TRACE", C("PND", "P", "T")),
    ("terse", "PNC/PND/NICHE NTR", C("PNC PND RMS", "*", "N")),
    # lower case and typos
    ("lower_typo", "nicche on ip ntr", C("RMS", "P", "N")),
    ("lower_typo", "pnc chekced on caller nil", C("PNC", "P", "N")),
    ("lower_typo", "strom hist on addr - 2 prevs", C("CAD", "A", "T")),
    ("lower_typo", "intel chceks complete - nil", C(STD, ALL, "N")),
    ("lower_typo", "PDN ON IP NTR", C("PND", "P", "N")),
    ("lower_typo", "niche on adress no trace", C("RMS", "A", "N")),
    # no check at all
    ("no_check", "CALLER STATES EX HAS A HISTORY OF VIOLENCE", NONE),
    ("no_check", "IP HAS NO INJURIES", NONE),
    ("no_check", "UNIT 2C3 ASSIGNED", NONE),
    ("no_check", "CALL BACK - NO ANSWER", NONE),
    ("no_check", "DASH RISK ASSESSMENT - MEDIUM", NONE),
    ("no_check", "CHILDREN PRESENT AT ADDRESS", NONE),
    ("no_check", "SUSPECT LEFT LOCATION ON FOOT", NONE),
    ("no_check", "CALLER KNOWN TO HAVE MENTAL HEALTH ISSUES PER NEIGHBOUR", NONE),
    ("no_check", "CALLER REPORTS 3 PREVIOUS ASSAULTS NOT REPORTED", NONE),
]


def main() -> None:
    path = Path(__file__).with_name("claims_dev_generalise.csv")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "kind", "text", "claims"])
        for number, (kind, text, claims) in enumerate(ENTRIES, start=1):
            writer.writerow([f"dev{number:03d}", kind, text, ";".join(claims)])


if __name__ == "__main__":
    main()
