"""FINESS import: the real extract, idempotence, atomicity, filters, formats, streaming, screen and task."""

import copy
import datetime as dt
import gzip
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from socle.comptes.models import Fonction
from socle.core.identifiants import avec_cle_luhn
from socle.organisations import finess_import
from socle.organisations.finess_import import importer, iterer_json, lambert93_vers_wgs84, ouvrir
from socle.organisations.models import Etablissement, Grappe, ImportFiness, OrganismeGestionnaire, Tutelle
from tests.chemins import EXTRAIT_FINESS, FIXTURES
from tests.comptes.factories import UtilisateurFactory, utilisateur_avec
from tests.organisations.factories import GrappeFactory

CSV_FIXTURE = FIXTURES / "finess-etalab-extrait.csv"
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                         "QUEUES": ["default", "imports", "ins"]}}

pytestmark = pytest.mark.django_db


@pytest.fixture
def extrait() -> Path:
    return EXTRAIT_FINESS


@pytest.fixture
def flux(extrait) -> dict:
    return json.loads(extrait.read_text(encoding="utf-8"))


def ecrire(tmp_path: Path, data: dict, nom: str = "flux.json") -> Path:
    chemin = tmp_path / nom
    chemin.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return chemin


def ege(data: dict, finess: str) -> dict:
    for pm in data["pmej"]:
        for eg in pm["ege"]:
            if eg["informationsGeneralesEGE"]["numFinessEge"] == finess:
                return eg
    raise KeyError(finess)


def pmej(data: dict, finess: str) -> dict:
    return next(pm for pm in data["pmej"] if pm["informationsGeneralesPMEJ"]["numFinessPm"] == finess)


def etat_base() -> list:
    """Everything the import may touch, to prove a refused import changed nothing."""
    return [
        list(OrganismeGestionnaire.objects.order_by("finess").values()),
        list(Etablissement.objects.order_by("finess").values()),
        list(Grappe.objects.order_by("pk").values("nom", "identifiant_externe")),
    ]


def finess_valide(corps: str) -> str:
    return avec_cle_luhn(corps)


# ---------------------------------------------------------------------------------------------- real extract


def test_import_extrait_reel(extrait):
    res = importer(extrait)
    assert res.applique and not res.rejets
    assert (res.ej.crees, res.et.crees) == (6, 12)
    assert OrganismeGestionnaire.objects.count() == 6
    assert Etablissement.objects.count() == 12

    et = Etablissement.objects.select_related("organisme").get(finess="010780575")
    assert et.organisme.finess == "010000255"
    assert et.nom == "INSTITUT DES JEUNES SOURDS"
    assert et.nom_long == "INSTITUT DES JEUNES SOURDS BOURG-EN-BRESSE"
    assert et.adresse == "5 RUE DU LYCEE"
    assert (et.code_postal, et.commune, et.code_commune, et.departement) == ("01000", "BOURG EN BRESSE", "01053", "01")
    assert (et.latitude, et.longitude) == (Decimal("46.200985"), Decimal("5.226104"))
    assert (et.categorie_code, et.categorie_libelle) == ("195", "Institut pour déficients auditifs")
    assert et.tutelle == Tutelle.ARS
    assert et.siret == "77930919400024"
    assert et.date_ouverture == dt.date(1957, 6, 7)
    assert et.mode_fixation_tarifaire == "57"
    assert et.telephone == "0474226685"
    assert timezone.localtime(et.date_maj_finess) == dt.datetime(2022, 2, 7, tzinfo=timezone.get_current_timezone())
    assert Etablissement.objects.get(finess="010780930").adresse == "116 AVENUE DES FRERES COSTAZ"
    assert Etablissement.objects.get(finess="010780930").tutelle == Tutelle.CONJOINTE
    # Wallis-et-Futuna: department from the INSEE commune code, not the 2-character FINESS prefix
    assert Etablissement.objects.get(finess="980600027").departement == "986"

    og = OrganismeGestionnaire.objects.get(finess="010000016")
    assert og.raison_sociale == "MAISON DE RETRAITE - DIVONNE-LES-BAINS"
    assert (og.siren, og.statut_juridique, og.pm_smsse_id) == ("260104633", "21", "1")
    assert og.adresse == "240 RUE GUY DE MAUPASSANT" and og.commune == "DIVONNE LES BAINS"
    assert og.etat == "I" and og.date_fermeture == dt.date(2019, 3, 3)


def test_ej_fermee_avec_et_actifs_et_anomalies(extrait):
    res = importer(extrait)
    og = OrganismeGestionnaire.objects.get(finess="010000339")
    assert og.etat == "I" and og.date_fermeture == dt.date(2026, 3, 2)
    assert set(og.etablissements.filter(etat="A").values_list("finess", flat=True)) == {"010780906", "010006401"}
    assert Etablissement.objects.get(finess="010784528").etat == "I"
    assert Etablissement.objects.get(finess="010790061").etat == "I"

    par_objet = {(a["code"], a["objet"]) for a in res.anomalies}
    assert ("et_actif_ej_ferme", "010780906") in par_objet
    assert ("et_actif_ej_ferme", "010006401") in par_objet
    assert ("ej_fermee_sans_et", "010000016") in par_objet  # EJ without ET
    assert ("nom_sans_commune", "010780575") in par_objet  # "INSTITUT DES JEUNES SOURDS" in BOURG EN BRESSE
    assert ("nom_sans_commune", "010780922") not in par_objet  # "… À CERDON" contains its town
    assert res.anomalies_par_code["et_actif_ej_ferme"] == 2
    assert any("010780906" in ligne and "Bloquant" in ligne for ligne in res.lignes())


def test_categories_obsoletes_et_hors_champ(tmp_path, flux):
    ege(flux, "010780930")["categorieentiteGeographiqueExercice"] = "437"  # FAM, replaced by 448 EAM
    res = importer(ecrire(tmp_path, flux))
    assert res.categories_obsoletes == {"437": 1}
    # 200 (old "maison de retraite") and 355 (hospital) are accepted with a generic label, and flagged
    assert res.categories_hors_nomenclature == {"200": 1, "355": 2}
    et = Etablissement.objects.get(finess="010780930")
    assert et.categorie_obsolete == "448"
    assert et.categorie_libelle.startswith("Foyer d'accueil médicalisé")
    assert Etablissement.objects.get(finess="010784528").categorie_libelle.startswith("Catégorie 200")
    assert ("categorie_obsolete", "010780930") in {(a["code"], a["objet"]) for a in res.anomalies}
    assert any("Catégorie obsolète 437" in ligne and "448" in ligne for ligne in res.lignes())


# ---------------------------------------------------------------------------------------------- idempotence


def test_second_import_ne_cree_rien(extrait):
    importer(extrait)
    avant = etat_base()
    res = importer(extrait)
    assert (res.ej.crees, res.et.crees, res.ej.modifies, res.et.modifies) == (0, 0, 0, 0)
    assert (res.ej.inchanges, res.et.inchanges) == (6, 12)
    assert etat_base() == avant


def test_fichier_modifie_met_a_jour(tmp_path, extrait, flux):
    importer(extrait)
    et = Etablissement.objects.get(finess="010780922")
    et.tutelle = Tutelle.ARS  # set by hand in Socle: an update from FINESS must keep it
    et.save()
    ege(flux, "010780922")["informationsGeneralesEGE"]["nomEgeCourt"] = "EHPAD L'ALBIZIA - CERDON"
    ege(flux, "010780922")["adresse"][0]["coordonneesGeographique"]["directionLatitude"] = "46.1"
    pmej(flux, "010000362")["etatObjet"] = "I"
    res = importer(ecrire(tmp_path, flux))
    assert (res.ej.crees, res.ej.modifies, res.ej.inchanges) == (0, 1, 5)
    assert (res.et.crees, res.et.modifies, res.et.inchanges) == (0, 1, 11)
    et.refresh_from_db()
    assert et.nom == "EHPAD L'ALBIZIA - CERDON" and et.latitude == Decimal("46.1")
    assert et.tutelle == Tutelle.ARS
    assert OrganismeGestionnaire.objects.get(finess="010000362").etat == "I"
    assert Etablissement.objects.count() == 12


def test_dry_run_ne_change_rien(extrait):
    res = importer(extrait, dry_run=True)
    assert (res.ej.crees, res.et.crees) == (6, 12) and not res.applique
    assert res.anomalies  # the anomalies are computed on the simulated data
    assert OrganismeGestionnaire.objects.count() == 0


# ---------------------------------------------------------------------------------------------- atomicity


def test_json_cle_invalide_rejete_tout(tmp_path, extrait, flux):
    importer(extrait)
    ege(flux, "010780922")["informationsGeneralesEGE"]["nomEgeCourt"] = "NOM QUI NE DOIT PAS ÊTRE ENREGISTRÉ"
    ege(flux, "010008183")["informationsGeneralesEGE"]["numFinessEge"] = "010008184"  # wrong check digit
    avant = etat_base()
    res = importer(ecrire(tmp_path, flux))
    assert not res.applique
    assert len(res.rejets) == 1
    rejet = res.rejets[0]
    assert (rejet.reference, rejet.finess) == ("pmej n°2, ege n°2", "010008184")
    assert "clé de contrôle incorrecte" in rejet.motif and "3" in rejet.motif
    assert etat_base() == avant
    assert any("Import annulé" in ligne for ligne in res.lignes())


def test_json_ej_invalide_rejette_ses_et(tmp_path, flux):
    del pmej(flux, "010000339")["informationsGeneralesPMEJ"]["denominationPm"]
    del pmej(flux, "010000339")["informationsGeneralesPMEJ"]["denominationLonguePmSmsse"]
    res = importer(ecrire(tmp_path, flux))
    refs = {(r.reference, r.finess): r.motif for r in res.rejets}
    assert "denominationPm" in refs[("pmej n°3", "010000339")]
    assert "entité juridique rejetée" in refs[("pmej n°3, ege n°1", "010780906")]
    assert (res.ej.rejetes, res.et.rejetes) == (1, 2)
    assert OrganismeGestionnaire.objects.count() == 0


def test_json_malforme(tmp_path, extrait):
    importer(extrait)
    avant = etat_base()
    texte = extrait.read_text(encoding="utf-8")
    cible = '"numFinessPm": "010000354"'
    coupe = texte.index(cible)  # break the 4th EJ
    chemin = tmp_path / "casse.json"
    chemin.write_text(texte[:coupe] + '"numFinessPm": 010000354 ,, ' + texte[coupe + len(cible):], encoding="utf-8")
    res = importer(chemin)
    assert not res.applique
    assert res.rejets[-1].reference == "fichier"
    assert "JSON malformé après pmej n°3" in res.rejets[-1].motif
    assert etat_base() == avant


def test_commande_rejet_code_retour_1(tmp_path, flux):
    ege(flux, "010780575")["informationsGeneralesEGE"]["numFinessEge"] = "010780576"
    chemin = ecrire(tmp_path, flux)
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_finess", str(chemin), "--quiet", stdout=out)
    assert exc.value.returncode == 1
    assert "pmej n°2, ege n°1 (FINESS 010780576) : numéro FINESS invalide" in out.getvalue()
    assert OrganismeGestionnaire.objects.count() == 0 and Etablissement.objects.count() == 0


def test_commande_ignorer_rejets(tmp_path, flux):
    ege(flux, "010780575")["informationsGeneralesEGE"]["numFinessEge"] = "010780576"
    out = io.StringIO()
    call_command("import_finess", str(ecrire(tmp_path, flux)), "--quiet", "--ignorer-rejets", stdout=out)
    assert Etablissement.objects.count() == 11 and OrganismeGestionnaire.objects.count() == 6
    assert "010780576" in out.getvalue() and "Import enregistré." in out.getvalue()


def test_commande_extrait(extrait):
    out = io.StringIO()
    call_command("import_finess", str(extrait), "--quiet", stdout=out)
    assert "Entités juridiques (EJ) : 6 créé(s)" in out.getvalue()
    out = io.StringIO()
    call_command("import_finess", str(extrait), "--quiet", stdout=out)
    assert "Établissements (ET) : 0 créé(s), 0 modifié(s), 12 inchangé(s)" in out.getvalue()


# ---------------------------------------------------------------------------------------------- CSV etalab


def test_csv_etalab(tmp_path, extrait):
    importer(extrait)
    res = importer(CSV_FIXTURE)
    assert res.format == "CSV etalab" and not res.rejets and res.applique
    assert res.et.crees == 1  # 010012342, the SSIAD of L'ALBIZIA
    nouveau = Etablissement.objects.select_related("organisme").get(finess="010012342")
    assert nouveau.organisme.finess == "010000354"
    assert (nouveau.categorie_code, nouveau.tutelle) == ("354", Tutelle.ARS)
    assert (nouveau.code_postal, nouveau.commune, nouveau.code_commune) == ("01450", "CERDON", "01068")
    assert nouveau.adresse == "362 RUE DE LA GRAND' COTE"
    assert nouveau.latitude is None  # no geolocalisation line for it
    cerdon = Etablissement.objects.get(finess="010780922")
    assert cerdon.nom == "EHPAD RESIDENCE L'ALBIZIA À CERDON"
    # Lambert-93 of the geolocalisation line converted back to the JSON's WGS84 within ~1 m
    assert abs(cerdon.latitude - Decimal("46.084039")) < Decimal("0.00002")
    assert abs(cerdon.longitude - Decimal("5.465242")) < Decimal("0.00002")
    again = importer(CSV_FIXTURE)
    assert (again.et.crees, again.et.modifies, again.et.inchanges) == (0, 0, 4)


def test_csv_latin1(tmp_path, extrait):
    importer(extrait)
    chemin = tmp_path / "etalab-latin1.csv"
    chemin.write_bytes(CSV_FIXTURE.read_text(encoding="utf-8").encode("latin-1"))
    res = importer(chemin)
    assert not res.rejets
    assert Etablissement.objects.get(finess="010780922").nom == "EHPAD RESIDENCE L'ALBIZIA À CERDON"


def test_csv_lignes_cassees_rejetees(tmp_path, extrait):
    importer(extrait)
    avant = etat_base()
    lignes = CSV_FIXTURE.read_text(encoding="utf-8").splitlines()
    inconnue = finess_valide("01099123")
    lignes[1] = lignes[1].replace("structureet;010780922", "structureet;010780923")  # line 2: bad check digit
    lignes[3] = lignes[3].replace(";010000354;", f";{inconnue};")  # line 4: unknown EJ
    lignes[4] = ";".join(lignes[4].split(";")[:20])  # line 5: truncated
    chemin = tmp_path / "casse.csv"
    chemin.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    res = importer(chemin)
    motifs = {r.reference: (r.finess, r.motif) for r in res.rejets}
    assert motifs["ligne 2"][0] == "010780923" and "clé de contrôle" in motifs["ligne 2"][1]
    assert motifs["ligne 4"][0] == "010012342" and f"entité juridique {inconnue} inconnue" in motifs["ligne 4"][1]
    assert motifs["ligne 5"][0] == "010780575" and "31 colonnes attendues" in motifs["ligne 5"][1]
    assert len(res.rejets) == 3 and not res.applique
    assert etat_base() == avant


def test_csv_sans_ej_connue_rejete(tmp_path):
    res = importer(CSV_FIXTURE)
    assert res.et.rejetes == 4 and not res.applique
    assert Etablissement.objects.count() == 0


def test_lambert93_point_de_reference():
    # Paris, parvis de Notre-Dame: about (652 300, 6 861 650) in Lambert-93
    lat, lon = lambert93_vers_wgs84(652297, 6861636)
    assert abs(lat - 48.853) < 0.001 and abs(lon - 2.3499) < 0.001


# ---------------------------------------------------------------------------------------------- filters


def test_filtre_departement(extrait):
    res = importer(extrait, departements=["986"])
    assert list(OrganismeGestionnaire.objects.values_list("finess", flat=True)) == ["980600019"]
    assert Etablissement.objects.count() == 2
    assert res.hors_perimetre == 15


def test_filtre_categorie(extrait):
    importer(extrait, categories=["500"])
    assert set(Etablissement.objects.values_list("finess", flat=True)) == {"010780906", "010780922", "010780930"}
    assert set(OrganismeGestionnaire.objects.values_list("finess", flat=True)) == {"010000339", "010000354",
                                                                                   "010000362"}


def test_filtre_categorie_et_departement(extrait):
    importer(extrait, departements=["1"], categories=["182", "354"])
    assert set(Etablissement.objects.values_list("finess", flat=True)) == {
        "010008183", "010790061", "010011914", "010006401"}


def test_filtre_ignore_les_rejets_hors_perimetre(tmp_path, flux):
    ege(flux, "980600027")["informationsGeneralesEGE"]["numFinessEge"] = "980600028"
    res = importer(ecrire(tmp_path, flux), departements=["01"])
    assert not res.rejets and res.applique
    assert Etablissement.objects.count() == 10


# ---------------------------------------------------------------------------------------------- formats


def test_gz_et_zip(tmp_path, extrait):
    gz = tmp_path / "finess.json.gz"
    gz.write_bytes(gzip.compress(extrait.read_bytes()))
    assert importer(gz).et.crees == 12
    zp = tmp_path / "finess.zip"
    with zipfile.ZipFile(zp, "w") as z:
        z.write(CSV_FIXTURE, "etalab-cs1100507-stock-20260309-0336.csv")
    res = importer(zp)
    assert res.format == "CSV etalab" and res.et.crees == 1 and not res.rejets


def test_format_inconnu(tmp_path):
    chemin = tmp_path / "x.csv"
    chemin.write_text("nom;prenom\nDUPONT;Jean\n", encoding="utf-8")
    with pytest.raises(finess_import.FormatInconnu):
        importer(chemin)


def test_groupement_gcc(tmp_path, flux):
    flux["gcc"][0]["pmejDuGcc"].append({"pmSmsseId": "9", "typeRoleEntiteGroupe": "M"})
    flux["gcc"][0]["pmejDuGcc"].append({"pmSmsseId": "17", "typeRoleEntiteGroupe": "M"})
    chemin = ecrire(tmp_path, flux)
    res = importer(chemin)
    grappe = Grappe.objects.get(identifiant_externe="GCC-1")
    assert grappe.type == Grappe.Type.GROUPEMENT_FINESS and grappe.nom == "21-52 Côte d'Or-Haute-Marne"
    assert set(grappe.membres.values_list("finess", flat=True)) == {"010000255", "010000339"}
    assert res.grappes.crees == 1
    assert sorted(res.membres_absents) == ["GCC-1 : pmSmsseId 14869 (absent du fichier)",
                                           "GCC-1 : pmSmsseId 14967 (absent du fichier)"]
    assert importer(chemin).grappes.inchanges == 1


def test_groupement_sans_membre_ignore(extrait):
    res = importer(extrait)
    assert Grappe.objects.count() == 0
    assert "GCC-1" in res.groupements_ignores[0]


# ---------------------------------------------------------------------------------------------- streaming


def _gros_flux(chemin: Path, nb_ej: int) -> None:
    modele = json.loads(EXTRAIT_FINESS.read_text(encoding="utf-8"))["pmej"][1]
    with chemin.open("w", encoding="utf-8") as f:
        f.write('{"schemaVersion": "v1.0.0", "gcc": [], "gco": [], "pmej": [')
        for i in range(nb_ej):
            pm = copy.deepcopy(modele)
            pm["informationsGeneralesPMEJ"]["numFinessPm"] = finess_valide(f"69{i:06d}")
            for j, eg in enumerate(pm["ege"]):
                eg["informationsGeneralesEGE"]["numFinessEge"] = finess_valide(f"6{j}{i:06d}")
            f.write(("," if i else "") + json.dumps(pm, ensure_ascii=False))
        f.write("]}")


def test_lecture_en_flux_paresseuse(tmp_path):
    chemin = tmp_path / "gros.json"
    _gros_flux(chemin, 3000)
    taille = chemin.stat().st_size
    assert taille > 10_000_000
    with ouvrir(chemin) as flux:
        items = iterer_json(flux)
        premier = next(items)
        lus = flux.raw.lus  # bytes taken from the disk so far
        assert premier.tableau == "pmej" and premier.position == 1
        assert premier.valeur["informationsGeneralesPMEJ"]["numFinessPm"] == finess_valide("69000000")
        assert lus < taille / 20  # the first EJ came long before the end of the file was read
        deuxieme = next(items)
        assert deuxieme.position == 2


def test_import_sans_json_load(tmp_path, monkeypatch):
    def interdit(*args, **kwargs):
        raise AssertionError("json.load/json.loads ne doit pas être appelé sur le fichier")

    chemin = tmp_path / "moyen.json"
    _gros_flux(chemin, 50)
    monkeypatch.setattr(json, "load", interdit)
    monkeypatch.setattr(json, "loads", interdit)
    res = importer(chemin, anomalies=False)
    assert not res.rejets and res.applique
    assert (res.ej.crees, res.et.crees) == (50, 250)
    assert Etablissement.objects.count() == 250


# ---------------------------------------------------------------------------------------------- screen + task


@pytest.fixture
def ecran(settings, tmp_path):
    settings.TASKS = IMMEDIATE
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def test_ecran_import_chef_de_projet(ecran, client_de, extrait):
    importer(extrait)  # the installation's reference, loaded by its administrator
    grappe = GrappeFactory()
    grappe.membres.set(OrganismeGestionnaire.objects.all())
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe)
    client = client_de(chef)
    assert client.get(reverse("organisations:import_finess")).status_code == 200
    fichier = SimpleUploadedFile("structures.json", extrait.read_bytes(), content_type="application/json")
    rep = client.post(reverse("organisations:import_finess"), {"fichier": fichier, "departements": "01"})
    run = ImportFiness.objects.get()
    assert rep.status_code == 302 and rep["Location"] == run.get_absolute_url()
    assert run.statut == ImportFiness.Statut.TERMINE and run.lance_par == chef
    assert Path(run.fichier.path).is_file() and str(ecran.MEDIA_ROOT) in run.fichier.path
    assert run.options["departements"] == ["01"]
    assert run.compteurs["ej"]["inchanges"] == 5 and run.compteurs["et"]["inchanges"] == 10
    assert run.compteurs["hors_droits"] == []
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Terminé" in page and "RESIDENCE FONTELUNE" in page and "Bloquant" in page
    assert "Format détecté : flux JSON « structures »" in page and "{{" not in page


def test_ecran_import_rejets(ecran, client_de, tmp_path, flux):
    admin = UtilisateurFactory(is_superuser=True)
    ege(flux, "010780575")["informationsGeneralesEGE"]["numFinessEge"] = "010780576"
    contenu = json.dumps(flux).encode()
    client = client_de(admin)
    client.post(reverse("organisations:import_finess"),
                {"fichier": SimpleUploadedFile("casse.json", contenu)})
    run = ImportFiness.objects.get()
    assert run.statut == ImportFiness.Statut.REJETE
    assert run.rejets == [{"reference": "pmej n°2, ege n°1", "finess": "010780576",
                           "motif": run.rejets[0]["motif"]}]
    assert OrganismeGestionnaire.objects.count() == 0
    page = client.get(run.get_absolute_url()).content.decode()
    assert "pmej n°2, ege n°1" in page and "010780576" in page


def test_ecran_import_droits(ecran, client, client_de, extrait):
    url = reverse("organisations:import_finess")
    assert client.get(url).status_code == 302  # anonymous: to the login page
    og_user = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, grappe=GrappeFactory())
    c = client_de(og_user)
    assert c.get(url).status_code == 403
    fichier = SimpleUploadedFile("structures.json", extrait.read_bytes())
    assert c.post(url, {"fichier": fichier}).status_code == 403
    assert ImportFiness.objects.count() == 0 and OrganismeGestionnaire.objects.count() == 0
    run = ImportFiness.objects.create(nom_fichier="x.json", fichier="imports/x.json")
    assert c.get(run.get_absolute_url()).status_code == 403


def test_ecran_refuse_extension(ecran, client_de):
    admin = UtilisateurFactory(is_superuser=True)
    rep = client_de(admin).post(reverse("organisations:import_finess"),
                                {"fichier": SimpleUploadedFile("finess.pdf", b"%PDF")})
    assert rep.status_code == 200 and "Extension non reconnue" in rep.content.decode()
    assert ImportFiness.objects.count() == 0


def test_lien_import_selon_fonction(client_de):
    url = reverse("organisations:og_list")
    lien = reverse("organisations:import_finess")
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=GrappeFactory())
    assert lien in client_de(chef).get(url).content.decode()
    rh = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, grappe=GrappeFactory())
    assert lien not in client_de(rh).get(url).content.decode()


@pytest.mark.parametrize(("modif", "attendu"), [
    (lambda eg: eg["informationsGeneralesEGE"].update(dateOuverture="1957-13-45"), "date invalide dans « dateOuverture »"),
    (lambda eg: eg.update(etatObjet="X"), "« etatObjet » doit valoir A (actif) ou I (inactif)"),
    (lambda eg: eg.pop("categorieentiteGeographiqueExercice"), "catégorie) absent"),
    (lambda eg: eg["informationsGeneralesEGE"].update(numFinessEge="010780922"), "ET en double dans le fichier"),
    (lambda eg: eg["informationsGeneralesEGE"].update(nomEgeCourt="X" * 201, nomEgeLong=""), "dépasse 200 caractères"),
])
def test_motifs_de_rejet(tmp_path, flux, modif, attendu):
    modif(ege(flux, "010780930"))
    res = importer(ecrire(tmp_path, flux))
    assert [r.finess for r in res.rejets] in (["010780930"], ["010780922"])
    assert attendu in res.rejets[0].motif, res.rejets[0].motif
    assert res.rejets[0].reference == "pmej n°5, ege n°1"
    assert OrganismeGestionnaire.objects.count() == 0


def test_numero_corse(tmp_path, flux):
    numero = "2A000123" + finess_valide("20000123")[-1]  # Corsican key computed with "20"
    eg = ege(flux, "010780930")
    eg["informationsGeneralesEGE"]["numFinessEge"] = numero
    eg["adresse"][0]["cogCommune"] = "2A004"
    importer(ecrire(tmp_path, flux))
    et = Etablissement.objects.get(finess=numero)
    assert et.departement == "2A"
    assert Etablissement.objects.filter(departement="2A").count() == 1


# ------------------------------------------------------------------ who may load FINESS, and what it may change


def _deux_og(extrait) -> tuple[OrganismeGestionnaire, OrganismeGestionnaire, Etablissement]:
    """The extract loaded installation-wide; returns two OG and an ET of the second."""
    importer(extrait)
    a, b = OrganismeGestionnaire.objects.filter(etablissements__isnull=False).distinct().order_by("finess")[:2]
    return a, b, b.etablissements.order_by("finess").first()


def _rattacher_dans_le_flux(flux: dict, et: Etablissement, vers: OrganismeGestionnaire) -> None:
    """Move the ET's `ege` item under another `pmej` of the file (what an attacker's file would do)."""
    item = ege(flux, et.finess)
    for pm in flux["pmej"]:
        if item in pm["ege"]:
            pm["ege"].remove(item)
    pmej(flux, vers.finess)["ege"].append(item)


def test_fonction_sur_un_organisme_ne_donne_pas_le_droit_d_importer(ecran, client_de, extrait):
    """Finding 1: a chef de projet (or représentant légal) function on one OG does not open the FINESS import."""
    og = OrganismeGestionnaire.objects.create(finess=finess_valide("01000000"), raison_sociale="OG")
    for fonction in (Fonction.CHEF_PROJET, Fonction.REPRESENTANT_LEGAL):
        c = client_de(utilisateur_avec(fonction, organisme=og))
        url = reverse("organisations:import_finess")
        assert c.get(url).status_code == 403
        assert c.post(url, {"fichier": SimpleUploadedFile("s.json", extrait.read_bytes())}).status_code == 403
    assert ImportFiness.objects.count() == 0 and OrganismeGestionnaire.objects.count() == 1


def test_chef_de_projet_ne_modifie_que_les_organismes_de_sa_grappe(ecran, client_de, tmp_path, extrait, flux):
    a, b, et_b = _deux_og(extrait)
    et_a = a.etablissements.order_by("finess").first()
    grappe = GrappeFactory()
    grappe.membres.set([a])
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe)
    ege(flux, et_a.finess)["informationsGeneralesEGE"]["nomEgeCourt"] = "NOUVEAU NOM A"
    ege(flux, et_b.finess)["informationsGeneralesEGE"]["nomEgeCourt"] = "PRIS PAR UN AUTRE"
    pmej(flux, b.finess)["informationsGeneralesPMEJ"]["raisonSocialePm"] = "PRIS PAR UN AUTRE"
    client_de(chef).post(reverse("organisations:import_finess"),
                         {"fichier": SimpleUploadedFile("s.json", json.dumps(flux).encode())})
    run = ImportFiness.objects.get()
    assert run.statut == ImportFiness.Statut.TERMINE, run.message
    et_a.refresh_from_db()
    et_b.refresh_from_db()
    b.refresh_from_db()
    assert et_a.nom == "NOUVEAU NOM A"
    assert et_b.nom != "PRIS PAR UN AUTRE" and b.raison_sociale != "PRIS PAR UN AUTRE"
    assert f"EJ {b.finess}" in run.compteurs["hors_droits"] and f"ET {et_b.finess}" in run.compteurs["hors_droits"]
    assert OrganismeGestionnaire.objects.count() == len(flux["pmej"])  # nothing created outside her grappe


def test_un_import_ne_rattache_pas_un_esms_a_un_autre_organisme(ecran, client_de, tmp_path, extrait, flux):
    """Finding 1: the attacker's file lists another OG's ESMS under her own OG; the ESMS stays where it is."""
    a, b, et_b = _deux_og(extrait)
    _rattacher_dans_le_flux(flux, et_b, a)
    contenu = json.dumps(flux).encode()
    # a chef de projet whose grappe holds only A: B's ESMS is out of her reach
    grappe = GrappeFactory()
    grappe.membres.set([a])
    client_de(utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe)).post(
        reverse("organisations:import_finess"), {"fichier": SimpleUploadedFile("s.json", contenu)})
    # a chef de projet of both: the move is rejected, nothing written
    grappe2 = GrappeFactory()
    grappe2.membres.set([a, b])
    client_de(utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe2)).post(
        reverse("organisations:import_finess"),
        {"fichier": SimpleUploadedFile("s.json", contenu), "confirmer_rattachements": "on"})
    # the installation administrator without confirming: rejected too
    client_de(UtilisateurFactory(is_superuser=True)).post(
        reverse("organisations:import_finess"), {"fichier": SimpleUploadedFile("s.json", contenu)})
    premier, deuxieme, troisieme = ImportFiness.objects.order_by("pk")
    assert f"ET {et_b.finess}" in premier.compteurs["hors_droits"]
    assert deuxieme.statut == troisieme.statut == ImportFiness.Statut.REJETE
    assert deuxieme.options["confirmer_rattachements"] is False
    assert any(r["finess"] == et_b.finess and "administrateur de l'installation" in r["motif"]
               for r in troisieme.rejets)
    et_b.refresh_from_db()
    assert et_b.organisme == b


def test_l_administrateur_confirme_un_rattachement_journalise(ecran, client_de, tmp_path, extrait, flux):
    from socle.audit.models import EvenementAudit

    a, b, et_b = _deux_og(extrait)
    _rattacher_dans_le_flux(flux, et_b, a)
    admin = UtilisateurFactory(is_superuser=True)
    client_de(admin).post(reverse("organisations:import_finess"), {
        "fichier": SimpleUploadedFile("s.json", json.dumps(flux).encode()), "confirmer_rattachements": "on"})
    run = ImportFiness.objects.get()
    assert run.statut == ImportFiness.Statut.TERMINE, run.rejets
    et_b.refresh_from_db()
    assert et_b.organisme == a
    ev = EvenementAudit.objects.get(objet_type="organisations.Etablissement", objet_id=et_b.finess)
    assert ev.utilisateur == admin
    assert ev.details["rattachement"] == {"finess": et_b.finess, "avant": b.finess, "apres": a.finess}


def test_commande_rattachement_exige_confirmation(tmp_path, extrait, flux):
    from socle.audit.models import EvenementAudit

    a, b, et_b = _deux_og(extrait)
    _rattacher_dans_le_flux(flux, et_b, a)
    chemin = ecrire(tmp_path, flux)
    with pytest.raises(CommandError):
        call_command("import_finess", str(chemin), "--quiet", stdout=io.StringIO())
    et_b.refresh_from_db()
    assert et_b.organisme == b
    call_command("import_finess", str(chemin), "--quiet", "--confirmer-rattachements", stdout=io.StringIO())
    et_b.refresh_from_db()
    assert et_b.organisme == a
    assert EvenementAudit.objects.filter(objet_id=et_b.finess, details__rattachement__avant=b.finess).exists()


def test_chef_de_projet_ne_change_pas_la_composition_des_grappes(ecran, client_de, tmp_path, flux):
    """GCC membership decides who sees an OG's data: a chef de projet's import never changes it."""
    pms = [pm["informationsGeneralesPMEJ"]["pmSmsseId"] for pm in flux["pmej"]]
    flux["gcc"][0]["pmejDuGcc"] = [{"pmSmsseId": pm, "typeRoleEntiteGroupe": "M"} for pm in pms[:2]]
    importer(ecrire(tmp_path, flux))
    gcc = Grappe.objects.get(type=Grappe.Type.GROUPEMENT_FINESS)
    membres = set(gcc.membres.values_list("pk", flat=True))
    autres = OrganismeGestionnaire.objects.exclude(pk__in=membres)
    for g in flux["gcc"]:  # the file now puts every OG in the groupement
        g["pmejDuGcc"] = [{"pmSmsseId": pm, "typeRoleEntiteGroupe": "M"} for pm in pms]
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=gcc)
    client_de(chef).post(reverse("organisations:import_finess"),
                         {"fichier": SimpleUploadedFile("s.json", json.dumps(flux).encode())})
    run = ImportFiness.objects.get()
    assert run.statut == ImportFiness.Statut.TERMINE
    assert set(gcc.membres.values_list("pk", flat=True)) == membres and autres.exists()
    assert any("GCC" in g for g in run.compteurs["groupements_ignores"])


def test_chef_de_projet_ne_voit_que_ses_imports(ecran, client_de):
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=GrappeFactory())
    autre = utilisateur_avec(Fonction.CHEF_PROJET, grappe=GrappeFactory())
    sien = ImportFiness.objects.create(nom_fichier="sien.json", fichier="imports/a.json", lance_par=chef)
    pas_sien = ImportFiness.objects.create(nom_fichier="autre.json", fichier="imports/b.json", lance_par=autre)
    c = client_de(chef)
    page = c.get(reverse("organisations:import_finess")).content.decode()
    assert "sien.json" in page and "autre.json" not in page
    assert c.get(sien.get_absolute_url()).status_code == 200
    assert c.get(pas_sien.get_absolute_url()).status_code == 404


# ------------------------------------------------------------------ one use case, one job record, one lifecycle


def test_commande_et_ecran_laissent_le_meme_enregistrement(ecran, client_de, extrait, tmp_path):
    from socle.audit.models import Action, EvenementAudit

    call_command("import_finess", str(extrait), "--quiet", stdout=io.StringIO())
    admin = UtilisateurFactory(is_superuser=True)
    client_de(admin).post(reverse("organisations:import_finess"),
                          {"fichier": SimpleUploadedFile("s.json", extrait.read_bytes())})
    commande, ecran_run = ImportFiness.objects.order_by("pk")
    for run in (commande, ecran_run):
        assert run.statut == ImportFiness.Statut.TERMINE and run.debut and run.fin and run.fin >= run.debut
        assert run.compteurs["et"]["crees"] + run.compteurs["et"]["inchanges"] == 12
        assert EvenementAudit.objects.filter(action=Action.IMPORT, objet_type="organisations.ImportFiness",
                                             objet_id=str(run.pk)).exists()
    assert commande.options["chemin"] == str(extrait.resolve()) and not commande.fichier
    assert commande.lance_par is None and ecran_run.lance_par == admin


def test_un_import_ne_tourne_jamais_deux_fois(extrait):
    from socle.core.travaux import TransitionInterdite
    from socle.organisations.tasks import executer_import, lancer_import

    run = lancer_import(chemin=extrait, en_arriere_plan=False, options={"organismes_autorises": None})
    assert run.statut == ImportFiness.Statut.TERMINE
    fin = run.fin
    assert executer_import(run.pk).fin == fin  # already done: left alone
    with pytest.raises(TransitionInterdite):
        run.passer(ImportFiness.Statut.EN_COURS)


def test_import_bloque_passe_en_erreur_sur_la_page_de_statut(ecran, client_de):
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=GrappeFactory())
    run = ImportFiness.objects.create(nom_fichier="x.json", fichier="imports/x.json", lance_par=chef)
    run.passer(ImportFiness.Statut.EN_COURS)
    ImportFiness.objects.filter(pk=run.pk).update(battement=timezone.now() - dt.timedelta(hours=1))
    page = client_de(chef).get(run.get_absolute_url()).content.decode()
    run.refresh_from_db()
    assert run.statut == ImportFiness.Statut.ERREUR and "processus interrompu" in run.message
    assert "Relancez l&#x27;import du même fichier" in page or "Relancez l'import du même fichier" in page
