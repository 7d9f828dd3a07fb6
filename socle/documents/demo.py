"""Demo documents: a nurse of the first demo EHPAD with her account ("infirmiere"), a DLU for every resident of
that EHPAD whose identity is qualified (a few validated against the ANS kit), and some PDF documents (projet
personnalisé, grille d'évaluation). Deterministic; `nettoyer()` removes them before the demo is rebuilt."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from socle.comptes.demo import DEMO_PASSWORD
from socle.comptes.models import Fonction, Habilitation, Utilisateur
from socle.personnel.demo import rpps_fictif
from socle.personnel.models import Professionnel, SituationExercice, cle_identite
from socle.usagers.models import Statut, Usager

from . import services
from .models import ChoixUsager, Document, EnvoiDmp, EvenementDocument

COMPTE = "infirmiere"
REF = "demo-documents"
TRAITEMENTS = [
    "Amlodipine 5 mg : 1 cp le matin",
    "Paracétamol 1 g si douleur (max 3 g/j)",
    "Lévothyrox 50 µg à jeun",
    "Furosémide 40 mg le matin",
    "Donépézil 10 mg le soir",
]
ANTECEDENTS = [
    "Hypertension artérielle",
    "Fracture du col du fémur",
    "Diabète de type 2",
    "Maladie d'Alzheimer",
    "Insuffisance cardiaque",
    "AVC ischémique",
]
ALLERGIES = ["Pénicilline", "Iode", "Aucune allergie connue", "Latex"]
PDF_DEMO = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def nettoyer() -> None:
    demo = Document.objects.filter(usager__reference_externe__startswith="demo:")
    EnvoiDmp.objects.filter(document__in=demo).delete()  # the DMP outbox rows first (PROTECT)
    ChoixUsager.objects.filter(usager__reference_externe__startswith="demo:").delete()
    EvenementDocument.objects.filter(document__in=demo).delete()
    for d in demo.exclude(remplace__isnull=True).order_by("-version"):
        d.delete()
    demo.delete()
    Professionnel.objects.filter(compte__username=COMPTE).update(compte=None)


def _infirmiere(ehpad) -> Utilisateur:
    """The demo account "infirmiere" (made by comptes.demo), linked to her staff record at the EHPAD."""
    user, _cree = Utilisateur.objects.get_or_create(
        username=COMPTE,
        defaults={"first_name": "Inès", "last_name": "DÉMO-INFIRMIÈRE", "email": f"{COMPTE}@demo.invalid"},
    )
    if _cree:  # otherwise made by comptes.demo with its password and habilitation
        user.set_password(DEMO_PASSWORD)
        user.save()
    if not user.habilitations.filter(fonction=Fonction.PROFESSIONNEL, etablissement=ehpad).exists():
        Habilitation.objects.create(utilisateur=user, fonction=Fonction.PROFESSIONNEL, etablissement=ehpad)
    naissance = date(1986, 4, 12)
    pro, _cree = Professionnel.objects.get_or_create(
        organisme=ehpad.organisme,
        cle=cle_identite("SOIGNANTE-DEMO", "INES", naissance, "F"),
        defaults={
            "nom_naissance": "SOIGNANTE-DEMO",
            "prenoms": ["INES"],
            "prenom_usuel": "Inès",
            "sexe": "F",
            "civilite": "MME",
            "date_naissance": naissance,
            "rpps": rpps_fictif(999_001),
        },
    )
    SituationExercice.objects.get_or_create(
        professionnel=pro,
        etablissement=ehpad,
        defaults={
            "metier": "Infirmière",
            "profession": "60",
            "genre_activite": "GENR01",
            "genre_propose": "GENR01",
        },
    )
    Professionnel.objects.filter(pk=pro.pk).update(compte=user)
    return user


def peupler(ctx) -> None:
    nettoyer()
    ehpad = ctx.etablissements[0] if ctx.etablissements else None
    if ehpad is not None and ehpad.categorie_code != "500":
        ehpad = next((e for e in ctx.etablissements if e.categorie_code == "500"), None)
    if ehpad is None:
        return
    rng = ctx.rng
    nurse = _infirmiere(ehpad)
    residents = list(
        Usager.objects.filter(sejours__etablissement=ehpad, statut=Statut.QUAL, fusionne_dans__isnull=True)
        .order_by("pk")
        .distinct()
    )
    aujourdhui = timezone.localdate()
    for i, u in enumerate(residents):
        contenu = {
            "medecin_nom": f"Dr DÉMO {rng.choice(['MARTIN', 'BERNARD', 'PETIT', 'ROUX'])}",
            "medecin_telephone": f"04 72 00 {i % 100:02d} {rng.randint(10, 99)}",
            "personne_confiance": f"DÉMO {u.nom_naissance[4:]} (enfant), 06 00 00 {i % 100:02d} 00",
            "directives_anticipees": rng.choice(["oui", "non", ""]),
            "soins_palliatifs": "non",
            "antecedents": "\n".join(rng.sample(ANTECEDENTS, 2)),
            "allergies": rng.choice(ALLERGIES),
            "traitements": "\n".join(rng.sample(TRAITEMENTS, rng.randint(1, 3))),
            "autonomie_deplacement": rng.choice(["autonome", "aide", "fauteuil"]),
            "etat": rng.sample(["62476001", "161898004", "15188001", "285304000"], rng.randint(0, 2)),
            "poids": str(rng.randint(45, 85)),
            "tension_systolique": str(rng.randint(110, 160)),
            "tension_diastolique": str(rng.randint(60, 95)),
            "temperature": "36.8",
            "date_constantes": (aujourdhui - timedelta(days=rng.randint(1, 20))).isoformat(),
            "bmr": rng.choice(["non", "non", "oui"]),
            "etablissement_prefere": "Hôpital DÉMO de Lyon",
            "documents_annexes": ["DLU_009"],
            "commentaire": "",
        }
        doc = services.creer_dlu(
            u, ehpad, par=nurse, contenu=contenu, date_acte=aujourdhui - timedelta(days=rng.randint(0, 60))
        )
        if i < 3:
            services.valider(doc, par=nurse)
        if i < 6:
            pdf = services.creer_pdf(
                u,
                ehpad,
                par=nurse,
                type_code=rng.choice(["80788-3", "34842-5"]),
                titre=rng.choice(
                    ["Projet personnalisé d'accompagnement 2026", "Grille AGGIR — réévaluation"]
                ),
                pdf=PDF_DEMO,
                date_acte=aujourdhui - timedelta(days=rng.randint(0, 90)),
            )
            if i < 2:
                services.valider(pdf, par=nurse)
    if residents:
        services.enregistrer_choix(
            residents[-1], ChoixUsager.Objet.OPPOSITION_ALIMENTATION, par=nurse, exprime_par="L'usager"
        )
    ctx.notes.append(f"Documents : {len(residents)} DLU à l'{ehpad.nom} (compte « {COMPTE} », infirmière).")
    _alimenter_dmp(ehpad, nurse, residents, ctx)


def _alimenter_dmp(ehpad, nurse, residents, ctx) -> None:
    """The first validated DLU goes to the local DMP stand-in (the OG's DMP certificates from the cockpit), and
    its resident's consent to consultation is recorded: « Consulter le DMP » shows it. Skipped, with a note,
    when the OG has no DMP certificates or a real DMP is configured."""
    from django.conf import settings

    from socle.connecteurs.dmp.interface import DmpErreur

    from . import envoi_dmp

    doc = Document.objects.filter(etablissement=ehpad, format="DLU", statut="valide").order_by("pk").first()
    if doc is None or getattr(settings, "SOCLE_DMP_URL", ""):
        return
    if services.demander_envoi(doc, nurse):
        ctx.notes.append("DMP : aucun envoi de démonstration (certificats DMP de l'organisme absents).")
        return
    try:
        envoi = envoi_dmp.traiter(envoi_dmp.programmer_envoi(doc, nurse).pk)
    except DmpErreur as exc:
        ctx.notes.append(f"DMP : envoi de démonstration impossible ({exc}).")
        return
    services.enregistrer_choix(doc.usager, ChoixUsager.Objet.CONSENTEMENT_CONSULTATION, par=nurse,
                               exprime_par="L'usager")
    ctx.notes.append(f"DMP : le DLU de {doc.usager.nom_naissance} est {envoi.get_etat_display().lower()} "
                     "(bouchon DMP local) ; son consentement à la consultation est enregistré.")
