"""HR import: dry run naming every planted error by row and field, atomic commit, idempotent re-import."""

import io
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from socle.cli import translate
from socle.core.travaux import TransitionInterdite
from socle.personnel import importer as imp
from socle.personnel.models import ImportPersonnel, MappingColonnes, Professionnel, SituationExercice
from socle.personnel.tasks import executer_import
from tests.organisations.factories import EtablissementFactory, OrganismeFactory
from tests.personnel.factories import csv_gabarit, ligne_valide, rpps_cle_fausse, rpps_valide, xlsx

pytestmark = pytest.mark.django_db

N = 500


@pytest.fixture
def og_ets():
    og = OrganismeFactory()
    ets = [EtablissementFactory(organisme=og) for _ in range(3)]
    autre = EtablissementFactory()  # an ESMS of another OG
    return og, ets, autre


def fichier_avec_erreurs(ets, autre) -> tuple[list[dict], set[tuple[int, str]], set[int]]:
    """~500 rows; returns rows, the planted (line, field) pairs and the data indexes with a blocking error."""
    lignes = [ligne_valide(i, ets[i % len(ets)].finess) for i in range(N)]
    plantes: set[tuple[int, str]] = set()
    bloquants: set[int] = set()

    def planter(i, champ, valeur, colonne=None, bloquant=True):
        lignes[i][colonne or champ] = valeur
        plantes.add((i + 2, champ))
        if bloquant:
            bloquants.add(i)

    planter(3, "commune_naissance", "", bloquant=False)  # missing birthplace (born in France, no commune)
    lignes[3]["pays_naissance"] = ""
    planter(10, "date_naissance", "01/01/2090")  # in the future
    planter(20, "mobile", "04 78 12 34 56", bloquant=False)  # a landline
    planter(30, "email", "pas-un-email", bloquant=False)
    planter(40, "finess_et", "999999999")  # unknown FINESS
    planter(41, "finess_et", autre.finess)  # ESMS of another OG
    lignes[50] = dict(lignes[49])  # the same identity twice in one ESMS
    plantes.add((52, "nom_naissance"))
    bloquants.add(50)
    planter(60, "rpps", rpps_cle_fausse(60))
    planter(70, "role", "999")
    planter(80, "genre_activite", "GENR05")
    planter(90, "sexe", "X")
    planter(100, "date_naissance", "31/02/1980")
    planter(110, "prenoms_naissance", "")
    planter(120, "date_prise_fonction", "2020-13-45")
    # not in the métier table, no rôle given, and a genre that reaches the DUI: she will be "à enregistrer", so a
    # rôle is to choose (an unknown title of someone not concerned, or already in the RPPS, asks nothing)
    planter(130, "metier", "Jongleur", bloquant=False)
    lignes[130]["genre_activite"] = "GENR10"
    planter(140, "nom_naissance", "")
    planter(150, "date_fin", "01/01/2019")  # before the prise de fonction
    # valid variants that must NOT be reported
    lignes[5]["date_naissance"] = date(1979, 5, 17)  # a real spreadsheet date cell
    lignes[6]["mobile"] = "+33 7 12 34 56 78"
    lignes[7]["rpps"] = rpps_valide(7)
    lignes[8]["role"], lignes[8]["genre_activite"] = "326", "GENR10"
    lignes[9]["sexe"] = "Femme"
    return lignes, plantes, bloquants


def _lignes_du_rapport(sortie: str) -> set[tuple[int, str]]:
    out = set()
    for ln in sortie.splitlines():
        if ln.startswith("ligne ") and ", champ " in ln:
            numero = int(ln.split()[1].rstrip(","))
            champ = ln.split(", champ ")[1].split(" : ")[0]
            out.add((numero, champ))
    return out


def _instantane():
    pros = sorted(Professionnel.objects.values_list(
        "pk", "nom_naissance", "nom_usage", "prenoms", "sexe", "date_naissance", "commune_naissance",
        "pays_naissance", "email", "mobile", "rpps", "modifie_le"))
    sits = sorted(SituationExercice.objects.values_list(
        "pk", "professionnel_id", "etablissement_id", "metier", "role", "genre_activite", "date_prise_fonction",
        "date_fin", "motif_forcage"))
    return pros, sits


def test_cli_alias_reaches_the_command():
    assert translate(["socle", "import-staff", "f.csv"])[1] == "import_staff"
    assert translate(["socle", "staff-template"])[1] == "staff_template"


def test_staff_template_prints_exact_columns(capsys):
    call_command("staff_template")
    entete = capsys.readouterr().out.splitlines()[0]
    assert entete == ("nom_naissance;nom_usage;prenoms_naissance;prenom_usuel;sexe;date_naissance;commune_naissance;"
                      "pays_naissance;email;mobile;finess_et;metier;role;genre_activite;date_prise_fonction;date_fin;rpps")


@pytest.mark.parametrize("format_", ["xlsx", "csv"])
def test_dry_run_names_every_planted_error_and_writes_nothing(og_ets, tmp_path, capsys, format_):
    og, ets, autre = og_ets
    lignes, plantes, _ = fichier_avec_erreurs(ets, autre)
    if format_ == "csv":
        lignes[5]["date_naissance"] = "17/05/1979"
    path = tmp_path / f"personnel.{format_}"
    path.write_bytes(xlsx(lignes) if format_ == "xlsx" else csv_gabarit(lignes))
    with pytest.raises(CommandError) as exc:
        call_command("import_staff", str(path), "--og", og.finess, "--dry-run")
    assert exc.value.returncode == 1
    signales = _lignes_du_rapport(capsys.readouterr().out)
    assert plantes <= signales, f"non signalés : {sorted(plantes - signales)}"
    assert signales <= plantes, f"signalés à tort : {sorted(signales - plantes)}"
    assert Professionnel.objects.count() == 0 and SituationExercice.objects.count() == 0
    # the commit of the same file is refused as a whole
    with pytest.raises(CommandError):
        call_command("import_staff", str(path), "--og", og.finess)
    assert Professionnel.objects.count() == 0 and SituationExercice.objects.count() == 0


def test_messages_are_french_and_precise(og_ets):
    og, ets, autre = og_ets
    lignes, _, _ = fichier_avec_erreurs(ets, autre)
    analyse = imp.analyser(xlsx(lignes), "p.xlsx", og)
    par = {(p.ligne, p.champ): p for p in analyse.problemes}
    assert "dans le futur" in par[(12, "date_naissance")].message
    assert "n'est pas un mobile français" in par[(22, "mobile")].message
    assert "inconnu" in par[(42, "finess_et")].message
    assert "autre organisme" in par[(43, "finess_et")].message
    assert "même identité que la ligne 51" in par[(52, "nom_naissance")].message
    assert "clé de contrôle" in par[(62, "rpps")].message
    assert par[(5, "commune_naissance")].gravite == imp.A_COMPLETER
    assert par[(12, "date_naissance")].gravite == imp.BLOQUANT


@pytest.mark.parametrize("format_", ["xlsx", "csv"])
def test_commit_then_reimport_changes_nothing(og_ets, tmp_path, capsys, format_):
    og, ets, autre = og_ets
    lignes, _, bloquants = fichier_avec_erreurs(ets, autre)
    if format_ == "csv":
        lignes[5]["date_naissance"] = "17/05/1979"
    propres = [lg for i, lg in enumerate(lignes) if i not in bloquants]
    path = tmp_path / f"personnel.{format_}"
    path.write_bytes(xlsx(propres) if format_ == "xlsx" else csv_gabarit(propres))
    call_command("import_staff", str(path), "--og", og.finess)
    assert "Import terminé : 487 créé(s)" in capsys.readouterr().out
    assert Professionnel.objects.filter(organisme=og).count() == len(propres) == 487
    assert SituationExercice.objects.count() == 487
    # rows "à compléter" are stored as they are (they only block the RPPS+ export)
    assert Professionnel.objects.get(nom_naissance=lignes[20]["nom_naissance"]).mobile == "04 78 12 34 56"
    assert Professionnel.objects.get(nom_naissance=lignes[6]["nom_naissance"]).mobile == "0712345678"
    assert Professionnel.objects.get(nom_naissance=lignes[5]["nom_naissance"]).date_naissance == date(1979, 5, 17)
    s = SituationExercice.objects.get(professionnel__nom_naissance=lignes[1]["nom_naissance"])
    assert (s.role, s.genre_activite) == ("313", "GENR11")  # "Aide-soignante" → table's "Aide soignant"
    avant = _instantane()
    call_command("import_staff", str(path), "--og", og.finess)
    assert "0 créé(s), 0 modifié(s), 487 inchangé(s)" in capsys.readouterr().out
    assert _instantane() == avant


def test_reimport_updates_keeps_leavers_and_never_deletes(og_ets):
    og, ets, _ = og_ets
    lignes = [ligne_valide(i, ets[0].finess) for i in range(20)]
    imp.importer(csv_gabarit(lignes), "a.csv", og)
    lignes[0]["date_fin"] = "31/12/2025"
    lignes[1]["email"] = "nouvelle.adresse@demo.invalid"
    lignes[2]["mobile"] = ""  # an empty cell never erases what is known
    lignes[3]["finess_et"] = ets[1].finess  # works in a second ESMS now
    del lignes[10]  # absent from the new file
    _, res = imp.importer(csv_gabarit(lignes), "b.csv", og)
    assert res["crees"] == 0 and res["modifies"] == 1 and res["situations_creees"] == 1
    assert Professionnel.objects.count() == 20
    parti = Professionnel.objects.get(nom_naissance=lignes[0]["nom_naissance"])
    assert parti.situations.get().date_fin == date(2025, 12, 31)
    assert Professionnel.objects.get(nom_naissance=lignes[1]["nom_naissance"]).email == "nouvelle.adresse@demo.invalid"
    assert Professionnel.objects.get(nom_naissance=lignes[2]["nom_naissance"]).mobile == "0600000002"
    assert Professionnel.objects.get(nom_naissance=lignes[3]["nom_naissance"]).situations.count() == 2


def test_numbers_stored_as_numbers_by_a_spreadsheet(og_ets):
    og, _, _ = og_ets
    et_ain = EtablissementFactory(organisme=og, finess="010000024")
    lg = ligne_valide(1, et_ain.finess)
    lg.update({"finess_et": 10000024, "mobile": 612345678, "commune_naissance": 1053, "rpps": int(rpps_valide(1))})
    analyse = imp.analyser(xlsx([lg]), "p.xlsx", og)
    assert analyse.problemes == []
    ligne = analyse.lignes[0]
    assert (ligne.finess_et, ligne.mobile, ligne.commune_naissance, ligne.rpps) == (
        "010000024", "0612345678", "01053", rpps_valide(1))


def test_identity_found_by_rpps_when_names_change(og_ets):
    og, ets, _ = og_ets
    lg = ligne_valide(1, ets[0].finess)
    lg["rpps"] = rpps_valide(1)
    imp.importer(csv_gabarit([lg]), "a.csv", og)
    lg["nom_naissance"] = "NOUVEAU-NOM-TEST"
    _, res = imp.importer(csv_gabarit([lg]), "b.csv", og)
    assert res["crees"] == 0 and Professionnel.objects.get().nom_naissance == "NOUVEAU-NOM-TEST"


def test_commit_is_atomic_when_writing_fails(og_ets, monkeypatch):
    og, ets, _ = og_ets
    lignes = [ligne_valide(i, ets[0].finess) for i in range(50)]
    original = imp._situation
    appels = {"n": 0}

    def situation_qui_casse(*args, **kwargs):
        appels["n"] += 1
        if appels["n"] == 40:  # professionals already written, situations half-way
            raise RuntimeError("disque plein (simulé)")
        return original(*args, **kwargs)

    monkeypatch.setattr(imp, "_situation", situation_qui_casse)
    with pytest.raises(RuntimeError):
        imp.importer(csv_gabarit(lignes), "a.csv", og)
    assert Professionnel.objects.count() == 0 and SituationExercice.objects.count() == 0


def test_any_hr_export_through_a_remembered_mapping(og_ets, tmp_path, capsys):
    og, ets, _ = og_ets
    colonnes = ["Matricule", "NOM", "Prénom", "Sexe", "Né(e) le", "Lieu naissance INSEE", "Courriel",
                "Portable", "FINESS", "Emploi", "Date d'entrée"]
    lignes = []
    for i in range(30):
        v = ligne_valide(i, ets[0].finess)
        lignes.append({"Matricule": f"M{i}", "NOM": v["nom_naissance"], "Prénom": v["prenoms_naissance"],
                       "Sexe": "Femme" if v["sexe"] == "F" else "Homme",
                       "Né(e) le": v["date_naissance"].replace("/", "."),
                       "Lieu naissance INSEE": v["commune_naissance"] or "", "Courriel": v["email"],
                       "Portable": v["mobile"], "FINESS": v["finess_et"], "Emploi": v["metier"],
                       "Date d'entrée": "01.09.2020"})
    path = tmp_path / "export_rh.xlsx"
    path.write_bytes(xlsx(lignes, colonnes))
    with pytest.raises(CommandError, match="gabarit Socle"):
        call_command("import_staff", str(path), "--og", og.finess, "--dry-run")
    devine = imp.deviner_mapping(colonnes)
    assert devine["email"] == "Courriel" and devine["finess_et"] == "FINESS" and devine["mobile"] == "Portable"
    MappingColonnes.objects.create(organisme=og, nom="Paie", format_date="%d.%m.%Y", correspondances={
        "nom_naissance": "NOM", "prenoms_naissance": "Prénom", "sexe": "Sexe", "date_naissance": "Né(e) le",
        "commune_naissance": "Lieu naissance INSEE", "email": "Courriel", "mobile": "Portable",
        "finess_et": "FINESS", "metier": "Emploi", "date_prise_fonction": "Date d'entrée"})
    call_command("import_staff", str(path), "--og", og.finess, "--mapping", "Paie")
    assert Professionnel.objects.count() == 30
    assert Professionnel.objects.filter(sexe="M").count() == 8


def test_commande_et_ecran_laissent_le_meme_enregistrement(tmp_path, settings):
    """`socle import-staff` goes through the screen's job (ImportPersonnel): dry run then commit, timestamps,
    and the uploaded copy deleted once committed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    et = EtablissementFactory()
    chemin = tmp_path / "personnel.csv"
    chemin.write_bytes(csv_gabarit([ligne_valide(i, et.finess) for i in range(3)]))
    call_command("import_staff", str(chemin), "--og", et.organisme.finess, stdout=io.StringIO())
    imp = ImportPersonnel.objects.get()
    assert imp.statut == ImportPersonnel.Statut.IMPORTE and imp.debut and imp.termine_le >= imp.debut
    assert imp.rapport["resultat"]["crees"] >= 1 and not imp.fichier
    with pytest.raises(TransitionInterdite):
        executer_import(imp, valider=True)  # an imported job is final
