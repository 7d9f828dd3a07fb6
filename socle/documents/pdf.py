"""PDF files of documents: checking an uploaded PDF, and the printed rendering of a DLU with the INS datamatrix."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from socle.core.fichiers import FichierRefuse, taille_lisible


def verifier_pdf(contenu: bytes) -> None:
    """Refuse what is not a PDF, or too big (`SOCLE_DOCUMENTS_MAX_PDF`), with a French message naming the rule."""
    limite = int(settings.SOCLE_DOCUMENTS_MAX_PDF)
    if not contenu:
        raise FichierRefuse(_("Le fichier déposé est vide."))
    if len(contenu) > limite:
        raise FichierRefuse(
            _("Le PDF fait %(t)s : la limite est %(l)s (réglage SOCLE_DOCUMENTS_MAX_PDF).")
            % {"t": taille_lisible(len(contenu)), "l": taille_lisible(limite)}
        )
    if not contenu.startswith(b"%PDF-"):
        raise FichierRefuse(_("Le fichier n'est pas un PDF (il ne commence pas par « %PDF- »)."))
    if b"%%EOF" not in contenu[-2048:]:
        raise FichierRefuse(
            _("Le PDF est incomplet (marque de fin « %%EOF » absente) : déposez-le à nouveau.")
        )
