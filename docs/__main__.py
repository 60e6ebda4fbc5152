"""python -m docs: writes the README's generated parts from the code they describe, so
that a new provider's settings reach the README by running it (tests/test_docs.py keeps
the README as this writes it)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from connector.environment import Variable
from connector.providers import all_variables

README = Path(__file__).resolve().parent.parent / "README.md"
_BLOCK = re.compile(r"(<!-- generated: (?P<name>[a-z ]+) -->\n)(?P<text>.*?)(<!-- generated end -->)", re.S)


def variables_table(variables: tuple[Variable, ...]) -> str:
    rows = "".join(
        f"| `{variable.name}` | {'yes' if variable.secret else ''} | {variable.description} |\n"
        for variable in variables
    )
    return f"| variable | secret | meaning |\n| --- | --- | --- |\n{rows}"


GENERATED = {"settings": lambda: variables_table(all_variables())}


def rendered(readme: str) -> str:
    """The README with each generated block written anew."""

    def block(found: re.Match) -> str:
        return f"{found.group(1)}{GENERATED[found['name']]()}{found.group(4)}"

    return _BLOCK.sub(block, readme)


def main() -> int:
    README.write_text(rendered(README.read_text()))
    print(f"wrote the generated parts of {README.name}: {', '.join(GENERATED)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
