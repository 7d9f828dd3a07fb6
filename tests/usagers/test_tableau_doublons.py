"""Dashboard figures (stats_identites), the duplicates screen wired to the detection engine, and merges."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from socle.audit.models import EvenementAudit
from socle.comptes.models import Fonction
from socle.organisations.models import Etablissement
from socle.usagers import services
from socle.usagers.models import AnomalieIns, HistoriqueIdentite, Sejour, Usager
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory


def _u(et, nom, prenoms="ALICE", d=date(1950, 3, 4), sexe="F", lieu="69123"):
    return services.creer_usager(et.organisme, et, {"nom_naissance": nom, "prenoms_naissance": prenoms,
                                                    "date_naissance": d, "sexe": sexe, "lieu_naissance": lieu})


@pytest.mark.django_db
def test_stats_identites_parts_anomalies_progression():
    et = EtablissementFactory()
    gens = [_u(et, f"DEMOSTAT{chr(65 + i)}", d=date(1940, 1, 1 + i)) for i in range(10)]
    Usager.objects.filter(pk__in=[g.pk for g in gens[:4]]).update(statut="QUAL")
    Usager.objects.filter(pk__in=[g.pk for g in gens[4:6]]).update(statut="RECUP")
    Usager.objects.filter(pk=gens[6].pk).update(statut="VALI")
    AnomalieIns.objects.create(usager=gens[7], etablissement=et, type="non_trouvee", creee_le=timezone.now())
    AnomalieIns.objects.create(usager=gens[8], etablissement=et, type="commune", creee_le=timezone.now(),
                               resolue_le=timezone.now())
    # history: 3 weeks ago everyone was created; last week 4 became QUAL
    il_y_a_3_sem = timezone.now() - timedelta(weeks=3)
    HistoriqueIdentite.objects.filter(usager__in=gens).update(le=il_y_a_3_sem)
    for g in gens[:4]:
        HistoriqueIdentite.objects.create(usager=g, evenement="lot", ancien_statut="PROV", nouveau_statut="QUAL",
                                          le=timezone.now() - timedelta(days=7))
    # someone who left is not counted
    sorti = _u(et, "DEMOSORTI")
    Sejour.objects.filter(usager=sorti).update(date_sortie=date(2025, 1, 1))
    s = services.stats_identites(Etablissement.objects.filter(pk=et.pk), semaines=6)
    assert s["total"] == 10
    assert s["par_statut"] == {"PROV": 3, "RECUP": 2, "VALI": 1, "QUAL": 4}
    assert [x["pourcent"] for x in s["statuts"]] == [30.0, 20.0, 10.0, 40.0]
    assert s["anomalies"] == [{"code": "non_trouvee", "libelle": "Identité non trouvée", "n": 1}]
    prog = s["progression"]
    assert len(prog) == 6
    assert prog[0]["total"] == 0  # before creation
    assert prog[-1]["QUAL"] == 4 and prog[-1]["pourcent_qual"] == 40.0
    assert prog[-4]["QUAL"] == 0 and prog[-4]["PROV"] == 10  # 3 weeks ago: all provisoire


@pytest.mark.django_db
def test_tableau_par_esms_et_grappe(client_de):
    et = EtablissementFactory()
    et2 = EtablissementFactory(organisme=et.organisme)
    grappe = GrappeFactory()
    grappe.membres.add(et.organisme)
    _u(et, "DEMOTAB")
    q = _u(et2, "DEMOTABQ")
    Usager.objects.filter(pk=q.pk).update(statut="QUAL")
    user = utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe)
    c = client_de(user)
    r = c.get(reverse("usagers:tableau"))
    html = r.content.decode()
    assert r.status_code == 200 and et.nom in html and et2.nom in html and grappe.nom in html
    assert 'class="statut-QUAL"' in html and "<svg" in html and "50,0 %" in html
    r = c.get(reverse("usagers:tableau") + f"?etablissement={et2.finess}")
    assert "100,0 %" in r.content.decode()
    autre = EtablissementFactory()
    assert c.get(reverse("usagers:tableau") + f"?etablissement={autre.finess}").status_code == 404


@pytest.mark.django_db
def test_ecran_doublons_fusion_et_annulation(client_de):
    et = EtablissementFactory()
    a = _u(et, "DEMOLIN", prenoms="ALICE MARIE", d=date(1950, 3, 4))
    b = _u(et, "DEMOLLIN", prenoms="ALICE", d=date(1950, 3, 4))  # typo in the name
    _u(et, "DEMOTOUTAUTRE", prenoms="BASILE", d=date(1980, 6, 7), sexe="M")
    autre_og = EtablissementFactory()
    _u(autre_og, "DEMOLIN", prenoms="ALICE MARIE", d=date(1950, 3, 4))  # same person elsewhere: invisible
    user = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    c = client_de(user)
    r = c.get(reverse("usagers:doublons"))
    assert r.status_code == 302
    r = c.get(reverse("usagers:doublons_og", args=[et.organisme.finess]))
    html = r.content.decode()
    assert "1 paire probable" in html and "DEMOLLIN" in html and "DEMOTOUTAUTRE" not in html
    assert EvenementAudit.objects.filter(details__ecran="doublons probables").exists()
    assert c.get(reverse("usagers:doublons_og", args=[autre_og.organisme.finess])).status_code == 404
    r = c.post(reverse("usagers:fusion"), {"source": b.pk, "cible": a.pk, "motif": "CNI vérifiée", "score": "0.9"})
    assert r.status_code == 302
    b.refresh_from_db()
    assert b.fusionne_dans_id == a.pk and a.sejours.count() == 2 and b.sejours.count() == 0
    assert b.historique.filter(evenement="fusion").exists() and a.historique.filter(evenement="fusion").exists()
    # the merged record stays readable, is no longer listed, can no longer be edited
    assert c.get(reverse("usagers:fiche", args=[b.pk])).status_code == 200
    assert "DEMOLLIN" not in c.get(reverse("usagers:index")).content.decode()
    assert c.get(reverse("usagers:qualifier", args=[b.pk])).status_code == 403
    r = c.get(reverse("usagers:doublons_og", args=[et.organisme.finess]))
    assert "0 paire" in r.content.decode()
    fusion = a.fusions_cible.get()
    c.post(reverse("usagers:fusion_annuler", args=[fusion.pk]), {"motif": "erreur"})
    b.refresh_from_db()
    assert b.fusionne_dans_id is None and b.sejours.count() == 1 and a.sejours.count() == 1
    assert b.historique.filter(evenement="defusion").exists()
    fusion.refresh_from_db()
    assert fusion.annulee_le and fusion.etat_source["nom_naissance"] == "DEMOLLIN"


@pytest.mark.django_db
def test_fusion_refusee_entre_organismes():
    from socle.usagers.rniv import RegleRniv

    a = _u(EtablissementFactory(), "DEMOA")
    b = _u(EtablissementFactory(), "DEMOA")
    with pytest.raises(RegleRniv):
        services.fusionner(a, b)


@pytest.mark.django_db
def test_paire_jugee_distincte_n_est_plus_proposee(client_de):
    et = EtablissementFactory()
    a = _u(et, "DEMOJUMEAU", prenoms="ALICE", d=date(1950, 3, 4))
    b = _u(et, "DEMOJUMEAUX", prenoms="ALICE", d=date(1950, 3, 4))
    c = client_de(utilisateur_avec(Fonction.PROFESSIONNEL, etablissement=et))
    url = reverse("usagers:doublons_og", args=[et.organisme.finess])
    assert "1 paire probable" in c.get(url).content.decode()
    r = c.post(reverse("usagers:distincts"), {"a": b.pk, "b": a.pk, "motif": "Deux personnes (CNI vues)"})
    assert r.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.homonyme and b.homonyme and a.historique.filter(evenement="attribut").exists()
    assert "0 paire" in c.get(url).content.decode()


@pytest.mark.django_db
def test_stats_identites_sans_esms():
    s = services.stats_identites(Etablissement.objects.none(), semaines=3)
    assert s["total"] == 0 and s["anomalies_total"] == 0
    assert [p["total"] for p in s["progression"]] == [0, 0, 0]
