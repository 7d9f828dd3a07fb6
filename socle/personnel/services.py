"""Readiness board, gestionnaires RPPS+, the portal's return of RPPS numbers and the reconciliation with the
public Annuaire Santé (the matching engine itself lives in `socle.personnel.annuaire`)."""

import csv
import io
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.comptes.models import Fonction, Habilitation
from socle.core.identifiants import rpps_error
from socle.core.tableur import ecrire_ligne_csv
from socle.core.texte import cle_alphanumerique
from socle.organisations.models import Etablissement, OrganismeGestionnaire

from . import rules
from .annuaire.engine import FicheAgent, lire_annuaire, rapprocher
from .importer import _str, lire_tableau, parse_date
from .models import (
    OrganisationRpps,
    Professionnel,
    RapprochementAnnuaire,
    ResultatRapprochement,
    SituationExercice,
)
from .nomenclatures import ROLES

# --- readiness board ----------------------------------------------------------------------------------------


@dataclass
class LigneTableau:
    professionnel: Professionnel
    situation: SituationExercice
    statut: rules.Statut
    anomalies: list[tuple[str, str]]

    @property
    def en_erreur(self) -> bool:
        return self.statut.code == rules.A_ENREGISTRER and bool(self.anomalies)


@dataclass
class SyntheseEsms:
    etablissement: Etablissement
    lignes: list[LigneTableau] = field(default_factory=list)

    def compte(self, code: str) -> int:
        return sum(1 for lg in self.lignes if lg.statut.code == code)

    @property
    def enregistres(self) -> int:
        """RPPS number known."""
        return sum(1 for lg in self.lignes if lg.professionnel.rpps)

    @property
    def a_rechercher(self) -> int:
        """Already in the RPPS through their Ordre or the ARS, number still to look up (Annuaire Santé)."""
        return sum(1 for lg in self.lignes if lg.statut.code == rules.DEJA_RPPS and not lg.professionnel.rpps)

    @property
    def a_enregistrer(self) -> int:
        return sum(1 for lg in self.lignes if lg.statut.code == rules.A_ENREGISTRER and not lg.anomalies)

    @property
    def erreurs(self) -> int:
        return sum(1 for lg in self.lignes if lg.en_erreur)

    @property
    def non_concernes(self) -> int:
        return self.compte(rules.NON_CONCERNE)

    @property
    def identites_a_verifier(self) -> int:
        """To register, but the face-to-face identity check is not recorded yet (the portal asks for it)."""
        return sum(1 for lg in self.lignes if lg.statut.code == rules.A_ENREGISTRER
                   and not lg.professionnel.identite_verifiee_le)

    @property
    def ecps(self) -> int:
        return sum(1 for lg in self.lignes if lg.professionnel.ecps_activee_le)

    @property
    def signe_ecps(self) -> int:
        """Professionals who have signed in to Socle with their e-CPS (Pro Santé Connect) at least once."""
        return sum(1 for lg in self.lignes if lg.professionnel.psc_derniere_connexion)

    @property
    def pourcentage(self) -> int:
        concernes = self.enregistres + self.a_rechercher + self.a_enregistrer + self.erreurs
        return round(100 * self.enregistres / concernes) if concernes else 100

    def par_role(self) -> list[dict]:
        out: dict[str, Counter] = defaultdict(Counter)
        for lg in self.lignes:
            cle = lg.situation.role or ""
            c = out[cle]
            c["total"] += 1
            if lg.professionnel.rpps:
                c["enregistres"] += 1
            elif lg.statut.code == rules.DEJA_RPPS:
                c["a_rechercher"] += 1
            elif lg.en_erreur:
                c["erreurs"] += 1
            elif lg.statut.code == rules.A_ENREGISTRER:
                c["a_enregistrer"] += 1
            else:
                c["non_concernes"] += 1
        zeros = dict.fromkeys(["total", "enregistres", "a_rechercher", "erreurs", "a_enregistrer", "non_concernes"], 0)
        return [{"role": r, "libelle": ROLES.get(r, "rôle non renseigné"), **zeros, **c} for r, c in
                sorted(out.items(), key=lambda kv: -kv[1]["total"])]


def syntheses(etablissements, actifs_seulement: bool = True, leger: bool = False) -> list[SyntheseEsms]:
    """One summary per ESMS: every current situation with its professional's status and errors.

    `leger`: for boards that only count (RPPS+ boards, dashboards), the lines hold plain rows of the fields the
    rules read instead of model instances: the same figures, several times cheaper over thousands of lines."""
    ets = list(etablissements)
    if leger:
        return _syntheses_legeres(ets, actifs_seulement)
    result = {et.pk: SyntheseEsms(et) for et in ets}
    ogs = {og.pk: og for og in OrganismeGestionnaire.objects.filter(pk__in={et.organisme_id for et in ets})}
    ctxs = rules.contextes(ogs.values())
    # the ESMS and OG objects are the ones already there (one instance each, not one per line)
    situations = (SituationExercice.objects.filter(etablissement__in=ets).select_related("professionnel")
                  .prefetch_related(Prefetch("professionnel__situations"))
                  .order_by("professionnel__nom_naissance", "professionnel__pk"))
    for s in situations:
        if actifs_seulement and not rules.situation_active(s):
            continue
        s.etablissement = result[s.etablissement_id].etablissement
        pro = s.professionnel
        if pro.organisme_id in ogs:
            pro.organisme = ogs[pro.organisme_id]
        ctx = ctxs.get(pro.organisme_id)
        if ctx is None:
            ctx = ctxs[pro.organisme_id] = rules.contexte(pro.organisme)
        st = rules.statut(pro, list(pro.situations.all()), ctx)
        anomalies = rules.anomalies_rpps(pro, s) if st.code == rules.A_ENREGISTRER else []
        result[s.etablissement_id].lignes.append(LigneTableau(pro, s, st, anomalies))
    return [result[et.pk] for et in ets]


_CHAMPS_PRO = ("id", "organisme_id", "nom_naissance", "prenoms", "sexe", "date_naissance", "commune_naissance",
               "pays_naissance", "email", "mobile", "rpps", "acces_dui", "mssante", "consulte_dmp", "ecps_activee_le",
               "identite_verifiee_le", "psc_derniere_connexion")
_CHAMPS_SITUATION = ("id", "professionnel_id", "etablissement_id", "metier", "role", "genre_activite",
                     "date_prise_fonction", "date_fin")


# Plain rows of the fields the rules and the counts read (never a method): `pk` first, as on the models. The light
# lines are only counted, never displayed: these dates hold True or False there.
_DATES_LUES_COMME_OUI = ("ecps_activee_le", "identite_verifiee_le", "psc_derniere_connexion")
_Pro = namedtuple("_Pro", ("pk",) + _CHAMPS_PRO[1:])
_Situation = namedtuple("_Situation", ("pk",) + _CHAMPS_SITUATION[1:])


def _rangs_legers(ets: list[Etablissement]):
    """Contexts of the OG, plain rows of the professionals working in these ESMS and all their situations (the
    rules read every situation of a person, here or elsewhere), in four queries."""
    ctxs = rules.contextes(OrganismeGestionnaire.objects.filter(pk__in={et.organisme_id for et in ets}))
    ici = SituationExercice.objects.filter(etablissement__in=ets).values("professionnel_id")
    # Read as "has any" (all the rules and counts ask), computed by the database: decoding the JSON list of
    # first names cost a third of a grappe's board, and making time-zoned datetimes of the dates a tenth.
    oui = {"prenoms": ~Q(prenoms=[]), **{c: Q(**{f"{c}__isnull": False}) for c in _DATES_LUES_COMME_OUI}}
    annotations = {f"a_{c}": ExpressionWrapper(q, output_field=BooleanField()) for c, q in oui.items()}
    champs = [f"a_{c}" if c in oui else c for c in _CHAMPS_PRO]
    pros = [_Pro._make(p) for p in Professionnel.objects.filter(pk__in=ici).order_by().annotate(**annotations)
            .values_list(*champs)]
    situations: dict[int, list[_Situation]] = defaultdict(list)
    # in the model's order (by ESMS name), as the full lines read them: the status's reasons come in that order
    for s in SituationExercice.objects.filter(professionnel_id__in=ici).values_list(*_CHAMPS_SITUATION):
        situations[s[1]].append(_Situation._make(s))
    return ctxs, pros, situations


def _contexte(ctxs: dict[int, rules.Contexte], organisme_id: int) -> rules.Contexte:
    ctx = ctxs.get(organisme_id)
    if ctx is None:
        ctx = ctxs[organisme_id] = rules.contexte(OrganismeGestionnaire.objects.get(pk=organisme_id))
    return ctx


def _syntheses_legeres(ets: list[Etablissement], actifs_seulement: bool) -> list[SyntheseEsms]:
    """`syntheses` from plain rows, in five queries: each professional's status computed once."""
    result = {et.pk: SyntheseEsms(et) for et in ets}
    ctxs, pros, situations = _rangs_legers(ets)
    aujourd_hui = date.today()
    for pro in sorted(pros, key=lambda p: (p.nom_naissance, p.pk)):
        sits = situations[pro.pk]
        st = None
        for s in sits:
            if s.etablissement_id not in result or (actifs_seulement and not rules.situation_active(s, aujourd_hui)):
                continue
            if st is None:
                st = rules.statut(pro, sits, _contexte(ctxs, pro.organisme_id), aujourd_hui)
            anomalies = rules.anomalies_rpps(pro, s) if st.code == rules.A_ENREGISTRER else []
            result[s.etablissement_id].lignes.append(LigneTableau(pro, s, st, anomalies))
    return [result[et.pk] for et in ets]


@dataclass
class Gestionnaire:
    habilitation: Habilitation
    alerte: str

    @property
    def utilisateur(self):
        return self.habilitation.utilisateur


def gestionnaires_rpps(etablissement: Etablissement, aujourd_hui: date | None = None) -> list[Gestionnaire]:
    """Gestionnaires RPPS+ covering an ESMS (directly, through its OG or a grappe), with a warning for those who
    have left (habilitation ended, account deactivated)."""
    aujourd_hui = aujourd_hui or date.today()
    habs = (Habilitation.objects.filter(fonction=Fonction.GESTIONNAIRE_RPPS)
            .filter(Q(etablissement=etablissement) | Q(organisme_id=etablissement.organisme_id)
                    | Q(grappe__membres=etablissement.organisme_id))
            .select_related("utilisateur", "etablissement", "organisme", "grappe").distinct())
    out = []
    for h in habs:
        alerte = ""
        if not h.utilisateur.is_active:
            alerte = "compte désactivé : ce gestionnaire a quitté la structure, désignez-en un autre sur le portail"
        elif h.date_fin and h.date_fin < aujourd_hui:
            alerte = (f"habilitation terminée le {h.date_fin:%d/%m/%Y} : ce gestionnaire a quitté ses fonctions, "
                      "désignez-en un autre sur le portail RPPS+")
        out.append(Gestionnaire(h, alerte))
    return out


def alertes_gestion(etablissement: Etablissement, gestionnaires: list[Gestionnaire]) -> list[str]:
    actifs = [g for g in gestionnaires if not g.alerte]
    org = OrganisationRpps.objects.filter(organisme_id=etablissement.organisme_id).first()
    out = []
    if not actifs:
        out.append("aucun gestionnaire RPPS+ actif pour cet ESMS")
    elif org and org.mode == OrganisationRpps.Mode.DECENTRALISE and not any(
            g.habilitation.etablissement_id == etablissement.pk for g in actifs):
        out.append("organisation décentralisée : aucun gestionnaire RPPS+ désigné au niveau de cet ESMS")
    return out


# --- back from the portal: RPPS numbers received ------------------------------------------------------------

MAX_ERREURS_DETAIL = 1000  # errors listed one by one on the screen (all are counted)


@dataclass
class RetourPortail:
    appliques: list[tuple[int, Professionnel, str]] = field(default_factory=list)
    deja: int = 0
    erreurs: list[str] = field(default_factory=list)  # the first MAX_ERREURS_DETAIL
    nb_erreurs: int = 0

    def erreur(self, message: str) -> None:
        self.nb_erreurs += 1
        if len(self.erreurs) < MAX_ERREURS_DETAIL:
            self.erreurs.append(message)


def importer_retour_portail(contenu: bytes, organisme: OrganismeGestionnaire, utilisateur=None,
                            dry_run: bool = False, nom_fichier: str = "") -> RetourPortail:
    """Set the RPPS numbers the portal returned. File (CSV or XLSX): `nom;prenom;date_naissance;rpps`
    (optionally `date_enregistrement`), or Socle's staff template. Matching on nom (de naissance or d'usage)
    + first prénom + date de naissance inside the OG. All or nothing: any error and nothing is written.
    The file is read like an HR file (same limits): FichierIllisible if it cannot be, before anything is written."""
    entetes, lignes = lire_tableau(contenu, nom_fichier)
    champs: dict[str, int] = {}
    for i, h in enumerate(entetes):
        champs.setdefault(h.strip().lower(), i)

    def colonne(*noms: str) -> int | None:
        return next((champs[n] for n in noms if n in champs), None)

    nom_col, prenom_col = colonne("nom", "nom_naissance"), colonne("prenom", "prenoms_naissance")
    date_col, rpps_col = colonne("date_naissance"), colonne("rpps")
    enreg_col = colonne("date_enregistrement")
    res = RetourPortail()
    if None in (nom_col, prenom_col, date_col, rpps_col):
        res.erreur("en-tête attendu : nom;prenom;date_naissance;rpps (ou le gabarit d'import Socle)")
        return res

    def brut(row: list, i: int | None):
        return row[i] if i is not None and i < len(row) else None

    index: dict[tuple, list[Professionnel]] = defaultdict(list)
    pros = list(Professionnel.objects.filter(organisme=organisme))
    for p in pros:
        for nom in {p.nom_naissance, p.nom_usage} - {""}:
            index[(cle_alphanumerique(nom), cle_alphanumerique(p.premier_prenom), p.date_naissance)].append(p)
    par_rpps = {p.rpps: p for p in pros if p.rpps}
    a_appliquer: list[tuple[int, Professionnel, str, object]] = []
    for n, row in lignes:
        rpps = _str(brut(row, rpps_col))
        nom = _str(brut(row, nom_col))
        prenom = _str(brut(row, prenom_col)).split(",")[0].strip()
        try:
            dn = parse_date(brut(row, date_col))
        except ValueError as exc:
            res.erreur(f"ligne {n}, champ date_naissance : {exc}")
            continue
        if not rpps:
            continue
        err = rpps_error(rpps)
        if err:
            res.erreur(f"ligne {n} ({nom} {prenom}), champ rpps : {err}")
            continue
        trouves = {p.pk: p for p in index.get((cle_alphanumerique(nom), cle_alphanumerique(prenom), dn), [])}
        if not trouves:
            res.erreur(f"ligne {n} ({nom} {prenom}) : personne introuvable dans le personnel de l'organisme")
            continue
        if len(trouves) > 1:
            res.erreur(f"ligne {n} ({nom} {prenom}) : plusieurs personnes correspondent, saisissez le numéro "
                       "sur la fiche")
            continue
        pro = next(iter(trouves.values()))
        if pro.rpps == rpps:
            res.deja += 1
            continue
        if pro.rpps:
            res.erreur(f"ligne {n} ({nom} {prenom}), champ rpps : la fiche porte déjà le numéro {pro.rpps}")
            continue
        autre = par_rpps.get(rpps)
        if autre is not None and autre.pk != pro.pk:
            res.erreur(f"ligne {n} ({nom} {prenom}), champ rpps : numéro déjà porté par {autre}")
            continue
        enregistre = None
        if brut(row, enreg_col) not in (None, ""):
            try:
                d = parse_date(brut(row, enreg_col))
                enregistre = timezone.make_aware(timezone.datetime(d.year, d.month, d.day, 12))
            except ValueError as exc:
                res.erreur(f"ligne {n}, champ date_enregistrement : {exc}")
                continue
        par_rpps[rpps] = pro
        a_appliquer.append((n, pro, rpps, enregistre))
    if res.erreurs or dry_run:
        res.appliques = [(n, p, r) for n, p, r, _ in a_appliquer]
        return res
    maintenant = timezone.now()
    with transaction.atomic():
        for n, pro, rpps, enregistre in a_appliquer:
            pro.rpps = rpps
            pro.rpps_enregistre_le = enregistre or maintenant
            pro.save(update_fields=["rpps", "rpps_enregistre_le", "modifie_le"])
            tracer(Action.MODIFICATION, objet=pro, utilisateur=utilisateur,
                   details={"champ": "rpps", "source": "retour du portail RPPS+", "ligne": n})
            res.appliques.append((n, pro, rpps))
    return res


# --- reconciliation with the Annuaire Santé -----------------------------------------------------------------

def fiches_agents(organisme: OrganismeGestionnaire) -> list:
    """The OG's staff as the engine sees them (current situations only)."""
    out = []
    pros = Professionnel.objects.filter(organisme=organisme).prefetch_related(
        Prefetch("situations", queryset=SituationExercice.objects.select_related("etablissement")))
    for p in pros:
        actives = [s for s in p.situations.all() if rules.situation_active(s)]
        if not actives:
            continue
        out.append(FicheAgent(
            cle=str(p.pk), rpps=p.rpps, nom_naissance=p.nom_naissance, nom_usage=p.nom_usage,
            prenoms=tuple(p.prenoms), prenom_usuel=p.prenom_usuel,
            finess_et=tuple(s.etablissement.finess for s in actives), finess_ej=organisme.finess,
            profession=actives[0].profession, genre_activite=actives[0].genre_activite))
    return out


def _ligne_json(ligne, score: float | None = None) -> dict:
    return {"rpps": ligne.rpps, "nom": ligne.nom_exercice, "prenom": ligne.prenom_exercice,
            "profession": ligne.profession_code, "genre": ligne.genre_activite, "finess_site": ligne.finess_site,
            "finess_ej": ligne.finess_ej, "ligne": ligne.numero_ligne, "score": score}


def rapprocher_annuaire(path, organisme: OrganismeGestionnaire, nom_fichier: str = "", utilisateur=None):
    """Stream the Annuaire extract, match it with the OG's staff, store the outcome. RPPS numbers found for
    unambiguous matches are written on the records; ambiguous ones wait for a person's decision."""
    agents = fiches_agents(organisme)
    finess_og = set(organisme.etablissements.values_list("finess", flat=True)) | {organisme.finess}
    r = rapprocher(agents, lire_annuaire(path), finess_og)
    pros = {str(p.pk): p for p in Professionnel.objects.filter(organisme=organisme)}
    par_rpps = {p.rpps: p for p in pros.values() if p.rpps}
    with transaction.atomic():
        run = RapprochementAnnuaire.objects.create(organisme=organisme, nom_fichier=nom_fichier or str(path),
                                                   cree_par=utilisateur)
        resultats, renseignes = [], 0
        for agent, ligne in r.deja_rpps:
            pro = pros[agent.cle]
            resultats.append(ResultatRapprochement(
                rapprochement=run, type=ResultatRapprochement.Type.TROUVE, professionnel=pro, rpps=ligne.rpps,
                nom_exercice=ligne.nom_exercice, prenom_exercice=ligne.prenom_exercice,
                finess_site=ligne.finess_site, score=1.0 if agent.rpps == ligne.rpps else None,
                candidats=[_ligne_json(ligne)]))
            if not pro.rpps and ligne.rpps not in par_rpps and rpps_error(ligne.rpps) is None:
                pro.rpps = ligne.rpps
                pro.save(update_fields=["rpps", "modifie_le"])
                par_rpps[ligne.rpps] = pro
                renseignes += 1
                tracer(Action.MODIFICATION, objet=pro, utilisateur=utilisateur,
                       details={"champ": "rpps", "source": "Annuaire Santé", "fichier": run.nom_fichier})
        for agent, candidats in r.a_verifier:
            resultats.append(ResultatRapprochement(
                rapprochement=run, type=ResultatRapprochement.Type.A_VERIFIER, professionnel=pros[agent.cle],
                score=max((s for _, s in candidats), default=None),
                candidats=[_ligne_json(lg, s) for lg, s in candidats],
                decision=ResultatRapprochement.Decision.EN_ATTENTE))
        for ligne in r.partis:
            resultats.append(ResultatRapprochement(
                rapprochement=run, type=ResultatRapprochement.Type.PARTI, professionnel=par_rpps.get(ligne.rpps),
                rpps=ligne.rpps, nom_exercice=ligne.nom_exercice, prenom_exercice=ligne.prenom_exercice,
                finess_site=ligne.finess_site, candidats=[_ligne_json(ligne)]))
        for agent in r.manquants:
            resultats.append(ResultatRapprochement(
                rapprochement=run, type=ResultatRapprochement.Type.MANQUANT, professionnel=pros[agent.cle]))
        ResultatRapprochement.objects.bulk_create(resultats)
        run.resume = {"trouves": len(r.deja_rpps), "a_verifier": len(r.a_verifier), "partis": len(r.partis),
                      "manquants": len(r.manquants), "rpps_renseignes": renseignes}
        run.save(update_fields=["resume"])
        tracer(Action.IMPORT, objet=organisme, utilisateur=utilisateur,
               libelle=f"Rapprochement Annuaire Santé — {organisme.raison_sociale}",
               details={"fichier": run.nom_fichier, **run.resume})
    return run


def rapport_csv(run: RapprochementAnnuaire) -> bytes:
    """The outcome of a reconciliation as a CSV (`;`, UTF-8 with BOM) for the gestionnaire's follow-up on the portal:
    who was found, who waits for a decision, who left (situations to close), who is still missing."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow(["resultat", "nom_naissance", "nom_usage", "prenoms", "date_naissance", "rpps", "nom_exercice",
                "prenom_exercice", "finess_site", "score", "decision", "candidats"])
    for r in run.resultats.select_related("professionnel").order_by("type", "pk"):
        p = r.professionnel
        ecrire_ligne_csv(w, [r.get_type_display(), p.nom_naissance if p else "", p.nom_usage if p else "",
                     ",".join(p.prenoms) if p else "", p.date_naissance.strftime("%d/%m/%Y") if p else "",
                     r.rpps or (p.rpps if p else ""), r.nom_exercice, r.prenom_exercice, r.finess_site,
                     f"{r.score:.2f}" if r.score is not None else "", r.get_decision_display() if r.decision else "",
                     " | ".join(f"{c['nom']} {c['prenom']} RPPS {c['rpps']} FINESS {c['finess_site']}"
                                for c in r.candidats) if r.type == ResultatRapprochement.Type.A_VERIFIER else ""])
    return buf.getvalue().encode("utf-8-sig")


@transaction.atomic
def decider(resultat: ResultatRapprochement, confirmer: bool, rpps: str = "", utilisateur=None) -> str:
    """A person confirms one candidate (its RPPS goes on the record) or rejects them all. Returns a message."""
    if resultat.type != ResultatRapprochement.Type.A_VERIFIER:
        raise ValueError("seuls les cas « à vérifier » demandent une décision")
    pro = resultat.professionnel
    resultat.decide_par, resultat.decide_le = utilisateur, timezone.now()
    if not confirmer:
        resultat.decision = ResultatRapprochement.Decision.REJETE
        resultat.save()
        tracer(Action.MODIFICATION, objet=pro, utilisateur=utilisateur,
               details={"rapprochement": resultat.rapprochement_id, "decision": "rejeté"})
        return "Candidats rejetés : la personne reste à rechercher ou à enregistrer."
    if rpps not in {c["rpps"] for c in resultat.candidats}:
        raise ValueError("ce numéro RPPS n'est pas l'un des candidats proposés")
    err = rpps_error(rpps)
    if err:
        raise ValueError(err)
    autre = Professionnel.objects.filter(organisme=pro.organisme, rpps=rpps).exclude(pk=pro.pk).first()
    if autre is not None:
        raise ValueError(f"le numéro {rpps} est déjà porté par {autre}")
    if pro.rpps and pro.rpps != rpps:
        raise ValueError(f"la fiche porte déjà le numéro {pro.rpps}")
    pro.rpps = rpps
    pro.save(update_fields=["rpps", "modifie_le"])
    resultat.decision = ResultatRapprochement.Decision.CONFIRME
    resultat.rpps = rpps
    resultat.save()
    tracer(Action.MODIFICATION, objet=pro, utilisateur=utilisateur,
           details={"champ": "rpps", "source": "rapprochement Annuaire confirmé", "rapprochement":
                    resultat.rapprochement_id})
    return f"Numéro RPPS {rpps} enregistré sur la fiche de {pro}."


_PRIORITE = ["non_concernes", "enregistres", "a_rechercher", "a_enregistrer", "erreurs"]
_RANG = {e: i for i, e in enumerate(_PRIORITE)}


def _etat(pro, code_statut: str, en_erreur: bool) -> str:
    """Where one line (a professional in one ESMS) counts in the totals."""
    if pro.rpps:
        return "enregistres"
    if code_statut == rules.DEJA_RPPS:
        return "a_rechercher"
    if en_erreur:
        return "erreurs"
    if code_statut == rules.A_ENREGISTRER:
        return "a_enregistrer"
    return "non_concernes"


class _Totaux:
    """Each professional once, with the most actionable state of her lines."""

    def __init__(self) -> None:
        self.etat: dict[int, str] = {}
        self.ecps: set[int] = set()
        self.signe_ecps: set[int] = set()

    def ajouter(self, pro, e: str) -> None:
        pk = pro.pk
        avant = self.etat.get(pk)
        if avant is None or _RANG[e] > _RANG[avant]:
            self.etat[pk] = e
        if pro.ecps_activee_le:
            self.ecps.add(pk)
        if pro.psc_derniere_connexion:
            self.signe_ecps.add(pk)

    def resultat(self) -> dict:
        compte = Counter(self.etat.values())
        return {**{k: compte[k] for k in _PRIORITE}, "ecps": len(self.ecps), "signe_ecps": len(self.signe_ecps),
                "personnes": len(self.etat)}


def totaux_personnes(synths: list[SyntheseEsms]) -> dict:
    """Totals over several ESMS counting each professional once (someone working in two ESMS is one person to
    register, as in the export); when her situations disagree, the most actionable state wins."""
    t = _Totaux()
    for synthese in synths:
        for ligne in synthese.lignes:
            t.ajouter(ligne.professionnel, _etat(ligne.professionnel, ligne.statut.code, ligne.en_erreur))
    return t.resultat()


def totaux_par_esms(etablissements) -> tuple[dict, dict[int, dict]]:
    """`totaux_personnes` of these ESMS together and of each of them, counted from plain rows without building
    the board's lines (a regional grappe's dashboard reads 30 000 people): the same rules, the same figures as
    `syntheses` (tests/pilotage/test_requetes.py checks both agree)."""
    ets = list(etablissements)
    ensemble, par_esms = _Totaux(), {et.pk: _Totaux() for et in ets}
    ctxs, pros, situations = _rangs_legers(ets)
    aujourd_hui = date.today()
    for pro in pros:
        sits = situations[pro.pk]
        ici = [s for s in sits if s.etablissement_id in par_esms and rules.situation_active(s, aujourd_hui)]
        if not ici:
            continue
        if pro.rpps:  # registered, whatever the rest says
            for s in ici:
                par_esms[s.etablissement_id].ajouter(pro, "enregistres")
            ensemble.ajouter(pro, "enregistres")
            continue
        st = rules.statut(pro, sits, _contexte(ctxs, pro.organisme_id), aujourd_hui)
        a_enregistrer = st.code == rules.A_ENREGISTRER  # only then do anomalies count as errors (LigneTableau)
        personne_en_erreur = a_enregistrer and bool(rules.anomalies_personne(pro, aujourd_hui))
        for s in ici:
            en_erreur = a_enregistrer and (personne_en_erreur or bool(rules.anomalies_situation(s)))
            e = _etat(pro, st.code, en_erreur)
            par_esms[s.etablissement_id].ajouter(pro, e)
            ensemble.ajouter(pro, e)
    return ensemble.resultat(), {pk: t.resultat() for pk, t in par_esms.items()}


def professionnel_du_compte(user, etablissement=None) -> Professionnel | None:
    """The staff record of this Socle account (`Professionnel.compte`, linked at her first Pro Santé Connect
    sign-in or by the demo): one per organisme, so at an ESMS the record of that ESMS's organisme."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    qs = Professionnel.objects.filter(compte=user)
    if etablissement is not None:
        qs = qs.filter(organisme_id=etablissement.organisme_id)
    return qs.order_by("pk").first()
