"""The dry run says what the commit will do (same rules), counts people once, names them as the screens do, and
its problem list downloads as a spreadsheet; a file with blocking errors ends « à corriger »."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from socle.comptes.models import Fonction
from socle.personnel import rules
from socle.personnel.export import exporter
from socle.personnel.importer import analyser, importer
from socle.personnel.models import ImportPersonnel, Professionnel
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, OrganismeFactory
from tests.personnel.factories import ProfessionnelFactory, SituationFactory, csv_gabarit, ligne_valide

pytestmark = pytest.mark.django_db


@pytest.fixture
def og_rh():
    og = OrganismeFactory()
    ets = [EtablissementFactory(organisme=og), EtablissementFactory(organisme=og)]
    return og, ets, utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=og)


def _lignes(ets, metiers: dict[int, str]) -> list[dict]:
    lignes = [ligne_valide(i, ets[0].finess) for i in range(len(metiers))]
    for i, metier in metiers.items():
        lignes[i]["metier"] = metier
    return lignes


def test_simulation_et_validation_disent_la_meme_chose_des_metiers(og_rh):
    og, ets, rh = og_rh
    lignes = _lignes(ets, {0: "Infirmier", 1: "Psychologue", 2: "Jardinier paysagiste", 3: "Aide-soignante"})
    contenu = csv_gabarit(lignes)
    analyse = analyser(contenu, "p.csv", og)
    metier = [p for p in analyse.problemes if p.champ == "metier"]
    assert metier == []  # no "rôle à choisir" for people already in the RPPS or not concerned
    assert not analyse.bloquants
    assert analyse.prevus == {rules.DEJA_RPPS: 2, rules.NON_CONCERNE: 1, rules.A_ENREGISTRER: 1}
    importer(contenu, "p.csv", og)
    ctx = rules.contexte(og)
    apres = {p.nom_naissance: rules.statut(p, list(p.situations.all()), ctx).code
             for p in Professionnel.objects.filter(organisme=og)}
    assert sorted(apres.values()) == sorted(
        [rules.DEJA_RPPS, rules.DEJA_RPPS, rules.NON_CONCERNE, rules.A_ENREGISTRER])
    assert apres[lignes[2]["nom_naissance"]] == rules.NON_CONCERNE


def test_un_metier_inconnu_demande_un_role_seulement_pour_une_personne_a_enregistrer(og_rh):
    og, ets, _rh = og_rh
    lignes = _lignes(ets, {0: "Jongleur", 1: "Jongleur"})
    lignes[1]["genre_activite"] = "GENR10"  # a genre that reaches the DUI: she will be registered
    analyse = analyser(csv_gabarit(lignes), "p.csv", og)
    (probleme,) = [p for p in analyse.problemes if p.champ == "metier"]
    assert probleme.ligne == 3 and "rôle à choisir" in probleme.message and "sera à enregistrer" in probleme.message


def test_les_totaux_comptent_une_personne_une_fois_et_egalent_la_somme(og_rh, client_de):
    og, ets, rh = og_rh
    lignes = _lignes(ets, {0: "Infirmier", 1: "Aide-soignante", 2: "Jardinier paysagiste"})
    deuxieme = dict(lignes[1], finess_et=ets[1].finess)  # the same person in a second ESMS
    c = client_de(rh)
    c.post(reverse("personnel:import_upload", args=[og.finess]),
           {"fichier": SimpleUploadedFile("p.csv", csv_gabarit([*lignes, deuxieme]))})
    imp = ImportPersonnel.objects.get()
    r = imp.rapport
    assert r["lignes"] == 4 and r["personnes"] == 3
    assert sum(r["prevus"].values()) == r["personnes"]
    page = c.get(reverse("personnel:import_detail", args=[imp.pk])).content.decode()
    assert "4 ligne(s) lue(s) pour 3 personne(s)" in page and "comptée une fois" in page


def test_un_import_en_erreur_bloquante_a_un_statut_qui_le_dit(og_rh, client_de):
    og, ets, rh = og_rh
    lignes = _lignes(ets, {0: "Aide-soignante", 1: "Aide-soignante"})
    lignes[1]["finess_et"] = "999999999"
    c = client_de(rh)
    c.post(reverse("personnel:import_upload", args=[og.finess]),
           {"fichier": SimpleUploadedFile("p.csv", csv_gabarit(lignes))})
    imp = ImportPersonnel.objects.get()
    assert imp.statut == ImportPersonnel.Statut.A_CORRIGER
    assert "Erreurs bloquantes" in imp.get_statut_display()
    assert not imp.fichier  # nothing left to commit
    r = c.post(reverse("personnel:import_valider", args=[imp.pk]), follow=True)
    assert "ne peut pas être validé" in r.content.decode()
    assert not Professionnel.objects.exists()


def test_la_liste_des_problemes_se_telecharge_en_xlsx_neutralise(og_rh, client_de):
    og, ets, rh = og_rh
    lignes = _lignes(ets, {0: "Aide-soignante", 1: "Aide-soignante"})
    lignes[0]["nom_naissance"], lignes[0]["nom_usage"] = "=HYPERLINK(1)", "DURAND"
    lignes[0]["email"] = "pas-un-courriel"
    lignes[1]["finess_et"] = "999999999"
    c = client_de(rh)
    c.post(reverse("personnel:import_upload", args=[og.finess]),
           {"fichier": SimpleUploadedFile("p.csv", csv_gabarit(lignes))})
    imp = ImportPersonnel.objects.get()
    page = c.get(reverse("personnel:import_detail", args=[imp.pk])).content.decode()
    url = reverse("personnel:import_problemes_xlsx", args=[imp.pk])
    assert url in page
    r = c.get(url)
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Ligne", "Personne", "Champ", "Problème", "Gravité")
    personnes = {row[1] for row in rows[1:]}
    assert "'=HYPERLINK(1) (DURAND) Camille" in personnes  # neutralised, same name form as the screens
    assert all(cell.data_type == "s" for row in ws.iter_rows(min_row=2) for cell in row if cell.value is not None
               and isinstance(cell.value, str))
    assert {row[4] for row in rows[1:]} == {"bloquant", "à compléter"}
    # another OG's manager cannot read it
    autre = utilisateur_avec(Fonction.GESTIONNAIRE_RPPS, organisme=OrganismeFactory())
    assert client_de(autre).get(url).status_code in (403, 404)


def test_meme_forme_du_nom_a_l_ecran_et_dans_erreurs_csv(og_rh, client_de):
    og, ets, rh = og_rh
    pro = ProfessionnelFactory(organisme=og, nom_naissance="MARTIN", nom_usage="DURAND", prenom_usuel="Camille",
                               email="", acces_dui=True)
    SituationFactory(professionnel=pro, etablissement=ets[0])
    assert pro.nom_complet == "MARTIN (DURAND) Camille"
    res = exporter(ets)
    assert res.exclus, "the professional without e-mail is left out of the RPPS+ file"
    assert "MARTIN (DURAND) Camille" in res.erreurs_csv().decode("utf-8-sig")
    page = client_de(rh).get(reverse("personnel:esms", args=[ets[0].finess])).content.decode()
    assert "MARTIN (DURAND) Camille" in page
    assert rules.nom_affiche("MARTIN", "MARTIN", "Léa") == "MARTIN Léa"


def test_la_ligne_d_exemple_du_gabarit_porte_un_finess_de_l_organisme(og_rh, client_de):
    og, ets, rh = og_rh
    contenu = client_de(rh).get(reverse("personnel:gabarit_import")).content.decode("utf-8-sig")
    exemple = contenu.splitlines()[1]
    assert min(et.finess for et in ets) in exemple.split(";")
    assert not analyser(contenu.encode(), "gabarit.csv", og).bloquants  # the example passes her own dry run
