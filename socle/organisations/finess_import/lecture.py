"""Opening a FINESS file (plain, .gz or .zip), detecting its format, and the limits every read obeys."""

from __future__ import annotations

import gzip
import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from socle.core.fichiers import Decompression, FichierRefuse, FluxBorne, nombre, taille_lisible


class FormatInconnu(ValueError):
    """The file is neither the JSON flux "structures" nor the etalab CSV."""


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


def _trop_d_enregistrements(n: int) -> FichierRefuse:
    return FichierRefuse(f"le fichier compte plus de {nombre(n)} enregistrements "
                         "(limite SOCLE_FINESS_MAX_ENREGISTREMENTS)")
