"""Sending documents to the DMP through the outbox (`models_dmp.EnvoiDmp`), and reading a usager's DMP.

`programmer_envoi()` is what the "Envoyer au DMP" button calls: the checks of `services.demander_envoi`
(qualified identity, valid CDA, no opposition, the organisation's DMP certificates), the document to
« envoyé », the outbox row, the task queued after the commit. `traiter()` is the worker's side (task
`envoyer_au_dmp`): one process per row (an exclusive lock), the claim committed before the call, temporary
errors retried with an exponential backoff, permanent ones stopping the row with the DMP's reason shown to the
author, a row left mid-call by a dead worker reconciled with the DMP (ITI-18) before anything is sent again.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from socle.connecteurs.commun.appelant import Appelant
from socle.connecteurs.dmp import client_pour
from socle.connecteurs.dmp.interface import (
    OID_TRE_R85,
    PROFESSION_AUTOMATE,
    Code,
    ContexteAppel,
    DmpErreur,
    DmpErreurPermanente,
    FicheDocument,
)
from socle.core.bdd import reessayer_si_verrouillee
from socle.core.travaux import TransitionInterdite
from socle.core.verrous import verrou_exclusif
from socle.organisations.models import OrganismeGestionnaire
from socle.prerequis import services as prerequis

from . import services
from .models import Document, Statut
from .models_dmp import EnvoiDmp

log = logging.getLogger(__name__)
E = EnvoiDmp.Etat
SECTEUR_AGEES = Code("SA17", "1.2.250.1.71.4.2.4", "Etablissement pour personnes âgées")
SECTEUR_MEDICO_SOCIAL = Code("SA41", "1.2.250.1.71.4.2.4", "Etablissement et service médico-social")


def secteur_de(etablissement) -> Code:
    """VIHF Secteur_Activite (TRE_R02): SA17 for an EHPAD, SA41 (medico-social) otherwise."""
    return SECTEUR_AGEES if "EHPAD" in (etablissement.categorie_libelle or "").upper() else SECTEUR_MEDICO_SOCIAL


def essais_max() -> int:
    return int(getattr(settings, "SOCLE_DMP_ESSAIS_MAX", 8))


def attente(essais: int) -> timedelta:
    """Backoff before try `essais + 1`: 1 min, 2, 4 … capped at 1 h (SOCLE_DMP_ATTENTE_BASE seconds as base)."""
    base = float(getattr(settings, "SOCLE_DMP_ATTENTE_BASE", 60.0))
    return timedelta(seconds=min(base * 2 ** max(essais - 1, 0), 3600.0))


# --------------------------------------------------------------------------- credentials and context


def fournisseur(appelant: Appelant, usage: str):
    """The organisation's certificates from the prerequisites cockpit (DMP-AUTH / DMP-SIGN)."""
    og = OrganismeGestionnaire.objects.filter(finess=appelant.organisme_finess).first()
    return prerequis.certificat_pour(og, usage) if og is not None else None


def appelant_de(document: Document, par=None) -> Appelant:
    og = document.etablissement.organisme
    personne = getattr(par, "username", "") if par is not None else ""
    return Appelant(organisme_finess=og.finess, organisme_nom=og.raison_sociale, personne=personne or None)


def client_de(document: Document, par=None):
    return client_pour(appelant_de(document, par), fournisseur)


def contexte_de(document: Document, par=None) -> ContexteAppel:
    """The VIHF context: the ESMS (national id "1" + FINESS), the author (RPPS, TRE_R85 rôle as 2nd role) or
    the person who triggered the call, the usager's INS. Sent by the worker: 1st role AUTOMATE."""
    from socle.referentiels import roles_enregistrement

    et = document.etablissement
    usager = document.usager
    role = None
    if document.auteur_role:
        libelles = dict(roles_enregistrement())
        role = Code(document.auteur_role, OID_TRE_R85, libelles.get(document.auteur_role, ""))
    if document.auteur_id and document.auteur_rpps:
        pro = document.auteur
        utilisateur_id, nom = f"8{document.auteur_rpps}", f"{pro.nom_naissance} {pro.prenom_usuel}".strip()
    else:
        utilisateur_id = getattr(par, "username", "") or "socle-automate"
        nom = getattr(par, "get_full_name", lambda: "")() or utilisateur_id
    return ContexteAppel(
        structure_id=f"1{et.finess}", structure_nom=et.nom, utilisateur_id=utilisateur_id, utilisateur_nom=nom,
        ins=usager.ins, ins_oid=usager.oid_ins, role_prise_charge=role, secteur=secteur_de(et),
    )


# --------------------------------------------------------------------------- queueing


def programmer_envoi(document: Document, par) -> EnvoiDmp:
    """Put the document in the DMP outbox (refused with the reasons, as DocumentInvalide)."""
    raisons = services.demander_envoi(document, par)
    if raisons:
        raise services.DocumentInvalide(raisons)
    with transaction.atomic():
        services.envoyer(document, par, details={"file_dmp": "ajout"})
        envoi, cree = EnvoiDmp.objects.get_or_create(document=document)
        if not cree:  # a new try after a rejection
            envoi.passer(E.EN_ATTENTE, prochain_essai=None, essais=0, derniere_erreur="", code_erreur="")
        from .tasks import envoyer_au_dmp

        transaction.on_commit(lambda: envoyer_au_dmp.enqueue(envoi.pk))
    return envoi


# --------------------------------------------------------------------------- processing (worker)


def _entree_precedente(document: Document) -> str:
    """entryUUID in the DMP of the version this document replaces (RPLC), "" when it never reached the DMP."""
    if document.remplace_id is None:
        return ""
    envoi = EnvoiDmp.objects.filter(document_id=document.remplace_id, etat=E.ACCEPTE).first()
    return envoi.entry_uuid if envoi is not None else ""


def unique_id_de(document: Document) -> str:
    from socle.connecteurs.dmp.metadonnees import unique_id_du_cda

    return unique_id_du_cda(document.cda.encode("utf-8"))


def _dans_le_dmp(client, document: Document, contexte: ContexteAppel) -> FicheDocument | None:
    """The DMP's entry for this document, if it registered it (ITI-18)."""
    uid = unique_id_de(document)
    return next((f for f in client.rechercher(contexte) if f.unique_id == uid), None)


def _historique(envoi: EnvoiDmp, evenement: str) -> list:
    return [*envoi.historique, {"le": timezone.now().isoformat(timespec="seconds"), "evenement": evenement}][-50:]


def _accepte(envoi: EnvoiDmp, fiche: FicheDocument | None, notes=(), comment: str = "accepté") -> None:
    document = envoi.document

    @transaction.atomic
    def ecrire():
        envoi.passer(E.ACCEPTE, entry_uuid=fiche.entry_uuid if fiche else "", notes=list(notes),
                     historique=_historique(envoi, comment), derniere_erreur="", code_erreur="")
        if document.statut == Statut.ENVOYE:
            services.accepter(document, None, details={"dmp": comment, "entry_uuid": envoi.entry_uuid})

    reessayer_si_verrouillee(ecrire, quoi=f"envoi DMP {envoi.pk}")


def _rejete(envoi: EnvoiDmp, exc: DmpErreur | str) -> None:
    message = str(exc)
    code = getattr(exc, "code", "") or ""

    @transaction.atomic
    def ecrire():
        envoi.passer(E.REJETE, derniere_erreur=message, code_erreur=code[:80],
                     historique=_historique(envoi, f"refusé : {code}"))
        if envoi.document.statut == Statut.ENVOYE:
            services.rejeter(envoi.document, message, None, details={"dmp": code})

    reessayer_si_verrouillee(ecrire, quoi=f"envoi DMP {envoi.pk}")


def _plus_tard(envoi: EnvoiDmp, exc: DmpErreur | str) -> None:
    message, code = str(exc), getattr(exc, "code", "") or ""
    prochain = timezone.now() + attente(envoi.essais)

    def ecrire():
        envoi.passer(E.EN_ATTENTE, prochain_essai=prochain, derniere_erreur=message, code_erreur=code[:80],
                     historique=_historique(envoi, f"nouvel essai prévu ({code or 'reprise'})"))

    reessayer_si_verrouillee(ecrire, quoi=f"envoi DMP {envoi.pk}")
    from .tasks import envoyer_au_dmp

    try:
        envoyer_au_dmp.using(run_after=prochain).enqueue(envoi.pk)
    except Exception:  # noqa: BLE001 - a backend without deferral: `socle dmp-envois` picks it up
        log.warning("Envoi DMP %s : nouvel essai non programmé automatiquement", envoi.pk)


def _reconcilier(envoi: EnvoiDmp, client) -> EnvoiDmp:
    """A row left in `appel`: ask the DMP before sending anything again."""
    document = envoi.document
    try:
        fiche = _dans_le_dmp(client, document, contexte_de(document))
    except DmpErreur as exc:
        log.warning("Envoi DMP %s : vérification impossible (%s)", envoi.pk, exc)
        return envoi  # stays in `appel`: checked again on the next run, never sent blindly
    if fiche is not None:
        _accepte(envoi, fiche, comment="trouvé dans le DMP après une interruption : pas de second envoi")
    else:
        _plus_tard(envoi, "Envoi interrompu avant son enregistrement par le DMP : nouvel essai.")
    return envoi


def traiter(envoi_id: int, client=None) -> EnvoiDmp:
    """Send one outbox row (or reconcile it after a crash). Safe to call any number of times, from any number
    of workers: one at a time per row (a lock that dies with its holder), the claim committed before the call."""
    with verrou_exclusif(f"envoi-dmp-{envoi_id}") as pris:
        envoi = EnvoiDmp.objects.select_related("document__usager", "document__etablissement__organisme").get(
            pk=envoi_id)
        if not pris:
            return envoi
        document = envoi.document
        client = client or client_de(document)
        if envoi.etat == E.APPEL:  # its worker died mid-call
            return _reconcilier(envoi, client)
        if envoi.etat != E.EN_ATTENTE:
            return envoi
        if envoi.prochain_essai and envoi.prochain_essai > timezone.now():
            return envoi
        try:
            reessayer_si_verrouillee(lambda: envoi.passer(E.APPEL, essais=envoi.essais + 1),
                                     quoi=f"envoi DMP {envoi.pk}")
        except TransitionInterdite:
            return envoi
        contexte = contexte_de(document)
        try:
            resultat = client.envoyer(document.cda.encode("utf-8"), contexte, remplace=_entree_precedente(document),
                                      confidentialite=tuple(document.masquage or ()))
        except DmpErreurPermanente as exc:
            if exc.code == "XDSDocumentUniqueIdError":  # the DMP already has it (an earlier try reached it)
                return _reconcilier(envoi, client)
            _rejete(envoi, exc)
            return envoi
        except DmpErreur as exc:  # temporary
            if envoi.essais >= essais_max():
                _rejete(envoi, f"Abandon après {envoi.essais} essais : {exc}")
            else:
                _plus_tard(envoi, exc)
            return envoi
        try:
            fiche = _dans_le_dmp(client, document, contexte)
        except DmpErreur:
            fiche = None  # accepted; the entryUUID is read again when a replacement needs it
        _accepte(envoi, fiche, notes=resultat.notes)
        return envoi


def en_attente_dues() -> list[int]:
    """Rows waiting whose next try is due."""
    du = Q(prochain_essai__isnull=True) | Q(prochain_essai__lte=timezone.now())
    return list(EnvoiDmp.objects.filter(du, etat=E.EN_ATTENTE).values_list("pk", flat=True))


def traiter_tout() -> dict[str, int]:
    """Every due row, and every row left mid-call (the daily sweep, `socle dmp-envois`)."""
    ids = en_attente_dues() + list(EnvoiDmp.objects.filter(etat=E.APPEL).values_list("pk", flat=True))
    compte: dict[str, int] = {}
    for pk in ids:
        envoi = traiter(pk)
        compte[envoi.etat] = compte.get(envoi.etat, 0) + 1
    return compte


# --------------------------------------------------------------------------- masking in the DMP (ITI-57)


def masquer_dans_dmp(document: Document, codes: list[str], par) -> Document:
    """Masking codes of a document: in the DMP first (ITI-57, synchronous, a person asked for it) when the
    DMP holds it, then on Socle's side. A document not yet in the DMP takes its codes with its sending."""
    envoi = EnvoiDmp.objects.filter(document=document, etat=E.ACCEPTE).first()
    if envoi is not None:
        client = client_de(document, par)
        contexte = contexte_consultation(document.usager, document.etablissement, par)
        fiche = _dans_le_dmp(client, document, contexte)
        if fiche is None:
            raise DmpErreurPermanente("Le DMP ne trouve plus ce document : masquage impossible.", code="introuvable")
        client.masquer(fiche, tuple(sorted(set(codes))), contexte)
        nouvelle = _dans_le_dmp(client, document, contexte)
        EnvoiDmp.objects.filter(pk=envoi.pk).update(
            entry_uuid=nouvelle.entry_uuid if nouvelle else envoi.entry_uuid,
            historique=_historique(envoi, f"masquage dans le DMP : {', '.join(codes) or 'aucun'}"))
    return services.masquer(document, codes, par)


# --------------------------------------------------------------------------- consultation


def contexte_consultation(usager, etablissement, user) -> ContexteAppel:
    """The VIHF context of a person reading a usager's DMP: the ESMS, the person (8 + RPPS when she has a staff
    record), her profession (TRE_G15) as 1st role and her TRE_R85 rôle as the 2nd."""
    from socle.personnel.services import professionnel_du_compte
    from socle.referentiels import roles_enregistrement

    pro = professionnel_du_compte(user, etablissement)
    situation = pro.situations.filter(etablissement=etablissement, date_fin__isnull=True).first() if pro else None
    role = None
    if situation is not None and situation.role:
        role = Code(situation.role, OID_TRE_R85, dict(roles_enregistrement()).get(situation.role, ""))
    profession = PROFESSION_AUTOMATE
    if situation is not None and situation.profession and situation.profession != "99":
        profession = Code(f"G15_{situation.profession}", "1.2.250.1.71.1.2.7", "")
    return ContexteAppel(
        structure_id=f"1{etablissement.finess}", structure_nom=etablissement.nom,
        utilisateur_id=f"8{pro.rpps}" if pro is not None and pro.rpps else user.get_username(),
        utilisateur_nom=user.get_full_name() or user.get_username(), ins=usager.ins, ins_oid=usager.oid_ins,
        profession=profession, role_prise_charge=role,
        secteur=secteur_de(etablissement),
    )


def client_de_esms(etablissement, par=None):
    """The DMP client of the ESMS's organisation (its cockpit certificates), acting for `par`."""
    og = etablissement.organisme
    personne = getattr(par, "username", "") if par is not None else ""
    return client_pour(Appelant(organisme_finess=og.finess, organisme_nom=og.raison_sociale,
                                personne=personne or None), fournisseur)
