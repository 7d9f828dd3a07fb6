"""Account management by an OG's représentant légal: create people, give and end habilitations, within her OG."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
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
                 fonction: str, etablissement: Etablissement | None = None, base_url: str = "") -> Utilisateur:
    """Create an account with one first habilitation and e-mail its activation link (`base_url`: the site's
    address, e.g. https://socle.example.org). No password is made, shown or sent: the person chooses hers."""
    if not organismes_administres(auteur).filter(pk=organisme.pk).exists():
        raise PermissionDenied(_("Seul le représentant légal de l'organisme peut créer des comptes."))
    if Utilisateur.objects.filter(username=username).exists():
        raise ValidationError({"username": _("L'identifiant « %(username)s » est déjà pris.") % {"username": username}})
    user = Utilisateur.objects.create_user(username=username, password=None, first_name=prenom,
                                           last_name=nom.upper(), email=email)
    tracer(Action.CREATION, objet=user, utilisateur=auteur, organisme=organisme,
           details={"organisme": organisme.finess})
    habiliter(auteur, user, fonction, organisme=organisme, etablissement=etablissement)
    envoyer_activation(auteur, user, organisme, base_url)
    return user


def lien_activation(user: Utilisateur, base_url: str = "") -> str:
    """One-time link (Django's password-reset token: it dies once the password is set, or after
    PASSWORD_RESET_TIMEOUT seconds) to the page where the person chooses her password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return base_url.rstrip("/") + reverse("comptes:activer", args=[uid, default_token_generator.make_token(user)])


def envoyer_activation(auteur, user: Utilisateur, organisme: OrganismeGestionnaire, base_url: str = "") -> None:
    """E-mail the activation link to the account's own address (traced, without the link)."""
    if not user.email:
        raise ValidationError({"email": _("Le courriel est nécessaire pour envoyer le lien d'activation.")})
    jours = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    corps = _("Bonjour %(prenom)s,\n\n"
              "Un compte Socle vient d'être ouvert pour vous (%(organisme)s), identifiant : %(username)s.\n\n"
              "Pour l'activer, choisissez votre mot de passe en suivant ce lien, utilisable une seule fois "
              "pendant %(jours)s jour(s) :\n%(lien)s\n\n"
              "Si vous n'attendiez pas ce message, ignorez-le et prévenez le représentant légal de votre "
              "organisme.\n\nSocle") % {"prenom": user.first_name, "organisme": organisme.raison_sociale,
                                        "username": user.username, "jours": jours,
                                        "lien": lien_activation(user, base_url)}
    send_mail(_("[Socle] Activez votre compte"), corps, settings.DEFAULT_FROM_EMAIL, [user.email])
    tracer(Action.MODIFICATION, objet=user, utilisateur=auteur, organisme=organisme,
           details={"lien_activation_envoye_a": user.email})


def renvoyer_activation(auteur, organisme: OrganismeGestionnaire, user: Utilisateur, base_url: str = "") -> None:
    """A new link for an account whose password was never set (lost or expired link)."""
    if not organismes_administres(auteur).filter(pk=organisme.pk).exists():
        raise PermissionDenied(_("Seul le représentant légal de l'organisme peut gérer les comptes."))
    if user.has_usable_password():
        raise ValidationError(_("Ce compte est déjà activé : la personne a choisi son mot de passe."))
    envoyer_activation(auteur, user, organisme, base_url)


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
    hab = Habilitation.objects.create(utilisateur=user, fonction=fonction, date_debut=timezone.localdate(),
                                      **perimetre)
    tracer(Action.CREATION, objet=hab, utilisateur=auteur)
    return hab


def organisme_de(hab: Habilitation) -> OrganismeGestionnaire | None:
    """The OG whose accounts manager may end this habilitation (none for a function on a grappe)."""
    return hab.organisme or (hab.etablissement.organisme if hab.etablissement_id else None)


def est_dernier_representant(hab: Habilitation) -> bool:
    """Rule: an OG always keeps a représentant légal on the OG itself, else nobody could manage its accounts.
    True when `hab` is the only open one (today, Europe/Paris) held by an active account."""
    if hab.fonction != Fonction.REPRESENTANT_LEGAL or not hab.organisme_id:
        return False
    autres = (Habilitation.objects.en_cours().filter(fonction=Fonction.REPRESENTANT_LEGAL, organisme_id=hab.organisme_id,
                                                     utilisateur__is_active=True)
              .exclude(pk=hab.pk).exclude(utilisateur_id=hab.utilisateur_id))
    return not autres.exists()


def _exiger_gestion(auteur, organisme: OrganismeGestionnaire | None) -> None:
    if organisme is None or not organismes_administres(auteur).filter(pk=organisme.pk).exists():
        raise PermissionDenied(_("Seul le représentant légal de l'organisme (ou l'administrateur de l'installation) "
                                 "peut gérer ce compte."))


@transaction.atomic
def cloturer(auteur, hab: Habilitation) -> None:
    """End a habilitation now: its last day was yesterday (Europe/Paris), so it no longer counts from today on
    (kept for history, never deleted). The last représentant légal of an OG cannot be ended."""
    _exiger_gestion(auteur, organisme_de(hab))
    hab = Habilitation.objects.select_for_update().get(pk=hab.pk)
    if not hab.en_cours_aujourdhui:
        raise ValidationError(_("Cette fonction est déjà close."))
    if est_dernier_representant(hab):
        raise ValidationError(_("Impossible de clore la fonction de %(personne)s : c'est le dernier représentant "
                                "légal de %(og)s. Attribuez d'abord cette fonction à une autre personne.")
                              % {"personne": hab.utilisateur, "og": hab.organisme.raison_sociale})
    _clore(auteur, hab)


def _clore(auteur, hab: Habilitation) -> None:
    hab.date_fin = timezone.localdate() - timedelta(days=1)
    if hab.date_debut and hab.date_debut > hab.date_fin:
        hab.date_debut = hab.date_fin
    hab.save(update_fields=["date_debut", "date_fin"])
    tracer(Action.MODIFICATION, objet=hab, utilisateur=auteur, details={"date_fin": hab.date_fin.isoformat()})


def refus_connexion(user) -> str | None:
    """Why this account may not sign in, or None. The one check every way in uses (password form, and any
    other sign-in such as Pro Santé Connect): a deactivated account, or one holding no function today."""
    if not user.is_active:
        return _("Ce compte est désactivé. Adressez-vous au représentant légal de votre organisme.")
    if not user.is_superuser and not Habilitation.objects.filter(utilisateur=user).en_cours().exists():
        return _("Ce compte n'a aucune fonction en cours : il ne peut plus se connecter. Adressez-vous au "
                 "représentant légal de votre organisme pour qu'il vous attribue une fonction.")
    return None


@transaction.atomic
def desactiver(auteur, organisme: OrganismeGestionnaire, user: Utilisateur) -> None:
    """Deactivate an account (a departure): it can no longer sign in, its open sessions stop, and its functions in
    this OG are closed. Refused for the author herself, for the OG's last représentant légal, and for an account
    that still holds functions in another OG (close them here instead)."""
    _exiger_gestion(auteur, organisme)
    if user.pk == auteur.pk:
        raise ValidationError(_("Vous ne pouvez pas désactiver votre propre compte."))
    ouvertes = list(Habilitation.objects.select_for_update(of=("self",)).filter(utilisateur=user).en_cours()
                    .select_related("organisme", "etablissement__organisme", "grappe"))
    ailleurs = [h for h in ouvertes if organisme_de(h) is None or organisme_de(h).pk != organisme.pk]
    if ailleurs and not auteur.is_superuser:
        raise ValidationError(_("%(personne)s a aussi des fonctions hors de %(og)s (%(fonctions)s) : clôturez ses "
                                "fonctions ici, le compte reste utilisé ailleurs.")
                              % {"personne": user, "og": organisme.raison_sociale,
                                 "fonctions": ", ".join(str(h.perimetre) for h in ailleurs)})
    for h in ouvertes:
        if est_dernier_representant(h):
            raise ValidationError(_("Impossible de désactiver %(personne)s : c'est le dernier représentant légal de "
                                    "%(og)s. Attribuez d'abord cette fonction à une autre personne.")
                                  % {"personne": user, "og": h.organisme.raison_sociale})
    for h in ouvertes:
        _clore(auteur, h)
    user.is_active = False
    user.save(update_fields=["is_active"])
    tracer(Action.MODIFICATION, objet=user, utilisateur=auteur, organisme=organisme,
           details={"compte": "désactivé", "fonctions_closes": len(ouvertes)})


@transaction.atomic
def reactiver(auteur, organisme: OrganismeGestionnaire, user: Utilisateur) -> None:
    """Give a deactivated account back its sign-in; it still needs a function (given separately) to sign in."""
    _exiger_gestion(auteur, organisme)
    user.is_active = True
    user.save(update_fields=["is_active"])
    tracer(Action.MODIFICATION, objet=user, utilisateur=auteur, organisme=organisme, details={"compte": "réactivé"})
