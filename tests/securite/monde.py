"""The attack suite's world and tools (tests/securite/test_attaques.py).

Two organisations, A and B, each with two ESMS and a grappe of its own, and every kind of object that has a URL
(usagers with an INS, staff, a certificate with its encrypted password, cards, proofs, homologation, imports,
INSi batches and anomalies, duplicates, a merge, journal lines…). Every free-text field of every row is then
overwritten in the database with a *marker* that names its side and field (``XQB017QX``: side B, field 17 of
`CHAMPS`) followed by XSS payloads, and on the first row of each table preceded by a spreadsheet formula
(``=HYPERLINK(…)``). A page shown to A's people that contains a B marker is a leak; a raw payload in HTML is a
stored XSS; a marked export cell starting with a formula trigger is a formula injection.

`Sonde.essayer` plays one request inside a transaction rolled back afterwards (the world never changes between
requests), watches the SQL it writes, and judges the answer: allowed statuses, no marker of the other side in
the body, headers or new journal lines, no raw payload in HTML, no formula in exports, no change to the other
side's rows (compared with a snapshot taken once).
"""

from __future__ import annotations

import base64
import csv
import html
import inspect
import io
import re
import shutil
import traceback
import warnings
import zipfile
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

# ------------------------------------------------------------------------------------------------ payloads

FORMULE = 'HYPERLINK("http://x","y")'
SCRIPT = '<script>alert("x")</script>'
IMG = '"><img src=x onerror=alert(1)>'
AMORCES = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet run a cell as a formula
# A payload that reached HTML unescaped (searched case-insensitively: names are shown uppercased).
XSS_BRUTS = (re.compile(r"<script>alert", re.I), re.compile(r"<img src=x onerror=alert", re.I))
CHARGES = ("script", "img", "formule")


def marqueur(cote: str, numero: int) -> str:
    return f"XQ{cote}{numero:03d}QX"


def motif_marqueurs(cote: str) -> re.Pattern:
    return re.compile(rf"XQ{cote}(\d{{3}})QX")


def charge(marque: str, numero: int, premiere_ligne: bool, longueur_max: int | None) -> str:
    """The planted value: formula trigger + formula (first row of a table only), marker, then the XSS payloads,
    cut to the column's length (the marker always fits)."""
    valeur = marque + SCRIPT + IMG
    if premiere_ligne:
        valeur = AMORCES[numero % len(AMORCES)] + FORMULE + valeur
    if longueur_max and len(valeur) > longueur_max:
        valeur = (marque + SCRIPT + IMG)[:longueur_max]
    return valeur


def charges_de(valeur: str) -> set[str]:
    out = set()
    if SCRIPT in valeur:
        out.add("script")
    if IMG in valeur:
        out.add("img")
    if valeur.startswith(AMORCES):
        out.add("formule")
    return out


# ------------------------------------------------------------------------------------------------ routes

NAMESPACES_EXCLUS = {"admin"}  # Django's admin site: not Socle's screens (superusers only)
# The sign-in page: tried by the CSRF test only. The FHIR API: closed by a token per ESMS, not by a session, so
# the personas cannot open it; attacked in tests/usagers/test_echanges.py (no, expired or revoked token: 401;
# another ESMS's usager: 404).
ROUTES_EXCLUES = {"comptes:login", "api_fhir:patients", "api_fhir:patient"}
# Reachable without an account (LoginRequiredMiddleware exemptions): anything else must send to the login page.
ROUTES_PUBLIQUES = {"web:sante", "comptes:activer", "comptes:second_facteur", "psc:connexion", "psc:retour",
                    "psc:situation"}


@dataclass(frozen=True)
class Route:
    nom: str
    motif: str
    params: tuple[str, ...]
    vue: object

    @property
    def source(self) -> str:
        """The view's source (the class for a class-based view), to see which request data it reads."""
        cible = getattr(self.vue, "view_class", None) or inspect.unwrap(self.vue)
        try:
            return inspect.getsource(cible)
        except (OSError, TypeError):
            return ""

    @property
    def traite_post(self) -> bool:
        s = self.source
        return "request.POST" in s or 'request.method == "POST"' in s or "require_POST" in s or "def post(" in s

    @property
    def htmx(self) -> bool:
        return "request.htmx" in self.source

    def url(self, valeurs: dict) -> str:
        if ":" in self.nom:
            return reverse(self.nom, kwargs=valeurs)
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(valeurs[m.group(1)]), self.motif)


def toutes_les_routes() -> list[Route]:
    out: list[Route] = []

    def parcourir(resolver, prefixe: str, ns: str) -> None:
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                if p.namespace in NAMESPACES_EXCLUS:
                    continue
                parcourir(p, prefixe + str(p.pattern), ":".join(x for x in (ns, p.namespace or "") if x))
                continue
            motif = prefixe + str(p.pattern)
            if motif.startswith((settings.STATIC_URL.lstrip("/"), "media/")):
                continue
            nom = f"{ns}:{p.name}" if ns and p.name else (p.name or motif)
            if nom in ROUTES_EXCLUES:
                continue
            out.append(Route(nom, motif, tuple(re.findall(r"<(?:\w+:)?(\w+)>", motif)), p.callback))

    parcourir(get_resolver(), "", "")
    return sorted(out, key=lambda r: r.nom)


# Which object of the attacked side fills each path parameter (keys of Cote.valeurs). A new URL with
# parameters needs its line here: the suite fails until it has one.
PARAMETRES: dict[str, dict[str, str]] = {
    "comptes:equipe_og": {"finess": "og"},
    "comptes:ajouter_habilitation": {"finess": "og", "user_id": "utilisateur"},
    "comptes:cloturer_habilitation": {"pk": "habilitation"},
    "comptes:renvoyer_activation": {"finess": "og", "user_id": "utilisateur"},
    "comptes:reinitialiser_second_facteur": {"finess": "og", "user_id": "utilisateur"},
    "comptes:desactiver_compte": {"finess": "og", "user_id": "utilisateur"},
    # the link's token is the credential itself: the suite holds a forged one (a valid link lets its holder
    # choose the password, by design)
    "comptes:activer": {"uidb64": "uid_utilisateur", "token": "jeton_faux"},
    "organisations:og_detail": {"finess": "og"},
    "organisations:et_detail": {"finess": "et"},
    "organisations:grappe_detail": {"pk": "grappe"},
    "organisations:import_finess_detail": {"pk": "import_finess"},
    "personnel:tableau_grappe": {"pk": "grappe"},
    "personnel:export_grappe": {"pk": "grappe"},
    "personnel:esms": {"finess": "et"},
    "personnel:nouveau": {"finess": "et"},
    "personnel:fiche": {"pk": "professionnel"},
    "personnel:modifier": {"pk": "professionnel"},
    "personnel:modifier_situation": {"pk": "situation"},
    "personnel:organisme": {"finess": "og"},
    "personnel:import_upload": {"finess": "og"},
    "personnel:import_detail": {"pk": "import_personnel"},
    "personnel:import_problemes_xlsx": {"pk": "import_personnel"},
    "personnel:import_colonnes": {"pk": "import_personnel"},
    "personnel:import_valider": {"pk": "import_personnel"},
    "personnel:export": {"finess": "og"},
    "personnel:export_zip": {"finess": "og"},
    "personnel:gabarit": {"finess": "og"},
    "personnel:metiers": {"finess": "og"},
    "personnel:regles": {"finess": "og"},
    "personnel:annuaire": {"finess": "og"},
    "personnel:annuaire_csv": {"pk": "rapprochement"},
    "personnel:decider": {"pk": "resultat"},
    "personnel:retour_portail": {"finess": "og"},
    "usagers:fiche": {"pk": "usager"},
    "documents:dmp": {"pk": "usager"},
    "documents:dmp_consentement": {"pk": "usager"},
    "documents:dmp_ouvrir": {"pk": "usager"},
    "usagers:qualifier": {"pk": "usager2"},  # a provisional identity: its traits may still change
    "usagers:accepter": {"pk": "usager", "appel_pk": "appel"},
    "usagers:rejeter": {"pk": "usager", "appel_pk": "appel"},
    "usagers:attributs": {"pk": "usager"},
    "usagers:verifier": {"pk": "usager"},
    "usagers:sejour_ajouter": {"pk": "usager"},
    "usagers:sejour_sortie": {"pk": "usager", "sejour_pk": "sejour"},
    "usagers:lot": {"pk": "lot"},
    "usagers:lot_reprendre": {"pk": "lot"},
    "usagers:anomalie_resoudre": {"pk": "anomalie"},
    "usagers:doublons_og": {"finess": "og"},
    "usagers:fusion_annuler": {"pk": "fusion"},
    "usagers:echanges_esms": {"finess": "et"},
    "usagers:echanges_parametres": {"finess": "et"},
    "usagers:echanges_export": {"finess": "et"},
    "usagers:echanges_jeton": {"finess": "et"},
    "usagers:echanges_revoquer": {"finess": "et", "pk": "jeton_api"},
    "usagers:echanges_import": {"pk": "echange_dui"},
    "usagers:echanges_valider": {"pk": "echange_dui"},
    "documents:usager": {"pk": "usager"},
    "documents:deposer": {"pk": "usager"},
    "documents:dlu_nouveau": {"pk": "usager"},
    "documents:choix": {"pk": "usager"},
    "documents:choix_retirer": {"pk": "choix"},
    "documents:document": {"pk": "document"},
    "documents:dlu_modifier": {"pk": "document"},
    "documents:valider": {"pk": "document"},
    "documents:envoyer": {"pk": "document_pdf"},
    "documents:masquer": {"pk": "document_pdf"},
    "documents:remplacer": {"pk": "document_pdf"},
    "documents:supprimer": {"pk": "document"},
    "documents:brouillon": {"pk": "document_pdf"},
    "documents:cda": {"pk": "document"},
    "documents:pdf": {"pk": "document_pdf"},
    "prerequis:og": {"finess": "og"},
    "prerequis:etape": {"finess": "og", "etape_id": "etape_og"},
    "prerequis:etape_esms": {"finess": "og", "esms": "et", "etape_id": "etape_esms"},
    "prerequis:cartes": {"finess": "og"},
    "prerequis:dui": {"finess": "og"},
    "prerequis:certificats": {"finess": "og"},
    "prerequis:homologation": {"finess": "og"},
    "prerequis:homologation_pv": {"finess": "og"},
    "prerequis:mot_de_passe": {"pk": "certificat"},
    "prerequis:preuve": {"pk": "preuve"},
    "prerequis:grappe": {"pk": "grappe"},
    "pilotage:grappe": {"pk": "grappe"},
    "pilotage:etablissement": {"finess": "et"},
}

AUJOURDHUI = date.today().isoformat()


def _fichier(nom: str, contenu: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(nom, contenu)


def _traits() -> dict:
    return {"nom_naissance": "ATTAQUE", "prenoms_naissance": "EVE", "date_naissance": "1980-01-01", "sexe": "F",
            "lieu_naissance": "69123"}


def _professionnel() -> dict:
    return {"civilite": "MME", "nom_naissance": "ATTAQUE", "nom_usage": "ATTAQUE", "prenoms_texte": "Eve",
            "prenom_usuel": "Eve", "sexe": "F", "date_naissance": "1980-01-01", "commune_naissance": "69123"}


def _compte(v: dict) -> dict:
    return {"prenom": "Eve", "nom": "ATTAQUE", "email": "eve@attaque.invalid", "username": "eve-attaque",
            "fonction": "representant_legal", "etablissement": v["et_pk"]}


def _homologation(v: dict) -> dict:
    from socle.prerequis.homologation import ITEMS

    return {"date_commission": AUJOURDHUI, "membres": "ATTAQUE", "decision": "refus", "duree_mois": "1",
            "reserves": "ATTAQUE", "rgpd_finalite": "ATTAQUE", "rgpd_base_legale": "ATTAQUE",
            "rgpd_categories": "ATTAQUE", "rgpd_destinataires": "ATTAQUE", "rgpd_duree": "1 an",
            "rgpd_date_inscription": AUJOURDHUI, **{f"ok_{c}": "on" for c in ITEMS}}


def _annuaire(v: dict) -> dict:
    """A one-line extract of the Annuaire Santé (the public file's header) naming the side's first professional."""
    from socle.personnel.annuaire import engine

    valeurs = dict.fromkeys(engine.C.COLONNES, "")
    valeurs.update(zip(engine.C.REQUISES, ("8", v["rpps_candidat"], "ATTAQUE", "Eve", "10", v["et"], v["og"],
                                           "GENR01"), strict=True))
    texte = "|".join(engine.C.COLONNES) + "|\n" + "|".join(valeurs.values()) + "|\n"
    return {"fichier": _fichier("annuaire.txt", texte.encode())}


def _retour_portail(v: dict) -> dict:
    """The portal's return giving an RPPS number to the side's first professional (read as planted)."""
    from socle.personnel.models import Professionnel

    p = Professionnel.objects.get(pk=v["professionnel"])
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerows([["nom", "prenom", "date_naissance", "rpps"],
                 [p.nom_naissance, p.prenoms[0], p.date_naissance.strftime("%d/%m/%Y"), v["rpps_candidat"]]])
    return {"fichier": _fichier("retour.csv", buf.getvalue().encode())}


def _metiers(v: dict) -> dict:
    return {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000", "form-0-metier": "ATTAQUE", "form-0-role": "328",
            "form-0-genre_activite": "GENR10", "form-0-concerne": "on"}


def _colonnes(v: dict) -> dict:
    from socle.personnel.importer import COLONNES_GABARIT

    return {"nom": "ATTAQUE", "format_date": "%d/%m/%Y", **{c: c for c in COLONNES_GABARIT}}


# A plausible body for every view that reads POST data (the fields its form expects, with the attacked side's
# objects where it names one). The suite fails for a view that reads POST and has no line here.
CORPS: dict[str, object] = {
    "comptes:logout": lambda v: {},
    "comptes:equipe": _compte,
    "comptes:equipe_og": _compte,
    "comptes:ajouter_habilitation": lambda v: {"fonction": "admin_technique", "etablissement": v["et_pk"]},
    "comptes:cloturer_habilitation": lambda v: {},
    "comptes:renvoyer_activation": lambda v: {},
    "comptes:reinitialiser_second_facteur": lambda v: {},
    "comptes:second_facteur": lambda v: {"code": "000000"},
    "comptes:activer_second_facteur": lambda v: {"code": "000000"},
    "comptes:codes_secours": lambda v: {},
    "psc:situation": lambda v: {"situation": "1"},
    "comptes:desactiver_compte": lambda v: {},
    "comptes:mot_de_passe": lambda v: {"old_password": "pas-le-bon", "new_password1": "Attaque-mot-de-passe-1",
                                       "new_password2": "Attaque-mot-de-passe-1"},
    "comptes:activer": lambda v: {"new_password1": "Attaque-mot-de-passe-1", "new_password2": "Attaque-mot-de-passe-1"},
    "organisations:import_finess": lambda v: {"fichier": _fichier("structures.csv", v["finess_csv"]),
                                              "ignorer_rejets": "on"},
    "personnel:nouveau": lambda v: {**_professionnel(), "metier": "Aide-soignante",
                                    "date_prise_fonction": AUJOURDHUI},
    "personnel:modifier": lambda v: _professionnel(),
    "personnel:modifier_situation": lambda v: {
        "metier": "Aide-soignante", "role": v["situation_role"], "genre_activite": v["situation_genre"],
        "mode_exercice": "S", "categorie_professionnelle": "C", "nom_exercice": "ATTAQUE", "prenom_exercice": "Eve",
        "date_prise_fonction": "2020-09-01", "date_fin": AUJOURDHUI, "motif_forcage": "ATTAQUE"},
    "personnel:organisme": lambda v: {"mode": "decentralise"},
    "personnel:import_upload": lambda v: {"fichier": _fichier("personnel.csv", v["personnel_csv"])},
    "personnel:import_colonnes": _colonnes,
    "personnel:import_valider": lambda v: {},
    "personnel:gabarit": lambda v: {"defaut": "1"},
    "personnel:metiers": _metiers,
    "personnel:regles": lambda v: {"critere_dui": "on", "genres_acces_dui": ["GENR08"], "critere_mssante": "on",
                                   "professions_texte": "ATTAQUE"},
    "personnel:annuaire": _annuaire,
    "personnel:decider": lambda v: {"decision": "confirmer", "rpps": v["rpps_candidat"]},
    "personnel:retour_portail": _retour_portail,
    "usagers:nouveau": lambda v: {**_traits(), "etablissement": v["et_pk"], "date_admission": AUJOURDHUI,
                                  "confirmer": "1"},
    "usagers:nouveau_carte": lambda v: {"etablissement": v["et_pk"], "carte": "CV:297022A02077878"},
    "usagers:qualifier": lambda v: {**_traits(), "nom_utilise": "ATTAQUE", "action": "enregistrer",
                                    "type_justificatif": "CN", "pays_cni": "FR", "controle_fait": "on"},
    "usagers:accepter": lambda v: {},
    "documents:dmp_consentement": lambda v: {"exprime_par": "ATTAQUE", "esms": v["et_pk"]},
    "usagers:rejeter": lambda v: {"motif": "ATTAQUE"},
    "usagers:attributs": lambda v: {"homonyme": "on", "motif": "ATTAQUE"},
    "usagers:verifier": lambda v: {},
    "usagers:sejour_ajouter": lambda v: {"etablissement": v["et2_pk"], "date_admission": AUJOURDHUI},
    "usagers:sejour_sortie": lambda v: {"date_sortie": AUJOURDHUI, "confirmer": "1"},
    "usagers:lots": lambda v: {"etablissement": v["et_pk"], "debit": "50", "limite": "2", "rappeler": "on"},
    "usagers:lot_reprendre": lambda v: {},
    "usagers:anomalie_resoudre": lambda v: {"resolution": "ATTAQUE"},
    "usagers:distincts": lambda v: {"a": v["usager2"], "b": v["usager3"], "motif": "ATTAQUE"},
    "usagers:fusion": lambda v: {"source": v["usager3"], "cible": v["usager2"], "motif": "ATTAQUE", "score": "0.9"},
    "usagers:fusion_annuler": lambda v: {"motif": "ATTAQUE"},
    "usagers:echanges_esms": lambda v: {"fichier": _fichier("dui.csv", v["dui_csv"]), "format": "csv"},
    "usagers:echanges_parametres": lambda v: {"format_date": "%d/%m/%Y", "encodage": "utf-8", "separateur": ";",
                                              "domaine_ipp": "ATTAQUE", "oid_ipp": "1.2.3", "col_ipp": "ATTAQUE"},
    "usagers:echanges_export": lambda v: {"export-format": "csv"},
    "usagers:echanges_jeton": lambda v: {"jeton-nom": "ATTAQUE"},
    "usagers:echanges_revoquer": lambda v: {},
    "usagers:echanges_valider": lambda v: {},
    "documents:deposer": lambda v: {"etablissement": v["et_pk"], "type_code": "80788-3", "titre": "ATTAQUE",
                                    "date_acte": AUJOURDHUI, "confidentialite": "N",
                                    "fichier": _fichier("attaque.pdf", b"%PDF-1.4 attaque\n%%EOF\n")},
    "documents:dlu_nouveau": lambda v: {"etablissement": v["et_pk"], "date_acte": AUJOURDHUI, "medecin_nom": "ATTAQUE",
                                        "etablissement_prefere": "ATTAQUE", "traitements": "ATTAQUE"},
    "documents:dlu_modifier": lambda v: {"date_acte": AUJOURDHUI, "medecin_nom": "ATTAQUE",
                                         "etablissement_prefere": "ATTAQUE"},
    "documents:choix": lambda v: {"objet": "opp_alim", "exprime_par": "ATTAQUE", "document": v["document"]},
    "documents:choix_retirer": lambda v: {},
    "documents:matrice": lambda v: {"libelle": "ATTAQUE", "officielle": "on",
                                    "fichier": _fichier("matrice.csv", b"type_code;role;genre_activite;lecture\n"
                                                        b"74207-2;*;*;oui\n")},
    "documents:valider": lambda v: {},
    "documents:envoyer": lambda v: {},
    "documents:masquer": lambda v: {"codes": ["MASQUE_PS"]},
    "documents:remplacer": lambda v: {"fichier": _fichier("attaque.pdf", b"%PDF-1.4 attaque\n%%EOF\n")},
    "documents:supprimer": lambda v: {"motif": "ATTAQUE"},
    "documents:brouillon": lambda v: {"motif": "ATTAQUE"},
    "prerequis:etape": lambda v: {"statut": "fait", "date_fait": AUJOURDHUI, "commentaire": "ATTAQUE",
                                  "preuve": _fichier("preuve.pdf", b"%PDF-1.4 attaque")},
    "prerequis:etape_esms": lambda v: {"statut": "fait", "date_fait": AUJOURDHUI, "commentaire": "ATTAQUE",
                                       "preuve": _fichier("preuve.pdf", b"%PDF-1.4 attaque")},
    "prerequis:cartes": lambda v: {"carte-type": "CPS", "carte-titulaire_nom": "ATTAQUE",
                                   "carte-etablissement": v["et_pk"], "carte-date_commande": AUJOURDHUI},
    "prerequis:certificats": lambda v: {"fichier": _fichier("attaque.p12", v["p12_libre"]),
                                        "mot_de_passe": v["p12_libre_mdp"], "libelle": "ATTAQUE",
                                        "email_service": "eve@attaque.invalid"},
    "prerequis:homologation": _homologation,
    "prerequis:dui": lambda v: {"esms": v["et"], f"{v['et']}-produit": "ATTAQUE", f"{v['et']}-editeur": "ATTAQUE",
                                f"{v['et']}-insi_certificat": "on"},
    "prerequis:mot_de_passe": lambda v: {},
    "prerequis:calendrier": lambda v: {"jalon": v["jalon"], "date_cible": "2031-01-01"},
}


# Objects a body names besides the one of the URL: in a mixed attack they come from the other side (merge my
# usager with theirs, admit mine in their ESMS, give their ESMS to my card or my colleague…).
CLES_MIXTES = ("usager3", "et_pk", "et2_pk", "jalon", "utilisateur")


def valeurs_mixtes(miennes: dict, autres: dict) -> dict:
    return {**miennes, **{k: autres[k] for k in CLES_MIXTES}}


def corps_generique(v: dict) -> dict:
    """For views that do not read POST: the names forms use most, pointing at the attacked side's objects."""
    return {"etablissement": v["et_pk"], "organisme": v["og_pk"], "grappe": v["grappe"], "usager": v["usager"],
            "motif": "ATTAQUE"}


# GET parameters read by the views, filled with the attacked side's identifiers (the search term is the start
# of a marker: a matching row would show the whole marker, the echoed term alone is not one).
def requete_hostile(v: dict) -> dict:
    return {"q": v["prefixe_nom"], "etablissement": v["et"], "grappe": v["grappe"], "og": v["og"],
            "categorie": "500", "filtre": "retard", "statut": "PROV", "type": "ecart", "qui": v["identifiant"],
            "objet": v["prefixe_nom"], "action": "lecture", "du": "2000-01-01", "au": "2100-12-31", "page": "1",
            "next": "https://attaquant.invalid/", "esms": v["et"], "uid": v["prefixe_nom"], "pdf": "1",
            "tri": "-ins", "format": "xlsx",  # the export of a list or dashboard, with the other side's data
            "_lastUpdated": "gt2000-01-01", "_count": "5", "_page": "1"}  # the DUIs' FHIR API


CLES_REQUETE = {"q", "etablissement", "grappe", "og", "categorie", "filtre", "statut", "type", "qui", "objet",
                "action", "du", "au", "page", "next", "tri", "format", "lieu_naissance", "esms", "uid", "pdf",
                "_lastUpdated", "_count", "_page"}


def cles_get_du_produit() -> set[str]:
    """Every `request.GET` key the product's source names."""
    racine = Path(apps.get_app_config("web").path).parent
    cles: set[str] = set()
    for f in racine.rglob("*.py"):
        texte = f.read_text(encoding="utf-8")
        cles |= set(re.findall(r"request\.GET(?:\.get)?[\[(]\s*[\"'](\w+)[\"']", texte))
    return cles


# ------------------------------------------------------------------------------------------------ ownership


def _modeles_socle() -> list[type[models.Model]]:
    return sorted((m for m in apps.get_models() if m.__module__.startswith("socle.")), key=lambda m: m._meta.label)


def chemins_vers_organisme(modele, profondeur: int = 3, vus: tuple = ()) -> list[str]:
    """ORM lookups from `modele` to the OrganismeGestionnaire its rows belong to ("" = the OG itself)."""
    from socle.comptes.models import Utilisateur
    from socle.organisations.models import Grappe, OrganismeGestionnaire

    if modele is OrganismeGestionnaire:
        return [""]
    if modele is Grappe:
        return ["membres"]
    if modele is Utilisateur:
        return ["habilitations__organisme", "habilitations__etablissement__organisme",
                "habilitations__grappe__membres"]
    out: list[str] = []
    for f in modele._meta.get_fields():
        if not (f.is_relation and f.concrete and f.related_model) or f.related_model is modele:
            continue
        cible = f.related_model
        if cible is OrganismeGestionnaire:
            out.append(f.name)
        elif cible in (Grappe, Utilisateur):
            out += [f"{f.name}__{c}" for c in chemins_vers_organisme(cible)]
        elif profondeur > 1 and cible not in vus and cible.__module__.startswith("socle."):
            out += [f"{f.name}__{c}" for c in chemins_vers_organisme(cible, profondeur - 1, (*vus, modele))]
    return out


def lignes_de(modele, og) -> models.QuerySet:
    q = models.Q(pk__in=[])
    for c in chemins_vers_organisme(modele):
        q |= models.Q(pk=og.pk) if c == "" else models.Q(**{c: og})
    return modele._default_manager.filter(q).distinct()


def instantane(og) -> dict[str, list]:
    """Every row that belongs to `og`, field by field."""
    out = {}
    for m in _modeles_socle():
        if not chemins_vers_organisme(m):
            continue
        noms = [f.attname for f in m._meta.concrete_fields]
        out[m._meta.label] = [tuple(bytes(x) if isinstance(x, memoryview) else x for x in ligne)
                              for ligne in lignes_de(m, og).order_by("pk").values_list(*noms)]
    return out


def differences(avant: dict, apres: dict) -> list[str]:
    out = []
    for label in sorted(set(avant) | set(apres)):
        a, b = avant.get(label, []), apres.get(label, [])
        if a != b:
            pa, pb = {r[0]: r for r in a}, {r[0]: r for r in b}
            crees = sorted(set(pb) - set(pa))
            effaces = sorted(set(pa) - set(pb))
            modifies = sorted(k for k in set(pa) & set(pb) if pa[k] != pb[k])
            out.append(f"{label} créés {crees} supprimés {effaces} modifiés {modifies}")
    return out


# ------------------------------------------------------------------------------------------------ fields planted

# Codes, identifiers and values the product computes with: not free text. Every other CharField/TextField of
# Socle's models is planted (a new free-text field is planted without a change here).
NON_PLANTES = {
    "comptes.Utilisateur": {"password", "username", "email", "telephone"},
    "audit.EvenementAudit": "*",  # append-only: its lines are written with markers by tracer() instead
    "organisations.OrganismeGestionnaire": {"finess", "statut_juridique", "siren", "code_postal", "code_commune",
                                            "telephone", "pm_smsse_id"},
    "organisations.Etablissement": {"finess", "categorie_code", "siret", "code_postal", "code_commune",
                                    "departement", "telephone", "mode_fixation_tarifaire"},
    "organisations.Grappe": {"identifiant_externe"},
    "personnel.Professionnel": {"commune_naissance", "pays_naissance", "mobile", "rpps", "carte_numero", "cle"},
    "personnel.SituationExercice": {"role_propose", "genre_propose", "profession"},
    "personnel.MetierRole": {"cle"},
    "personnel.MappingColonnes": {"format_date"},
    "personnel.ResultatRapprochement": {"rpps", "finess_site"},
    "usagers.Usager": {"lieu_naissance", "matricule_ins", "cle_ins", "oid_ins", "reference_externe",
                       "date_naissance"},  # a DateLunaireField (AAAA-MM-JJ text), not free text
    "usagers.AppelInsi": {"cr", "decision", "tentative"},
    "usagers.Justificatif": {"pays", "tentative"},
    # the DUI's claims (a status code, an INS with its key and OID) and the token's digest are not free text
    "usagers.IdentifiantLocal": {"statut_declare", "ins_declare", "oid_declare"},
    "usagers.JetonApi": {"empreinte", "prefixe"},
    "usagers.EchangeDui": {"format"},
    "usagers.ParametresDui": {"format_date"},
    "prerequis.EtatEtape": {"etape"},
    "prerequis.Jalon": {"code"},
    "prerequis.Certificat": {"format", "cn", "numero_serie", "usage", "mot_de_passe_chiffre"},
    "prerequis.RappelEnvoye": "*",
    "documents.Document": {"type_code", "type_systeme", "auteur_rpps", "auteur_role", "auteur_genre"},
    "documents.RegleAcces": "*",
}


def champs_plantes() -> list[tuple[str, str, int | None]]:
    """(model label, field name, max length) of every free-text field, in a fixed order: the marker number is
    the index in this list."""
    out = []
    for m in _modeles_socle():
        exclus = NON_PLANTES.get(m._meta.label, set())
        if exclus == "*":
            continue
        for f in m._meta.concrete_fields:
            if (isinstance(f, models.CharField | models.TextField) and not f.choices and f.name not in exclus
                    and not isinstance(f, models.EmailField | models.SlugField | models.URLField)):
                out.append((m._meta.label, f.name, f.max_length))
    return out


# Strings planted in JSON fields and files (shown by some screens), numbered after the model fields.
CHAMPS_LIBRES = ["usagers.AppelInsi.reponse", "usagers.AnomalieIns.ecarts", "personnel.Professionnel.prenoms",
                 "personnel.ImportPersonnel.fichier", "personnel.ResultatRapprochement.candidats",
                 "prerequis.Homologation.checklist", "organisations.ImportFiness.fichier",
                 "audit.EvenementAudit.objet_libelle", "prerequis.Certificat.mot_de_passe"]


# ------------------------------------------------------------------------------------------------ the world


@dataclass
class Persona:
    nom: str
    cote: str | None  # "A", "B" or None (anonymous)
    user: object
    client: Client
    session: str = ""


@dataclass
class Cote:
    lettre: str
    og: object = None
    et1: object = None
    et2: object = None
    grappe: object = None
    acteur: object = None  # every function on the OG and chef de projet of its grappe
    valeurs: dict = field(default_factory=dict)
    exacts: list[str] = field(default_factory=list)  # INS, RPPS, certificate password: personal data verbatim
    motif: re.Pattern | None = None
    base: dict = field(default_factory=dict)
    dernier_evenement: int = 0

    @property
    def autre(self) -> str:
        return "B" if self.lettre == "A" else "A"


class Monde:
    def __init__(self):
        self.cotes: dict[str, Cote] = {}
        self.personas: dict[str, Persona] = {}
        self.champs = champs_plantes()
        self.noms_champs = [f"{m}.{f}" for m, f, _ in self.champs] + CHAMPS_LIBRES
        self.plantes: dict[str, set[str]] = {}  # field name -> payload kinds planted
        self.dernier_evenement = 0
        self.media: Path | None = None
        self.media_intact: Path | None = None

    def restaurer_medias(self) -> None:
        """Put back any uploaded file of the world that a request deleted or changed."""
        if self.media_intact is None:
            return
        for f in self.media_intact.rglob("*"):
            cible = self.media / f.relative_to(self.media_intact)
            if f.is_file() and (not cible.exists() or cible.stat().st_size != f.stat().st_size):
                cible.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(f, cible)

    def numero(self, nom_champ: str) -> int:
        return self.noms_champs.index(nom_champ)

    def libre(self, cote: str, nom_champ: str) -> str:
        """Marker + payloads for a JSON value or a file cell."""
        n = self.numero(nom_champ)
        v = charge(marqueur(cote, n), n, True, None)
        self.plantes.setdefault(nom_champ, set()).update(charges_de(v))
        return v

    def champ_du_marqueur(self, numero: int) -> str:
        return self.noms_champs[numero] if numero < len(self.noms_champs) else f"n°{numero}"


def _finess(n: int) -> str:
    from socle.core.identifiants import avec_cle_luhn

    return avec_cle_luhn(f"{n:08d}")


def _csv_finess(et, og, nom: str) -> bytes:
    """A one-line CSV etalab extract that renames an ESMS (what a FINESS import by the attacker would try)."""
    ligne = [
        "structureet", et.finess, og.finess, nom, nom, "", "", "1", "R", "DE LA GARE", "", "", "123", "69", "RHONE",
        "69001 LYON", "0400000000", "", "500", "Etablissement d'hébergement pour personnes âgées dépendantes", "4401",
        "Etablissements et Services pour Personnes Agées", "", "8710A", "45", "ARS / PCD", "99", "Non concerné",
        "2000-01-01", "2000-01-01", "2020-01-01", ""]
    return ("finess;etalab;95;2026-03-09\n" + ";".join(ligne) + "\n").encode("utf-8")


def construire(media_root) -> Monde:
    """Build the world (in the caller's transaction): data through the product's services, then markers and
    payloads written straight into the database, then journal lines, personas' sessions and the snapshots."""
    from socle.comptes.models import Fonction, Habilitation
    from socle.connecteurs.commun.pki import AutoriteTest, en_p12
    from socle.documents import services as documents
    from socle.organisations.models import Etablissement, Grappe, OrganismeGestionnaire
    from socle.organisations.tasks import lancer_import
    from socle.personnel import export as exp
    from socle.personnel import rules as prules
    from socle.personnel.models import (
        ImportPersonnel,
        MappingColonnes,
        OrganisationRpps,
        RapprochementAnnuaire,
        ResultatRapprochement,
    )
    from socle.personnel.tasks import executer_import
    from socle.prerequis import services as prerequis
    from socle.prerequis.homologation import ITEMS
    from socle.prerequis.models import Carte, Dui, Homologation, Jalon, Lecteur, Mandataire
    from socle.usagers import services as usagers
    from socle.usagers.models import (
        AnomalieIns,
        AppelInsi,
        Justificatif,
        LigneLot,
        LotQualification,
        PaireDistincte,
    )
    from tests.comptes.factories import UtilisateurFactory
    from tests.personnel.factories import (
        ProfessionnelFactory,
        SituationFactory,
        csv_gabarit,
        ligne_valide,
        rpps_valide,
    )
    from tests.usagers.factories import matricule_pour

    monde = Monde()
    ca = AutoriteTest.creer("AC ATTAQUES", "SOCLE TESTS")
    Jalon.assurer_defauts()
    maintenant = timezone.now()

    for i, lettre in enumerate("AB"):
        c = Cote(lettre)
        monde.cotes[lettre] = c
        base = 60000000 + 1000 * i
        og = OrganismeGestionnaire.objects.create(finess=_finess(base), raison_sociale=f"OG {lettre}",
                                                  commune="LYON")
        et1 = Etablissement.objects.create(finess=_finess(base + 1), organisme=og, nom=f"EHPAD {lettre}1",
                                           categorie_code="500", commune="LYON", code_commune="69123",
                                           departement="69")
        et2 = Etablissement.objects.create(finess=_finess(base + 2), organisme=og, nom=f"IME {lettre}2",
                                           categorie_code="183", commune="LYON", code_commune="69123",
                                           departement="69")
        grappe = Grappe.objects.create(nom=f"Grappe {lettre}", porteur=og)
        grappe.membres.add(og)
        c.og, c.et1, c.et2, c.grappe = og, et1, et2, grappe
        # the side's complete actor: every function on the OG, chef de projet of its grappe
        acteur = UtilisateurFactory(username=f"tout-{lettre.lower()}")
        for f in Fonction.values:
            Habilitation.objects.create(utilisateur=acteur, fonction=f, organisme=og)
        Habilitation.objects.create(utilisateur=acteur, fonction=Fonction.CHEF_PROJET, grappe=grappe)
        c.acteur = acteur
        collegue = UtilisateurFactory(username=f"collegue-{lettre.lower()}")
        hab_collegue = Habilitation.objects.create(utilisateur=collegue, fonction=Fonction.PROFESSIONNEL,
                                                   etablissement=et1)

        # --- usagers: an INS-qualified one, a duplicate pair, a merge
        def usager(nom, prenom, naissance, et=et1, og=og, acteur=acteur):
            return usagers.creer_usager(og, et, {"nom_naissance": nom, "prenoms_naissance": prenom,
                                                 "date_naissance": naissance, "sexe": "F", "lieu_naissance": "69123"},
                                        user=acteur, date_admission=date(2024, 1, 15))

        u1 = usager("VITRINE", "ALICE", date(1950, 3, 4))
        u2 = usager("DOUBLON", "BERTHE", date(1951, 5, 6))
        u3 = usager("DOUBLON", "BERTHE", date(1951, 5, 6))
        u4 = usager("GARDEE", "CLARA", date(1952, 7, 8))
        u5 = usager("FUSIONNEE", "CLARA", date(1952, 7, 8))
        fusion = usagers.fusionner(u5, u4, user=acteur, motif="doublon")
        PaireDistincte.objects.create(usager_a=u1, usager_b=u4, par=acteur, le=maintenant, motif="homonymes")
        corps, cle = matricule_pour("F", u1.date_naissance, "69123", 101 + 100 * i)
        type(u1).objects.filter(pk=u1.pk).update(statut="QUAL", matricule_ins=corps, cle_ins=cle,
                                                 oid_ins="1.2.250.1.213.1.4.8", date_appel_insi=maintenant)
        c.exacts.append(corps)
        appel = AppelInsi.objects.create(usager=u1, mode="MANU", le=maintenant, par=acteur, cr="00",
                                         traits_envoyes={"nom_naissance": "VITRINE"}, reponse={})
        Justificatif.objects.create(usager=u1, type="CN", haut_niveau=True, raison="contrôlé",
                                    verifie_par=acteur, verifie_par_nom="x", verifie_le=maintenant)
        lot = LotQualification.objects.create(etablissement=et1, cree_par=acteur, etat="interrompu",
                                              message="interrompu")
        ligne = LigneLot.objects.create(lot=lot, usager=u2, etat="anomalie", message="écart")
        anomalie = AnomalieIns.objects.create(usager=u2, etablissement=et1, ligne=ligne, type="ecart",
                                              detail="écart", creee_le=maintenant)

        # --- documents of the qualified usager: a DLU in brouillon, a validated PDF, an opposition
        doc_dlu = documents.creer_dlu(u1, et1, par=acteur, contenu={"medecin_nom": "x", "traitements": "x",
                                                                    "etablissement_prefere": "x"},
                                      date_acte=date(2026, 1, 5))
        doc_pdf = documents.creer_pdf(u1, et1, par=acteur, type_code="80788-3", titre="PPA",
                                      pdf=b"%PDF-1.4 x\n%%EOF\n", date_acte=date(2026, 1, 6))
        type(doc_pdf).objects.filter(pk=doc_pdf.pk).update(statut="valide", cda="<x/>", rapport={"erreurs": []})
        choix = documents.enregistrer_choix(u1, "opp_alim", par=acteur, exprime_par="usager", document=doc_pdf)
        from socle.documents.models import EnvoiDmp

        EnvoiDmp.objects.create(document=doc_pdf)  # the DMP outbox row of a document asked to be sent

        # --- staff, imports, reconciliation
        prules.preremplir_organisme(og)
        OrganisationRpps.objects.get_or_create(organisme=og)
        p1 = ProfessionnelFactory(organisme=og, nom_naissance=f"AGENT{lettre}", email=f"agent{lettre}@demo.invalid")
        s1 = SituationFactory(professionnel=p1, etablissement=et1, role="", role_propose="", genre_activite="",
                              genre_propose="")
        p2 = ProfessionnelFactory(organisme=og, nom_naissance=f"SOIGNANT{lettre}", rpps=rpps_valide(700 + i))
        SituationFactory(professionnel=p2, etablissement=et2)
        c.exacts.append(p2.rpps)
        p2.compte = collegue  # documents signed with her RPPS
        p2.save(update_fields=["compte"])
        exp.enregistrer_gabarit(og, exp.STRUCTURE_DEFAUT, "Gabarit", acteur)
        MappingColonnes.objects.create(organisme=og, nom="Export RH",  # proposed again for a file with these columns
                                       correspondances={"nom_naissance": "nom_naissance"})
        lignes = [ligne_valide(10 + i, et1.finess)]
        imp = ImportPersonnel.objects.create(organisme=og, nom_fichier="personnel.csv", cree_par=acteur,
                                             fichier=ContentFile(csv_gabarit(lignes), name="personnel.csv"))
        executer_import(imp, False, utilisateur=acteur)
        imp.refresh_from_db()
        # --- DUI exchanges: a simulated import of a one-line export, an API token of the ESMS
        from socle.usagers.echanges.jetons import creer_jeton
        from socle.usagers.echanges.travaux import executer_import as executer_import_dui
        from socle.usagers.models import EchangeDui, IdentifiantLocal, ParametresDui

        dui_csv = (f"ipp;nom_naissance;prenoms_naissance;date_naissance;sexe;lieu_naissance\n"
                   f"DUI{lettre}1;DUIMPORT{lettre};EVE;01/01/1980;F;69123\n").encode()
        echange_dui = EchangeDui.objects.create(etablissement=et1, sens="import", nom_fichier="dui.csv",
                                                format="csv", cree_par=acteur,
                                                fichier=ContentFile(dui_csv, name="dui.csv"))
        executer_import_dui(echange_dui.pk, False, utilisateur=acteur)
        jeton_api, _clair = creer_jeton(et1, f"DUI {lettre}", user=acteur)
        IdentifiantLocal.objects.create(usager=u1, etablissement=et1, ipp=f"IPP{lettre}1", statut_declare="QUAL",
                                        recu_le=timezone.now())
        ParametresDui.objects.create(etablissement=et1, colonnes={"ipp": "Dossier"}, domaine_ipp=f"DUI-{lettre}")
        run = RapprochementAnnuaire.objects.create(organisme=og, nom_fichier="annuaire.zip", cree_par=acteur,
                                                   resume={"trouve": 0, "a_verifier": 1})
        rpps_candidat = rpps_valide(800 + i)
        resultat = ResultatRapprochement.objects.create(
            rapprochement=run, type="a_verifier", professionnel=p1, nom_exercice="x", prenom_exercice="x",
            finess_site=et1.finess, score=0.8, decision="en_attente", candidats=[])

        # --- prerequisites cockpit
        etats = {etape: prerequis.marquer(acteur, og, etape, "fait", date_fait=date.today(), commentaire="x",
                                          preuve=SimpleUploadedFile(f"{etape}.pdf", b"%PDF-1.4 preuve"))
                 for etape in ("finess", "contrat_cde", "cde_reception")}
        preuve = etats["contrat_cde"]
        prerequis.marquer(acteur, og, "lecteurs", "en_cours", etablissement=et1, date_envoi=date.today(),
                          commentaire="x")
        prerequis.marquer(acteur, og, "mandataires", "na", motif="x")
        Carte.objects.create(organisme=og, etablissement=et1, type="CPS", titulaire_nom="x",
                             date_commande=date.today())
        Lecteur.objects.create(etablissement=et1, modele="x", poste="x")
        Mandataire.objects.create(organisme=og, designation="x", commande_cartes=True, date_designation=date.today())
        Dui.objects.create(etablissement=et1, produit="x", editeur="x", date_commande_sons=date.today())
        mdp = monde.libre(lettre, "prerequis.Certificat.mot_de_passe")  # shown by the reveal, escaped
        cert, cle_privee = ca.emettre("INSI-AUTO", organisation=f"OG {lettre}", serie=1000 + i)
        certificat = prerequis.enregistrer_certificat(og, en_p12(cert, cle_privee, mdp), "insi.p12", mdp,
                                                      f"service{lettre}@demo.invalid", "x", acteur)
        c.exacts.append(mdp)
        libre, cle_libre = ca.emettre("INSI-MANU", organisation=f"OG {lettre}", serie=2000 + i)
        Homologation.objects.create(organisme=og, date_commission=date.today(), membres="x", decision="homologue",
                                    checklist={code: {"ok": True, "note": "x"} for code in ITEMS},
                                    rgpd_date_inscription=date.today())

        # --- FINESS import launched by the side's chef de projet (runs now, on a one-line extract)
        run_finess = lancer_import(par=acteur, fichier=SimpleUploadedFile("structures.csv", _csv_finess(
            et1, og, et1.nom)), options={"organismes_autorises": [og.finess]}, en_arriere_plan=False)

        if "grappe" in {f.name for f in Jalon._meta.get_fields()}:  # milestones of a grappe, edited by its chef
            jalon = Jalon.objects.create(grappe=grappe, code="attaque", libelle="x", programme="x",
                                         date_cible=date(2027, 6, 30), etapes=["contrat_cde"])
        else:  # installation-wide milestones only
            jalon = Jalon.objects.order_by("pk").first()
        c.valeurs = {
            "og": og.finess, "og_pk": og.pk, "et": et1.finess, "et_pk": et1.pk, "et2": et2.finess, "et2_pk": et2.pk,
            "document": doc_dlu.pk, "document_pdf": doc_pdf.pk, "choix": choix.pk,
            "grappe": grappe.pk, "usager": u1.pk, "usager2": u2.pk, "usager3": u3.pk, "appel": appel.pk,
            "sejour": u1.sejours.first().pk, "lot": lot.pk, "anomalie": anomalie.pk, "fusion": fusion.pk,
            "professionnel": p1.pk, "situation": s1.pk, "situation_role": s1.role_propose,
            "situation_genre": s1.genre_propose, "import_personnel": imp.pk, "rapprochement": run.pk,
            "resultat": resultat.pk, "rpps_candidat": rpps_candidat, "import_finess": run_finess.pk,
            "certificat": certificat.pk, "preuve": preuve.pk, "habilitation": hab_collegue.pk,
            "utilisateur": collegue.pk, "etape_og": "contrat_cde", "etape_esms": "lecteurs", "jalon": jalon.pk,
            "identifiant": acteur.username, "jeton_faux": "attaque-0000000000000000",
            "uid_utilisateur": urlsafe_base64_encode(force_bytes(collegue.pk)),
            "finess_csv": _csv_finess(et1, og, "PRIS PAR L ATTAQUANT"),
            "echange_dui": echange_dui.pk, "jeton_api": jeton_api.pk, "dui_csv": dui_csv,

            "personnel_csv": csv_gabarit([ligne_valide(50 + i, et1.finess)]),
            "p12_libre": en_p12(libre, cle_libre, "mdp-libre-1"), "p12_libre_mdp": "mdp-libre-1",
        }
        c.motif = motif_marqueurs(lettre)

    _planter(monde, media_root)
    return monde


def _planter(monde: Monde, media_root) -> None:
    """Overwrite every free-text field of every row with its side's marker and the payloads."""
    from socle.audit.models import Action
    from socle.audit.services import tracer
    from socle.personnel.models import ImportPersonnel, Professionnel, ResultatRapprochement
    from socle.personnel.tasks import executer_import
    from socle.prerequis.homologation import ITEMS
    from socle.prerequis.models import Homologation
    from socle.usagers.models import AnomalieIns, AppelInsi, Usager
    from tests.personnel.factories import csv_gabarit, ligne_valide

    for numero, (label, nom, longueur) in enumerate(monde.champs):
        modele = apps.get_model(label)
        cotes = [(c.lettre, lignes_de(modele, c.og)) for c in monde.cotes.values()]
        if not chemins_vers_organisme(modele):  # installation-wide rows (default milestones…): side G
            cotes = [("G", modele._default_manager.all())]
        for lettre, qs in cotes:
            pks = list(qs.order_by("pk").values_list("pk", flat=True))
            if not pks:
                continue
            v0 = charge(marqueur(lettre, numero), numero, True, longueur)
            v1 = charge(marqueur(lettre, numero), numero, False, longueur)
            modele._default_manager.filter(pk=pks[0]).update(**{nom: v0})
            if len(pks) > 1:
                modele._default_manager.filter(pk__in=pks[1:]).update(**{nom: v1})
            monde.plantes.setdefault(f"{label}.{nom}", set()).update(charges_de(v0) | charges_de(v1))

    for c in monde.cotes.values():
        L = c.lettre
        AppelInsi.objects.filter(usager__organisme=c.og).update(reponse={
            "nom_naissance": monde.libre(L, "usagers.AppelInsi.reponse"), "prenoms_naissance": "ALICE",
            "premier_prenom": "ALICE", "sexe": "F", "date_naissance": "1950-03-04", "lieu_naissance": "69123",
            "matricule_ins": c.exacts[0], "cle_ins": "00", "oid_ins": "1.2.250.1.213.1.4.8"})
        AnomalieIns.objects.filter(usager__organisme=c.og).update(ecarts={
            "nom_naissance": [monde.libre(L, "usagers.AnomalieIns.ecarts"), "X"]})
        for p in Professionnel.objects.filter(organisme=c.og):
            Professionnel.objects.filter(pk=p.pk).update(prenoms=[monde.libre(L, "personnel.Professionnel.prenoms")])
        ResultatRapprochement.objects.filter(rapprochement__organisme=c.og).update(candidats=[{
            "rpps": c.valeurs["rpps_candidat"], "nom": monde.libre(L, "personnel.ResultatRapprochement.candidats"),
            "prenom": "Camille", "finess_site": c.et1.finess, "genre": "GENR10", "score": 0.8}])
        Homologation.objects.filter(organisme=c.og).update(checklist={
            code: {"ok": True, "note": monde.libre(L, "prerequis.Homologation.checklist")} for code in ITEMS})
        # an HR file whose cells carry markers: its dry-run report shows them
        lignes = [ligne_valide(20, c.et1.finess)]
        lignes[0]["nom_naissance"] = monde.libre(L, "personnel.ImportPersonnel.fichier")
        imp = ImportPersonnel.objects.get(pk=c.valeurs["import_personnel"])
        imp.fichier.delete(save=False)
        imp.fichier.save("personnel.csv", ContentFile(csv_gabarit(lignes)), save=False)
        ImportPersonnel.objects.filter(pk=imp.pk).update(fichier=imp.fichier.name, statut="a_associer")
        imp.refresh_from_db()
        executer_import(imp, False, utilisateur=c.acteur)
        # the FINESS import's report names its file and rejects
        from socle.organisations.models import ImportFiness

        run = ImportFiness.objects.get(pk=c.valeurs["import_finess"])
        ImportFiness.objects.filter(pk=run.pk).update(
            rejets=[{"reference": "ligne 2", "finess": c.et1.finess,
                     "motif": monde.libre(L, "organisations.ImportFiness.fichier")}],
            compteurs={**run.compteurs, "nb_rejets": 1})
        c.valeurs["prefixe_nom"] = marqueur(L, monde.numero("usagers.Usager.nom_naissance"))[:-2]
        # journal lines by the side's people on its data (their labels carry the planted names)
        tracer(Action.LECTURE, objet_type="usagers.Usager", objet_id=str(c.valeurs["usager"]), utilisateur=c.acteur,
               libelle=monde.libre(L, "audit.EvenementAudit.objet_libelle"))
        for objet in (Usager.objects.get(pk=c.valeurs["usager"]), Professionnel.objects.get(pk=c.valeurs["professionnel"]),
                      c.og):
            tracer(Action.LECTURE, objet=objet, utilisateur=c.acteur)
        monde.plantes.setdefault("prerequis.Certificat.mot_de_passe", set())


def ouvrir_sessions(monde: Monde) -> None:
    """One signed-in test client per persona: every function of Socle on A at ESMS scope and at OG scope, a
    grappe's chef de projet, A's complete actor; B's complete actor (the outsider); an anonymous visitor."""
    from socle.comptes.models import Fonction, Habilitation
    from tests.authentification import connecter_fort
    from tests.comptes.factories import UtilisateurFactory

    a, b = monde.cotes["A"], monde.cotes["B"]
    comptes: list[tuple[str, str | None, object]] = []
    for f in Fonction.values:
        for portee, perimetre in (("esms", {"etablissement": a.et1}), ("og", {"organisme": a.og})):
            u = UtilisateurFactory(username=f"a-{f}-{portee}")
            Habilitation.objects.create(utilisateur=u, fonction=f, **perimetre)
            comptes.append((f"{f}@{portee}", "A", u))
    chef = UtilisateurFactory(username="a-chef-grappe")
    Habilitation.objects.create(utilisateur=chef, fonction=Fonction.CHEF_PROJET, grappe=a.grappe)
    comptes += [("chef_projet@grappe", "A", chef), ("tout@A", "A", a.acteur), ("exterieur@B", "B", b.acteur),
                ("anonyme", None, None)]
    for nom, cote, user in comptes:
        client = Client()
        p = Persona(nom, cote, user, client)
        if user is not None:
            connecter_fort(client, user)  # strongly authenticated: every right of the persona is tried
            p.session = client.cookies[settings.SESSION_COOKIE_NAME].value
        monde.personas[nom] = p


def planter_personas(monde: Monde) -> None:
    """The personas' own names carry their side's markers too (shown in headers, lists, the journal)."""
    from socle.comptes.models import Utilisateur

    for numero, (label, nom, longueur) in enumerate(monde.champs):
        if label != Utilisateur._meta.label:
            continue
        for c in monde.cotes.values():
            qs = lignes_de(Utilisateur, c.og)
            Utilisateur.objects.filter(pk__in=qs.values("pk")).update(
                **{nom: charge(marqueur(c.lettre, numero), numero, False, longueur)})


def ajouter_personne_partagee(monde: Monde) -> None:
    """Someone who works for both organisations (a GCSMS's shared staff): a function on an ESMS of A and one on an
    ESMS of B, and a journal line of her reading a B usager. A's screens about her (accounts, journal) must not
    show her B side. Her own names carry no marker (she belongs to both)."""
    from socle.audit.models import Action
    from socle.audit.services import tracer
    from socle.comptes.models import Fonction, Habilitation
    from socle.usagers.models import Usager
    from tests.comptes.factories import UtilisateurFactory

    a, b = monde.cotes["A"], monde.cotes["B"]
    partage = UtilisateurFactory(username="partage-a-b", first_name="Camille", last_name="PARTAGEE")
    Habilitation.objects.create(utilisateur=partage, fonction=Fonction.PROFESSIONNEL, etablissement=a.et1)
    Habilitation.objects.create(utilisateur=partage, fonction=Fonction.ADMISSION, etablissement=b.et1)
    tracer(Action.LECTURE, objet=Usager.objects.get(pk=b.valeurs["usager"]), utilisateur=partage)


def figer(monde: Monde, media_root, copie) -> None:
    """Snapshot each side's rows, the journal's last line, and the uploaded files (a request rolled back in the
    database may still have deleted a file on disk: an import's file once committed)."""
    from socle.audit.models import EvenementAudit

    monde.media, monde.media_intact = Path(media_root), Path(copie)
    shutil.copytree(monde.media, monde.media_intact, dirs_exist_ok=True)

    for c in monde.cotes.values():
        c.base = instantane(c.og)
    monde.dernier_evenement = EvenementAudit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# ------------------------------------------------------------------------------------------------ answers


def corps_reponse(rep) -> bytes:
    """The body. The test client closes the response itself (a streamed one after its last chunk) with the
    database connection kept: closing it again here fired `request_finished`, whose handler closes the connection
    on PostgreSQL, in the middle of the request being rolled back (the attack suite could not run there)."""
    if getattr(rep, "streaming", False):
        return b"".join(rep.streaming_content)
    return rep.content


def textes(contenu: bytes, profondeur: int = 0) -> list[tuple[str, str]]:
    """(kind, text) readings of a body: plain text, each member of a zip (XLSX, RPPS+ export), PDF streams."""
    out: list[tuple[str, str]] = []
    if contenu.startswith(b"PK") and profondeur < 2:
        try:
            with zipfile.ZipFile(io.BytesIO(contenu)) as zf:
                for nom in zf.namelist():
                    for genre, t in textes(zf.read(nom), profondeur + 1):
                        out.append((f"{nom}:{genre}", t))
            return out
        except zipfile.BadZipFile:
            pass
    if contenu.startswith(b"%PDF"):  # content streams, ASCII85 and/or Flate encoded (ReportLab: both)
        for filtres, flux in re.findall(rb"/Filter\s*(\[[^\]]*\]|/\w+)[^>]*>>\s*stream\r?\n(.*?)endstream", contenu,
                                        re.S):
            try:
                if b"ASCII85" in filtres:
                    flux = base64.a85decode(flux.strip().removeprefix(b"<~").removesuffix(b"~>"))
                if b"Flate" in filtres:
                    flux = zlib.decompress(flux)
            except (ValueError, zlib.error):
                pass
            out.append(("pdf", flux.decode("latin-1")))
    if contenu.startswith((b"\xff\xfe", b"\xfe\xff")):
        out.append(("texte", contenu.decode("utf-16", errors="replace")))
    else:
        out.append(("texte", contenu.decode("utf-8", errors="replace")))
        try:
            out.append(("texte", contenu.decode("cp1252")))
        except UnicodeDecodeError:
            pass
    return [(g, html.unescape(t) if g.endswith("xml") else t) for g, t in out]


def cellules_tableur(contenu: bytes, nom: str = "") -> list[str]:
    """The cells of a CSV or XLSX (or of the CSV files of a zip), as the spreadsheet would read them; an XLSX
    formula comes back as its text starting with "="."""
    if contenu.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(contenu)) as zf:
            membres = zf.namelist()
            if "[Content_Types].xml" in membres:
                from openpyxl import load_workbook

                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    wb = load_workbook(io.BytesIO(contenu))
                return [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                        if c.value is not None]
            return [x for m in membres if m.lower().endswith(".csv") for x in cellules_tableur(zf.read(m), m)]
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            texte = contenu.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    premiere = texte.split("\n", 1)[0]
    sep = max(";,\t|", key=premiere.count)
    return [c for row in csv.reader(io.StringIO(texte, newline=""), delimiter=sep) for c in row]


def est_tableur(rep, contenu: bytes) -> bool:
    ct = rep.get("Content-Type", "")
    cd = rep.get("Content-Disposition", "")
    return ("csv" in ct or "spreadsheet" in ct or "zip" in ct
            or cd.endswith(('.csv"', '.xlsx"', '.zip"'))) and not contenu.startswith(b"%PDF")


# ------------------------------------------------------------------------------------------------ the probe

STATUTS_PERMIS = {200, 302, 400, 403, 404, 405}
TABLES_SANS_CONTROLE = {"django_session"}
TABLE_JOURNAL = "audit_evenementaudit"


class _Annuler(Exception):
    pass


@dataclass
class Essai:
    methode: str
    url: str
    statut: int | None
    problemes: list[str]
    ecrit: bool  # any write (journal included), the session apart
    vus: set[int]  # numbers of the own side's markers seen
    ecrit_donnees: bool = False  # a write to something else than the session and the journal


@dataclass
class Bilan:
    """What the suite tried and found, printed at the end of the session."""

    requetes: Counter = field(default_factory=Counter)  # (method) -> n
    statuts: Counter = field(default_factory=Counter)
    routes: dict = field(default_factory=lambda: defaultdict(Counter))  # route -> variant -> n
    controles: dict = field(default_factory=dict)  # route -> status seen by an owner
    personas: set = field(default_factory=set)
    champs_vus: set = field(default_factory=set)
    plantes: dict = field(default_factory=dict)
    tableurs: Counter = field(default_factory=Counter)  # route -> cells checked
    csrf: dict = field(default_factory=dict)  # route -> status
    efficaces: dict = field(default_factory=dict)  # route -> side -> the owner's plausible POST wrote data
    anonymes: int = 0
    problemes: dict = field(default_factory=lambda: defaultdict(list))  # route -> problems
    nb_routes: int = 0
    monde_pret: bool = False


class Sonde:
    def __init__(self, monde: Monde, bilan: Bilan):
        self.monde = monde
        self.bilan = bilan

    def essayer(self, persona: Persona, route: Route, methode: str, url: str, *, protege: Cote,
                donnees: dict | None = None, htmx: bool = False, variante: str = "",
                query: dict | None = None, fuites: bool = True) -> Essai:
        """One request by `persona`, rolled back afterwards; `protege` is the side whose data must not show nor
        change. Returns the status and the problems found."""
        bilan = self.bilan
        client = persona.client
        ecritures: list[str] = []

        def espion(execute, sql, params, many, context):
            m = re.match(r'\s*(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?', sql, re.I)
            if m:
                ecritures.append(m.group(1))
            return execute(sql, params, many, context)

        extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
        problemes: list[str] = []
        statut = None
        vus: set[int] = set()
        try:
            with transaction.atomic():
                with connection.execute_wrapper(espion):
                    if methode == "GET":
                        rep = client.get(url, query or {}, **extra)
                    else:
                        rep = client.post(url, donnees or {}, **extra)
                statut = rep.status_code
                contenu = corps_reponse(rep)
                problemes += self._juger(persona, route, rep, contenu, protege, vus, fuites)
                autres = {t for t in ecritures if t not in TABLES_SANS_CONTROLE and t != TABLE_JOURNAL}
                if autres:
                    diff = differences(protege.base, instantane(protege.og))
                    if diff:
                        problemes.append(f"données de {protege.lettre} modifiées : {'; '.join(diff)}")
                if TABLE_JOURNAL in ecritures:
                    problemes += self._journal(protege)
                raise _Annuler
        except _Annuler:
            pass
        except Exception as exc:  # a crash is not an allowed answer
            tb = traceback.extract_tb(exc.__traceback__)
            lieu = next((f"{f.filename.rsplit('/socle/', 1)[-1]}:{f.lineno}" for f in reversed(tb)
                         if "/socle/" in f.filename and "/tests/" not in f.filename), "?")
            problemes.append(f"plantage {type(exc).__name__}: {str(exc)[:200]} ({lieu})")
        finally:
            if set(ecritures) - TABLES_SANS_CONTROLE - {TABLE_JOURNAL}:
                self.monde.restaurer_medias()
            client.cookies.clear()
            if persona.session:
                client.cookies[settings.SESSION_COOKIE_NAME] = persona.session
        bilan.requetes[methode] += 1
        bilan.statuts[statut or 500] += 1
        bilan.routes[route.nom][variante or methode] += 1
        bilan.personas.add(persona.nom)
        if problemes:
            bilan.problemes[route.nom] += [f"{persona.nom} {methode} {variante} {url} → {statut} : {p}"
                                           for p in problemes]
        libelle = f"{methode}{' htmx' if htmx else ''} {url}{'?…' if query else ''}"
        return Essai(methode if not variante else variante, libelle, statut, problemes,
                     bool(set(ecritures) - TABLES_SANS_CONTROLE), vus,
                     bool(set(ecritures) - TABLES_SANS_CONTROLE - {TABLE_JOURNAL}))

    def _juger(self, persona, route, rep, contenu: bytes, protege: Cote, vus: set[int],
               fuites_cherchees: bool = True) -> list[str]:
        monde = self.monde
        out = []
        statut = rep.status_code
        if persona.user is None and route.nom not in ROUTES_PUBLIQUES:
            loc = rep.get("Location", "")
            if statut != 302 or not loc.startswith(reverse(settings.LOGIN_URL)):
                out.append(f"sans compte : {statut} {loc} au lieu de la page de connexion")
        elif statut not in STATUTS_PERMIS:
            out.append(f"statut {statut} non permis")
        entetes = "\n".join(f"{k}: {v}" for k, v in rep.items())
        lectures = [("en-têtes", entetes), *textes(contenu)]
        fuites = set()
        for _genre, t in lectures:
            for m in protege.motif.finditer(t):
                fuites.add(monde.champ_du_marqueur(int(m.group(1))))
            for x in protege.exacts:
                if x in t:
                    fuites.add(f"valeur exacte {x[:4]}…")
            if persona.cote:  # its own side's fields, and installation-wide ones (side G), reached a screen
                for cote in (persona.cote, "G"):
                    vus.update(int(m.group(1)) for m in motif_marqueurs(cote).finditer(t))
        if fuites and fuites_cherchees:
            out.append(f"données de {protege.lettre} visibles : {', '.join(sorted(fuites))}")
        if "html" in rep.get("Content-Type", ""):
            page = contenu.decode("utf-8", errors="replace")
            for motif in XSS_BRUTS:
                for m in motif.finditer(page):
                    avant = page[max(0, m.start() - 60):m.start()]
                    champs = [monde.champ_du_marqueur(int(x)) for x in re.findall(r"XQ\w(\d{3})QX", avant)]
                    out.append(f"charge XSS non échappée ({motif.pattern}) après {champs or avant[-30:]!r}")
        if statut == 200 and est_tableur(rep, contenu):
            try:
                cellules = cellules_tableur(contenu)
            except Exception as exc:  # noqa: BLE001 - an unreadable export is reported, not hidden
                out.append(f"export illisible : {exc}")
                cellules = []
            self.bilan.tableurs[route.nom] += len(cellules)
            for cel in cellules:
                if cel.startswith(AMORCES) and re.search(r"XQ\w\d{3}QX", cel):
                    n = int(re.search(r"XQ\w(\d{3})QX", cel).group(1))
                    out.append(f"injection de formule dans l'export : cellule {cel[:40]!r} "
                               f"({monde.champ_du_marqueur(n)})")
        self.bilan.champs_vus.update(monde.champ_du_marqueur(n) for n in vus)
        return out

    def _journal(self, protege: Cote) -> list[str]:
        """New journal lines written by this request that name the protected side's data: it was loaded."""
        from socle.audit.models import EvenementAudit

        out = []
        for libelle, details in EvenementAudit.objects.filter(pk__gt=self.monde.dernier_evenement).values_list(
                "objet_libelle", "details"):
            texte = f"{libelle} {details}"
            if protege.motif.search(texte):
                out.append(f"le journal trace une lecture des données de {protege.lettre} : {libelle[:60]!r}")
        return out
