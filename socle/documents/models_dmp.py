"""The DMP outbox: one `EnvoiDmp` per document version to send (ITI-41), processed by `socle worker`.

    en_attente ──(claimed: conditional UPDATE, committed BEFORE the call)──▶ appel ──▶ accepte
         ▲                                                                    ├──▶ rejete  (permanent error)
         └────────── temporary error (backoff) or "not in the DMP" after a crash ─┘

A row found in `appel` without its worker (killed mid-send) is never sent again blindly: the DMP is asked
first (ITI-18) whether it registered the document; only if it did not is the row put back in `en_attente`.
The DMP also refuses a second registration of the same uniqueId (XDSDocumentUniqueIdError), answered the same
way. So a document is registered in the DMP at most once.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from socle.core.travaux import AvecCycle, cycle

from .models import Document


class EnvoiDmp(AvecCycle):
    class Etat(models.TextChoices):
        EN_ATTENTE = "en_attente", _("En attente d'envoi")
        APPEL = "appel", _("Envoi en cours")
        ACCEPTE = "accepte", _("Accepté par le DMP")
        REJETE = "rejete", _("Refusé par le DMP")

    CYCLE = cycle(
        {
            Etat.EN_ATTENTE: [Etat.APPEL, Etat.REJETE],
            Etat.APPEL: [Etat.ACCEPTE, Etat.REJETE, Etat.EN_ATTENTE],
            Etat.REJETE: [Etat.EN_ATTENTE],
            Etat.ACCEPTE: [],
        },
        en_cours=[Etat.APPEL],
        finaux=[Etat.ACCEPTE],
        debut="debut_appel",
        fin="fin",
        battement="debut_appel",
        champ="etat",
        libelles=dict(Etat.choices),
    )

    document = models.OneToOneField(Document, on_delete=models.PROTECT, related_name="envoi_dmp")
    etat = models.CharField(_("état"), max_length=12, choices=Etat.choices, default=Etat.EN_ATTENTE, db_index=True)
    cree_le = models.DateTimeField(_("mis en file le"), auto_now_add=True)
    essais = models.PositiveIntegerField(_("essais"), default=0)
    prochain_essai = models.DateTimeField(_("prochain essai"), null=True, blank=True, db_index=True)
    debut_appel = models.DateTimeField(_("début de l'appel"), null=True, blank=True)
    fin = models.DateTimeField(_("fin"), null=True, blank=True)
    derniere_erreur = models.TextField(_("dernière erreur"), blank=True)
    code_erreur = models.CharField(_("code d'erreur"), max_length=80, blank=True)
    entry_uuid = models.CharField(_("entryUUID dans le DMP"), max_length=64, blank=True)
    notes = models.JSONField(_("remarques"), default=list, blank=True)
    historique = models.JSONField(_("historique des essais"), default=list, blank=True)

    class Meta:
        verbose_name = _("envoi au DMP")
        verbose_name_plural = _("envois au DMP")
        ordering = ["-cree_le", "-id"]

    def __str__(self) -> str:
        return f"Envoi DMP du document {self.document_id} ({self.get_etat_display()})"
