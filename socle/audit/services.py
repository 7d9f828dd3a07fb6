"""Writing to the access log. Call `tracer()` on every read or change of personal data."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .middleware import current_request
from .models import Action, EvenementAudit


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def tracer(action: str, objet=None, *, objet_type: str = "", objet_id: str = "", libelle: str = "",
           utilisateur=None, request=None, details: dict | None = None) -> EvenementAudit:
    """Append one event. `objet` may be a model instance; otherwise give type/id/label explicitly.
    Outside a web request (commands, tasks) the user is the one passed in, or none (system)."""
    request = request or current_request.get()
    if utilisateur is None and request is not None and getattr(request, "user", None) is not None:
        utilisateur = request.user if request.user.is_authenticated else None
    if objet is not None:
        objet_type = objet_type or objet._meta.label
        objet_id = objet_id or str(objet.pk)
        libelle = libelle or str(objet)
    return EvenementAudit.objects.create(
        utilisateur=utilisateur,
        identifiant=getattr(utilisateur, "username", "") or "système",
        action=action,
        objet_type=objet_type[:60],
        objet_id=str(objet_id)[:64],
        objet_libelle=libelle[:255],
        adresse_ip=_client_ip(request),
        chemin=(request.get_full_path()[:500] if request is not None else ""),
        details=details or {},
    )


def tracer_lecture_liste(objets, objet_type: str, libelle: str, request=None) -> EvenementAudit:
    """One event for a list view, with the ids shown, rather than one per line."""
    ids = [str(o.pk) for o in objets]
    return tracer(Action.LECTURE, objet_type=objet_type, objet_id="liste", libelle=libelle, request=request,
                  details={"ids": ids, "nombre": len(ids)})


@receiver(user_logged_in)
def _on_login(sender, request, user, **kwargs):
    tracer(Action.CONNEXION, objet=user, utilisateur=user, request=request)


@receiver(user_logged_out)
def _on_logout(sender, request, user, **kwargs):
    if user is not None:
        tracer(Action.DECONNEXION, objet=user, utilisateur=user, request=request)


@receiver(user_login_failed)
def _on_login_failed(sender, credentials, request=None, **kwargs):
    tracer(Action.ECHEC_CONNEXION, objet_type="comptes.Utilisateur", libelle=str(credentials.get("username", ""))[:150],
           request=request)
