"""CDA R2 documents built by Socle: the structured DLU (`dlu.py`) and the PDF in a non-structured CDA (`n1.py`),
with the header of `entete.py`."""

from __future__ import annotations


def construire(document) -> bytes:
    """The CDA R2 (UTF-8 XML) of a document from its data."""
    from .dlu import construire_dlu
    from .n1 import construire_n1

    if document.format == "DLU":
        return construire_dlu(document)
    with document.pdf.open("rb") as f:
        return construire_n1(document, f.read())
