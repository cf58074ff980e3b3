"""Keep README.md's "When it does not work" table identical to the error table in the code.

python scripts/gen_readme.py          # rewrite the section between the markers
python scripts/gen_readme.py --check  # exit 1 when the README is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

from foundry_cli.doctor.table import render_markdown_table

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- error-table:start -->", "<!-- error-table:end -->"


def main() -> int:
    text = README.read_text()
    head, sep, rest = text.partition(START)
    _, sep2, tail = rest.partition(END)
    if not sep or not sep2:
        print(f"README.md lacks the {START} / {END} markers", file=sys.stderr)
        return 1
    new = f"{head}{START}\n{render_markdown_table().strip()}\n{END}{tail}"
    if "--check" in sys.argv[1:]:
        if new != text:
            print("README.md's error table is stale; run python scripts/gen_readme.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
