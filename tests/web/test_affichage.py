"""Status colours, badges and labels are defined once (socle.usagers.affichage for the RNIV identity statuses,
socle.prerequis.affichage for the prerequisite steps), and every screen shows that one definition: a status
never reads differently from one screen to another."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

import socle
from socle.comptes.models import Fonction
from socle.prerequis import affichage as affichage_etapes
from socle.prerequis import services as prerequis
from socle.prerequis.models import Statut as StatutEtape
from socle.usagers import affichage, rniv, services
from socle.usagers.models import Statut, Usager
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory, GrappeFactory

RACINE = Path(socle.__file__).parent
HEX = r"#[0-9a-fA-F]{6}"
PALETTE = RACINE / "core" / "couleurs.py"  # the shared palette the apps' affichage.py read


def _sources(*exclus: Path):
    for chemin in sorted(RACINE.rglob("*")):
        if chemin.suffix in (".py", ".html") and "migrations" not in chemin.parts and chemin not in exclus:
            yield chemin, chemin.read_text(encoding="utf-8")


def test_ins_status_colours_and_labels_are_defined_once():
    assert set(affichage.COULEURS) == set(affichage.BADGES) == set(rniv.STATUTS) == set(Statut.values)
    assert {code: str(label) for code, label in Statut.choices} == rniv.LIBELLES
    assert [s["code"] for s in affichage.statuts()] == list(rniv.STATUTS)
    assert [Usager(statut=s).badge for s in rniv.STATUTS] == [affichage.BADGES[s] for s in rniv.STATUTS]
    ailleurs = [f"{chemin.relative_to(RACINE)} : {couleur}"
                for chemin, texte in _sources(RACINE / "usagers" / "affichage.py", PALETTE)
                for couleur in affichage.COULEURS.values() if couleur.lower() in texte.lower()]
    assert ailleurs == []


def test_step_status_colours_are_defined_once():
    couleurs = {*affichage_etapes.FONDS.values(), *affichage_etapes.BARRES.values(), affichage_etapes.BARRE_A_FAIRE,
                affichage_etapes.FOND_RETARD}
    ailleurs = [f"{chemin.relative_to(RACINE)} : {couleur}"
                for chemin, texte in _sources(RACINE / "prerequis" / "affichage.py", PALETTE)
                for couleur in couleurs if couleur.lower() in texte.lower()]
    assert ailleurs == []


@pytest.mark.django_db
def test_every_screen_shows_the_same_colour_for_each_ins_status(client_de):
    et = EtablissementFactory()
    grappe = GrappeFactory()
    grappe.membres.add(et.organisme)
    for i, statut in enumerate(rniv.STATUTS):
        u = services.creer_usager(et.organisme, et, {"nom_naissance": f"DEMOCOULEUR{chr(65 + i)}",
                                                     "prenoms_naissance": "ALICE", "date_naissance": date(1950, 3, 4 + i),
                                                     "sexe": "F", "lieu_naissance": "69123"})
        Usager.objects.filter(pk=u.pk).update(statut=statut)
    c = client_de(utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe))
    usagers = c.get(reverse("usagers:tableau")).content.decode()
    pilotage = c.get(reverse("pilotage:grappe", args=[grappe.pk])).content.decode()
    for code, libelle in rniv.LIBELLES.items():
        attendue = {affichage.COULEURS[code]}
        assert set(re.findall(rf'class="statut-{code}" style="[^"]*background:({HEX})', usagers)) == attendue
        assert set(re.findall(rf'background:({HEX})"></span> {libelle}', usagers)) == attendue  # chart legend
        assert set(re.findall(rf'background:({HEX})" title="{libelle} :', pilotage)) == attendue
        assert set(re.findall(rf'border-left:10px solid ({HEX})">{libelle}', pilotage)) == attendue
    assert "#5c8fd6" not in pilotage  # the dashboard's former, different colour for "Identité validée"


@pytest.mark.django_db
def test_step_status_looks_the_same_in_the_matrix_the_timeline_and_the_lists(client_de, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    et = EtablissementFactory()
    og = et.organisme
    grappe = GrappeFactory()
    grappe.membres.add(og)
    chef = utilisateur_avec(Fonction.CHEF_PROJET, grappe=grappe)
    jour = prerequis.aujourdhui()
    prerequis.marquer(chef, og, "finess", StatutEtape.FAIT, date_envoi=jour - timedelta(days=3), date_fait=jour,
                      preuve=SimpleUploadedFile("finess.pdf", b"%PDF-1.4 x"))
    c = client_de(chef)
    page_og = c.get(reverse("prerequis:og", args=[og.finess])).content.decode()
    matrice = c.get(reverse("prerequis:grappe", args=[grappe.pk])).content.decode()
    assert f"background:{affichage_etapes.BARRES['fait']}" in page_og  # timeline bar
    assert f"background:{affichage_etapes.BARRE_A_FAIRE}" in page_og
    assert f'<span class="badge {affichage_etapes.BADGES["fait"]}">{StatutEtape.FAIT.label}</span>' in page_og
    assert f'<span class="badge">{StatutEtape.A_FAIRE.label}</span>' in page_og
    assert f'style="background:{affichage_etapes.FONDS["fait"]}"' in matrice  # matrix cell


def test_les_statuts_ont_les_memes_couleurs_dans_toutes_les_applications():
    """Done is one green, in progress one amber, late one red, whether it is an identity or a prerequisite step."""
    from socle.core import couleurs

    assert affichage.couleur(rniv.QUAL) == affichage_etapes.couleur_barre(StatutEtape.FAIT) == couleurs.VERT
    assert affichage.couleur(rniv.VALI) == affichage_etapes.couleur_barre(StatutEtape.EN_COURS) == couleurs.AMBRE
    assert affichage_etapes.FOND_RETARD == couleurs.ROUGE_FOND and affichage.couleur(rniv.PROV) == couleurs.ROUGE
    css = (RACINE / "web" / "static" / "socle" / "socle.css").read_text(encoding="utf-8")
    for variable, valeur in (("--ok", couleurs.VERT), ("--ok-fond", couleurs.VERT_FOND), ("--alerte", couleurs.ROUGE),
                             ("--alerte-fond", couleurs.ROUGE_FOND), ("--attention-fond", couleurs.AMBRE_FOND),
                             ("--accent", couleurs.SARCELLE)):
        assert f"{variable}:{valeur}" in css, variable
