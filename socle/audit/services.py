"""Writing to the access log. Call `tracer()` on every read or change of personal data."""

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .middleware import current_request
from .models import Action, EvenementAudit

# How tracer() finds the organisation an object belongs to: its `organisme` (usager, professionnel, ESMS, card,
# certificate…), else the organisation of what it hangs on, following these links (at most 3 steps).
LIENS_VERS_ORGANISME = ("organisme", "etablissement", "usager", "professionnel", "lot", "rapprochement",
                        "certificat")
LABEL_ORGANISME = "organisations.OrganismeGestionnaire"


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def organisme_de(objet, profondeur: int = 3) -> int | None:
    """The id of the organisation (OG) `objet` belongs to, when its model says it; None otherwise (a grappe, an
    account, installation-wide data)."""
    if objet is None or not hasattr(objet, "_meta") or profondeur < 0:
        return None
    if objet._meta.label == LABEL_ORGANISME:
        return objet.pk
    noms = {f.name for f in objet._meta.concrete_fields}
    for lien in LIENS_VERS_ORGANISME:
        if lien not in noms:
            continue
        if lien == "organisme" and getattr(objet, "organisme_id", None):
            return objet.organisme_id
        if getattr(objet, f"{lien}_id", None):
            trouve = organisme_de(getattr(objet, lien), profondeur - 1)
            if trouve:
                return trouve
    return None


def _id_organisme(organisme) -> int | None:
    return getattr(organisme, "pk", organisme)


def tracer(action: str, objet=None, *, objet_type: str = "", objet_id: str = "", libelle: str = "",
           utilisateur=None, request=None, details: dict | None = None, organisme=None,
           identifiant: str = "") -> EvenementAudit:
    """Append one event. `objet` may be a model instance; otherwise give type/id/label explicitly.
    Outside a web request (commands, tasks) the user is the one passed in, or none (system).
    `organisme` (an OG or its id): the organisation whose data this is; found from `objet` when not given.
    `identifiant`: the name written as "who" when it is not the user's (a failed sign-in's attempted name)."""
    request = request or current_request.get()
    if utilisateur is None and request is not None and getattr(request, "user", None) is not None:
        utilisateur = request.user if request.user.is_authenticated else None
    if objet is not None:
        objet_type = objet_type or objet._meta.label
        objet_id = objet_id or str(objet.pk)
        libelle = libelle or str(objet)
        if organisme is None:
            organisme = organisme_de(objet)
    return EvenementAudit.objects.create(
        utilisateur=utilisateur,
        identifiant=(identifiant or getattr(utilisateur, "username", "") or "système")[:150],
        action=action,
        objet_type=objet_type[:60],
        objet_id=str(objet_id)[:64],
        objet_libelle=libelle[:255],
        adresse_ip=_client_ip(request),
        chemin=(request.get_full_path()[:500] if request is not None else ""),
        details=details or {},
        organisme_id=_id_organisme(organisme),
    )


def tracer_lecture_liste(objets, objet_type: str, libelle: str, request=None, details: dict | None = None,
                         organisme=None) -> EvenementAudit:
    """A list view: one event with the ids shown, rather than one per line — one per organisation when the
    list spans several, so that each organisation's DPO sees the reads of her data. `organisme`: the screen's
    organisation, for an empty list and for objects that do not name theirs. Returns the first event."""
    defaut = _id_organisme(organisme)
    par_organisme: dict[int | None, list[str]] = {}
    for o in objets:
        par_organisme.setdefault(organisme_de(o) or defaut, []).append(str(o.pk))
    evenements = [tracer(Action.LECTURE, objet_type=objet_type, objet_id="liste", libelle=libelle, request=request,
                         organisme=og, details={**(details or {}), "ids": ids, "nombre": len(ids)})
                  for og, ids in (par_organisme or {defaut: []}).items()]
    return evenements[0]


def _compte(identifiant: str):
    """The account a sign-in attempt named, if any."""
    if not identifiant:
        return None
    return get_user_model()._default_manager.filter(username=identifiant).first()


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    """With the means of the sign-in (`request.socle_moyen_connexion`: psc, totp, mot_de_passe), for the
    dashboards' connections by means."""
    moyen = getattr(request, "socle_moyen_connexion", None)
    details = {"moyen": moyen, **getattr(request, "socle_details_connexion", {})} if moyen else None
    tracer(Action.CONNEXION, objet=user, utilisateur=user, request=request, details=details)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        motif = getattr(request, "socle_motif_deconnexion", None)
        tracer(Action.DECONNEXION, objet=user, utilisateur=user, request=request,
               details={"motif": motif} if motif else None)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    """The attempted name is kept; when it is an account's, the event is linked to that account, so that the DPO
    of the account's organisation sees attempts on it. A sender that traced the failure itself, with its reason
    (Pro Santé Connect), says so with `socle_deja_trace`."""
    if kwargs.get("socle_deja_trace"):
        return
    tente = str(credentials.get("username", ""))[:150]
    compte = _compte(tente)
    tracer(Action.ECHEC_CONNEXION, objet_type="comptes.Utilisateur", objet_id=str(compte.pk) if compte else "",
           libelle=f"Tentative de connexion au compte « {tente} »", utilisateur=compte, identifiant=tente or "inconnu",
           request=request, details={"identifiant_tente": tente, "compte_existant": compte is not None})


@receiver(user_locked_out)
def _on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """django-axes refused a sign-in: too many failures on this account or from this address."""
    tente = str(username or "")[:150]
    compte = _compte(tente)
    tracer(Action.BLOCAGE_CONNEXION, objet_type="comptes.Utilisateur", objet_id=str(compte.pk) if compte else "",
           libelle=f"Connexion bloquée après {settings.AXES_FAILURE_LIMIT} échecs : « {tente} » depuis {ip_address}",
           utilisateur=compte, identifiant=tente or "inconnu", request=request,
           details={"identifiant_tente": tente, "adresse": ip_address, "echecs_max": settings.AXES_FAILURE_LIMIT,
                    "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME
                    else None,
                    "par": list(settings.AXES_LOCKOUT_PARAMETERS)})
