"""The documents that follow from the code: the README's generated parts are current,
and docs/adding-a-provider.md names parts that every registered provider has."""

import inspect
import re
from pathlib import Path

import pytest

from connector.providers import REGISTRY
from docs.__main__ import README, rendered
from sandboxes.kits import Kit, kits

ROOT = Path(__file__).resolve().parent.parent
ADDING = ROOT / "docs" / "adding-a-provider.md"


def test_the_readme_is_as_python_m_docs_writes_it():
    readme = README.read_text()
    assert "<!-- generated: settings -->" in readme
    assert rendered(readme) == readme, "run python -m docs"


def parts() -> list[str]:
    """The paths in the "where" column of the page's table, <name> standing for a provider."""
    return re.findall(r"^\| [^|]+ \| `([^`]+)` \|", ADDING.read_text(), re.M)


def test_the_page_names_the_parts_of_a_provider():
    assert "connector/providers/<name>/__init__.py" in parts()
    assert len(parts()) >= 10


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_provider_has_each_part(name):
    missing = [part for part in parts() if not (ROOT / part.replace("<name>", name)).exists()]
    assert not missing, f"{name} lacks {missing} (docs/adding-a-provider.md)"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_registered_provider_has_a_kit_and_a_readme_section(name):
    assert isinstance(kits()[name], Kit)
    providers = README.read_text().split("\n## Providers\n", 1)[1].split("\n## ", 1)[0]
    headings = re.findall(r"^### (.+)$", providers, re.M)
    assert any(name in heading.lower() for heading in headings), f"README has no section for {name}"
    docstring = inspect.getmodule(REGISTRY[name]).__doc__ or ""
    assert "retry" in docstring, f"{name}'s package docstring does not say what a retry after a timeout gets"
