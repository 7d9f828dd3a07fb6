"""Reference tables vendored in socle/referentiels: each file is the official one unchanged (checksum in
SOURCE.md) and shipped in the package, the code uses exactly what it says, and a missing or broken file is an
error naming it — never a fallback to another copy."""

import csv
import fnmatch
import hashlib
import re
import tomllib
from pathlib import Path

import pytest
from django.core.checks import run_checks

from socle import referentiels
from socle.organisations.categories import ANNOTATIONS, CATEGORIES
from socle.personnel import nomenclatures as N
from socle.personnel.annuaire import colonnes as C
from socle.referentiels import ReferentielInvalide

DOSSIER = referentiels.DOSSIER
ROOT = Path(__file__).resolve().parents[2]
CHARGEURS = {
    referentiels.ROLES_ENREG: referentiels.roles_enregistrement,
    referentiels.GENRES_ACTIVITE: referentiels.genres_activite,
    referentiels.MODES_EXERCICE: referentiels.modes_exercice,
    referentiels.CATEGORIES_MEDICO_SOCIALES: referentiels.categories_medico_sociales,
    referentiels.ENTETE_ANNUAIRE: referentiels.entete_annuaire,
}


def _csv(nom: str) -> list[dict[str, str]]:
    with open(DOSSIER / nom, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _fichiers_vendus() -> set[str]:
    return {p.name for p in DOSSIER.iterdir()
            if p.is_file() and p.suffix != ".py" and p.name not in ("SOURCE.md", ".gitattributes")}


def _sha256_de_source() -> dict[str, str]:
    """{file: sha256} from the `## file` sections of SOURCE.md ("" when a section has no checksum)."""
    sections = re.split(r"^## ", (DOSSIER / "SOURCE.md").read_text(encoding="utf-8"), flags=re.M)[1:]
    out = {}
    for section in sections:
        m = re.search(r"^- sha256: `([0-9a-f]{64})`$", section, flags=re.M)
        out[section.splitlines()[0].strip()] = m.group(1) if m else ""
    return out


# ------------------------------------------------------------------------------ the files themselves


def test_every_vendored_file_has_a_source_entry_and_is_unchanged():
    sha = _sha256_de_source()
    assert set(sha) == _fichiers_vendus() and len(sha) == 12
    for nom, attendu in sha.items():
        assert hashlib.sha256((DOSSIER / nom).read_bytes()).hexdigest() == attendu, (
            f"{nom} diffère du fichier décrit dans SOURCE.md : mettez à jour son entrée (version, date, sha256)")


def test_vendored_files_are_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    motifs = config["tool"]["setuptools"]["package-data"]["socle.referentiels"]
    for nom in _fichiers_vendus() | {"SOURCE.md"}:
        assert any(fnmatch.fnmatch(nom, m) for m in motifs), nom


def test_test_fixtures_have_their_source_entry():
    fixtures = ROOT / "tests" / "fixtures"
    source = (fixtures / "SOURCE.md").read_text(encoding="utf-8")
    for p in fixtures.iterdir():
        if p.name != "SOURCE.md":
            assert f"## {p.name}\n" in source, p.name


# ------------------------------------------------------------------------------ what the code uses


# The rôles (JDV_J121) are checked in tests/personnel/test_regles.py.


def test_genres_are_the_jdv_j116_codes_of_tre_r22():
    officiel = {r["code"]: r["libelle"] for r in _csv(referentiels.GENRES_ACTIVITE)
                if r["utilise_par_rpps_plus_medico_social"].startswith("oui")}
    assert N.GENRES == officiel
    assert list(N.GENRES) == ["GENR01", "GENR08", "GENR09", "GENR10", "GENR11", "GENR12", "GENR13", "GENR99"]
    assert set(N.GENRES_COURTS) == set(N.GENRES)
    assert set(N.GENRE_PAR_NUMERO.values()) <= set(N.GENRES)


def test_modes_exercice_are_tre_r23():
    assert list(N.MODES_EXERCICE.items()) == [(r["code"], r["libelle"]) for r in _csv(referentiels.MODES_EXERCICE)]


def test_categories_are_the_vendored_tre_r66_subset():
    lignes = _csv(referentiels.CATEGORIES_MEDICO_SOCIALES)
    assert [(c.code, c.libelle) for c in CATEGORIES.values()] == [(r["code"], r["libelle"]) for r in lignes]
    assert len(CATEGORIES) == 67
    assert set(ANNOTATIONS) == set(CATEGORIES)  # Socle's sigle and tutelle cover the table exactly
    obsoletes = {c.code: c.deprecated_by for c in CATEGORIES.values() if c.deprecated_by}
    assert obsoletes == {"437": "448", "252": "449", "253": "448 ou 449"}
    assert (CATEGORIES["500"].sigle, CATEGORIES["500"].tutelle) == ("EHPAD", "conjointe")
    assert (CATEGORIES["382"].deprecated_by, CATEGORIES["382"].sigle) == ("", "FV")  # "probably deprecated": not


def test_annuaire_header_is_the_vendored_one():
    assert C.ENTETE == (DOSSIER / referentiels.ENTETE_ANNUAIRE).read_text(encoding="utf-8").strip()
    assert len(C.COLONNES) == 56


def test_loaders_are_cached():
    for chargeur in CHARGEURS.values():
        assert chargeur() is chargeur()


# ------------------------------------------------------------------------------ missing or broken files


@pytest.fixture
def dossier(tmp_path, monkeypatch):
    """socle/referentiels pointed at an empty folder; the loaders' caches emptied before and after."""
    monkeypatch.setattr(referentiels, "DOSSIER", tmp_path)
    for chargeur in CHARGEURS.values():
        chargeur.cache_clear()
    yield tmp_path
    for chargeur in CHARGEURS.values():
        chargeur.cache_clear()


@pytest.mark.parametrize("nom", list(CHARGEURS))
def test_missing_file_is_an_error_naming_it(dossier, nom):
    with pytest.raises(ReferentielInvalide, match="fichier absent") as exc:
        CHARGEURS[nom]()
    assert str(dossier / nom) in str(exc.value) and "socle/referentiels" in str(exc.value)
    assert exc.value.chemin == dossier / nom


@pytest.mark.parametrize("nom,contenu,fragment", [
    (referentiels.ROLES_ENREG, "code;label\n307;MJPM\n", "colonne(s) libelle absente(s)"),
    (referentiels.ROLES_ENREG, "code;libelle\n307;\n", "ligne 2 : colonne(s) libelle vide(s)"),
    (referentiels.ROLES_ENREG, "code;libelle\n307\n", "ligne 2 : colonne(s) libelle vide(s)"),
    (referentiels.ROLES_ENREG, "code;libelle\n307;A\n307;B\n", "ligne 3 : code « 307 » en double"),
    (referentiels.ROLES_ENREG, "code;libelle\n", "table vide"),
    (referentiels.ROLES_ENREG, b"code;libelle\n307;Mandataire \xe9\n", "fichier illisible"),
    (referentiels.MODES_EXERCICE, "", "colonne(s) code, libelle absente(s)"),
    (referentiels.GENRES_ACTIVITE, "code;libelle;libelle_court;utilise_par_rpps_plus_medico_social\n"
                                   "GENR08;Coordination;Coord.;peut-être\n", "attendu : oui… ou non…"),
    (referentiels.CATEGORIES_MEDICO_SOCIALES, "code;libelle;statut_R66\n437;FAM;DEPRECATED 2018-10-26\n",
     "catégorie 437 obsolète sans code de remplacement"),
    (referentiels.ENTETE_ANNUAIRE, "Identifiant PP|Nom d'exercice|\nautre ligne|", "une seule ligne"),
    (referentiels.ENTETE_ANNUAIRE, "Identifiant PP|Nom d'exercice", "une seule ligne"),
    (referentiels.ENTETE_ANNUAIRE, "Identifiant PP|Nom|Nom|", "colonne(s) en double : Nom"),
])
def test_broken_file_is_an_error_naming_it(dossier, nom, contenu, fragment):
    chemin = dossier / nom
    if isinstance(contenu, bytes):
        chemin.write_bytes(contenu)
    else:
        chemin.write_text(contenu, encoding="utf-8")
    with pytest.raises(ReferentielInvalide) as exc:
        CHARGEURS[nom]()
    assert fragment in str(exc.value) and str(chemin) in str(exc.value)


def test_valid_file_with_a_bom_is_read(dossier):
    (dossier / referentiels.MODES_EXERCICE).write_text("\ufeffcode;libelle\nS;Salarié\n", encoding="utf-8")
    assert referentiels.modes_exercice() == (("S", "Salarié"),)


def test_system_check_reports_an_unreadable_metier_table(settings, tmp_path):
    assert [e for e in run_checks() if e.id == "personnel.E001"] == []
    settings.PERSONNEL_METIERS_CSV = str(tmp_path / "absent.csv")
    erreurs = [e for e in run_checks() if e.id == "personnel.E001"]
    assert len(erreurs) == 1 and str(tmp_path / "absent.csv") in erreurs[0].msg


def test_statut_juridique_tre_r72_gives_the_label_of_a_finess_code():
    from socle import referentiels

    statuts = referentiels.statuts_juridiques()
    assert len(statuts) == 79 and statuts["60"] == "Association Loi 1901 non Reconnue d'Utilité Publique"
    assert statuts["17"] == "Centre Communal d'Action Sociale" and statuts["000"] == "En cours de vérification"
    assert referentiels.libelle_statut_juridique("61") == "61 — Association Loi 1901 Reconnue d'Utilité Publique"
    assert referentiels.libelle_statut_juridique("") == ""
    assert "code inconnu" in referentiels.libelle_statut_juridique("99")
