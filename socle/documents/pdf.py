"""PDF files of documents: checking an uploaded PDF, and the printed rendering of a DLU with the INS datamatrix."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from socle.core.fichiers import FichierRefuse, taille_lisible


def verifier_pdf(contenu: bytes) -> None:
    """Refuse what is not a PDF, or too big (`SOCLE_DOCUMENTS_MAX_PDF`), with a French message naming the rule."""
    limite = int(settings.SOCLE_DOCUMENTS_MAX_PDF)
    if not contenu:
        raise FichierRefuse(_("Le fichier déposé est vide."))
    if len(contenu) > limite:
        raise FichierRefuse(
            _("Le PDF fait %(t)s : la limite est %(l)s (réglage SOCLE_DOCUMENTS_MAX_PDF).")
            % {"t": taille_lisible(len(contenu)), "l": taille_lisible(limite)}
        )
    if not contenu.startswith(b"%PDF-"):
        raise FichierRefuse(_("Le fichier n'est pas un PDF (il ne commence pas par « %PDF- »)."))
    if b"%%EOF" not in contenu[-2048:]:
        raise FichierRefuse(
            _("Le PDF est incomplet (marque de fin « %%EOF » absente) : déposez-le à nouveau.")
        )


# --- printed rendering of a DLU --------------------------------------------------------------------------------

# Datamatrix INS (RNIV R-AF-03: a printed document about a QUALIFIED identity carries the INS, its nature, the 5
# strict traits and the Datamatrix INS; R-AF-04: never for another status). Fields, in this order, as listed from
# the ANS "Datamatrix INS" v2.2 specification in socle/referentiels/RNIV.md [S14]: matricule INS (15 characters),
# OID of its nature, liste des prénoms, nom de naissance, sexe, date de naissance (JJ-MM-AAAA), code lieu de
# naissance. The ANS PDF (field identifiers, header) was not available in the reference material: the marker and
# separator below are Socle's and must be checked against the ANS PDF before printing for real use.
DATAMATRIX_ENTETE = "INS"
DATAMATRIX_SEPARATEUR = "\x1d"  # GS, the field separator of ISO/IEC 16022 data


def contenu_datamatrix_ins(usager) -> str:
    """The string encoded in the Datamatrix INS of a qualified identity; ValueError otherwise (R-AF-04)."""
    from socle.usagers.models import Statut

    if usager.statut != Statut.QUAL or not usager.matricule_ins:
        raise ValueError(_("Pas de Datamatrix INS pour une identité non qualifiée (RNIV)."))
    champs = [
        usager.ins,
        usager.oid_ins,
        usager.prenoms_naissance,
        usager.nom_naissance,
        usager.sexe,
        usager.date_naissance.strftime("%d-%m-%Y"),
        usager.lieu_naissance,
    ]
    return DATAMATRIX_ENTETE + DATAMATRIX_SEPARATEUR + DATAMATRIX_SEPARATEUR.join(champs)


def rendu_dlu(document) -> bytes:
    """The DLU printed on A4 (reportlab): identity block (INS, traits and Datamatrix INS only for a qualified
    identity), then every part of the form."""
    import io

    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode import createBarcodeDrawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from socle.usagers.models import Statut

    from .cda.dlu import AUTONOMIE, CHAMPS, documents_annexes, observations_etat

    u, etab, c = document.usager, document.etablissement, document.contenu or {}
    tampon = io.BytesIO()
    page = canvas.Canvas(tampon, pagesize=A4)
    page.setTitle(f"DLU {u.nom_naissance} v{document.version}")
    largeur, hauteur = A4
    y = hauteur - 20 * mm

    def ligne(texte: str, taille: int = 10, gras: bool = False, retrait: float = 0) -> None:
        nonlocal y
        if y < 20 * mm:
            page.showPage()
            y = hauteur - 20 * mm
        page.setFont("Helvetica-Bold" if gras else "Helvetica", taille)
        for morceau in [texte[i : i + 110] for i in range(0, len(texte), 110)] or [""]:
            page.drawString(20 * mm + retrait, y, morceau)
            y -= taille * 0.5 * mm + 2 * mm

    ligne("Dossier de liaison d'urgence (DLU)", 16, True)
    ligne(
        f"{etab.nom} — FINESS {etab.finess} — version {document.version} du "
        f"{document.date_acte.strftime('%d/%m/%Y')}",
        9,
    )
    y -= 3 * mm
    if u.statut == Statut.QUAL and u.matricule_ins:
        dessin = createBarcodeDrawing(
            "ECC200DataMatrix", value=contenu_datamatrix_ins(u), barWidth=0.6 * mm, barHeight=0.6 * mm
        )
        renderPDF.draw(dessin, page, largeur - 20 * mm - dessin.width, y - dessin.height + 8 * mm)
        nature = "NIR" if u.oid_ins.endswith((".8", ".10")) else "NIA"
        ligne(f"INS : {u.ins} ({nature})", 11, True)
        ligne(f"Nom de naissance : {u.nom_naissance}    Prénom(s) de naissance : {u.prenoms_naissance}")
        ligne(
            f"Né(e) le {u.date_naissance.strftime('%d/%m/%Y')}    Sexe : {u.sexe}    "
            f"Lieu de naissance (code INSEE) : {u.lieu_naissance}"
        )
        if u.nom_utilise or u.prenom_utilise:
            ligne(
                f"Nom utilisé : {u.nom_utilise or u.nom_naissance}    Prénom utilisé : "
                f"{u.prenom_utilise or u.premier_prenom}"
            )
        y -= 6 * mm
    else:
        ligne(
            f"{u.nom_naissance} {u.premier_prenom}, né(e) le {u.date_naissance.strftime('%d/%m/%Y')}",
            11,
            True,
        )
        ligne("Identité non qualifiée : ni INS ni Datamatrix INS sur ce document.", 9)
    y -= 2 * mm
    for cle in (
        "medecin_nom",
        "medecin_telephone",
        "personne_confiance",
        "contacts",
        "etablissement_prefere",
    ):
        if c.get(cle):
            ligne(f"{CHAMPS[cle]} : {c[cle]}")
    ligne(
        f"{CHAMPS['directives_anticipees']} : {c.get('directives_anticipees') or 'non renseigné'}"
        + (f" — {c['directives_lieu']}" if c.get("directives_lieu") else "")
    )
    ligne(f"{CHAMPS['soins_palliatifs']} : {c.get('soins_palliatifs') or 'non renseigné'}")
    for cle in ("antecedents", "allergies", "traitements"):
        ligne(CHAMPS[cle].split(" (")[0], 11, True)
        for item in [x.strip() for x in (c.get(cle) or "").splitlines() if x.strip()] or ["—"]:
            ligne(f"• {item}", retrait=4 * mm)
    ligne("État du patient", 11, True)
    etat = set(c.get("etat", []))
    ligne(
        ", ".join(lib for code, lib in observations_etat().items() if code in etat) or "Rien de signalé",
        retrait=4 * mm,
    )
    if c.get("autonomie_deplacement"):
        ligne(f"Déplacements : {AUTONOMIE.get(c['autonomie_deplacement'], '')}", retrait=4 * mm)
    constantes = [
        f"{CHAMPS[k]} : {c[k]}"
        for k in ("poids", "tension_systolique", "tension_diastolique", "temperature")
        if c.get(k)
    ]
    if constantes:
        ligne("Dernières constantes", 11, True)
        for k in constantes:
            ligne(k, retrait=4 * mm)
    ligne(f"{CHAMPS['bmr']} : {c.get('bmr') or 'non renseigné'}")
    joints = set(c.get("documents_annexes", []))
    if joints:
        ligne("Documents annexés", 11, True)
        for code, lib in documents_annexes().items():
            if code in joints:
                ligne(f"• {lib}", retrait=4 * mm)
    if c.get("commentaire"):
        ligne(f"{CHAMPS['commentaire']} : {c['commentaire']}")
    page.showPage()
    page.save()
    return tampon.getvalue()
