"""Spreadsheet exports without formula injection (CSV injection, OWASP).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a formula by
Excel or LibreOffice when the file is opened (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``…). A staff member's
name, an ESMS name or a comment typed by anyone can start that way. Every CSV and XLSX that Socle writes goes
through this module:

- ``neutraliser(valeur)``: the OWASP recommendation, a single quote before such a text, so the spreadsheet
  shows it as text (the quote is visible in a text editor, hidden by Excel);
- ``ecrire_ligne_csv(writer, valeurs)``: one CSV row, every text cell neutralised;
- ``ajouter_ligne_xlsx(feuille, valeurs)``: one openpyxl row; text cells are neutralised *and* typed as strings
  (openpyxl otherwise stores a text starting with ``=`` as a formula).

Files read by a machine rather than a person (the RPPS+ mass-registration CSV for the national portal) must
keep legitimate values such as a phone number ``+33…``: there only free-text fields (names, first names,
professional names, job titles) are neutralised — see ``socle.personnel.export``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

DECLENCHEURS = ("=", "+", "-", "@", "\t", "\r")


def est_dangereux(valeur: Any) -> bool:
    """A text a spreadsheet would run as a formula."""
    return isinstance(valeur, str) and valeur.startswith(DECLENCHEURS)


def neutraliser(valeur: Any) -> Any:
    """The value, with a single quote in front when it is a text a spreadsheet would run as a formula.
    Anything else (numbers, dates, None, harmless text) comes back unchanged."""
    return "'" + valeur if est_dangereux(valeur) else valeur


def neutraliser_ligne(valeurs: Iterable[Any]) -> list[Any]:
    return [neutraliser(v) for v in valeurs]


def ecrire_ligne_csv(writer, valeurs: Iterable[Any]) -> None:
    """Write one row with a `csv.writer`, every text cell neutralised."""
    writer.writerow(neutraliser_ligne(valeurs))


def ajouter_ligne_xlsx(feuille, valeurs: Iterable[Any]) -> None:
    """Append one row to an openpyxl worksheet: text cells neutralised and stored as strings, never formulas."""
    feuille.append(neutraliser_ligne(valeurs))
    for cellule in feuille[feuille.max_row]:
        if isinstance(cellule.value, str):
            cellule.data_type = "s"


def fichier_csv(entetes: Iterable[Any], lignes: Iterable[Iterable[Any]]) -> bytes:
    """A whole CSV for a person's spreadsheet (`;`, UTF-8 with BOM so Excel reads the accents), cells neutralised."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    ecrire_ligne_csv(w, entetes)
    for ligne in lignes:
        ecrire_ligne_csv(w, ligne)
    return buf.getvalue().encode("utf-8-sig")


def fichier_xlsx(titre: str, entetes: Iterable[Any], lignes: Iterable[Iterable[Any]]) -> bytes:
    """A one-sheet XLSX (header row in bold, frozen), every text cell neutralised and typed as text."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = titre[:31]
    ajouter_ligne_xlsx(ws, entetes)
    for cellule in ws[1]:
        cellule.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for ligne in lignes:
        ajouter_ligne_xlsx(ws, ligne)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def reponse_tableur(nom: str, format_: str, entetes: Iterable[Any], lignes: Iterable[Iterable[Any]]):
    """An HTTP download of a table as CSV or XLSX (`format_`), every cell neutralised; `nom` without extension."""
    from django.http import HttpResponse

    entetes = list(entetes)
    contenu = fichier_xlsx(nom, entetes, lignes) if format_ == "xlsx" else fichier_csv(entetes, lignes)
    format_ = "xlsx" if format_ == "xlsx" else "csv"
    reponse = HttpResponse(contenu, content_type=FORMATS[format_])
    reponse["Content-Disposition"] = f'attachment; filename="{nom}.{format_}"'
    return reponse
