"""Regressions found by the review crawl of the demo as each persona sees it (errors pages, menu paths)."""

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import path, reverse

from socle import urls as socle_urls
from socle.comptes.models import Fonction
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import OrganismeFactory


def _refus(request):
    raise PermissionDenied("Les dossiers usagers sont réservés aux fonctions Admission et Professionnel.")


@login_not_required  # the error page must render for anybody, signed in or not
def _panne(request):
    raise RuntimeError("panne simulée")


urlpatterns = [path("refus/", _refus), path("panne/", _panne), *socle_urls.urlpatterns]


@pytest.mark.django_db
def test_page_404_en_francais_avec_menu_et_retour(client_de):
    u = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=OrganismeFactory())
    r = client_de(u).get("/cette-page-n-existe-pas/")
    html = r.content.decode()
    assert r.status_code == 404
    assert "Page introuvable" in html and "Not Found" not in html
    assert 'lang="fr"' in html and "Retour à l'accueil" in html
    assert "Journal d&#x27;accès" in html  # the menu is still there: the user is not stranded


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.web.test_revue")
def test_page_403_en_francais_explique_le_refus(client_de):
    u = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=OrganismeFactory())
    r = client_de(u).get("/refus/")
    html = r.content.decode()
    assert r.status_code == 403
    assert "Accès refusé" in html and "Forbidden" not in html
    assert "réservés aux fonctions Admission et Professionnel" in html


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.web.test_revue")
def test_page_500_en_francais(client):
    client.raise_request_exception = False
    r = client.get("/panne/")
    assert r.status_code == 500
    html = r.content.decode()
    assert "Erreur interne" in html and "Server Error" not in html


@pytest.mark.django_db
def test_menu_usagers_sans_lien_mort_pour_chaque_fonction(client_de):
    """Review regression: from the "Usagers & INS" menu entry, every link of the sub-menu opens (no 403)."""
    import re
    from datetime import date

    from django.urls import reverse
    from django.utils import timezone

    from socle.usagers import services
    from socle.usagers.models import AnomalieIns
    from tests.organisations.factories import EtablissementFactory

    et = EtablissementFactory()
    u = services.creer_usager(et.organisme, et, {"nom_naissance": "DEMOREVUE", "prenoms_naissance": "ALICE",
                                                 "date_naissance": date(1950, 3, 4), "sexe": "F",
                                                 "lieu_naissance": "69123"})
    AnomalieIns.objects.create(usager=u, etablissement=et, type="non_trouvee", creee_le=timezone.now())
    for fonction, portee in [(Fonction.REPRESENTANT_LEGAL, {"organisme": et.organisme}),
                             (Fonction.ADMIN_TECHNIQUE, {"organisme": et.organisme}),
                             (Fonction.ADMISSION, {"etablissement": et})]:
        c = client_de(utilisateur_avec(fonction, **portee))
        accueil = c.get("/").content.decode()
        assert f'href="{reverse("usagers:index")}"' in accueil, fonction
        r = c.get(reverse("usagers:index"), follow=True)
        assert r.status_code == 200, fonction
        html = r.content.decode()
        sous_menu = re.search(r'<p class="fil">(.*?)</p>', html).group(1)
        assert re.findall(r'href="([^"]+)"', sous_menu), fonction
        liens = {x.replace("&amp;", "&") for x in re.findall(r'href="(/usagers/[^"]*)"', html)}
        if fonction == Fonction.REPRESENTANT_LEGAL:
            assert "Identité non trouvée" in html  # the dashboard still names the anomaly, without a dead link
        for u in liens:
            assert c.get(u, follow=True).status_code == 200, (fonction, u)


@pytest.mark.django_db
def test_journal_montre_le_type_en_francais(client_de):
    """Review: the access log showed « personnel.Professionnel 367 »; a DPO reads « professionnel 367 »."""
    from django.urls import reverse

    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=OrganismeFactory())
    c = client_de(directrice)
    c.get(reverse("audit:recherche"))
    html = c.get(reverse("audit:recherche")).content.decode()
    assert '<span class="legende" title="audit.EvenementAudit">événement du journal recherche</span>' in html
    assert ">audit.EvenementAudit recherche<" not in html


@pytest.mark.django_db
def test_tableau_de_bord_esms_a_un_lien_retour(client_de):
    """Review: the per-ESMS dashboard (reached from the table of the OG dashboard) had no way back."""
    from django.urls import reverse

    from tests.organisations.factories import EtablissementFactory

    et = EtablissementFactory()
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=et.organisme)
    html = client_de(directrice).get(reverse("pilotage:etablissement", args=[et.finess])).content.decode()
    assert f'<div class="fil"><a href="{reverse("pilotage:index")}">Tableaux de bord</a>' in html
    assert reverse("organisations:et_detail", args=[et.finess]) in html


@pytest.mark.django_db
def test_formulaires_cartes_et_lecteurs_libelle_accentue():
    from django.contrib.auth import get_user_model

    from socle.prerequis.forms import CarteForm, LecteurForm

    og = OrganismeFactory()
    carte = CarteForm(organisme=og, utilisateurs=get_user_model().objects.none())
    assert carte.fields["etablissement"].label == "Établissement"
    assert LecteurForm(organisme=og).fields["etablissement"].label == "Établissement"


@pytest.mark.django_db
def test_calendrier_nomme_les_etapes_requises_en_clair():
    """Review: milestones read « Étapes requises : contrat, cde_reception » (internal ids) on the calendar."""
    from socle.prerequis import calendrier
    from socle.prerequis.catalogue import ETAPES
    from socle.prerequis.models import Jalon

    Jalon.assurer_defauts()
    og = OrganismeFactory()
    evts, _ = calendrier.evenements([og])
    jalons = [e for e in evts if e.categorie == "jalon"]
    assert jalons
    for e in jalons:
        assert "cde_reception" not in e.description and "premier_insi" not in e.description
    assert any(ETAPES["contrat_cde"].titre in e.description for e in jalons)


@pytest.mark.django_db
def test_card_inventory_is_closed_to_admission_but_next_actions_are_open(client_de):
    from socle.comptes.models import Fonction
    from tests.comptes.factories import utilisateur_avec
    from tests.organisations.factories import EtablissementFactory

    et = EtablissementFactory()
    secretaire = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    client = client_de(secretaire)
    assert client.get(reverse("prerequis:cartes", args=[et.organisme.finess])).status_code == 403
    page = client.get(reverse("prerequis:index"))
    assert page.status_code == 200
    assert reverse("prerequis:index") in page.content.decode()  # in her menu


@pytest.mark.django_db
def test_rpps_board_counts_people_like_the_export():
    """The board's « à enregistrer » is the number of people the RPPS+ export will contain (a person in two
    ESMS counts once), so the gestionnaire is not puzzled by two different figures."""
    from socle.organisations.models import Etablissement, EtatFiness
    from socle.personnel import export as exp
    from socle.personnel.services import syntheses, totaux_personnes
    from socle.web.demo import construire

    ctx = construire()
    for og in ctx.organismes[:2]:
        ets = Etablissement.objects.filter(organisme=og, etat=EtatFiness.ACTIF)
        totaux = totaux_personnes(syntheses(ets))
        assert totaux["a_enregistrer"] == exp.exporter(ets).inclus > 0
