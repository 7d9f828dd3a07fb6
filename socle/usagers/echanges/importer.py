"""The one use case of the three import forms: read → dry run with per-row, per-field French problems → atomic,
idempotent commit keyed by the DUI's IPP.

RNIV decisions: a new identity enters PROVISOIRE [R-ST-02]; a status or an INS sent by the DUI is a claim kept on
the IPP link (IdentifiantLocal) for the batch qualification to re-check with INSi, never copied on the identity
[R-ED-01]. A known IPP updates only what the RNIV allows (strict traits of a PROV/VALI identity, with the VALI →
PROV downgrade of R-ED-04; used traits always [R-ED-03]; never the strict traits of a RECUP/QUAL identity
[R-ED-02]). A new identity meets the duplicate detector first: identical strict traits attach the IPP to the
existing record; a probable duplicate of an existing record is set aside for a person to decide."""

from __future__ import annotations

import gzip
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.core.fichiers import reglage
from socle.core.identifiants import nir_error
from socle.usagers import rniv, services
from socle.usagers.doublons import IdentiteCandidate, detecter
from socle.usagers.doublons_wiring import candidats
from socle.usagers.models import HistoriqueIdentite, IdentifiantLocal, ParametresDui, Sejour, Usager

from . import fhir, hl7v2, lecture, tableau
from .commun import AVERTISSEMENT, BLOQUANT, ECARTE, FORMATS, IdentiteEntrante, ImportIllisible, Probleme

Ev = HistoriqueIdentite.Evenement


class ImportRefuse(Exception):
    """Blocking problems remain: nothing was written."""

    def __init__(self, analyse: Analyse):
        self.analyse = analyse
        n = len(analyse.bloquants)
        super().__init__(
            f"{n} erreur{'s' if n > 1 else ''} bloquante{'s' if n > 1 else ''} : rien n'a été importé ; "
            "corrigez l'export du DUI (ou la correspondance des colonnes) et recommencez"
        )


@dataclass
class Analyse:
    format: str
    lignes: int = 0
    creations: list[IdentiteEntrante] = field(default_factory=list)
    mises_a_jour: list[tuple[IdentiteEntrante, int]] = field(default_factory=list)
    rattachements: list[tuple[IdentiteEntrante, int]] = field(default_factory=list)
    fusions: list[tuple[IdentiteEntrante, int, int]] = field(default_factory=list)
    ecartees: int = 0
    problemes: list[Probleme] = field(default_factory=list)
    accuses: list[str] = field(default_factory=list)
    resultat: dict = field(default_factory=dict)

    @property
    def bloquants(self) -> list[Probleme]:
        return [p for p in self.problemes if p.gravite == BLOQUANT]

    def comptes(self) -> dict:
        return {
            "lignes": self.lignes,
            "a_creer": len(self.creations),
            "a_mettre_a_jour": len(self.mises_a_jour),
            "a_rattacher": len(self.rattachements),
            "fusions": len(self.fusions),
            "ecartees": self.ecartees,
            "erreurs": len(self.bloquants),
            "avertissements": sum(p.gravite == AVERTISSEMENT for p in self.problemes),
        }

    def rapport(self) -> dict:
        maxi = reglage("SOCLE_USAGERS_MAX_PROBLEMES_DETAIL")
        ordre = {BLOQUANT: 0, ECARTE: 1, AVERTISSEMENT: 2}
        tries = sorted(self.problemes, key=lambda p: (ordre[p.gravite], p.numero))
        return {
            "format": self.format,
            "comptes": self.comptes(),
            **({"resultat": self.resultat} if self.resultat else {}),
            "problemes": [p.as_dict() for p in tries[:maxi]],
            "problemes_non_detailles": max(0, len(tries) - maxi),
            "par_motif": dict(Counter(p.champ for p in self.problemes).most_common(20)),
        }


def deviner_format(chemin: Path) -> str:
    """From the extension, else from the first bytes (after decompression)."""
    suffixe = Path(chemin).suffix.lower()
    par_ext = {".csv": "csv", ".xlsx": "xlsx", ".json": "fhir", ".hl7": "hl7", ".er7": "hl7"}
    if suffixe in par_ext:
        return par_ext[suffixe]
    with open(chemin, "rb") as f:
        tete = f.read(4)
    if tete[:2] == b"\x1f\x8b" or tete == b"PK\x03\x04":
        with lecture.ouvrir(chemin) as flux:
            tete = flux.read(4)
    tete = tete.lstrip(b"\xef\xbb\xbf\x0b \r\n")
    if tete.startswith(b"{"):
        return "fhir"
    if tete.startswith(b"MSH"):
        return "hl7"
    return "csv"


def parametres(etablissement) -> ParametresDui:
    return ParametresDui.objects.filter(etablissement=etablissement).first() or ParametresDui(
        etablissement=etablissement
    )


def systeme_ipp(p: ParametresDui) -> str:
    """The IPP domain as FHIR writes it: urn:oid:<OID>, else a URN naming the ESMS."""
    return f"urn:oid:{p.oid_ipp}" if p.oid_ipp else f"urn:socle:ipp:{p.etablissement.finess}"


def lire(chemin: Path, etablissement, format_: str | None = None) -> Iterator[IdentiteEntrante]:
    p = parametres(etablissement)
    format_ = format_ or deviner_format(chemin)
    if format_ not in FORMATS:
        raise ImportIllisible(f"format « {format_} » inconnu : csv, xlsx, fhir ou hl7")
    try:
        if format_ in ("csv", "xlsx"):
            yield from tableau.lire(chemin, p.colonnes or None, p.format_date, p.encodage, p.separateur)
        elif format_ == "fhir":
            yield from fhir.lire(chemin, systeme_ipp(p))
        else:
            for n, texte in hl7v2.messages(chemin, p.encodage):
                yield hl7v2.analyser_message(n, texte, p.oid_ipp)
    except (EOFError, OSError, zipfile.BadZipFile, gzip.BadGzipFile) as exc:
        raise ImportIllisible(f"fichier illisible ou tronqué : {exc}") from exc


def _verifier(ident: IdentiteEntrante) -> None:
    """Per-field RNIV checks of one incoming identity; normalises its traits [R-FMT-01..03]."""
    if not ident.ipp:
        if not any(p.champ in ("PID-3", "MSH", "MSH-9", "PID") for p in ident.problemes):
            ident.probleme("ipp", "IPP (identifiant du DUI) absent : c'est la clé de l'import")
    elif len(ident.ipp) > 64:
        ident.probleme("ipp", "IPP de plus de 64 caractères")
    if any(p.champ in ("MSH", "MSH-9", "PID") for p in ident.problemes):
        return
    t = services.normaliser_traits({k: v for k, v in ident.traits().items() if k != "date_naissance"})
    for k, v in t.items():
        setattr(ident, k, v or "")
    if not ident.prenoms_naissance and ident.premier_prenom:
        ident.prenoms_naissance = ident.premier_prenom
    libelles = {
        "nom de naissance": "nom_naissance",
        "premier prénom de naissance": "premier_prenom",
        "sexe": "sexe",
        "lieu de naissance": "lieu_naissance",
    }
    deja = {p.champ for p in ident.problemes}
    for manque in rniv.traits_obligatoires_manquants({**ident.traits(), "date_naissance": True}):
        if libelles.get(manque, manque) not in deja:
            ident.probleme(libelles.get(manque, manque), f"{manque} absent (règle R-TR-01)")
    if ident.date_naissance is not None:
        err = rniv.date_naissance_erreur(ident.date_naissance)
        if err:
            ident.probleme("date_naissance", err)
    elif not any(p.champ in ("date_naissance", "birthDate", "PID-7") for p in ident.problemes):
        ident.probleme("date_naissance", "date de naissance absente (règle R-DN-01)")
    if ident.sexe:
        err = rniv.sexe_erreur(ident.sexe, rniv.PROV)
        if err:
            ident.probleme("sexe", err)
    if ident.lieu_naissance:
        err = rniv.lieu_naissance_erreur(ident.lieu_naissance)
        if err:
            ident.probleme("lieu_naissance", err)
    if ident.premier_prenom and not rniv.premier_prenom_coherent(
        ident.premier_prenom, ident.prenoms_naissance
    ):
        ident.probleme(
            "premier_prenom",
            f"« {ident.premier_prenom} » n'est pas le début de la liste des prénoms "
            f"« {ident.prenoms_naissance} » (règle R-FMT-04)",
        )
    try:
        rniv.verifier_attributs(ident.douteuse, ident.fictive, ident.homonyme)
    except rniv.RegleRniv as exc:
        ident.probleme("attributs", str(exc))
    if ident.statut_declare and ident.statut_declare not in rniv.STATUTS:
        ident.probleme(
            "statut",
            f"statut « {ident.statut_declare[:10]} » inconnu (PROV, RECUP, VALI, QUAL) : ignoré",
            AVERTISSEMENT,
        )
        ident.statut_declare = ""
    if ident.ins:
        err = nir_error(ident.ins)
        if err or (ident.oid_ins and ident.oid_ins not in rniv.NATURES_OID):
            ident.probleme(
                "ins",
                f"INS déclaré « {ident.ins[:15]} » ignoré : {err or 'OID inconnu'} (règle R-INS-06)",
                AVERTISSEMENT,
            )
            ident.ins = ident.oid_ins = ""
        elif not ident.oid_ins:
            ident.oid_ins = rniv.OID_NIR


def _cle_traits(nom, premier, d, sexe, lieu) -> tuple:
    return (
        rniv.formater_nom(nom),
        rniv.formater_nom(premier).replace("-", " "),
        str(d),
        sexe,
        (lieu or "").upper(),
    )


def analyser(chemin: Path, etablissement, format_: str | None = None) -> Analyse:
    """The dry run: reads the whole file, decides for every row, writes nothing."""
    format_ = format_ or deviner_format(chemin)
    a = Analyse(format=format_)
    organisme = etablissement.organisme
    connus = dict(
        IdentifiantLocal.objects.filter(etablissement=etablissement).values_list("ipp", "usager_id")
    )
    vus: dict[str, int] = {}
    entrantes: list[IdentiteEntrante] = []
    for ident in lire(chemin, etablissement, format_):
        a.lignes += 1
        _verifier(ident)
        if ident.ipp and ident.ipp in vus and format_ != "hl7":
            ident.probleme(
                "ipp", f"IPP « {ident.ipp} » déjà présent à l'enregistrement {vus[ident.ipp]} du fichier"
            )
        if ident.ipp:
            vus.setdefault(ident.ipp, ident.numero)
        if format_ == "hl7":
            a.accuses.append(ident.controle)
        entrantes.append(ident)
    if a.lignes == 0:
        raise ImportIllisible("le fichier ne contient aucun usager")
    # HL7: messages apply in order; the last one for an IPP carries its identity
    if format_ == "hl7":
        derniers: dict[str, IdentiteEntrante] = {}
        for ident in entrantes:
            if not ident.bloquee and ident.evenement != "A40":
                derniers[ident.ipp] = ident
    nouvelles: list[IdentiteEntrante] = []
    for ident in entrantes:
        a.problemes.extend(ident.problemes)
        if ident.bloquee:
            continue
        if ident.evenement == "A40":
            cible, source = connus.get(ident.ipp), connus.get(ident.ancien_ipp)
            if source is None:
                ident.probleme("MRG-1", f"A40 : IPP fusionné « {ident.ancien_ipp} » inconnu dans cet ESMS")
                a.problemes.append(ident.problemes[-1])
            elif cible is None:
                ident.probleme("PID-3", f"A40 : IPP conservé « {ident.ipp} » inconnu dans cet ESMS")
                a.problemes.append(ident.problemes[-1])
            elif cible != source:
                a.fusions.append((ident, source, cible))
            continue
        if format_ == "hl7" and derniers.get(ident.ipp) is not ident:
            continue
        if ident.ipp in connus:
            a.mises_a_jour.append((ident, connus[ident.ipp]))
        else:
            nouvelles.append(ident)
    if nouvelles:
        _doublons(a, nouvelles, organisme, etablissement)
    return a


def _doublons(a: Analyse, nouvelles: list[IdentiteEntrante], organisme, etablissement) -> None:
    """New identities meet the duplicate detector before they are created."""
    existants = Usager.objects.filter(organisme=organisme, fusionne_dans__isnull=True)
    avec_ipp = set(
        IdentifiantLocal.objects.filter(etablissement=etablissement).values_list("usager_id", flat=True)
    )
    exacts: dict[tuple, int] = {}
    for u in existants.only(
        "pk", "nom_naissance", "premier_prenom", "date_naissance", "sexe", "lieu_naissance"
    ).iterator(chunk_size=2000):
        if u.pk not in avec_ipp:
            exacts.setdefault(
                _cle_traits(u.nom_naissance, u.premier_prenom, u.date_naissance, u.sexe, u.lieu_naissance),
                u.pk,
            )
    restantes: list[IdentiteEntrante] = []
    pris: set[int] = set()
    for ident in nouvelles:
        pk = exacts.get(
            _cle_traits(
                ident.nom_naissance,
                ident.premier_prenom,
                ident.date_naissance,
                ident.sexe,
                ident.lieu_naissance,
            )
        )
        if pk is not None and pk not in pris:
            pris.add(pk)
            a.rattachements.append((ident, pk))
        else:
            restantes.append(ident)
    par_cle = {f"n{i.numero}": i for i in restantes}

    def tous():
        yield from candidats(existants)
        for cle, i in par_cle.items():
            yield IdentiteCandidate(
                cle=cle,
                nom_naissance=i.nom_naissance,
                prenoms=(i.prenoms_naissance,),
                date_naissance=i.date_naissance,
                sexe=i.sexe,
                lieu_naissance=i.lieu_naissance,
                nom_utilise=i.nom_utilise,
            )

    ecartees: set[str] = set()
    for paire in detecter(tous()):
        a_new, b_new = paire.cle_a in par_cle, paire.cle_b in par_cle
        if a_new and b_new:
            for cle, autre in ((paire.cle_a, paire.cle_b), (paire.cle_b, paire.cle_a)):
                i = par_cle[cle]
                i.probleme(
                    "doublon",
                    f"doublon probable de l'enregistrement {par_cle[autre].numero} du fichier "
                    f"(score {paire.score:.2f}) : les deux sont créés, à examiner dans l'écran "
                    "des doublons",
                    AVERTISSEMENT,
                )
                a.problemes.append(i.problemes[-1])
        elif a_new or b_new:
            cle, existant = (paire.cle_a, paire.cle_b) if a_new else (paire.cle_b, paire.cle_a)
            i = par_cle[cle]
            if cle in ecartees:
                continue
            ecartees.add(cle)
            i.probleme(
                "doublon",
                f"doublon probable de l'usager n° {existant} déjà connu de Socle (score "
                f"{paire.score:.2f} : {', '.join(paire.motifs[:3])}) : non créé ; vérifiez "
                "l'identité puis rattachez l'IPP ou corrigez le DUI",
                ECARTE,
            )
            a.problemes.append(i.problemes[-1])
    a.ecartees = len(ecartees)
    a.creations = [i for cle, i in par_cle.items() if cle not in ecartees]


def importer(
    chemin: Path,
    etablissement,
    format_: str | None = None,
    *,
    simulation: bool = False,
    user=None,
    nom_fichier: str = "",
) -> Analyse:
    """Dry run (simulation=True) or commit, in one transaction: all or nothing. Both are audited with counts."""
    chemin = Path(chemin)
    a = analyser(chemin, etablissement, format_)
    details = {
        "format": a.format,
        "fichier": nom_fichier or chemin.name,
        "simulation": simulation,
        **a.comptes(),
    }
    if simulation:
        tracer(
            Action.IMPORT,
            objet=etablissement,
            utilisateur=user,
            libelle=f"Simulation d'import du DUI ({a.format}) — {etablissement.nom}",
            details=details,
        )
        return a
    if a.bloquants:
        tracer(
            Action.IMPORT,
            objet=etablissement,
            utilisateur=user,
            libelle=f"Import du DUI refusé ({a.format})",
            details={**details, "refuse": True},
        )
        raise ImportRefuse(a)
    with transaction.atomic():
        a.resultat = _ecrire(a, etablissement, user)
        tracer(
            Action.IMPORT,
            objet=etablissement,
            utilisateur=user,
            libelle=f"Import du DUI ({a.format}) — {etablissement.nom}",
            details={**details, **{k: v for k, v in a.resultat.items()}},
        )
    return a


def _motif_declare(ident: IdentiteEntrante, format_: str) -> str:
    declare = []
    if ident.statut_declare:
        declare.append(f"statut déclaré {ident.statut_declare}")
    if ident.ins:
        declare.append(f"INS déclaré ({rniv.NATURES_OID.get(ident.oid_ins, ident.oid_ins)})")
    suite = (
        (" ; " + ", ".join(declare) + " : à confirmer par le téléservice INSi (R-ED-01)") if declare else ""
    )
    return f"Import du DUI ({format_}), IPP {ident.ipp}{suite}"


def _lien(ident: IdentiteEntrante, usager_id: int, etablissement, maintenant) -> IdentifiantLocal:
    return IdentifiantLocal(
        usager_id=usager_id,
        etablissement=etablissement,
        ipp=ident.ipp,
        statut_declare=ident.statut_declare,
        ins_declare=ident.ins,
        oid_declare=ident.oid_ins if ident.ins else "",
        recu_le=maintenant,
    )


def _ecrire(a: Analyse, etablissement, user) -> dict:
    maintenant = timezone.now()
    aujourd_hui = timezone.localdate()
    par, qui = services._qui(user)
    crees: list[int] = []
    # creations, in bulk: identity, stay in the ESMS, history, IPP link
    lot = [
        Usager(
            organisme=etablissement.organisme,
            statut=rniv.PROV,
            douteuse=i.douteuse,
            fictive=i.fictive,
            homonyme=i.homonyme,
            nom_naissance=i.nom_naissance,
            prenoms_naissance=i.prenoms_naissance,
            premier_prenom=i.premier_prenom,
            date_naissance=i.date_naissance,
            sexe=i.sexe,
            lieu_naissance=i.lieu_naissance,
            nom_utilise=i.nom_utilise,
            prenom_utilise=i.prenom_utilise,
        )
        for i in a.creations
    ]
    Usager.objects.bulk_create(lot, batch_size=500)
    Sejour.objects.bulk_create(
        [Sejour(usager=u, etablissement=etablissement, date_admission=aujourd_hui) for u in lot],
        batch_size=500,
    )
    HistoriqueIdentite.objects.bulk_create(
        [
            HistoriqueIdentite(
                usager=u,
                evenement=Ev.CREATION,
                ancien_statut="",
                nouveau_statut=rniv.PROV,
                par=par,
                identifiant=qui,
                le=maintenant,
                motif=_motif_declare(i, a.format),
                changements={
                    k: [None, v.isoformat() if k == "date_naissance" else v]
                    for k, v in i.traits().items()
                    if v
                },
            )
            for u, i in zip(lot, a.creations, strict=True)
        ],
        batch_size=500,
    )
    IdentifiantLocal.objects.bulk_create(
        [_lien(i, u.pk, etablissement, maintenant) for u, i in zip(lot, a.creations, strict=True)],
        batch_size=500,
    )
    crees = [u.pk for u in lot]
    # an identity already in Socle with the same strict traits: the IPP is attached to it
    for i, pk in a.rattachements:
        IdentifiantLocal.objects.create(
            **{
                f.attname: getattr(_lien(i, pk, etablissement, maintenant), f.attname)
                for f in IdentifiantLocal._meta.concrete_fields
                if f.name != "id"
            }
        )
        if not Sejour.objects.filter(usager_id=pk, etablissement=etablissement).exists():
            Sejour.objects.create(usager_id=pk, etablissement=etablissement, date_admission=aujourd_hui)
    modifies: list[int] = []
    a_voir = [*a.mises_a_jour, *a.rattachements]
    usagers = Usager.objects.in_bulk([pk for _i, pk in a_voir])
    liens = {lien.ipp: lien for lien in IdentifiantLocal.objects.filter(etablissement=etablissement)}
    for i, pk in a_voir:
        if _mettre_a_jour(a, i, usagers[pk], liens[i.ipp], user, maintenant):
            modifies.append(pk)
    fusionnes = []
    for i, source, cible in a.fusions:
        services.fusionner(
            Usager.objects.get(pk=source),
            Usager.objects.get(pk=cible),
            user=user,
            motif=f"Fusion reçue du DUI (A40) : IPP {i.ancien_ipp} → {i.ipp}",
        )
        IdentifiantLocal.objects.filter(etablissement=etablissement, ipp=i.ancien_ipp).update(usager_id=cible)
        fusionnes.append(source)
    return {
        "crees": len(crees),
        "modifies": len(modifies),
        "rattaches": len(a.rattachements),
        "fusionnes": len(fusionnes),
        "ecartees": a.ecartees,
        "inchanges": len(a.mises_a_jour) + len(a.rattachements) - len(modifies),
        "ids_crees": crees[:5000],
        "ids_modifies": modifies[:5000],
        "ids_fusionnes": fusionnes,
    }


def _mettre_a_jour(
    a: Analyse, i: IdentiteEntrante, u: Usager, lien: IdentifiantLocal, user, maintenant
) -> bool:
    """Apply what the RNIV lets a DUI change on a known identity; True when the identity changed."""
    if (lien.statut_declare, lien.ins_declare) != (i.statut_declare, i.ins):
        IdentifiantLocal.objects.filter(pk=lien.pk).update(
            statut_declare=i.statut_declare,
            ins_declare=i.ins,
            oid_declare=i.oid_ins if i.ins else "",
            recu_le=maintenant,
        )
    nouveaux = {k: v for k, v in i.traits().items() if k in rniv.TRAITS_STRICTS + rniv.TRAITS_COMPLEMENTAIRES}
    changes = {
        k: v
        for k, v in nouveaux.items()
        if (getattr(u, k) or "") != (v or "") and not (k in rniv.TRAITS_COMPLEMENTAIRES and not v)
    }
    if not changes:
        return False
    if u.statut in (rniv.RECUP, rniv.QUAL):
        figes = sorted(k for k in changes if k in rniv.TRAITS_STRICTS and k != "premier_prenom")
        for k in figes:
            a.problemes.append(
                Probleme(
                    i.numero,
                    k,
                    f"{rniv.LIBELLES_TRAITS[k]} différent de l'identité "
                    f"{rniv.LIBELLES[u.statut].lower()} de Socle : conservé tel que l'INSi l'a "
                    "retourné (règle R-ED-02)",
                    AVERTISSEMENT,
                    i.ipp,
                )
            )
            changes.pop(k)
        if "premier_prenom" in changes and not rniv.premier_prenom_coherent(
            changes["premier_prenom"], u.prenoms_naissance
        ):
            changes.pop("premier_prenom")
    if not changes:
        return False
    try:
        with transaction.atomic():
            services.modifier_traits(u, changes, user=user, motif=f"Import du DUI ({a.format}), IPP {i.ipp}")
    except rniv.RegleRniv as exc:
        a.problemes.append(Probleme(i.numero, "traits", f"mise à jour refusée : {exc}", AVERTISSEMENT, i.ipp))
        return False
    return True
