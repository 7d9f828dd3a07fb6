from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
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
    def perimetre(self):
        return self.etablissement or self.organisme or self.grappe

    def clean(self) -> None:
        if sum(x is not None for x in (self.etablissement_id, self.organisme_id, self.grappe_id)) != 1:
            raise ValidationError(_("Une habilitation porte sur exactement un ESMS, un organisme ou une grappe."))
