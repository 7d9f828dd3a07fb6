"""Opening a DUI file within the limits (settings SOCLE_USAGERS_*): size, gzip/zip decompression (ratio, members),
size of one record. Every refusal is an ImportIllisible naming the limit, raised before anything is written."""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from socle.core.fichiers import Decompression, FluxBorne, nombre, reglage, taille_lisible

from .commun import ImportIllisible


def limites() -> Decompression:
    return Decompression.depuis_reglages("SOCLE_USAGERS_MAX_DECOMPRESSE", ImportIllisible)


def verifier_taille(chemin: Path) -> None:
    taille = os.path.getsize(chemin)
    maxi = reglage("SOCLE_USAGERS_MAX_FICHIER")
    if taille > maxi:
        raise ImportIllisible(
            f"le fichier fait {taille_lisible(taille)}, au plus {taille_lisible(maxi)} "
            "(limite SOCLE_USAGERS_MAX_FICHIER) : découpez l'export du DUI"
        )
    if taille == 0:
        raise ImportIllisible("le fichier est vide")


@contextmanager
def ouvrir(chemin: Path) -> Iterator[IO[bytes]]:
    """The content of the file as a bounded binary stream: plain, gzip (.gz) or a zip holding one file."""
    chemin = Path(chemin)
    verifier_taille(chemin)
    lim = limites()
    with open(chemin, "rb") as brut:
        tete = brut.read(4)
        brut.seek(0)
        if tete[:2] == b"\x1f\x8b":
            gz = gzip.GzipFile(fileobj=brut)
            flux = io.BufferedReader(FluxBorne(gz, brut.tell, lim), 1 << 16)
            yield flux
            return
        if tete == b"PK\x03\x04" and chemin.suffix.lower() != ".xlsx":
            try:
                zf = zipfile.ZipFile(brut)
            except zipfile.BadZipFile as exc:
                raise ImportIllisible(f"archive zip illisible : {exc}") from exc
            with zf:
                lim.verifier_zip(zf)
                membres = [m for m in zf.infolist() if not m.is_dir()]
                if len(membres) != 1:
                    raise ImportIllisible(
                        f"l'archive zip contient {nombre(len(membres))} fichiers : déposez-en un "
                        "seul (l'export du DUI)"
                    )
                m = membres[0]
                with zf.open(m) as interne:
                    yield io.BufferedReader(FluxBorne(interne, lambda: m.compress_size, lim), 1 << 16)
            return
        yield brut


def texte(flux: IO[bytes], encodage: str = "utf-8") -> Iterator[tuple[int, str]]:
    """Lines of a text file, numbered from 1, decoded strictly: a byte outside the encoding is refused with its
    line, never replaced. A line longer than SOCLE_USAGERS_MAX_ENREGISTREMENT is refused."""
    maxi = reglage("SOCLE_USAGERS_MAX_ENREGISTREMENT")
    try:
        codecs.lookup(encodage)
    except LookupError:
        raise ImportIllisible(f"encodage « {encodage[:20]} » inconnu : UTF-8, Windows-1252 ou ISO-8859-1") from None
    for n, ligne in enumerate(_lignes_brutes(flux, maxi), start=1):
        if n == 1 and ligne.startswith(b"\xef\xbb\xbf"):
            ligne = ligne[3:]
        try:
            yield n, ligne.decode(encodage)
        except UnicodeDecodeError as exc:
            raise ImportIllisible(
                f"ligne {n} : le fichier n'est pas encodé en {encodage.upper()} (octet 0x{ligne[exc.start]:02X} "
                f"illisible, position {exc.start + 1}) : exportez-le en {encodage.upper()} depuis le DUI, ou "
                "choisissez l'encodage du DUI dans les paramètres de l'ESMS"
            ) from None


def _lignes_brutes(flux: IO[bytes], maxi: int) -> Iterator[bytes]:
    """Lines ended by LF, CRLF or CR alone (HL7 ends its segments with CR), read by blocks: a line is never cut."""
    reste = b""
    while True:
        bloc = flux.read(1 << 16)
        if not bloc:
            break
        reste += bloc
        retenu = b""
        if reste.endswith(b"\r"):  # a CR at the end of a block may be the first half of a CRLF
            reste, retenu = reste[:-1], b"\r"
        morceaux = re.split(rb"\r\n|\r|\n", reste)
        reste = morceaux.pop() + retenu
        yield from morceaux
        if len(reste) > maxi:
            raise ImportIllisible(
                f"un enregistrement dépasse {taille_lisible(maxi)} (limite "
                "SOCLE_USAGERS_MAX_ENREGISTREMENT) : ce n'est pas un export de DUI"
            )
    if reste:
        yield reste


def trop(n: int) -> None:
    maxi = reglage("SOCLE_USAGERS_MAX_ENREGISTREMENTS")
    if n > maxi:
        raise ImportIllisible(
            f"plus de {nombre(maxi)} enregistrements (limite SOCLE_USAGERS_MAX_ENREGISTREMENTS) : "
            "découpez l'export du DUI"
        )
