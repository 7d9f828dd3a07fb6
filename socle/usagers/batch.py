"""Backlog qualification batches: queue the ESMS's usagers without a qualified INS, call INSi in AUTO mode at a
given rate, take coherent answers, put every failure in the anomaly queue.

Crash safety: each line is committed as APPEL *before* the call and with its result *after*. On a restart, a
line still in APPEL may or may not have reached INSi: it is sent to the anomaly queue ("appel interrompu"),
never re-called automatically — so nobody is called twice and nothing is lost. A batch is run by one process at
a time (an exclusive lock that dies with its holder), so a line in APPEL always belongs to a dead process.

A locked database (another process writing, SQLite) does not kill the batch: each line's writes are retried
for a while (socle.core.bdd, setting SOCLE_BDD_VERROU_DELAI_MAX); the INSi call itself is never repeated."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from socle.core.bdd import reessayer_si_verrouillee
from socle.core.verrous import verrou_exclusif

from . import affichage, rniv, services
from .models import AnomalieIns, LigneLot, LotQualification, Statut, TypeAnomalie, Usager

L = LigneLot.Etat


def eligibles(etablissement, *, rappeler: bool = False):
    """Currently followed, not qualified, not douteuse/fictive [R-AT-03], not merged. Unless a new call is asked
    for (`rappeler`), identities INSi already answered are left out: recovered ones, and those waiting in the
    anomaly queue (not found, several, differences, interrupted call) — a person must look at them first."""
    qs = (services.usagers_de(type(etablissement).objects.filter(pk=etablissement.pk), actifs_seulement=True)
          .exclude(statut=Statut.QUAL).filter(douteuse=False, fictive=False))
    if not rappeler:
        qs = qs.exclude(statut=Statut.RECUP).exclude(
            pk__in=AnomalieIns.objects.filter(resolue_le__isnull=True).values("usager_id"))
    return qs.order_by("pk")


def lot_inacheve(etablissement) -> LotQualification | None:
    """The ESMS's oldest batch with lines still to call (or left mid-call by a crash), to resume first."""
    return (LotQualification.objects.filter(etablissement=etablissement)
            .exclude(etat=LotQualification.Etat.TERMINE)
            .filter(lignes__etat__in=[L.A_FAIRE, L.APPEL]).distinct().order_by("pk").first())


@transaction.atomic
def preparer_lot(etablissement, *, user=None, limite: int | None = None, debit: float = 5.0,
                 rappeler: bool = False) -> LotQualification:
    ok, raison = services.batch_autorise(etablissement.organisme)
    if not ok:
        raise PermissionError(raison or "Lot INSi non autorisé pour cet organisme.")
    services.client_insi(etablissement.organisme, "AUTO")  # AppelInsiRefuse: no INSI-AUTO certificate of the OG
    if debit <= 0:
        raise ValueError("Le débit doit être positif (appels par seconde).")
    lot = LotQualification.objects.create(etablissement=etablissement, cree_par=user if user and user.is_authenticated
                                          else None, debit=debit)
    # people already waiting in another unfinished batch are not queued twice
    occupes = LigneLot.objects.filter(lot__etablissement=etablissement, etat__in=[L.A_FAIRE, L.APPEL]).exclude(
        lot=lot).values_list("usager_id", flat=True)
    ids = list(eligibles(etablissement, rappeler=rappeler).exclude(pk__in=occupes).values_list("pk", flat=True))
    if limite:
        ids = ids[:limite]
    LigneLot.objects.bulk_create([LigneLot(lot=lot, usager_id=i) for i in ids], batch_size=1000)
    return lot


def _anomalie(ligne: LigneLot, usager: Usager, type_: str, detail: str, ecarts: dict | None = None) -> None:
    """Queue the failure; an older open anomaly of the same person is superseded (the queue shows today's state)."""
    AnomalieIns.objects.filter(usager=usager, resolue_le__isnull=True).update(
        resolue_le=timezone.now(), resolution=f"Remplacée par le résultat du lot {ligne.lot_id}")
    AnomalieIns.objects.create(usager=usager, etablissement=ligne.lot.etablissement, ligne=ligne, type=type_,
                               detail=detail, ecarts=ecarts or {}, creee_le=timezone.now())
    ligne.etat, ligne.message = L.ANOMALIE, detail[:300]


def reprendre_interrompues(lot: LotQualification) -> int:
    """Lines left in APPEL by a crash: to the anomaly queue, never re-called."""
    n = 0
    for ligne in lot.lignes.filter(etat=L.APPEL).select_related("usager", "lot__etablissement"):
        @transaction.atomic
        def _ecrire(ligne=ligne):
            _anomalie(ligne, ligne.usager, TypeAnomalie.INTERROMPU,
                      "Traitement interrompu pendant l'appel INSi : réponse non enregistrée.")
            ligne.fin_appel = timezone.now()
            ligne.save()

        reessayer_si_verrouillee(_ecrire, quoi=f"lot {lot.pk}, reprise de la ligne {ligne.pk}")
        n += 1
    return n


def _traiter(ligne: LigneLot, usager: Usager, appel) -> None:
    if appel.cr == "ERR":
        _anomalie(ligne, usager, TypeAnomalie.ERREUR_TECHNIQUE, appel.erreur or "Erreur technique INSi")
    elif appel.cr == "01":
        _anomalie(ligne, usager, TypeAnomalie.NON_TROUVEE, "INSi ne trouve aucune identité avec ces traits.")
    elif appel.cr == "02":
        _anomalie(ligne, usager, TypeAnomalie.PLUSIEURS, "INSi trouve plusieurs identités avec ces traits.")
    elif appel.cr == "00":
        rep = appel.reponse
        err = rniv.ins_erreur(rep.get("matricule_ins", ""), rep.get("cle_ins", ""), rep.get("oid_ins", ""))
        saisis = services._traits(usager)
        if err:
            _anomalie(ligne, usager, TypeAnomalie.CLE_INVALIDE, err)
        elif rniv.coherence_insi(saisis, rep):
            services.accepter_identite(usager, appel, automatique=True,
                                       motif=f"Lot {ligne.lot_id} : réponse INSi conforme aux traits saisis")
            ligne.etat, ligne.message = L.QUALIFIEE, "INS récupéré"
        else:
            ecarts = rniv.ecarts_traits(saisis, rep)
            type_ = rniv.type_ecart(ecarts) or TypeAnomalie.ECART_TRAITS
            detail = "; ".join(f"{rniv.LIBELLES_TRAITS.get(k, k)} : saisi « {affichage.valeur_lisible(k, a)} », "
                               f"INSi « {affichage.valeur_lisible(k, b)} »" for k, (a, b) in ecarts.items())
            _anomalie(ligne, usager, type_, detail, {k: list(v) for k, v in ecarts.items()})
    else:
        _anomalie(ligne, usager, TypeAnomalie.ERREUR_TECHNIQUE, f"Code retour INSi inattendu « {appel.cr} »")


def executer_lot(lot_id: int, *, client=None, pause: Callable[[float], None] = time.sleep,
                 progression: Callable[[LotQualification, int], None] | None = None,
                 horloge: Callable[[], float] = time.monotonic) -> LotQualification:
    """Run (or resume) a batch. Safe to call again after any interruption. The calls are made on behalf of the
    ESMS's OG with its INSI-AUTO certificate (services.client_insi; AppelInsiRefuse before any change if none).

    One process at a time runs a given batch, on any machine (socle.core.verrous: the lock dies with its
    holder). A second `socle worker` given the same batch leaves it to the first and returns at once: it
    would otherwise take the first one's call in progress for an interrupted one, and double the rate."""
    with verrou_exclusif(f"lot-ins-{lot_id}") as pris:
        if not pris:
            return LotQualification.objects.select_related("etablissement__organisme").get(pk=lot_id)
        return _executer_lot(lot_id, client=client, pause=pause, progression=progression, horloge=horloge)


def _executer_lot(lot_id: int, *, client, pause, progression, horloge) -> LotQualification:
    lot = LotQualification.objects.select_related("etablissement__organisme").get(pk=lot_id)
    if lot.etat == LotQualification.Etat.TERMINE:
        return lot
    try:
        client = client or services.client_insi(lot.etablissement.organisme, "AUTO")
    except services.AppelInsiRefuse as exc:  # no usable certificate any more: say so on the batch's page
        lot.passer(LotQualification.Etat.INTERROMPU, message=str(exc))
        raise
    reprendre_interrompues(lot)
    reessayer_si_verrouillee(lambda: lot.passer(LotQualification.Etat.EN_COURS, message=""), quoi=f"lot {lot.pk}")
    intervalle = 1.0 / lot.debit if lot.debit > 0 else 0.0
    prochain = horloge()
    faits = 0
    for ligne_id in list(lot.lignes.filter(etat=L.A_FAIRE).order_by("id").values_list("pk", flat=True)):
        quoi = f"lot {lot.pk}, ligne {ligne_id}"
        # commit "call in progress" before calling: a crash after this point never leads to a second call
        if not reessayer_si_verrouillee(lambda i=ligne_id: LigneLot.objects.filter(pk=i, etat=L.A_FAIRE).update(
                etat=L.APPEL, debut_appel=timezone.now()), quoi=quoi):
            continue
        ligne = reessayer_si_verrouillee(lambda i=ligne_id: LigneLot.objects.select_related(
            "usager", "lot__etablissement").get(pk=i), quoi=quoi)
        usager = ligne.usager
        if usager.statut == Statut.QUAL or usager.douteuse or usager.fictive or usager.fusionne_dans_id:
            reessayer_si_verrouillee(lambda i=ligne_id: LigneLot.objects.filter(pk=i).update(
                etat=L.IGNOREE, fin_appel=timezone.now(),
                message="Qualifiée, douteuse, fictive ou fusionnée entre-temps"), quoi=quoi)
            continue
        attente = prochain - horloge()
        if attente > 0:
            pause(attente)
        prochain = max(prochain, horloge()) + intervalle
        try:
            appel = services.interroger_insi(usager, mode="AUTO", client=client)
        except (rniv.RegleRniv, ValueError) as exc:  # nothing was sent
            @transaction.atomic
            def _refus(ligne=ligne, usager=usager, message=str(exc)):
                ligne.fin_appel = timezone.now()
                _anomalie(ligne, usager, TypeAnomalie.TRAITS_INCOMPLETS, message)
                ligne.save()

            reessayer_si_verrouillee(_refus, quoi=quoi)
            continue
        if appel.cr == "ERR" and appel.reponse.get("reessayable") is False:
            # The téléservice refused the call itself (certificate, configuration, request): nothing was
            # processed, every next call would be refused the same way. Stop; this person waits to be called
            # again when the batch is resumed after the fix.
            @transaction.atomic
            def _arret(ligne_id=ligne_id, appel=appel):
                services.enregistrer_appel(appel)
                LigneLot.objects.filter(pk=ligne_id).update(etat=L.A_FAIRE, debut_appel=None)

            reessayer_si_verrouillee(_arret, quoi=quoi)
            message = (f"Lot arrêté : le téléservice INSi refuse les appels ({appel.erreur[:300]}). Corrigez la "
                       "cause (certificat, configuration) puis reprenez le lot : personne n'est appelé deux fois.")
            reessayer_si_verrouillee(lambda m=message: lot.passer(LotQualification.Etat.INTERROMPU, message=m),
                                     quoi=f"lot {lot.pk}, arrêt")
            return lot

        essais = [0]

        @transaction.atomic
        def _resultat(ligne=ligne, usager=usager, appel=appel, essais=essais):
            # one commit for the answer, its trace, the identity and the line state; after a locked database the
            # whole unit is written again from the same answer (INSi is not called again), on fresh records
            if essais[0]:
                usager.refresh_from_db()
                ligne.refresh_from_db()
            essais[0] += 1
            services.enregistrer_appel(appel)
            ligne.appel = appel
            ligne.fin_appel = timezone.now()
            _traiter(ligne, usager, appel)
            ligne.save()

        reessayer_si_verrouillee(_resultat, quoi=quoi)
        faits += 1
        reessayer_si_verrouillee(lot.signe_de_vie, quoi=quoi)
        if progression:
            progression(lot, faits)
    reessayer_si_verrouillee(lambda: lot.passer(LotQualification.Etat.TERMINE), quoi=f"lot {lot.pk}, fin")
    return lot


def interrompre_bloques(delai: timedelta | None = None) -> int:
    """Batches with no sign of life for `delai` (their worker died) become « Interrompu », resumable from the
    screen or by running `socle ins qualify` again: no line is lost, none is called twice."""

    def libre(lot: LotQualification) -> bool:  # a live process still running it (a slow call) is not stuck
        with verrou_exclusif(f"lot-ins-{lot.pk}") as pris:
            return pris

    return len(LotQualification.clore_bloques(LotQualification.Etat.INTERROMPU, lambda lot: {"message": (
        "Le traitement s'est arrêté sans finir (processus interrompu) : reprenez le lot ; les personnes "
        "déjà interrogées ne seront pas rappelées.")}, delai, libre))
