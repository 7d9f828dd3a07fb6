"""Files the tests read: all inside the repository, in tests/fixtures/ (origin of each in its SOURCE.md)."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
EXTRAIT_FINESS = FIXTURES / "finess-structures-extrait.json"  # real extract of the FINESS JSON flux "structures"
CDA_DLU_OFFICIEL = FIXTURES / "cda" / "DLU-EHPAD-DLU_2022.01.xml"  # ANS example of a DLU (kit TestContenuCDA)
CDA_N1_OFFICIEL = FIXTURES / "cda" / "DOC_NON_STRUCTURE_CDA-R2-N1.xml"  # ANS example of a PDF in a CDA (N1)
AXE_CORE = FIXTURES / "axe.min.js"  # axe-core, accessibility rules injected in the browser tests
