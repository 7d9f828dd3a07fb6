"""Files the tests read: all inside the repository, in tests/fixtures/ (origin of each in its SOURCE.md)."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
EXTRAIT_FINESS = FIXTURES / "finess-structures-extrait.json"  # real extract of the FINESS JSON flux "structures"
AXE_CORE = FIXTURES / "axe.min.js"  # axe-core, accessibility rules injected in the browser tests
