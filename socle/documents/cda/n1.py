"""A non-structured CDA R2 (N1): the CI-SIS header and the PDF in `nonXMLBody`, base64 (ANS example
DOC_NON_STRUCTURE_CDA-R2-N1)."""

from __future__ import annotations

import base64

from lxml import etree

from .entete import el, entete

TEMPLATE_N1 = ("1.3.6.1.4.1.19376.1.2.20", None)  # IHE XDS-SD: a scanned or PDF document in a CDA (N1)


def construire_n1(document, pdf: bytes) -> bytes:
    racine = entete(
        document,
        template=TEMPLATE_N1,
        titre=document.titre,
        service=(
            document.type_code if document.type_systeme == "2.16.840.1.113883.6.1" else "28653-4",
            document.type_libelle,
        ),
    )
    corps = el(el(racine, "component"), "nonXMLBody")
    el(
        corps,
        "text",
        base64.b64encode(pdf).decode("ascii"),
        mediaType="application/pdf",
        representation="B64",
    )
    return etree.tostring(racine, xml_declaration=True, encoding="UTF-8")
