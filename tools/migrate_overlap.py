"""Replace study.overlap_group (a label) by study.data_source and may_share_patients_with links.

Usage: python tools/migrate_overlap.py [SIDE.yaml ...]
Edits studies/*.yaml in place (text edit: comments and layout are kept). Per key, the
data source and links come from PER_KEY below or from side files mapping
``key: {data_source: CODE, may_share_patients_with: [{key: K, reason: R}]}``; a key in
neither gets the default of its old group from tools/overlap-migration/overlap-mapping.yaml (``default``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
IDX = "literature INDEX overlap groups"
PER_KEY: dict[str, dict] = {
    "bader_nd": {"data_source": "DE-CART"},
    "bosi1997": {"data_source": "GITMO"},
    "chang2004": {"data_source": "PUBLISHED-CASES", "links": [("jmml2hsct_nd", f"{IDX}: JMML-LIT, published JMML cases since 1988 may also appear in other JMML series")]},
    "jmml2hsct_nd": {"data_source": "not stated", "links": [("chang2004", f"{IDX}: JMML-LIT, published JMML cases since 1988 may also appear in other JMML series")]},
    "christopeit2013": {"data_source": "EBMT", "links": [("gmall2012", f"{IDX}: christopeit2013 and gmall2012 (German) may overlap")]},
    "gmall2012": {"data_source": "GMALL", "links": [("christopeit2013", f"{IDX}: christopeit2013 and gmall2012 (German) may overlap")]},
    "dliped2008": {"data_source": "CIBMTR"},
    "bejanyan2015": {"data_source": "CIBMTR", "links": [("fan2019", "fan2019 fact sheet: could overlap with CIBMTR analyses if the centre reported to CIBMTR")]},
    "duncan2015": {"data_source": "CIBMTR", "links": [("fan2019", "fan2019 fact sheet: could overlap with CIBMTR analyses if the centre reported to CIBMTR"),
                                                    ("sharma2021", "sharma2021 fact sheet: could overlap with CIBMTR analyses (duncan2015) if reported")]},
    "ebmt2008ash": {"data_source": "EBMT"},
    "ebmtalwp2012ric": {"data_source": "EBMT-ALWP"},
    "fan2019": {"data_source": "US-CHICAGO", "links": [("duncan2015", "fact sheet: could overlap with CIBMTR analyses (duncan2015, bejanyan2015) if the centre reported to CIBMTR"),
                                                     ("bejanyan2015", "fact sheet: could overlap with CIBMTR analyses (duncan2015, bejanyan2015) if the centre reported to CIBMTR")]},
    "hazar2020": {"data_source": "TR-PBMT", "links": [("yaniv2018", f"{IDX}: Turkish centres, possibly in the EBMT-PDWP registry (EBMT-PED)")]},
    "kozhokar2019": {"data_source": "RU-STPETERSBURG", "links": [("yaniv2018", f"{IDX}: St Petersburg centre is an EBMT-PDWP contributor, possibly in EBMT-PED")]},
    "hosing2005": {"data_source": "US-MDACC"},
    "yalniz_nd": {"data_source": "US-MDACC"},
    "infantbmt1998": {"data_source": "SC-INFANTBMT1998"},
    "jplsg2010": {"data_source": "JPLSG", "links": [("kato2012", "fact sheet: these infants may also be in the Japanese registry ALL second-SCT cohort (kato2012); cannot be verified")]},
    "kato2012": {"data_source": "JSHCT", "links": [("jplsg2010", "jplsg2010 fact sheet: its infants may also be in this registry cohort; cannot be verified")]},
    "taga2016": {"data_source": "JSHCT"},
    "sakaguchi2024": {"data_source": "JSHCT"},
    "shimomura2019": {"data_source": "JSHCT"},
    "oda2009": {"data_source": "JCBBN"},
    "leuklymph2016cb": {"data_source": "SC-LEUKLYMPH2016CB"},
    "toranomon2014ash": {"data_source": "JP-TORANOMON"},
    "kuhlen_nd": {"data_source": "ALL-SCT-BFM", "links": [("yaniv2018", "fact sheet: overlaps with the ALL arm of yaniv2018 (Yaniv is a co-author; same centres/years likely)")]},
    "uden2020": {"data_source": "I-BFM", "links": [("yaniv2018", f"{IDX}: EBMT-PED, I-BFM AML centres also report to the EBMT-PDWP")]},
    "yaniv2018": {"data_source": "EBMT-PDWP", "links": [
        ("kuhlen_nd", "kuhlen_nd fact sheet: overlaps with the ALL arm of yaniv2018 (Yaniv is a co-author)"),
        ("uden2020", f"{IDX}: EBMT-PED, I-BFM AML centres also report to the EBMT-PDWP"),
        ("hazar2020", f"{IDX}: Turkish centres, possibly in the EBMT-PDWP registry (EBMT-PED)"),
        ("kozhokar2019", f"{IDX}: St Petersburg centre is an EBMT-PDWP contributor, possibly in EBMT-PED")]},
    "mciver2013": {"data_source": "SC-MCIVER2013"},
    "menon2016": {"data_source": "SC-MENON2016"},
    "sharma2021": {"data_source": "SC-SHARMA2021", "links": [("duncan2015", "fact sheet: likely US single centre; could overlap with CIBMTR analyses (duncan2015) if reported")]},
    "mrsic1992": {"data_source": "CIBMTR"},
    "yan2016": {"data_source": "SC-YAN2016"},
}


def _block(spec: dict) -> str:
    lines = [f"  data_source: {spec['data_source']}" if spec["data_source"] != "not stated" else "  data_source: not stated"]
    links = spec.get("links") or [(d["key"], d["reason"]) for d in spec.get("may_share_patients_with", [])]
    if links:
        lines.append("  may_share_patients_with:")
        for key, reason in links:
            lines.append(f"    - key: {key}")
            lines.append(f"      reason: {yaml.safe_dump(reason, width=10**6, default_style=chr(34)).strip()}")
    return "\n".join(lines) + "\n"


def main(side_files: list[str]) -> None:
    mapping = yaml.safe_load((ROOT / "tools" / "overlap-migration" / "overlap-mapping.yaml").read_text(encoding="utf-8"))
    spec = dict(PER_KEY)
    for side in side_files:
        for key, value in (yaml.safe_load(Path(side).read_text(encoding="utf-8")) or {}).items():
            spec[key] = value
    for path in sorted((ROOT / "studies").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        m = re.search(r"^  overlap_group: *(\S+) *\n", text, flags=re.M)
        key = path.stem
        if re.search(r"^  data_source:", text, flags=re.M):
            continue  # already migrated: running the script again changes nothing
        if m is None and key not in spec:
            continue
        if key in spec:
            entry = spec[key]
        else:
            old = m.group(1) if m else None
            entry = {"data_source": mapping["groups"].get(old, {}).get("default", "not stated")}
        block = _block(entry)
        if m is not None:
            text = text[: m.start()] + block + text[m.end():]
        else:  # no old group: insert before overlap_note / source of study, else after follow_up
            anchor = re.search(r"^  (overlap_note|source):", text[text.index("\nstudy:"):], flags=re.M)
            if anchor is None:
                raise SystemExit(f"{key}: cannot place data_source")
            at = text.index("\nstudy:") + anchor.start()
            text = text[:at] + block + text[at:]
        path.write_text(text, encoding="utf-8")
        print(f"{key}: {entry['data_source']}")


if __name__ == "__main__":
    main(sys.argv[1:])
