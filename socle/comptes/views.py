import time

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from socle.audit.models import Action
from socle.audit.services import tracer, tracer_lecture_liste
from socle.organisations.models import Grappe

from . import authentification as authn
from . import second_facteur, services
from .demo import DEMO_PASSWORD, code_totp_demo, comptes_demo
from .forms import CompteForm, ConnexionForm, HabilitationForm
from .models import Habilitation, Utilisateur

# Functions called at sign-out, before the session ends, that may give the address of an identity provider's own
# sign-out (Pro Santé Connect's RP-initiated logout, registered by the web layer): `f(request) -> str | None`.
SORTIES_EXTERNES: list = []


def _organisme(request: HttpRequest, finess: str | None):
    administres = services.organismes_administres(request.user)
    if finess:
        return get_object_or_404(administres, finess=finess), administres
    og = administres.first()
    if og is None:
        raise PermissionDenied(_("La gestion des comptes est réservée au représentant légal de l'organisme."))
    return og, administres


@login_required
def equipe(request: HttpRequest, finess: str | None = None) -> HttpResponse:
    og, administres = _organisme(request, finess)
    personnes = list(services.personnes_de(og))
    tracer_lecture_liste(personnes, "comptes.Utilisateur", f"Comptes de {og.raison_sociale}")
    # Only the functions held in this OG: a person who also works for another OG keeps that part to herself.
    habs = Habilitation.objects.filter(Q(organisme=og) | Q(etablissement__organisme=og), utilisateur__in=personnes
                                       ).select_related("etablissement", "organisme", "grappe")
    par_personne: dict[int, list] = {}
    for h in habs:
        par_personne.setdefault(h.utilisateur_id, []).append(h)
    form = CompteForm(request.POST or None, organisme=og)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = services.creer_compte(
                request.user, og, username=d["username"], prenom=d["prenom"], nom=d["nom"], email=d["email"],
                fonction=d["fonction"], etablissement=d["etablissement"], base_url=request.build_absolute_uri("/"))
        except ValidationError as exc:
            form.add_error("username", exc.message_dict.get("username", exc.messages))
        else:
            # No password travels anywhere: the person chooses hers through the one-time link sent to her.
            messages.success(request, _("Compte « %(username)s » créé. Un lien d'activation, utilisable une seule "
                                        "fois, a été envoyé à %(email)s : la personne y choisit son mot de passe.")
                             % {"username": user.username, "email": user.email})
            return redirect("comptes:equipe_og", finess=og.finess)
    return render(request, "comptes/equipe.html", {
        "og": og, "administres": administres, "form": form,
        "personnes": [(p, par_personne.get(p.pk, [])) for p in personnes]})


@login_required
def ajouter_habilitation(request: HttpRequest, finess: str, user_id: int) -> HttpResponse:
    og, _administres = _organisme(request, finess)
    personne = get_object_or_404(services.personnes_de(og), pk=user_id)
    form = HabilitationForm(request.POST or None, organisme=og)
    if request.method == "POST" and form.is_valid():
        services.habiliter(request.user, personne, form.cleaned_data["fonction"], organisme=og,
                           etablissement=form.cleaned_data["etablissement"])
        messages.success(request, _("Fonction attribuée."))
        return redirect("comptes:equipe_og", finess=og.finess)
    return render(request, "comptes/habilitation.html", {"og": og, "personne": personne, "form": form})


@login_required
def cloturer_habilitation(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: asks for confirmation (what closing does, and for whom); POST: closes."""
    hab = get_object_or_404(Habilitation.objects.select_related("utilisateur", "organisme", "etablissement__organisme",
                                                                "grappe"), pk=pk)
    og = services.organisme_de(hab)
    if og is None or not services.organismes_administres(request.user).filter(pk=og.pk).exists():
        raise PermissionDenied(_("Seul le représentant légal de l'organisme peut clore cette fonction."))
    if request.method == "POST":
        try:
            services.cloturer(request.user, hab)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Fonction « %(fonction)s » close pour %(personne)s.")
                             % {"fonction": hab.get_fonction_display(), "personne": hab.utilisateur})
        return redirect("comptes:equipe_og", finess=og.finess)
    return render(request, "comptes/clore.html", {
        "og": og, "hab": hab, "dernier": services.est_dernier_representant(hab),
        "derniere_fonction": not Habilitation.objects.filter(utilisateur=hab.utilisateur).en_cours()
        .exclude(pk=hab.pk).exists()})


@login_required
def desactiver_compte(request: HttpRequest, finess: str, user_id: int) -> HttpResponse:
    """GET: confirmation page; POST: deactivates (or, with `reactiver`, gives the sign-in back)."""
    og, _administres = _organisme(request, finess)
    personne = get_object_or_404(services.personnes_de(og), pk=user_id)
    if request.method == "POST":
        try:
            if request.POST.get("reactiver"):
                services.reactiver(request.user, og, personne)
                messages.success(request, _("Compte de %(personne)s réactivé : attribuez-lui une fonction pour "
                                            "qu'elle puisse se connecter.") % {"personne": personne})
            else:
                services.desactiver(request.user, og, personne)
                messages.success(request, _("Compte de %(personne)s désactivé : ses fonctions sont closes et elle ne "
                                            "peut plus se connecter.") % {"personne": personne})
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("comptes:equipe_og", finess=og.finess)
    return render(request, "comptes/desactiver.html", {"og": og, "personne": personne})


class MotDePasseView(auth_views.PasswordChangeView):
    """The signed-in person changes her password (old one asked, Django's validators); traced, session kept."""

    template_name = "comptes/mot_de_passe.html"
    success_url = reverse_lazy("web:accueil")

    def form_valid(self, form):
        response = super().form_valid(form)
        tracer(Action.MODIFICATION, objet=form.user, utilisateur=form.user, request=self.request,
               details={"mot_de_passe": "changé par la personne"})
        messages.success(self.request, _("Mot de passe changé."))
        return response


@login_required
@require_POST
def renvoyer_activation(request: HttpRequest, finess: str, user_id: int) -> HttpResponse:
    og, _administres = _organisme(request, finess)
    personne = get_object_or_404(services.personnes_de(og), pk=user_id)
    try:
        services.renvoyer_activation(request.user, og, personne, base_url=request.build_absolute_uri("/"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Nouveau lien d'activation envoyé à %(email)s.") % {"email": personne.email})
    return redirect("comptes:equipe_og", finess=og.finess)


def reponse_blocage(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' lock-out answer (AXES_LOCKOUT_CALLABLE): a French page, HTTP 429 Too Many Requests."""
    duree = settings.AXES_COOLOFF_TIME
    return render(request, "comptes/bloque.html", {
        "echecs_max": settings.AXES_FAILURE_LIMIT,
        "minutes": max(1, int(duree.total_seconds() // 60)) if duree else None}, status=429)


@method_decorator(login_not_required, name="dispatch")
class ActivationView(auth_views.PasswordResetConfirmView):
    """The page of the activation link: the person chooses her password; the link then stops working (its token
    depends on the password). Django moves the token out of the address before showing the form."""

    template_name = "comptes/activation.html"
    success_url = reverse_lazy("comptes:login")
    reset_url_token = "choisir-mot-de-passe"

    def form_valid(self, form):
        response = super().form_valid(form)
        tracer(Action.MODIFICATION, objet=form.user, utilisateur=form.user,
               details={"mot_de_passe": "choisi par la personne (lien d'activation)"})
        messages.success(self.request, _("Mot de passe enregistré : vous pouvez vous connecter."))
        return response


class ConnexionView(auth_views.LoginView):
    """Sign-in page; in demo mode (`socle demo`) it also lists the demo grappe and the persona accounts. A password
    alone opens the session when the account has no second factor (its rights then exclude NIR/INS and
    documents); otherwise the second factor is asked before the session opens."""

    template_name = "comptes/login.html"
    form_class = ConnexionForm

    def form_valid(self, form):
        user = form.get_user()
        if second_facteur.a_second_facteur(user):
            self.request.session[authn.CLE_EN_ATTENTE] = {
                "id": user.pk, "backend": user.backend, "t": int(time.time()), "next": self.get_redirect_url()}
            return redirect("comptes:second_facteur")
        self.request.socle_moyen_connexion = "mot_de_passe"
        response = super().form_valid(form)
        authn.marquer(self.request, "mot_de_passe")
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["psc_actif"] = bool(getattr(settings, "SOCLE_PSC_ENVIRONNEMENT", ""))
        context["inactivite"] = "inactivite" in self.request.GET
        context["psc_terminee"] = "psc_terminee" in self.request.GET
        if getattr(settings, "SOCLE_DEMO", False):
            context["demo"] = {"grappes": Grappe.objects.order_by("nom"), "password": DEMO_PASSWORD, "totp": code_totp_demo(),
                               "comptes": comptes_demo()}
        return context


class DeconnexionView(auth_views.LogoutView):
    """Sign-out; after a Pro Santé Connect sign-in, also ends the PSC session (RP-initiated logout): the page
    sends the browser on to PSC (a navigation, allowed by the CSP's form-action)."""

    def post(self, request, *args, **kwargs):
        externes = [url for f in SORTIES_EXTERNES if (url := f(request))]
        response = super().post(request, *args, **kwargs)
        if externes:
            return render(request, "comptes/deconnexion_externe.html", {"url": externes[0]})
        return response


MINUTES_SECOND_FACTEUR = 5  # a checked password waits this long for its second factor


@login_not_required
def second_facteur_view(request: HttpRequest) -> HttpResponse:
    """Second step of a password sign-in: a code of the TOTP application or a recovery code."""
    from axes.handlers.proxy import AxesProxyHandler

    attente = request.session.get(authn.CLE_EN_ATTENTE)
    if not attente or time.time() - attente["t"] > MINUTES_SECOND_FACTEUR * 60:
        request.session.pop(authn.CLE_EN_ATTENTE, None)
        messages.error(request, _("Recommencez la connexion : le second facteur doit suivre le mot de passe."))
        return redirect("comptes:login")
    user = get_object_or_404(Utilisateur, pk=attente["id"], is_active=True)
    if AxesProxyHandler.is_locked(request, credentials={"username": user.username}):
        request.session.pop(authn.CLE_EN_ATTENTE, None)
        return reponse_blocage(request)
    erreur = ""
    if request.method == "POST":
        facteur = second_facteur.verifier(request, user, request.POST.get("code", ""))
        if facteur:
            request.session.pop(authn.CLE_EN_ATTENTE, None)
            request.socle_moyen_connexion = "totp"
            auth.login(request, user, backend=attente["backend"])
            authn.marquer(request, "totp")
            suite = attente.get("next") or ""
            if not url_has_allowed_host_and_scheme(suite, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
                suite = resolve_url(settings.LOGIN_REDIRECT_URL)
            return redirect(suite)
        if AxesProxyHandler.is_locked(request, credentials={"username": user.username}):
            request.session.pop(authn.CLE_EN_ATTENTE, None)
            return reponse_blocage(request)
        erreur = _("Code incorrect ou déjà utilisé.")
    return render(request, "comptes/second_facteur.html", {
        "erreur": erreur, "identifiant": user.username,
        "code_demo": code_totp_demo() if getattr(settings, "SOCLE_DEMO", False) else ""})


@login_required
def activer_second_facteur(request: HttpRequest) -> HttpResponse:
    """Enrolment: scan the QR code with an authenticator application, type its first code; the recovery codes
    are then shown once. Re-enrolling (new phone) needs a session already strongly authenticated."""
    deja = second_facteur.a_second_facteur(request.user)
    if deja and not getattr(request.user, "authentification_forte", False):
        raise PermissionDenied(_("Votre compte a déjà un second facteur : connectez-vous avec lui pour le changer, "
                                 "ou demandez au représentant légal de le réinitialiser."))
    device = second_facteur.totp_en_cours(request.user)
    erreur = ""
    if request.method == "POST":
        codes = second_facteur.confirmer_totp(request.user, request.POST.get("code", ""))
        if codes is not None:
            authn.marquer(request, "totp", request.session.get(authn.CLE_ETABLISSEMENT))
            return render(request, "comptes/codes_secours.html", {"codes": codes, "nouveau": True})
        erreur = _("Code incorrect : vérifiez l'heure de votre téléphone et saisissez le code affiché.")
    return render(request, "comptes/activer_second_facteur.html", {
        "qr": second_facteur.qr_svg(device), "secret": second_facteur.secret_base32(device), "erreur": erreur,
        "deja": deja})


@login_required
@require_POST
def codes_secours(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the previous ones stop working), for a session strongly authenticated."""
    if not second_facteur.a_second_facteur(request.user):
        messages.info(request, _("Activez d'abord votre second facteur : les codes de secours viennent avec lui."))
        return redirect("comptes:activer_second_facteur")
    if not getattr(request.user, "authentification_forte", False):
        raise PermissionDenied(_("Connectez-vous avec votre second facteur pour obtenir de nouveaux codes."))
    return render(request, "comptes/codes_secours.html",
                  {"codes": second_facteur.nouveaux_codes_secours(request.user), "nouveau": False})


@login_required
@require_POST
def reinitialiser_second_facteur(request: HttpRequest, finess: str, user_id: int) -> HttpResponse:
    og, _administres = _organisme(request, finess)
    personne = get_object_or_404(services.personnes_de(og), pk=user_id)
    second_facteur.reinitialiser(request.user, personne, og)
    messages.success(request, _("Second facteur de %(personne)s réinitialisé : la personne en activera un nouveau "
                                "à sa prochaine connexion.") % {"personne": personne})
    return redirect(reverse("comptes:equipe_og", args=[og.finess]))
