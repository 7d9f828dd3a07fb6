"""FINESS anomaly rules on hand-made cases (the real extract is covered in test_finess_import)."""

import pytest


@pytest.mark.parametrize("nom,commune,attendu", [
    ("EHPAD RESIDENCE L'ALBIZIA À CERDON", "CERDON", True),
    ("EHPAD RESIDENCE FONTELUNE AMBERIEU", "AMBERIEU EN BUGEY", True),  # usual short form of the town
    ("INSTITUT DES JEUNES SOURDS", "BOURG EN BRESSE", False),
    ("EHPAD Les Tilleuls – Saint-Étienne", "SAINT ETIENNE", True),
    ("EHPAD LES GENÊTS", "SAINT ETIENNE", False),  # "SAINT" alone is not the town
    ("SAVS DÉMO - BOURG EN BRESSE", "BOURG-EN-BRESSE", True),
])
def test_onela_name_contains_its_town(nom, commune, attendu):
    from socle.organisations.rules import nom_contient_commune

    assert nom_contient_commune(nom, commune) is attendu
