"""Usagers in and out of the ESMS's DUI (dossier usager informatisé): CSV / XLSX, FHIR R4 Bundle (FR Core),
HL7 v2.5 ADT (IHE PAM national extension France).

Reading: `lecture` (limits, decompression, encoding), one parser per format (`tableau`, `fhir`, `hl7v2`) that
yields `IdentiteEntrante` rows; `importer` is the one use case (dry run → per-row French problems → atomic,
idempotent commit keyed by the IPP). Writing: `exporter` (the same three forms, incremental). Birth dates cross
the formats through the two functions of `naissance` only."""
