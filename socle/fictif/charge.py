"""Jeu de données fictif et déterministe pour le test de charge (benchmarks/charge/).

A whole region at the size of the hardening issue: 30 OG, 300 ESMS, 100 000 usagers, 30 000 professionals, with
the persona accounts that use them (one secrétaire d'admission per ESMS, one directrice and one gestionnaire
RPPS+ per OG, one chef de projet per grappe). Ten grappes of 3 OG (30 ESMS) and one regional grappe of every OG
(300 ESMS). Identity statuses spread (PROV, RECUP, VALI, QUAL, weeks of history), a few stays ended or in two
ESMS, a few merged records, open INS anomalies, staff with RPPS numbers and planted errors, prerequisites at
different stages.

Deterministic for a seed and a day (history dates are relative to today, so the dashboards' weekly trend is
filled). Loaded with bulk_create in batches, one OG at a time, all in one transaction: an interrupted load leaves
nothing, and a complete one is detected and skipped (`charger` is idempotent). Everything is named "CHARGE" and
every account shares one password, hashed once (PBKDF2 per account would take minutes).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from socle.comptes.models import Fonction, Habilitation, Utilisateur
from socle.core.identifiants import avec_cle_luhn, nir_key
from socle.core.texte import sans_accents
from socle.organisations.categories import CATEGORIES
from socle.organisations.models import Etablissement, EtatFiness, Grappe, OrganismeGestionnaire
from socle.personnel import rules as regles_personnel
from socle.personnel.models import OrganisationRpps, Professionnel, SituationExercice, cle_identite
from socle.prerequis.catalogue import ORDRE
from socle.prerequis.models import EtatEtape, Jalon, Statut
from socle.prerequis.services import IDS_ESMS, IDS_OG
from socle.usagers import rniv
from socle.usagers.models import AnomalieIns, HistoriqueIdentite, Justificatif, Sejour, TypeAnomalie, Usager

from .doublons import _Generateur

MOT_DE_PASSE = "charge-socle-2026"
REF = "charge:"
GRAPPE_REGIONALE = "GRAPPE CHARGE RÉGIONALE"
LOT = 5000  # rows per INSERT

# ESMS of one OG, by rank: category, and its weight in the usagers' distribution (a SAAD follows more people
# than an IME). 437 (FAM) is a deprecated category: a FINESS anomaly on every OG.
ESMS_TYPES = [("500", 1.0), ("500", 1.0), ("354", 0.9), ("460", 2.2), ("183", 0.5), ("182", 0.6), ("246", 0.8),
              ("255", 0.4), ("437", 0.4), ("202", 0.7)]
DEPARTEMENTS = ["38", "26", "07", "73", "74", "63", "43", "15", "03", "42"]
AGES = {"500": (1922, 1946), "202": (1925, 1950), "354": (1925, 1955), "460": (1925, 1965), "183": (2006, 2020),
        "182": (2008, 2021)}
LIEUX = ["38185", "26362", "07186", "73065", "74010", "63113", "43157", "15014", "03185", "42218", "69123",
         "75056", "13055", "99350", "99134", "99999"]
COMMUNES_PRO = ["38185", "26362", "07186", "73065", "74010", "63113", "69381", "75056", "2A004"]
METIERS = {
    "pa": [("Aide soignant", 30), ("Accompagnant éducatif et social", 18), ("Agent administratif", 6),
           ("Infirmier", 10), ("Animateur", 4), ("Surveillant de nuit", 5), ("Maîtresse de maison", 4),
           ("Chef(fe) de Service", 3), ("Cadre de santé", 2), ("Psychologue", 2), ("Ergothérapeute", 1),
           ("Agent de service hospitalier", 4)],
    "ph": [("Educateur Spécialisé", 20), ("Moniteur Educateur", 14), ("Accompagnant éducatif et social", 16),
           ("Aide soignant", 8), ("Moniteur d'atelier", 8), ("Educateur technique", 4), ("Agent administratif", 6),
           ("Psychomotricien", 3), ("Psychologue", 3), ("Assistante sociale", 2), ("Infirmière", 4),
           ("Surveillant de nuit", 4), ("Chef de service", 3)],
}
PA = {"500", "354", "460", "202"}
TYPES_ANOMALIE = [TypeAnomalie.NON_TROUVEE, TypeAnomalie.NON_TROUVEE, TypeAnomalie.PRENOMS,
                  TypeAnomalie.COMMUNE_NOUVELLE, TypeAnomalie.PLUSIEURS, TypeAnomalie.ECART_TRAITS]


@dataclass(frozen=True)
class Taille:
    organismes: int = 30
    esms_par_og: int = 10
    usagers: int = 100_000
    professionnels: int = 30_000
    og_par_grappe: int = 3

    @property
    def esms(self) -> int:
        return self.organismes * self.esms_par_og


PLEINE = Taille()
REDUITE = Taille(organismes=3, esms_par_og=4, usagers=1200, professionnels=360, og_par_grappe=3)


@dataclass
class Bilan:
    """What a load did (or found already there), with its timings in seconds per phase."""

    taille: Taille
    deja_charge: bool = False
    comptes: dict[str, int] = field(default_factory=dict)
    durees: dict[str, float] = field(default_factory=dict)

    @property
    def duree(self) -> float:
        return sum(self.durees.values())


def numero_finess(dept: str, og: int, et: int = 0) -> str:
    return avec_cle_luhn(f"{dept}{7000 + og:04d}{et:02d}")


def identifiants(taille: Taille) -> dict[str, list[str]]:
    """The persona accounts of a load, by persona (the locustfile signs in with them)."""
    ogs = [numero_finess(DEPARTEMENTS[i % len(DEPARTEMENTS)], i + 1) for i in range(taille.organismes)]
    ets = [numero_finess(DEPARTEMENTS[i % len(DEPARTEMENTS)], i + 1, j + 1)
           for i in range(taille.organismes) for j in range(taille.esms_par_og)]
    return {
        "admission": [f"adm-{f}" for f in ets],
        "directrice": [f"dir-{f}" for f in ogs],
        "rh": [f"rh-{f}" for f in ogs],
        "chef_projet": [f"cdp-{k + 1:02d}" for k in range(_nb_grappes(taille))],
        "chef_projet_region": ["cdp-region"],
    }


def _nb_grappes(taille: Taille) -> int:
    return max(1, taille.organismes // taille.og_par_grappe)


def deja_charge(taille: Taille) -> bool:
    g = Grappe.objects.filter(nom=GRAPPE_REGIONALE).first()
    return bool(g and g.identifiant_externe == _signature(taille)
                and Usager.objects.filter(reference_externe__startswith=REF).count() == taille.usagers)


def _signature(taille: Taille) -> str:
    return f"{taille.organismes}/{taille.esms_par_og}/{taille.usagers}/{taille.professionnels}/{taille.og_par_grappe}"


def charger(taille: Taille = PLEINE, graine: int = 2026, journal: Callable[[str], None] | None = None) -> Bilan:
    """Load the data set unless it is already there (then nothing is written)."""
    bilan = Bilan(taille)
    if deja_charge(taille):
        bilan.deja_charge = True
        bilan.comptes = compter()
        return bilan
    if Grappe.objects.filter(nom=GRAPPE_REGIONALE).exists():
        raise RuntimeError("Un autre jeu de charge (autre taille) est déjà dans cette base : utilisez une base neuve.")
    ecrire = journal or (lambda _m: None)
    with transaction.atomic():
        _Chargement(taille, graine, bilan, ecrire).tout()
        Grappe.objects.filter(nom=GRAPPE_REGIONALE).update(identifiant_externe=_signature(taille))
    bilan.comptes = compter()
    return bilan


def compter() -> dict[str, int]:
    ogs = OrganismeGestionnaire.objects.filter(raison_sociale__startswith="CHARGE ")
    return {
        "organismes": ogs.count(),
        "esms": Etablissement.objects.filter(organisme__in=ogs).count(),
        "grappes": Grappe.objects.filter(nom__startswith="GRAPPE CHARGE").count(),
        "usagers": Usager.objects.filter(organisme__in=ogs).count(),
        "sejours": Sejour.objects.filter(usager__organisme__in=ogs).count(),
        "historique": HistoriqueIdentite.objects.filter(usager__organisme__in=ogs).count(),
        "anomalies_ins": AnomalieIns.objects.filter(usager__organisme__in=ogs).count(),
        "professionnels": Professionnel.objects.filter(organisme__in=ogs).count(),
        "situations": SituationExercice.objects.filter(professionnel__organisme__in=ogs).count(),
        "comptes": Utilisateur.objects.filter(username__in=sum(identifiants(_taille_chargee()).values(), [])).count(),
    }


def _taille_chargee() -> Taille:
    g = Grappe.objects.filter(nom=GRAPPE_REGIONALE).first()
    if g is None or g.identifiant_externe.count("/") != 4:
        return Taille(organismes=0)
    o, e, u, p, n = (int(x) for x in g.identifiant_externe.split("/"))
    return Taille(organismes=o, esms_par_og=e, usagers=u, professionnels=p, og_par_grappe=n)


def _repartir(total: int, poids: list[float]) -> list[int]:
    """`total` split along `poids`, the rounding remainder given to the first ones (sums exactly to total)."""
    s = sum(poids)
    parts = [int(total * p / s) for p in poids]
    for i in range(total - sum(parts)):
        parts[i % len(parts)] += 1
    return parts


class _Chargement:
    def __init__(self, taille: Taille, graine: int, bilan: Bilan, journal: Callable[[str], None]) -> None:
        self.t, self.bilan, self.journal = taille, bilan, journal
        self.rng = random.Random(graine)
        self.noms = _Generateur(graine)  # Zipf-like surnames and first names, as in the duplicates benchmark
        self.now = timezone.now()
        self.jour = timezone.localdate()
        self.pris: set[str] = set()
        self.n_rpps = 0

    def _phase(self, nom: str, fn) -> None:
        t0 = time.perf_counter()
        fn()
        self.bilan.durees[nom] = self.bilan.durees.get(nom, 0.0) + time.perf_counter() - t0

    def tout(self) -> None:
        self._phase("organisations", self.organisations)
        self._phase("comptes", self.comptes)
        self._phase("prérequis", self.prerequis)
        par_og_u = _repartir(self.t.usagers, [1.0] * self.t.organismes)
        par_og_p = _repartir(self.t.professionnels, [1.0] * self.t.organismes)
        for i, og in enumerate(self.ogs):
            ets = self.ets[og.pk]
            self._phase("usagers", lambda og=og, ets=ets, n=par_og_u[i]: self.usagers(og, ets, n))
            self._phase("personnel", lambda og=og, ets=ets, n=par_og_p[i]: self.personnel(og, ets, n))
            if (i + 1) % 5 == 0 or i + 1 == len(self.ogs):
                self.journal(f"  {i + 1}/{len(self.ogs)} organismes chargés "
                             f"({sum(self.bilan.durees.values()):.0f} s)")

    # --- organisations, grappes, accounts, prerequisites --------------------------------------------------

    def organisations(self) -> None:
        ogs, ets = [], []
        for i in range(self.t.organismes):
            dept = DEPARTEMENTS[i % len(DEPARTEMENTS)]
            ogs.append(OrganismeGestionnaire(
                finess=numero_finess(dept, i + 1), raison_sociale=f"CHARGE ASSOCIATION {i + 1:02d}",
                statut_juridique="60", commune="GRENOBLE", code_commune="38185", code_postal=f"{dept}000",
                adresse=f"{i + 1} RUE DE LA CHARGE", etat=EtatFiness.ACTIF, date_creation=date(1980 + i % 30, 1, 1)))
        OrganismeGestionnaire.objects.bulk_create(ogs)
        # in the order of identifiants(): the accounts are named after their OG and ESMS
        self.ogs = list(OrganismeGestionnaire.objects.filter(finess__in=[o.finess for o in ogs])
                        .order_by("raison_sociale"))
        for i, og in enumerate(self.ogs):
            dept = og.finess[:2]
            for j in range(self.t.esms_par_og):
                cat = ESMS_TYPES[j % len(ESMS_TYPES)][0]
                c = CATEGORIES[cat]
                ets.append(Etablissement(
                    finess=numero_finess(dept, i + 1, j + 1), organisme=og,
                    nom=f"{c.sigle or cat} CHARGE {i + 1:02d}-{j + 1:02d}", categorie_code=cat,
                    categorie_libelle=c.libelle, tutelle=c.tutelle, commune="GRENOBLE", code_commune="38185",
                    code_postal=f"{dept}000", departement=dept, adresse=f"{j + 1} AVENUE DE LA CHARGE",
                    etat=EtatFiness.ACTIF, date_ouverture=date(1990 + j, 1 + j % 12, 1)))
        Etablissement.objects.bulk_create(ets, batch_size=LOT)
        self.ets: dict[int, list[Etablissement]] = {}
        for et in Etablissement.objects.filter(organisme__in=self.ogs).order_by("finess"):
            self.ets.setdefault(et.organisme_id, []).append(et)
        self.grappes = []
        for k in range(_nb_grappes(self.t)):
            membres = self.ogs[k * self.t.og_par_grappe:(k + 1) * self.t.og_par_grappe]
            g = Grappe.objects.create(nom=f"GRAPPE CHARGE {k + 1:02d}", type=Grappe.Type.GRAPPE, porteur=membres[0])
            g.membres.set(membres)
            self.grappes.append(g)
        # The marker of a complete load (deja_charge), written last in the same transaction.
        self.region = Grappe.objects.create(nom=GRAPPE_REGIONALE, type=Grappe.Type.GCSMS, porteur=self.ogs[0],
                                            identifiant_externe="chargement")
        self.region.membres.set(self.ogs)

    def comptes(self) -> None:
        motdepasse = make_password(MOT_DE_PASSE)
        ids = identifiants(self.t)
        users = [Utilisateur(username=u, password=motdepasse, first_name="Charge", last_name=u.upper(),
                             email=f"{u}@charge.invalid") for liste in ids.values() for u in liste]
        Utilisateur.objects.bulk_create(users, batch_size=LOT)
        par_nom = dict(Utilisateur.objects.filter(username__in=[u.username for u in users])
                       .values_list("username", "pk"))
        habs = []
        tous_ets = [et for og in self.ogs for et in self.ets[og.pk]]
        for nom, et in zip(ids["admission"], tous_ets, strict=True):
            habs.append(Habilitation(utilisateur_id=par_nom[nom], fonction=Fonction.ADMISSION, etablissement=et))
        for nom_dir, nom_rh, og in zip(ids["directrice"], ids["rh"], self.ogs, strict=True):
            habs.append(Habilitation(utilisateur_id=par_nom[nom_dir], fonction=Fonction.REPRESENTANT_LEGAL,
                                     organisme=og))
            habs.append(Habilitation(utilisateur_id=par_nom[nom_rh], fonction=Fonction.GESTIONNAIRE_RPPS,
                                     organisme=og))
        for nom, g in zip(ids["chef_projet"], self.grappes, strict=True):
            habs.append(Habilitation(utilisateur_id=par_nom[nom], fonction=Fonction.CHEF_PROJET, grappe=g))
        habs.append(Habilitation(utilisateur_id=par_nom["cdp-region"], fonction=Fonction.CHEF_PROJET,
                                 grappe=self.region))
        Habilitation.objects.bulk_create(habs, batch_size=LOT)

    def prerequis(self) -> None:
        """Each OG at its own stage: its first k OG-level steps done (k spread from 0 to all), and each of its
        ESMS with its first steps done, the next one in progress."""
        Jalon.assurer_defauts()
        etats = []
        ordre_og = [e for e in ORDRE if e in IDS_OG]
        ordre_esms = [e for e in ORDRE if e in IDS_ESMS]
        for i, og in enumerate(self.ogs):
            k = round(len(ordre_og) * i / max(1, len(self.ogs) - 1))
            for n, eid in enumerate(ordre_og):
                etats.append(self._etat(og, None, eid, n, k))
            for et in self.ets[og.pk]:
                k2 = self.rng.randint(0, len(ordre_esms)) if k == len(ordre_og) else 0
                for n, eid in enumerate(ordre_esms):
                    etats.append(self._etat(og, et, eid, n, k2))
        EtatEtape.objects.bulk_create(etats, batch_size=LOT)

    def _etat(self, og, et, eid: str, rang: int, faits: int) -> EtatEtape:
        if rang < faits:
            recul = 40 + 10 * (faits - rang)
            return EtatEtape(organisme=og, etablissement=et, etape=eid, statut=Statut.FAIT,
                             date_envoi=self.jour - timedelta(days=recul + 5), date_fait=self.jour - timedelta(days=recul))
        if rang == faits:
            return EtatEtape(organisme=og, etablissement=et, etape=eid, statut=Statut.EN_COURS,
                             date_envoi=self.jour - timedelta(days=self.rng.randint(5, 90)))
        return EtatEtape(organisme=og, etablissement=et, etape=eid, statut=Statut.A_FAIRE)

    # --- usagers -----------------------------------------------------------------------------------------------

    def _matricule(self, sexe: str, d: date, lieu: str) -> tuple[str, str]:
        ordre = self.rng.randint(1, 999)
        while True:
            body = f"{1 if sexe == 'M' else 2}{d:%y%m}{lieu if lieu != '99999' else '99100'}{ordre:03d}"
            if body not in self.pris:
                self.pris.add(body)
                return body, f"{nir_key(body):02d}"
            ordre = ordre % 999 + 1

    def _quand(self) -> datetime:
        """A qualification moment over the last 10 weeks, recent ones more frequent (the dashboard's trend)."""
        return self.now - timedelta(days=int(70 * (self.rng.random() ** 1.5)), hours=self.rng.randint(0, 8))

    def usagers(self, og: OrganismeGestionnaire, ets: list[Etablissement], nombre: int) -> None:
        rng = self.rng
        poids = [ESMS_TYPES[j % len(ESMS_TYPES)][1] for j in range(len(ets))]
        plan: list[tuple[Usager, Etablissement]] = []
        for et, n in zip(ets, _repartir(nombre, poids), strict=True):
            lo, hi = AGES.get(et.categorie_code, (1950, 2004))
            for _ in range(n):
                sexe = rng.choice("FM")
                prenoms = self.noms.liste_prenoms(sexe)
                d = date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))
                lieu = rng.choice(LIEUX)
                r = rng.random()
                statut = rniv.QUAL if r < 0.38 else rniv.RECUP if r < 0.50 else rniv.VALI if r < 0.60 else rniv.PROV
                u = Usager(organisme=og, nom_naissance=self.noms.nom(), prenoms_naissance=" ".join(prenoms),
                           premier_prenom=prenoms[0], date_naissance=d, sexe=sexe, lieu_naissance=lieu,
                           statut=statut, reference_externe=f"{REF}{og.finess}:{len(plan)}")
                if sexe == "F" and rng.random() < 0.15:
                    u.nom_utilise = self.noms.nom()
                if statut in (rniv.QUAL, rniv.RECUP):
                    u.matricule_ins, u.cle_ins = self._matricule(sexe, d, lieu)
                    u.oid_ins, u.date_appel_insi = rniv.OID_NIR, self._quand()
                elif statut == rniv.PROV and rng.random() < 0.01:
                    u.douteuse = True
                elif rng.random() < 0.005:
                    u.homonyme = True
                plan.append((u, et))
        Usager.objects.bulk_create([u for u, _ in plan], batch_size=LOT)
        # a few merged records: the duplicate points to the kept one (excluded from the figures)
        fusionnes = []
        for k in range(0, len(plan) - 1, 400):
            src, cible = plan[k][0], plan[k + 1][0]
            if src.statut == rniv.PROV and not src.douteuse:
                src.fusionne_dans = cible
                fusionnes.append(src)
        Usager.objects.bulk_update(fusionnes, ["fusionne_dans"], batch_size=LOT)

        sejours, hist, justifs, anomalies = [], [], [], []
        for u, et in plan:
            admission = self.jour - timedelta(days=rng.randint(30, 2500))
            sortie = admission + timedelta(days=rng.randint(10, 25)) if rng.random() < 0.04 else None
            sejours.append(Sejour(usager=u, etablissement=et, date_admission=admission, date_sortie=sortie))
            if rng.random() < 0.03:  # also followed by another ESMS of the OG (SSIAD + EHPAD, IME + SESSAD)
                autre = ets[(ets.index(et) + 1 + rng.randrange(len(ets) - 1)) % len(ets)] if len(ets) > 1 else et
                if autre.pk != et.pk:
                    sejours.append(Sejour(usager=u, etablissement=autre, date_admission=admission + timedelta(days=3)))
            cree = timezone.make_aware(datetime.combine(admission, datetime.min.time())) + timedelta(hours=9)
            hist.append(HistoriqueIdentite(usager=u, evenement="creation", ancien_statut="", nouveau_statut="PROV",
                                           identifiant="reprise", le=cree, motif="Reprise de l'ancien logiciel"))
            if u.statut in (rniv.VALI, rniv.QUAL):
                t1 = max(self._quand(), cree + timedelta(hours=1))
                justifs.append(Justificatif(usager=u, type=rng.choice(["PA", "CN", "CN", "LECV"]), haut_niveau=True,
                                            raison="Reprise", verifie_par_nom="admission", verifie_le=t1))
                hist.append(HistoriqueIdentite(usager=u, evenement="controle", ancien_statut="PROV",
                                               nouveau_statut="VALI", identifiant="admission", le=t1))
                if u.statut == rniv.QUAL:
                    hist.append(HistoriqueIdentite(usager=u, evenement="insi_accepte", ancien_statut="VALI",
                                                   nouveau_statut="QUAL", identifiant="admission",
                                                   le=t1 + timedelta(minutes=5), changements={"ins": ["", u.ins]}))
            elif u.statut == rniv.RECUP:
                hist.append(HistoriqueIdentite(usager=u, evenement="lot", ancien_statut="PROV", nouveau_statut="RECUP",
                                               identifiant="système", le=max(self._quand(), cree + timedelta(hours=1)),
                                               changements={"ins": ["", u.ins]}))
            elif u.statut == rniv.PROV and not u.douteuse and rng.random() < 0.08:
                anomalies.append(AnomalieIns(usager=u, etablissement=et, type=rng.choice(TYPES_ANOMALIE),
                                             creee_le=self._quand(), detail="Anomalie issue de la reprise (charge)"))
        Sejour.objects.bulk_create(sejours, batch_size=LOT)
        HistoriqueIdentite.objects.bulk_create(hist, batch_size=LOT)
        Justificatif.objects.bulk_create(justifs, batch_size=LOT)
        AnomalieIns.objects.bulk_create(anomalies, batch_size=LOT)

    # --- staff --------------------------------------------------------------------------------------------------

    def personnel(self, og: OrganismeGestionnaire, ets: list[Etablissement], nombre: int) -> None:
        rng = self.rng
        regles_personnel.preremplir_organisme(og)
        OrganisationRpps.objects.get_or_create(organisme=og)
        ctx = regles_personnel.contexte(og)
        pros: list[Professionnel] = []
        situations: list[tuple[int, SituationExercice]] = []
        cles: set[str] = set()
        for et, n in zip(ets, _repartir(nombre, [1.0] * len(ets)), strict=True):
            metiers = METIERS["pa" if et.categorie_code in PA else "ph"]
            fait = 0
            while fait < n:
                sexe = "F" if rng.random() < 0.78 else "M"
                prenoms = [p.title() for p in self.noms.liste_prenoms(sexe)]
                nom = self.noms.nom()
                naissance = date(rng.randint(1962, 2004), rng.randint(1, 12), rng.randint(1, 28))
                cle = cle_identite(nom, prenoms[0], naissance, sexe)
                if cle in cles:
                    continue
                cles.add(cle)
                fait += 1
                etranger = rng.random() < 0.06
                pro = Professionnel(
                    organisme=og, civilite="MME" if sexe == "F" else "M", nom_naissance=nom, prenoms=prenoms,
                    prenom_usuel=prenoms[0], sexe=sexe, date_naissance=naissance, cle=cle,
                    commune_naissance="" if etranger else rng.choice(COMMUNES_PRO),
                    pays_naissance=rng.choice(["99134", "99350", "99352"]) if etranger else "",
                    email=f"{sans_accents(prenoms[0]).lower()}.{len(pros)}.{og.finess}@charge.invalid",
                    mobile=f"0{rng.choice('67')}{rng.randint(0, 99999999):08d}")
                if sexe == "F" and rng.random() < 0.3:
                    pro.nom_usage = self.noms.nom()
                tirage = rng.random()
                if tirage < 0.04:
                    pro.commune_naissance = pro.pays_naissance = ""
                elif tirage < 0.06:
                    pro.mobile = f"04{rng.randint(0, 99999999):08d}"
                elif tirage < 0.07:
                    pro.email = ""
                elif tirage > 0.85:
                    self.n_rpps += 1
                    pro.rpps = avec_cle_luhn(f"1088{self.n_rpps:06d}")
                    pro.rpps_enregistre_le = self.now - timedelta(days=rng.randint(10, 600))
                    if rng.random() < 0.6:
                        pro.ecps_activee_le = (pro.rpps_enregistre_le + timedelta(days=rng.randint(2, 30))).date()
                    if rng.random() < 0.4:
                        pro.mssante = pro.email.replace("@charge.invalid", "@mssante.charge.invalid")
                if rng.random() < 0.5:
                    pro.identite_document = rng.choice(["CNI", "PASSEPORT", "TITRE_SEJOUR"])
                    pro.identite_verifiee_par, pro.identite_verifiee_le = "Service RH", self.jour - timedelta(days=60)
                pros.append(pro)
                metier = rng.choices([m for m, _ in metiers], weights=[w for _, w in metiers])[0]
                sites = [et]
                if rng.random() < 0.03 and len(ets) > 1:
                    sites.append(rng.choice([e for e in ets if e.pk != et.pk]))
                debut = date(rng.randint(2005, 2025), rng.randint(1, 12), 1)
                fin = self.jour - timedelta(days=rng.randint(10, 300)) if rng.random() < 0.04 else None
                role, genre = regles_personnel.proposer(metier, ctx)
                for site in sites:
                    situations.append((len(pros) - 1, SituationExercice(
                        etablissement=site, metier=metier, role=role, role_propose=role, genre_activite=genre,
                        genre_propose=genre, nom_exercice=pro.nom_usage or nom, prenom_exercice=prenoms[0],
                        date_prise_fonction=debut, date_fin=fin)))
        Professionnel.objects.bulk_create(pros, batch_size=LOT)
        for idx, s in situations:
            s.professionnel = pros[idx]
        SituationExercice.objects.bulk_create([s for _, s in situations], batch_size=LOT)

