"""Hostile or broken uploads (security findings 2 and 12): every limit refuses the file cleanly, fast and in
bounded memory, with a French message naming the limit; refused files keep no content; rejections are capped;
parsing happens outside any write transaction and a rejected record still means nothing written.

Every file is generated here, in a few KB (no ../shared)."""

import gzip
import html
import io
import json
import tracemalloc
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from socle.comptes.models import Fonction
from socle.organisations import finess_import
from socle.organisations.finess_import import importer
from socle.organisations.models import Etablissement, ImportFiness, OrganismeGestionnaire
from socle.organisations.tasks import executer_import as executer_import_finess
from socle.personnel import importer as rh
from socle.personnel.models import ImportPersonnel, Professionnel
from socle.personnel.tasks import executer_import as executer_import_rh
from tests.comptes.factories import UtilisateurFactory, utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory, finess_seq
from tests.personnel.factories import ProfessionnelFactory, csv_gabarit, ligne_valide, rpps_valide, xlsx

pytestmark = pytest.mark.django_db

MO = 1 << 20
MEMOIRE_MAX = 64 * MO  # generous: the attacks cost gigabytes before the limits


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


def texte_de(reponse) -> str:
    return html.unescape(reponse.content.decode())


def fichiers(dossier: Path) -> list[Path]:
    return [p for p in dossier.rglob("*") if p.is_file()] if dossier.exists() else []


@contextmanager
def pic_memoire():
    """Peak of Python allocations inside the block: mesure["pic"] (bytes)."""
    mesure = {}
    tracemalloc.start()
    try:
        yield mesure
    finally:
        mesure["pic"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def gzip_de(morceau: bytes, nb: int, debut: bytes = b'{"gco": [', fin: bytes = b"]}") -> bytes:
    """A gzip file of `nb` repetitions of `morceau` between `debut` and `fin`, compressed on the fly."""
    z = zlib.compressobj(9, zlib.DEFLATED, 31)
    sortie = [z.compress(debut)] + [z.compress(morceau) for _ in range(nb)] + [z.compress(fin), z.flush()]
    return b"".join(sortie)


def zip_de(membres: dict[str, tuple[bytes, int]]) -> bytes:
    """A zip archive: name -> (chunk, repetitions), each member deflated on the fly."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for nom, (morceau, nb) in membres.items():
            with zf.open(nom, "w", force_zip64=True) as f:
                for _ in range(nb):
                    f.write(morceau)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ FINESS: helpers


def pmej(i: int, nb_et: int = 1, et_finess: list[str] | None = None) -> dict:
    ets = et_finess or [finess_seq(700000 + i * 10 + j, "69") for j in range(nb_et)]
    return {
        "informationsGeneralesPMEJ": {"numFinessPm": finess_seq(600000 + i, "69"), "denominationPm": f"ASSO {i}",
                                      "pmSmsseId": str(9000 + i)},
        "etatObjet": "A",
        "ege": [{"informationsGeneralesEGE": {"numFinessEge": f, "nomEgeCourt": f"EHPAD {f} - LYON"},
                 "categorieentiteGeographiqueExercice": "500", "etatObjet": "A"} for f in ets],
    }


def flux(*items: dict) -> bytes:
    return json.dumps({"gcc": [], "gco": [], "pmej": list(items)}).encode()


def lancer(contenu: bytes, nom: str, **options) -> ImportFiness:
    """An ImportFiness run by the background task, as the upload screen would launch it."""
    admin = UtilisateurFactory(is_superuser=True)
    run = ImportFiness.objects.create(fichier=ContentFile(contenu, name=nom), nom_fichier=nom, lance_par=admin,
                                      options={"organismes_autorises": None, **options})
    try:
        executer_import_finess(run.pk)
    except Exception:  # noqa: BLE001 - the task re-raises unexpected errors after saving the status
        pass
    run.refresh_from_db()
    return run


def admin_client(client_de):
    return client_de(UtilisateurFactory(is_superuser=True))


# ------------------------------------------------------------------------------------------ FINESS: bombs


def test_finess_bombe_gzip_refusee_vite_et_sans_memoire():
    bombe = gzip_de(b" " * MO, 30)  # 30 MB of valid JSON in 30 KB (a 2 GB string took 17 min before)
    assert len(bombe) < 50_000
    with pic_memoire() as mesure:
        run = lancer(bombe, "structures.json.gz")
    assert run.statut == ImportFiness.Statut.ERREUR
    assert run.message.startswith("Fichier refusé : ") and "SOCLE_IMPORT_MAX_RATIO" in run.message, run.message
    assert mesure["pic"] < MEMOIRE_MAX
    assert not run.fichier and not fichiers(Path(run.fichier.storage.location))  # the refused file is deleted
    assert OrganismeGestionnaire.objects.count() == 0


def test_finess_taille_decompressee_absolue(settings):
    settings.SOCLE_FINESS_MAX_DECOMPRESSE = 1 * MO
    contenu = json.dumps({"gco": [f"{i:08x}" * 4 for i in range(100_000)]}).encode()  # 3.6 MB, ratio < 20
    run = lancer(gzip.compress(contenu, compresslevel=1), "structures.json.gz")
    assert run.statut == ImportFiness.Statut.ERREUR
    assert "la décompression dépasse 1 Mo (limite SOCLE_FINESS_MAX_DECOMPRESSE)" in run.message, run.message


def test_finess_bombe_zip_refusee_sur_les_tailles_declarees(client_de):
    bombe = zip_de({"structures.json": (b" " * MO, 60)})  # 60 MB declared, ~60 KB stored
    assert len(bombe) < 100_000
    with pic_memoire() as mesure:
        run = lancer(bombe, "structures.zip")
    assert run.statut == ImportFiness.Statut.ERREUR
    assert "SOCLE_IMPORT_MAX_RATIO" in run.message and "archive" in run.message, run.message
    assert mesure["pic"] < MEMOIRE_MAX
    # from the screen: a form error, nothing stored
    rep = admin_client(client_de).post(reverse("organisations:import_finess"),
                                       {"fichier": SimpleUploadedFile("structures.zip", bombe)})
    assert rep.status_code == 200 and "Fichier refusé" in texte_de(rep)
    assert "SOCLE_IMPORT_MAX_RATIO" in texte_de(rep)
    assert ImportFiness.objects.count() == 1


def test_finess_zip_aux_milliers_de_fichiers():
    run = lancer(zip_de({f"f{i}.txt": (b"x", 1) for i in range(150)}), "structures.zip")
    assert run.statut == ImportFiness.Statut.ERREUR
    assert "150 fichiers, au plus 100 (limite SOCLE_IMPORT_MAX_MEMBRES_ZIP)" in run.message, run.message


def test_finess_json_imbrique_refuse_vite():
    contenu = b'{"gcc": [], "pmej": ' + b"[" * 2_000_000  # 2 MB: 23 GB and an OOM kill before the limit
    with pic_memoire() as mesure:
        run = lancer(contenu, "structures.json")
    assert run.statut == ImportFiness.Statut.ERREUR, run.message
    assert "plus de 32 niveaux" in run.message and "SOCLE_FINESS_MAX_PROFONDEUR" in run.message
    assert mesure["pic"] < MEMOIRE_MAX


def test_finess_imbrication_dans_les_chaines_et_echappements_ignoree(tmp_path):
    """Brackets inside strings (and escaped quotes) do not count: a real file with them still imports."""
    item = pmej(1)
    item["informationsGeneralesPMEJ"]["denominationPm"] = 'ASSO [[[[{{{{ \\" "' + "[" * 100
    chemin = tmp_path / "s.json"
    chemin.write_bytes(flux(item))
    res = importer(chemin)
    assert res.applique and not res.rejets
    assert OrganismeGestionnaire.objects.get().raison_sociale.endswith("[" * 100)


def test_finess_enregistrement_geant_refuse(settings, tmp_path):
    settings.SOCLE_FINESS_MAX_ENREGISTREMENT = 1 * MO
    chemin = tmp_path / "s.json"
    chemin.write_bytes(b'{"pmej": "' + b"a" * (3 * MO) + b'"}')  # one huge string, as the 2 GB one
    with pytest.raises(finess_import.FichierRefuse, match="SOCLE_FINESS_MAX_ENREGISTREMENT"):
        importer(chemin)
    chemin.write_bytes(b'structureet;' + b"x" * (3 * MO) + b"\n")  # one huge CSV line
    with pytest.raises(finess_import.FichierRefuse, match="SOCLE_FINESS_MAX_ENREGISTREMENT"):
        importer(chemin)


def test_finess_nombre_d_enregistrements(settings, tmp_path):
    settings.SOCLE_FINESS_MAX_ENREGISTREMENTS = 5
    chemin = tmp_path / "s.json"
    chemin.write_bytes(flux(*[pmej(i) for i in range(6)]))
    with pytest.raises(finess_import.FichierRefuse, match="plus de 5 enregistrements"):
        importer(chemin)
    assert OrganismeGestionnaire.objects.count() == 0


def test_finess_taille_du_fichier_depose(settings, client_de):
    settings.SOCLE_FINESS_MAX_FICHIER = 100
    rep = admin_client(client_de).post(reverse("organisations:import_finess"),
                                       {"fichier": SimpleUploadedFile("s.json", flux(pmej(1)))})
    assert rep.status_code == 200
    assert "il dépasse 100 octets (limite SOCLE_FINESS_MAX_FICHIER)" in texte_de(rep)
    assert ImportFiness.objects.count() == 0


# ------------------------------------------------------------------------------------------ FINESS: rejections


def test_finess_rejets_au_dela_du_plafond_resumes(client_de):
    contenu = json.dumps({"pmej": [{"x": i} for i in range(2500)]}).encode()
    run = lancer(gzip.compress(contenu), "structures.json.gz")
    assert run.statut == ImportFiness.Statut.REJETE
    assert len(run.rejets) == 1000 and run.compteurs["nb_rejets"] == 2500
    assert run.compteurs["rejets_par_motif"] == {"bloc obligatoire « informationsGeneralesPMEJ » absent": 2500}
    assert sum(1 for ligne in run.resume if ligne.startswith("  - pmej")) == 1000
    page = admin_client(client_de).get(run.get_absolute_url()).content.decode()
    assert "Rejets par motif" in page and "2500" in page and len(page) < 400_000


def test_finess_rejets_plafonnes_en_memoire(settings, tmp_path):
    settings.SOCLE_FINESS_MAX_REJETS_DETAIL = 3
    chemin = tmp_path / "s.json"
    chemin.write_bytes(json.dumps({"pmej": ["pas un objet"] * 50}).encode())
    res = importer(chemin)
    assert len(res.rejets) == 3 and res.nb_rejets == 50 and not res.applique
    assert res.as_dict()["rejets_par_motif"] == {"l'élément de « pmej » n'est pas un objet JSON": 50}
    assert any("47 autre(s), non détaillé(s)" in ligne for ligne in res.lignes())


# ------------------------------------------------------------------------------------------ FINESS: transactions


@pytest.fixture
def petits_lots(monkeypatch):
    monkeypatch.setattr(finess_import.json_flux, "BATCH_EJ", 1)


@pytest.fixture
def transactions(monkeypatch):
    """Count the transactions the import opens."""
    ouvertes = []
    vraie = transaction.atomic

    def compter(*args, **kwargs):
        ouvertes.append(1)
        return vraie(*args, **kwargs)
    monkeypatch.setattr(finess_import.passes.transaction, "atomic", compter)
    return ouvertes


def test_finess_un_rejet_rien_n_est_ecrit_et_aucune_transaction(tmp_path, petits_lots, transactions):
    mauvais = pmej(3)
    mauvais["ege"][0]["informationsGeneralesEGE"]["numFinessEge"] = "690000001"  # wrong check digit
    chemin = tmp_path / "s.json"
    chemin.write_bytes(flux(pmej(1), pmej(2), mauvais))
    res = importer(chemin)
    assert not res.applique and res.nb_rejets == 1 and res.rejets[0].reference == "pmej n°3, ege n°1"
    assert OrganismeGestionnaire.objects.count() == 0 and Etablissement.objects.count() == 0
    assert transactions == []  # refused on reading: the write lock was never taken


def test_finess_ecrit_par_petites_transactions(tmp_path, petits_lots, transactions):
    chemin = tmp_path / "s.json"
    chemin.write_bytes(flux(pmej(1), pmej(2), pmej(3)))
    res = importer(chemin, anomalies=False)
    assert res.applique and (res.ej.crees, res.et.crees) == (3, 3)
    assert len(transactions) == 2 * 4  # 3 EJ batches + the groupements, checked (rolled back) then written
    assert importer(chemin, anomalies=False).ej.inchanges == 3


def test_finess_rejet_a_l_ecriture_dans_le_dernier_lot_rien_n_est_ecrit(tmp_path, petits_lots):
    """A check of the writer (an ESMS changing organisation) rejects the last batch: the earlier batches,
    valid, are not written either (they were only checked in transactions rolled back)."""
    autre = OrganismeFactory(finess=finess_seq(600099, "69"))
    et = EtablissementFactory(organisme=autre, finess=finess_seq(700099, "69"))
    chemin = tmp_path / "s.json"
    chemin.write_bytes(flux(pmej(1), pmej(2), pmej(3, et_finess=[et.finess])))
    res = importer(chemin)
    assert not res.applique and res.nb_rejets == 1 and "administrateur" in res.rejets[0].motif
    assert OrganismeGestionnaire.objects.count() == 1 and Etablissement.objects.get().organisme == autre


def test_finess_ecriture_interrompue_se_complete_en_relancant(monkeypatch, petits_lots):
    contenu = flux(pmej(1), pmej(2), pmej(3))
    appels = {"n": 0}
    vraie = finess_import._Ecrivain.ecrire_og

    def panne(self, lot):
        appels["n"] += 1
        if appels["n"] == 5:  # 3 checked batches, then the 2nd written one
            raise RuntimeError("disque plein")
        return vraie(self, lot)
    monkeypatch.setattr(finess_import._Ecrivain, "ecrire_og", panne)
    run = lancer(contenu, "s.json")
    assert run.statut == ImportFiness.Statut.ERREUR
    assert "après 1 lot(s) enregistré(s) sur 4" in run.message and "relancez-le avec le même fichier" in run.message
    assert OrganismeGestionnaire.objects.count() == 1
    run = lancer(contenu, "s.json")
    assert run.statut == ImportFiness.Statut.TERMINE and run.message == ""
    assert (run.compteurs["ej"]["inchanges"], run.compteurs["ej"]["crees"]) == (1, 2)
    assert OrganismeGestionnaire.objects.count() == 3 and Etablissement.objects.count() == 3


def test_finess_simulation_par_lots(tmp_path, petits_lots):
    chemin = tmp_path / "s.json"
    chemin.write_bytes(flux(pmej(1), pmej(2)))
    res = importer(chemin, dry_run=True)
    assert (res.ej.crees, res.et.crees) == (2, 2) and not res.applique
    assert OrganismeGestionnaire.objects.count() == 0


def test_finess_csv_illisible_refuse(tmp_path):
    chemin = tmp_path / "s.csv"
    chemin.write_bytes(b'structureet;"' + b"x" * 200_000 + b'"\n')  # field larger than csv's limit
    with pytest.raises(finess_import.FichierRefuse, match="CSV illisible"):
        importer(chemin)


# ------------------------------------------------------------------------------------------ staff: helpers


@pytest.fixture
def og_rh():
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    return og, et, utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)


def deposer(client, og, nom: str, contenu: bytes):
    return client.post(reverse("personnel:import_upload", args=[og.finess]),
                       {"fichier": SimpleUploadedFile(nom, contenu)})


def bombe_entites() -> bytes:
    """A real workbook whose sheet declares a billion-laughs entity."""
    entites = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10))
    feuille = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f"<!DOCTYPE worksheet [{entites}]>"
               '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
               '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    source = zipfile.ZipFile(io.BytesIO(xlsx([], ["nom"])))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            z.writestr(info.filename, feuille if info.filename == "xl/worksheets/sheet1.xml"
                       else source.read(info.filename))
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ staff: bombs


def test_openpyxl_lit_sans_developper_les_entites():
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True


@pytest.mark.parametrize(("nom", "membre", "rep", "limite"), [
    ("rh.xlsx", b" " * MO, 60, "dépasse 50 Mo (limite SOCLE_PERSONNEL_MAX_DECOMPRESSE)"),
    ("rh.xlsx", b" " * MO, 20, "SOCLE_IMPORT_MAX_RATIO"),
])
def test_rh_bombe_zip_refusee_au_depot(og_rh, client_de, media, nom, membre, rep, limite):
    og, _, gestionnaire = og_rh
    bombe = zip_de({"[Content_Types].xml": (b"<Types/>", 1), "xl/worksheets/sheet1.xml": (membre, rep)})
    assert len(bombe) < 200_000
    with pic_memoire() as mesure:
        r = deposer(client_de(gestionnaire), og, nom, bombe)
    assert r.status_code == 200 and limite in texte_de(r)
    assert mesure["pic"] < MEMOIRE_MAX
    assert ImportPersonnel.objects.count() == 0 and fichiers(media) == []


def test_rh_bombe_dans_une_tache_finit_en_echec(og_rh, media):
    """A file that got past the screen (older upload): the job ends refused, with the limit, and its file goes."""
    og, _, _ = og_rh
    bombe = zip_de({"xl/worksheets/sheet1.xml": (b" " * MO, 20)})
    imp = ImportPersonnel.objects.create(organisme=og, nom_fichier="rh.xlsx",
                                         fichier=ContentFile(bombe, name="rh.xlsx"))
    with pic_memoire() as mesure:
        executer_import_rh(imp, valider=False)
    imp.refresh_from_db()
    assert imp.statut == ImportPersonnel.Statut.ECHEC and "SOCLE_IMPORT_MAX_RATIO" in imp.rapport["fichier"]
    assert mesure["pic"] < MEMOIRE_MAX
    assert not imp.fichier and fichiers(media) == []


def test_rh_gzip_refuse_sans_decompresser(og_rh, client_de):
    og, _, gestionnaire = og_rh
    r = deposer(client_de(gestionnaire), og, "rh.csv.gz", gzip_de(b" " * MO, 50))
    assert r.status_code == 200 and "Fichier refusé" in texte_de(r)
    assert ImportPersonnel.objects.count() == 0


@pytest.mark.parametrize("page", ["personnel:import_upload", "personnel:retour_portail"])
@pytest.mark.parametrize(("nom", "contenu", "attendu"), [
    ("rh.xlsx", None, "classeur XLSX illisible"),  # None: the entity bomb
    ("rh.xlsx", bytes(range(256)) * 40, "n'est pas un classeur Excel"),
    ("rh.xlsx", b"PK\x03\x04" + b"\xff" * 5000, "n'est pas un classeur Excel"),
])
def test_rh_fichier_piege_ou_casse_erreur_de_formulaire(og_rh, client_de, media, page, nom, contenu, attendu):
    og, _, gestionnaire = og_rh
    contenu = bombe_entites() if contenu is None else contenu
    r = client_de(gestionnaire).post(reverse(page, args=[og.finess]),
                                     {"fichier": SimpleUploadedFile(nom, contenu)})
    assert r.status_code == 200
    assert "Fichier refusé" in texte_de(r) and attendu in texte_de(r)
    assert ImportPersonnel.objects.count() == 0 and fichiers(media) == []


def test_rh_binaire_deguise_en_csv(og_rh, client_de):
    og, _, gestionnaire = og_rh
    r = deposer(client_de(gestionnaire), og, "rh.csv", b"\x00\x01\x02binaire" * 100)
    assert r.status_code == 200 and "Fichier refusé" in texte_de(r)


# ------------------------------------------------------------------------------------------ staff: columns, rows


def test_rh_trop_de_colonnes_refuse_avant_la_correspondance(og_rh, client_de):
    og, _, gestionnaire = og_rh
    c = client_de(gestionnaire)
    entete = ";".join(f"c{i}" for i in range(100_000)).encode()  # 590 KB
    r = deposer(c, og, "rh.csv", entete + b"\n" + b"x;" * 10 + b"\n")
    assert r.status_code == 200
    assert "100 000 colonnes, au plus 200 (limite SOCLE_PERSONNEL_MAX_COLONNES)" in texte_de(r)
    assert len(r.content) < 100_000
    colonnes = [f"colonne{i}" for i in range(300)]
    r = deposer(c, og, "rh.xlsx", xlsx([{k: "x" for k in colonnes}], colonnes))
    assert r.status_code == 200 and "plus de 200 colonnes" in texte_de(r)
    assert ImportPersonnel.objects.count() == 0


def test_rh_trop_de_lignes_et_ligne_trop_longue(og_rh, settings):
    og, et, _ = og_rh
    settings.SOCLE_PERSONNEL_MAX_LIGNES = 5
    with pytest.raises(rh.FichierIllisible, match="plus de 5 lignes de données"):
        rh.analyser(csv_gabarit([ligne_valide(i, et.finess) for i in range(6)]), "p.csv", og)
    with pytest.raises(rh.FichierIllisible, match="plus de 5 lignes de données"):
        rh.analyser(xlsx([ligne_valide(i, et.finess) for i in range(6)]), "p.xlsx", og)
    settings.SOCLE_PERSONNEL_MAX_LIGNE = 1000
    with pytest.raises(rh.FichierIllisible, match="SOCLE_PERSONNEL_MAX_LIGNE"):
        rh.lire_entetes(b'a;"' + b"\n;" * 2000 + b'"\n', "p.csv")  # one record spanning many lines


def test_rh_taille_du_fichier(og_rh, client_de, settings):
    og, et, gestionnaire = og_rh
    settings.SOCLE_PERSONNEL_MAX_FICHIER = 100
    r = deposer(client_de(gestionnaire), og, "p.csv", csv_gabarit([ligne_valide(1, et.finess)]))
    assert r.status_code == 200 and "dépasse 100 octets (limite SOCLE_PERSONNEL_MAX_FICHIER)" in texte_de(r)
    assert ImportPersonnel.objects.count() == 0


# ------------------------------------------------------------------------------------------ staff: encodings


@pytest.mark.parametrize("encodage", ["utf-16", "utf-16-be", "utf-16-le", "utf-8-sig", "utf-32"])
def test_rh_csv_unicode_lu_correctement(og_rh, encodage):
    og, et, _ = og_rh
    lignes = [ligne_valide(i, et.finess) for i in range(3)]
    lignes[0]["nom_naissance"] = "ÉLODIE-ÇA-TEST"
    texte = csv_gabarit(lignes).decode("utf-8")
    bom = {"utf-16-be": "\ufeff", "utf-16-le": ""}.get(encodage, "")  # -be with its mark, -le without
    analyse = rh.analyser((bom + texte).encode(encodage), "p.csv", og)
    assert not analyse.bloquants
    assert [lg.nom_naissance for lg in analyse.lignes][0] == "ÉLODIE-ÇA-TEST"


def test_rh_csv_utf16_arrive_lisible_a_la_correspondance(og_rh, client_de):
    og, et, gestionnaire = og_rh
    texte = f"Nom;Prénoms;Sexe;Date de naissance;Établissement\nTEST;Zoé;F;01/02/1980;{et.finess}\n"
    c = client_de(gestionnaire)
    r = deposer(c, og, "rh.csv", texte.encode("utf-16"))
    imp = ImportPersonnel.objects.get()
    assert r.url == reverse("personnel:import_colonnes", args=[imp.pk])
    page = c.get(r.url).content.decode()
    assert "Prénoms" in page and "Établissement" in page and "\x00" not in page


# ------------------------------------------------------------------------------------------ staff: content kept


def test_rh_aucun_contenu_en_base_ni_apres_la_fin(og_rh, client_de, media):
    assert "contenu" not in {f.name for f in ImportPersonnel._meta.get_fields()}
    og, et, gestionnaire = og_rh
    c = client_de(gestionnaire)
    lignes = [ligne_valide(i, et.finess) for i in range(4)]
    deposer(c, og, "p.csv", csv_gabarit(lignes))
    imp = ImportPersonnel.objects.get()
    assert imp.statut == ImportPersonnel.Statut.ANALYSE and len(fichiers(media)) == 1  # kept until committed
    c.post(reverse("personnel:import_valider", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.statut == ImportPersonnel.Statut.IMPORTE and not imp.fichier and fichiers(media) == []
    lignes[1]["date_naissance"] = "31/02/1990"  # blocking error: refused, its file goes at once
    deposer(c, og, "p.csv", csv_gabarit(lignes))
    imp = ImportPersonnel.objects.latest("pk")
    assert imp.rapport["bloquants"] and not imp.fichier and fichiers(media) == []
    r = c.get(reverse("personnel:import_colonnes", args=[imp.pk]), follow=True)
    assert r.status_code == 200 and Professionnel.objects.count() == 4
    deposer(c, og, "p.csv", csv_gabarit(lignes[:1]))  # waiting for validation: kept, until the row goes
    assert len(fichiers(media)) == 1
    ImportPersonnel.objects.filter(organisme=og).delete()
    assert fichiers(media) == []


def test_rh_erreur_inattendue_ne_laisse_pas_l_import_en_cours(og_rh, monkeypatch, media):
    og, et, _ = og_rh
    imp = ImportPersonnel.objects.create(organisme=og, nom_fichier="p.csv", statut=ImportPersonnel.Statut.EN_ANALYSE,
                                         fichier=ContentFile(csv_gabarit([ligne_valide(1, et.finess)]), name="p.csv"))

    def panne(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("socle.personnel.tasks.analyser", panne)
    executer_import_rh(imp, valider=False)
    imp.refresh_from_db()
    assert imp.statut == ImportPersonnel.Statut.ECHEC and "erreur inattendue" in imp.rapport["fichier"]
    assert fichiers(media) == []


def test_rh_problemes_plafonnes_dans_le_rapport(og_rh, settings, client_de):
    og, et, gestionnaire = og_rh
    settings.SOCLE_PERSONNEL_MAX_PROBLEMES_DETAIL = 10
    lignes = [ligne_valide(i, et.finess) for i in range(30)]
    for lg in lignes:
        lg["sexe"] = "?"
    deposer(client_de(gestionnaire), og, "p.csv", csv_gabarit(lignes))
    imp = ImportPersonnel.objects.get()
    assert len(imp.rapport["problemes"]) == 10 and imp.rapport["nb_problemes"] >= 30
    assert imp.rapport["problemes_par_champ"]["sexe"]["erreur"] == 30
    page = client_de(gestionnaire).get(reverse("personnel:import_detail", args=[imp.pk])).content.decode()
    assert "Seuls les 10 premiers problèmes" in page


def test_retour_portail_en_xlsx_et_en_utf16(og_rh, client_de):
    og, et, gestionnaire = og_rh
    from datetime import date

    pro = ProfessionnelFactory(organisme=og, nom_naissance="KIWI-TEST", prenoms=["Hugo"],
                               date_naissance=date(1990, 5, 6))
    colonnes = ["nom", "prenom", "date_naissance", "rpps"]
    fichier = xlsx([{"nom": "KIWI-TEST", "prenom": "Hugo", "date_naissance": date(1990, 5, 6),
                     "rpps": int(rpps_valide(31))}], colonnes)
    r = client_de(gestionnaire).post(reverse("personnel:retour_portail", args=[og.finess]),
                                     {"fichier": SimpleUploadedFile("retour.xlsx", fichier)}, follow=True)
    assert "1 numéro(s) RPPS enregistré(s)" in texte_de(r)
    pro.refresh_from_db()
    assert pro.rpps == rpps_valide(31)
    texte = f"nom;prenom;date_naissance;rpps\nKIWI-TEST;Hugo;06/05/1990;{rpps_valide(31)}\n"
    r = client_de(gestionnaire).post(reverse("personnel:retour_portail", args=[og.finess]),
                                     {"fichier": SimpleUploadedFile("retour.csv", texte.encode("utf-16"))})
    assert "0 numéro(s) RPPS enregistré(s), 1 déjà connu(s)" in texte_de(r)
