"""Writes claims_dev_families.csv: a second development set for the claims parser (issue 13),
aimed at the families of false claims the blind evaluation found (docs/claims-parser.md): subject
words the vocabulary does not know (misspelt, or named after the system in long sentences),
hand-overs, deferrals, narrative that names a system but reports no check, result-first phrasing,
and mixed done / not done. Written and labelled from shared/spec/claims.md alone, in several
operators' styles, before the parser was changed for them. A development set: the parser may be
tuned on it; the blind set (claims_blind/) is never read.

Labels as in make_claims_labelled.py: C("PNC PND", "P", "N") is PNC and PND on the person, no
trace; "*" is every subject the system can search (PNC: the person only).

One label is an interpretation of claims.md rather than its letter (kind `unknown_subject`): a
check "ON" somebody the vocabulary has no word for (the suspect, the partner, a male) names a
subject, so it is not "no subject named" and is not all three subjects; and it is not the
incident's caller, address or number either. It is labelled no claim (the parser lists it for
review instead of inventing a claim on the caller).
"""

import csv
from pathlib import Path

from make_claims_labelled import NONE, STD, C

ENTRIES = [
    # misspelt subject words, one slip from a listed one
    ("typo_subject", "NICHE ON CALER - NTR", C("RMS", "P", "N")),
    ("typo_subject", "pnd on mobiel no trace", C("PND", "T", "N")),
    ("typo_subject", "CAD HIST ON TELEPHNOE NIL", C("CAD", "T", "N")),
    ("typo_subject", "PNC ON NOMIANL NTR", C("PNC", "P", "N")),
    ("typo_subject", "Niche on vicitm - 2 prevs", C("RMS", "P", "T")),
    ("typo_subject", "RMS ON PREMSIES NTR", C("RMS", "A", "N")),
    ("typo_subject", "PND ON LOCATOIN - NO TRACE", C("PND", "A", "N")),
    ("typo_subject", "STORM HIST ON ADDRSES - 1 PREV", C("CAD", "A", "T")),
    ("typo_subject", "pnc/pnd on callr ntr", C("PNC PND", "P", "N")),
    ("typo_subject", "NICHE CHECKED ON TELEPHOEN NUMBER - NIL", C("RMS", "T", "N")),
    ("typo_subject", "PND ON NOMINAL AND ADRES NTR", C("PND", "PA", "N")),
    ("typo_subject", "CAD ON THE PROPERTY NTR", C("CAD", "A", "N")),
    # a subject named after the system or after the result, in long sentences
    (
        "verbose",
        "I HAVE CHECKED NICHE AND THERE ARE SEVERAL PREVIOUS DOMESTICS RECORDED FOR THE CALLER",
        C("RMS", "P", "T"),
    ),
    (
        "verbose",
        "Have carried out a search of Storm history which shows no previous calls to the address",
        C("CAD", "A", "N"),
    ),
    ("verbose", "CHECKED PND FOR THE CALLERS MOBILE, NOTHING FOUND", C("PND", "T", "N")),
    ("verbose", "HISTORY OF DV AT THE ADDRESS PER NICHE", C("RMS", "A", "T")),
    (
        "verbose",
        "PNC has been checked and the injured party is not known to police",
        C("PNC", "P", "N"),
    ),
    (
        "verbose",
        "NICHE RESEARCH COMPLETED - DA MARKERS HELD FOR THE VICTIM",
        C("RMS", "P", "T"),
    ),
    ("verbose", "Searched PND - no trace for the telephone number given", C("PND", "T", "N")),
    # subjects the vocabulary has no word for: no claim on the caller (see above)
    ("unknown_subject", "PND ON SUSPECT - NTR", NONE),
    ("unknown_subject", "NICHE ON PARTNER - 3 PREVS", NONE),
    ("unknown_subject", "pnc on the male ntr", NONE),
    ("unknown_subject", "NICHE ON IP NTR, PND ON SUSP - TRACE", C("RMS", "P", "N")),
    ("unknown_subject", "PND ON IP AND SUSPECT - NTR", C("PND", "P", "N")),
    # hand-overs and requests
    ("handover", "LOCAL POLICING TEAM TASKED WITH PND CHECKS", NONE),
    ("handover", "FORWARDED TO RESEARCHER FOR NICHE CHECKS ON IP", NONE),
    ("handover", "SGT TO CHECK PNC ON IP", NONE),
    ("handover", "OIC TO CONDUCT INTEL CHECKS ON ARRIVAL", NONE),
    ("handover", "please can someone check storm hist on addr", NONE),
    ("handover", "FAO INTEL DESK - PND ON CALLER", NONE),
    ("handover", "LEFT FOR DAY TEAM: NICHE CHECKS ON VICTIM", NONE),
    ("handover", "RESEARCHER ASKED TO RUN NICHE ON ADDR", NONE),
    ("handover", "Can you check PND for this number", NONE),
    ("handover", "NICHE CHECKS REQUESTED FROM MASH", NONE),
    ("handover", "PNC CHECK SENT OVER TO RESEARCHER", NONE),
    ("handover", "ALLOCATED TO INTEL UNIT FOR PNC/PND", NONE),
    ("handover", "PNC ON IP NTR, NICHE PASSED TO RESEARCHER", C("PNC", "P", "N")),
    ("handover", "CAD HIST ON LOC - NIL. DETECTIVE SGT WILL DO PND", C("CAD", "A", "N")),
    # deferrals, conditions, checks under way
    ("deferral", "NICHE CHECKS IN PROGRESS", NONE),
    ("deferral", "CHECKING PND NOW", NONE),
    ("deferral", "STORM HIST ON ADDR WHEN UNIT FREE", NONE),
    ("deferral", "WILL UPDATE WITH NICHE RESULTS", NONE),
    ("deferral", "RESULTS OF PND AWAITED", NONE),
    ("deferral", "PND CHECK NOT YET BACK", NONE),
    ("deferral", "intel checks after call", NONE),
    ("deferral", "ntr on pnc, niche to follow once back up", C("PNC", "P", "N")),
    ("deferral", "INTEL CHECKS OUTSTANDING", NONE),
    ("deferral", "LATES TO DO CAD HIST", NONE),
    ("deferral", "NICHE SEARCH ONCE SYSTEM RESTORED", NONE),
    ("deferral", "PND ON CALLER - RESULT TBC", NONE),
    ("deferral", "Attempting PNC on caller", NONE),
    ("deferral", "PNC ON IP - CHECKS ONGOING", NONE),
    # narrative that names a system or a check word but reports no intelligence check
    ("narrative", "CRIME REPORT RAISED ON NICHE BY OIC", NONE),
    ("narrative", "CALLER HAS A NICHE REF FROM LAST YEAR", NONE),
    ("narrative", "OCCURRENCE CREATED ON NICHE 45/1234/26", NONE),
    ("narrative", "STORM LOG UPDATED WITH DETAILS FROM CALLER", NONE),
    ("narrative", "IP SAYS POLICE HAVE HISTORY WITH HER EX", NONE),
    ("narrative", "CALLER MENTIONED PREVIOUS INCIDENTS WITH PARTNER", NONE),
    ("narrative", "DASH COMPLETED AND ATTACHED TO NICHE OCC", NONE),
    ("narrative", "OFFICERS SEARCHED THE GARDEN - NO TRACE OF MALE", NONE),
    ("narrative", "WELFARE CHECK ON CHILDREN DONE BY UNIT", NONE),
    ("narrative", "AREA SEARCH BY PATROLS NEGATIVE", NONE),
    ("narrative", "Units checked the street, nothing found", NONE),
    ("narrative", "NICHE NUMBER GIVEN TO CALLER FOR INSURANCE", NONE),
    ("narrative", "caller told the history of the relationship", NONE),
    ("narrative", "IP CHECKED ON BY NEIGHBOUR EARLIER", NONE),
    ("narrative", "CCTV CHECKED BY SHOP STAFF - NOTHING", NONE),
    # result first, system after
    ("result_first", "NTR ON PNC AND PND FOR CALLER", C("PNC PND", "P", "N")),
    (
        "result_first",
        "NIL ON NICHE FOR IP, 3 PREVS ON STORM FOR ADDR",
        C("RMS", "P", "N") + C("CAD", "A", "T"),
    ),
    ("result_first", "no trace - pnc on ip", C("PNC", "P", "N")),
    (
        "result_first",
        "2 PREVS ON CAD FOR THE ADDRESS, NOTHING ON PNC FOR IP",
        C("CAD", "A", "T") + C("PNC", "P", "N"),
    ),
    (
        "result_first",
        "NOTHING ON PND FOR IP. NICHE SHOWS HISTORY OF DV FOR CALLER",
        C("PND", "P", "N") + C("RMS", "P", "T"),
    ),
    ("result_first", "Nil trace PNC/PND on caller", C("PNC PND", "P", "N")),
    ("result_first", "TRACE ON NICHE FOR THE VICTIM", C("RMS", "P", "T")),
    # mixed done and not done
    (
        "mixed",
        "PNC AND NICHE ON IP NTR BUT PND NOT DONE",
        C("PNC RMS", "P", "N"),
    ),
    (
        "mixed",
        "PND ON CALLER NTR, NICHE NOT POSSIBLE, STORM HIST ON ADDR 1 PREV",
        C("PND", "P", "N") + C("CAD", "A", "T"),
    ),
    ("mixed", "checked pnc on ip (ntr) - niche timed out", C("PNC", "P", "N")),
    (
        "mixed",
        "NICHE DONE ON VICTIM NIL, UNABLE TO DO PND AS NO LOGIN",
        C("RMS", "P", "N"),
    ),
    ("mixed", "CAD HIST ADDR NIL / PNC - NO ACCESS", C("CAD", "A", "N")),
    ("mixed", "PND ON TEL NTR; NICHE WILL BE DONE BY LATES", C("PND", "T", "N")),
    # the standard check set, and plain entries that must stay claims
    ("standard_set", "ALL CHECKS ON CALLER NTR", C(STD, "P", "N")),
    ("standard_set", "full intel checks done on ip and addr - nil", C(STD, "PA", "N")),
    ("standard_set", "CHECKS COMPLETED - IP KNOWN TO POLICE", C(STD, "P", "T")),
    ("plain", "PND ON IP NTR", C("PND", "P", "N")),
    ("plain", "NICHE ON VIC AND ADDR - 4 PREVS", C("RMS", "PA", "T")),
    ("plain", "STORM HIST ON LOC NIL", C("CAD", "A", "N")),
    ("plain", "PNC DONE ON IP - NO TRACE", C("PNC", "P", "N")),
    ("plain", "pnd on callers no - nil", C("PND", "T", "N")),
    ("plain", "NICHE NTR", C("RMS", "*", "N")),
    ("plain", "PND CHECKED ON CALLER BY RESEARCHER - NTR", C("PND", "P", "N")),
]


def main() -> None:
    path = Path(__file__).with_name("claims_dev_families.csv")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "kind", "text", "claims"])
        for number, (kind, text, claims) in enumerate(ENTRIES, start=1):
            writer.writerow([f"fam{number:03d}", kind, text, ";".join(claims)])


if __name__ == "__main__":
    main()
