"""Writes claims_dev_families.csv: a second development set for the claims parser (issue 13),
aimed at the families of false claims the blind evaluation found (docs/claims-parser.md): subject
words the vocabulary does not know (misspelt, or named after the system in long sentences),
hand-overs, deferrals, narrative that names a system but reports no check, result-first phrasing,
and mixed done / not done. Written and labelled from shared/spec/claims.md alone, in several
operators' styles, before the parser was changed for them. A development set: the parser may be
tuned on it; the blind set (claims_blind/) is never read.

Labels as in make_claims_labelled.py: C("PNC PND", "P", "N") is PNC and PND on the person, no
trace; "*" is every subject the system can search (PNC: the person only).

A check "ON" somebody other than the caller (the suspect, the partner, a male) is labelled a
check of the PERSON: claims.md says "the subject checked is the incident's, whatever the text
says". A subject word nobody listed is not "no subject named": it is never all three subjects.
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
    # other people: a check of the PERSON (see above), never all three subjects
    ("other_person", "PND ON SUSPECT - NTR", C("PND", "P", "N")),
    ("other_person", "NICHE ON PARTNER - 3 PREVS", C("RMS", "P", "T")),
    ("other_person", "pnc on the male ntr", C("PNC", "P", "N")),
    (
        "other_person",
        "NICHE ON IP NTR, PND ON SUSP - TRACE",
        C("RMS", "P", "N") + C("PND", "P", "T"),
    ),
    ("other_person", "PND ON IP AND SUSPECT - NTR", C("PND", "P", "N")),
    # a subject word nobody listed: never all three subjects. The lodger is a person, which the
    # parser cannot know (a miss it lists for review); a vehicle is none of the three subjects.
    ("unknown_subject", "NICHE ON LODGER - NTR", C("RMS", "P", "N")),
    ("unknown_subject", "PNC ON VEHICLE NTR", NONE),
    ("unknown_subject", "pnd done on the vrm, nil", NONE),
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
    # A second batch, written after the parser was changed for the first and measured before
    # any change for it: how far the changes generalise within the same families.
    ("typo_subject", "PNC ON INJURD PARTY - NTR", C("PNC", "P", "N")),
    ("typo_subject", "niche on adddress nil", C("RMS", "A", "N")),
    ("typo_subject", "STORM ON CALLERS TELEPHNE NO - NIL", C("CAD", "T", "N")),
    ("typo_subject", "PND ON VICTIN NTR", C("PND", "P", "N")),
    ("typo_subject", "CAD HIST ON LOCATON - 3 PREVS", C("CAD", "A", "T")),
    ("typo_subject", "NICHE ON MOBLIE NTR", C("RMS", "T", "N")),
    ("typo_subject", "pnd on nmae and addr ntr", C("PND", "PA", "N")),
    ("typo_subject", "PNC ON PERSN NTR", C("PNC", "P", "N")),
    ("typo_subject", "RMS ON PHOEN NO - NIL", C("RMS", "T", "N")),
    ("typo_subject", "STORM HIST ON ADDERS - NIL", C("CAD", "A", "N")),
    (
        "verbose",
        "I have conducted a PND check on the telephone number provided by the caller and there "
        "is no trace",
        C("PND", "T", "N"),
    ),
    (
        "verbose",
        "A SEARCH OF NICHE HAS BEEN COMPLETED AND THE VICTIM HAS 2 PREVIOUS DOMESTIC REPORTS",
        C("RMS", "P", "T"),
    ),
    (
        "verbose",
        "Having checked STORM there have been no previous calls from this number",
        C("CAD", "T", "N"),
    ),
    (
        "verbose",
        "CHECKS HAVE BEEN MADE ON PNC IN RESPECT OF THE INJURED PARTY, NO TRACE",
        C("PNC", "P", "N"),
    ),
    (
        "verbose",
        "NICHE HAS BEEN SEARCHED AGAINST THE ADDRESS GIVEN AND SHOWS SEVERAL PREVIOUS INCIDENTS",
        C("RMS", "A", "T"),
    ),
    ("other_person", "PND ON HER EX PARTNER - NTR", C("PND", "P", "N")),
    ("unknown_subject", "NICHE CHECKED ON BOTH PARTIES - TRACE", C("RMS", "P", "T")),
    ("unknown_subject", "PNC ON THE CAR - NTR", NONE),
    ("handover", "PLS CAN RESEARCHER DO NICHE ON ADDR", NONE),
    ("handover", "INTEL DESK TO PICK UP CHECKS", NONE),
    ("handover", "NICHE CHECKS FOR ATTENTION OF DAY SHIFT", NONE),
    ("handover", "REFERRED TO MASH FOR PND", NONE),
    ("handover", "PNC check delegated to SGT 1234", NONE),
    ("handover", "ACTION FOR OIC: CAD HIST ON ADDR", NONE),
    ("handover", "PND ON IP NTR - NICHE LEFT WITH RESEARCHER", C("PND", "P", "N")),
    ("handover", "RESEARCHER HAS BEEN ASKED FOR PNC ON VICTIM", NONE),
    ("deferral", "NICHE CHECK WHEN SYSTEM BACK", NONE),
    ("deferral", "TO BE CHECKED: PNC, PND", NONE),
    ("deferral", "PND NOT YET DONE", NONE),
    ("deferral", "WILL ADVISE RESULTS OF NICHE", NONE),
    ("deferral", "PNC ON IP NTR, NICHE TO COME", C("PNC", "P", "N")),
    ("deferral", "STORM HIST PENDING", NONE),
    ("deferral", "checks still being done", NONE),
    ("deferral", "NICHE TO BE REVIEWED", NONE),
    ("narrative", "CALLER ADVISED TO RING BACK IF SUSPECT RETURNS", NONE),
    ("narrative", "PREVIOUS INCIDENT REF 123 LINKED", NONE),
    ("narrative", "IP HAS BEEN CHECKED BY AMBO", NONE),
    ("narrative", "SUSPECT ARRESTED AND PNC UPDATED", NONE),
    ("narrative", "NICHE OCCURRENCE TO BE CREATED", NONE),
    ("narrative", "OFFICER SEARCHED THE PROPERTY FOR SUSPECT - NOT FOUND", NONE),
    ("narrative", "CALLER'S DAUGHTER STATES THERE IS A HISTORY OF DV", NONE),
    ("narrative", "STORM 1234 CLOSED", NONE),
    ("narrative", "LINKED TO STORM LOG 456 FROM YESTERDAY", NONE),
    ("narrative", "DETAILS PASSED TO CALLER ABOUT NICHE REF", NONE),
    ("result_first", "NTR PND FOR ADDR", C("PND", "A", "N")),
    ("result_first", "NOTHING TRACED ON NICHE FOR CALLER OR ADDRESS", C("RMS", "PA", "N")),
    (
        "result_first",
        "2 X PREVS ON STORM FOR THE LOCATION. NIL ON PNC",
        C("CAD", "A", "T") + C("PNC", "P", "N"),
    ),
    (
        "result_first",
        "no trace for ip on pnc, no trace for addr on niche",
        C("PNC", "P", "N") + C("RMS", "A", "N"),
    ),
    ("result_first", "MARKERS ON NICHE FOR IP", C("RMS", "P", "T")),
    ("result_first", "NEGATIVE RESULT ON PND FOR TEL", C("PND", "T", "N")),
    ("mixed", "PNC DONE - NTR; NICHE NOT DONE AS NO TIME", C("PNC", "P", "N")),
    (
        "mixed",
        "PND AND STORM DONE ON IP AND ADDR NTR, NICHE DOWN",
        C("PND CAD", "PA", "N"),
    ),
    ("mixed", "PNC/NICHE ON VIC NTR. PND UNABLE", C("PNC RMS", "P", "N")),
    ("mixed", "niche on ip nil but couldnt get onto pnd", C("RMS", "P", "N")),
    ("plain", "PND IP NTR", C("PND", "P", "N")),
    ("plain", "CAD ADDR 3 PREVS", C("CAD", "A", "T")),
    ("plain", "STORM HIST CHECKED", C("CAD", "*", "U")),
    ("plain", "PNC IP - WANTED MARKER", C("PNC", "P", "T")),
    ("standard_set", "ALL CHECKS DONE ON CALLERS NUMBER - NIL", C(STD, "T", "N")),
    ("standard_set", "RELEVANT CHECKS NTR", C(STD, "*", "N")),
    # A third batch, written after the second was fixed and measured before any change for it.
    ("narrative", "Caller asked if police have anything on her ex - advised cannot disclose", NONE),
    ("narrative", "RMS ENTRY MADE FOR SAFEGUARDING", NONE),
    ("narrative", "DOMESTIC ABUSE HISTORY DISCUSSED WITH SGT", NONE),
    ("narrative", "CALLER WANTS TO KNOW WHY HER PREVIOUS CALLS WERE NOT ACTIONED", NONE),
    ("narrative", "HISTORY: PARTNER HAS BEEN DRINKING ALL DAY", NONE),
    ("narrative", "VICTIM HAS HISTORY OF MENTAL HEALTH", NONE),
    ("narrative", "STORM INCIDENT CREATED BY CALL HANDLER", NONE),
    ("narrative", "CALLER STATED SHE HAS CALLED BEFORE", NONE),
    ("narrative", "PREVIOUS INCIDENTS DISCUSSED WITH CALLER", NONE),
    ("narrative", "NICHE UPDATED WITH DASH", NONE),
    ("narrative", "CHECKED WITH CALLER THAT SHE IS SAFE", NONE),
    ("narrative", "CALLER HAS CHECKED ON THE CHILDREN", NONE),
    ("narrative", "IP STATES EX HAS CONVICTIONS FOR VIOLENCE", NONE),
    ("typo_subject", "NICHEE ON ADRS NTR", C("RMS", "A", "N")),
    ("typo_subject", "STORM HSIT ON ADDRESS - NIL", C("CAD", "A", "N")),
    ("typo_subject", "pnc on calelr ntr", C("PNC", "P", "N")),
    ("typo_subject", "NICHE ON THE VICTM NIL", C("RMS", "P", "N")),
    ("typo_subject", "PND ON TELPHONE - NTR", C("PND", "T", "N")),
    ("typo_subject", "niche cheked on ip nil", C("RMS", "P", "N")),
    ("typo_subject", "PNC ON NOMNAL NTR", C("PNC", "P", "N")),
    (
        "verbose",
        "I HAVE SEARCHED THE CALLERS DETAILS ON NICHE AND FOUND NOTHING OF NOTE",
        C("RMS", "P", "N"),
    ),
    (
        "verbose",
        "Research on Niche for the aggrieved shows 2 previous domestic incidents",
        C("RMS", "P", "T"),
    ),
    (
        "verbose",
        "After speaking to the caller I checked PNC which shows no trace",
        C("PNC", "P", "N"),
    ),
    (
        "verbose",
        "CHECKS ON STORM FOR THE LOCATION HAVE BEEN DONE AND THERE ARE NONE",
        C("CAD", "A", "N"),
    ),
    (
        "verbose",
        "THE VICTIM'S ADDRESS HAS BEEN CHECKED ON STORM, 1 PREVIOUS INCIDENT IN 2024",
        C("CAD", "A", "T"),
    ),
    ("deferral", "PND TO BE DONE BY MASH", NONE),
    ("deferral", "niche still to do", NONE),
    ("deferral", "PNC WHEN ABLE", NONE),
    ("deferral", "NOMINAL CHECKS REQUIRED ON SUSPECT", NONE),
    ("handover", "RESEARCHER WILL LOOK AT NICHE", NONE),
    ("handover", "ASSIST REQUESTED FROM INTEL RE PND", NONE),
    ("handover", "PNC NTR, PND AWAITING CALLBACK FROM RESEARCHER", C("PNC", "P", "N")),
    ("handover", "STORM HIST DONE - NICHE BEING RUN BY SUPERVISOR", C("CAD", "*", "U")),
    ("result_first", "NIL PNC / NIL PND ON IP", C("PNC PND", "P", "N")),
    ("result_first", "NO TRACE ON NICHE FOR THE NUMBER", C("RMS", "T", "N")),
    ("result_first", "3 PREVS FOUND ON STORM AT THE ADDRESS", C("CAD", "A", "T")),
    ("result_first", "NTR - PNC & PND - IP", C("PNC PND", "P", "N")),
    ("mixed", "PNC ON IP NTR. NICHE NOT CHECKED AS CALL DISCONNECTED", C("PNC", "P", "N")),
    ("mixed", "STORM ON ADDR 2 PREVS; PNC OFFLINE SO NOT DONE", C("CAD", "A", "T")),
    # A fourth batch, written after the third was fixed and measured before any change for it.
    (
        "result_first",
        "NTR ON PNC. 2 PREVS ON NICHE FOR ADDRESS",
        C("PNC", "P", "N") + C("RMS", "A", "T"),
    ),
    (
        "result_first",
        "nil on pnd for caller, trace on niche for caller",
        C("PND", "P", "N") + C("RMS", "P", "T"),
    ),
    (
        "result_first",
        "NO TRACE PND (IP). NICHE - 4 PREVS (ADDR)",
        C("PND", "P", "N") + C("RMS", "A", "T"),
    ),
    (
        "result_first",
        "TRACE ON PNC FOR IP - WANTED. NTR ON PND",
        C("PNC", "P", "T") + C("PND", "*", "N"),
    ),
    (
        "result_first",
        "Nothing on PNC or PND for the IP, Niche shows 1 prev for the address",
        C("PNC PND", "P", "N") + C("RMS", "A", "T"),
    ),
    ("result_first", "NIL TRACE PNC, PND ON IP; NICHE NOT DONE", C("PNC PND", "P", "N")),
    (
        "result_first",
        "HISTORY OF DOMESTICS ON NICHE FOR IP, NOTHING ON STORM FOR ADDR",
        C("RMS", "P", "T") + C("CAD", "A", "N"),
    ),
    (
        "mixed",
        "PNC, PND AND NICHE ON IP - PNC NTR, PND NTR, NICHE NOT AVAILABLE",
        C("PNC PND", "P", "N"),
    ),
    ("mixed", "PND AND NICHE NOT DONE, PNC ON IP NTR", C("PNC", "P", "N")),
    ("mixed", "niche & pnd down - storm hist on addr nil", C("CAD", "A", "N")),
    ("mixed", "PNC NTR ON IP. PND - NO LOGIN", C("PNC", "P", "N")),
    (
        "mixed",
        "NICHE CHECKED BUT PND COULD NOT BE DONE - NICHE NTR ON IP",
        C("RMS", "P", "N"),
    ),
    (
        "verbose",
        "WITH REGARDS TO INTEL, I HAVE CHECKED NICHE FOR THE VICTIM AND THERE IS NOTHING RECORDED",
        C("RMS", "P", "N"),
    ),
    (
        "verbose",
        "Storm history for the address shows three previous domestic related calls",
        C("CAD", "A", "T"),
    ),
    (
        "verbose",
        "The caller's number has been searched on PND and returned no results",
        C("PND", "T", "N"),
    ),
    (
        "verbose",
        "FOLLOWING A SEARCH OF PNC NO TRACE COULD BE FOUND FOR THE IP",
        C("PNC", "P", "N"),
    ),
    (
        "typo_subject",
        "pnc ntr ip, niche nil ip+addr",
        C("PNC", "P", "N") + C("RMS", "PA", "N"),
    ),
    ("typo_subject", "strom hist on addr nil", C("CAD", "A", "N")),
    ("typo_subject", "nich on vic nil", C("RMS", "P", "N")),
    ("narrative", "PNC NUMBER OF SUSPECT OBTAINED FROM OFFICERS", NONE),
    ("narrative", "CALLER KNOWN TO SOCIAL SERVICES", NONE),
    ("narrative", "HIST OF DV REPORTED BY NEIGHBOUR", NONE),
    ("narrative", "ADDRESS HISTORY MARKER ADDED BY SUPERVISOR", NONE),
    ("narrative", "SEE PREVIOUS INCIDENTS FOR BACKGROUND", NONE),
    ("narrative", "PND SHARING AGREEMENT EXPLAINED TO CALLER", NONE),
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
