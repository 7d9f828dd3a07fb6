from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from socle.audit.services import tracer_lecture_liste
from socle.organisations.models import Grappe

from . import services
from .demo import DEMO_PASSWORD, comptes_demo
from .forms import CompteForm, HabilitationForm
from .models import Habilitation


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
    habs = Habilitation.objects.filter(utilisateur__in=personnes).select_related("etablissement", "organisme", "grappe")
    par_personne: dict[int, list] = {}
    for h in habs:
        par_personne.setdefault(h.utilisateur_id, []).append(h)
    form = CompteForm(request.POST or None, organisme=og)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user, password = services.creer_compte(
                request.user, og, username=d["username"], prenom=d["prenom"], nom=d["nom"], email=d["email"],
                fonction=d["fonction"], etablissement=d["etablissement"])
        except ValidationError as exc:
            form.add_error("username", exc.message_dict.get("username", exc.messages))
        else:
            messages.success(request, _("Compte « %(username)s » créé. Mot de passe provisoire à transmettre "
                                        "en main propre : %(password)s") % {"username": user.username,
                                                                            "password": password})
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
@require_POST
def cloturer_habilitation(request: HttpRequest, pk: int) -> HttpResponse:
    hab = get_object_or_404(Habilitation, pk=pk)
    services.cloturer(request.user, hab)
    messages.success(request, _("Fonction « %(fonction)s » close pour %(personne)s.")
                     % {"fonction": hab.get_fonction_display(), "personne": hab.utilisateur})
    og = hab.organisme or hab.etablissement.organisme
    return redirect("comptes:equipe_og", finess=og.finess)



class ConnexionView(auth_views.LoginView):
    """Sign-in page; in demo mode (`socle demo`) it also lists the demo grappe and the persona accounts."""

    template_name = "comptes/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if getattr(settings, "SOCLE_DEMO", False):
            context["demo"] = {"grappes": Grappe.objects.order_by("nom"), "password": DEMO_PASSWORD,
                               "comptes": comptes_demo()}
        return context
