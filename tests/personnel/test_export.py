"""RPPS+ mass-registration export: one CSV per ET, ≤ 200 rows, never an RPPS holder nor a person in error;
files read back and every column checked against the layout."""

import csv
import io
import zipfile
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from socle.personnel import export as exp
from socle.personnel import importer as imp
from socle.personnel.models import GabaritExport, Professionnel
from socle.personnel.nomenclatures import GENRES, ROLES
from tests.organisations.factories import EtablissementFactory, GrappeFactory, OrganismeFactory
from tests.personnel.factories import csv_gabarit, ligne_valide, rpps_valide

pytestmark = pytest.mark.django_db


@pytest.fixture
def peuple():
    """OG with 3 ESMS: 500 rows in the first (3 files), 30 in the second, only non-concerned in the third;
    plus RPPS holders, health professionals, people in error."""
    og = OrganismeFactory()
    et1, et2, et3 = (EtablissementFactory(organisme=og) for _ in range(3))
    lignes = [ligne_valide(i, et1.finess) for i in range(500)]
    lignes += [ligne_valide(i, et2.finess) for i in range(500, 530)]
    for i in range(530, 540):
        lg = ligne_valide(i, et3.finess)
        lg["metier"] = "Surveillant de nuit"
        lignes.append(lg)
    for i in range(0, 40):  # already registered
        lignes[i]["rpps"] = rpps_valide(i)
    for i in range(40, 45):  # health professionals: never primo-registered
        lignes[i]["metier"] = "Infirmière"
    for i in range(45, 55):  # errors: no birthplace, landline
        lignes[i]["commune_naissance"], lignes[i]["pays_naissance"] = "", ""
        lignes[i + 10]["mobile"] = "0478000000"
    lignes[510]["email"] = ""
    imp.importer(csv_gabarit(lignes), "staff.csv", og)
    return og, (et1, et2, et3), lignes


def _lire_zip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_export_files_per_et_split_and_filtered(peuple, tmp_path, capsys):
    og, (et1, et2, et3), lignes = peuple
    call_command("rpps", "export", "--og", og.finess, "--out", str(tmp_path))
    fichiers = sorted(p.name for p in tmp_path.glob("rpps_plus_*.csv"))
    assert fichiers == [f"rpps_plus_{et1.finess}_01.csv", f"rpps_plus_{et1.finess}_02.csv",
                        f"rpps_plus_{et1.finess}_03.csv", f"rpps_plus_{et2.finess}.csv"]
    structure = exp.gabarit_actif(og).structure
    assert structure == exp.STRUCTURE_DEFAUT
    par_cle = {p.nom_naissance: p for p in Professionnel.objects.prefetch_related("situations__etablissement")}
    vus, total = set(), 0
    for nom in fichiers:
        brut = (tmp_path / nom).read_bytes()
        assert brut.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
        rows = list(csv.reader(io.StringIO(brut.decode("utf-8-sig")), delimiter=";"))
        entete, data = rows[0], rows[1:]
        assert entete == [c["entete"] for c in structure["colonnes"]]
        assert 0 < len(data) <= 200
        finess_fichier = nom.split("_")[2].split(".")[0]
        for row in data:
            assert len(row) == len(entete)
            valeurs = dict(zip([c["champ"] for c in structure["colonnes"]], row, strict=True))
            pro = par_cle[valeurs["nom_naissance"]]
            s = next(s for s in pro.situations.all() if s.etablissement.finess == finess_fichier)
            # never an RPPS holder, never a person in error, never twice
            assert not pro.rpps and pro.pk not in vus
            vus.add(pro.pk)
            # every column against the layout, with the codes of the nomenclatures
            for col in structure["colonnes"]:
                assert valeurs[col["champ"]] == exp.valeur(structure, col, pro, s)
            assert valeurs["finess_et"] == finess_fichier
            assert valeurs["role"] in ROLES and valeurs["genre_activite"] in GENRES
            assert valeurs["profession"] == "99" and valeurs["mode_exercice"] == "S"
            assert valeurs["categorie_professionnelle"] == "C"
            assert date(*reversed([int(x) for x in valeurs["date_naissance"].split("/")])) == pro.date_naissance
            assert valeurs["sexe"] in ("M", "F") and valeurs["civilite"] in ("M", "MME")
            total += 1
    # 540 rows - 40 RPPS - 5 health - 21 errors - 10 non concerned
    assert total == 540 - 40 - 5 - 21 - 10 == 464
    erreurs = list(csv.DictReader(io.StringIO((tmp_path / "erreurs.csv").read_text(encoding="utf-8-sig")),
                                  delimiter=";"))
    assert len(erreurs) == 21
    noms_erreurs = {e["nom_naissance"] for e in erreurs}
    assert lignes[45]["nom_naissance"] in noms_erreurs and lignes[510]["nom_naissance"] in noms_erreurs
    motifs = " ".join(e["motif"] for e in erreurs)
    assert "lieu de naissance absent" in motifs and "n'est pas un mobile français" in motifs
    assert "e-mail absent" in motifs
    assert "Export RPPS+ — 464 professionnel(s)" in capsys.readouterr().out


def test_a_person_in_two_esms_is_registered_once(peuple):
    og, (et1, et2, _), lignes = peuple
    double = dict(lignes[100])
    double["finess_et"], double["date_prise_fonction"] = et2.finess, "01/01/2024"
    imp.importer(csv_gabarit([*lignes, double]), "staff.csv", og)
    res = exp.exporter(og.etablissements.all())
    noms = [ln.split(";")[1] for data in res.fichiers.values() for ln in data.decode("utf-8-sig").splitlines()[1:]]
    assert noms.count(lignes[100]["nom_naissance"]) == 1
    assert len(noms) == len(set(noms)) == 464
    situations = res.situations_csv().decode("utf-8-sig")
    assert lignes[100]["nom_naissance"] in situations and et2.finess in situations
    assert "situations_a_ajouter.csv" in _lire_zip(res.zip())


def test_zip_bundles_files_summary_and_errors(peuple):
    og, ets, _ = peuple
    res = exp.exporter(og.etablissements.all())
    contenu = _lire_zip(res.zip())
    assert "erreurs.csv" in contenu and "LISEZMOI.txt" in contenu
    assert "Gabarit par défaut Socle" in contenu["LISEZMOI.txt"].decode()
    assert sum(1 for n in contenu if n.startswith("rpps_plus_")) == 4


def test_real_template_header_replaces_the_layout(peuple):
    og, (et1, *_), _ = peuple
    entete = "Civilité|NOM DE NAISSANCE|Prénom(s)|Date de naissance|Code commune de naissance|Adresse mail|" \
             "Numéro de téléphone portable|Rôle|Genre d'activité|Donnée inconnue du portail\r\n"
    structure, avert = exp.structure_depuis_fichier(entete.encode("cp1252"), exp.STRUCTURE_DEFAUT)
    assert structure["separateur"] == "|" and structure["encodage"] == "cp1252"
    champs = [c["champ"] for c in structure["colonnes"]]
    assert champs[:9] == ["civilite", "nom_naissance", "prenoms", "date_naissance", "commune_naissance", "email",
                          "mobile", "role", "genre_activite"]
    assert champs[9] == "vide" and len(avert) == 1 and "Donnée inconnue" in avert[0]
    g = exp.enregistrer_gabarit(og, structure, "Gabarit officiel (essai)")
    assert g.version == 1 and exp.gabarit_actif(og) == g
    res = exp.exporter([et1])
    brut = next(v for k, v in res.fichiers.items() if k.endswith("_01.csv"))
    lignes = brut.decode("cp1252").splitlines()
    assert lignes[0].split("|") == [c["entete"] for c in structure["colonnes"]]
    assert all(len(ln.split("|")) == 10 for ln in lignes)
    # a mapping file gives labels instead of codes; a new version, the old one kept
    mapping = "entete;champ;valeur\nNom;nom_naissance;code\nRôle;role;libelle\nGenre;genre_activite;libelle\n"
    structure2, _ = exp.structure_depuis_fichier(mapping.encode(), structure)
    g2 = exp.enregistrer_gabarit(og, structure2, "Correspondance")
    assert g2.version == 2 and GabaritExport.objects.filter(organisme=og).count() == 2
    brut = next(v for k, v in exp.exporter([et1]).fichiers.items() if k.endswith("_01.csv"))
    row = brut.decode("cp1252").splitlines()[1].split("|")
    assert row[1] in ROLES.values() and row[2] in GENRES.values()


def test_invalid_layout_is_refused_in_french():
    with pytest.raises(exp.GabaritInvalide, match="champ « age » inconnu"):
        exp.structure_depuis_fichier(b"entete;champ\nAge;age\n")


def test_grappe_export_covers_member_og(peuple, tmp_path):
    og, ets, _ = peuple
    og2 = OrganismeFactory()
    et_b = EtablissementFactory(organisme=og2)
    imp.importer(csv_gabarit([ligne_valide(i, et_b.finess) for i in range(5)]), "b.csv", og2)
    grappe = GrappeFactory()
    grappe.membres.add(og, og2)
    call_command("rpps", "export", "--grappe", str(grappe.pk), "--out", str(tmp_path))
    assert (tmp_path / f"rpps_plus_{et_b.finess}.csv").exists()
    assert (tmp_path / f"rpps_plus_{ets[1].finess}.csv").exists()


def test_commande_et_ecran_tracent_le_meme_export(peuple, tmp_path, client_de):
    """One use case (export.exporter_pour) behind `socle rpps export` and the screen's zip: the same audit event."""
    from socle.audit.models import Action, EvenementAudit
    from socle.comptes.models import Fonction
    from tests.comptes.factories import utilisateur_avec

    og = peuple[0]
    call_command("rpps", "export", "--og", og.finess, "--out", str(tmp_path))
    rh = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)
    assert client_de(rh).get(reverse("personnel:export_zip", args=[og.finess])).status_code == 200
    commande, ecran = EvenementAudit.objects.filter(action=Action.EXPORT).order_by("pk")
    assert commande.utilisateur is None and ecran.utilisateur == rh
    for ev in (commande, ecran):
        assert ev.objet_id == str(og.pk) and ev.objet_libelle == f"Export RPPS+ — {og}"
    assert commande.details == ecran.details and commande.details["inclus"] > 0
