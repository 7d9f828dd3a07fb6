"""`socle documents export`: every document of an ESMS written as its CDA R2 file, one `.xml` per document."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.organisations.models import Etablissement

from .cda import construire
from .models import Document, Statut


class ExportImpossible(ValueError):
    """Unknown ESMS or unusable folder; the message says which."""


def nom_fichier(doc: Document) -> str:
    return f"{doc.pk:06d}-{doc.type_code}-{doc.set_id}-v{doc.version}.xml"


def exporter(finess: str, dossier: Path, *, par=None) -> list[Path]:
    """Write the CDA of every document of the ESMS (deleted ones excepted): the validated CDA as stored, else
    the CDA built from the document's current data. Returns the files written."""
    etablissement = Etablissement.objects.filter(finess=finess).first()
    if etablissement is None:
        raise ExportImpossible(_("Aucun ESMS de FINESS géographique « %(f)s ».") % {"f": finess})
    dossier.mkdir(parents=True, exist_ok=True)
    if any(dossier.iterdir()):
        raise ExportImpossible(
            _("Le dossier %(d)s n'est pas vide : choisissez un dossier vide.") % {"d": dossier}
        )
    ecrits = []
    docs = (
        Document.objects.filter(etablissement=etablissement)
        .exclude(statut=Statut.SUPPRIME)
        .select_related("usager", "etablissement", "auteur")
        .order_by("pk")
    )
    for doc in docs.iterator(chunk_size=200):
        contenu = doc.cda.encode("utf-8") if doc.cda else construire(doc)
        chemin = dossier / nom_fichier(doc)
        chemin.write_bytes(contenu)
        chemin.chmod(0o600)
        ecrits.append(chemin)
    tracer(
        Action.EXPORT,
        etablissement,
        utilisateur=par,
        details={"documents": len(ecrits), "dossier": str(dossier), "format": "CDA R2"},
    )
    return ecrits
