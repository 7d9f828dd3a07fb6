"""From a PSC identity to a Socle session: find the professional by her national id, match PSC's activités to
her situations d'exercice in progress, link her account, and open a session whose rights come from the chosen
situation (the function Professionnel on that ESMS, for the day) and from her habilitations."""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.comptes import authentification as authn
from socle.comptes.models import Fonction, Habilitation, Utilisateur
from socle.connecteurs.psc import jetons as jetons_session
from socle.connecteurs.psc.interface import ActivitePsc, ConnexionPsc, IdentitePsc
from socle.personnel.models import Professionnel, SituationExercice

CLE_JETONS = "socle_psc"  # encrypted: PSC's tokens and ID token, for this session only
CLE_CHOIX = "socle_psc_choix"  # several matching situations: the sign-in waits for the person's choice
CLE_SUITE = "socle_psc_suite"  # where to go after the sign-in


class Refus(Exception):
    def __init__(self, code: str, message: str, compte: Utilisateur | None = None, organisme=None):
        super().__init__(message)
        self.code, self.message, self.compte, self.organisme = code, message, compte, organisme


def refuser(
    request: HttpRequest, code: str, message: str, identifiant: str = "", compte=None, organisme=None
) -> None:
    """Every refused PSC sign-in: in the access log with its reason, and a failure for django-axes (counted per
    address, and per national id when known)."""
    tracer(
        Action.ECHEC_CONNEXION,
        objet_type="comptes.Utilisateur",
        objet_id=str(compte.pk) if compte else "",
        libelle=f"Connexion Pro Santé Connect refusée ({code})",
        utilisateur=compte,
        identifiant=identifiant or "pro-sante-connect",
        request=request,
        organisme=organisme,
        details={"moyen": "psc", "motif": code, "message": message, "identifiant_national": identifiant},
    )
    user_login_failed.send(
        sender=__name__,
        credentials={"username": identifiant, "moyen": "psc"},
        request=request,
        socle_deja_trace=True,
    )


def professionnels(identite: IdentitePsc) -> QuerySet[Professionnel]:
    if not identite.rpps:
        return Professionnel.objects.none()
    return Professionnel.objects.filter(rpps=identite.rpps).select_related("organisme", "compte")


def _correspond(activite: ActivitePsc, situation: SituationExercice) -> bool:
    """Same FINESS of the site; same rôle and genre d'activité when both sides give one."""
    if activite.finess_site != situation.etablissement.finess:
        return False
    if activite.code_role and situation.role and activite.code_role != situation.role:
        return False
    return not (
        activite.code_genre and situation.genre_activite and activite.code_genre != situation.genre_activite
    )


def situations_correspondantes(identite: IdentitePsc, pros) -> list[SituationExercice]:
    """Her situations in progress, in an ESMS of the installation, that one of PSC's activités matches."""
    aujourd_hui = timezone.localdate()
    situations = (
        SituationExercice.objects.filter(professionnel__in=list(pros))
        .filter(Q(date_fin__isnull=True) | Q(date_fin__gte=aujourd_hui))
        .select_related("etablissement__organisme", "professionnel")
        .order_by("etablissement__nom")
    )
    return [s for s in situations if any(_correspond(a, s) for a in identite.activites)]


@transaction.atomic
def lier_compte(identite: IdentitePsc, pros: list[Professionnel]) -> Utilisateur:
    """Her account: the one already linked to one of her staff records, else a new one (no password: she signs in
    with PSC), and every staff record of her RPPS is linked to it. Traced."""
    compte = next((p.compte for p in pros if p.compte_id), None)
    if compte is None:
        compte, cree = Utilisateur.objects.get_or_create(
            username=f"psc-{identite.rpps}",
            defaults={
                "first_name": identite.prenom or pros[0].prenom_affiche,
                "last_name": (identite.nom or pros[0].nom_usage or pros[0].nom_naissance).upper(),
                "email": identite.email or pros[0].email,
            },
        )
        if cree:
            compte.set_unusable_password()
            compte.save(update_fields=["password"])
            tracer(
                Action.CREATION,
                objet=compte,
                utilisateur=compte,
                organisme=pros[0].organisme,
                details={
                    "origine": "première connexion Pro Santé Connect",
                    "identifiant_national": identite.subject_name_id,
                },
            )
    for pro in pros:
        if pro.compte_id != compte.pk:
            pro.compte = compte
            pro.save(update_fields=["compte", "modifie_le"])
            tracer(
                Action.MODIFICATION,
                objet=pro,
                utilisateur=compte,
                details={"compte_lie": compte.username, "par": "première connexion Pro Santé Connect"},
            )
    return compte


def _fonction_du_jour(compte: Utilisateur, situation: SituationExercice) -> None:
    """The function Professionnel on the situation's ESMS, valid today: kept if she already holds it, else a
    one-day habilitation opened (or moved to today) from the situation. Traced."""
    aujourd_hui = timezone.localdate()
    habs = Habilitation.objects.filter(
        utilisateur=compte, fonction=Fonction.PROFESSIONNEL, etablissement=situation.etablissement
    )
    if habs.en_cours().exists():
        return
    jour = habs.filter(date_debut=F("date_fin")).first()
    if jour is None:
        jour = Habilitation.objects.create(
            utilisateur=compte,
            fonction=Fonction.PROFESSIONNEL,
            etablissement=situation.etablissement,
            date_debut=aujourd_hui,
            date_fin=aujourd_hui,
        )
        tracer(
            Action.CREATION,
            objet=jour,
            utilisateur=compte,
            details={
                "origine": "situation d'exercice, connexion Pro Santé Connect",
                "jour": str(aujourd_hui),
            },
        )
    else:
        jour.date_debut = jour.date_fin = aujourd_hui
        jour.save(update_fields=["date_debut", "date_fin"])
        tracer(
            Action.MODIFICATION,
            objet=jour,
            utilisateur=compte,
            details={
                "origine": "situation d'exercice, connexion Pro Santé Connect",
                "jour": str(aujourd_hui),
            },
        )


@dataclass
class Attente:
    """A sign-in waiting for the choice of the situation (kept in the session, tokens encrypted)."""

    compte_id: int
    situations: list[int]
    jetons: str
    identifiant: str


def ouvrir_session(
    request: HttpRequest,
    compte: Utilisateur,
    situation: SituationExercice,
    jetons_chiffres: str,
    identifiant: str,
) -> None:
    with transaction.atomic():
        _fonction_du_jour(compte, situation)
        Professionnel.objects.filter(compte=compte).update(psc_derniere_connexion=timezone.now())
        # signing in with PSC proves her e-CPS is active
        Professionnel.objects.filter(compte=compte, ecps_activee_le__isnull=True).update(
            ecps_activee_le=timezone.localdate())
    request.socle_moyen_connexion = "psc"
    request.socle_details_connexion = {
        "etablissement": situation.etablissement.finess, "identifiant_national": identifiant,
        "role": situation.role, "genre_activite": situation.genre_activite}
    auth.login(request, compte, backend="socle.comptes.backends.CompteBackend")
    authn.marquer(request, "psc", situation.etablissement_id)
    request.session[CLE_JETONS] = jetons_chiffres


def chiffrer(connexion: ConnexionPsc) -> str:
    jetons = dict(connexion.jetons)
    jetons["id_token"] = connexion.id_token
    jetons.setdefault("expires_at", int(time.time()) + int(jetons.get("expires_in") or 60))
    return jetons_session.chiffrer(jetons, settings.SECRET_KEY)


def jetons(request: HttpRequest) -> dict | None:
    """This session's PSC tokens (for MSSanté later), or None."""
    valeur = request.session.get(CLE_JETONS)
    return jetons_session.dechiffrer(valeur, settings.SECRET_KEY) if valeur else None


def rafraichir_si_besoin(request: HttpRequest, client) -> bool:
    """A PSC session whose access token expired gets new tokens from the refresh token. False when PSC says
    the refresh token is invalid: the PSC session ended, so does Socle's."""
    from socle.connecteurs.psc.interface import RefusPsc, SessionPscTerminee

    courants = jetons(request)
    if courants is None:
        return False
    if int(courants.get("expires_at", 0)) > time.time():
        return True
    try:
        nouveaux = client.rafraichir(courants)
    except SessionPscTerminee:
        return False
    except RefusPsc:  # PSC unreachable or in error: keep the session, try again on the next request
        return True
    nouveaux.setdefault("id_token", courants.get("id_token", ""))
    nouveaux.setdefault("refresh_token", courants.get("refresh_token", ""))
    nouveaux["expires_at"] = int(time.time()) + int(nouveaux.get("expires_in") or 60)
    request.session[CLE_JETONS] = jetons_session.chiffrer(nouveaux, settings.SECRET_KEY)
    return True
