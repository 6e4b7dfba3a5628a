"""Writes claims_labelled.csv: log entries written the many ways handlers write them, each
labelled by hand under the rules of shared/spec/claims.md (standard check set RMS and CAD; no
subject named means every subject the system can search, so PNC alone means PERSON).

Kept as code so the labels stay readable: C("PNC PND", "P", "N") is PNC and PND on the person,
no trace. Run it to rewrite the CSV after adding entries.
"""

import csv
from pathlib import Path

SUBJECTS = {"P": "PERSON", "A": "ADDRESS", "T": "TELEPHONE"}
RESULTS = {"N": "NO_TRACE", "T": "TRACE", "U": "UNSTATED"}
STD = "RMS CAD"
ALL = "PAT"


def C(systems: str, subjects: str, result: str) -> list[str]:
    out = []
    for system in systems.split():
        subs = subjects
        if subjects == "*":  # no subject named: what the system can search
            subs = "P" if system == "PNC" else ALL
        out += [f"{system}:{SUBJECTS[s]}:{RESULTS[result]}" for s in subs]
    return out


NONE: list[str] = []
ENTRIES = [
    ("PNC CHECKED ON IP - NTR", C("PNC", "P", "N")),
    ("pnc on ip ntr", C("PNC", "P", "N")),
    ("PND CHECKS ON NAME AND ADDRESS - NO TRACE", C("PND", "PA", "N")),
    ("NICHE CHECKS ON NOMINAL - 4 PREVS", C("RMS", "P", "T")),
    ("NICHE CHEKCS ON NOMINAL NTR", C("RMS", "P", "N")),
    ("CAD HIST ON ADDR - 2 PREVIOUS DOMESTICS", C("CAD", "A", "T")),
    ("STORM HIST ON TEL NO TRACE", C("CAD", "T", "N")),
    ("PREVIOUS INCIDENTS AT LOC - NIL", C("CAD", "A", "N")),
    ("ALL INTEL CHECKS COMPLETED - NTR", C(STD, ALL, "N")),
    ("intel checks complete, nothing of note", C(STD, ALL, "N")),
    ("CHECKS COMPLETED ON VICTIM ONLY - NIL", C(STD, "P", "N")),
    ("PNC/PND ON VIC - NEGATIVE", C("PNC PND", "P", "N")),
    ("PNC AND PND CHECKS ON INJURED PARTY: NO TRACE", C("PNC PND", "P", "N")),
    ("RMS CHECK ON CALLER - MARKERS FOR DA VICTIM", C("RMS", "P", "T")),
    ("LOCAL INTEL ON ADDRESS - FLAGGED", C("RMS", "A", "T")),
    ("NICHE ON TEL - NIL", C("RMS", "T", "N")),
    ("NICHE ON MOBILE NO - 1 TRACE", C("RMS", "T", "T")),
    ("CAD HISTORY ON CALLERS NUMBER - 3 PREVS", C("CAD", "T", "T")),
    ("PNC NOT CHECKED - NO ACCESS", NONE),
    ("UNABLE TO CHECK NICHE, SYSTEM DOWN", NONE),
    ("PND CHECKS TO BE COMPLETED BY OIC", NONE),
    ("CHECKS TBC BY DAY SHIFT", NONE),
    ("REQUEST PNC CHECKS ON SUSPECT", NONE),
    ("NO CHECKS AS CALLER WOULD NOT GIVE DETAILS", NONE),
    ("CHECKS PENDING", NONE),
    ("PNC DONE. PND PENDING.", C("PNC", "*", "U")),
    ("PNC ON IP NTR, PND ON IP NTR", C("PNC PND", "P", "N")),
    ("PNC ON IP NTR; NICHE ON ADDR 2 PREVS", C("PNC", "P", "N") + C("RMS", "A", "T")),
    ("NICHE AND CAD HIST ON NAME/ADDR/TEL - NTR", C("RMS CAD", ALL, "N")),
    ("pnd chks on tel - neg", C("PND", "T", "N")),
    ("Intel checks done on caller, address and phone - all negative", C(STD, ALL, "N")),
    ("CALLER'S NO CHECKED ON STORM - NIL", C("CAD", "T", "N")),
    ("UPRN CHECKED ON CAD - 5 PREVS", C("CAD", "A", "T")),
    ("ADDRESS HISTORY CHECKED - NIL", C("CAD", "A", "N")),
    ("PNC CHECK COMPLETED ON SUSPECT", C("PNC", "*", "U")),
    ("NICHE - 3 DOMESTIC OCCURRENCES", C("RMS", "*", "T")),
    ("CHECKS ON ADDRESS SHOW 2 PREVS", C(STD, "A", "T")),
    ("PREVS ON ADDRESS - NIL", C("CAD", "A", "N")),
    ("PREVS X3 AT ADDRESS", C("CAD", "A", "T")),
    ("Niche: nil trace on IP or address", C("RMS", "PA", "N")),
    ("checks done - victim has DA marker on niche", C("RMS", "P", "T")),
    (
        "PNC - NO TRACE. PND - NO TRACE. NICHE - 2 PREVS FOR DA",
        C("PNC", "*", "N") + C("PND", "*", "N") + C("RMS", "*", "T"),
    ),
    ("PNC/PND/NICHE/CAD ALL CHECKED ON IP - NTR", C("PNC PND RMS CAD", "P", "N")),
    ("SEARCHES COMPLETED ON NAME AND ADDRESS, NOTHING TRACED", C(STD, "PA", "N")),
    ("INTEL RESEARCH DONE - NO HISTORY", C(STD, ALL, "N")),
    ("research on caller's number: nil", C(STD, "T", "N")),
    ("PNC CHECKD ON IP NTR", C("PNC", "P", "N")),
    ("NICHE CHECKED ADRESS - NIL", C("RMS", "A", "N")),
    ("CAD HISTROY ON TEL - NIL", C("CAD", "T", "N")),
    ("PNC ON IP - NTR. CAD HIST NOT CHECKED, SYSTEM DOWN", C("PNC", "P", "N")),
    ("PND UNABLE TO CHECK - NO ACCESS. NICHE ON IP NTR", C("RMS", "P", "N")),
    ("INTEL CHECKS TO BE DONE WHEN SYSTEMS BACK UP", NONE),
    ("OIC TO CHECK PNC ON ARRIVAL", NONE),
    ("AWAITING PND RESULTS", NONE),
    ("WILL CHECK NICHE SHORTLY", NONE),
    ("PNC CHECKS NOT YET DONE", NONE),
    ("CALLER STATES NO PREVIOUS INCIDENTS WITH PARTNER", NONE),
    ("VERBAL ARGUMENT ONLY, NO INJURIES", NONE),
    ("UNIT 4A1 ON SCENE", NONE),
    ("GRADED 1 - HIGH RISK MARKER ON ADDRESS", NONE),
    (
        "CHECKS: PNC NTR, PND NTR, NICHE 2 PREVS, CAD NIL",
        C("PNC", "*", "N") + C("PND", "*", "N") + C("RMS", "*", "T") + C("CAD", "*", "N"),
    ),
    ("Done checks on IP - PNC & PND negative", C("PNC PND", "P", "N")),
    ("PNC (IP) - NTR", C("PNC", "P", "N")),
    ("PNC: TRACE FOR ASSAULT 2019", C("PNC", "*", "T")),
    ("PND: 2 HITS, BOTH DA", C("PND", "*", "T")),
    ("STORM: 6 PREVS AT ADDRESS", C("CAD", "A", "T")),
    ("LOCAL INTELLIGENCE CHECKED ON PREMISES - NIL", C("RMS", "A", "N")),
    ("INTEL SYSTEMS CHECKED ON IP AND TEL - NTR", C("RMS", "PT", "N")),
    ("C&C HISTORY ON ADDRESS - NIL", C("CAD", "A", "N")),
    ("COMMAND AND CONTROL HISTORY ON LOC - 1 PREV", C("CAD", "A", "T")),
    ("PNC ON ADDR NTR", C("PNC", "A", "N")),
    ("PNC ON TEL - NTR", C("PNC", "T", "N")),
    ("PND LOCATION SEARCH - NIL", C("PND", "A", "N")),
    ("pnd person search - no trace", C("PND", "P", "N")),
    ("RMS TELEPHONE SEARCH: NEGATIVE", C("RMS", "T", "N")),
    ("CAD NAME SEARCH - 2 PREVS", C("CAD", "P", "T")),
    ("CAD UPRN SEARCH - NIL", C("CAD", "A", "N")),
    ("SUPERVISOR: CHECKS REVIEWED, GRADE 2 APPROPRIATE", NONE),
    ("chx done ntr", C(STD, ALL, "N")),
    ("PNC + PND ON IP NTR", C("PNC PND", "P", "N")),
    ("PNC,PND ON IP NTR", C("PNC PND", "P", "N")),
    ("Niche on IP: DA victim marker, 3 prevs", C("RMS", "P", "T")),
    ("ALL SYSTEMS CHECKED - NTR", C(STD, ALL, "N")),
    ("PNC CHECKED - NO TRACE ON IP", C("PNC", "P", "N")),
    ("NEGATIVE PNC ON IP", C("PNC", "P", "N")),
    ("PND - N T R", C("PND", "*", "N")),
    ("IP NOT KNOWN TO PNC", C("PNC", "P", "N")),
    ("IP KNOWN TO NICHE FOR DA", C("RMS", "P", "T")),
    ("PNC/PND CHECKS ON IP AND SUSPECT - NTR", C("PNC PND", "P", "N")),
    ("PREVS CHECKED - NIL", C("CAD", "*", "N")),
    ("HISTORY CHECKED ON ADDRESS - 2 PREV DOMESTICS", C("CAD", "A", "T")),
    ("NICHE ON IP - HISTORY OF DA AS VICTIM", C("RMS", "P", "T")),
    ("STORM HISTORY ON LOC: HISTORY OF DOMESTICS", C("CAD", "A", "T")),
    ("CAD HIST NTR", C("CAD", "*", "N")),
    ("NICHE NTR", C("RMS", "*", "N")),
    ("PNC NTR", C("PNC", "*", "N")),
    ("PND NTR", C("PND", "*", "N")),
    ("pnc pnd niche all ntr", C("PNC PND RMS", "*", "N")),
    ("LOCAL INTEL - POSITIVE, SEE OCC 24/118822", C("RMS", "*", "T")),
    ("INTEL: NIL", C(STD, ALL, "N")),
    ("CHECKS ON VIC NTR", C(STD, "P", "N")),
    ("CHECKS ON VIC AND ADDR - NIL TRACE", C(STD, "PA", "N")),
    ("CHECKS ON TEL NUMBER - NIL", C(STD, "T", "N")),
    ("CHECKS: NIL", C(STD, ALL, "N")),
    ("PNC REQUESTED VIA RESEARCHER - PENDING", NONE),
    ("RESEARCHER CHECKED NICHE ON IP - NTR", C("RMS", "P", "N")),
    ("Unable to do PND checks - no access rights", NONE),
    ("PND CHECKS NOT POSSIBLE - NO ACCESS", NONE),
    ("PNC ON IP NTR BUT PND NOT DONE", C("PNC", "P", "N")),
    ("PNC NTR - PND NOT CHECKED (NO ACCESS)", C("PNC", "*", "N")),
    ("PNC AND PND NOT CHECKED", NONE),
    ("NICHE/PND CHECKS TBC", NONE),
    ("PNC ON IP NTR, PND TBC", C("PNC", "P", "N")),
    ("INTEL CHECKS ON IP, ADDRESS AND TEL ALL NIL", C(STD, ALL, "N")),
    ("PNC WARNING MARKERS - VIOLENT", C("PNC", "*", "T")),
    ("PND: FLAGGED FOR DVPO", C("PND", "*", "T")),
    ("NICHE: IP IS HIGH RISK DA VICTIM, MARAC 02/25", C("RMS", "P", "T")),
    ("caller's no checked on niche - ntr", C("RMS", "T", "N")),
    ("Niche & STORM checked for address - no trace", C("RMS CAD", "A", "N")),
    ("INTEL CHECKS COMPLETE - DA MARKERS ON ADDRESS", C(STD, ALL, "T")),
    ("PNC/PND ON SUSPECT AND VICTIM - NTR", C("PNC PND", "P", "N")),
    ("PNC (QNAM) ON IP - NTR", C("PNC", "P", "N")),
    ("CAD HIST ON ADDR & TEL - NIL", C("CAD", "AT", "N")),
    ("Previous incidents checked for address and number - none", C("CAD", "AT", "N")),
    ("NOMINAL CHECKS DONE ON NICHE, NTR", C("RMS", "P", "N")),
    ("CHECKED PNC, PND AND NICHE FOR IP - ALL NTR", C("PNC PND RMS", "P", "N")),
    ("checks done on all systems - nil", C(STD, ALL, "N")),
    ("PNC CHECKS ON IP – NTR", C("PNC", "P", "N")),
    ("PNC ON IP “NTR”", C("PNC", "P", "N")),
    ("ADDR HISTORY - 3 PREVS", C("CAD", "A", "T")),
    ("TEL HISTORY - NIL", C("CAD", "T", "N")),
    ("PNC/PND/NICHE/STORM - ALL NEGATIVE ON IP, ADDR AND TEL", C("PNC PND RMS CAD", ALL, "N")),
    ("PND TEL CHECK - NO TRACE", C("PND", "T", "N")),
    ("RMS NOMINAL - 2 TRACES", C("RMS", "P", "T")),
    ("NICHE SHOWS IP AS REPEAT VICTIM", C("RMS", "P", "T")),
    ("PNC CHECK ON IP - WANTED/MISSING NIL", C("PNC", "P", "N")),
    ("PND ON IP DONE BY RESEARCHER S20117", C("PND", "P", "U")),
    ("CHECKS DONE BY SUPERVISOR - NTR", C(STD, ALL, "N")),
    ("PLEASE CHECK PNC FOR IP", NONE),
    ("PLS CHECK CAD HIST", NONE),
    ("CAD HIST CHECK REQUIRED", NONE),
    ("CHECKS OUTSTANDING", NONE),
    ("PNC/PND CHECKS OUTSTANDING - NO ACCESS", NONE),
    ("UNABLE TO COMPLETE CHECKS - SYSTEMS DOWN", NONE),
    ("IT FAULT - NICHE UNAVAILABLE", NONE),
    ("NICHE ON IP NTR. STORM UNAVAILABLE", C("RMS", "P", "N")),
    ("pnc on ip - nil trace, pnd on ip - nil trace", C("PNC PND", "P", "N")),
    ("INTEL CHECKS: VICTIM KNOWN - 4 PREV DA", C(STD, "P", "T")),
    ("CHECKS COMPLETE ON ADDRESS/PHONE - NTR", C(STD, "AT", "N")),
    ("PNC & PND CHECKED: IP NO TRACE", C("PNC PND", "P", "N")),
    ("LOCAL INTEL CHECKS - 1 TRACE FOR DA 2023", C("RMS", "*", "T")),
    ("STORM HIST - X5 DOMESTICS AT ADDR", C("CAD", "A", "T")),
    ("NICHE: NO TRACE ON VICTIM OR SUSPECT", C("RMS", "P", "N")),
    ("PND CHECKS ON CALLERS NO AND ADDRESS - NEGATIVE", C("PND", "TA", "N")),
    ("PND PERSON AND TEL CHECKED, NO TRACE", C("PND", "PT", "N")),
    ("pnc chkd on i/p - ntr", C("PNC", "P", "N")),
    ("CAD HIST: 3 PREVS AT LOCATION, NIL ON TEL", C("CAD", "AT", "T")),
    ("NICEH ON ADDR - NTR", C("RMS", "A", "N")),
    ("PNC NOMIAL CHECK - NTR", C("PNC", "P", "N")),
    ("INTEL CHECKS ON IP COMPELTED - NIL", C(STD, "P", "N")),
    ("CB MADE - NO ANSWER, VOICEMAIL LEFT", NONE),
    ("CALLER REFUSED TO GIVE NAME", NONE),
    ("RESOURCE ASSIGNED: 2B4", NONE),
    ("DASH COMPLETED - HIGH RISK", NONE),
    ("ADVICE GIVEN, CALLER HAPPY WITH NO DEPLOYMENT", NONE),
    ("Checks on name/addr/tel complete - ntr", C(STD, ALL, "N")),
]


def main() -> None:
    path = Path(__file__).with_name("claims_labelled.csv")
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "claims"])
        for text, claims in ENTRIES:
            writer.writerow([text, ";".join(claims)])


if __name__ == "__main__":
    main()
