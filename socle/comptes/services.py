"""Account management by an OG's représentant légal: create people, give and end habilitations, within her OG."""

import secrets
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.organisations.models import Etablissement, OrganismeGestionnaire

from . import rights
from .models import Fonction, Habilitation, Utilisateur


def organismes_administres(user):
    """OG whose accounts the user may manage: those where she is, today, représentant légal of the OG itself
    (the legal representative of the entité juridique; a function on one ESMS or a grappe is not that)."""
    if user.is_superuser:
        return OrganismeGestionnaire.objects.all()
    ids = rights._current(user, [Fonction.REPRESENTANT_LEGAL]).filter(organisme__isnull=False).values("organisme_id")
    return OrganismeGestionnaire.objects.filter(pk__in=ids)


def personnes_de(organisme: OrganismeGestionnaire):
    return Utilisateur.objects.filter(
        Q(habilitations__organisme=organisme) | Q(habilitations__etablissement__organisme=organisme)
    ).distinct().order_by("last_name", "first_name")


@transaction.atomic
def creer_compte(auteur, organisme: OrganismeGestionnaire, *, username: str, prenom: str, nom: str, email: str,
                 fonction: str, etablissement: Etablissement | None = None) -> tuple[Utilisateur, str]:
    """Create an account with one first habilitation; returns the user and a one-time password to hand over."""
    if not organismes_administres(auteur).filter(pk=organisme.pk).exists():
        raise PermissionDenied(_("Seul le représentant légal de l'organisme peut créer des comptes."))
    if Utilisateur.objects.filter(username=username).exists():
        raise ValidationError({"username": _("L'identifiant « %(username)s » est déjà pris.") % {"username": username}})
    password = secrets.token_urlsafe(12)
    user = Utilisateur.objects.create_user(username=username, password=password, first_name=prenom,
                                           last_name=nom.upper(), email=email)
    tracer(Action.CREATION, objet=user, utilisateur=auteur, details={"organisme": organisme.finess})
    habiliter(auteur, user, fonction, organisme=organisme, etablissement=etablissement)
    return user, password


@transaction.atomic
def habiliter(auteur, user: Utilisateur, fonction: str, *, organisme: OrganismeGestionnaire,
              etablissement: Etablissement | None = None) -> Habilitation:
    if fonction not in Fonction.values:
        raise ValidationError({"fonction": _("Fonction inconnue.")})
    if not organismes_administres(auteur).filter(pk=organisme.pk).exists():
        raise PermissionDenied(_("Seul le représentant légal de l'organisme peut attribuer des fonctions."))
    if etablissement is not None and etablissement.organisme_id != organisme.pk:
        raise PermissionDenied(_("Cet établissement n'appartient pas à l'organisme."))
    perimetre = {"etablissement": etablissement} if etablissement else {"organisme": organisme}
    hab = Habilitation.objects.create(utilisateur=user, fonction=fonction, date_debut=date.today(), **perimetre)
    tracer(Action.CREATION, objet=hab, utilisateur=auteur)
    return hab


@transaction.atomic
def cloturer(auteur, hab: Habilitation) -> None:
    """End a habilitation now: its last day was yesterday (kept for history, never deleted)."""
    organisme = hab.organisme or (hab.etablissement.organisme if hab.etablissement else None)
    if organisme is None or not organismes_administres(auteur).filter(pk=organisme.pk).exists():
        raise PermissionDenied(_("Seul le représentant légal de l'organisme peut clore cette fonction."))
    hab.date_fin = date.today() - timedelta(days=1)
    if hab.date_debut and hab.date_debut > hab.date_fin:
        hab.date_debut = hab.date_fin
    hab.save(update_fields=["date_debut", "date_fin"])
    tracer(Action.MODIFICATION, objet=hab, utilisateur=auteur, details={"date_fin": hab.date_fin.isoformat()})
