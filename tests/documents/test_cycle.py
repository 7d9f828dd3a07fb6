"""The lifecycle of a document: allowed moves only, each one traced (document history + access log)."""

import pytest

from socle.audit.models import Action, EvenementAudit
from socle.core.travaux import TransitionInterdite
from socle.documents import services
from socle.documents.models import ChoixUsager, Document, Statut
from tests.documents.factories import (  # noqa: F401
    PDF_MINIMAL,
    dlu,
    fixture_ehpad,
    fixture_infirmiere,
    fixture_resident,
    fixture_resident_prov,
)


def _pdf(resident, ehpad, par):
    from datetime import date

    return services.creer_pdf(
        resident,
        ehpad,
        par=par,
        type_code="80788-3",
        titre="Projet personnalisé",
        pdf=PDF_MINIMAL,
        date_acte=date(2026, 11, 2),
    )


def test_brouillon_auteur_et_trace(resident, ehpad, infirmiere):
    doc = dlu(resident, ehpad, infirmiere)
    assert doc.statut == Statut.BROUILLON and doc.version == 1
    assert doc.auteur.rpps and doc.auteur_role == "" and doc.type_libelle == "Document de liaison d'urgence"
    ev = EvenementAudit.objects.get(action=Action.CREATION, objet_type="documents.Document")
    assert ev.objet_id == str(doc.pk) and ev.organisme_id == ehpad.organisme_id


def test_transitions_interdites(resident, ehpad, infirmiere):
    doc = _pdf(resident, ehpad, infirmiere)
    with pytest.raises(TransitionInterdite):
        services.envoyer(doc, infirmiere)
    with pytest.raises(TransitionInterdite):
        services.accepter(doc)
    services.supprimer(doc, "Erreur d'usager", par=infirmiere)
    with pytest.raises(TransitionInterdite):  # final
        services.retour_brouillon(doc, par=infirmiere)
    assert list(doc.evenements.values_list("vers", flat=True)) == ["supprime", "brouillon"]


def test_cycle_complet_avec_remplacement_et_masquage(resident, ehpad, infirmiere):
    doc = _pdf(resident, ehpad, infirmiere)
    Document.objects.filter(pk=doc.pk).update(statut=Statut.VALIDE, cda="<x/>", rapport={"erreurs": []})
    doc.refresh_from_db()
    services.envoyer(doc, infirmiere)
    services.accepter(doc)
    services.masquer(doc, ["MASQUE_PS"], infirmiere)
    assert doc.statut == Statut.MASQUE and doc.masquage == ["MASQUE_PS"]
    services.masquer(doc, [], infirmiere)
    assert doc.statut == Statut.ACCEPTE
    v2 = services.remplacer(doc, par=infirmiere, pdf=PDF_MINIMAL)
    assert (v2.set_id, v2.version, v2.remplace_id) == (doc.set_id, 2, doc.pk)
    doc.refresh_from_db()
    assert doc.statut == Statut.ACCEPTE  # replaced in the DMP only when v2 is accepted
    Document.objects.filter(pk=v2.pk).update(statut=Statut.ENVOYE)
    v2.refresh_from_db()
    services.accepter(v2)
    doc.refresh_from_db()
    assert doc.statut == Statut.REMPLACE
    with pytest.raises(TransitionInterdite):
        services.remplacer(doc, par=infirmiere, pdf=PDF_MINIMAL)
    assert (
        EvenementAudit.objects.filter(
            objet_type="documents.Document", objet_id=str(doc.pk), action=Action.MODIFICATION
        ).count()
        >= 5
    )


def test_deux_processus_ne_font_pas_la_meme_transition(resident, ehpad, infirmiere):
    doc = _pdf(resident, ehpad, infirmiere)
    Document.objects.filter(pk=doc.pk).update(statut=Statut.ENVOYE)
    a, b = Document.objects.get(pk=doc.pk), Document.objects.get(pk=doc.pk)
    services.accepter(a)
    with pytest.raises(TransitionInterdite):
        services.rejeter(b, "trop tard")


def test_opposition_bloque_l_envoi(resident, ehpad, infirmiere):
    doc = _pdf(resident, ehpad, infirmiere)
    Document.objects.filter(pk=doc.pk).update(statut=Statut.VALIDE, cda="<x/>", rapport={"erreurs": []})
    doc.refresh_from_db()
    assert services.demander_envoi(doc, infirmiere) == []
    choix = services.enregistrer_choix(
        resident, ChoixUsager.Objet.OPPOSITION_ALIMENTATION, par=infirmiere, exprime_par="L'usager"
    )
    raisons = services.demander_envoi(doc, infirmiere)
    assert len(raisons) == 1 and "opposé" in raisons[0]
    services.retirer_choix(choix, par=infirmiere)
    assert services.demander_envoi(doc, infirmiere) == []


def test_envoyer_refuse_une_identite_non_qualifiee(resident_prov, ehpad, infirmiere):
    from datetime import date

    doc = services.creer_pdf(
        resident_prov,
        ehpad,
        par=infirmiere,
        type_code="28653-4",
        titre="Note",
        pdf=PDF_MINIMAL,
        date_acte=date(2026, 11, 2),
    )
    Document.objects.filter(pk=doc.pk).update(statut=Statut.VALIDE, cda="<x/>", rapport={"erreurs": []})
    doc.refresh_from_db()
    with pytest.raises(services.DocumentInvalide, match="plus qualifiée"):
        services.envoyer(doc, infirmiere)
    doc.refresh_from_db()
    assert doc.statut == Statut.VALIDE
