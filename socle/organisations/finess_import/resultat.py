"""What one import run found: rejections (capped in detail, all counted), counters, the summary stored in
ImportFiness and shown as French lines."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from socle.core.fichiers import nombre, reglage

from ..categories import CATEGORIES


class RejetEnregistrement(ValueError):
    """One record cannot be imported; the message says why, in French."""


@dataclass
class Rejet:
    reference: str  # "ligne 12" (CSV) or "pmej n°3, ege n°2" (JSON)
    finess: str
    motif: str

    def __str__(self) -> str:
        return f"{self.reference}{f' (FINESS {self.finess})' if self.finess else ''} : {self.motif}"

    def as_dict(self) -> dict[str, str]:
        return {"reference": self.reference, "finess": self.finess, "motif": self.motif}


MAX_MOTIFS = 100  # distinct rejection reasons counted one by one (the rest: "autres motifs")


def motif_type(motif: str) -> str:
    """The reason of a rejection without its particulars (values, FINESS numbers, positions), to count them:
    "date invalide dans « dateOuverture » : « 1957-13-45 »" → "date invalide dans « dateOuverture »"."""
    t = motif.split(" : ", 1)[0]
    t = re.sub(r"\s*\([^)]*\)", "", t)
    return re.sub(r"\w*\d\w*", "N", t)[:150]


class RejetsPlafonnes(list):
    """The rejections of a run: the first `plafond` in detail (SOCLE_FINESS_MAX_REJETS_DETAIL), every one
    counted (`total`) and counted by reason (`par_motif`): a file of two million bad records costs a counter,
    not two million rows in memory, in the database and on the detail page."""

    def __init__(self, plafond: int | None = None):
        super().__init__()
        self.plafond = reglage("SOCLE_FINESS_MAX_REJETS_DETAIL") if plafond is None else plafond
        self.total = 0
        self.par_motif: dict[str, int] = {}

    def append(self, rejet: Rejet) -> None:
        self.total += 1
        motif = motif_type(rejet.motif)
        if motif not in self.par_motif and len(self.par_motif) >= MAX_MOTIFS:
            motif = "autres motifs"
        self.par_motif[motif] = self.par_motif.get(motif, 0) + 1
        if len(self) < self.plafond:
            super().append(rejet)

    def extend(self, rejets: Iterable[Rejet]) -> None:
        for r in rejets:
            self.append(r)

    def __iadd__(self, rejets: Iterable[Rejet]) -> RejetsPlafonnes:
        self.extend(rejets)
        return self

    def __bool__(self) -> bool:
        return self.total > 0

    def __deepcopy__(self, memo) -> RejetsPlafonnes:
        double = RejetsPlafonnes(self.plafond)
        list.extend(double, copy.deepcopy(list(self), memo))
        double.total, double.par_motif = self.total, dict(self.par_motif)
        return double


@dataclass
class Compteur:
    crees: int = 0
    modifies: int = 0
    inchanges: int = 0
    rejetes: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"crees": self.crees, "modifies": self.modifies, "inchanges": self.inchanges, "rejetes": self.rejetes}


@dataclass
class Resultat:
    """Summary of one import run (also stored as JSON in ImportFiness)."""

    format: str = ""
    ej: Compteur = field(default_factory=Compteur)
    et: Compteur = field(default_factory=Compteur)
    grappes: Compteur = field(default_factory=Compteur)
    hors_perimetre: int = 0
    hors_droits: list[str] = field(default_factory=list)  # EJ/ET outside the importer's own organisations
    rattachements: list[dict[str, str]] = field(default_factory=list)  # ET moved to another EJ (confirmed)
    rejets: list[Rejet] = field(default_factory=RejetsPlafonnes)
    groupements_ignores: list[str] = field(default_factory=list)  # GCC without any member in the file
    membres_absents: list[str] = field(default_factory=list)  # GCC members not in the file
    categories_obsoletes: dict[str, int] = field(default_factory=dict)  # code -> number of ET
    categories_hors_nomenclature: dict[str, int] = field(default_factory=dict)
    anomalies: list[dict[str, str]] = field(default_factory=list)
    anomalies_par_code: dict[str, int] = field(default_factory=dict)
    applique: bool = False  # True when the database was changed
    dry_run: bool = False

    @property
    def nb_rejets(self) -> int:
        return getattr(self.rejets, "total", len(self.rejets))

    @property
    def rejets_par_motif(self) -> dict[str, int]:
        return dict(getattr(self.rejets, "par_motif", {}))

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.format, "ej": self.ej.as_dict(), "et": self.et.as_dict(),
            "grappes": self.grappes.as_dict(), "hors_perimetre": self.hors_perimetre,
            "hors_droits": self.hors_droits, "rattachements": self.rattachements,
            "rejets": [r.as_dict() for r in self.rejets], "nb_rejets": self.nb_rejets,
            "rejets_par_motif": self.rejets_par_motif, "groupements_ignores": self.groupements_ignores,
            "membres_absents": self.membres_absents, "categories_obsoletes": self.categories_obsoletes,
            "categories_hors_nomenclature": self.categories_hors_nomenclature, "anomalies": self.anomalies,
            "anomalies_par_code": self.anomalies_par_code, "applique": self.applique, "dry_run": self.dry_run,
        }

    def lignes(self) -> list[str]:
        """The summary as French text lines (printed by the command, shown on the status page)."""
        out = [f"Format détecté : {self.format}"]
        for nom, c in (("Entités juridiques (EJ)", self.ej), ("Établissements (ET)", self.et),
                       ("Groupements (GCC)", self.grappes)):
            out.append(f"{nom} : {c.crees} créé(s), {c.modifies} modifié(s), {c.inchanges} inchangé(s), "
                       f"{c.rejetes} rejeté(s)")
        if self.hors_perimetre:
            out.append(f"Hors périmètre demandé (département / catégorie) : {self.hors_perimetre} enregistrement(s) ignoré(s)")
        if self.hors_droits:
            out.append(f"Hors de vos organismes (non modifiés) : {len(self.hors_droits)} enregistrement(s) — "
                       + ", ".join(self.hors_droits[:20]) + (" …" if len(self.hors_droits) > 20 else ""))
        for r in self.rattachements:
            out.append(f"Changement de rattachement confirmé : ET {r['finess']} de l'EJ {r['avant']} vers l'EJ {r['apres']}")
        for gid in self.groupements_ignores[:50]:
            out.append(f"Groupement ignoré : {gid}")
        if len(self.groupements_ignores) > 50:
            out.append(f"… et {len(self.groupements_ignores) - 50} autre(s) groupement(s) ignoré(s)")
        if self.membres_absents:
            out.append(f"Membres de groupement absents du fichier (non rattachés) : {len(self.membres_absents)} — "
                       + ", ".join(self.membres_absents[:20]) + (" …" if len(self.membres_absents) > 20 else ""))
        for code, n in sorted(self.categories_obsoletes.items()):
            cat = CATEGORIES[code]
            out.append(f"Catégorie obsolète {code} ({cat.libelle}) portée par {n} ET : remplacée par {cat.deprecated_by}")
        if self.categories_hors_nomenclature:
            hors = sorted(self.categories_hors_nomenclature.items())
            out.append("Catégories hors champ médico-social : " + ", ".join(f"{c} ({n} ET)" for c, n in hors[:50])
                       + (f" … et {len(hors) - 50} autre(s)" if len(hors) > 50 else ""))
        if self.rejets:
            out.append(f"{self.nb_rejets} enregistrement(s) rejeté(s) :")
            out.extend(f"  - {r}" for r in self.rejets)
            if self.nb_rejets > len(self.rejets):
                out.append(f"  … et {nombre(self.nb_rejets - len(self.rejets))} autre(s), non détaillé(s) "
                           f"(limite SOCLE_FINESS_MAX_REJETS_DETAIL = {nombre(len(self.rejets))}) ; par motif :")
                out.extend(f"  - {motif} : {nombre(n)}"
                           for motif, n in sorted(self.rejets_par_motif.items(), key=lambda x: -x[1]))
        if self.anomalies_par_code:
            out.append(f"Anomalies FINESS à signaler ({len(self.anomalies)}) :")
            out.extend(f"  - [{a['gravite']}] {a['objet']} : {a['message']} → {a['destinataire']}"
                       for a in self.anomalies[:200])
            if len(self.anomalies) > 200:
                out.append(f"  … et {len(self.anomalies) - 200} autre(s)")
        if self.dry_run:
            out.append("Simulation (--dry-run) : aucune modification enregistrée.")
        elif self.rejets and not self.applique:
            out.append("Import annulé : aucune modification enregistrée (corrigez les rejets ou utilisez "
                       "--ignorer-rejets).")
        elif self.applique:
            out.append("Import enregistré.")
        return out
