from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(gettext("Le journal d'accès est en ajout seul : aucune modification possible."))

    def delete(self):
        raise AppendOnlyError(gettext("Le journal d'accès est en ajout seul : aucune suppression possible."))


class Action(models.TextChoices):
    LECTURE = "lecture", _("Lecture")
    CREATION = "creation", _("Création")
    MODIFICATION = "modification", _("Modification")
    SUPPRESSION = "suppression", _("Suppression")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    CONNEXION = "connexion", _("Connexion")
    ECHEC_CONNEXION = "echec_connexion", _("Échec de connexion")
    DECONNEXION = "deconnexion", _("Déconnexion")
    APPEL_SERVICE = "appel_service", _("Appel à un service national")
    BLOCAGE_CONNEXION = "blocage_connexion", _("Connexion bloquée (trop d'échecs)")


class EvenementAudit(models.Model):
    """One line of the access log: who read or changed what, when, from where, and which organisation the object
    belongs to (`organisme`, so that its DPO sees reads of its data by people of another organisation). Never
    updated nor deleted through the application: the ORM refuses it, and database triggers refuse UPDATE and
    DELETE even in raw SQL."""

    horodatage = models.DateTimeField(_("horodatage"), auto_now_add=True, db_index=True)
    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, db_constraint=False,
                                    related_name="+")
    identifiant = models.CharField(_("identifiant"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    objet_type = models.CharField(_("type d'objet"), max_length=60, blank=True, db_index=True)
    objet_id = models.CharField(_("identifiant de l'objet"), max_length=64, blank=True, db_index=True)
    objet_libelle = models.CharField(_("objet"), max_length=255, blank=True)
    adresse_ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    chemin = models.CharField(_("chemin"), max_length=500, blank=True)
    details = models.JSONField(_("détails"), default=dict, blank=True)
    # The organisation whose data the event concerns (the object's OG), when tracer() can tell. No database
    # constraint and nothing done on deletion: a journal line outlives the organisation it names.
    organisme = models.ForeignKey("organisations.OrganismeGestionnaire", verbose_name=_("organisme concerné"),
                                  null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                                  related_name="+")

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("événement du journal")
        verbose_name_plural = _("journal d'accès")
        ordering = ["-horodatage", "-id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.horodatage:%d/%m/%Y %H:%M:%S} {self.identifiant} {self.action} {self.objet_type} {self.objet_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError(gettext("Le journal d'accès est en ajout seul : aucune modification possible."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(gettext("Le journal d'accès est en ajout seul : aucune suppression possible."))
