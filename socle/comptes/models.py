from datetime import date

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from socle.organisations.models import Etablissement, Grappe, OrganismeGestionnaire


class Fonction(models.TextChoices):
    """Application functions: what a person does in Socle (not her job title, not her RPPS+ rôle)."""

    REPRESENTANT_LEGAL = "representant_legal", _("Représentant légal")
    DPO = "dpo", _("Délégué à la protection des données")
    CHEF_PROJET = "chef_projet", _("Chef de projet")
    GESTIONNAIRE_RPPS = "gestionnaire_rpps", _("Gestionnaire RPPS+")
    ADMIN_TECHNIQUE = "admin_technique", _("Administrateur technique")
    ADMISSION = "admission", _("Admission / secrétariat")
    PROFESSIONNEL = "professionnel", _("Professionnel")


class Utilisateur(AbstractUser):
    """A person with a Socle account. Later linked to her staff record (RPPS) and Pro Santé Connect."""

    telephone = models.CharField(_("téléphone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class HabilitationQuerySet(models.QuerySet):
    def en_cours(self, jour: date | None = None) -> "HabilitationQuerySet":
        """Valid on `jour` (today in Europe/Paris by default): started, and not ended before that day."""
        jour = jour or timezone.localdate()
        return self.filter(Q(date_debut__isnull=True) | Q(date_debut__lte=jour),
                           Q(date_fin__isnull=True) | Q(date_fin__gte=jour))

    def couvrant(self, objet) -> "HabilitationQuerySet":
        """Those whose perimeter covers `objet`: an ESMS is covered by itself, its OG and the OG's grappes; an OG
        only as a whole (the OG itself or one of its grappes, never one of its ESMS); a grappe by itself."""
        if isinstance(objet, Etablissement):
            return self.filter(Q(etablissement=objet) | Q(organisme_id=objet.organisme_id)
                               | Q(grappe__membres=objet.organisme_id)).distinct()
        if isinstance(objet, OrganismeGestionnaire):
            return self.filter(Q(organisme=objet) | Q(grappe__membres=objet)).distinct()
        if isinstance(objet, Grappe):
            return self.filter(grappe=objet)
        raise TypeError(f"Périmètre inconnu : {type(objet).__name__}")


class Habilitation(models.Model):
    """A function held by a person on exactly one perimeter: an ESMS, a whole OG, or a whole grappe."""

    utilisateur = models.ForeignKey(Utilisateur, on_delete=models.CASCADE, related_name="habilitations")
    fonction = models.CharField(_("fonction"), max_length=30, choices=Fonction.choices)
    etablissement = models.ForeignKey(Etablissement, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="habilitations")
    organisme = models.ForeignKey(OrganismeGestionnaire, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="habilitations")
    grappe = models.ForeignKey(Grappe, null=True, blank=True, on_delete=models.CASCADE, related_name="habilitations")
    date_debut = models.DateField(_("début"), null=True, blank=True)
    date_fin = models.DateField(_("fin"), null=True, blank=True)

    objects = HabilitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("habilitation")
        verbose_name_plural = _("habilitations")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(etablissement__isnull=False, organisme__isnull=True, grappe__isnull=True)
                    | models.Q(etablissement__isnull=True, organisme__isnull=False, grappe__isnull=True)
                    | models.Q(etablissement__isnull=True, organisme__isnull=True, grappe__isnull=False)
                ),
                name="habilitation_un_seul_perimetre",
            )
        ]

    def __str__(self) -> str:
        return f"{self.utilisateur} — {self.get_fonction_display()} — {self.perimetre}"

    @property
    def en_cours_aujourdhui(self) -> bool:
        """Valid today in Europe/Paris (the same test as `HabilitationQuerySet.en_cours`)."""
        jour = timezone.localdate()
        return (self.date_debut is None or self.date_debut <= jour) and (self.date_fin is None or self.date_fin >= jour)

    @property
    def perimetre(self):
        return self.etablissement or self.organisme or self.grappe

    def clean(self) -> None:
        if sum(x is not None for x in (self.etablissement_id, self.organisme_id, self.grappe_id)) != 1:
            raise ValidationError(_("Une habilitation porte sur exactement un ESMS, un organisme ou une grappe."))
