"""Entry point of `socle ins qualify --establishment FINESS [--limit N] [--rate R]` (called by the `ins`
command's dispatcher): queue the ESMS's usagers without a qualified INS and run the batch in the foreground."""

from __future__ import annotations

import json
import sys

from django.conf import settings
from django.db import OperationalError

from socle.core.bdd import base_verrouillee
from socle.organisations.models import Etablissement

from .batch import executer_lot, lot_inacheve, preparer_lot


def qualify(options) -> int:
    """Return 0 when the batch ran to the end, 1 on a refusal (unknown FINESS, batch not authorised…)."""
    opts = dict(options) if not isinstance(options, dict) else options
    out = opts.get("stdout") or sys.stdout
    err = opts.get("stderr") or sys.stderr
    finess = (opts.get("establishment") or "").strip()
    et = Etablissement.objects.filter(finess=finess).select_related("organisme").first()
    if et is None:
        err.write(f"Établissement FINESS « {finess} » introuvable.\n")
        return 1
    rate = float(opts.get("rate") or getattr(settings, "SOCLE_INSI_RATE", 5.0))
    lot = lot_inacheve(et)
    if lot is not None:  # after a crash: finish what was started, never call anyone twice
        total = lot.lignes.count()
        reste = lot.lignes.filter(etat__in=["a_faire", "appel"]).count()
        out.write(f"Reprise du lot {lot.pk} inachevé : {reste} usager(s) restant(s) sur {total} ; les appels "
                  "interrompus vont dans la file des anomalies, sans nouvel appel.\n")
    else:
        try:
            lot = preparer_lot(et, limite=opts.get("limit") or None, debit=rate, rappeler=bool(opts.get("rappeler")))
        except (PermissionError, ValueError) as exc:
            err.write(f"Lot refusé : {exc}\n")
            return 1
        total = lot.lignes.count()
        out.write(f"Lot {lot.pk} : {total} usager(s) de {et.nom} à qualifier, {rate:g} appel(s)/s.\n")

    def _prog(lot_, n):
        if n % 50 == 0 or n == total:
            out.write(f"  {n}/{total}\n")

    try:
        lot = executer_lot(lot.pk, progression=_prog)
    except PermissionError as exc:  # e.g. the OG's INSI-AUTO certificate was removed since: nothing was called
        err.write(f"Lot refusé : {exc}\n")
        return 1
    except OperationalError as exc:  # the database stayed locked beyond SOCLE_BDD_VERROU_DELAI_MAX
        if not base_verrouillee(exc):
            raise
        err.write(f"Lot {lot.pk} interrompu : la base de données est restée verrouillée par un autre traitement. "
                  "Relancez la même commande : le lot reprend où il s'est arrêté, sans rappeler personne.\n")
        return 1
    c = lot.compte()
    out.write(json.dumps({"lot": lot.pk, "etablissement": et.finess, "total": c["total"], "ins_recupere": c["ok"],
                          "anomalies": c["anomalie"], "ignorees": c["ignoree"]}, ensure_ascii=False) + "\n")
    return 0
