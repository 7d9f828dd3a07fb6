"""Screens, rights and audit of the staff registry; background import; portal return; Annuaire wiring; demo."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from socle.audit.models import EvenementAudit
from socle.comptes.models import Fonction, Habilitation
from socle.core.identifiants import rpps_error
from socle.personnel import services
from socle.personnel.models import (
    ImportPersonnel,
    MappingColonnes,
    Professionnel,
    ResultatRapprochement,
    SituationExercice,
)
from tests.comptes.factories import UtilisateurFactory, utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory
from tests.personnel.factories import (
    ProfessionnelFactory,
    SituationFactory,
    csv_gabarit,
    ligne_valide,
    rpps_valide,
    xlsx,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def og_rh():
    og = OrganismeFactory()
    et = EtablissementFactory(organisme=og)
    return og, et, utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)


def test_rights_other_og_is_invisible_and_function_is_required(og_rh, client_de):
    og, et, rh = og_rh
    autre = SituationFactory()
    mien = SituationFactory(professionnel=ProfessionnelFactory(organisme=og), etablissement=et)
    c = client_de(rh)
    assert c.get(reverse("personnel:fiche", args=[mien.professionnel.pk])).status_code == 200
    assert c.get(reverse("personnel:fiche", args=[autre.professionnel.pk])).status_code == 404
    assert c.get(reverse("personnel:esms", args=[autre.etablissement.finess])).status_code == 404
    assert c.get(reverse("personnel:export_zip", args=[autre.professionnel.organisme.finess])).status_code == 404
    page = c.get(reverse("personnel:index")).content.decode()
    assert et.nom in page and autre.etablissement.nom not in page
    secretaire = utilisateur_avec(Fonction.ADMISSION, organisme=og)
    c2 = client_de(secretaire)
    assert c2.get(reverse("personnel:index")).status_code == 403
    assert c2.get(reverse("personnel:esms", args=[et.finess])).status_code == 403
    assert c2.get(reverse("personnel:import_upload", args=[og.finess])).status_code == 403
    assert c2.get(reverse("personnel:fiche", args=[mien.professionnel.pk])).status_code == 404


def test_gestionnaire_of_one_esms_sees_only_its_staff(og_rh, client_de):
    og, et, _ = og_rh
    voisin = EtablissementFactory(organisme=og)
    mien = SituationFactory(professionnel=ProfessionnelFactory(organisme=og), etablissement=et)
    autre = SituationFactory(professionnel=ProfessionnelFactory(organisme=og), etablissement=voisin)
    c = client_de(utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, etablissement=et))
    assert c.get(reverse("personnel:fiche", args=[mien.professionnel.pk])).status_code == 200
    assert c.get(reverse("personnel:fiche", args=[autre.professionnel.pk])).status_code == 404
    assert c.get(reverse("personnel:esms", args=[voisin.finess])).status_code == 404
    assert c.get(reverse("personnel:import_upload", args=[og.finess])).status_code == 403
    page = c.get(reverse("personnel:index")).content.decode()
    assert reverse("personnel:esms", args=[et.finess]) in page and voisin.nom not in page


def test_reads_and_changes_are_traced(og_rh, client_de):
    og, et, rh = og_rh
    s = SituationFactory(professionnel=ProfessionnelFactory(organisme=og), etablissement=et)
    pro = s.professionnel
    c = client_de(rh)
    c.get(reverse("personnel:fiche", args=[pro.pk]))
    assert EvenementAudit.objects.filter(utilisateur=rh, action="lecture", objet_type="personnel.Professionnel",
                                         objet_id=str(pro.pk)).exists()
    c.get(reverse("personnel:esms", args=[et.finess]))
    liste = EvenementAudit.objects.get(utilisateur=rh, objet_id="liste")
    assert str(pro.pk) in liste.details["ids"]
    data = {"civilite": "MME", "nom_naissance": pro.nom_naissance, "nom_usage": "", "prenoms_texte": "Camille, Rose",
            "prenom_usuel": "Camille", "sexe": "F", "date_naissance": "1985-03-14", "commune_naissance": "69381",
            "pays_naissance": "", "email": pro.email, "mobile": "07 11 22 33 44", "rpps": "", "acces_dui": "unknown"}
    r = c.post(reverse("personnel:modifier", args=[pro.pk]), data)
    assert r.status_code == 302
    pro.refresh_from_db()
    assert pro.prenoms == ["Camille", "Rose"] and pro.mobile == "0711223344"
    ev = EvenementAudit.objects.filter(action="modification", objet_id=str(pro.pk)).get()
    assert "mobile" in ev.details["champs"]
    data["rpps"] = "12345678901"
    r = c.post(reverse("personnel:modifier", args=[pro.pk]), data)
    assert r.status_code == 200 and "clé de contrôle" in r.content.decode()


def test_new_professional_by_hand_gets_the_proposed_role(og_rh, client_de):
    og, et, rh = og_rh
    c = client_de(rh)
    url = reverse("personnel:nouveau", args=[et.finess])
    data = {"civilite": "M", "nom_naissance": "KAYAK-TEST", "prenoms_texte": "Hugo", "sexe": "M",
            "date_naissance": "1990-02-03", "commune_naissance": "69381", "email": "hugo@demo.invalid",
            "mobile": "0611111111", "acces_dui": "unknown", "metier": "Moniteur éducateur",
            "date_prise_fonction": "2026-01-05"}
    r = c.post(url, data)
    pro = Professionnel.objects.get(nom_naissance="KAYAK-TEST")
    assert r.url == reverse("personnel:fiche", args=[pro.pk])
    s = pro.situations.get()
    assert (s.etablissement, s.role, s.genre_activite) == (et, "324", "GENR10")
    assert EvenementAudit.objects.filter(action="creation", objet_id=str(pro.pk)).exists()
    r = c.post(url, data)
    assert "existe déjà" in r.content.decode() and Professionnel.objects.count() == 1


def test_overriding_the_proposed_role_needs_a_reason(og_rh, client_de):
    og, et, rh = og_rh
    s = SituationFactory(professionnel=ProfessionnelFactory(organisme=og), etablissement=et)
    c = client_de(rh)
    url = reverse("personnel:modifier_situation", args=[s.pk])
    data = {"metier": s.metier, "role": "326", "genre_activite": "GENR10", "motif_forcage": "",
            "mode_exercice": "S", "categorie_professionnelle": "C", "date_prise_fonction": "2020-09-01"}
    r = c.post(url, data)
    assert r.status_code == 200 and "indiquez le motif" in r.content.decode()
    data["motif_forcage"] = "diplôme d'éducateur spécialisé, poste d'éducateur"
    assert c.post(url, data).status_code == 302
    s.refresh_from_db()
    assert s.role == "326" and s.role_propose == "328" and s.role_force and s.motif_forcage.startswith("diplôme")
    assert "choix différent de la proposition" in c.get(reverse("personnel:fiche", args=[s.professionnel.pk])
                                                         ).content.decode()


def test_upload_dry_run_commit_export_through_the_screens(og_rh, client_de):
    og, et, rh = og_rh
    c = client_de(rh)
    lignes = [ligne_valide(i, et.finess) for i in range(12)]
    lignes[4]["date_naissance"] = "01/01/2099"
    up = SimpleUploadedFile("personnel.csv", csv_gabarit(lignes), content_type="text/csv")
    r = c.post(reverse("personnel:import_upload", args=[og.finess]), {"fichier": up})
    imp = ImportPersonnel.objects.get()
    assert r.url == reverse("personnel:import_detail", args=[imp.pk])
    page = c.get(r.url).content.decode()
    assert "dans le futur" in page and "valider-import" not in page
    assert Professionnel.objects.count() == 0
    assert c.post(reverse("personnel:import_valider", args=[imp.pk])).status_code == 302
    assert Professionnel.objects.count() == 0  # refused: a blocking error remains
    lignes[4]["date_naissance"] = "01/01/1990"
    up = SimpleUploadedFile("personnel.csv", csv_gabarit(lignes), content_type="text/csv")
    r = c.post(reverse("personnel:import_upload", args=[og.finess]), {"fichier": up})
    imp = ImportPersonnel.objects.latest("pk")
    assert "valider-import" in c.get(r.url).content.decode()
    r = c.post(reverse("personnel:import_valider", args=[imp.pk]), follow=True)
    assert "12 fiche(s) créée(s)" in r.content.decode()
    assert Professionnel.objects.filter(organisme=og).count() == 12
    assert EvenementAudit.objects.filter(action="import", utilisateur=rh).exists()
    r = c.get(reverse("personnel:export_zip", args=[og.finess]))
    assert r["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        assert f"rpps_plus_{et.finess}.csv" in z.namelist()
    assert EvenementAudit.objects.filter(action="export", utilisateur=rh).exists()


def test_layout_options_and_header_upload_from_the_screen(og_rh, client_de):
    from socle.personnel.export import gabarit_actif

    og, et, rh = og_rh
    c = client_de(rh)
    url = reverse("personnel:gabarit", args=[og.finess])
    assert "Gabarit par défaut Socle — le gabarit officiel est fourni dans le portail RPPS+" in c.get(url).content.decode()
    c.post(url, {"options": "1", "separateur": "\\t", "encodage": "cp1252", "format_date": "%Y-%m-%d"})
    g = gabarit_actif(og)
    assert (g.version, g.structure["separateur"], g.structure["encodage"], g.structure["format_date"]) == (
        1, "\t", "cp1252", "%Y-%m-%d")
    entete = SimpleUploadedFile("gabarit.csv", "Nom de naissance;Prénoms;Adresse mail\n".encode())
    c.post(url, {"fichier": entete, "nom": "Gabarit officiel 2026"})
    g = gabarit_actif(og)
    assert g.version == 2 and g.nom == "Gabarit officiel 2026"
    assert [col["champ"] for col in g.structure["colonnes"]] == ["nom_naissance", "prenoms", "email"]
    r = c.post(url, {"options": "1", "separateur": "#", "encodage": "utf-8", "format_date": "%d/%m/%Y"}, follow=True)
    assert "Options refusées" in r.content.decode() and gabarit_actif(og).version == 2


def test_metier_table_and_rules_are_edited_on_screen(og_rh, client_de):
    from socle.personnel.models import MetierRole, RegleEnregistrement

    og, et, rh = og_rh
    c = client_de(rh)
    url = reverse("personnel:metiers", args=[og.finess])
    formset = c.get(url).context["formset"]
    assert formset.total_form_count() == 24 + 3
    data = {"form-TOTAL_FORMS": str(formset.total_form_count()), "form-INITIAL_FORMS": "24",
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000"}
    for i, f in enumerate(formset.forms):
        if f.instance.pk:
            data[f"form-{i}-id"] = str(f.instance.pk)
            data[f"form-{i}-metier"] = f.instance.metier
            data[f"form-{i}-role"] = f.instance.role
            data[f"form-{i}-genre_activite"] = f.instance.genre_activite
            if f.instance.concerne or f.instance.metier == "Surveillant de nuit":
                data[f"form-{i}-concerne"] = "on"
            if f.instance.metier == "Surveillant de nuit":
                data[f"form-{i}-genre_activite"] = "GENR10"
    data.update({"form-24-metier": "Veilleuse de nuit", "form-24-role": "367", "form-24-genre_activite": "GENR10",
                 "form-24-concerne": "on", "form-25-concerne": "on", "form-26-concerne": "on"})  # as a browser
    r = c.post(url, data)
    assert r.status_code == 302
    surveillant = MetierRole.objects.get(organisme=og, metier="Surveillant de nuit")
    assert surveillant.concerne and surveillant.genre_activite == "GENR10"
    assert MetierRole.objects.get(organisme=og, cle="veilleur de nuit").role == "367"
    r = c.post(reverse("personnel:regles", args=[og.finess]), {
        "critere_dui": "on", "genres_acces_dui": ["GENR10", "GENR11"], "critere_dmp": "on",
        "professions_texte": "infirmier\npsychologue\n"})
    assert r.status_code == 302
    regle = RegleEnregistrement.objects.get(organisme=og)
    assert regle.genres_acces_dui == ["GENR10", "GENR11"] and not regle.critere_mssante
    assert regle.professions_deja_rpps == ["infirmier", "psychologue"]


def test_mapping_step_is_remembered_per_og(og_rh, client_de):
    og, et, rh = og_rh
    c = client_de(rh)
    colonnes = ["Nom", "Prenoms", "Sexe", "Date naissance", "FINESS", "Emploi"]
    lignes = [{"Nom": f"TEST{i}", "Prenoms": "Zoé", "Sexe": "F", "Date naissance": "02/03/1980",
               "FINESS": et.finess, "Emploi": "Animatrice"} for i in range(5)]
    up = SimpleUploadedFile("rh.xlsx", xlsx(lignes, colonnes))
    r = c.post(reverse("personnel:import_upload", args=[og.finess]), {"fichier": up})
    imp = ImportPersonnel.objects.get()
    assert r.url == reverse("personnel:import_colonnes", args=[imp.pk])
    form = c.get(r.url).context["form"]
    assert form.initial["finess_et"] == "FINESS" and form.initial["date_naissance"] == "Date naissance"
    data = {"nom": "Logiciel paie", "format_date": "%d/%m/%Y", "nom_naissance": "Nom", "prenoms_naissance": "Prenoms",
            "sexe": "Sexe", "date_naissance": "Date naissance", "finess_et": "FINESS", "metier": "Emploi"}
    r = c.post(r.url, data)
    assert r.status_code == 302
    assert MappingColonnes.objects.get(organisme=og).nom == "Logiciel paie"
    imp.refresh_from_db()
    assert imp.statut == "analyse" and imp.rapport["bloquants"] == 0 and imp.rapport["a_completer"] > 0
    # the next upload of the same export gets the remembered mapping
    r = c.post(reverse("personnel:import_upload", args=[og.finess]), {"fichier": SimpleUploadedFile(
        "rh2.xlsx", xlsx(lignes, colonnes))})
    assert c.get(r.url).context["form"].initial["nom"] == "Logiciel paie"


def test_large_files_run_as_background_task(og_rh, client_de, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "imports", "ins"]}}
    settings.PERSONNEL_IMPORT_SEUIL_TACHE = 3
    og, et, rh = og_rh
    c = client_de(rh)
    up = SimpleUploadedFile("p.csv", csv_gabarit([ligne_valide(i, et.finess) for i in range(8)]))
    r = c.post(reverse("personnel:import_upload", args=[og.finess]), {"fichier": up}, follow=True)
    assert "arrière-plan" in r.content.decode()
    imp = ImportPersonnel.objects.get()
    assert imp.statut == "analyse"
    c.post(reverse("personnel:import_valider", args=[imp.pk]))
    imp.refresh_from_db()
    assert imp.statut == "importe" and Professionnel.objects.count() == 8
    frag = c.get(reverse("personnel:import_detail", args=[imp.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "8 fiche(s) créée(s)" in frag and "<html" not in frag


def test_board_counts_by_role_and_warns_when_a_gestionnaire_has_left(og_rh, client_de):
    og, et, rh = og_rh
    SituationFactory.create_batch(3, professionnel__organisme=og, etablissement=et)
    SituationFactory(professionnel=ProfessionnelFactory(organisme=og, rpps=rpps_valide(1)), etablissement=et)
    SituationFactory(professionnel=ProfessionnelFactory(organisme=og, mobile="0478000000"), etablissement=et)
    SituationFactory(professionnel=ProfessionnelFactory(organisme=og), etablissement=et, metier="Infirmière")
    parti = UtilisateurFactory()
    Habilitation.objects.create(utilisateur=parti, fonction=Fonction.GESTIONNAIRE_RPPS, etablissement=et,
                                date_fin=date.today() - timedelta(days=1))
    synth = services.syntheses([et])[0]
    assert (synth.enregistres, synth.a_rechercher, synth.a_enregistrer, synth.erreurs) == (1, 1, 3, 1)
    assert synth.identites_a_verifier == 4
    assert synth.par_role()[0] == {"role": "328", "libelle": "Accompagnant éducatif et social", "total": 6,
                                   "enregistres": 1, "a_rechercher": 1, "a_enregistrer": 3, "erreurs": 1,
                                   "non_concernes": 0}
    alertes = {g.utilisateur.pk: g.alerte for g in services.gestionnaires_rpps(et)}
    assert alertes[rh.pk] == "" and "a quitté" in alertes[parti.pk]
    page = client_de(rh).get(reverse("personnel:esms", args=[et.finess])).content.decode()
    assert "a quitté ses fonctions" in page and "Accompagnant éducatif et social" in page


def test_portal_return_sets_rpps_all_or_nothing(og_rh, tmp_path, capsys):
    og, et, _ = og_rh
    a = ProfessionnelFactory(organisme=og, nom_naissance="ABRICOT-TEST", nom_usage="BRIOCHE-TEST",
                             prenoms=["Léa", "Rose"], date_naissance=date(1980, 1, 2))
    b = ProfessionnelFactory(organisme=og, nom_naissance="KIWI-TEST", prenoms=["Hugo"], date_naissance=date(1990, 5, 6))
    f = tmp_path / "retour.csv"
    f.write_text(f"nom;prenom;date_naissance;rpps\nbrioche-test;Lea;02/01/1980;{rpps_valide(10)}\n"
                 f"INCONNU;Zoé;01/01/1970;{rpps_valide(11)}\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("rpps", "retour", str(f), "--og", og.finess)
    assert "ligne 3 (INCONNU Zoé) : personne introuvable" in capsys.readouterr().out
    a.refresh_from_db()
    assert a.rpps == ""
    f.write_text(f"nom;prenom;date_naissance;rpps\nbrioche-test;Lea;02/01/1980;{rpps_valide(10)}\n"
                 f"KIWI-TEST;Hugo;06/05/1990;{rpps_valide(11)}\n", encoding="utf-8")
    call_command("rpps", "retour", str(f), "--og", og.finess)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.rpps, b.rpps) == (rpps_valide(10), rpps_valide(11)) and a.rpps_enregistre_le is not None
    call_command("rpps", "retour", str(f), "--og", og.finess)
    assert "0 numéro(s) RPPS enregistré(s), 2 déjà connu(s)" in capsys.readouterr().out


def test_portal_return_in_socle_template_through_the_screen(og_rh, client_de):
    og, et, rh = og_rh
    lignes = [ligne_valide(i, et.finess) for i in range(3)]
    from socle.personnel import importer as imp

    imp.importer(csv_gabarit(lignes), "p.csv", og)
    lignes[1]["rpps"] = rpps_valide(21)
    r = client_de(rh).post(reverse("personnel:retour_portail", args=[og.finess]),
                           {"fichier": SimpleUploadedFile("retour.csv", csv_gabarit(lignes))}, follow=True)
    assert "1 numéro(s) RPPS enregistré(s)" in r.content.decode()
    pro = Professionnel.objects.get(nom_naissance=lignes[1]["nom_naissance"])
    assert pro.rpps == rpps_valide(21)
    assert EvenementAudit.objects.filter(action="modification", objet_id=str(pro.pk), utilisateur=rh).exists()


def test_annuaire_reconciliation_wired_on_the_synthetic_file(tmp_path, client_de):
    from socle.fictif.annuaire import generer

    jeu = generer(tmp_path / "annuaire.txt", n_lignes=3000, n_agents=60, n_et=3, n_ej=1)
    og = OrganismeFactory(finess=jeu.finess_ej[0])
    ets = {f: EtablissementFactory(organisme=og, finess=f) for f in jeu.finess_et}
    pk_de = {}
    for n, agent in enumerate(jeu.agents):
        pro = Professionnel.objects.create(
            organisme=og, nom_naissance=agent.nom_naissance, nom_usage=agent.nom_usage, prenoms=list(agent.prenoms),
            prenom_usuel=agent.prenom_usuel, sexe="F", date_naissance=date(1970, 1, 1) + timedelta(days=n),
            rpps=agent.rpps)
        for f in agent.finess_et:
            SituationExercice.objects.create(professionnel=pro, etablissement=ets[f], profession=agent.profession,
                                             genre_activite=agent.genre_activite)
        pk_de[agent.cle] = pro.pk
    m = jeu.manifeste
    call_command("import_annuaire", str(jeu.chemin), "--og", og.finess, "--out", str(tmp_path / "detail.csv"))
    run = og.rapprochements.get()
    detail = (tmp_path / "detail.csv").read_text(encoding="utf-8-sig")
    assert "DELAVERNOUX" in detail and "Parti : situation à clôturer sur le portail" in detail
    res = list(run.resultats.all())
    trouves = {r.professionnel_id: r.rpps for r in res if r.type == "trouve"}
    assert trouves == {pk_de[c]: rp for c, rp in m.deja_rpps.items()}
    assert {r.professionnel_id for r in res if r.type == "a_verifier"} == {pk_de[c] for c in m.a_verifier}
    assert {r.professionnel_id for r in res if r.type == "manquant"} == {pk_de[c] for c in m.manquants}
    partis = [r for r in res if r.type == "parti"]
    assert len(partis) == len(m.partis) and {r.candidats[0]["ligne"] for r in partis} == m.partis
    # RPPS numbers found are written on the records; the homonyms are never merged
    for cle, rp in m.deja_rpps.items():
        assert Professionnel.objects.get(pk=pk_de[cle]).rpps == rp
    homonymes = m.cas["homonymes"]
    assert all(Professionnel.objects.get(pk=pk_de[c]).rpps == "" for c in homonymes)
    # a person confirms one homonym, rejects the other, through the screen
    rh = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)
    c = client_de(rh)
    assert "PLUMECOQUIN" in c.get(reverse("personnel:annuaire", args=[og.finess])).content.decode()
    assert "NULLEPARTIN" in c.get(reverse("personnel:annuaire_csv", args=[run.pk])).content.decode("utf-8-sig")
    r1 = ResultatRapprochement.objects.get(professionnel_id=pk_de[homonymes[0]], type="a_verifier")
    choisi = r1.candidats[0]["rpps"]
    c.post(reverse("personnel:decider", args=[r1.pk]), {"decision": "confirmer", "rpps": choisi})
    r1.refresh_from_db()
    assert r1.decision == "confirme" and Professionnel.objects.get(pk=pk_de[homonymes[0]]).rpps == choisi
    r2 = ResultatRapprochement.objects.get(professionnel_id=pk_de[homonymes[1]], type="a_verifier")
    c.post(reverse("personnel:decider", args=[r2.pk]), {"decision": "confirmer", "rpps": choisi})
    assert Professionnel.objects.get(pk=pk_de[homonymes[1]]).rpps == ""  # already taken: refused
    c.post(reverse("personnel:decider", args=[r2.pk]), {"decision": "rejeter"})
    r2.refresh_from_db()
    assert r2.decision == "rejete"


def test_annuaire_upload_from_the_screen_runs_in_background_when_large(tmp_path, client_de, settings, monkeypatch):
    from socle.fictif.annuaire import generer
    from socle.personnel.views import annuaire as vue_annuaire

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default", "imports", "ins"]}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    jeu = generer(tmp_path / "annuaire.zip", n_lignes=500, n_agents=20, n_et=2, zipper=True)
    og = OrganismeFactory(finess=jeu.finess_ej[0])
    for f in jeu.finess_et:
        EtablissementFactory(organisme=og, finess=f)
    c = client_de(utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og))
    url = reverse("personnel:annuaire", args=[og.finess])
    r = c.post(url, {"fichier": SimpleUploadedFile("extrait.zip", jeu.chemin.read_bytes())}, follow=True)
    assert "Rapprochement terminé" in r.content.decode() and og.rapprochements.count() == 1
    monkeypatch.setattr(vue_annuaire, "SEUIL_ANNUAIRE_TACHE", 10)
    r = c.post(url, {"fichier": SimpleUploadedFile("extrait.zip", jeu.chemin.read_bytes())}, follow=True)
    assert "arrière-plan" in r.content.decode() and og.rapprochements.count() == 2
    assert not list((tmp_path / "media" / "annuaire").iterdir())  # uploaded files are removed
    r = c.post(url, {"fichier": SimpleUploadedFile("faux.txt", b"pas|un|extrait\n")}, follow=True)
    assert "Fichier refusé : ligne 1 : en-tête inattendu" in r.content.decode()  # refused by the worker, shown
    monkeypatch.setattr(vue_annuaire, "SEUIL_ANNUAIRE_TACHE", 10_000)
    r = c.post(url, {"fichier": SimpleUploadedFile("faux.txt", b"pas|un|extrait\n")}, follow=True)
    assert "Fichier refusé : ligne 1" in r.content.decode()


def test_demo_staff_is_deterministic_valid_and_idempotent():
    call_command("demo", "--no-serve")
    premier = sorted(Professionnel.objects.values_list("nom_naissance", "prenoms", "date_naissance", "rpps"))
    assert 1200 <= len(premier) <= 1600
    assert all(n.endswith("-DEMO") for n, *_ in premier)
    rpps = [r for *_, r in premier if r]
    assert len(rpps) > 50 and all(rpps_error(r) is None for r in rpps)
    call_command("demo", "--no-serve")
    assert sorted(Professionnel.objects.values_list("nom_naissance", "prenoms", "date_naissance", "rpps")) == premier
    synth = services.syntheses(list(Professionnel.objects.first().organisme.etablissements.all()))
    assert sum(s.erreurs for s in synth) > 0 and sum(s.a_enregistrer for s in synth) > 0


def test_a_concerned_metier_without_role_or_genre_is_refused(og_rh, client_de):
    from socle.personnel.models import MetierRole

    og, et, rh = og_rh
    c = client_de(rh)
    url = reverse("personnel:metiers", args=[og.finess])
    formset = c.get(url).context["formset"]
    data = {"form-TOTAL_FORMS": str(formset.total_form_count()), "form-INITIAL_FORMS": str(formset.initial_form_count()),
            "form-MIN_NUM_FORMS": "0", "form-MAX_NUM_FORMS": "1000"}
    for i, f in enumerate(formset.forms):
        if f.instance.pk:
            data.update({f"form-{i}-id": str(f.instance.pk), f"form-{i}-metier": f.instance.metier,
                         f"form-{i}-role": f.instance.role, f"form-{i}-genre_activite": f.instance.genre_activite})
            if f.instance.concerne:
                data[f"form-{i}-concerne"] = "on"
    n = formset.initial_form_count()
    data.update({f"form-{n}-metier": "Coordinatrice de parcours", f"form-{n}-concerne": "on",
                 f"form-{n + 1}-concerne": "on", f"form-{n + 2}-concerne": "on"})  # as a browser posts them
    r = c.post(url, data)
    assert r.status_code == 200
    assert "Coordinatrice de parcours" in r.content.decode() and "doit indiquer le rôle (TRE_R85)" in r.content.decode()
    assert not MetierRole.objects.filter(organisme=og, metier="Coordinatrice de parcours").exists()


def test_recherche_dans_la_liste_du_personnel_d_un_esms(og_rh, client_de):
    og, et, rh = og_rh
    SituationFactory(professionnel=ProfessionnelFactory(organisme=og, nom_naissance="ÉCLAIR-TEST", prenoms=["Léa"]),
                     etablissement=et, metier="Infirmière")
    SituationFactory(professionnel=ProfessionnelFactory(organisme=og, nom_naissance="KIWI-TEST", prenoms=["Hugo"]),
                     etablissement=et, metier="Animateur")
    c = client_de(rh)
    url = reverse("personnel:esms", args=[et.finess])
    page = c.get(url, {"q": "eclair"}).content.decode()  # accents and case ignored
    assert "ÉCLAIR-TEST" in page and "KIWI-TEST" not in page
    page = c.get(url, {"q": "animat"}).content.decode()  # the job title too
    assert "KIWI-TEST" in page and "ÉCLAIR-TEST" not in page


def test_synthese_legere_comme_la_complete_y_compris_sans_prenoms(og_rh):
    og, et, _ = og_rh
    SituationFactory(professionnel=ProfessionnelFactory(organisme=og, prenoms=[]), etablissement=et)
    SituationFactory(professionnel=ProfessionnelFactory(organisme=og, mobile="0478000000"), etablissement=et)
    SituationFactory(professionnel=ProfessionnelFactory(organisme=og, rpps=rpps_valide(3)), etablissement=et)
    complete, legere = services.syntheses([et])[0], services.syntheses([et], leger=True)[0]
    assert [(lg.professionnel.pk, lg.statut, lg.anomalies) for lg in complete.lignes] == \
        [(lg.professionnel.pk, lg.statut, lg.anomalies) for lg in legere.lignes]
    assert ("prenoms_naissance", "prénoms de naissance absents") in complete.lignes[0].anomalies + \
        complete.lignes[1].anomalies + complete.lignes[2].anomalies
    assert services.totaux_personnes([complete]) == services.totaux_personnes([legere])
