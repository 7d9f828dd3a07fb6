"""INS auto-homologation: the dossier as a guided checklist, the commission, the PV as a PDF.

The structure (support documentaire, commission d'homologation, procès-verbal, inscription au registre RGPD)
follows issue 6, itself written from the ANS guidance for ESMS; the checklist wording is Socle's own and is a
help to prepare the dossier, not a certified model.
"""

from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

from .models import Homologation

CHECKLIST: dict[str, list[tuple[str, str]]] = {
    "Traitements": [
        ("t_perimetre", "Périmètre décrit : ESMS, logiciels (DUI) et flux INSi concernés"),
        ("t_finalite", "Finalité : identification des usagers par l'INS qualifiée (référentiel national d'identitovigilance)"),
        ("t_acteurs", "Acteurs : qui appelle l'INSi (admission, secrétariat), avec quel moyen d'authentification"),
        ("t_donnees", "Données traitées : traits d'identité, matricule INS, OID"),
    ],
    "Risques": [
        ("r_collision", "Risque de collision ou d'erreur d'identité (usager mal identifié)"),
        ("r_certificat", "Risque de compromission du certificat logiciel ou de son mot de passe"),
        ("r_acces", "Risque d'accès non autorisé aux données d'identité"),
        ("r_disponibilite", "Risque d'indisponibilité du téléservice (mode dégradé prévu)"),
    ],
    "Mesures": [
        ("m_procedures", "Procédures d'identitovigilance écrites et diffusées (pièce d'identité à haut niveau de confiance)"),
        ("m_formation", "Personnels d'admission formés"),
        ("m_certificat", "Certificat conservé chiffré, accès réservé aux administrateurs techniques, renouvellement suivi"),
        ("m_traces", "Traçabilité des appels et des accès"),
    ],
}
ITEMS = [code for items in CHECKLIST.values() for code, _ in items]


def progression(h: Homologation) -> tuple[int, int]:
    return sum(1 for c in ITEMS if h.checklist.get(c, {}).get("ok")), len(ITEMS)


def manques(h: Homologation) -> list[str]:
    """What prevents generating a PV: unchecked items, no commission date or members, no decision."""
    out = [f"Point non vérifié : {lib}" for items in CHECKLIST.values() for code, lib in items
           if not h.checklist.get(code, {}).get("ok")]
    if not h.date_commission:
        out.append("Date de la commission manquante")
    if not h.membres.strip():
        out.append("Membres de la commission manquants")
    if not h.decision:
        out.append("Décision de la commission manquante")
    return out


def _texte(valeur) -> str:
    """User text for a reportlab Paragraph, whose argument is markup: escaped, so that `<b>` unclosed (an error),
    `<img src=…>` (a server file embedded) or `<a href="javascript:…">` (a link) stay plain text."""
    return escape(str(valeur))


def pv_pdf(h: Homologation) -> bytes:
    """The procès-verbal of the commission, as a PDF. Every user text goes through `_texte`."""
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
                            bottomMargin=2 * cm, title="Procès-verbal d'auto-homologation INS", author="Socle")
    st = getSampleStyleSheet()
    og = h.organisme
    el = [Paragraph("Procès-verbal d'auto-homologation INS", st["Title"]),
          Paragraph(f"{_texte(og.raison_sociale)} — FINESS juridique {_texte(og.finess)}", st["Heading2"]),
          Paragraph(f"Commission réunie le {h.date_commission:%d/%m/%Y}." if h.date_commission else
                    "Date de la commission : non renseignée.", st["Normal"]),
          Spacer(1, 0.4 * cm), Paragraph("Membres de la commission", st["Heading3"])]
    el += [Paragraph(_texte(m.strip()), st["Normal"]) for m in h.membres.splitlines() if m.strip()]
    for section, items in CHECKLIST.items():
        el.append(Paragraph(section, st["Heading3"]))
        rows = [["Point", "Vérifié", "Observation"]]
        for code, lib in items:
            v = h.checklist.get(code, {})
            rows.append([Paragraph(_texte(lib), st["BodyText"]), "oui" if v.get("ok") else "non",
                         Paragraph(_texte(v.get("note", "")), st["BodyText"])])
        el.append(Table(rows, colWidths=[9 * cm, 2 * cm, 6 * cm], repeatRows=1))
    el += [Paragraph("Décision", st["Heading3"]),
           Paragraph(f"{_texte(h.get_decision_display() or 'non renseignée')} pour une durée de "
                     f"{h.duree_mois} mois.", st["Normal"])]
    if h.reserves:
        el.append(Paragraph(f"Réserves : {_texte(h.reserves)}", st["Normal"]))
    el += [Paragraph("Registre des traitements (RGPD)", st["Heading3"]),
           Paragraph(f"Finalité : {_texte(h.rgpd_finalite or '—')} ; "
                     f"base légale : {_texte(h.rgpd_base_legale or '—')} ; "
                     f"données : {_texte(h.rgpd_categories or '—')} ; "
                     f"destinataires : {_texte(h.rgpd_destinataires or '—')} ; "
                     f"conservation : {_texte(h.rgpd_duree or '—')} ; inscrit le "
                     f"{h.rgpd_date_inscription:%d/%m/%Y}." if h.rgpd_date_inscription else
                     "Inscription au registre : non renseignée.", st["Normal"]),
           Spacer(1, 1 * cm),
           Paragraph("Signature de l'autorité d'homologation (représentant légal) :", st["Normal"]),
           Spacer(1, 2 * cm),
           Paragraph(f"Document généré par Socle le {timezone.localdate():%d/%m/%Y}.", st["Italic"])]
    doc.build(el)
    return buf.getvalue()
