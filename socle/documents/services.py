"""Use cases on documents: create, validate, send, answer of the DMP, mask, replace, delete, usager's choices.

Every move of a document goes through `_passer()`: the cycle of `Document.CYCLE` (conditional UPDATE), one
`EvenementDocument` and one line of the access log, in one transaction. Screens, commands and the DMP worker
call these functions and nothing else (see the module docstring of `models.py`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.core.travaux import TransitionInterdite
from socle.organisations.models import Etablissement
from socle.personnel.models import Professionnel
from socle.personnel.services import professionnel_du_compte
from socle.usagers.models import Statut as StatutIdentite
from socle.usagers.models import Usager

from .models import ChoixUsager, Document, EvenementDocument, Format, Masquage, Statut

__all__ = [
    "TransitionInterdite",
    "DocumentInvalide",
    "accepter",
    "creer_dlu",
    "creer_pdf",
    "demander_envoi",
    "envoyer",
    "masquer",
    "rejeter",
    "remplacer",
    "supprimer",
    "valider",
    "enregistrer_choix",
    "retirer_choix",
    "opposition_alimentation",
    "professionnel_de",
]


class DocumentInvalide(ValueError):
    """The document cannot make this move; `erreurs` lists why, in French."""

    def __init__(self, erreurs: list[str]):
        super().__init__(" ; ".join(erreurs))
        self.erreurs = erreurs


def _qui(par) -> tuple[Any, str]:
    if par is None:
        return None, "système"
    return par, getattr(par, "username", "") or str(par)


def _passer(
    document: Document, vers: str, par=None, motif: str = "", details: dict | None = None, **champs: Any
) -> Document:
    """One traced move of the cycle; raises TransitionInterdite."""
    de = document.statut
    with transaction.atomic():
        document.passer(vers, modifie_le=timezone.now(), **champs)
        user, identifiant = _qui(par)
        EvenementDocument.objects.create(
            document=document, de=de, vers=str(vers), par=user, identifiant=identifiant, motif=motif
        )
        tracer(
            Action.MODIFICATION,
            document,
            utilisateur=user,
            details={"transition": f"{de}→{vers}", "motif": motif, **(details or {})},
        )
    return document


def professionnel_de(user, etablissement: Etablissement | None = None) -> Professionnel | None:
    """The staff record linked to this account (at this ESMS's organisme), if any."""
    return professionnel_du_compte(user, etablissement)


def _auteur(user, etablissement: Etablissement) -> dict[str, Any]:
    """Author fields: the professional linked to the account with her RPPS, rôle and genre at this ESMS; else
    the structure (no professional)."""
    pro = professionnel_de(user, etablissement)
    if pro is None:
        return {"auteur": None, "auteur_rpps": "", "auteur_role": "", "auteur_genre": ""}
    situation = (
        pro.situations.filter(etablissement=etablissement, date_fin__isnull=True).first()
        or pro.situations.filter(date_fin__isnull=True).first()
    )
    return {
        "auteur": pro,
        "auteur_rpps": pro.rpps,
        "auteur_role": situation.role if situation else "",
        "auteur_genre": situation.genre_activite if situation else "",
    }


def _creer(
    usager: Usager,
    etablissement: Etablissement,
    *,
    par,
    type_code: str,
    titre: str,
    format: str,
    date_acte: date,
    confidentialite: str = "N",
    contenu: dict | None = None,
    precedent: Document | None = None,
) -> Document:
    from .types import type_document

    t = type_document(type_code)
    if usager.organisme_id != etablissement.organisme_id:
        raise DocumentInvalide([_("L'usager n'appartient pas à l'organisme de cet ESMS.")])
    doc = Document(
        usager=usager,
        etablissement=etablissement,
        type_code=t.code,
        type_systeme=t.systeme,
        type_libelle=t.libelle,
        format=format,
        titre=titre or t.libelle,
        date_acte=date_acte,
        confidentialite=confidentialite,
        contenu=contenu or {},
        cree_par=par,
        **_auteur(par, etablissement),
    )
    if precedent is not None:
        doc.set_id, doc.version, doc.remplace = precedent.set_id, precedent.version + 1, precedent
    return doc


def _tracer_creation(doc: Document, par) -> None:
    user, identifiant = _qui(par)
    EvenementDocument.objects.create(
        document=doc,
        de="",
        vers=doc.statut,
        par=user,
        identifiant=identifiant,
        motif=_("Version %(v)s créée") % {"v": doc.version},
    )
    tracer(
        Action.CREATION,
        doc,
        utilisateur=user,
        details={
            "type": doc.type_code,
            "format": doc.format,
            "version": doc.version,
            "set_id": str(doc.set_id),
        },
    )


@transaction.atomic
def creer_pdf(
    usager: Usager,
    etablissement: Etablissement,
    *,
    par,
    type_code: str,
    titre: str,
    pdf: bytes,
    date_acte: date,
    confidentialite: str = "N",
    precedent: Document | None = None,
) -> Document:
    """A brouillon holding an uploaded PDF; its CDA (N1) is built and checked by `valider()`."""
    from .pdf import verifier_pdf

    verifier_pdf(pdf)
    doc = _creer(
        usager,
        etablissement,
        par=par,
        type_code=type_code,
        titre=titre,
        format=Format.PDF,
        date_acte=date_acte,
        confidentialite=confidentialite,
        precedent=precedent,
    )
    doc.pdf.save("document.pdf", ContentFile(pdf), save=False)
    doc.save()
    _tracer_creation(doc, par)
    return doc


@transaction.atomic
def creer_dlu(
    usager: Usager,
    etablissement: Etablissement,
    *,
    par,
    contenu: dict,
    date_acte: date,
    precedent: Document | None = None,
) -> Document:
    """A brouillon DLU from the form's data (see `cda.dlu.CHAMPS`)."""
    doc = _creer(
        usager,
        etablissement,
        par=par,
        type_code="74207-2",
        titre="Dossier de liaison d'urgence",
        format=Format.DLU,
        date_acte=date_acte,
        contenu=contenu,
        precedent=precedent,
    )
    doc.save()
    _tracer_creation(doc, par)
    return doc


@transaction.atomic
def modifier_dlu(document: Document, contenu: dict, *, par) -> Document:
    """Change the data of a DLU still in brouillon."""
    if document.statut != Statut.BROUILLON or document.format != Format.DLU:
        raise TransitionInterdite(_("Seul un DLU en brouillon peut être modifié."))
    document.contenu = contenu
    document.cda, document.rapport = "", {}
    document.save(update_fields=["contenu", "cda", "rapport", "modifie_le"])
    tracer(Action.MODIFICATION, document, utilisateur=_qui(par)[0], details={"champs": sorted(contenu)})
    return document


def construire_cda(document: Document) -> bytes:
    """The CDA R2 of the document from its current data (not stored)."""
    from .cda import construire

    return construire(document)


def valider(document: Document, *, par) -> Document:
    """Build the CDA, check it (XSD + schematrons) and move brouillon → validé; an invalid document stays in
    brouillon with its report, and `DocumentInvalide` lists the failed asserts in French."""
    from .validation import valider_cda

    if document.statut != Statut.BROUILLON:
        raise TransitionInterdite(_("Seul un brouillon peut être validé."))
    xml = construire_cda(document)
    rapport = valider_cda(xml, document.format)
    document.cda, document.rapport = xml.decode("utf-8"), rapport.en_dict()
    document.save(update_fields=["cda", "rapport", "modifie_le"])
    if not rapport.valide:
        tracer(
            Action.MODIFICATION,
            document,
            utilisateur=_qui(par)[0],
            details={"validation": "échec", "erreurs": len(rapport.erreurs)},
        )
        raise DocumentInvalide([e.message for e in rapport.erreurs])
    return _passer(
        document,
        Statut.VALIDE,
        par,
        details={"validation": "réussie", "couches": rapport.couches},
        valide_le=timezone.now(),
        valide_par=_qui(par)[0],
    )


def opposition_alimentation(document: Document) -> ChoixUsager | None:
    """The usager's current opposition to feeding the DMP with this document (or with any), if any."""
    from django.db.models import Q

    return (
        ChoixUsager.objects.filter(
            usager=document.usager, objet=ChoixUsager.Objet.OPPOSITION_ALIMENTATION, fin_le__isnull=True
        )
        .filter(Q(document__isnull=True) | Q(document__set_id=document.set_id))
        .first()
    )


def demander_envoi(document: Document, par) -> list[str]:
    """Why this document may not go to the DMP (empty list: it may). Checks the qualified identity, a valid CDA,
    no opposition of the usager, and the organisation's DMP certificates (authentication + signature, valid
    today). The outbox insert is `envoi_dmp.programmer_envoi`."""
    raisons: list[str] = []
    if document.usager.statut != StatutIdentite.QUAL:
        raisons.append(
            _(
                "L'identité de l'usager n'est pas qualifiée : aucun document ne peut alimenter son DMP "
                "sans INS qualifié."
            )
        )
    if document.statut not in (Statut.VALIDE, Statut.REJETE):
        raisons.append(
            _("Le document doit être validé avant l'envoi (statut actuel : %(s)s).")
            % {"s": document.get_statut_display()}
        )
    elif not document.valide_cda:
        raisons.append(_("Le CDA du document n'a pas passé la validation."))
    opposition = opposition_alimentation(document)
    if opposition is not None:
        raisons.append(
            _("L'usager s'est opposé à l'alimentation de son DMP (%(qui)s, le %(le)s).")
            % {
                "qui": opposition.exprime_par,
                "le": timezone.localtime(opposition.recueilli_le).strftime("%d/%m/%Y"),
            }
        )
    from socle.prerequis.services import certificats_dmp_prets

    certificats_ok, message = certificats_dmp_prets(document.etablissement.organisme)
    if not certificats_ok:
        raisons.append(message)
    tracer(
        Action.LECTURE,
        document,
        utilisateur=_qui(par)[0],
        details={"demande_envoi": "refusée" if raisons else "possible", "raisons": raisons},
    )
    return raisons


def envoyer(document: Document, par=None, details: dict | None = None) -> Document:
    """validé / rejeté → envoyé: the outbox took the document. Refused (DocumentInvalide) if the identity is no
    longer qualified or the CDA not valid, whatever happened since the request."""
    Document.CYCLE.verifier(document.statut, Statut.ENVOYE)
    erreurs = []
    if document.usager.statut != StatutIdentite.QUAL:
        erreurs.append(_("L'identité de l'usager n'est plus qualifiée : envoi refusé."))
    if not document.valide_cda:
        erreurs.append(_("Le CDA du document n'a pas passé la validation : envoi refusé."))
    if erreurs:
        raise DocumentInvalide(erreurs)
    return _passer(document, Statut.ENVOYE, par, details=details, envoye_le=timezone.now(), motif_rejet="")


def accepter(document: Document, par=None, details: dict | None = None) -> Document:
    """envoyé → accepté: the DMP registered the document. The previous version becomes remplacé."""
    with transaction.atomic():
        _passer(document, Statut.ACCEPTE, par, details=details, reponse_le=timezone.now())
        precedent = document.remplace
        if precedent is not None and precedent.statut in (Statut.ACCEPTE, Statut.MASQUE):
            _passer(
                precedent,
                Statut.REMPLACE,
                par,
                motif=_("Remplacé par la version %(v)s") % {"v": document.version},
            )
    return document


def rejeter(document: Document, motif: str, par=None, details: dict | None = None) -> Document:
    """envoyé → rejeté, with the DMP's reason shown to the author."""
    return _passer(
        document,
        Statut.REJETE,
        par,
        motif=motif,
        details=details,
        reponse_le=timezone.now(),
        motif_rejet=motif,
    )


def masquer(document: Document, codes: list[str], par) -> Document:
    """Set the DMP masking codes (empty list: unmask). An accepted document becomes masqué, and back."""
    inconnus = set(codes) - set(Masquage.values)
    if inconnus:
        raise DocumentInvalide([_("Code de masquage inconnu : %(c)s") % {"c": ", ".join(sorted(inconnus))}])
    if document.statut in (Statut.REMPLACE, Statut.SUPPRIME):
        raise TransitionInterdite(_("Un document remplacé ou supprimé ne se masque plus."))
    codes = sorted(set(codes))
    with transaction.atomic():
        if codes and document.statut == Statut.ACCEPTE:
            _passer(document, Statut.MASQUE, par, motif=", ".join(codes), masquage=codes)
        elif not codes and document.statut == Statut.MASQUE:
            _passer(document, Statut.ACCEPTE, par, motif=_("Démasqué"), masquage=codes)
        else:
            Document.objects.filter(pk=document.pk).update(masquage=codes, modifie_le=timezone.now())
            document.masquage = codes
            tracer(Action.MODIFICATION, document, utilisateur=_qui(par)[0], details={"masquage": codes})
    return document


def remplacer(
    document: Document,
    *,
    par,
    contenu: dict | None = None,
    pdf: bytes | None = None,
    titre: str = "",
    date_acte: date | None = None,
) -> Document:
    """A new version (same setId, version + 1) replacing `document`, in brouillon. A document not yet sent is
    marked remplacé at once; a sent one when the DMP accepts the new version (RPLC)."""
    if document.statut not in (Statut.VALIDE, Statut.ACCEPTE, Statut.MASQUE):
        raise TransitionInterdite(_("Seul un document validé ou accepté peut être remplacé."))
    if Document.objects.filter(remplace=document).exists():
        raise TransitionInterdite(_("Ce document a déjà une nouvelle version."))
    with transaction.atomic():
        date_acte = date_acte or timezone.localdate()
        if document.format == Format.DLU:
            nouveau = creer_dlu(
                document.usager,
                document.etablissement,
                par=par,
                contenu=contenu if contenu is not None else document.contenu,
                date_acte=date_acte,
                precedent=document,
            )
        else:
            if pdf is None:
                raise DocumentInvalide([_("Déposez le PDF de la nouvelle version.")])
            nouveau = creer_pdf(
                document.usager,
                document.etablissement,
                par=par,
                type_code=document.type_code,
                titre=titre or document.titre,
                pdf=pdf,
                date_acte=date_acte,
                confidentialite=document.confidentialite,
                precedent=document,
            )
        if document.statut == Statut.VALIDE:
            _passer(
                document,
                Statut.REMPLACE,
                par,
                motif=_("Remplacé par la version %(v)s") % {"v": nouveau.version},
            )
    return nouveau


def supprimer(document: Document, motif: str, *, par) -> Document:
    """A document that never reached the DMP is withdrawn (kept, marked supprimé)."""
    if not motif.strip():
        raise DocumentInvalide([_("Indiquez le motif de la suppression.")])
    return _passer(document, Statut.SUPPRIME, par, motif=motif)


def retour_brouillon(document: Document, *, par, motif: str = "") -> Document:
    """validé / rejeté → brouillon, to correct it before sending."""
    return _passer(document, Statut.BROUILLON, par, motif=motif, cda="", rapport={})


@transaction.atomic
def enregistrer_choix(
    usager: Usager,
    objet: str,
    *,
    par,
    exprime_par: str,
    document: Document | None = None,
    commentaire: str = "",
) -> ChoixUsager:
    """Record an opposition or a consent, with who expressed it and who recorded it."""
    if not exprime_par.strip():
        raise DocumentInvalide([_("Indiquez qui a exprimé ce choix (l'usager ou son représentant légal).")])
    if document is not None and document.usager_id != usager.pk:
        raise DocumentInvalide([_("Ce document ne concerne pas cet usager.")])
    if objet == ChoixUsager.Objet.CONSENTEMENT_CONSULTATION:  # a consent ends an opposition to consultation
        _clore(usager, ChoixUsager.Objet.OPPOSITION_CONSULTATION, par)
    elif objet == ChoixUsager.Objet.OPPOSITION_CONSULTATION:
        _clore(usager, ChoixUsager.Objet.CONSENTEMENT_CONSULTATION, par)
    choix = ChoixUsager.objects.create(
        usager=usager,
        objet=objet,
        document=document,
        exprime_par=exprime_par,
        recueilli_par=par,
        commentaire=commentaire,
    )
    tracer(
        Action.CREATION,
        choix,
        objet_type="documents.ChoixUsager",
        utilisateur=par,
        organisme=usager.organisme_id,
        details={"objet": objet, "document": document.pk if document else None, "exprime_par": exprime_par},
    )
    return choix


def _clore(usager: Usager, objet: str, par) -> None:
    for c in ChoixUsager.objects.filter(usager=usager, objet=objet, fin_le__isnull=True):
        retirer_choix(c, par=par)


def retirer_choix(choix: ChoixUsager, *, par) -> ChoixUsager:
    """Withdraw an opposition or a consent (kept, with the date of withdrawal)."""
    if choix.fin_le is None:
        choix.fin_le, choix.fin_par = timezone.now(), par
        choix.save(update_fields=["fin_le", "fin_par"])
        tracer(
            Action.MODIFICATION,
            choix,
            utilisateur=par,
            organisme=choix.usager.organisme_id,
            details={"retrait": choix.objet},
        )
    return choix
