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

The package, by responsibility:

* ``lecture``: opening (plain, .gz, .zip), format detection, decompression and count limits;
* ``json_flux`` and ``csv_etalab``: the two parsers, each yielding checked batches;
* ``champs``: the field mapping both share; ``perimetre``: the department / category filters;
* ``geo``: Lambert 93 → WGS84 (the CSV's coordinates);
* ``ecriture``: the writer ``_Ecrivain`` and the batch ``_Lot`` it applies;
* ``passes``: ``importer()``, the three passes;
* ``resultat``: rejections, counters, the summary (``Resultat``).

Everything used outside is re-exported here: ``from socle.organisations.finess_import import importer``.
"""

from socle.core.fichiers import FichierRefuse

from .champs import TYPES_VOIE, departement_de, voie
from .csv_etalab import COLONNES_GEOLOCALISATION, COLONNES_STRUCTUREET, et_depuis_csv, iterer_csv
from .ecriture import CHAMPS_ET, CHAMPS_OG, _Ecrivain, _Lot
from .geo import lambert93_vers_wgs84
from .json_flux import ItemJson, et_depuis_json, iterer_json, og_depuis_json
from .lecture import FormatInconnu, detecter_format, limites_decompression, ouvrir
from .passes import EcritureInterrompue, _anomalies, importer
from .perimetre import Perimetre
from .resultat import Compteur, Rejet, RejetEnregistrement, RejetsPlafonnes, Resultat, motif_type

__all__ = [
    "CHAMPS_ET",
    "CHAMPS_OG",
    "COLONNES_GEOLOCALISATION",
    "COLONNES_STRUCTUREET",
    "TYPES_VOIE",
    "Compteur",
    "EcritureInterrompue",
    "FichierRefuse",
    "FormatInconnu",
    "ItemJson",
    "Perimetre",
    "Rejet",
    "RejetEnregistrement",
    "RejetsPlafonnes",
    "Resultat",
    "_Ecrivain",
    "_Lot",
    "_anomalies",
    "departement_de",
    "detecter_format",
    "et_depuis_csv",
    "et_depuis_json",
    "importer",
    "iterer_csv",
    "iterer_json",
    "lambert93_vers_wgs84",
    "limites_decompression",
    "motif_type",
    "og_depuis_json",
    "ouvrir",
    "voie",
]
