"""Import of the public FINESS open data into OrganismeGestionnaire / Etablissement / Grappe.

Two official formats, detected from the first bytes of the file (plain, .gz or .zip):

* the current JSON flux "structures" (``{"gcc": [...], "gco": [...], "pmej": [...]}``): EJ = ``pmej[]``,
  ET = ``pmej[].ege[]``. The national file is hundreds of MB, so it is read item by item with ``ijson``
  (never ``json.load``): memory stays bounded by one batch of EJ;
* the historical "etalab" ``;`` CSV (``structureet`` and ``geolocalisation`` lines, Latin-1 or UTF-8). It
  carries ET only: their EJ must already be known (imported from the JSON flux, or present in Socle).

Parsing never happens inside a write transaction; the import runs in three passes:

1. read and check every record, writing nothing (no transaction: a sign-in never waits on this); the
   checked batches are spooled to a private temporary file;
2. if nothing was rejected, the checks made while writing (rights, re-parenting) run batch by batch, each
   batch in a short transaction rolled back at once (this is also the ``dry_run``);
3. if still nothing is rejected (or with ``ignorer_rejets``), write batch by batch, one short transaction each.

So if any record is rejected (and ``ignorer_rejets`` is not set), nothing is written. Re-importing the same
file changes nothing (rows are matched on their FINESS number): an interrupted pass 3 is completed by running
the same import again. Limits (``SOCLE_FINESS_*`` and ``SOCLE_IMPORT_*`` settings) bound what a file may cost:
size, decompression, JSON nesting, number and size of records, rejections kept in detail.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import gzip
import io
import math
import os
import pickle
import re
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import ijson
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from socle.core.fichiers import Decompression, FichierRefuse, FluxBorne, nombre, reglage, taille_lisible
from socle.core.identifiants import finess_error

from .categories import CATEGORIES, libelle_categorie
from .models import Etablissement, EtatFiness, Grappe, OrganismeGestionnaire

BATCH_EJ = 500  # EJ (with their ET) written per bulk operation
BATCH_ET_CSV = 1000
MAX_ANOMALIES_DETAIL = 2000

# FINESS "typeVoie" codes (NOS TRE_R37-TypeVoie, the usual postal abbreviations) expanded in addresses.
TYPES_VOIE = {
    "ALL": "ALLEE", "AV": "AVENUE", "BD": "BOULEVARD", "CAR": "CARREFOUR", "CHE": "CHEMIN", "CHEM": "CHEMINEMENT",
    "CHS": "CHAUSSEE", "CITE": "CITE", "COR": "CORNICHE", "CRS": "COURS", "DOM": "DOMAINE", "DSC": "DESCENTE",
    "ECA": "ECART", "ESP": "ESPLANADE", "FG": "FAUBOURG", "GR": "GRANDE RUE", "HAM": "HAMEAU", "HLE": "HALLE",
    "IMP": "IMPASSE", "LD": "LIEU-DIT", "LOT": "LOTISSEMENT", "MAR": "MARCHE", "MTE": "MONTEE", "PARC": "PARC",
    "PAS": "PASSAGE", "PL": "PLACE", "PLN": "PLAINE", "PLT": "PLATEAU", "PRO": "PROMENADE", "PRV": "PARVIS",
    "QUA": "QUARTIER", "QUAI": "QUAI", "R": "RUE", "RES": "RESIDENCE", "RLE": "RUELLE", "ROC": "ROCADE",
    "RPT": "ROND-POINT", "RTE": "ROUTE", "SEN": "SENTIER", "SQ": "SQUARE", "TPL": "TERRE-PLEIN", "TRA": "TRAVERSE",
    "VLA": "VILLA", "VLGE": "VILLAGE", "ZA": "ZA", "ZAC": "ZAC", "ZI": "ZI",
}

# Columns of a `structureet` line of the etalab CSV, after the tag (tests/fixtures/SOURCE.md).
COLONNES_STRUCTUREET = [
    "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie", "voie",
    "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement", "telephone",
    "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret", "codeape", "codemft",
    "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
]
COLONNES_GEOLOCALISATION = ["nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj"]

CHAMPS_OG = [
    "raison_sociale", "raison_sociale_longue", "statut_juridique", "siren", "adresse", "code_postal", "commune",
    "code_commune", "telephone", "etat", "date_creation", "date_fermeture", "pm_smsse_id", "date_maj_finess",
]
CHAMPS_ET = [
    "organisme_id", "nom", "nom_long", "categorie_code", "categorie_libelle", "tutelle", "siret", "adresse",
    "code_postal", "commune", "code_commune", "departement", "telephone", "latitude", "longitude", "etat",
    "date_ouverture", "date_fermeture", "mode_fixation_tarifaire", "date_maj_finess",
]
_SIX = Decimal("0.000001")


class FormatInconnu(ValueError):
    """The file is neither the JSON flux "structures" nor the etalab CSV."""


class RejetEnregistrement(ValueError):
    """One record cannot be imported; the message says why, in French."""


class EcritureInterrompue(RuntimeError):
    """Pass 3 failed after some batches were committed; the message says how to complete the import.
    `resultat`: the summary of what was written until then."""

    def __init__(self, message: str, resultat: Resultat):
        super().__init__(message)
        self.resultat = resultat


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


# --------------------------------------------------------------------------------------------------------
# Opening and detecting


class _Counting(io.RawIOBase):
    """Wraps a binary file to report bytes read (progress bar, and the streaming test)."""

    def __init__(self, raw: IO[bytes], callback: Callable[[int], Any] | None = None):
        self.raw = raw
        self.callback = callback
        self.lus = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.raw.seekable()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.raw.seek(offset, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        n = len(data)
        b[:n] = data
        self.lus += n
        if self.callback and n:
            self.callback(n)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


class _Decompresse(io.BufferedReader):
    """A decompressed stream (gzip, zip member) that also closes the archive and the file under it."""

    def __init__(self, flux, *dessous):
        super().__init__(flux, 1 << 16)
        self._dessous = dessous

    def close(self) -> None:
        super().close()
        for obj in self._dessous:
            obj.close()


def limites_decompression() -> Decompression:
    return Decompression.depuis_reglages("SOCLE_FINESS_MAX_DECOMPRESSE")


def ouvrir(chemin: str | os.PathLike, callback: Callable[[int], Any] | None = None,
           limites: Decompression | None = None) -> io.BufferedReader:
    """Binary stream of the file's content, decompressing .gz and .zip (first .json/.csv member).

    The content read may not exceed the limits (SOCLE_FINESS_MAX_DECOMPRESSE, SOCLE_IMPORT_MAX_RATIO,
    SOCLE_IMPORT_MAX_MEMBRES_ZIP): a zip is checked on its declared sizes before a byte is inflated, and every
    decompressed stream is counted as it is read. A refusal raises FichierRefuse."""
    chemin = Path(chemin)
    limites = limites or limites_decompression()
    raw = _Counting(open(chemin, "rb"), callback)
    head = raw.raw.read(4)
    raw.raw.seek(0)
    if head[:2] == b"\x1f\x8b":
        gz = gzip.GzipFile(fileobj=io.BufferedReader(raw, 1 << 16), mode="rb")
        return _Decompresse(FluxBorne(gz, lambda: raw.lus, limites), raw)
    if head[:4] == b"PK\x03\x04":
        try:
            zf = zipfile.ZipFile(raw)
            limites.verifier_zip(zf)
            noms = [n for n in zf.namelist() if n.lower().endswith((".json", ".csv", ".txt"))] or zf.namelist()
            if not noms:
                raise FormatInconnu("l'archive zip est vide")
            membre = zf.open(noms[0])
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError) as exc:
            raw.close()
            raise FormatInconnu(f"archive zip illisible : {exc}") from exc
        except BaseException:
            raw.close()
            raise
        return _Decompresse(FluxBorne(membre, lambda: raw.lus, limites), zf, raw)
    if chemin.stat().st_size > limites.max_octets:
        raw.close()
        raise FichierRefuse(f"le fichier dépasse {taille_lisible(limites.max_octets)} (limite {limites.nom_max})")
    return io.BufferedReader(raw, 1 << 16)


def detecter_format(debut: bytes) -> str:
    """'json' or 'csv' from the first bytes of the (decompressed) file."""
    texte = debut.lstrip(b"\xef\xbb\xbf \t\r\n")
    if texte.startswith(b"{"):
        return "json"
    low = texte[:40].lower()
    if low.startswith((b"finess;", b"structureet;", b"geolocalisation;")):
        return "csv"
    raise FormatInconnu("format non reconnu : ni flux JSON « structures » (commence par « { »), ni CSV etalab "
                        "(commence par « finess;etalab » ou « structureet; »)")


# --------------------------------------------------------------------------------------------------------
# Streaming readers


@dataclass
class ItemJson:
    tableau: str  # "pmej", "gcc" or "gco"
    position: int  # 1-based position in its array
    valeur: Any


_HORS_CROCHETS = bytes(range(256)).translate(None, b"[]{}")
_EN_CROCHETS = bytes.maketrans(b"{}", b"[]")
NIVEAU_ENREGISTREMENT = 2  # depth between two items of a top-level array ({ "pmej": [ item, item ] })


class _JsonBorne:
    """What ijson reads, checked before ijson parses it: nesting depth (ijson keeps the path of every open
    level, so 2 MB of "[" cost it gigabytes) and the size of one record (an item of a top-level array, or any
    run of bytes outside them, such as a huge string: ijson builds each one whole in memory).

    The check costs a few C-level passes per chunk: strings are cut out (escapes first), only brackets are
    kept, then matched pairs are removed; the exact depth is followed bracket by bracket only when the cheap
    bound comes near the limit."""

    def __init__(self, flux: IO[bytes], profondeur_max: int, enregistrement_max: int):
        self.flux = flux
        self.profondeur_max = profondeur_max
        self.enregistrement_max = enregistrement_max
        self.profondeur = 0
        self.dans_chaine = False
        self.report = b""  # trailing backslashes, which escape the first byte of the next chunk
        self.segment = 0  # bytes read since depth last came back to the record level

    def read(self, n: int = -1) -> bytes:
        data = self.flux.read(n)
        if data:
            self._verifier(data)
        return data

    def _trop_profond(self) -> FichierRefuse:
        return FichierRefuse(f"le JSON imbrique plus de {self.profondeur_max} niveaux de tableaux ou d'objets "
                             "(limite SOCLE_FINESS_MAX_PROFONDEUR)")

    def _verifier(self, data: bytes) -> None:
        buf = self.report + data
        k = len(buf) - len(buf.rstrip(b"\\"))
        self.report, buf = (buf[len(buf) - k:], buf[:len(buf) - k]) if k else (b"", buf)
        morceaux = buf.replace(b"\\\\", b"").replace(b'\\"', b"").split(b'"')
        dehors = morceaux[1::2] if self.dans_chaine else morceaux[0::2]
        if len(morceaux) % 2 == 0:
            self.dans_chaine = not self.dans_chaine
        crochets = b"".join(dehors).translate(_EN_CROCHETS, _HORS_CROCHETS)
        frontiere = False
        if crochets:
            reduit, passes = crochets, 0
            while b"[]" in reduit:  # each pass removes the innermost pairs: passes = nesting inside the chunk
                reduit = reduit.replace(b"[]", b"")
                passes += 1
                if passes > self.profondeur_max:
                    raise self._trop_profond()
            fermants = len(reduit) - len(reduit.lstrip(b"]"))
            ouvrants = len(reduit) - fermants
            if self.profondeur + passes + ouvrants > self.profondeur_max:  # upper bound: check exactly
                p = self.profondeur
                for c in crochets:
                    p += 1 if c == 91 else -1
                    if p > self.profondeur_max:
                        raise self._trop_profond()
            frontiere = self.profondeur - fermants <= NIVEAU_ENREGISTREMENT
            self.profondeur += ouvrants - fermants
        self.segment = len(data) if frontiere else self.segment + len(data)
        if self.segment > self.enregistrement_max:
            raise FichierRefuse(f"un enregistrement du JSON (une entité juridique avec ses établissements, ou une "
                                f"valeur hors des tableaux) dépasse {taille_lisible(self.enregistrement_max)} "
                                "(limite SOCLE_FINESS_MAX_ENREGISTREMENT)")


def _trop_d_enregistrements(n: int) -> FichierRefuse:
    return FichierRefuse(f"le fichier compte plus de {nombre(n)} enregistrements "
                         "(limite SOCLE_FINESS_MAX_ENREGISTREMENTS)")


def iterer_json(flux: IO[bytes], tableau: str = "pmej") -> Iterator[ItemJson]:
    """Yield the items of one top-level array (pmej, gcc or gco) one at a time, never loading the file.

    ijson's C backend builds each item (as fast as json.load, in bounded memory). A syntax error raises
    RejetEnregistrement naming the last complete item, so the caller can report it. Nesting depth, record
    size and count are bounded (SOCLE_FINESS_MAX_PROFONDEUR, _ENREGISTREMENT, _ENREGISTREMENTS): beyond,
    FichierRefuse, before the whole file is read.
    """
    position = 0
    max_items = reglage("SOCLE_FINESS_MAX_ENREGISTREMENTS")
    borne = _JsonBorne(flux, reglage("SOCLE_FINESS_MAX_PROFONDEUR"), reglage("SOCLE_FINESS_MAX_ENREGISTREMENT"))
    try:
        for valeur in ijson.items(borne, f"{tableau}.item"):
            position += 1
            if position > max_items:
                raise _trop_d_enregistrements(max_items)
            yield ItemJson(tableau, position, valeur)
    except ijson.JSONError as exc:
        dernier = f"{tableau} n°{position}" if position else f"le début du tableau « {tableau} »"
        raise RejetEnregistrement(f"JSON malformé après {dernier} : {exc}") from exc


class _LignesCsv:
    """Lines of the etalab CSV for csv.reader: each decoded as UTF-8, falling back to Latin-1 (older etalab
    files) line by line; a record (one line, or several when a quoted field spans lines) may not exceed
    SOCLE_FINESS_MAX_ENREGISTREMENT bytes, as csv.reader would hold it whole in memory."""

    def __init__(self, flux: IO[bytes], max_octets: int):
        self.flux = flux
        self.max_octets = max_octets
        self.octets = 0  # of the record being read; reset by iterer_csv after each record
        self.premiere = True

    def __iter__(self) -> _LignesCsv:
        return self

    def __next__(self) -> str:
        brut = self.flux.readline(self.max_octets + 1)
        if not brut:
            raise StopIteration
        self.octets += len(brut)
        if self.octets > self.max_octets:
            raise FichierRefuse(f"une ligne du CSV dépasse {taille_lisible(self.max_octets)} "
                                "(limite SOCLE_FINESS_MAX_ENREGISTREMENT)")
        if self.premiere and brut.startswith(b"\xef\xbb\xbf"):
            brut = brut[3:]
        self.premiere = False
        try:
            return brut.decode("utf-8")
        except UnicodeDecodeError:
            return brut.decode("latin-1")


def iterer_csv(flux: IO[bytes]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of the etalab CSV, metadata line included. Line size and count are bounded
    (SOCLE_FINESS_MAX_ENREGISTREMENT, SOCLE_FINESS_MAX_ENREGISTREMENTS): beyond, FichierRefuse."""
    lignes = _LignesCsv(flux, reglage("SOCLE_FINESS_MAX_ENREGISTREMENT"))
    max_lignes = reglage("SOCLE_FINESS_MAX_ENREGISTREMENTS")
    lecteur = csv.reader(lignes, delimiter=";", quotechar='"')
    n = 0
    while True:
        try:
            champs = next(lecteur)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FichierRefuse(f"CSV illisible à la ligne {lecteur.line_num} : {exc}") from exc
        lignes.octets = 0
        n += 1
        if n > max_lignes:
            raise _trop_d_enregistrements(max_lignes)
        yield lecteur.line_num, champs


# --------------------------------------------------------------------------------------------------------
# Field mapping


def _s(v: Any) -> str:
    return "" if v is None else str(v).strip()


def _date(v: Any, nom: str) -> dt.date | None:
    v = _s(v)
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v[:10])
    except ValueError:
        pass
    try:
        return dt.datetime.strptime(v[:10], "%d/%m/%Y").date()
    except ValueError:
        pass
    raise RejetEnregistrement(f"date invalide dans « {nom} » : « {v} » (attendu AAAA-MM-JJ)")


def _datetime(v: Any, nom: str) -> dt.datetime | None:
    v = _s(v)
    if not v:
        return None
    try:
        d = dt.datetime.fromisoformat(v) if len(v) > 10 else dt.datetime.combine(_date(v, nom), dt.time())
    except ValueError as exc:
        raise RejetEnregistrement(f"date et heure invalides dans « {nom} » : « {v} »") from exc
    return timezone.make_aware(d) if timezone.is_naive(d) else d


def _coord(v: Any, nom: str, borne: float) -> Decimal | None:
    v = _s(v).replace(",", ".")
    if not v:
        return None
    try:
        d = Decimal(v).quantize(_SIX)
    except InvalidOperation as exc:
        raise RejetEnregistrement(f"coordonnée invalide dans « {nom} » : « {v} »") from exc
    if abs(d) > borne:
        raise RejetEnregistrement(f"coordonnée hors bornes dans « {nom} » : {v}")
    return d


def _finess(v: Any, nom: str) -> str:
    numero = _s(v).upper()
    if not numero:
        raise RejetEnregistrement(f"champ obligatoire « {nom} » absent")
    err = finess_error(numero)
    if err:
        raise RejetEnregistrement(f"numéro FINESS invalide dans « {nom} » : {err}")
    return numero


def _etat(v: Any) -> str:
    v = _s(v) or EtatFiness.ACTIF
    if v not in (EtatFiness.ACTIF, EtatFiness.INACTIF):
        raise RejetEnregistrement(f"« etatObjet » doit valoir A (actif) ou I (inactif), reçu « {v} »")
    return v


def voie(numero: str, type_voie: str, libelle: str, complement: str = "") -> str:
    """'5 RUE DU LYCEE' from FINESS address parts, expanding the type code (R → RUE, AV → AVENUE…)."""
    t = _s(type_voie)
    t = TYPES_VOIE.get(t.upper(), t)
    return " ".join(p for p in (_s(numero), _s(complement), t, _s(libelle)) if p)


def departement_de(finess: str, code_commune: str = "") -> str:
    """Department: from the INSEE commune code when known (971…976, 2A/2B), else the FINESS prefix."""
    cog = _s(code_commune).upper()
    if len(cog) == 5:
        return cog[:3] if cog[:2] in ("97", "98") else cog[:2]
    return finess[:2]


def _adresse(adresses: Any, usage: str) -> dict[str, Any]:
    if not isinstance(adresses, list):
        return {}
    choix = [a for a in adresses if isinstance(a, dict) and _s(a.get("usageAdresse")) == usage]
    choix = choix or [a for a in adresses if isinstance(a, dict)]
    return choix[0] if choix else {}


def _telephone(contacts: Any) -> str:
    if not isinstance(contacts, list):
        return ""
    for c in contacts:
        tel = _s(((c or {}).get("telecom") or {}).get("telephone")) if isinstance(c, dict) else ""
        if tel:
            return tel
    return ""


def _verifier_longueurs(model, valeurs: dict[str, Any]) -> None:
    for nom, v in valeurs.items():
        if isinstance(v, str):
            f = model._meta.get_field(nom)
            if f.max_length and len(v) > f.max_length:
                raise RejetEnregistrement(
                    f"« {f.verbose_name} » dépasse {f.max_length} caractères ({len(v)}) : « {v[:60]}… »")


def og_depuis_json(pm: Any) -> dict[str, Any]:
    """OrganismeGestionnaire field values of one `pmej` item (raises RejetEnregistrement)."""
    if not isinstance(pm, dict):
        raise RejetEnregistrement("l'élément de « pmej » n'est pas un objet JSON")
    info = pm.get("informationsGeneralesPMEJ")
    if not isinstance(info, dict):
        raise RejetEnregistrement("bloc obligatoire « informationsGeneralesPMEJ » absent")
    finess = _finess(info.get("numFinessPm"), "numFinessPm")
    nom = _s(info.get("denominationPm")) or _s(info.get("denominationLonguePmSmsse"))
    if not nom:
        raise RejetEnregistrement("champ obligatoire « denominationPm » (raison sociale) absent")
    adr = _adresse(pm.get("adresse"), "02")
    valeurs = {
        "raison_sociale": nom,
        "raison_sociale_longue": _s(info.get("denominationLonguePmSmsse")),
        "statut_juridique": _s(info.get("statutJuridique")),
        "siren": _s(info.get("siren")),
        "adresse": voie(adr.get("numeroVoie"), adr.get("typeVoie"), adr.get("libelleVoie"),
                        adr.get("complementNumeroVoie")),
        "code_postal": _s(adr.get("codePostal")),
        "commune": _s(adr.get("ligneAcheminement")),
        "code_commune": _s(adr.get("cogCommune")),
        "telephone": _telephone(pm.get("contact")),
        "etat": _etat(pm.get("etatObjet")),
        "date_creation": _date(info.get("dateCreation"), "dateCreation"),
        "date_fermeture": _date(info.get("dateFermeture"), "dateFermeture"),
        "pm_smsse_id": _s(info.get("pmSmsseId")),
        "date_maj_finess": _datetime(pm.get("dateDerniereMaj"), "dateDerniereMaj"),
    }
    _verifier_longueurs(OrganismeGestionnaire, valeurs)
    return {"finess": finess, **valeurs}


def et_depuis_json(eg: Any) -> dict[str, Any]:
    """Etablissement field values of one `ege` item (organisme_id and tutelle are set by the caller)."""
    if not isinstance(eg, dict):
        raise RejetEnregistrement("l'élément de « ege » n'est pas un objet JSON")
    info = eg.get("informationsGeneralesEGE")
    if not isinstance(info, dict):
        raise RejetEnregistrement("bloc obligatoire « informationsGeneralesEGE » absent")
    finess = _finess(info.get("numFinessEge"), "numFinessEge")
    nom = _s(info.get("nomEgeCourt")) or _s(info.get("nomEgeLong"))
    if not nom:
        raise RejetEnregistrement("champ obligatoire « nomEgeCourt » (nom de l'établissement) absent")
    code = _s(eg.get("categorieentiteGeographiqueExercice"))
    if not code:
        raise RejetEnregistrement("champ obligatoire « categorieentiteGeographiqueExercice » (catégorie) absent")
    adr = _adresse(eg.get("adresse"), "03")
    geo = adr.get("coordonneesGeographique") or {}
    cog = _s(adr.get("cogCommune"))
    valeurs = {
        "nom": nom,
        "nom_long": _s(info.get("nomEgeLong")),
        "categorie_code": code,
        "categorie_libelle": libelle_categorie(code),
        "siret": _s(info.get("siret")),
        "adresse": voie(adr.get("numeroVoie"), adr.get("typeVoie"), adr.get("libelleVoie"),
                        adr.get("complementNumeroVoie")),
        "code_postal": _s(adr.get("codePostal")),
        "commune": _s(adr.get("ligneAcheminement")),
        "code_commune": cog,
        "departement": departement_de(finess, cog),
        "telephone": _telephone(eg.get("contact")),
        "latitude": _coord(geo.get("directionLatitude"), "directionLatitude", 90),
        "longitude": _coord(geo.get("directionLongitude"), "directionLongitude", 180),
        "etat": _etat(eg.get("etatObjet")),
        "date_ouverture": _date(info.get("dateOuverture"), "dateOuverture"),
        "date_fermeture": _date(info.get("dateFermeture"), "dateFermeture"),
        "mode_fixation_tarifaire": _s(eg.get("modefixationtarifaire")),
        "date_maj_finess": _datetime(eg.get("dateDerniereMaj"), "dateDerniereMaj"),
    }
    _verifier_longueurs(Etablissement, valeurs)
    return {"finess": finess, **valeurs}


def lambert93_vers_wgs84(x: float, y: float) -> tuple[float, float]:
    """(latitude, longitude) in degrees from Lambert-93 metres (IGN algorithms ALG0004/ALG0001, GRS80;
    the GRS80/WGS84 difference is below a metre, enough to place an ESMS on a map)."""
    n, c, xs, ys = 0.7256077650, 11754255.426, 700000.0, 12655612.050
    e, lon0 = 0.0818191910428158, math.radians(3)
    r = math.hypot(x - xs, y - ys)
    gamma = math.atan((x - xs) / (ys - y))
    lon = lon0 + gamma / n
    latiso = -1 / n * math.log(abs(r / c))
    lat = 2 * math.atan(math.exp(latiso)) - math.pi / 2
    for _ in range(20):
        es = e * math.sin(lat)
        nouveau = 2 * math.atan(((1 + es) / (1 - es)) ** (e / 2) * math.exp(latiso)) - math.pi / 2
        if abs(nouveau - lat) < 1e-12:
            lat = nouveau
            break
        lat = nouveau
    return math.degrees(lat), math.degrees(lon)


def _geoloc(champs: dict[str, str]) -> tuple[Decimal | None, Decimal | None]:
    x, y, source = champs["coordxet"].replace(",", "."), champs["coordyet"].replace(",", "."), champs["sourcecoordet"]
    if not x or not y:
        return None, None
    try:
        fx, fy = float(x), float(y)
    except ValueError as exc:
        raise RejetEnregistrement(f"coordonnées non numériques : « {x} », « {y} »") from exc
    if "LAMBERT_93" not in source.upper().replace("-", "_").replace(" ", "_"):
        return None, None  # overseas projections (UTM…) are not converted
    lat, lon = lambert93_vers_wgs84(fx, fy)
    return Decimal(lat).quantize(_SIX), Decimal(lon).quantize(_SIX)


_CP_RE = re.compile(r"^(\d{5})\s*(.*)$")


def et_depuis_csv(champs: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """(EJ FINESS, Etablissement values) of one `structureet` line."""
    finess = _finess(champs["nofinesset"], "nofinesset")
    ej = _finess(champs["nofinessej"], "nofinessej")
    nom = champs["rs"].strip() or champs["rslongue"].strip()
    if not nom:
        raise RejetEnregistrement("champ obligatoire « rs » (raison sociale de l'établissement) absent")
    code = champs["categetab"].strip()
    if not code:
        raise RejetEnregistrement("champ obligatoire « categetab » (catégorie) absent")
    dep = champs["departement"].strip().upper()
    com = champs["commune"].strip()
    cog = dep + com if re.fullmatch(r"\d{2}|2A|2B", dep) and len(com) == 3 else ""
    m = _CP_RE.match(champs["ligneacheminement"].strip())
    cp, commune = (m.group(1), m.group(2).strip()) if m else ("", champs["ligneacheminement"].strip())
    valeurs = {
        "nom": nom,
        "nom_long": champs["rslongue"].strip(),
        "categorie_code": code,
        "categorie_libelle": libelle_categorie(code, champs["libcategetab"].strip()),
        "siret": champs["siret"].strip(),
        "adresse": voie(champs["numvoie"], champs["typvoie"], champs["voie"], champs["compvoie"]),
        "code_postal": cp,
        "commune": commune,
        "code_commune": cog,
        "departement": departement_de(finess, cog),
        "telephone": champs["telephone"].strip(),
        "etat": EtatFiness.ACTIF,  # the etalab stock lists open establishments only
        "date_ouverture": _date(champs["dateouv"], "dateouv"),
        "mode_fixation_tarifaire": champs["codemft"].strip(),
        "date_maj_finess": _datetime(champs["datemaj"], "datemaj"),
    }
    _verifier_longueurs(Etablissement, valeurs)
    return ej, {"finess": finess, **valeurs}


# --------------------------------------------------------------------------------------------------------
# Scope (department / category filters)


@dataclass
class Perimetre:
    departements: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)

    @classmethod
    def de(cls, departements: Iterable[str] | None, categories: Iterable[str] | None) -> Perimetre:
        return cls({d.strip().upper().zfill(2) for d in departements or [] if d.strip()},
                   {c.strip() for c in categories or [] if c.strip()})

    @property
    def filtre(self) -> bool:
        return bool(self.departements or self.categories)

    def departement_ok(self, finess: str, cog: str = "") -> bool:
        if not self.departements:
            return True
        f = _s(finess).upper()
        return departement_de(f, cog) in self.departements or f[:2] in self.departements

    def et_ok(self, finess: str, cog: str, categorie: str) -> bool:
        return self.departement_ok(finess, cog) and (not self.categories or _s(categorie) in self.categories)


def _et_brut(eg: Any) -> tuple[str, str, str]:
    if not isinstance(eg, dict):
        return "", "", ""
    info = eg.get("informationsGeneralesEGE") or {}
    adr = _adresse(eg.get("adresse"), "03")
    return (_s(info.get("numFinessEge")) if isinstance(info, dict) else "", _s(adr.get("cogCommune")),
            _s(eg.get("categorieentiteGeographiqueExercice")))


# --------------------------------------------------------------------------------------------------------
# Writing


class _Annuler(Exception):
    """Raised inside the transaction to roll everything back (rejects or dry run)."""


def _changes(obj, valeurs: dict[str, Any], champs: list[str]) -> tuple[str, ...]:
    return tuple(c for c in champs if c in valeurs and getattr(obj, c) != valeurs[c])


def _bulk_update(model, objets: list[tuple[Any, tuple[str, ...]]]) -> None:
    """bulk_update grouped by the set of changed fields: the SQL CASE per field and row is what makes a
    bulk_update slow, so only the fields that changed are sent."""
    groupes: dict[tuple[str, ...], list[Any]] = {}
    for obj, champs in objets:
        groupes.setdefault(champs, []).append(obj)
    for champs, objs in groupes.items():
        model.objects.bulk_update(objs, list(champs), batch_size=max(20, 2000 // len(champs)))


class _Ecrivain:
    """Applies batches of records to the database, preloading existing rows by FINESS number.

    `autorises`: FINESS EJ the person who launched the import may change (None: the whole installation).
    Outside them nothing is created or changed, and an ET never changes EJ unless `confirmer_rattachements`
    (an installation administrator's explicit, audited decision): FINESS is shared reference data, and an ESMS
    re-parented to another organisation would hand its usagers and staff to that organisation."""

    def __init__(self, res: Resultat, autorises: set[str] | None = None, confirmer_rattachements: bool = False):
        self.res = res
        self.autorises = autorises
        self.confirmer_rattachements = confirmer_rattachements
        self.og_ids: dict[str, int] = {}  # FINESS EJ -> pk, for EJ of this run
        self.pm_vers_finess: dict[str, str] = {}

    def autorise(self, finess_ej: str) -> bool:
        return self.autorises is None or finess_ej in self.autorises

    def ecrire_og(self, lot: list[dict[str, Any]]) -> None:
        existants = {o.finess: o for o in OrganismeGestionnaire.objects.filter(finess__in=[v["finess"] for v in lot])}
        nouveaux, modifies = [], []
        for v in lot:
            if not self.autorise(v["finess"]):
                self.res.hors_droits.append(f"EJ {v['finess']}")
                continue
            o = existants.get(v["finess"])
            if o is None:
                nouveaux.append(OrganismeGestionnaire(**v))
                self.res.ej.crees += 1
            elif changes := _changes(o, v, CHAMPS_OG):
                for c in changes:
                    setattr(o, c, v[c])
                modifies.append((o, changes))
                self.res.ej.modifies += 1
            else:
                self.res.ej.inchanges += 1
            if v.get("pm_smsse_id"):
                self.pm_vers_finess[v["pm_smsse_id"]] = v["finess"]
        OrganismeGestionnaire.objects.bulk_create(nouveaux, batch_size=500)
        _bulk_update(OrganismeGestionnaire, modifies)
        for o in [*existants.values(), *nouveaux]:
            self.og_ids[o.finess] = o.pk

    def ecrire_et(self, lot: list[dict[str, Any]]) -> None:
        """`lot` values carry `organisme_id` already."""
        existants = {e.finess: e for e in Etablissement.objects.filter(finess__in=[v["finess"] for v in lot])
                     .select_related("organisme")}
        ej_de = {pk: f for f, pk in self.og_ids.items()}
        for pk, f in OrganismeGestionnaire.objects.filter(
                pk__in={v["organisme_id"] for v in lot} - set(ej_de)).values_list("pk", "finess"):
            ej_de[pk] = f
        nouveaux, modifies = [], []
        for v in lot:
            ej = ej_de.get(v["organisme_id"], "")
            e = existants.get(v["finess"])
            if not self.autorise(ej) or (e is not None and not self.autorise(e.organisme.finess)):
                self.res.hors_droits.append(f"ET {v['finess']}")
                continue
            if e is not None and e.organisme_id != v["organisme_id"]:
                if not self.confirmer_rattachements:
                    self.res.rejets.append(Rejet(
                        f"ET {v['finess']}", v["finess"],
                        f"rattaché dans Socle à l'EJ {e.organisme.finess}, le fichier le rattache à l'EJ {ej} : "
                        "un changement d'organisme gestionnaire doit être confirmé par un administrateur de "
                        "l'installation (option « confirmer les changements de rattachement »)"))
                    self.res.et.rejetes += 1
                    continue
                self.res.rattachements.append({"finess": v["finess"], "avant": e.organisme.finess, "apres": ej})
            code = v["categorie_code"]
            cat = CATEGORIES.get(code)
            if cat and cat.deprecated_by:
                self.res.categories_obsoletes[code] = self.res.categories_obsoletes.get(code, 0) + 1
            elif not cat:
                self.res.categories_hors_nomenclature[code] = self.res.categories_hors_nomenclature.get(code, 0) + 1
            defaut = cat.tutelle if cat else ""
            if e is None:
                v["tutelle"] = defaut
                nouveaux.append(Etablissement(**v))
                self.res.et.crees += 1
                continue
            # The tutelle may have been set by hand in Socle: keep it unless the category changed or it is empty.
            v["tutelle"] = defaut if (e.categorie_code != code or not e.tutelle) else e.tutelle
            if "latitude" not in v:  # CSV line without geolocalisation: keep known coordinates
                v["latitude"], v["longitude"] = e.latitude, e.longitude
            if "date_fermeture" not in v:
                v["date_fermeture"] = e.date_fermeture
            if changes := _changes(e, v, CHAMPS_ET):
                for c in changes:
                    setattr(e, c, v[c])
                modifies.append((e, changes))
                self.res.et.modifies += 1
            else:
                self.res.et.inchanges += 1
        Etablissement.objects.bulk_create(nouveaux, batch_size=500)
        _bulk_update(Etablissement, modifies)

    def ecrire_gcc(self, groupements: list[ItemJson], fichier_pm: set[str]) -> None:
        """GCC → Grappe of type "gcc", members resolved through pm_smsse_id among this file's EJ. Grappe
        membership decides who sees an organisation's data: only an installation-wide import changes it."""
        if self.autorises is not None:
            if groupements:
                self.res.groupements_ignores.append(
                    f"{len(groupements)} groupement(s) (GCC) non traité(s) : la composition des grappes ne change "
                    "que par un import de l'administrateur de l'installation")
            return
        existants = {g.identifiant_externe: g for g in Grappe.objects.filter(type=Grappe.Type.GROUPEMENT_FINESS)}
        for item in groupements:
            g = item.valeur
            if not isinstance(g, dict) or not _s(g.get("gccId")):
                self.res.rejets.append(Rejet(f"gcc n°{item.position}", "", "groupement sans « gccId »"))
                self.res.grappes.rejetes += 1
                continue
            ident = f"GCC-{_s(g.get('gccId'))}"
            nom = (_s(g.get("nomGcc")) or ident)[:200]
            membres_pm = [_s(m.get("pmSmsseId")) for m in g.get("pmejDuGcc") or [] if isinstance(m, dict)]
            presents = [pm for pm in membres_pm if pm in self.pm_vers_finess]
            self.res.membres_absents.extend(
                f"{ident} : pmSmsseId {pm} ({'hors périmètre ou rejeté' if pm in fichier_pm else 'absent du fichier'})"
                for pm in membres_pm if pm not in self.pm_vers_finess)
            if not presents:
                self.res.groupements_ignores.append(
                    f"{ident} « {nom} » : aucun de ses {len(membres_pm)} membre(s) n'est dans le fichier importé")
                continue
            ids = {self.og_ids[self.pm_vers_finess[pm]] for pm in presents if self.pm_vers_finess[pm] in self.og_ids}
            grappe = existants.get(ident)
            if grappe is None:
                self.res.grappes.crees += 1
                grappe = Grappe.objects.create(nom=nom, type=Grappe.Type.GROUPEMENT_FINESS,
                                               identifiant_externe=ident)
                grappe.membres.set(ids)
                continue
            actuels = set(grappe.membres.values_list("pk", flat=True))
            if grappe.nom != nom or actuels != ids:
                self.res.grappes.modifies += 1
                grappe.nom = nom
                grappe.save(update_fields=["nom"])
                grappe.membres.set(ids)
            else:
                self.res.grappes.inchanges += 1


# --------------------------------------------------------------------------------------------------------
# Entry point


@dataclass
class _Lot:
    """One batch of records checked by pass 1, applied by a writer in passes 2 and 3."""

    ej: set[str]  # FINESS EJ of the batch (for the anomalies)
    og: list[dict[str, Any]] = field(default_factory=list)
    et: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)  # (EJ of the file, or None: known)
    groupements: list[ItemJson] | None = None
    fichier_pm: set[str] = field(default_factory=set)

    def appliquer(self, ecrivain: _Ecrivain) -> None:
        if self.groupements is not None:
            ecrivain.ecrire_gcc(self.groupements, self.fichier_pm)
            return
        if self.og:
            ecrivain.ecrire_og(self.og)
        if self.et:
            for ej, v in self.et:
                if ej is not None:
                    v["organisme_id"] = ecrivain.og_ids.get(ej)
            ecrivain.ecrire_et([v for _, v in self.et])


class _Bobine:
    """The batches checked by pass 1, spooled to a private temporary file: passes 2 and 3 apply exactly what
    was checked, without reading and checking the file again."""

    def __init__(self) -> None:
        self.fichier = tempfile.TemporaryFile()
        self.nombre = 0

    def ajouter(self, lot: _Lot) -> None:
        pickle.dump(lot, self.fichier, protocol=pickle.HIGHEST_PROTOCOL)
        self.nombre += 1

    def lots(self) -> Iterator[_Lot]:
        self.fichier.seek(0)
        for _ in range(self.nombre):
            yield pickle.load(self.fichier)  # noqa: S301 - our own file, written just before

    def close(self) -> None:
        self.fichier.close()


def importer(
    chemin: str | os.PathLike,
    *,
    departements: Iterable[str] | None = None,
    categories: Iterable[str] | None = None,
    dry_run: bool = False,
    ignorer_rejets: bool = False,
    anomalies: bool = True,
    progression: bool | None = None,
    organismes_autorises: set[str] | None = None,
    confirmer_rattachements: bool = False,
    etape: Callable[[str], Any] | None = None,
) -> Resultat:
    """Import one FINESS file; returns the summary. Nothing is written when a record is rejected (unless
    `ignorer_rejets`) or with `dry_run`. `progression`: show a tqdm bar on stderr (default: if a TTY).
    `organismes_autorises`: FINESS EJ the importer may change (None: installation-wide, see `_Ecrivain`).
    `etape(message)`: told, in French, when a pass starts (the background task shows it on the status page).

    Raises FormatInconnu or FichierRefuse (a limit, named in the message) before anything is written, and
    EcritureInterrompue if pass 3 fails after some batches were committed."""
    chemin = Path(chemin)
    etape = etape or (lambda message: None)
    res = Resultat(dry_run=dry_run)
    perimetre = Perimetre.de(departements, categories)
    limites = limites_decompression()
    taille = chemin.stat().st_size
    max_fichier = reglage("SOCLE_FINESS_MAX_FICHIER")
    if taille > max_fichier:
        raise FichierRefuse(f"le fichier dépasse {taille_lisible(max_fichier)} (limite SOCLE_FINESS_MAX_FICHIER)")
    if progression is None:
        progression = sys.stderr.isatty()
    barre = tqdm(total=taille, unit="o", unit_scale=True, desc="Import FINESS", file=sys.stderr,
                 disable=not progression, leave=False)

    bobine = _Bobine()

    def lots(passe: str) -> Iterator[_Lot]:
        barre.reset(total=bobine.nombre)
        barre.set_description(f"Import FINESS ({passe})")
        for lot in bobine.lots():
            yield lot
            barre.update(1)

    try:
        with ouvrir(chemin, limites=limites) as flux:
            format_ = detecter_format(flux.peek(512)[:512])
        res.format = "flux JSON « structures »" if format_ == "json" else "CSV etalab"

        # Pass 1: read and check every record; no transaction, nothing written.
        etape("Lecture et vérification du fichier (rien n'est encore écrit)…")
        lecture = _lots_json if format_ == "json" else _lots_csv
        for lot in lecture(chemin, perimetre, res, limites, barre.update):
            bobine.ajouter(lot)
        nb_lots = bobine.nombre
        if res.rejets and not ignorer_rejets:
            return res

        # Pass 2: the checks made while writing, batch by batch, each rolled back at once. Also the dry run.
        if dry_run or not ignorer_rejets:
            etape("Vérification des écritures lot par lot (chaque lot est annulé aussitôt)…")
            simulation = copy.deepcopy(res)
            ecrivain = _Ecrivain(simulation, organismes_autorises, confirmer_rattachements)
            for lot in lots("vérification"):
                try:
                    with transaction.atomic():
                        lot.appliquer(ecrivain)
                        if dry_run and anomalies:
                            _anomalies(lot.ej, simulation)
                        raise _Annuler
                except _Annuler:
                    pass
            if dry_run or simulation.rejets:
                simulation.applique = False
                return simulation

        # Pass 3: write, one short transaction per batch: a sign-in never waits long on the write lock.
        etape(f"Écriture en cours, par lots ({nb_lots}). Si elle est interrompue, relancez l'import avec le même "
              "fichier : il complète l'écriture sans rien dupliquer (enregistrements repérés par leur numéro "
              "FINESS).")
        ecrivain = _Ecrivain(res, organismes_autorises, confirmer_rattachements)
        og_importes: set[str] = set()
        faits = 0
        for lot in lots("écriture"):
            try:
                with transaction.atomic():
                    lot.appliquer(ecrivain)
            except Exception as exc:
                raise EcritureInterrompue(
                    f"écriture interrompue après {faits} lot(s) enregistré(s) sur {nb_lots} ({exc}). L'import est "
                    "reproductible (enregistrements repérés par leur numéro FINESS) : relancez-le avec le même "
                    "fichier pour terminer l'écriture.", res) from exc
            faits += 1
            og_importes |= lot.ej
        res.applique = True
        if anomalies:
            _anomalies(og_importes, res)
    finally:
        barre.close()
        bobine.close()
    return res


def _lots_json(chemin: Path, perimetre: Perimetre, res: Resultat, limites: Decompression,
               callback: Callable[[int], Any] | None = None) -> Iterator[_Lot]:
    """Batches of checked EJ with their ET, then the groupements; rejections and scope counts go to `res`."""
    vus_ej: dict[str, str] = {}
    vus_et: dict[str, str] = {}
    fichier_pm: set[str] = set()  # every pmSmsseId of the file, even out of scope
    lot_og: list[dict[str, Any]] = []
    lot_et: list[tuple[str, dict[str, Any]]] = []

    def vider() -> _Lot:
        lot = _Lot({v["finess"] for v in lot_og}, list(lot_og), list(lot_et))
        lot_og.clear()
        lot_et.clear()
        return lot

    with ouvrir(chemin, callback, limites) as flux:
        try:
            for item in iterer_json(flux, "pmej"):
                pm = item.valeur
                ref = f"pmej n°{item.position}"
                info = pm.get("informationsGeneralesPMEJ") if isinstance(pm, dict) else None
                brut_finess = _s(info.get("numFinessPm")) if isinstance(info, dict) else ""
                if isinstance(info, dict) and _s(info.get("pmSmsseId")):
                    fichier_pm.add(_s(info.get("pmSmsseId")))
                eges = pm.get("ege") if isinstance(pm, dict) else None
                eges = eges if isinstance(eges, list) else []
                # Scope: ET kept by the filters; the EJ is kept if one of its ET is, or (no category filter) if
                # its own department matches.
                gardes = [(j, eg) for j, eg in enumerate(eges, 1) if perimetre.et_ok(*_et_brut(eg))]
                if perimetre.filtre:
                    adr = _adresse(pm.get("adresse") if isinstance(pm, dict) else None, "02")
                    ej_ok = bool(gardes) or (not perimetre.categories
                                             and perimetre.departement_ok(brut_finess, _s(adr.get("cogCommune"))))
                    res.hors_perimetre += (len(eges) - len(gardes)) + (0 if ej_ok else 1)
                    if not ej_ok:
                        continue
                try:
                    v = og_depuis_json(pm)
                    if v["finess"] in vus_ej:
                        raise RejetEnregistrement(f"EJ en double dans le fichier (déjà vue en {vus_ej[v['finess']]})")
                except RejetEnregistrement as exc:
                    res.rejets.append(Rejet(ref, brut_finess, str(exc)))
                    res.ej.rejetes += 1
                    for j, eg in gardes:
                        res.rejets.append(Rejet(f"{ref}, ege n°{j}", _et_brut(eg)[0],
                                                "entité juridique rejetée : établissement non importé"))
                        res.et.rejetes += 1
                    continue
                vus_ej[v["finess"]] = ref
                lot_og.append(v)
                for j, eg in gardes:
                    ref_et = f"{ref}, ege n°{j}"
                    try:
                        ve = et_depuis_json(eg)
                        if ve["finess"] in vus_et:
                            raise RejetEnregistrement(
                                f"ET en double dans le fichier (déjà vu en {vus_et[ve['finess']]})")
                    except RejetEnregistrement as exc:
                        res.rejets.append(Rejet(ref_et, _et_brut(eg)[0], str(exc)))
                        res.et.rejetes += 1
                        continue
                    vus_et[ve["finess"]] = ref_et
                    lot_et.append((v["finess"], ve))
                if len(lot_og) >= BATCH_EJ:
                    yield vider()
        except RejetEnregistrement as exc:  # the JSON itself is broken: nothing after that point can be read
            res.rejets.append(Rejet("fichier", "", str(exc)))
            if lot_og or lot_et:
                yield vider()
            return
    if lot_og or lot_et:
        yield vider()
    # Second read for the groupements (small array, before or after pmej): ijson skips the rest in C.
    with ouvrir(chemin, limites=limites) as f2:
        try:
            groupements = list(iterer_json(f2, "gcc"))
        except RejetEnregistrement as exc:
            res.rejets.append(Rejet("fichier", "", str(exc)))
            return
    yield _Lot(set(), groupements=groupements, fichier_pm=fichier_pm)


def _lots_csv(chemin: Path, perimetre: Perimetre, res: Resultat, limites: Decompression,
              callback: Callable[[int], Any] | None = None) -> Iterator[_Lot]:
    """Batches of checked ET of the etalab CSV (their EJ must be in Socle); rejections go to `res`."""
    # First read (light): coordinates of the `geolocalisation` lines, which come after all `structureet` lines.
    geo: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    with ouvrir(chemin, limites=limites) as f1:
        for num, champs in iterer_csv(f1):
            if champs and champs[0].strip().lower() == "geolocalisation":
                if len(champs) != len(COLONNES_GEOLOCALISATION) + 1:
                    res.rejets.append(Rejet(f"ligne {num}", champs[1].strip() if len(champs) > 1 else "",
                                            f"ligne « geolocalisation » malformée : {len(COLONNES_GEOLOCALISATION)} "
                                            f"colonnes attendues après l'étiquette, {len(champs) - 1} reçues"))
                    continue
                d = dict(zip(COLONNES_GEOLOCALISATION, champs[1:], strict=True))
                try:
                    geo[d["nofinesset"].strip().upper()] = _geoloc(d)
                except RejetEnregistrement as exc:
                    res.rejets.append(Rejet(f"ligne {num}", d["nofinesset"].strip(), str(exc)))
    # Second read: the establishments, by batches.
    vus: dict[str, str] = {}
    lot: list[tuple[str, str, str, dict[str, Any]]] = []

    def vider() -> _Lot:
        ej_ids = dict(OrganismeGestionnaire.objects.filter(finess__in={ej for _, ej, _, _ in lot})
                      .values_list("finess", "pk"))
        bons, ejs = [], set()
        for ref, ej, finess, v in lot:
            if ej not in ej_ids:
                res.rejets.append(Rejet(ref, finess, f"entité juridique {ej} inconnue : ni dans Socle ni importée "
                                        "(importez d'abord le flux JSON « structures » qui décrit les EJ)"))
                res.et.rejetes += 1
                continue
            v["organisme_id"] = ej_ids[ej]
            ejs.add(ej)
            bons.append((None, v))
        lot.clear()
        return _Lot(ejs, et=bons)

    with ouvrir(chemin, callback, limites) as flux:
        for num, champs in iterer_csv(flux):
            if not champs or not any(c.strip() for c in champs):
                continue
            tag = champs[0].strip().lower()
            ref = f"ligne {num}"
            if tag == "finess" and num == 1:
                continue
            if tag == "geolocalisation":
                continue
            if tag != "structureet":
                res.rejets.append(Rejet(ref, "", f"ligne malformée : type de ligne « {champs[0][:30]} » inconnu "
                                        "(attendu « structureet » ou « geolocalisation »)"))
                continue
            if len(champs) != len(COLONNES_STRUCTUREET) + 1:
                res.rejets.append(Rejet(ref, champs[1].strip() if len(champs) > 1 else "",
                                        f"ligne « structureet » malformée : {len(COLONNES_STRUCTUREET)} colonnes "
                                        f"attendues après l'étiquette, {len(champs) - 1} reçues"))
                res.et.rejetes += 1
                continue
            d = dict(zip(COLONNES_STRUCTUREET, champs[1:], strict=True))
            dep = d["departement"].strip().upper()
            cog = dep + d["commune"].strip() if re.fullmatch(r"\d{2}|2A|2B", dep) else ""
            if not perimetre.et_ok(d["nofinesset"], cog, d["categetab"]):
                res.hors_perimetre += 1
                continue
            try:
                ej, v = et_depuis_csv(d)
                if v["finess"] in vus:
                    raise RejetEnregistrement(f"ET en double dans le fichier (déjà vu en {vus[v['finess']]})")
            except RejetEnregistrement as exc:
                res.rejets.append(Rejet(ref, d["nofinesset"].strip(), str(exc)))
                res.et.rejetes += 1
                continue
            vus[v["finess"]] = ref
            if v["finess"] in geo:
                v["latitude"], v["longitude"] = geo[v["finess"]]
            lot.append((ref, ej, v["finess"], v))
            if len(lot) >= BATCH_ET_CSV:
                yield vider()
    if lot:
        yield vider()


def _anomalies(og_finess: set[str], res: Resultat) -> None:
    """FINESS anomalies of the imported OG (what the chef de projet loads the extract for)."""
    from .rules import anomalies_organisme

    finess = sorted(og_finess)
    for i in range(0, len(finess), 500):
        for og in OrganismeGestionnaire.objects.filter(finess__in=finess[i:i + 500]).prefetch_related(
                "etablissements").order_by("finess"):
            for a in anomalies_organisme(og):
                res.anomalies_par_code[a.code] = res.anomalies_par_code.get(a.code, 0) + 1
                if len(res.anomalies) < MAX_ANOMALIES_DETAIL:
                    res.anomalies.append({"code": a.code, "gravite": a.libelle_gravite, "organisme": og.finess,
                                          "objet": a.objet, "message": a.message, "destinataire": a.destinataire})
