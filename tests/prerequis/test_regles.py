"""Rules of the prerequisites chain, tested on plain data and on the demo grappe (no HTTP)."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command

from socle.comptes.models import Fonction
from socle.prerequis import rules
from socle.prerequis.catalogue import (
    CATALOGUE,
    ETAPES,
    ORDRE,
    Canal,
    CycleError,
    Etape,
    Niveau,
    verifier_catalogue,
)
from socle.prerequis.rules import EN_COURS, FAIT, NON_APPLICABLE, EtatSimple

J = date(2026, 11, 26)
RL, CP, AT = Fonction.REPRESENTANT_LEGAL, Fonction.CHEF_PROJET, Fonction.ADMIN_TECHNIQUE


def fait(jours_avant: int = 1) -> EtatSimple:
    return EtatSimple(FAIT, J - timedelta(days=jours_avant + 1), J - timedelta(days=jours_avant))


def test_catalogue_is_a_dag_in_topological_order():
    ordre = verifier_catalogue()
    assert set(ordre) == {e.id for e in CATALOGUE}
    for e in CATALOGUE:
        for p in e.prerequis:
            assert ordre.index(p) < ordre.index(e.id), (p, e.id)
    assert ETAPES["contrat_cde"].delai_min == 6 and ETAPES["contrat_cde"].delai_max == 16
    assert all(e.responsable in Fonction.values for e in CATALOGUE)


def test_cycle_and_unknown_prerequisite_are_refused():
    a = Etape("a", "A", RL, ("b",), Canal.INTERNE, 0, 1, "", Niveau.OG)
    b = Etape("b", "B", RL, ("a",), Canal.INTERNE, 0, 1, "", Niveau.OG)
    with pytest.raises(CycleError, match="Cycle"):
        verifier_catalogue((a, b))
    c = Etape("c", "C", RL, ("zz",), Canal.INTERNE, 0, 1, "", Niveau.OG)
    with pytest.raises(CycleError, match="inconnu"):
        verifier_catalogue((c,))
    d = Etape("d", "D", RL, (), Canal.INTERNE, 0, 1, "", Niveau.ESMS)
    e = Etape("e", "E", RL, ("d",), Canal.INTERNE, 0, 1, "", Niveau.OG)
    with pytest.raises(CycleError, match="niveau OG"):
        verifier_catalogue((d, e))


def test_blocked_by_and_next_actions_follow_states():
    etats: dict = {}
    assert rules.bloquee_par("premier_insi", etats) == ["finess"]
    assert rules.est_bloquee("contrat_cde", etats)
    assert [e.id for e in rules.actions_suivantes(etats, {RL})] == []
    assert [e.id for e in rules.actions_suivantes(etats, {CP})] == ["finess"]

    etats["finess"] = fait(10)
    assert {e.id for e in rules.actions_suivantes(etats, {RL})} == {"contrat_cde", "homologation"}
    etats["contrat_cde"] = EtatSimple(EN_COURS, J - timedelta(days=3))
    assert "contrat_cde" in {e.id for e in rules.actions_suivantes(etats, {RL})}  # in progress stays an action
    assert rules.bloquee_par("certificat_insi", etats) == ["contrat_cde"]

    etats["contrat_cde"] = fait(1)
    etats["cde_reception"] = fait(0)
    acts = {e.id for e in rules.actions_suivantes(etats, {RL})}
    assert {"mandataires", "gestionnaires_rpps", "homologation", "cpx_commande"} <= acts
    assert [e.id for e in rules.actions_suivantes(etats, {AT})] == ["poste_gestionnaire", "lecteurs"]
    # a not-applicable prerequisite does not block
    etats["cde_reception"] = EtatSimple(NON_APPLICABLE)
    assert not rules.est_bloquee("cpx_commande", etats)
    assert rules.peut_modifier("certificat_insi", {AT}) and rules.peut_modifier("certificat_insi", {CP})
    assert not rules.peut_modifier("certificat_insi", {Fonction.GESTIONNAIRE_RPPS})


def test_earliest_dates_follow_the_dag_and_typical_delays():
    fen = rules.dates_au_plus_tot({}, J)
    assert fen["finess"].debut == J
    attendu = J + timedelta(days=ETAPES["finess"].delai_min + ETAPES["contrat_cde"].delai_min
                            + ETAPES["cde_reception"].delai_min)
    assert fen["cde_reception"].fin_min == attendu
    assert fen["cde_reception"].fin_max > fen["cde_reception"].fin_min
    # an in-progress step counts from its sending date
    etats = {"finess": fait(30), "contrat_cde": EtatSimple(EN_COURS, J - timedelta(days=4))}
    fen = rules.dates_au_plus_tot(etats, J)
    assert fen["contrat_cde"].fin_min == J + timedelta(days=2)
    assert fen["contrat_cde"].fin_max == J + timedelta(days=12)
    assert fen["finess"].fin_min == J - timedelta(days=30)
    for i in ORDRE:  # nothing unfinished ends before its prerequisites
        for p in ETAPES[i].prerequis:
            if fen[i].fin_min and fen[p].fin_min and i not in etats:
                assert fen[i].fin_min >= fen[p].fin_min


class J_:  # a milestone as plain data
    def __init__(self, code, date_cible, etapes):
        self.code, self.libelle, self.date_cible, self.etapes = code, code, date_cible, etapes


def test_calendar_flags_an_impossible_deadline():
    etats: dict = {}
    fen = rules.dates_au_plus_tot(etats, J)
    trop_tot = J_("copil", J + timedelta(days=5), ["cde_reception"])  # needs 6 days at best
    large = J_("sons", J + timedelta(days=400), ["cde_reception"])
    serre = J_("serre", J + timedelta(days=10), ["cde_reception"])  # possible at best, not with usual delays
    av = rules.faisabilite([trop_tot, large, serre], fen, etats, J)
    par_jalon = {a.jalon: a.gravite for a in av}
    assert par_jalon == {"copil": "impossible", "serre": "a_risque"}
    assert "au plus tôt" in next(a.message for a in av if a.jalon == "copil")
    etats_faits = {"cde_reception": fait(1)}
    assert rules.faisabilite([trop_tot], rules.dates_au_plus_tot(etats_faits, J), etats_faits, J) == []
    passe = J_("passe", J - timedelta(days=1), ["contrat_cde"])
    assert [a.gravite for a in rules.faisabilite([passe], fen, {}, J)] == ["depasse"]


def test_late_steps():
    etats = {"finess": fait(30), "contrat_cde": EtatSimple(EN_COURS, J - timedelta(days=17))}
    assert rules.en_retard("contrat_cde", etats, J)  # 16 days at most
    etats["contrat_cde"] = EtatSimple(EN_COURS, J - timedelta(days=16))
    assert not rules.en_retard("contrat_cde", etats, J)
    assert rules.en_retard("contrat_cde", etats, J, [J_("x", J - timedelta(days=1), ["contrat_cde"])])
    assert not rules.en_retard("finess", etats, J, [J_("x", J - timedelta(days=1), ["finess"])])


@pytest.mark.parametrize("reste,seuil", [(200, None), (91, None), (90, 90), (31, 90), (30, 30), (8, 30), (7, 7),
                                         (0, 7), (-1, 0)])
def test_expiry_thresholds(reste, seuil):
    assert rules.seuil_expiration(J + timedelta(days=reste), J) == seuil


@pytest.mark.django_db
def test_demo_grappe_states_blocked_and_next_actions(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from socle.organisations.models import Grappe
    from socle.prerequis import services

    call_command("demo", "--no-serve")
    call_command("demo", "--no-serve")  # idempotent
    og0, og1, og2, og3 = services.OrganismeGestionnaire.objects.filter(grappes__isnull=False).order_by("pk")[:4]
    v0 = services.vue_organisme(og0, {RL, CP})
    faits, total = v0.progression
    assert faits == total > 0 and v0.actions == []
    assert services.certificat_insi_pret(og0)[0]

    v1 = services.vue_organisme(og1, {RL})
    lignes = {lg.etape.id: lg for lg in v1.lignes}
    assert lignes["contrat_cde"].statut == EN_COURS
    assert [e.id for e in lignes["cde_reception"].bloquee_par] == ["contrat_cde"]
    assert [e.id for e in lignes["certificat_insi"].bloquee_par] == ["contrat_cde"]
    assert {lg.etape.id for lg in v1.actions} == {"contrat_cde", "homologation"}
    assert not services.certificat_insi_pret(og1)[0]

    v2 = services.vue_organisme(og2, {CP})
    assert [lg.etape.id for lg in v2.actions] == ["finess"]
    assert v2.progression[0] == 0
    assert any(a.gravite == "impossible" and a.jalon == "demo_copil" for a in v2.avertissements)

    # the demo's chain: DUI records choose the branches, CPE holders are not in RPPS+, a mandataire is listed
    from socle.prerequis.models import Carte, Dui, Mandataire

    assert Dui.objects.filter(etablissement__organisme=og0, insi_certificat=True, alimentation_dmp=True).exists()
    assert Dui.objects.filter(etablissement__organisme=og3, insi_certificat=False).count() == 1
    assert Carte.objects.filter(type="CPE").exists()
    assert not Carte.objects.filter(type="CPE", date_inscription_rpps__isnull=False).exists()
    assert all(not rules.controler_carte(c.type, c.canal, c.date_inscription_rpps, c.date_reception,
                                         c.date_activation) for c in Carte.objects.all())
    assert Mandataire.objects.filter(organisme=og3, commande_cartes=True).exists()
    assert services.inventaire_certificats(list(og0.certificats.all())).dmp_complet

    v3 = services.vue_organisme(og3, {RL})
    f3, t3 = v3.progression
    assert 0 < f3 < t3
    assert services.alertes_certificats([og3])[0].seuil == 30

    g = Grappe.objects.get()
    from socle.comptes.models import Utilisateur

    chef = Utilisateur.objects.get(username="chefprojet")
    m = services.matrice_grappe(g, chef)
    assert len(m["lignes"]) == g.etablissements().count()
    bloques = services.matrice_grappe(g, chef, "bloque")["lignes"]
    assert {lg["og"].pk for lg in bloques} == {og1.pk, og2.pk, og3.pk}
    retards = services.matrice_grappe(g, chef, "retard")["lignes"]
    assert retards and all(any(c["retard"] for c in lg["cellules"]) for lg in retards)
