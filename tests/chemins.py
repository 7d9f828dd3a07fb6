"""Files the tests read: all inside the repository, in tests/fixtures/ (origin of each in its SOURCE.md)."""

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
EXTRAIT_FINESS = FIXTURES / "finess-structures-extrait.json"  # real extract of the FINESS JSON flux "structures"
CDA_DLU = FIXTURES / "cda" / "DLU-EHPAD-DLU_2022.01.xml"  # official DLU example of the ANS kit (SOURCE.md)
CDA_N1 = FIXTURES / "cda" / "DOC_NON_STRUCTURE_CDA-R2-N1.xml"  # official non-structured (PDF body) example
