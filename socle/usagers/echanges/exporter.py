"""Identities given back to the DUI of an ESMS: CSV in the ESMS's mapping, FHIR Bundle (FR Core), HL7 v2 ADT^A31
(PAM FR). Incremental ("changed since" a date or since the last export) so that a DUI can poll; the INS and its
OID travel only with a QUALIFIED identity [R-INS-01][R-AF-04], always with the strict traits [R-INS-02]."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import IO

from django.db.models import QuerySet
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.core.tableur import neutraliser
from socle.usagers import rniv
from socle.usagers.models import EchangeDui, IdentifiantLocal, Usager

from . import fhir, hl7v2
from .importer import parametres, systeme_ipp
from .naissance import ecrire_date_naissance
from .tableau import COLONNES

FORMATS_EXPORT = ("csv", "fhir", "hl7")
SEXES_CSV = {"F": "F", "M": "M", "I": "I"}


def a_exporter(etablissement, depuis: datetime | None = None) -> QuerySet[Usager]:
    """Usagers followed by the ESMS (merged records excluded), changed after `depuis` when given."""
    qs = Usager.objects.filter(sejours__etablissement=etablissement, fusionne_dans__isnull=True).distinct()
    if depuis is not None:
        qs = qs.filter(modifie_le__gt=depuis)
    return qs.order_by("modifie_le", "pk")


def dernier_export(etablissement) -> datetime | None:
    """Start of the last finished export of this ESMS (any form): the default "since" of a poll."""
    e = (
        EchangeDui.objects.filter(
            etablissement=etablissement, sens=EchangeDui.Sens.EXPORT, statut=EchangeDui.Statut.TERMINE
        )
        .order_by("-debut")
        .first()
    )
    return e.debut if e else None


def par_lots(etablissement, qs: QuerySet[Usager], taille: int = 2000) -> Iterator[tuple[Usager, str]]:
    """(usager, IPP) in chunks: memory bounded whatever the number of usagers."""
    dernier = None
    while True:
        lot_qs = qs
        if dernier is not None:
            lot_qs = qs.filter(pk__gt=dernier)
        lot = list(lot_qs.order_by("pk")[:taille])
        if not lot:
            return
        ipps = dict(
            IdentifiantLocal.objects.filter(
                etablissement=etablissement, usager__in=[u.pk for u in lot]
            ).values_list("usager_id", "ipp")
        )
        for u in lot:
            yield u, ipps.get(u.pk, "")
        dernier = lot[-1].pk


def ligne_csv(u: Usager, ipp: str, format_date: str) -> dict[str, str]:
    qualifiee = u.statut == rniv.QUAL and bool(u.matricule_ins)
    attributs = " ".join(
        c for c, oui in (("DOUT", u.douteuse), ("FICT", u.fictive), ("HOMA", u.homonyme)) if oui
    )
    return {
        "ipp": ipp,
        "nom_naissance": u.nom_naissance,
        "prenoms_naissance": u.prenoms_naissance,
        "premier_prenom": u.premier_prenom,
        "date_naissance": ecrire_date_naissance(u.date_naissance, "fr", format_date),
        "sexe": SEXES_CSV.get(u.sexe, ""),
        "lieu_naissance": u.lieu_naissance,
        "nom_utilise": u.nom_utilise,
        "prenom_utilise": u.prenom_utilise,
        "statut": u.statut,
        "ins": u.ins if qualifiee else "",
        "oid_ins": (u.oid_ins or rniv.OID_NIR) if qualifiee else "",
        "attributs": attributs,
    }


def exporter(
    etablissement, format_: str, sortie: IO[str], *, depuis: datetime | str | None = None, user=None
) -> EchangeDui:
    """Write the export to `sortie`; `depuis` = a datetime, "dernier" (since the last export) or None (all).
    The export is recorded (EchangeDui) and audited with the ids given out."""
    if format_ not in FORMATS_EXPORT:
        raise ValueError(f"format d'export « {format_} » inconnu : csv, fhir ou hl7")
    if depuis == "dernier":
        depuis = dernier_export(etablissement)
    ech = EchangeDui.objects.create(
        etablissement=etablissement,
        sens=EchangeDui.Sens.EXPORT,
        format=format_,
        depuis=depuis,
        cree_par=user if getattr(user, "is_authenticated", False) else None,
    )
    ech.passer(EchangeDui.Statut.EN_COURS)
    p = parametres(etablissement)
    qs = a_exporter(etablissement, depuis)
    ids: list[int] = []
    qualifiees = 0
    flux = par_lots(etablissement, qs)

    def suivre():
        nonlocal qualifiees
        for u, ipp in flux:
            ids.append(u.pk)
            qualifiees += u.statut == rniv.QUAL
            yield u, ipp

    if format_ == "csv":
        colonnes = p.colonnes or {c: c for c in COLONNES}
        ordre = [c for c in COLONNES if c in colonnes]
        w = csv.writer(sortie, delimiter=p.separateur or ";", lineterminator="\r\n")
        w.writerow([colonnes[c] for c in ordre])
        for u, ipp in suivre():
            ligne = ligne_csv(u, ipp, p.format_date)
            w.writerow([neutraliser(ligne[c]) for c in ordre])
    elif format_ == "fhir":
        systeme = systeme_ipp(p)
        fhir.ecrire_bundle(sortie, (fhir.patient(u, ipp, systeme) for u, ipp in suivre()))
    else:
        maintenant = timezone.now()
        domaine = p.domaine_ipp or f"DUI-{etablissement.finess}"
        for k, (u, ipp) in enumerate(suivre(), start=1):
            sortie.write(
                hl7v2.message_a31(
                    u,
                    ipp,
                    domaine,
                    p.oid_ipp,
                    numero=f"SOCLE{ech.pk}-{k}",
                    emetteur=etablissement.finess,
                    horodatage=maintenant,
                )
                + "\r\n"
            )
    comptes = {
        "usagers": len(ids),
        "qualifiees": qualifiees,
        "depuis": depuis.isoformat() if depuis else None,
    }
    ech.passer(EchangeDui.Statut.TERMINE, rapport=comptes)
    tracer(
        Action.EXPORT,
        objet=etablissement,
        utilisateur=user,
        libelle=f"Export vers le DUI ({format_}) — {etablissement.nom}",
        details={**comptes, "format": format_, "ids": ids[:20000]},
    )
    return ech
