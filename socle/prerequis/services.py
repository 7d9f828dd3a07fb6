"""Database-side services of the prerequisites cockpit: loading states, marking steps (audited), views'
aggregates, certificates, reminders. The rules themselves live in rules.py."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.comptes import rights
from socle.comptes.models import Fonction, Habilitation
from socle.connecteurs.commun.tls import MaterielCertificat
from socle.organisations.models import Etablissement, EtatFiness, Grappe, OrganismeGestionnaire

from . import certificats, rules
from .catalogue import ETAPES, Etape, Niveau, etapes_du_niveau
from .models import Carte, Certificat, Dui, EtatEtape, Jalon, Lecteur, RappelEnvoye, Statut

IDS_OG = [e.id for e in etapes_du_niveau(Niveau.OG)]
IDS_ESMS = [e.id for e in etapes_du_niveau(Niveau.ESMS)]


class EtapeError(ValueError):
    """A refused change, with a French message for the user."""


def aujourdhui() -> date:
    return timezone.localdate()


# --- milestones: each grappe's and each OG's own (models.Jalon) ---------------------------------------------

def _copier_defauts(**porteur) -> None:
    """Give a grappe or an OG the installation's default milestones it does not have yet, "à confirmer"."""
    Jalon.assurer_defauts()
    deja = set(Jalon.objects.filter(**porteur).values_list("code", flat=True))
    for d in Jalon.defauts().exclude(code__in=deja):
        try:
            with transaction.atomic():
                Jalon.objects.create(code=d.code, libelle=d.libelle, programme=d.programme, date_cible=d.date_cible,
                                     etapes=list(d.etapes), a_confirmer=True, **porteur)
        except IntegrityError:  # another request copied it at the same moment
            pass


def jalons_grappe(grappe: Grappe) -> list[Jalon]:
    _copier_defauts(grappe=grappe)
    return list(grappe.jalons.all())


def jalons_de(og: OrganismeGestionnaire) -> list[Jalon]:
    """The milestones that apply to an OG: its grappes' (for one code in several grappes, the earliest date),
    replaced code by code by the OG's own. An OG outside any grappe gets its own copy of the defaults."""
    par_code: dict[str, Jalon] = {}
    grappes = list(og.grappes.order_by("pk"))
    for g in grappes:
        for j in jalons_grappe(g):
            if j.code not in par_code or j.date_cible < par_code[j.code].date_cible:
                par_code[j.code] = j
    if not grappes:
        _copier_defauts(organisme=og)
    for j in og.jalons.all():
        par_code[j.code] = j
    return sorted(par_code.values(), key=lambda j: (j.date_cible, j.code))


def jalons_des(ogs: list[OrganismeGestionnaire]) -> dict[int, list[Jalon]]:
    """`jalons_de` of several OG at once, in a few queries whatever their number (dashboards over a grappe);
    the defaults a grappe or an OG lacks are copied first, as `jalons_de` does."""
    membres = OrganismeGestionnaire.grappes.through.objects.filter(organismegestionnaire__in=ogs)
    grappes_de: dict[int, list[int]] = defaultdict(list)
    for og_id, g_id in membres.order_by("grappe_id").values_list("organismegestionnaire_id", "grappe_id"):
        grappes_de[og_id].append(g_id)
    grappes = sorted({g for gs in grappes_de.values() for g in gs})
    seules = {og.pk for og in ogs if not grappes_de[og.pk]}
    codes = Jalon.assurer_defauts()

    def lire() -> tuple[dict[int, list[Jalon]], dict[int, list[Jalon]]]:
        par_grappe: dict[int, list[Jalon]] = defaultdict(list)
        propres: dict[int, list[Jalon]] = defaultdict(list)
        for j in Jalon.objects.filter(Q(grappe_id__in=grappes) | Q(organisme__in=ogs)):
            (par_grappe[j.grappe_id] if j.grappe_id else propres[j.organisme_id]).append(j)
        return par_grappe, propres

    par_grappe, propres = lire()
    a_copier = [{"grappe_id": g} for g in grappes if codes - {j.code for j in par_grappe[g]}]
    a_copier += [{"organisme_id": o} for o in seules if codes - {j.code for j in propres[o]}]
    if a_copier:  # once per grappe or OG, the first time
        for porteur in a_copier:
            _copier_defauts(**porteur)
        par_grappe, propres = lire()
    out = {}
    for og in ogs:
        par_code: dict[str, Jalon] = {}
        for g_id in grappes_de[og.pk]:
            for j in par_grappe[g_id]:
                if j.code not in par_code or j.date_cible < par_code[j.code].date_cible:
                    par_code[j.code] = j
        for j in propres[og.pk]:
            par_code[j.code] = j
        out[og.pk] = sorted(par_code.values(), key=lambda j: (j.date_cible, j.code))
    return out


def peut_modifier_jalon(user, jalon: Jalon) -> bool:
    """Only the chef de projet of the milestone's grappe (or, for an OG's, of the OG or one of its grappes); the
    installation's defaults are read-only."""
    return not jalon.est_defaut and "modifier_jalons" in rights.capacites(user, jalon.porteur)


def jalons_visibles(user):
    """Milestones of the grappes and OGs the user sees (the calendar's form only edits these)."""
    return Jalon.objects.filter(Q(grappe__in=rights.grappes_visibles(user))
                                | Q(organisme__in=rights.organismes_visibles(user)))


def modifier_jalon(user, jalon: Jalon, date_cible: date) -> Jalon:
    """Set (or confirm) a milestone's target date; traced."""
    if not peut_modifier_jalon(user, jalon):
        raise PermissionError(_("Seul le chef de projet de la grappe ou de l'organisme qui porte ce jalon en "
                                "modifie la date cible ; les jalons par défaut de l'installation ne se modifient "
                                "pas."))
    ancienne, a_confirmer = jalon.date_cible, jalon.a_confirmer
    jalon.date_cible, jalon.a_confirmer = date_cible, False
    jalon.save(update_fields=["date_cible", "a_confirmer"])
    tracer(Action.MODIFICATION, objet=jalon, utilisateur=user,
           details={"avant": str(ancienne), "apres": str(date_cible), "confirme": a_confirmer,
                    "grappe": jalon.grappe_id, "organisme": jalon.organisme_id})
    return jalon


# --- states ---------------------------------------------------------------------------------------------------

def etats_og(og: OrganismeGestionnaire) -> dict[str, EtatEtape]:
    return {e.etape: e for e in EtatEtape.objects.filter(organisme=og, etablissement__isnull=True)}


def etats_esms(og: OrganismeGestionnaire) -> dict[int, dict[str, EtatEtape]]:
    out: dict[int, dict[str, EtatEtape]] = {}
    for e in EtatEtape.objects.filter(organisme=og, etablissement__isnull=False):
        out.setdefault(e.etablissement_id, {})[e.etape] = e
    return out


def duis_de(etablissements) -> dict[int, Dui]:
    """The DUI record of each of these ESMS (by ESMS id), in one query."""
    return {d.etablissement_id: d for d in Dui.objects.filter(etablissement__in=etablissements)}


def etats_pour(og: OrganismeGestionnaire, etablissement: Etablissement | None = None) -> dict:
    """The states a rule reads for the OG (or one of its ESMS): recorded states, ESMS's over OG's, with the steps
    of the branches not taken (rules.branches, from the DUI records) marked non applicable."""
    etats: dict = etats_og(og)
    if etablissement is None:
        actifs = list(etablissements_actifs(og))
        duis = duis_de(actifs)
        return rules.appliquer_branches(etats, rules.branches_organisme(duis.get(e.pk) for e in actifs))
    etats.update(etats_esms(og).get(etablissement.pk, {}))
    return rules.appliquer_branches(etats, rules.branches(Dui.objects.filter(etablissement=etablissement).first()))


def branches_og(og: OrganismeGestionnaire) -> set[str]:
    """The branches of the chain the OG's own steps serve (from its active ESMS's DUI records)."""
    actifs = list(etablissements_actifs(og))
    duis = duis_de(actifs)
    return rules.branches_organisme(duis.get(e.pk) for e in actifs)


def plateforme_test() -> dict:
    """What a test platform relaxes, for the screens to say it: the homologation check, extra test CAs."""
    return {"homologation_exigee": homologation_exigee(),
            "ac_test": list(getattr(settings, "SOCLE_CERTIFICATS_AC_TEST", []))}


def etablissements_actifs(og: OrganismeGestionnaire):
    return og.etablissements.filter(etat=EtatFiness.ACTIF).order_by("nom")


def fonctions_sur(user, og: OrganismeGestionnaire, etablissement: Etablissement | None = None) -> set[str]:
    """Functions the user holds on this OG (or on this ESMS), through socle.comptes.rights."""
    if user.is_superuser:
        return set(Fonction.values)
    if etablissement is not None:
        return rights.fonctions(user, etablissement)
    return rights.fonctions_sur_organisme(user, og)


def carte_fonctions(user) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """Functions of the user per OG id and per ESMS id, in 14 queries whatever the perimeter size
    (through socle.comptes.rights)."""
    par_og: dict[int, set[str]] = {}
    par_et: dict[int, set[str]] = {}
    for f in Fonction.values:
        for pk in rights.organismes_couverts(user, fonctions=[f]).values_list("pk", flat=True):
            par_og.setdefault(pk, set()).add(f)
        for pk in rights.etablissements_visibles(user, fonctions=[f]).values_list("pk", flat=True):
            par_et.setdefault(pk, set()).add(f)
    return par_og, par_et


@dataclass
class LigneEtape:
    etape: Etape
    statut: str
    etat: EtatEtape | None
    bloquee_par: list[Etape]
    en_retard: bool
    fenetre: rules.Fenetre | None
    etablissement: Etablissement | None = None
    resume: str = ""  # for ESMS-level steps seen from the OG: "3/8 faits"
    hors_branche: str = ""  # why the step is not applicable: a branch of the chain not taken (DUI record)

    @property
    def statut_libelle(self) -> str:
        return Statut(self.statut).label

    @property
    def bloquee(self) -> bool:
        return bool(self.bloquee_par)


@dataclass
class VueOrganisme:
    og: OrganismeGestionnaire
    lignes: list[LigneEtape]
    actions: list[LigneEtape]
    avertissements: list[rules.Avertissement]
    esms: list[tuple[Etablissement, list[LigneEtape]]] = field(default_factory=list)

    @property
    def progression(self) -> tuple[int, int]:
        """(done, applicable): a non-applicable step (declared so, or of a branch not taken) counts in neither."""
        toutes = self.lignes + [lg for _, ls in self.esms for lg in ls]
        applicables = [lg for lg in toutes if lg.statut != rules.NON_APPLICABLE]
        return sum(1 for lg in applicables if lg.statut == rules.FAIT), len(applicables)


def _ligne(eid: str, etats: dict, jour: date, js: list, fen: dict, et=None) -> LigneEtape:
    st = etats.get(eid)
    synthetique = isinstance(st, rules.EtatSimple)  # a branch not taken, not a recorded state
    return LigneEtape(etape=ETAPES[eid], statut=rules.statut(etats, eid), etat=None if synthetique else st,
                      bloquee_par=[ETAPES[b] for b in rules.bloquee_par(eid, etats)],
                      en_retard=rules.en_retard(eid, etats, jour, js), fenetre=fen.get(eid), etablissement=et,
                      hors_branche=st.motif_non_applicable if synthetique else "")


def vue_organisme(og: OrganismeGestionnaire, fonctions: set[str] | None = None, jour: date | None = None,
                  esms_fonctions: dict[int, set[str]] | None = None, js: list | None = None) -> VueOrganisme:
    """Timeline, next actions and warnings of one OG. `fonctions`: the viewer's functions on the OG (for her
    next actions); `esms_fonctions`: her functions per ESMS (defaults to `fonctions`)."""
    actifs = list(etablissements_actifs(og))
    return _vue(og, etats_og(og), etats_esms(og), actifs, fonctions, jour, esms_fonctions,
                jalons_de(og) if js is None else js, duis_de(actifs))


def vues_organismes(ogs, jour: date | None = None, etablissements: list | None = None) -> dict[int, VueOrganisme]:
    """`vue_organisme` of several OG (no viewer's functions) in a few queries whatever their number: what a
    dashboard over a grappe needs. `etablissements`: only the ESMS lines of these (the active ones among them)."""
    ogs = list(ogs)
    js = jalons_des(ogs)
    eo: dict[int, dict[str, EtatEtape]] = {og.pk: {} for og in ogs}
    ee: dict[int, dict[int, dict[str, EtatEtape]]] = {og.pk: {} for og in ogs}
    for e in EtatEtape.objects.filter(organisme__in=ogs):
        if e.etablissement_id is None:
            eo[e.organisme_id][e.etape] = e
        else:
            ee[e.organisme_id].setdefault(e.etablissement_id, {})[e.etape] = e
    actifs: dict[int, list[Etablissement]] = {og.pk: [] for og in ogs}
    if etablissements is None:
        etablissements = Etablissement.objects.filter(organisme__in=ogs, etat=EtatFiness.ACTIF).order_by("nom")
    for et in sorted((e for e in etablissements if e.etat == EtatFiness.ACTIF), key=lambda e: e.nom):
        actifs[et.organisme_id].append(et)
    duis = {d.etablissement_id: d for d in Dui.objects.filter(etablissement__organisme__in=ogs,
                                                              etablissement__etat=EtatFiness.ACTIF)}
    return {og.pk: _vue(og, eo[og.pk], ee[og.pk], actifs[og.pk], None, jour, None, js[og.pk], duis) for og in ogs}


def _vue(og, eo: dict, ee: dict, actifs: list, fonctions: set[str] | None, jour: date | None,
         esms_fonctions: dict[int, set[str]] | None, js: list, duis: dict[int, Dui]) -> VueOrganisme:
    jour = jour or aujourdhui()
    fonctions = fonctions or set()
    eo_bruts = eo
    eo = rules.appliquer_branches(eo, rules.branches_organisme(duis.get(et.pk) for et in actifs))
    fen_og = rules.dates_au_plus_tot(eo, jour, IDS_OG)
    lignes = [_ligne(i, eo, jour, js, fen_og) for i in IDS_OG]
    actions = [lg for lg in lignes if lg.etape in rules.actions_suivantes(eo, fonctions, IDS_OG)]
    avert = rules.faisabilite(js, fen_og, eo, jour)
    esms = []
    vus: set[tuple[str, str]] = {(a.jalon, a.etape) for a in avert}
    for et in actifs:
        fusion = rules.appliquer_branches({**eo_bruts, **ee.get(et.pk, {})}, rules.branches(duis.get(et.pk)))
        fen = rules.dates_au_plus_tot(fusion, jour)
        ls = [_ligne(i, fusion, jour, js, fen, et) for i in IDS_ESMS]
        esms.append((et, ls))
        fe = (esms_fonctions or {}).get(et.pk, fonctions)
        suivantes = rules.actions_suivantes(fusion, fe, IDS_ESMS)
        actions += [lg for lg in ls if lg.etape in suivantes]
        for a in rules.faisabilite(js, {i: fen[i] for i in IDS_ESMS}, fusion, jour):
            if (a.jalon, a.etape) not in vus:  # one warning per milestone and step, the first ESMS names it
                vus.add((a.jalon, a.etape))
                avert.append(rules.Avertissement(a.jalon, a.etape, a.gravite, f"{et.nom} : {a.message}"))
    return VueOrganisme(og=og, lignes=lignes, actions=actions, avertissements=avert, esms=esms)


def frise(lignes: list[LigneEtape], jour: date, js: list | None = None) -> dict:
    """Positions (in % of the span) of each step's bar for the OG's timeline: from its start (sending date or
    earliest start) to its real end, or its latest typical end when unfinished; milestones as markers."""
    bornes = []
    for lg in lignes:
        f = lg.fenetre
        if f and f.debut:
            bornes += [f.debut, f.fin_max or f.debut]
    js = js or []
    bornes += [j.date_cible for j in js] + [jour]
    debut, fin = min(bornes), max(bornes)
    duree = max((fin - debut).days, 1)

    def pos(d: date) -> float:
        return round(100 * (d - debut).days / duree, 2)

    barres = []
    for lg in lignes:
        f = lg.fenetre
        if not f or not f.debut:
            barres.append({"ligne": lg, "gauche": 0, "largeur": 0})
            continue
        a, b = pos(f.debut), pos(f.fin_max or f.debut)
        barres.append({"ligne": lg, "gauche": a, "largeur": max(b - a, 0.8)})
    return {"debut": debut, "fin": fin, "barres": barres, "aujourdhui": pos(jour),
            "jalons": [{"jalon": j, "pos": pos(j.date_cible)} for j in js]}


def actions_de(user, jour: date | None = None) -> list[tuple[OrganismeGestionnaire, LigneEtape]]:
    """The person's next actions over every OG she sees, by the functions she holds there."""
    jour = jour or aujourdhui()
    out = []
    par_og, par_et = carte_fonctions(user)
    for og in rights.organismes_visibles(user).order_by("raison_sociale"):
        f_og = par_og.get(og.pk, set())
        f_esms = {et.pk: par_et.get(et.pk, set()) for et in etablissements_actifs(og)}
        vue = vue_organisme(og, f_og, jour, f_esms)
        out += [(og, lg) for lg in vue.actions]
    return out


def matrice_grappe(grappe: Grappe, user, filtre: str = "", jour: date | None = None) -> dict:
    """ESMS × step for the chef de projet; filtre "retard" or "bloque" keeps the rows having such a step."""
    jour = jour or aujourdhui()
    lignes = []
    ogs = grappe.membres.filter(pk__in=rights.organismes_visibles(user)).order_by("raison_sociale")
    visibles = set(rights.etablissements_visibles(user).values_list("pk", flat=True))
    for og in ogs:
        vue = vue_organisme(og, set(), jour)
        for et, ls in vue.esms:
            if et.pk not in visibles:
                continue
            cellules = [_cellule(lg) for lg in vue.lignes] + [_cellule(lg) for lg in ls]
            if filtre == "retard" and not any(c["retard"] for c in cellules):
                continue
            if filtre == "bloque" and not any(c["bloquee"] for c in cellules):
                continue
            lignes.append({"og": og, "etablissement": et, "cellules": cellules,
                           # "faits x/y" over the applicable steps: a non-applicable step is neither
                           "faits": sum(c["statut"] == rules.FAIT for c in cellules),
                           "applicables": sum(c["statut"] != rules.NON_APPLICABLE for c in cellules)})
    return {"etapes": [ETAPES[i] for i in IDS_OG + IDS_ESMS], "lignes": lignes}


def _cellule(lg: LigneEtape) -> dict:
    return {"etape": lg.etape, "statut": lg.statut, "retard": lg.en_retard,
            "bloquee": lg.bloquee and lg.statut not in rules.TERMINES, "libelle": lg.statut_libelle}


# --- what the inventory must show before a step is "fait" ---------------------------------------------------

TYPES_PHYSIQUES = ("CPE", "CPS", "CPA", "CDE")


def manque_poste_gestionnaire(og: OrganismeGestionnaire) -> str:
    """The gestionnaire RPPS+ signs in to the RPPS+ portal with a physical card in a PC/SC reader with the
    Cryptolib CPS: the inventory must show a received card and such a reader. "" when it does."""
    manques = []
    if not Carte.objects.filter(organisme=og, type__in=TYPES_PHYSIQUES, date_reception__isnull=False).exists():
        manques.append("aucune carte physique (CPE, CPS ou CDE) n'est notée reçue dans l'inventaire des cartes")
    if not Lecteur.objects.filter(etablissement__organisme=og, cryptolib_installee=True).exists():
        manques.append("aucun lecteur PC/SC avec la Cryptolib CPS installée n'est noté dans l'inventaire")
    return (" ; ".join(manques) + ".") if manques else ""


CONTROLES_FAIT = {"poste_gestionnaire": manque_poste_gestionnaire}


# --- marking a step -------------------------------------------------------------------------------------------

def peut_modifier(user, og: OrganismeGestionnaire, etape_id: str, etablissement: Etablissement | None = None) -> bool:
    return user.is_superuser or rules.peut_modifier(etape_id, fonctions_sur(user, og, etablissement))


def marquer(user, og: OrganismeGestionnaire, etape_id: str, statut: str, *, etablissement: Etablissement | None = None,
            date_envoi: date | None = None, date_fait: date | None = None, preuve=None, motif: str = "",
            commentaire: str = "") -> EtatEtape:
    """Change a step's state after checking rights and coherence; traced in the audit log."""
    if etape_id not in ETAPES:
        raise EtapeError(f"Étape inconnue : {etape_id}.")
    etape = ETAPES[etape_id]
    if (etape.niveau == Niveau.ESMS) != (etablissement is not None):
        raise EtapeError(f"L'étape « {etape.titre} » se suit au niveau {'ESMS' if etape.niveau == Niveau.ESMS else 'OG'}.")
    if etablissement is not None and etablissement.organisme_id != og.pk:
        raise EtapeError("Cet établissement n'appartient pas à cet organisme.")
    if not peut_modifier(user, og, etape_id, etablissement):
        raise PermissionError(_("Seul(e) le/la %(responsable)s, le représentant légal ou le chef "
                                "de projet peut modifier l'étape « %(etape)s ».")
                              % {"responsable": etape.responsable_libelle.lower(), "etape": etape.titre})
    if statut not in Statut.values:
        raise EtapeError(f"Statut inconnu : {statut}.")
    jour = aujourdhui()
    etats = etats_pour(og, etablissement)
    if statut in (Statut.EN_COURS, Statut.FAIT):
        manquants = rules.prerequis_manquants(etape_id, etats)
        if manquants:
            raise EtapeError("Étape bloquée : terminez d'abord " + ", ".join(f"« {ETAPES[m].titre} »" for m in manquants)
                             + ".")
    if statut == Statut.FAIT and etape_id in CONTROLES_FAIT:
        manque = CONTROLES_FAIT[etape_id](og)
        if manque:
            raise EtapeError(f"« {etape.titre} » ne peut pas être marquée « fait » : {manque}")
    if statut == Statut.EN_COURS and not date_envoi:
        raise EtapeError("Indiquez la date d'envoi (ou de début) de l'étape.")
    if statut == Statut.FAIT and not date_fait:
        raise EtapeError("Indiquez la date de réalisation de l'étape.")
    for nom, d in (("d'envoi", date_envoi), ("de réalisation", date_fait)):
        if d and d > jour:
            raise EtapeError(f"La date {nom} ({d:%d/%m/%Y}) est dans le futur.")
    if date_envoi and date_fait and date_fait < date_envoi:
        raise EtapeError("La date de réalisation précède la date d'envoi.")
    if statut == Statut.NON_APPLICABLE and not motif.strip():
        raise EtapeError("Indiquez pourquoi l'étape est non applicable.")
    with transaction.atomic():
        etat, cree = EtatEtape.objects.select_for_update().get_or_create(
            organisme=og, etablissement=etablissement, etape=etape_id)
        avant = {"statut": etat.statut, "date_envoi": str(etat.date_envoi or ""), "date_fait": str(etat.date_fait or "")}
        if statut == Statut.FAIT and not preuve and not etat.preuve:
            raise EtapeError(f"Joignez la pièce justificative : {etape.preuve}.")
        etat.statut = statut
        etat.date_envoi = date_envoi if statut in (Statut.EN_COURS, Statut.FAIT) else None
        etat.date_fait = date_fait if statut == Statut.FAIT else None
        etat.motif_non_applicable = motif.strip() if statut == Statut.NON_APPLICABLE else ""
        if commentaire:
            etat.commentaire = commentaire
        if preuve:
            etat.preuve.save(preuve.name.rsplit("/", 1)[-1], preuve, save=False)
        etat.modifie_par = user if getattr(user, "is_authenticated", False) else None
        etat.save()
        tracer(Action.CREATION if cree else Action.MODIFICATION, objet=etat, utilisateur=etat.modifie_par,
               details={"etape": etape_id, "avant": avant, "apres": {
                   "statut": statut, "date_envoi": str(etat.date_envoi or ""), "date_fait": str(etat.date_fait or ""),
                   "preuve": etat.preuve.name if etat.preuve else ""}})
    return etat


# --- certificates ---------------------------------------------------------------------------------------------

def enregistrer_certificat(og: OrganismeGestionnaire, data: bytes, nom_fichier: str, mot_de_passe: str = "",
                           email_service: str = "", libelle: str = "", user=None) -> Certificat:
    """Read and store a certificate; the PKCS#12 password is encrypted before it reaches the database."""
    info = certificats.lire(data, mot_de_passe or None)
    deja = Certificat.objects.filter(organisme=og, contenu=data).only("pk").first()
    if deja is not None:  # the same file uploaded twice would show the certificate twice in every list
        raise certificats.CertificatError(
            f"Ce fichier est déjà enregistré pour cet organisme (certificat « {info.cn} », n° de série "
            f"{info.numero_serie}).")
    cert = Certificat.objects.create(
        organisme=og, libelle=libelle or info.cn, nom_fichier=nom_fichier[:200], contenu=data, format=info.format,
        sujet=info.sujet[:500], emetteur=info.emetteur[:500], cn=info.cn[:200], numero_serie=info.numero_serie,
        not_before=info.not_before, not_after=info.not_after, key_usages=info.key_usages,
        extended_key_usages=info.extended_key_usages, usage=info.usage,
        mot_de_passe_chiffre=certificats.chiffrer(mot_de_passe) if info.format == "pkcs12" or b"ENCRYPTED" in data
        else "",
        email_service=email_service, depose_par=user if getattr(user, "is_authenticated", False) else None)
    tracer(Action.CREATION, objet=cert, utilisateur=cert.depose_par,
           details={"numero_serie": cert.numero_serie, "usage": cert.usage, "format": cert.format})
    return cert


def mot_de_passe_certificat(user, cert: Certificat) -> str:
    """Clear password, only for an administrateur technique of the OG; the read is traced."""
    if "reveler_mot_de_passe" not in rights.capacites(user, cert.organisme):
        raise PermissionError(_("Seuls les administrateurs techniques peuvent voir le mot de passe d'un certificat."))
    tracer(Action.LECTURE, objet=cert, utilisateur=user, details={"champ": "mot_de_passe"})
    return certificats.dechiffrer(cert.mot_de_passe_chiffre)


# What each use of a certificate requires of it (the CN the national service checks). INSi: the CNAM accepts
# an AUTH_CLI certificate whose CN is INSI-AUTO (unattended calls) or INSI-MANU (a person triggers the call).
USAGES_CERTIFICAT = {"INSI-AUTO": "INSI-AUTO", "INSI-MANU": "INSI-MANU"}


def _cle_incluse(c: Certificat) -> bool:
    return c.format == "pkcs12" or (c.format == "pem" and b"PRIVATE KEY-----" in bytes(c.contenu))


class HomologationRequise(ValueError):
    """INSi by certificate refused: the OG's auto-homologation is not "fait" (French message for the user)."""


def homologation_exigee() -> bool:
    """False only on a test platform (SOCLE_INSI_EXIGER_HOMOLOGATION=false), which the screens then say."""
    return bool(getattr(settings, "SOCLE_INSI_EXIGER_HOMOLOGATION", True))


def refus_homologation(organisme: OrganismeGestionnaire) -> str:
    """Why INSi may not be called by certificate for this OG yet ("" when it may): the auto-homologation step
    must be "fait" before any call, batch or one by one."""
    if not homologation_exigee():
        return ""
    etat = EtatEtape.objects.filter(organisme=organisme, etablissement__isnull=True, etape="homologation").first()
    if etat is not None and etat.statut == Statut.FAIT:
        return ""
    vu = Statut(etat.statut).label.lower() if etat is not None else Statut.A_FAIRE.label.lower()
    return (f"L'auto-homologation INS de {organisme.raison_sociale} n'est pas prononcée (étape « {vu} » dans le "
            "cockpit des prérequis) : aucun appel INSi par certificat, en lot ou un par un, n'est permis avant "
            "que le représentant légal l'ait prononcée et marquée « fait ».")


def certificat_pour(organisme: OrganismeGestionnaire, usage: str) -> MaterielCertificat | None:
    """The certificate material `organisme` deposited for `usage` ("INSI-AUTO", "INSI-MANU"), for the
    connectors only (never displayed): a client-authentication certificate with the use's CN, issued by the IGC
    Santé, valid today, deposited with its private key (PKCS#12, or PEM holding the key) — the one valid the
    longest —, its password decrypted. None when the OG has none: the call is then refused without reaching the
    service. HomologationRequise (nothing is sent) while the OG's auto-homologation is not "fait"."""
    cn = USAGES_CERTIFICAT.get(usage)
    if cn is None:
        raise ValueError(f"Usage de certificat inconnu : {usage}.")
    refus = refus_homologation(organisme)
    if refus:
        raise HomologationRequise(refus)
    jour = aujourdhui()
    prets = [c for c in Certificat.objects.filter(organisme=organisme, usage=certificats.AUTHENTIFICATION, cn=cn)
             if "clientAuth" in c.extended_key_usages and c.not_before.date() <= jour <= c.not_after.date()
             and _cle_incluse(c) and c.emetteur_reconnu[0]]
    if not prets:
        return None
    c = max(prets, key=lambda c: c.not_after)
    return MaterielCertificat(contenu=bytes(c.contenu), mot_de_passe=certificats.dechiffrer(c.mot_de_passe_chiffre),
                              libelle=f"{c.cn} n° {c.numero_serie} de {organisme.raison_sociale}")


def certificat_insi_pret(organisme: OrganismeGestionnaire) -> tuple[bool, str]:
    """Hook for the INS batch and the cockpit: is there an INSi-ready authentication certificate (IGC Santé,
    valid today), and is the auto-homologation "fait"?"""
    jour = aujourdhui()
    candidats = list(Certificat.objects.filter(organisme=organisme, usage=certificats.AUTHENTIFICATION,
                                               cn__in=sorted(certificats.CN_INSI)))
    prets = [c for c in candidats if c.insi_pret(jour)]
    if prets:
        refus = refus_homologation(organisme)
        if refus:
            return False, refus
        c = max(prets, key=lambda c: c.not_after)
        msg = f"Certificat {c.cn} n° {c.numero_serie} valide jusqu'au {timezone.localtime(c.not_after):%d/%m/%Y}."
        if not homologation_exigee():
            msg += (" Plateforme de test : l'auto-homologation n'est pas exigée avant les appels INSi "
                    "(SOCLE_INSI_EXIGER_HOMOLOGATION=false).")
        return True, msg
    non_igc = [c for c in candidats if not c.emetteur_reconnu[0]]
    if non_igc:
        raisons = " ; ".join(f"le certificat {c.cn} n° {c.numero_serie} n'est pas utilisable ({c.emetteur_reconnu[1]})"
                             for c in non_igc)
        return False, f"{raisons[0].upper()}{raisons[1:]}. Commandez le certificat sur la plateforme IGC Santé."
    if candidats:
        return False, ("Le certificat INSi de l'organisme n'est pas valide aujourd'hui (expiré ou pas encore actif) : "
                       "commandez-en un nouveau sur la plateforme IGC Santé.")
    return False, ("Aucun certificat d'authentification INSI-AUTO ou INSI-MANU n'est déposé pour cet organisme : "
                   "l'administrateur technique doit le commander sur la plateforme IGC Santé puis le déposer dans Socle.")


@dataclass
class InventaireCertificats:
    """The certificates the chain needs, counted by use: INSi's own (INSI-AUTO for batches, INSI-MANU for calls
    a person triggers), the DMP feed's pair (authentication + signature / cachet); those not issued by the IGC
    Santé are listed apart, never counted as ready."""

    insi_auto: int = 0
    insi_manu: int = 0
    dmp_authentification: int = 0
    dmp_signature: int = 0
    non_reconnus: list = field(default_factory=list)

    @property
    def dmp_complet(self) -> bool:
        return bool(self.dmp_authentification and self.dmp_signature)


def inventaire_certificats(certs, jour: date | None = None) -> InventaireCertificats:
    jour = jour or aujourdhui()
    inv = InventaireCertificats()
    for c in certs:
        if not c.emetteur_reconnu[0]:
            inv.non_reconnus.append(c)
            continue
        if not (c.not_before.date() <= jour <= c.not_after.date()):
            continue
        if c.usage == certificats.AUTHENTIFICATION and c.cn == "INSI-AUTO":
            inv.insi_auto += 1
        elif c.usage == certificats.AUTHENTIFICATION and c.cn == "INSI-MANU":
            inv.insi_manu += 1
        elif c.usage == certificats.AUTHENTIFICATION:
            inv.dmp_authentification += 1
        elif c.usage == certificats.SIGNATURE:
            inv.dmp_signature += 1
    return inv


@dataclass
class AlerteCertificat:
    certificat: Certificat
    seuil: int
    jours_restants: int

    @property
    def message(self) -> str:
        c = self.certificat
        if self.jours_restants < 0:
            return f"Le certificat {c.cn or c.sujet} de {c.organisme.raison_sociale} a expiré."
        return (f"Le certificat {c.cn or c.sujet} de {c.organisme.raison_sociale} expire dans {self.jours_restants} "
                f"jour(s) (le {timezone.localtime(c.not_after):%d/%m/%Y}) : renouvelez-le sur la plateforme IGC Santé.")


def alertes_certificats(organismes, jour: date | None = None) -> list[AlerteCertificat]:
    """Certificates past a 90/30/7-day threshold (or expired) for these OG."""
    jour = jour or aujourdhui()
    out = []
    for c in Certificat.objects.filter(organisme__in=organismes).select_related("organisme").order_by("not_after"):
        fin = timezone.localtime(c.not_after).date()
        s = rules.seuil_expiration(fin, jour)
        if s is not None:
            out.append(AlerteCertificat(c, s, (fin - jour).days))
    return out


# --- reminders ------------------------------------------------------------------------------------------------

def _destinataires(og: OrganismeGestionnaire, fonction: str, etablissement: Etablissement | None = None) -> set[str]:
    habs = (Habilitation.objects.filter(fonction=fonction).couvrant(etablissement or og).en_cours(aujourdhui())
            .select_related("utilisateur"))
    return {h.utilisateur.email for h in habs if h.utilisateur.email and h.utilisateur.is_active}


def _envoyer(cle: str, dest: str, sujet: str, corps: str, jour: date, une_fois: bool = False) -> bool:
    """Send once per (key, recipient, day); `une_fois`: once ever for this key and recipient."""
    if une_fois and RappelEnvoye.objects.filter(cle=cle[:120], destinataire=dest).exists():
        return False
    try:
        with transaction.atomic():
            RappelEnvoye.objects.create(cle=cle[:120], destinataire=dest, jour=jour)
    except IntegrityError:
        return False
    send_mail(sujet, corps, settings.DEFAULT_FROM_EMAIL, [dest])
    return True


def envoyer_rappels(jour: date | None = None) -> dict[str, int]:
    """E-mail the owners of late steps and of expiring certificates; idempotent per day."""
    jour = jour or aujourdhui()
    envoyes = {"etapes": 0, "certificats": 0}
    for og in OrganismeGestionnaire.objects.filter(etats_prerequis__isnull=False).distinct():
        vue = vue_organisme(og, set(), jour)
        lignes = vue.lignes + [lg for _, ls in vue.esms for lg in ls]
        for lg in lignes:
            if not lg.en_retard:
                continue
            et = lg.etablissement
            cible = et.nom if et else og.raison_sociale
            # the owner function's holders; failing any, the chef de projet coordinating the OG
            dests = _destinataires(og, lg.etape.responsable, et) or _destinataires(og, Fonction.CHEF_PROJET, et)
            for dest in sorted(dests):
                corps = (f"Bonjour,\n\nL'étape « {lg.etape.titre} » pour {cible} est en retard.\n"
                         f"Pièce à conserver : {lg.etape.preuve}.\n\nSocle — cockpit des prérequis Ségur")
                if _envoyer(f"etape:{og.pk}:{et.pk if et else 0}:{lg.etape.id}", dest,
                            f"[Socle] Étape en retard : {lg.etape.titre}", corps, jour):
                    envoyes["etapes"] += 1
    for a in alertes_certificats(OrganismeGestionnaire.objects.all(), jour):
        c = a.certificat
        dests = _destinataires(c.organisme, Fonction.ADMIN_TECHNIQUE) | ({c.email_service} if c.email_service else set())
        for dest in sorted(dests):
            if _envoyer(f"cert:{c.pk}:{a.seuil}", dest, f"[Socle] Certificat à renouveler : {c.cn or c.sujet}",
                        f"Bonjour,\n\n{a.message}\n\nSocle — cockpit des prérequis Ségur", jour, une_fois=True):
                envoyes["certificats"] += 1
    return envoyes
