"""The documents of a usager, their lifecycle, the usager's choices about the DMP and the reading matrix.

A `Document` is produced by an ESMS about one usager: a structured DLU (dossier de liaison d'urgence, CDA R2
with entries) or any other JDV_J07 type sent as a CDA R2 with a PDF body (N1). It moves only through the
explicit cycle `Document.CYCLE` (``passer()`` of `socle.core.travaux`: conditional UPDATE, so two processes
never make the same move), always through the functions of `services.py`, which trace every move in the
access log:

    brouillon ──valider──▶ validé ──envoyer──▶ envoyé ──accepter──▶ accepté ⇄ masqué
        │                   │                   └──rejeter──▶ rejeté ─▶ envoyé (nouvel essai) / brouillon
        └─supprimer─▶ supprimé ◀─ (validé, rejeté)      validé / accepté / masqué ──remplacer──▶ remplacé

`remplacé` and `supprimé` are final. A replacement is a new `Document` with the same `set_id`, `version` + 1 and
`remplace` pointing at the previous one (the RPLC association of XDS).

For the DMP branch (outbox, sending, consultation), call only these functions of `socle.documents.services`:
- `demander_envoi(document, par)`: checks (qualified identity, valid document, no opposition) and returns the
  reasons it refuses (empty list = may be sent); add the certificate check and the outbox insert there;
- `envoyer(document, par)`: validé / rejeté → envoyé (the outbox took it);
- `accepter(document, par=None, details=None)`: envoyé → accepté (the DMP registered it);
- `rejeter(document, motif, par=None, details=None)`: envoyé → rejeté, `motif` shown to the author;
- `masquer(document, codes, par)` / `remplacer(document, par, ...)`: masking codes and RPLC on Socle's side.
Every function raises `TransitionInterdite` if the document is not in a state the move starts from.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from socle.core.travaux import AvecCycle, cycle
from socle.organisations.models import Etablissement
from socle.personnel.models import Professionnel
from socle.usagers.models import Usager


class Statut(models.TextChoices):
    BROUILLON = "brouillon", _("Brouillon")
    VALIDE = "valide", _("Validé")
    ENVOYE = "envoye", _("Envoyé au DMP")
    ACCEPTE = "accepte", _("Accepté par le DMP")
    REJETE = "rejete", _("Rejeté par le DMP")
    MASQUE = "masque", _("Masqué")
    REMPLACE = "remplace", _("Remplacé")
    SUPPRIME = "supprime", _("Supprimé")


class Format(models.TextChoices):
    DLU = "DLU", _("DLU structuré (CDA R2 niveau 3)")
    PDF = "N1", _("PDF dans un CDA R2 non structuré (N1)")


class Confidentialite(models.TextChoices):
    """HL7 confidentialityCode (2.16.840.1.113883.5.25)."""

    N = "N", _("Normal")
    R = "R", _("Restreint")
    V = "V", _("Très restreint")


class Masquage(models.TextChoices):
    """DMP masking codes (1.2.250.1.213.1.1.4.13), carried in the XDS confidentialityCode."""

    MASQUE_PS = "MASQUE_PS", _("Masqué aux professionnels")
    INVISIBLE_PATIENT = "INVISIBLE_PATIENT", _("Invisible pour l'usager")
    INVISIBLE_REPRESENTANTS_LEGAUX = (
        "INVISIBLE_REPRESENTANTS_LEGAUX",
        _("Invisible pour les représentants légaux"),
    )


def _chemin_pdf(instance: Document, filename: str) -> str:
    return f"documents/{instance.etablissement_id}/{uuid.uuid4().hex}.pdf"


class Document(AvecCycle):
    """One document about one usager, produced by one ESMS; each version is its own row."""

    CYCLE = cycle(
        {
            Statut.BROUILLON: [Statut.VALIDE, Statut.SUPPRIME],
            Statut.VALIDE: [Statut.ENVOYE, Statut.REMPLACE, Statut.SUPPRIME, Statut.BROUILLON],
            Statut.ENVOYE: [Statut.ACCEPTE, Statut.REJETE],
            Statut.ACCEPTE: [Statut.MASQUE, Statut.REMPLACE],
            Statut.MASQUE: [Statut.ACCEPTE, Statut.REMPLACE],
            Statut.REJETE: [Statut.ENVOYE, Statut.BROUILLON, Statut.SUPPRIME],
            Statut.REMPLACE: [],
            Statut.SUPPRIME: [],
        },
        en_cours=[],
        finaux=[Statut.REMPLACE, Statut.SUPPRIME],
        debut="",
        fin="",
        libelles=dict(Statut.choices),
    )

    usager = models.ForeignKey(
        Usager, verbose_name=_("usager"), on_delete=models.PROTECT, related_name="documents"
    )
    etablissement = models.ForeignKey(
        Etablissement, verbose_name=_("ESMS"), on_delete=models.PROTECT, related_name="documents"
    )
    type_code = models.CharField(_("type de document (JDV_J07)"), max_length=20, db_index=True)
    type_systeme = models.CharField(
        _("système de codage du type"), max_length=40, default="2.16.840.1.113883.6.1"
    )
    type_libelle = models.CharField(_("libellé du type"), max_length=200)
    format = models.CharField(_("format"), max_length=3, choices=Format.choices)
    titre = models.CharField(_("titre"), max_length=250)
    # author: a professional (RPPS, rôle TRE_R85, genre d'activité at the time of writing), else the structure
    auteur = models.ForeignKey(
        Professionnel,
        verbose_name=_("auteur"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
    )
    auteur_rpps = models.CharField(_("RPPS de l'auteur"), max_length=11, blank=True)
    auteur_role = models.CharField(_("rôle de l'auteur (TRE_R85)"), max_length=3, blank=True)
    auteur_genre = models.CharField(_("genre d'activité de l'auteur"), max_length=6, blank=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cree_le = models.DateTimeField(_("créé le"), auto_now_add=True)
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)
    date_acte = models.DateField(_("date de l'acte"))
    valide_le = models.DateTimeField(_("validé le"), null=True, blank=True)
    valide_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    envoye_le = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    reponse_le = models.DateTimeField(_("réponse du DMP le"), null=True, blank=True)
    confidentialite = models.CharField(
        _("confidentialité"), max_length=1, choices=Confidentialite.choices, default=Confidentialite.N
    )
    masquage = models.JSONField(_("masquage (codes DMP)"), default=list, blank=True)
    # identifiers: the document's own id (ClinicalDocument/id@root) and the set it belongs to (setId + version)
    uid = models.UUIDField(_("identifiant du document"), default=uuid.uuid4, unique=True, editable=False)
    set_id = models.UUIDField(_("identifiant du lot de versions (setId)"), default=uuid.uuid4, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    remplace = models.OneToOneField(
        "self",
        verbose_name=_("remplace"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="remplacant",
    )
    statut = models.CharField(
        _("statut"), max_length=10, choices=Statut.choices, default=Statut.BROUILLON, db_index=True
    )
    contenu = models.JSONField(_("contenu saisi (DLU)"), default=dict, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_chemin_pdf, blank=True)
    cda = models.TextField(_("CDA R2 (XML)"), blank=True)
    rapport = models.JSONField(_("rapport de validation"), default=dict, blank=True)
    motif_rejet = models.TextField(_("motif du rejet"), blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-date_acte", "-id"]
        constraints = [models.UniqueConstraint(fields=["set_id", "version"], name="document_version_unique")]
        indexes = [
            models.Index(fields=["etablissement", "statut"]),
            models.Index(fields=["usager", "statut"]),
        ]

    def __str__(self) -> str:
        return f"{self.titre} (v{self.version})"

    def get_absolute_url(self) -> str:
        return reverse("documents:document", args=[self.pk])

    @property
    def valide_cda(self) -> bool:
        """The last validation of the CDA found no error (XSD and every schematron layer)."""
        return bool(self.cda) and bool(self.rapport) and not self.rapport.get("erreurs")


class EvenementDocument(models.Model):
    """The document's own history (each move, by whom, why), shown on its page; the access log has it too."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="evenements")
    de = models.CharField(_("de"), max_length=10, choices=Statut.choices, blank=True)
    vers = models.CharField(_("vers"), max_length=10, choices=Statut.choices)
    le = models.DateTimeField(_("le"), auto_now_add=True)
    par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identifiant = models.CharField(_("par"), max_length=150, blank=True)
    motif = models.TextField(_("motif"), blank=True)

    class Meta:
        ordering = ["-le", "-id"]
        verbose_name = _("événement d'un document")

    def __str__(self) -> str:
        return f"{self.de or '∅'} → {self.vers}"


class ChoixUsager(models.Model):
    """What the usager (or her legal representative) said about the DMP, with who recorded it and when.

    An opposition to the feed may concern one document (`document`) or all of them; a consent to consultation
    is withdrawn by setting `fin_le`. The current choices are those with no `fin_le`."""

    class Objet(models.TextChoices):
        OPPOSITION_ALIMENTATION = "opp_alim", _("Opposition à l'alimentation du DMP")
        OPPOSITION_CONSULTATION = "opp_consult", _("Opposition à la consultation du DMP")
        CONSENTEMENT_CONSULTATION = "consent", _("Consentement à la consultation du DMP")

    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="choix_dmp")
    objet = models.CharField(_("choix"), max_length=12, choices=Objet.choices)
    document = models.ForeignKey(
        Document,
        verbose_name=_("document concerné"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="oppositions",
    )
    exprime_par = models.CharField(
        _("exprimé par"), max_length=150, help_text=_("L'usager, ou le nom de son représentant légal")
    )
    recueilli_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recueilli_le = models.DateTimeField(_("recueilli le"), auto_now_add=True)
    fin_le = models.DateTimeField(_("retiré le"), null=True, blank=True)
    fin_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    commentaire = models.CharField(_("commentaire"), max_length=300, blank=True)

    class Meta:
        ordering = ["-recueilli_le", "-id"]
        verbose_name = _("choix de l'usager sur le DMP")

    def __str__(self) -> str:
        return self.get_objet_display()


class MatriceAcces(models.Model):
    """One version of the matrix "who may read which type of document", by rôle (TRE_R85) and genre
    d'activité. The CNAM's matrix is not public: Socle ships a default marked "à vérifier"; loading the official
    one (or editing) creates a new version, and the newest active version is the one applied."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    libelle = models.CharField(_("libellé"), max_length=200)
    source = models.CharField(_("origine"), max_length=300)
    a_verifier = models.BooleanField(_("à vérifier"), default=True)
    cree_le = models.DateTimeField(_("créée le"), auto_now_add=True)
    # installation-wide data: who loaded it is a name (and a line of the access log), not a link to an account
    charge_par = models.CharField(_("chargée par"), max_length=150, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("matrice d'accès aux documents")

    def __str__(self) -> str:
        return f"v{self.version} — {self.libelle}"


class RegleAcces(models.Model):
    """One line of a matrix: this rôle ("*" = any), in this genre d'activité ("*" = any), may read this type."""

    matrice = models.ForeignKey(MatriceAcces, on_delete=models.CASCADE, related_name="regles")
    type_code = models.CharField(_("type de document"), max_length=20)
    role = models.CharField(_("rôle (TRE_R85)"), max_length=3)
    genre_activite = models.CharField(_("genre d'activité"), max_length=6, default="*")
    lecture = models.BooleanField(_("lecture"), default=True)

    class Meta:
        ordering = ["type_code", "role", "genre_activite"]
        constraints = [
            models.UniqueConstraint(
                fields=["matrice", "type_code", "role", "genre_activite"], name="regle_acces_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type_code} {self.role}/{self.genre_activite}: {self.lecture}"

from .models_dmp import EnvoiDmp  # noqa: E402, F401  (the DMP outbox, its own module)
