"""Limits on uploaded files, shared by the imports (FINESS, staff): size, decompression, zip archives.

Every limit is a setting (``SOCLE_…``, read from the environment in settings.py) and every refusal names the
rule, the limit and its setting in French, so that the person who uploaded the file knows what to change.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.conf import settings


class FichierRefuse(ValueError):
    """The file breaks one of the limits; the message names the rule and its setting."""


def reglage(nom: str) -> int:
    """An integer limit from the settings (its name is quoted in refusal messages)."""
    return int(getattr(settings, nom))


def taille_lisible(n: int) -> str:
    """'1 Go', '50 Mo', '1,5 Mo', '12 Ko', '300 octets' (binary multiples, French units)."""
    for unite, facteur in (("Go", 1 << 30), ("Mo", 1 << 20), ("Ko", 1 << 10)):
        if n >= facteur:
            v = n / facteur
            texte = f"{v:.0f}" if v >= 10 or v == int(v) else f"{v:.1f}".replace(".", ",")
            return f"{texte} {unite}"
    return f"{n} octets"


def nombre(n: int) -> str:
    """1000000 → '1 000 000'."""
    return f"{n:,}".replace(",", " ")


@dataclass(frozen=True)
class Decompression:
    """Limits on what a compressed file (gzip, zip, XLSX) may expand to.

    `max_octets`: absolute decompressed size (setting `nom_max`); `ratio`: largest compression ratio accepted
    once more than `seuil_ratio` bytes came out (a 5 KB file that inflates to 5 GB is an attack, not data);
    `max_membres`: number of files in a zip archive.
    """

    max_octets: int
    nom_max: str
    ratio: int
    seuil_ratio: int
    max_membres: int
    erreur: type[Exception] = FichierRefuse

    @classmethod
    def depuis_reglages(cls, nom_max: str, erreur: type[Exception] = FichierRefuse) -> Decompression:
        return cls(reglage(nom_max), nom_max, reglage("SOCLE_IMPORT_MAX_RATIO"),
                   reglage("SOCLE_IMPORT_SEUIL_RATIO"), reglage("SOCLE_IMPORT_MAX_MEMBRES_ZIP"), erreur)

    def refuser(self, message: str) -> Exception:
        return self.erreur(message)

    def verifier(self, decompresse: int, compresse: int, quoi: str = "la décompression") -> None:
        if decompresse > self.max_octets:
            raise self.refuser(f"{quoi} dépasse {taille_lisible(self.max_octets)} (limite {self.nom_max})")
        if decompresse > self.seuil_ratio and decompresse > self.ratio * max(compresse, 1):
            raise self.refuser(
                f"{quoi} multiplie la taille par plus de {self.ratio} au-delà de {taille_lisible(self.seuil_ratio)} "
                f"({taille_lisible(max(compresse, 1))} compressés donnent plus de {taille_lisible(decompresse)}) : "
                "archive piégée ou anormale (limite SOCLE_IMPORT_MAX_RATIO)")

    def verifier_zip(self, zf: zipfile.ZipFile) -> None:
        """Check the sizes the archive declares, BEFORE reading any member. Python's zipfile never returns more
        than a member's declared size (and checks its CRC), so these figures bound what can come out."""
        membres = zf.infolist()
        if len(membres) > self.max_membres:
            raise self.refuser(f"l'archive zip contient {nombre(len(membres))} fichiers, au plus "
                               f"{nombre(self.max_membres)} (limite SOCLE_IMPORT_MAX_MEMBRES_ZIP)")
        total = sum(m.file_size for m in membres)
        self.verifier(total, sum(m.compress_size for m in membres), "le contenu décompressé de l'archive")
        for m in membres:
            self.verifier(m.file_size, m.compress_size, f"le fichier « {m.filename[:80]} » de l'archive")


class FluxBorne(io.RawIOBase):
    """A decompressed stream (gzip, zip member) that refuses to give more than the limits allow.

    `compresse()` returns the compressed bytes consumed so far (for the ratio). Decompression errors of a
    corrupt archive become refusals too, never an unexpected exception."""

    def __init__(self, flux: IO[bytes], compresse: Callable[[], int], limites: Decompression):
        self.flux = flux
        self.compresse = compresse
        self.limites = limites
        self.sortis = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        try:
            data = self.flux.read(len(b))
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise self.limites.refuser(f"archive compressée illisible ou tronquée : {exc}") from exc
        n = len(data)
        b[:n] = data
        self.sortis += n
        self.limites.verifier(self.sortis, self.compresse())
        return n

    def close(self) -> None:
        if not self.closed:
            self.flux.close()
        super().close()
