"""Writes on identities: every change goes through here so that RNIV rules apply and history is kept."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import Lead
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.connecteurs.commun.appelant import Appelant
from socle.connecteurs.insi.interface import (
    InsiCertificatAbsent,
    InsiErreurTechnique,
    ReponseInsi,
    TraitsRecherche,
)
from socle.connecteurs.insi.lecteur import LIBELLES_CANAL
from socle.core.naissance import DateLunaire, parse_saisie
from socle.core.verrous import verrou_exclusif
from socle.prerequis.services import certificat_insi_pret, certificat_pour

from . import rniv
from .models import (
    AnomalieIns,
    AppelInsi,
    Fusion,
    HistoriqueIdentite,
    Justificatif,
    PaireDistincte,
    Sejour,
    TypeAnomalie,
    Usager,
)
from .pays import nom_pays

Ev = HistoriqueIdentite.Evenement


class AppelInsiRefuse(PermissionError):
    """INSi cannot be called for this organisation — no usable certificate deposited (nor the
    single-organisation fallback), or INSi not configured: refused before anything is sent or stored."""


def appelant(organisme, user=None) -> Appelant:
    """The caller context of an INSi call: the OG, and the person when one triggers the call."""
    personne = user.username if user is not None and getattr(user, "is_authenticated", False) else None
    return Appelant(organisme_finess=organisme.finess, organisme_nom=organisme.raison_sociale, personne=personne)


def certificats_de(organisme):
    """The OG's credential provider (connecteurs FournisseurCertificats), from the certificates deposited in
    the prerequisites cockpit (prerequis.services.certificat_pour). A batch presents the OG's INSI-AUTO
    certificate, never another. A call a person triggers presents its INSI-MANU certificate; an OG that
    deposited only an INSI-AUTO one calls with it (documented fallback: the téléservice then counts an
    automatic call; the certificate used is kept with the answer and in the audit trace)."""

    def fournir(_appelant: Appelant, usage: str):
        materiel = certificat_pour(organisme, usage)
        if materiel is None and usage == "INSI-MANU":
            materiel = certificat_pour(organisme, "INSI-AUTO")
        return materiel

    return fournir


def client_insi(organisme, mode: str = "MANU", *, user=None):
    """The INSi client acting for `organisme` (and `user`), presenting the OG's own certificate for `mode`.
    Checked now: AppelInsiRefuse (French message) when there is none, before anything is sent or stored.
    Without SOCLE_INSI_URL the client talks to the local stand-in; tests select it that way, or pass an
    in-process client (`client=`) to the functions below."""
    from socle.connecteurs import insi

    try:
        client = insi.client_pour(appelant(organisme, user), certificats_de(organisme), mode=mode)
        client.certificat(mode)
    except InsiCertificatAbsent:
        usages = "INSI-AUTO" if mode == "AUTO" else "INSI-MANU (ou à défaut INSI-AUTO)"
        raise AppelInsiRefuse(
            f"Aucun certificat {usages} utilisable n'est déposé pour {organisme.raison_sociale} : il faut un "
            "certificat d'authentification valide aujourd'hui, déposé avec sa clé privée (PKCS#12, ou PEM avec la "
            "clé) dans le cockpit des prérequis (administrateur technique). Aucun appel INSi n'a été fait."
        ) from None
    except (ValueError, InsiErreurTechnique) as exc:  # password undecipherable, INSi not configured
        raise AppelInsiRefuse(f"Appel INSi impossible pour {organisme.raison_sociale} : {exc}") from None
    return client


def _qui(user) -> tuple[object, str]:
    if user is not None and getattr(user, "is_authenticated", False):
        return user, user.username
    return None, "système"


def historiser(usager: Usager, evenement: str, ancien: str, *, user=None, motif: str = "",
               changements: dict | None = None, le: datetime | None = None) -> HistoriqueIdentite:
    par, ident = _qui(user)
    return HistoriqueIdentite.objects.create(
        usager=usager, evenement=evenement, ancien_statut=ancien, nouveau_statut=usager.statut, par=par,
        identifiant=ident, le=le or timezone.now(), motif=motif, changements=changements or {})


def _traits(usager: Usager) -> dict:
    return {k: (v.isoformat() if isinstance(v, date | DateLunaire) else v)
            for k in rniv.TRAITS_STRICTS + rniv.TRAITS_COMPLEMENTAIRES
            for v in [getattr(usager, k)]}


def normaliser_traits(data: dict) -> dict:
    """RNIV formatting of typed traits [R-FMT-01..03]; premier prénom defaults to the first of the list."""
    out = dict(data)
    for k in ("nom_naissance", "nom_utilise", "prenom_utilise", "premier_prenom"):
        if k in out and out[k] is not None:
            out[k] = rniv.formater_nom(out[k])
    if "prenoms_naissance" in out:
        out["prenoms_naissance"] = rniv.formater_prenoms(out["prenoms_naissance"])
        if not out.get("premier_prenom") and out["prenoms_naissance"]:
            out["premier_prenom"] = out["prenoms_naissance"].split(" ")[0]
    if "lieu_naissance" in out and out["lieu_naissance"]:
        out["lieu_naissance"] = out["lieu_naissance"].strip().upper()
    if out.get("date_naissance"):  # stored as given, 00 allowed [R-DN-02]; unreadable: refused by R-DN-01
        try:
            out["date_naissance"] = DateLunaire.lire(out["date_naissance"])
        except ValueError:
            pass
    return out


def _valider_traits(traits: dict, statut: str) -> None:
    manque = rniv.traits_obligatoires_manquants(traits)
    if manque:
        raise rniv.RegleRniv("R-TR-01", "Traits obligatoires manquants : " + ", ".join(manque))
    for err in (rniv.date_naissance_erreur(traits["date_naissance"]), rniv.sexe_erreur(traits["sexe"], statut),
                rniv.lieu_naissance_erreur(traits["lieu_naissance"])):
        if err:
            raise rniv.RegleRniv(err.rsplit("règle ", 1)[-1].rstrip(").") if "règle" in err else "R-TR", err)
    if traits.get("prenoms_naissance") and not rniv.premier_prenom_coherent(traits["premier_prenom"],
                                                                            traits["prenoms_naissance"]):
        raise rniv.RegleRniv("R-FMT-04", "Le premier prénom ne correspond pas au début de la liste des prénoms")


@transaction.atomic
def creer_usager(organisme, etablissement, traits: dict, *, user=None, date_admission: date | None = None,
                 douteuse: bool = False, fictive: bool = False, homonyme: bool = False,
                 admission_directe_ehpad: bool = False) -> Usager:
    """A new identity, provisoire [R-ST-02], followed by `etablissement` from `date_admission`
    (`admission_directe_ehpad`: the stay is a direct admission in EHPAD, R-DOC-03)."""
    traits = normaliser_traits(traits)
    if not traits.get("prenoms_naissance"):
        traits["prenoms_naissance"] = traits.get("premier_prenom", "")
    _valider_traits(traits, rniv.PROV)
    rniv.verifier_attributs(douteuse, fictive, homonyme)
    usager = Usager.objects.create(organisme=organisme, statut=rniv.statut_initial(), douteuse=douteuse,
                                   fictive=fictive, homonyme=homonyme, **traits)
    Sejour.objects.create(usager=usager, etablissement=etablissement,
                          date_admission=date_admission or timezone.localdate(),
                          admission_directe_ehpad=admission_directe_ehpad)
    historiser(usager, Ev.CREATION, "", user=user, changements={k: [None, v] for k, v in _traits(usager).items()})
    tracer(Action.CREATION, objet=usager, utilisateur=user, details={"etablissement": etablissement.finess})
    return usager


@transaction.atomic
def modifier_traits(usager: Usager, nouveaux: dict, *, user=None, motif: str = "") -> Usager:
    """A manual change of traits [R-ED-01..05]; returns the usager with its possibly downgraded status."""
    usager = Usager.objects.select_for_update().get(pk=usager.pk)
    anciens = _traits(usager)
    nouveaux = normaliser_traits(nouveaux)
    changes = {}
    for k, v in nouveaux.items():
        old = anciens.get(k, getattr(usager, k, None))
        cmp_v = v.isoformat() if isinstance(v, date | DateLunaire) else v
        if (old or "") != (cmp_v or ""):
            changes[k] = v
    if not changes:
        return usager
    ancien_statut = usager.statut
    nouveau_statut = rniv.verifier_modification(usager.statut, anciens, changes)
    merged = {**anciens, **{k: (v.isoformat() if isinstance(v, date | DateLunaire) else v) for k, v in changes.items()}}
    merged["date_naissance"] = DateLunaire.lire(merged["date_naissance"])
    _valider_traits(merged, nouveau_statut)
    for k, v in changes.items():
        setattr(usager, k, DateLunaire.lire(v) if k == "date_naissance" else v)
    usager.statut = nouveau_statut
    detache = _detacher_ins_si_perdu(usager, ancien_statut)
    usager.save()
    historiser(usager, Ev.TRAITS, ancien_statut, user=user, motif=motif or (
        "Trait strict modifié : le contrôle du justificatif est à refaire (R-ED-04)"
        if nouveau_statut != ancien_statut else ""),
        changements={**{k: [anciens.get(k), merged[k] if k != "date_naissance" else merged[k].isoformat()]
                        for k in changes}, **detache})
    tracer(Action.MODIFICATION, objet=usager, utilisateur=user, details={"champs": sorted(changes)})
    return usager


@transaction.atomic
def definir_attributs(usager: Usager, *, douteuse: bool, fictive: bool, homonyme: bool, user=None,
                      motif: str = "") -> Usager:
    """[R-AT-01..06] douteuse/fictive force provisoire; fictive is exclusive."""
    rniv.verifier_attributs(douteuse, fictive, homonyme)
    usager = Usager.objects.select_for_update().get(pk=usager.pk)
    avant = {"douteuse": usager.douteuse, "fictive": usager.fictive, "homonyme": usager.homonyme}
    apres = {"douteuse": douteuse, "fictive": fictive, "homonyme": homonyme}
    if avant == apres:
        return usager
    ancien = usager.statut
    usager.douteuse, usager.fictive, usager.homonyme = douteuse, fictive, homonyme
    detache = {}
    if rniv.attribut_bloquant(douteuse, fictive):
        usager.statut = rniv.transition(ancien, "attribut_bloquant")
        detache = _detacher_ins_si_perdu(usager, ancien)
    usager.save()
    historiser(usager, Ev.ATTRIBUT, ancien, user=user, motif=motif,
               changements={**{k: [avant[k], apres[k]] for k in avant if avant[k] != apres[k]}, **detache})
    tracer(Action.MODIFICATION, objet=usager, utilisateur=user, details={"attributs": apres})
    return usager


@transaction.atomic
def enregistrer_controle(usager: Usager, type_doc: str, *, user=None, ctx: rniv.ContexteControle | None = None,
                         le: datetime | None = None, tentative: str = "") -> Justificatif:
    """Record a document check [R-DOC-04]; a high-trust one gives criterion C [R-ST-03]. Refused, with nothing
    written, for a fictive identity [R-ST-05][R-AT-02] and when it would take a sex-I identity out of PROV
    [R-SX-01]. With `tentative` (the admission screen's attempt), the same document is recorded once."""
    usager = Usager.objects.select_for_update().get(pk=usager.pk)
    if tentative:
        deja = Justificatif.objects.filter(usager=usager, tentative=tentative, type=type_doc).first()
        if deja is not None:
            return deja
    par, ident = _qui(user)
    manque = rniv.controle_complet(type_doc, ident if par else (ident or ""), le or timezone.now())
    if manque:
        raise rniv.RegleRniv("R-DOC-04", "Contrôle incomplet : " + ", ".join(manque))
    if ctx is None:
        ctx = contexte_controle(usager)
    haut, raison = rniv.controle_haut_niveau(type_doc, ctx)
    refus_fictive(usager, controle_haut=haut)
    ancien = usager.statut
    nouveau = ancien
    if haut and not rniv.attribut_bloquant(usager.douteuse, usager.fictive):
        # the ApCV (R-ST-04) yields QUAL only together with the INS it carries: as a document it gives criterion C
        nouveau = rniv.transition(usager.statut, "controle_ok", sexe=usager.sexe)  # R-SX-01: raises, nothing written
    j = Justificatif.objects.create(usager=usager, type=type_doc, haut_niveau=haut, raison=raison, verifie_par=par,
                                   verifie_par_nom=ident, verifie_le=le or timezone.now(), pays=ctx.pays_cni.upper(),
                                   tentative=tentative)
    if nouveau != ancien:
        usager.statut = nouveau
        usager.save()
    changements = {"justificatif": [None, j.get_type_display()], "haut_niveau": [None, haut]}
    if j.pays:
        changements["pays"] = [None, nom_pays(j.pays) or j.pays]
    historiser(usager, Ev.CONTROLE, ancien, user=user, motif=raison, le=le, changements=changements)
    tracer(Action.MODIFICATION, objet=usager, utilisateur=user, details={"controle": type_doc, "haut_niveau": haut})
    return j


def refus_fictive(usager: Usager, *, controle_haut: bool = False, appel_insi: bool = False) -> None:
    """[R-ST-05][R-AT-02][R-AT-03] a fictive identity never gets a high-trust document nor an INSi call: refused
    before anything is written."""
    if not usager.fictive:
        return
    if controle_haut:
        raise rniv.RegleRniv("R-ST-05", "Identité fictive : elle reste provisoire, aucun justificatif à haut niveau "
                                        "de confiance n'est enregistré. Rien n'a été enregistré")
    if appel_insi:
        raise rniv.RegleRniv("R-AT-03", "Identité fictive : l'appel au téléservice INSi est interdit. Rien n'a été "
                                        "enregistré")


def _detacher_ins_si_perdu(usager: Usager, ancien_statut: str, *, garder: int | None = None) -> dict:
    """[R-ST-06] an INS never outlives the traits it was qualified with: when the identity loses criterion I
    (DOUT/FICT attribute, strict-trait change, an INSi check that disagrees) the INS leaves the record for the
    history, and INSi answers received before can no longer be accepted (a new call is needed). Returns the
    history's changes; the caller saves the usager."""
    if not rniv.criteres(ancien_statut)[0] or rniv.criteres(usager.statut)[0] or not usager.matricule_ins:
        return {}
    avant = {"ins": usager.ins, "oid_ins": usager.oid_ins}
    usager.matricule_ins = usager.cle_ins = usager.oid_ins = ""
    usager.date_appel_insi = None
    AppelInsi.objects.filter(usager=usager, decision="").exclude(pk=garder).update(decision="perimee")
    return {"ins": [avant["ins"], ""], "oid_ins": [avant["oid_ins"], ""]}


def contexte_controle(usager: Usager) -> rniv.ContexteControle:
    sejour = usager.sejours.select_related("etablissement").filter(date_sortie__isnull=True).first()
    cat = sejour.etablissement.categorie_code if sejour else ""
    # [R-DOC-03] the EHPAD exception is for a direct admission, recorded on the stay, not any EHPAD resident
    directe = bool(sejour and cat == "500" and sejour.admission_directe_ehpad)
    return rniv.ContexteControle(categorie_etablissement=cat, admission_directe_ehpad=directe,
                                 mineur=rniv.mineur_le(usager.date_naissance, timezone.localdate()))


# --- INSi ----------------------------------------------------------------------------------------------------

def traits_recherche(usager: Usager) -> TraitsRecherche:
    return TraitsRecherche(nom_naissance=usager.nom_naissance, prenoms=usager.prenoms or (usager.premier_prenom,),
                           sexe=usager.sexe, date_naissance=usager.date_naissance,
                           lieu_naissance=usager.lieu_naissance if usager.lieu_naissance != "99999" else "")


def identite_en_traits(identite) -> dict:
    return {"nom_naissance": identite.nom_naissance, "prenoms_naissance": " ".join(identite.prenoms),
            "premier_prenom": identite.premier_prenom, "sexe": identite.sexe,
            "date_naissance": identite.date_naissance.isoformat(), "lieu_naissance": identite.lieu_naissance,
            "matricule_ins": identite.matricule, "cle_ins": identite.cle, "oid_ins": identite.oid,
            "historique": [list(h) for h in identite.historique]}


def interroger_insi(usager: Usager, *, mode: str = "MANU", user=None, client=None) -> AppelInsi:
    """Call INSi for this person, on behalf of its OG (and `user`); return the (unsaved) AppelInsi holding the
    answer. Refused for douteuse / fictive identities [R-AT-03], and (AppelInsiRefuse) when the OG has no
    usable certificate. Technical errors are stored in the answer, not raised."""
    ok, msg = rniv.appel_insi_autorise(usager.douteuse, usager.fictive)
    if not ok:
        raise rniv.RegleRniv("R-AT-03", msg)
    if usager.sexe not in ("F", "M"):
        raise rniv.RegleRniv("R-SX-01", "INSi ne se consulte qu'avec le sexe F ou M : complétez le sexe")
    traits = traits_recherche(usager)
    client = client or client_insi(usager.organisme, mode, user=user)
    par, _ = _qui(user)
    appel = AppelInsi(usager=usager, mode=mode, le=timezone.now(), par=par,
                      traits_envoyes={**dataclasses.asdict(traits), "date_naissance": traits.date_naissance.isoformat()})
    return _remplir_appel(appel, lambda: client.rechercher(traits, mode=mode))


def _remplir_appel(appel: AppelInsi, rechercher) -> AppelInsi:
    """Put INSi's answer (or its technical error) into the unsaved AppelInsi."""
    try:
        rep: ReponseInsi = rechercher()
        appel.cr = rep.cr
        if rep.identite is not None:
            appel.reponse = identite_en_traits(rep.identite)
        appel.reponse["appels"] = rep.appels
        if getattr(rep, "certificat", ""):
            appel.reponse["certificat"] = rep.certificat  # which certificate the téléservice saw
    except InsiErreurTechnique as exc:
        appel.cr = "ERR"
        appel.erreur = f"{exc} {exc.code} {exc.detail}".strip()
        appel.reponse["reessayable"] = exc.reessayable  # a refusal that will not pass by itself stops a batch
    return appel


def interroger_insi_carte(usager: Usager, lecture, *, user=None, client=None, tentative: str = "") -> AppelInsi:
    """Query INSi with a carte Vitale or the ApCV read at the desk (`lecture`: connecteurs.insi.lecteur
    .LectureCarte) and store the answer with its channel; nothing changes on the identity until a person
    accepts it. Refused for a douteuse / fictive identity [R-AT-03]. The same attempt never calls twice."""
    refus_fictive(usager, appel_insi=True)
    ok, msg = rniv.appel_insi_autorise(usager.douteuse, usager.fictive)
    if not ok:
        raise rniv.RegleRniv("R-AT-03", msg)
    with _une_tentative_a_la_fois(usager, tentative):
        if tentative:
            deja = (AppelInsi.objects.filter(usager=usager, tentative=tentative, canal=lecture.canal)
                    .exclude(cr="ERR").first())
            if deja is not None:
                return deja
        client = client or client_insi(usager.organisme, "MANU", user=user)
        par, _ = _qui(user)
        appel = AppelInsi(usager=usager, mode="MANU", le=timezone.now(), par=par, canal=lecture.canal,
                          tentative=tentative,
                          traits_envoyes={"canal": lecture.canal, "matricule": lecture.matricule,
                                          "date_naissance": lecture.date_naissance.isoformat(),
                                          "nom_naissance": lecture.nom_naissance})
        _remplir_appel(appel, lambda: client.rechercher_carte_vitale(lecture.donnees_insi(), mode="MANU"))
        return enregistrer_appel(appel, user=user)


@transaction.atomic
def creer_depuis_carte(organisme, etablissement, lecture, *, user=None, client=None,
                       admission_directe_ehpad: bool = False) -> tuple[Usager | None, AppelInsi | None, str]:
    """Create an identity from a carte Vitale / ApCV: INSi is queried with the card, and only when it answers one
    identity is the record created with INSi's traits and that answer accepted — récupérée from the physical card,
    qualifiée from the ApCV [R-ST-04][R-DOC-01], the channel in the history. Returns (usager, appel, message)."""
    client = client or client_insi(organisme, "MANU", user=user)
    rep = client.rechercher_carte_vitale(lecture.donnees_insi(), mode="MANU")
    if not rep.trouvee:
        return None, None, {"01": "INSi ne trouve aucune identité pour cette carte.",
                            "02": "INSi trouve plusieurs identités pour cette carte."}.get(rep.cr, f"CR {rep.cr}")
    ident = rep.identite
    connu = Usager.objects.filter(organisme=organisme, matricule_ins=ident.matricule,
                                  fusionne_dans__isnull=True).first()
    if connu is not None:  # never a duplicate of a person already known by her INS
        return connu, None, "Cette personne est déjà connue avec cet INS : son dossier est ouvert."
    usager = creer_usager(organisme, etablissement, {
        "nom_naissance": ident.nom_naissance, "prenoms_naissance": " ".join(ident.prenoms),
        "date_naissance": ident.date_naissance, "sexe": ident.sexe, "lieu_naissance": ident.lieu_naissance or "99999"},
        user=user, admission_directe_ehpad=admission_directe_ehpad)
    par, _ = _qui(user)
    appel = AppelInsi(usager=usager, mode="MANU", le=timezone.now(), par=par, canal=lecture.canal, cr=rep.cr,
                      traits_envoyes={"canal": lecture.canal, "matricule": lecture.matricule,
                                      "date_naissance": lecture.date_naissance.isoformat()},
                      reponse={**identite_en_traits(ident), "appels": rep.appels, "certificat": rep.certificat})
    enregistrer_appel(appel, user=user)
    return accepter_identite(usager, appel, user=user), appel, ""


def enregistrer_appel(appel: AppelInsi, *, user=None) -> AppelInsi:
    """Store the INSi answer and trace the service call (Action.APPEL_SERVICE)."""
    with transaction.atomic():
        appel.save()
        details = {"service": "INSi", "mode": appel.mode, "cr": appel.cr, "appel": appel.pk}
        if appel.reponse.get("certificat"):
            details["certificat"] = appel.reponse["certificat"]
        tracer(Action.APPEL_SERVICE, objet=appel.usager, utilisateur=user, details=details)
    return appel


def appeler_insi(usager: Usager, *, mode: str = "MANU", user=None, client=None) -> AppelInsi:
    """Call INSi and store the answer (nothing is changed on the identity yet)."""
    return enregistrer_appel(interroger_insi(usager, mode=mode, user=user, client=client), user=user)


@dataclasses.dataclass
class Qualification:
    """What one pass at the admission desk did: the identity as saved, the document check, the INSi answer."""

    usager: Usager
    justificatif: Justificatif | None = None
    appel: AppelInsi | None = None


def qualifier_identite(usager: Usager, traits: dict, *, controle: dict | None = None, appeler: bool = False,
                       user=None, client=None, tentative: str = "") -> Qualification:
    """The admission desk's use case: save the typed traits (only those the status lets change), record the
    document checked today (`controle`: type_justificatif, pays_cni, derogation), then, when asked, call INSi
    in MANU mode on behalf of the usager's OG. Each step commits on its own; a rule refusal (RegleRniv,
    AppelInsiRefuse) stops before the next step, so what was recorded stays and nothing is half-done. A fictive
    identity is refused before anything is written [R-ST-05][R-AT-03].

    `tentative` is the screen's attempt id: the same attempt replayed (double click, reload, two tabs) records
    the document once and calls INSi once; the replay gets the first call's answer. Attempts on one usager
    run one at a time (a lock shared by every process)."""
    ctx = None
    if controle:
        base = contexte_controle(usager)
        derogation = controle.get("derogation") or ""
        ctx = rniv.ContexteControle(base.categorie_etablissement, base.admission_directe_ehpad, base.mineur,
                                    (controle.get("pays_cni") or "").upper(),  # chosen, never defaulted
                                    mineur_ase=derogation == "ase", majeur_sans_document=derogation == "majeur")
        refus_fictive(usager, controle_haut=rniv.controle_haut_niveau(controle["type_justificatif"], ctx)[0])
    if appeler:
        refus_fictive(usager, appel_insi=True)
    with _une_tentative_a_la_fois(usager, tentative):
        changes = {k: v for k, v in traits.items() if k in rniv.champs_modifiables(usager.statut)}
        if not changes.get("premier_prenom"):
            changes.pop("premier_prenom", None)
        usager = modifier_traits(usager, changes, user=user)
        res = Qualification(usager)
        if controle:
            res.justificatif = enregistrer_controle(usager, controle["type_justificatif"], user=user, ctx=ctx,
                                                    tentative=tentative)
        usager.refresh_from_db()
        if appeler:
            res.appel = _appel_de_la_tentative(usager, tentative) if tentative else None
            if res.appel is None:
                appel = interroger_insi(usager, mode="MANU", user=user, client=client)
                appel.tentative = tentative
                res.appel = enregistrer_appel(appel, user=user)
    return res


def _appel_de_la_tentative(usager: Usager, tentative: str) -> AppelInsi | None:
    """The answer this attempt already got for the same traits (a technical error may be retried)."""
    envoyes = traits_recherche(usager)
    envoyes = {**dataclasses.asdict(envoyes), "date_naissance": envoyes.date_naissance.isoformat()}
    for appel in AppelInsi.objects.filter(usager=usager, tentative=tentative).exclude(cr="ERR").order_by("-pk"):
        if appel.traits_envoyes == json.loads(json.dumps(envoyes)):
            return appel
    return None


@contextmanager
def _une_tentative_a_la_fois(usager: Usager, tentative: str, attente: float = 60.0):
    """Serialise the admission attempts on one usager across processes (the INSi call takes seconds)."""
    if not tentative:
        yield
        return
    fin = time.monotonic() + attente
    while True:
        with verrou_exclusif(f"qualification-usager-{usager.pk}") as pris:
            if pris:
                yield
                return
        if time.monotonic() > fin:
            raise rniv.RegleRniv("R-ED-05", "Une autre qualification de cette identité est en cours : réessayez "
                                            "dans un instant")
        time.sleep(0.2)


def _jjmmaaaa(iso: str) -> str:
    parts = str(iso).split("-")
    return "/".join(reversed(parts)) if len(parts) == 3 else str(iso)


def comparaison(usager: Usager, appel: AppelInsi) -> list[dict]:
    """Rows for the side-by-side screen: typed value, INSi value, differs or not."""
    if not appel.reponse or appel.cr != "00":
        return []
    typed = _traits(usager)
    libelles = {"nom_naissance": "Nom de naissance", "prenoms_naissance": "Prénoms de naissance",
                "premier_prenom": "Premier prénom", "date_naissance": "Date de naissance", "sexe": "Sexe",
                "lieu_naissance": "Lieu de naissance"}
    ecarts = rniv.ecarts_traits(typed, appel.reponse)
    rows = []
    for k, lib in libelles.items():
        a, b = typed.get(k) or "", appel.reponse.get(k) or ""
        differe = k in ecarts or (k == "premier_prenom" and rniv.formater_nom(a) != rniv.formater_nom(b))
        if k == "date_naissance":  # shown JJ/MM/AAAA (R-DN-01), compared on the ISO value
            a, b = _jjmmaaaa(a), _jjmmaaaa(b)
        rows.append({"champ": k, "libelle": lib, "saisi": a, "insi": b, "diff": differe or a != b})
    return rows


@transaction.atomic
def accepter_identite(usager: Usager, appel: AppelInsi, *, user=None, motif: str = "",
                      automatique: bool = False) -> Usager:
    """Take the INSi identity: strict traits set to the returned ones VERBATIM [R-FMT-05], INS stored, old and new
    values kept in the history; status gains I [R-ST-03]; if traits changed on a validée identity the document
    control no longer matches them [R-ED-04]."""
    usager = Usager.objects.select_for_update().get(pk=usager.pk)
    appel = AppelInsi.objects.select_for_update().get(pk=appel.pk)  # two people may click at once
    ok, msg = rniv.appel_insi_autorise(usager.douteuse, usager.fictive)
    if not ok:
        raise rniv.RegleRniv("R-AT-03", msg)
    if appel.cr != "00" or not appel.reponse.get("matricule_ins"):
        raise rniv.RegleRniv("R-ST-03", "Aucune identité unique retournée par INSi : rien à accepter")
    if appel.decision == "perimee":
        raise rniv.RegleRniv("R-ST-06", "Cette réponse INSi précède la perte de l'INS : interrogez INSi à nouveau")
    if appel.decision:
        raise rniv.RegleRniv("R-ED-05", "Cette réponse INSi a déjà été traitée")
    rep = appel.reponse
    err = rniv.ins_erreur(rep["matricule_ins"], rep["cle_ins"], rep["oid_ins"])
    if err:
        raise rniv.RegleRniv("R-INS-07", err)
    anciens = _traits(usager) | {"ins": usager.ins, "oid_ins": usager.oid_ins}
    nouveaux = {"nom_naissance": rep["nom_naissance"], "prenoms_naissance": rep["prenoms_naissance"],
                "sexe": rep["sexe"], "date_naissance": rep["date_naissance"]}
    if rep.get("lieu_naissance"):
        nouveaux["lieu_naissance"] = rep["lieu_naissance"]
    # [R-TR-01][S5] premier prénom = the first of INSi's list (traced in the history); it stays editable
    # afterwards as long as it is coherent with the list [R-ED-02][R-FMT-04]
    nouveaux["premier_prenom"] = rep.get("premier_prenom") or rep["prenoms_naissance"].split(" ")[0]
    stricts_changes = {k: v for k, v in nouveaux.items() if str(anciens.get(k) or "") != str(v)}
    ancien_statut = usager.statut
    apcv = appel.canal == "AV"  # [R-ST-04][R-DOC-01] identity verified by the appli carte Vitale: qualifiée
    usager.statut = rniv.transition(usager.statut, "apcv" if apcv else "insi_ok", douteuse=usager.douteuse,
                                    fictive=usager.fictive, sexe=rep["sexe"])
    if {k for k in stricts_changes if k != "premier_prenom"} and rniv.criteres(usager.statut)[1] and not apcv:
        # the checked document showed other traits: control to be redone
        usager.statut = rniv.transition(usager.statut, "controle_perdu")
    for k, v in nouveaux.items():
        setattr(usager, k, DateLunaire.lire(v) if k == "date_naissance" else v)
    usager.matricule_ins, usager.cle_ins, usager.oid_ins = rep["matricule_ins"], rep["cle_ins"], rep["oid_ins"]
    usager.date_appel_insi = appel.le
    usager.save()
    appel.decision = "acceptee"
    appel.save(update_fields=["decision"])
    AnomalieIns.objects.filter(usager=usager, resolue_le__isnull=True).update(
        resolue_le=timezone.now(), resolue_par=_qui(user)[0], resolution="Identité INSi acceptée")
    changements = {k: [anciens.get(k), v] for k, v in stricts_changes.items()}
    changements["ins"] = [anciens["ins"], usager.ins]
    changements["oid_ins"] = [anciens["oid_ins"], usager.oid_ins]
    if appel.canal:
        changements["canal"] = [None, LIBELLES_CANAL.get(appel.canal, appel.canal)]
    if apcv:  # the app's identity check is the high-trust control, traced like a document [R-DOC-04]
        par, ident = _qui(user)
        Justificatif.objects.create(usager=usager, type="AV", haut_niveau=True, verifie_par=par,
                                    verifie_par_nom=ident, verifie_le=appel.le, pays="FR",
                                    raison="Identité vérifiée par l'appli carte Vitale et confirmée par INSi "
                                           "(R-DOC-01, R-ST-04).")
    if not motif and appel.canal:
        motif = f"Identité obtenue par {LIBELLES_CANAL.get(appel.canal, appel.canal)}"
    if not motif and ancien_statut == rniv.VALI and usager.statut == rniv.RECUP:
        motif = "Traits INSi différents du justificatif contrôlé : contrôle à refaire (R-ED-04)"
    historiser(usager, Ev.LOT if automatique else Ev.INSI_ACCEPTE, ancien_statut, user=user, motif=motif,
               changements=changements)
    tracer(Action.MODIFICATION, objet=usager, utilisateur=user,
           details={"insi": "acceptee", "appel": appel.pk, "statut": [ancien_statut, usager.statut]})
    return usager


@transaction.atomic
def rejeter_identite(usager: Usager, appel: AppelInsi, motif: str, *, user=None) -> None:
    if not motif.strip():
        raise rniv.RegleRniv("R-ED-05", "Le motif du rejet est obligatoire")
    appel = AppelInsi.objects.select_for_update().get(pk=appel.pk)
    if appel.decision:
        raise rniv.RegleRniv("R-ED-05", "Cette réponse INSi a déjà été traitée")
    appel.decision = "rejetee"
    appel.save(update_fields=["decision"])
    historiser(usager, Ev.INSI_REJETE, usager.statut, user=user, motif=motif.strip(),
               changements={"reponse_insi": [None, appel.reponse]})
    tracer(Action.MODIFICATION, objet=usager, utilisateur=user, details={"insi": "rejetee", "appel": appel.pk})


# --- perimeter helpers ---------------------------------------------------------------------------------------

_DATE_RECHERCHE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


def critere_recherche(q: str) -> tuple[str, DateLunaire | None]:
    """Split a search typed at the desk into (name or INS text, birth date): "12/03/1941" or "MARTIN 12/03/1941"
    searches by birth date, the first search the RNIV advises before creating an identity. A date that does not
    exist stays in the text (and then finds nobody)."""
    m = _DATE_RECHERCHE.search(q or "")
    if m:
        try:  # a lunar date (00/00/1962) is searched as given [R-DN-02]
            d = parse_saisie(f"{m.group(1)}/{m.group(2)}/{m.group(3)}")
        except ValueError:
            return (q or "").strip(), None
        return " ".join((q[:m.start()] + " " + q[m.end():]).split()), d
    return (q or "").strip(), None


def usagers_de(etablissements: QuerySet, actifs_seulement: bool = False) -> QuerySet[Usager]:
    q = Q(sejours__etablissement__in=etablissements)
    if actifs_seulement:
        q &= Q(sejours__date_sortie__isnull=True)
    return Usager.objects.filter(q, fusionne_dans__isnull=True).distinct()


# --- batch authorisation hook --------------------------------------------------------------------------------

def batch_autorise(organisme) -> tuple[bool, str]:
    """May this OG run an INSi batch? Only with an INSi-ready certificate deposited in the prerequisites cockpit,
    unless SOCLE_INSI_EXIGER_CERTIFICAT is off (a test platform)."""
    if not getattr(settings, "SOCLE_INSI_EXIGER_CERTIFICAT", False):
        return True, ""
    return certificat_insi_pret(organisme)


# --- statistics ----------------------------------------------------------------------------------------------

def lundi(d: date) -> date:
    return d - timedelta(days=d.weekday())


def suivis(etablissements) -> QuerySet[Usager]:
    """People currently followed by these ESMS (a stay without exit date), merged records excluded: each once,
    through a subquery (no join to deduplicate)."""
    return Usager.objects.filter(
        pk__in=Sejour.objects.filter(etablissement__in=etablissements, date_sortie__isnull=True).values("usager_id"),
        fusionne_dans__isnull=True)


def statuts_par_etablissement(etablissements) -> dict[int, Counter]:
    """Identity statuses of the people each ESMS follows, in one grouped query (someone followed by two of these
    ESMS counts in both)."""
    rows = (Sejour.objects.filter(etablissement__in=etablissements, date_sortie__isnull=True,
                                  usager__fusionne_dans__isnull=True)
            .order_by().values("etablissement_id", "usager__statut").annotate(n=Count("usager_id", distinct=True)))
    out: dict[int, Counter] = defaultdict(Counter)
    for r in rows:
        out[r["etablissement_id"]][r["usager__statut"]] += r["n"]
    return out


def progression_statuts(usagers: QuerySet[Usager], bornes: list[date]) -> list[Counter]:
    """For each day of `bornes`, how many of `usagers` had each status at its start (Europe/Paris): the status
    of the last history event before it, replayed in the database in one query. Each event is paired with the
    next one of the same person (LEAD), and counts for a day when it came before and the next one did not."""
    if not bornes:
        return []
    instants = [timezone.make_aware(datetime.combine(b, datetime.min.time())) for b in bornes]
    evenements = (HistoriqueIdentite.objects.filter(usager__in=usagers.values("pk"), le__lt=max(instants))
                  .order_by()
                  .annotate(suivant=Window(Lead("le"), partition_by=[F("usager_id")], order_by=[F("le"), F("id")]))
                  .values("nouveau_statut", "le", "suivant"))
    try:
        sql, params = evenements.query.sql_with_params()
    except EmptyResultSet:  # no ESMS at all
        return [Counter() for _ in bornes]
    adapter = connection.ops.adapt_datetimefield_value
    colonnes = ", ".join(["SUM(CASE WHEN t.le < %s AND (t.suivant IS NULL OR t.suivant >= %s) THEN 1 ELSE 0 END)"]
                         * len(instants))
    valeurs = [adapter(i) for i in instants for _ in (0, 1)]
    out = [Counter() for _ in bornes]
    with connection.cursor() as cur:
        cur.execute(f"SELECT t.nouveau_statut, {colonnes} FROM ({sql}) t GROUP BY t.nouveau_statut",
                    [*valeurs, *params])
        for statut, *nombres in cur.fetchall():
            for c, n in zip(out, nombres, strict=True):
                if n:
                    c[statut] += int(n)
    return out


def stats_identites(etablissements_qs, semaines: int = 12) -> dict:
    """Shares of identity statuses, anomaly queue by type, weekly progression — for one or many ESMS.
    Reused by the pilotage app. Counts people currently followed (no exit date), merged records excluded.
    A fixed number of queries whatever the number of ESMS and people (grouped in the database).

    Returns {"total": int, "par_statut": {"PROV"|"RECUP"|"VALI"|"QUAL": int},
    "statuts": [{"code", "libelle", "n", "pourcent"}], "anomalies": [{"code", "libelle", "n"}] (open ones),
    "anomalies_total": int, "progression": [{"semaine": date (Monday), "total", "PROV", "RECUP", "VALI", "QUAL",
    "pourcent_qual"}] oldest first, replayed from the status history}."""
    usagers = suivis(etablissements_qs)
    par_statut = Counter(dict(usagers.order_by().values_list("statut").annotate(n=Count("pk"))))
    total = sum(par_statut.values())
    statuts = [{"code": s, "libelle": rniv.LIBELLES[s], "n": par_statut.get(s, 0),
                "pourcent": round(100 * par_statut.get(s, 0) / total, 1) if total else 0.0} for s in rniv.STATUTS]
    anomalies = Counter(dict(AnomalieIns.objects.filter(etablissement__in=etablissements_qs, resolue_le__isnull=True)
                             .order_by().values_list("type").annotate(n=Count("pk"))))
    anomalies_l = [{"code": t.value, "libelle": t.label, "n": anomalies[t.value]} for t in TypeAnomalie
                   if anomalies.get(t.value)]
    # weekly progression: the status each person had at the end of each week
    fin = lundi(timezone.localdate()) + timedelta(days=7)
    debut = fin - timedelta(weeks=semaines)
    bornes = [debut + timedelta(weeks=w + 1) for w in range(semaines)]
    progression = []
    for borne, c in zip(bornes, progression_statuts(usagers, bornes), strict=True):
        n = sum(c.values())
        progression.append({"semaine": borne - timedelta(days=7), "total": n,
                            **{s: c.get(s, 0) for s in rniv.STATUTS},
                            "pourcent_qual": round(100 * c.get("QUAL", 0) / n, 1) if n else 0.0})
    return {"total": total, "statuts": statuts, "par_statut": {s: par_statut.get(s, 0) for s in rniv.STATUTS},
            "anomalies": anomalies_l, "anomalies_total": sum(anomalies.values()), "progression": progression}


# --- duplicates merge ----------------------------------------------------------------------------------------

@transaction.atomic
def fusionner(source: Usager, cible: Usager, *, user=None, motif: str = "", score: float | None = None) -> Fusion:
    """Merge `source` into `cible`: stays move to the kept record, the source stays in base marked fusionné
    (read-only), both histories are kept, the source's state is snapshotted so the merge can be undone."""
    if source.pk == cible.pk:
        raise rniv.RegleRniv("R-ED-05", "Impossible de fusionner une identité avec elle-même")
    if source.organisme_id != cible.organisme_id:
        raise rniv.RegleRniv("R-ED-05", "Fusion impossible entre deux organismes gestionnaires")
    source = Usager.objects.select_for_update().get(pk=source.pk)
    cible = Usager.objects.select_for_update().get(pk=cible.pk)
    if source.fusionne_dans_id or cible.fusionne_dans_id:
        raise rniv.RegleRniv("R-ED-05", "L'une des deux identités est déjà fusionnée")
    sejours = list(source.sejours.values_list("pk", flat=True))
    snapshot = _traits(source) | {"statut": source.statut, "ins": source.ins, "oid_ins": source.oid_ins}
    fusion = Fusion.objects.create(source=source, cible=cible, par=_qui(user)[0], le=timezone.now(), motif=motif,
                                   score=score, sejours_deplaces=sejours, etat_source=snapshot)
    Sejour.objects.filter(pk__in=sejours).update(usager=cible)
    source.fusionne_dans = cible
    source.save(update_fields=["fusionne_dans", "modifie_le"])
    historiser(source, Ev.FUSION, source.statut, user=user, motif=motif or f"Fusionné dans l'usager {cible.pk}",
               changements={"fusionne_dans": [None, cible.pk], "sejours": [sejours, []]})
    historiser(cible, Ev.FUSION, cible.statut, user=user, motif=motif or f"A reçu l'usager {source.pk}",
               changements={"fusion_de": [None, source.pk], "sejours_recus": [None, sejours]})
    tracer(Action.MODIFICATION, objet=cible, utilisateur=user, details={"fusion": fusion.pk, "source": source.pk})
    return fusion


@transaction.atomic
def annuler_fusion(fusion: Fusion, *, user=None, motif: str = "") -> None:
    """Undo a merge: the moved stays go back, the source is active again; both histories say so."""
    fusion = Fusion.objects.select_for_update().get(pk=fusion.pk)
    if fusion.annulee_le:
        raise rniv.RegleRniv("R-ED-05", "Cette fusion est déjà annulée")
    Sejour.objects.filter(pk__in=fusion.sejours_deplaces).update(usager=fusion.source)
    source = fusion.source
    source.fusionne_dans = None
    source.save(update_fields=["fusionne_dans", "modifie_le"])
    fusion.annulee_le, fusion.annulee_par = timezone.now(), _qui(user)[0]
    fusion.save(update_fields=["annulee_le", "annulee_par"])
    for u in (source, fusion.cible):
        historiser(u, Ev.DEFUSION, u.statut, user=user, motif=motif or f"Annulation de la fusion {fusion.pk}",
                   changements={"fusion": [fusion.pk, None]})
    tracer(Action.MODIFICATION, objet=fusion.cible, utilisateur=user, details={"annulation_fusion": fusion.pk})


@transaction.atomic
def declarer_distincts(a: Usager, b: Usager, *, user=None, motif: str = "") -> PaireDistincte:
    """Reviewed pair judged to be two people: both become homonymes [R-AT-05] (unless fictive [R-AT-04]) and
    the pair is no longer proposed as a probable duplicate."""
    if a.organisme_id != b.organisme_id or a.pk == b.pk:
        raise rniv.RegleRniv("R-AT-05", "Paire invalide")
    a, b = sorted((a, b), key=lambda u: u.pk)
    paire, _ = PaireDistincte.objects.get_or_create(usager_a=a, usager_b=b, defaults={
        "par": _qui(user)[0], "le": timezone.now(), "motif": motif})
    for u, autre in ((a, b), (b, a)):
        if not u.fictive and not u.homonyme:
            definir_attributs(u, douteuse=u.douteuse, fictive=False, homonyme=True, user=user,
                              motif=motif or f"Homonyme avéré de l'usager {autre.pk}")
    return paire


@transaction.atomic
def verifier_ins(usager: Usager, *, user=None, client=None, mode: str = "MANU") -> tuple[bool, AppelInsi]:
    """Verify a stored INS the only way INSi allows: search again with the stored traits and compare the returned
    INS and traits. A mismatch removes criterion I [R-ST-06] (QUAL→VALI, RECUP→PROV): the INS is detached from
    traits it no longer matches (old values kept in the history) and an anomaly is queued."""
    usager = Usager.objects.select_for_update().get(pk=usager.pk)
    if usager.statut not in (rniv.RECUP, rniv.QUAL) or not usager.matricule_ins:
        raise rniv.RegleRniv("R-ST-06", "Aucun INS récupéré à vérifier")
    appel = appeler_insi(usager, mode=mode, user=user, client=client)
    if appel.cr == "ERR":
        return False, appel  # nothing learnt: status unchanged
    rep = appel.reponse
    ecarts = rniv.ecarts_traits(_traits(usager), rep) if appel.cr == "00" else {}
    ins_retourne = (rep.get("matricule_ins", "") + rep.get("cle_ins", "")) if appel.cr == "00" else ""
    conforme = appel.cr == "00" and ins_retourne == usager.ins and not ecarts
    ancien = usager.statut
    if conforme:
        appel.decision = "acceptee"
        appel.save(update_fields=["decision"])
        historiser(usager, Ev.VERIFICATION, ancien, user=user, motif="INS et traits confirmés par INSi")
        return True, appel
    avant = {"ins": usager.ins, "oid_ins": usager.oid_ins}
    usager.statut = rniv.transition(usager.statut, "insi_perdu")
    _detacher_ins_si_perdu(usager, ancien, garder=appel.pk)
    usager.save()
    if appel.cr != "00":
        detail = f"INSi ne retrouve plus cette identité (code retour {appel.cr})"
    else:
        parts = [f"INSi renvoie le matricule {ins_retourne}"] if ins_retourne != avant["ins"] else []
        parts += [f"{rniv.LIBELLES_TRAITS.get(k, k)} : « {a} » / INSi « {b} »" for k, (a, b) in ecarts.items()]
        detail = "; ".join(parts)
    historiser(usager, Ev.VERIFICATION, ancien, user=user, motif=f"Vérification non conforme : {detail} (R-ST-06)",
               changements={"ins": [avant["ins"], ""], "oid_ins": [avant["oid_ins"], ""]})
    sejour = usager.sejours.filter(date_sortie__isnull=True).first() or usager.sejours.first()
    if sejour is not None:
        AnomalieIns.objects.create(usager=usager, etablissement=sejour.etablissement, type=TypeAnomalie.ECART_TRAITS
                                   if appel.cr == "00" else TypeAnomalie.NON_TROUVEE, detail=detail,
                                   ecarts={k: list(v) for k, v in ecarts.items()}, creee_le=timezone.now())
    tracer(Action.MODIFICATION, objet=usager, utilisateur=user, details={"verification_ins": "non conforme"})
    return False, appel


@transaction.atomic
def ajouter_sejour(usager: Usager, etablissement, date_admission: date, *, user=None) -> Sejour:
    """Another ESMS of the same OG starts following the person."""
    if etablissement.organisme_id != usager.organisme_id:
        raise rniv.RegleRniv("R-ED-05", "Un usager n'est suivi que par les ESMS de son organisme gestionnaire")
    if usager.sejours.filter(etablissement=etablissement, date_sortie__isnull=True).exists():
        raise rniv.RegleRniv("R-ED-05", "Cet ESMS suit déjà la personne (accompagnement en cours)")
    sejour = Sejour.objects.create(usager=usager, etablissement=etablissement, date_admission=date_admission)
    historiser(usager, Ev.TRAITS, usager.statut, user=user, motif=f"Admission : {etablissement.nom}",
               changements={"accompagnement": [None, f"{etablissement.finess} depuis {date_admission:%d/%m/%Y}"]})
    tracer(Action.MODIFICATION, objet=usager, utilisateur=user, details={"admission": etablissement.finess})
    return sejour


@transaction.atomic
def enregistrer_sortie(sejour: Sejour, date_sortie: date, *, user=None) -> Sejour:
    if sejour.date_sortie:
        raise rniv.RegleRniv("R-ED-05", "La sortie est déjà enregistrée")
    if date_sortie < sejour.date_admission:
        raise rniv.RegleRniv("R-ED-05", "La date de sortie précède la date d'admission")
    sejour.date_sortie = date_sortie
    sejour.save(update_fields=["date_sortie"])
    historiser(sejour.usager, Ev.TRAITS, sejour.usager.statut, user=user,
               motif=f"Sortie : {sejour.etablissement.nom}",
               changements={"accompagnement": [f"{sejour.etablissement.finess} en cours",
                                               f"sorti le {date_sortie:%d/%m/%Y}"]})
    tracer(Action.MODIFICATION, objet=sejour.usager, utilisateur=user, details={"sortie": sejour.etablissement.finess})
    return sejour
