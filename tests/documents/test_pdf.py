"""The printed DLU: the Datamatrix INS and the INS only for a qualified identity (RNIV R-AF-03 / R-AF-04)."""

import base64
import re
import zlib

import pytest
from reportlab.graphics.barcode.ecc200datamatrix import ECC200DataMatrix

from socle.documents.pdf import contenu_datamatrix_ins, rendu_dlu
from tests.documents.factories import (  # noqa: F401
    dlu,
    fixture_ehpad,
    fixture_infirmiere,
    fixture_resident,
    fixture_resident_prov,
)


def _texte(pdf: bytes) -> str:
    """Page streams of a reportlab PDF (ASCII85 + Flate), decoded."""
    morceaux = []
    for flux in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        flux = flux.strip()
        try:
            flux = base64.a85decode(flux[:-2]) if flux.endswith(b"~>") else flux
            morceaux.append(zlib.decompress(flux).decode("latin-1"))
        except (ValueError, zlib.error):
            morceaux.append(flux.decode("latin-1"))
    return "".join(morceaux)


def test_datamatrix_ins_seulement_si_qualifiee(resident, resident_prov, ehpad, infirmiere):
    contenu = contenu_datamatrix_ins(resident)
    champs = contenu.split("\x1d")
    assert champs[1:] == [
        resident.ins,
        "1.2.250.1.213.1.4.10",
        "ALICE MARIE",
        "DEMOLIN",
        "F",
        "04-03-1940",
        "69123",
    ]
    code = ECC200DataMatrix(contenu)
    code.validate()
    code.encode()  # the symbol can be built (ECC 200)
    with pytest.raises(ValueError, match="non qualifiée"):
        contenu_datamatrix_ins(resident_prov)


def test_rendu_pdf_du_dlu(resident, resident_prov, ehpad, infirmiere):
    pdf = rendu_dlu(dlu(resident, ehpad, infirmiere))
    assert pdf.startswith(b"%PDF-")
    texte = _texte(pdf)
    assert f"INS : {resident.ins}" in texte
    pdf_prov = rendu_dlu(dlu(resident_prov, ehpad, infirmiere))
    texte_prov = _texte(pdf_prov)
    assert "INS :" not in texte_prov and "Identit" in texte_prov
