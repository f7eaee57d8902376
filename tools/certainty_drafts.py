"""Draft `certainty:` blocks for protocol.yaml from the last build's GRADE suggestions.

Run from the project root after `secondhct build`:  python3 tools/certainty_drafts.py [--write]

For every analysis with reports whose block is missing, or whose judgements differ from the
suggestions without an override, prints a draft block in which each domain takes the build's
suggestion and its reason; a judgement that carries an `override:` is kept as it is. With
--write, the drafts replace (or are inserted as) the analyses' blocks in protocol.yaml. A
panel must read every draft: the suggestions are rules, the judgements are theirs.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def draft(analysis: dict, judged: dict | None) -> list[str]:
    lines = ["    certainty:"]
    for d in analysis["certainty"]["domains"]:
        j = (judged or {}).get(d["domain"])
        if j and j.get("override"):
            parts = [f"rating: {j['rating']}", f"reason: {json.dumps(j['reason'], ensure_ascii=False)}", f"override: {json.dumps(j['override'], ensure_ascii=False)}"]
        else:
            parts = [f"rating: {d['suggested']}", f"reason: {json.dumps(d['suggested_reason'], ensure_ascii=False)}"]
        lines.append(f"      {d['domain']}: {{{', '.join(parts)}}}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true")
    opts = parser.parse_args()
    results = json.loads((ROOT / "outputs" / "results.json").read_text(encoding="utf-8"))
    text = (ROOT / "protocol.yaml").read_text(encoding="utf-8")
    protocol = {a["id"]: a for a in yaml.safe_load(text)["analyses"]}
    lines = text.splitlines()
    for a in results["analyses"]:
        c = a.get("certainty")
        if not c or (c["judged"] and not c["conflicts"]):
            continue
        block = draft(a, protocol[a["id"]].get("certainty"))
        print(f"# {a['id']}\n" + "\n".join(block))
        if not opts.write:
            continue
        start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"  - id: {re.escape(a['id'])}\s*", line))
        end = start + 1
        while end < len(lines) and not lines[end].startswith("  - id:"):
            end += 1
        body = lines[start + 1 : end]
        at = next((i for i, line in enumerate(body) if line == "    certainty:"), None)
        if at is None:
            title = next((i for i, line in enumerate(body) if line.startswith("    title:")), 0)
            body[title + 1 : title + 1] = block
        else:
            stop = at + 1
            while stop < len(body) and body[stop].startswith("      "):
                stop += 1
            body[at:stop] = block
        lines[start + 1 : end] = body
    if opts.write:
        (ROOT / "protocol.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
