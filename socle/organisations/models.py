from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from socle.core.identifiants import finess_error
from socle.core.travaux import AvecCycle, cycle
from socle.referentiels import libelle_statut_juridique

from .categories import CATEGORIES, libelle_categorie


def validate_finess(value: str) -> None:
    error = finess_error(value)
    if error:
        raise ValidationError(_("Numéro FINESS « %(v)s » invalide : %(e)s"), params={"v": value, "e": error})


class Tutelle(models.TextChoices):
    ARS = "ARS", _("ARS")
    CD = "CD", _("Conseil départemental")
    CONJOINTE = "conjointe", _("Conjointe ARS / CD")
    AUTRE = "", _("Non renseignée")


class EtatFiness(models.TextChoices):
    ACTIF = "A", _("Actif")
    INACTIF = "I", _("Fermé")


class OrganismeGestionnaire(models.Model):
    """Entité juridique (EJ, FINESS juridique) holding ESMS: the level of the ANS contract and the CDE card."""

    finess = models.CharField(_("FINESS juridique"), max_length=9, unique=True, validators=[validate_finess])
    raison_sociale = models.CharField(_("raison sociale"), max_length=200)
    raison_sociale_longue = models.CharField(_("raison sociale longue"), max_length=300, blank=True)
    statut_juridique = models.CharField(_("statut juridique (code)"), max_length=4, blank=True)
    siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    adresse = models.CharField(_("adresse"), max_length=300, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    code_commune = models.CharField(_("code commune INSEE"), max_length=5, blank=True)
    telephone = models.CharField(_("téléphone"), max_length=20, blank=True)
    etat = models.CharField(_("état FINESS"), max_length=1, choices=EtatFiness.choices, default=EtatFiness.ACTIF)
    date_creation = models.DateField(_("date de création"), null=True, blank=True)
    date_fermeture = models.DateField(_("date de fermeture"), null=True, blank=True)
    pm_smsse_id = models.CharField(_("identifiant interne FINESS"), max_length=20, blank=True, db_index=True)
    date_maj_finess = models.DateTimeField(_("dernière mise à jour FINESS"), null=True, blank=True)

    class Meta:
        verbose_name = _("organisme gestionnaire")
        verbose_name_plural = _("organismes gestionnaires")
        ordering = ["raison_sociale"]

    def __str__(self) -> str:
        return f"{self.raison_sociale} ({self.finess})"

    def get_absolute_url(self) -> str:
        return reverse("organisations:og_detail", args=[self.finess])

    @property
    def est_ferme(self) -> bool:
        return self.etat == EtatFiness.INACTIF

    @property
    def statut_juridique_libelle(self) -> str:
        """The FINESS code with its TRE_R72 label ("60 — Association Loi 1901 …"): FINESS gives only the code."""
        return libelle_statut_juridique(self.statut_juridique)


class Etablissement(models.Model):
    """Entité géographique (ET, FINESS géographique): the ESMS where people work and users are followed."""

    finess = models.CharField(_("FINESS géographique"), max_length=9, unique=True, validators=[validate_finess])
    organisme = models.ForeignKey(
        OrganismeGestionnaire, verbose_name=_("organisme gestionnaire"), on_delete=models.PROTECT,
        related_name="etablissements",
    )
    nom = models.CharField(_("nom court"), max_length=200)
    nom_long = models.CharField(_("nom long"), max_length=300, blank=True)
    categorie_code = models.CharField(_("catégorie (code)"), max_length=4, blank=True)
    categorie_libelle = models.CharField(_("catégorie"), max_length=200, blank=True)
    tutelle = models.CharField(_("tutelle"), max_length=10, choices=Tutelle.choices, blank=True, default="")
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    adresse = models.CharField(_("adresse"), max_length=300, blank=True)
    code_postal = models.CharField(_("code postal"), max_length=5, blank=True)
    commune = models.CharField(_("commune"), max_length=100, blank=True)
    code_commune = models.CharField(_("code commune INSEE"), max_length=5, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True, db_index=True)
    telephone = models.CharField(_("téléphone"), max_length=20, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    etat = models.CharField(_("état FINESS"), max_length=1, choices=EtatFiness.choices, default=EtatFiness.ACTIF)
    date_ouverture = models.DateField(_("date d'ouverture"), null=True, blank=True)
    date_fermeture = models.DateField(_("date de fermeture"), null=True, blank=True)
    mode_fixation_tarifaire = models.CharField(_("mode de fixation des tarifs"), max_length=4, blank=True)
    date_maj_finess = models.DateTimeField(_("dernière mise à jour FINESS"), null=True, blank=True)

    class Meta:
        verbose_name = _("établissement ou service (ESMS)")
        verbose_name_plural = _("établissements et services (ESMS)")
        ordering = ["nom"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.finess})"

    def get_absolute_url(self) -> str:
        return reverse("organisations:et_detail", args=[self.finess])

    @property
    def categorie(self) -> str:
        return libelle_categorie(self.categorie_code, self.categorie_libelle)

    @property
    def sigle(self) -> str:
        cat = CATEGORIES.get(self.categorie_code)
        return cat.sigle if cat and cat.sigle else self.categorie_code

    @property
    def categorie_obsolete(self) -> str:
        """Replacement code when FINESS still carries a deprecated category (e.g. 437 FAM → 448 EAM)."""
        cat = CATEGORIES.get(self.categorie_code)
        return cat.deprecated_by if cat else ""

    @property
    def est_ferme(self) -> bool:
        return self.etat == EtatFiness.INACTIF


class Grappe(models.Model):
    """A GCSMS or a grouping of several OG carrying one ESMS Numérique project."""

    class Type(models.TextChoices):
        GCSMS = "gcsms", _("GCSMS")
        GRAPPE = "grappe", _("Grappe ESMS numérique")
        GROUPEMENT_FINESS = "gcc", _("Groupement FINESS (GCC/GCO)")

    nom = models.CharField(_("nom"), max_length=200)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.GRAPPE)
    porteur = models.ForeignKey(
        OrganismeGestionnaire, verbose_name=_("porteur"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="grappes_portees",
    )
    membres = models.ManyToManyField(OrganismeGestionnaire, verbose_name=_("organismes membres"), related_name="grappes")
    identifiant_externe = models.CharField(_("identifiant externe"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("grappe")
        verbose_name_plural = _("grappes")
        ordering = ["nom"]

    def __str__(self) -> str:
        return self.nom

    def get_absolute_url(self) -> str:
        return reverse("organisations:grappe_detail", args=[self.pk])

    def etablissements(self) -> models.QuerySet[Etablissement]:
        return Etablissement.objects.filter(organisme__grappes=self)


class ImportFiness(AvecCycle):
    """One run of the FINESS import, launched from the upload screen or `socle import-finess` (same record)."""

    class Statut(models.TextChoices):
        EN_ATTENTE = "en_attente", _("En attente")
        EN_COURS = "en_cours", _("En cours")
        TERMINE = "termine", _("Terminé")
        REJETE = "rejete", _("Annulé : enregistrements rejetés")
        ERREUR = "erreur", _("Erreur")

    CYCLE = cycle({Statut.EN_ATTENTE: [Statut.EN_COURS, Statut.ERREUR],
                   Statut.EN_COURS: [Statut.TERMINE, Statut.REJETE, Statut.ERREUR],
                   Statut.TERMINE: [], Statut.REJETE: [], Statut.ERREUR: []},
                  en_cours=[Statut.EN_COURS], finaux=[Statut.TERMINE, Statut.REJETE, Statut.ERREUR],
                  battement="battement", libelles=dict(Statut.choices))

    # Empty for a command run on a file of the server's disk (its path is in `options["chemin"]`).
    fichier = models.FileField(_("fichier"), upload_to="imports/finess/%Y/%m/", blank=True)
    nom_fichier = models.CharField(_("nom du fichier"), max_length=255)
    statut = models.CharField(_("statut"), max_length=12, choices=Statut.choices, default=Statut.EN_ATTENTE)
    options = models.JSONField(_("options"), default=dict, blank=True)
    compteurs = models.JSONField(_("compteurs"), default=dict, blank=True)
    rejets = models.JSONField(_("rejets"), default=list, blank=True)
    resume = models.JSONField(_("résumé"), default=list, blank=True)
    message = models.TextField(_("message"), blank=True)
    lance_par = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lancé par"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="imports_finess")
    cree_le = models.DateTimeField(_("créé le"), auto_now_add=True)
    debut = models.DateTimeField(_("début"), null=True, blank=True)
    fin = models.DateTimeField(_("fin"), null=True, blank=True)
    battement = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)

    class Meta:
        verbose_name = _("import FINESS")
        verbose_name_plural = _("imports FINESS")
        ordering = ["-cree_le", "-pk"]

    def __str__(self) -> str:
        return f"Import FINESS {self.nom_fichier} ({self.get_statut_display()})"

    def get_absolute_url(self) -> str:
        return reverse("organisations:import_finess_detail", args=[self.pk])
