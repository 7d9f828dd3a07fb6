"""The JSON flux "structures" (``{"gcc": [...], "gco": [...], "pmej": [...]}``): EJ = ``pmej[]``, ET =
``pmej[].ege[]``. Read item by item with ijson, never loaded whole, each item bounded before ijson parses it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import ijson

from socle.core.fichiers import Decompression, FichierRefuse, reglage, taille_lisible

from ..categories import libelle_categorie
from ..models import Etablissement, OrganismeGestionnaire
from .champs import (
    _adresse,
    _coord,
    _date,
    _datetime,
    _etat,
    _finess,
    _s,
    _telephone,
    _verifier_longueurs,
    departement_de,
    voie,
)
from .ecriture import _Lot
from .lecture import _trop_d_enregistrements, ouvrir
from .perimetre import Perimetre
from .resultat import Rejet, RejetEnregistrement, Resultat

BATCH_EJ = 500  # EJ (with their ET) written per bulk operation


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


def _et_brut(eg: Any) -> tuple[str, str, str]:
    if not isinstance(eg, dict):
        return "", "", ""
    info = eg.get("informationsGeneralesEGE") or {}
    adr = _adresse(eg.get("adresse"), "03")
    return (_s(info.get("numFinessEge")) if isinstance(info, dict) else "", _s(adr.get("cogCommune")),
            _s(eg.get("categorieentiteGeographiqueExercice")))


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
