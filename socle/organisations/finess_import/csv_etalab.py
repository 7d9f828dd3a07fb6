"""The historical etalab ``;`` CSV (``structureet`` and ``geolocalisation`` lines, Latin-1 or UTF-8). It carries
ET only: their EJ must already be known (imported from the JSON flux, or present in Socle)."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from socle.core.fichiers import Decompression, FichierRefuse, reglage, taille_lisible

from ..categories import libelle_categorie
from ..models import Etablissement, EtatFiness, OrganismeGestionnaire
from .champs import _SIX, _date, _datetime, _finess, _verifier_longueurs, departement_de, voie
from .ecriture import _Lot
from .geo import lambert93_vers_wgs84
from .lecture import _trop_d_enregistrements, ouvrir
from .perimetre import Perimetre
from .resultat import Rejet, RejetEnregistrement, Resultat

BATCH_ET_CSV = 1000

# Columns of a `structureet` line of the etalab CSV, after the tag (tests/fixtures/SOURCE.md).
COLONNES_STRUCTUREET = [
    "nofinesset", "nofinessej", "rs", "rslongue", "complrs", "compldistrib", "numvoie", "typvoie", "voie",
    "compvoie", "lieuditbp", "commune", "departement", "libdepartement", "ligneacheminement", "telephone",
    "telecopie", "categetab", "libcategetab", "categagretab", "libcategagretab", "siret", "codeape", "codemft",
    "libmft", "codesph", "libsph", "dateouv", "dateautor", "datemaj", "numuai",
]
COLONNES_GEOLOCALISATION = ["nofinesset", "coordxet", "coordyet", "sourcecoordet", "datemaj"]


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
