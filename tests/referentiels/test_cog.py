"""The INSEE COG as a birthplace (R-LN-01): a place is found and chosen by its name, shown with its name and code."""

import re

import pytest

from socle.referentiels import cog


def test_libelle_nomme_chaque_code():
    assert cog.libelle("69123") == "Lyon (Rhône) · 69123"
    assert cog.libelle("2A004") == "Ajaccio (Corse-du-Sud) · 2A004"
    assert cog.libelle("99350") == "Maroc (pays) · 99350"
    assert cog.libelle("99999") == "Lieu de naissance inconnu · 99999"
    # a commune nouvelle names the former commune that had its code, and a former one names today's
    assert cog.libelle("01015") == "Arboys en Bugey (Ain) · 01015 — anciennement Arbignieu"
    assert cog.libelle("01340") == "Saint-Bois (Ain, ancienne commune) · 01340 — aujourd'hui Arboys en Bugey"
    assert cog.libelle("01003") == "ancienne commune rattachée à Francheleins (Ain) · 01003"
    assert cog.libelle("98765") == "98765 (code absent du COG)"
    assert cog.libelle("") == ""


def test_recherche_par_debut_de_mots_accents_et_abreviations():
    assert [x.choix for x in cog.chercher("st etienne", 1)] == ["Saint-Étienne (Loire)"]
    assert cog.chercher("lyon")[0].code == "69123"  # the exact name first
    assert {x.code for x in cog.chercher("saint-denis")} >= {"93066", "97411"}
    assert cog.chercher("denis reunion")[0].code == "97411"
    assert [x.code for x in cog.chercher("maroc")] == ["99350"]
    assert any(
        x.type == "D" and x.code == "01015" for x in cog.chercher("arbignieu")
    )  # former commune offered
    assert cog.chercher("") == []


@pytest.mark.parametrize(
    ("texte", "code"),
    [
        ("Lyon", "69123"),
        ("lyon (rhône)", "69123"),
        ("Maroc (pays)", "99350"),
        ("Arbignieu", "01015"),
        ("Saint-Denis (La Réunion)", "97411"),
        ("69123", "69123"),
        ("2a004", "2A004"),
        ("Lieu de naissance inconnu", "99999"),
    ],
)
def test_resoudre_un_lieu_choisi_ou_tape(texte, code):
    assert cog.resoudre(texte) == code


@pytest.mark.parametrize(
    ("texte", "message"),
    [
        ("Saint-Denis", "plusieurs lieux possibles (Saint-Denis (Aude)"),
        ("Xyzzyville", "aucune commune ni aucun pays de ce nom"),
        ("98765", "code absent du Code officiel géographique"),
    ],
)
def test_resoudre_refuse_un_lieu_ambigu_ou_inconnu(texte, message):
    with pytest.raises(cog.LieuAmbigu, match=re.escape(message)):
        cog.resoudre(texte)


def test_chaque_choix_est_unique():
    t = cog.table()
    choix = [lieu.choix for _nom, _mots, lieu in t.choisissables]
    assert len(choix) == len({cog.cle(c) for c in choix}) > 37_000


def test_commune_nouvelle_nomme_ses_anciennes_communes():
    """A person born before a merger is born in the former commune: the commune nouvelle names them."""
    arboys = next(x for x in cog.chercher("arboys") if x.code == "01015" and x.type == "C")
    assert "Saint-Bois" in arboys.anciennes and "Arboys en Bugey" not in arboys.anciennes
    assert cog.chercher("lyon")[0].anciennes == ()
