#!/usr/bin/env python3
"""The root README's "One vocabulary" section, written from tests/vocabulary.json (the one place
the names live; every host's tests check their public names against that file).

    python3 scripts/vocabulary.py --check   # exit 1 when the README's section differs (make lint)
    python3 scripts/vocabulary.py --write   # rewrite the section
"""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "<!-- vocabulary: written by scripts/vocabulary.py from tests/vocabulary.json; do not edit -->"
END = "<!-- /vocabulary -->"
TITLES = {"rust": "Rust", "python": "Python", "node": "Node", "java": "Java", "csharp": "C#", "go": "Go", "cli": "CLI (`systemuser`)"}


def _cell(v):
    return "—" if v is None else f"`{v}`"


def _table(rows, hosts):
    out = ["| | " + " | ".join(TITLES[h] for h in hosts) + " |", "|:---|" + ":---|" * len(hosts)]
    for r in rows:
        out.append(f"| {r['concept']} | " + " | ".join(_cell(r.get(h)) for h in hosts) + " |")
    return out


def render(v) -> str:
    hosts = v["hosts"]
    lib_hosts = [h for h in hosts if h != "cli"]
    lines = [BEGIN, "", "The same thing has the same name in every host, in the language's own spelling (`create_request`,",
             "`createStandardRequest`, `CreateStandardRequestAsync`); `—` where a host does not offer it yet.",
             "Each host's tests check these names against [`tests/vocabulary.json`](tests/vocabulary.json).", ""]
    st = v["statuses"]
    lines += [f"- Statuses are spelled as Altinn spells them, in every host: requests {', '.join(f'`{s}`' for s in st['request'])};",
              f"  change requests {', '.join(f'`{s}`' for s in st['change_request'])}.",
              f"- Timestamps: {v['timestamps']}.",
              "- Environment variables (a command-line flag wins over them):", ""]
    lines += ["| variable | meaning | read by |", "|:---|:---|:---|"]
    for e in v["environment"]:
        lines.append(f"| `{e['name']}` | {e['meaning']} | {', '.join(e['read_by'])} |")
    lines += ["", "Operations:", ""] + _table(v["operations"], hosts)
    lines += ["", "Errors (every host has one base, and Altinn's own refusals are one kind beside validation, "
              "not-found, could-not-tell and transport):", ""] + _table(v["errors"], lib_hosts)
    lines += ["", END]
    return "\n".join(lines)


def main(argv) -> int:
    v = json.loads((ROOT / "tests" / "vocabulary.json").read_text(encoding="utf-8"))
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    want = render(v)
    if BEGIN not in text or END not in text:
        print(f"README.md has no vocabulary section ({BEGIN!r} … {END!r})", file=sys.stderr)
        return 1
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + want + tail
    if "--write" in argv:
        readme.write_text(new, encoding="utf-8")
        return 0
    if new != text:
        print("README.md's vocabulary section differs from tests/vocabulary.json: run python3 scripts/vocabulary.py --write",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
