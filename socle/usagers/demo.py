"""Demo usagers: ~2 000 obviously fictitious people ("DEMO…" names) over the demo ESMS, in the four statuses,
with weeks of history (dashboard trend), a few anomalies and planted duplicates, and the matching national
identities written for the local INSi stand-in (≈70 % of the not-yet-qualified would qualify).

Deterministic (ctx.rng), idempotent (previous demo usagers are removed first), bulk-created."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from socle.connecteurs.insi.standin import publier_identites
from socle.core.identifiants import nir_key
from socle.core.naissance import DateLunaire

from . import rniv
from .models import (
    AnomalieIns,
    Fusion,
    HistoriqueIdentite,
    Justificatif,
    LotQualification,
    Sejour,
    TypeAnomalie,
    Usager,
)

REF = "demo:"
SYLLABES = ["LIN", "BERT", "CAZE", "RIVE", "TOUR", "MONT", "LAC", "VAL", "PRE", "BOIS", "FONT", "GRAND", "PETI",
            "ROCHE", "MARE", "SAULE", "CHENE", "PIN", "ORME", "BRUN"]
PRENOMS_F = ["ALICE", "BERTHE", "CLARA", "DENISE", "ELISE", "FLORE", "GINETTE", "HELENE", "IRENE", "JULIE",
             "LOUISE", "MARIE", "NADINE", "ODETTE", "PAULINE", "ROSE"]
PRENOMS_M = ["ALBAN", "BASILE", "CYRIL", "DIDIER", "EMILE", "FIRMIN", "GASTON", "HUGO", "ISIDORE", "JULES",
             "LUCIEN", "MARCEL", "NOEL", "OSCAR", "PAUL", "RENE"]
LIEUX = ["69123", "69266", "69029", "01053", "42218", "69264", "75056", "13055", "38185", "99350", "99134"]
# commune nouvelle cases: typed (old) code -> current code answered by the stand-in
FUSIONS_COMMUNES = {"01053": "01999", "69264": "69998", "42218": "42997"}
AGES = {"500": (1922, 1946), "202": (1925, 1950), "207": (1925, 1950), "354": (1925, 1955), "460": (1925, 1960),
        "209": (1925, 1960), "183": (2006, 2020), "182": (2008, 2021), "186": (2008, 2018), "190": (2019, 2024),
        "189": (2008, 2020)}


def _nettoyer() -> None:
    demo = Usager.objects.filter(reference_externe__startswith=REF)
    Fusion.objects.filter(source__in=demo).delete()
    Fusion.objects.filter(cible__in=demo).delete()
    demo.update(fusionne_dans=None)
    AnomalieIns.objects.filter(usager__in=demo).delete()
    LotQualification.objects.filter(lignes__usager__in=demo).distinct().delete()
    for model in (HistoriqueIdentite, Justificatif, Sejour):
        model.objects.filter(usager__in=demo).delete()
    demo.delete()


def _matricule(sexe: str, d: date, lieu: str, ordre: int, pris: set) -> tuple[str, str]:
    while True:
        body = f"{1 if sexe == 'M' else 2}{d:%y%m}{lieu}{ordre % 1000:03d}"
        if body not in pris:
            pris.add(body)
            return body, f"{nir_key(body):02d}"
        ordre += 1


def peupler(ctx) -> None:
    rng = ctx.rng
    _nettoyer()
    now = timezone.now()
    ets = list(ctx.etablissements)
    saad = next((e for e in ets[:8] if e.categorie_code == "460"), ets[0])
    nombre = {e.pk: 52 for e in ets}
    nombre[saad.pk] = 420  # the SAAD's backlog of existing users to qualify
    nombre[ets[0].pk] = 80
    pris: set[str] = set()
    usagers, nationales, plan = [], [], []
    n = 0
    for et in ets:
        lo, hi = AGES.get(et.categorie_code, (1950, 2002))
        for _ in range(nombre[et.pk]):
            n += 1
            sexe = rng.choice("FM")
            prenoms = rng.sample(PRENOMS_F if sexe == "F" else PRENOMS_M, rng.choice((1, 1, 2, 2, 3)))
            nom = "DEMO" + rng.choice(SYLLABES) + rng.choice(SYLLABES)
            d = date(rng.randint(lo, hi), rng.randint(1, 12), rng.randint(1, 28))
            lieu = rng.choice(LIEUX)
            r = rng.random()
            if et.pk == saad.pk:
                statut = "QUAL" if r < 0.10 else ("RECUP" if r < 0.14 else "PROV")
            else:
                statut = "QUAL" if r < 0.45 else ("RECUP" if r < 0.55 else ("VALI" if r < 0.65 else "PROV"))
            # how the national base answers for this person
            r2 = rng.random()
            cas = "ok" if statut in ("QUAL", "RECUP") or r2 < 0.70 else (
                "absent" if r2 < 0.82 else ("commune" if r2 < 0.92 and lieu in FUSIONS_COMMUNES else "prenoms"))
            if cas == "prenoms" and len(prenoms) == 1:
                cas = "absent"
            mat, cle = _matricule(sexe, d, lieu, n, pris)
            admission = (now - timedelta(days=rng.randint(100, 2000))).date()
            u = Usager(organisme=et.organisme, nom_naissance=nom, prenoms_naissance=" ".join(prenoms),
                       premier_prenom=prenoms[0], date_naissance=d, sexe=sexe, lieu_naissance=lieu, statut=statut,
                       nom_utilise=("DEMOEPOUSE" + rng.choice(SYLLABES)) if sexe == "F" and rng.random() < 0.2 else "",
                       reference_externe=f"{REF}{n}")
            if statut in ("QUAL", "RECUP"):
                u.matricule_ins, u.cle_ins, u.oid_ins = mat, cle, rniv.OID_NIR
                u.date_appel_insi = now - timedelta(days=rng.randint(1, 70))
            usagers.append(u)
            plan.append((et, admission, cas))
            fiche = {"matricule": mat, "cle": cle, "nom_naissance": nom, "prenoms": prenoms, "sexe": sexe,
                     "date_naissance": d.isoformat(), "lieu_naissance": lieu}
            if cas == "ok":
                nationales.append(fiche)
            elif cas == "commune":
                nationales.append({**fiche, "lieu_naissance": FUSIONS_COMMUNES[lieu], "anciens_lieux": [lieu]})
            elif cas == "prenoms":
                autre = [p for p in (PRENOMS_F if sexe == "F" else PRENOMS_M) if p not in prenoms][0]
                nationales.append({**fiche, "prenoms": [prenoms[0], autre]})
    # an easy one for the admission persona: EHPAD n°0, provisoire, found by INSi
    u = usagers[0]
    u.nom_naissance, u.prenoms_naissance, u.premier_prenom, u.sexe = "DEMOLIN", "ALICE MARIE", "ALICE", "F"
    u.statut, u.matricule_ins, u.cle_ins, u.oid_ins, u.date_appel_insi = "PROV", "", "", "", None
    plan[0] = (plan[0][0], plan[0][1], "ok")
    mat, cle = _matricule("F", u.date_naissance, u.lieu_naissance, 999, pris)
    nationales.append({"matricule": mat, "cle": cle, "nom_naissance": "DEMOLIN", "prenoms": ["ALICE", "MARIE"],
                       "sexe": "F", "date_naissance": u.date_naissance.isoformat(), "lieu_naissance": u.lieu_naissance})
    # planted duplicates within OG 0 (typo in the name, same birth date)
    og0_idx = [i for i, (et, _a, _c) in enumerate(plan) if et.organisme_id == ctx.organismes[0].pk][5:11]
    for i in og0_idx:
        src = usagers[i]
        dup = Usager(organisme=src.organisme, nom_naissance=src.nom_naissance[:-1] + "E",
                     prenoms_naissance=src.premier_prenom, premier_prenom=src.premier_prenom,
                     date_naissance=src.date_naissance, sexe=src.sexe, lieu_naissance=src.lieu_naissance,
                     statut="PROV", reference_externe=f"{REF}doublon-{i}")
        usagers.append(dup)
        plan.append((plan[i][0], plan[i][1], "absent"))
    # a lunar birth date (born in Morocco, only the year known): INSi answers 1962-00-00, kept as given [R-DN-02]
    usagers.append(Usager(organisme=plan[0][0].organisme, nom_naissance="DEMOLUNAIRE", premier_prenom="AMINA",
                          prenoms_naissance="AMINA FATIMA", date_naissance=DateLunaire(1962, 0, 0), sexe="F",
                          lieu_naissance="99350", statut="PROV", reference_externe=f"{REF}lunaire"))
    plan.append((plan[0][0], plan[0][1], "ok"))
    nationales.append({"matricule": "2622099350101", "nom_naissance": "DEMOLUNAIRE", "prenoms": ["AMINA", "FATIMA"],
                       "sexe": "F", "date_naissance": "1962-00-00", "lieu_naissance": "99350"})
    Usager.objects.bulk_create(usagers, batch_size=1000)
    if usagers[0].pk is None:  # backends without RETURNING
        par_ref = dict(Usager.objects.filter(reference_externe__startswith=REF).values_list("reference_externe", "pk"))
        for x in usagers:
            x.pk = par_ref[x.reference_externe]

    sejours, hist, justifs, anomalies = [], [], [], []
    types_anomalie = {"absent": TypeAnomalie.NON_TROUVEE, "commune": TypeAnomalie.COMMUNE_NOUVELLE,
                      "prenoms": TypeAnomalie.PRENOMS}
    for u, (et, admission, cas) in zip(usagers, plan, strict=True):
        sortie = admission + timedelta(days=300) if rng.random() < 0.04 and u.statut == "PROV" else None
        sejours.append(Sejour(usager=u, etablissement=et, date_admission=admission, date_sortie=sortie))
        cree = timezone.make_aware(datetime.combine(admission, datetime.min.time())) + timedelta(hours=9)
        hist.append(HistoriqueIdentite(usager=u, evenement="creation", ancien_statut="", nouveau_statut="PROV",
                                       identifiant="reprise", le=cree, motif="Reprise de l'ancien logiciel"))
        # the trend: qualification events spread over the last 10 weeks, more recent ones more frequent
        def quand():
            return now - timedelta(days=int(70 * (rng.random() ** 1.5)), hours=rng.randint(0, 8))
        if u.statut == "VALI" or u.statut == "QUAL":
            t1 = quand()
            justifs.append(Justificatif(usager=u, type=rng.choice(["PA", "CN", "CN", "LECV"]), haut_niveau=True,
                                        raison="Reprise", verifie_par_nom="admission", verifie_le=t1))
            hist.append(HistoriqueIdentite(usager=u, evenement="controle", ancien_statut="PROV",
                                           nouveau_statut="VALI", identifiant="admission", le=t1,
                                           changements={"justificatif": [None, "Pièce d'identité"]}))
            if u.statut == "QUAL":
                hist.append(HistoriqueIdentite(usager=u, evenement="insi_accepte", ancien_statut="VALI",
                                               nouveau_statut="QUAL", identifiant="admission",
                                               le=t1 + timedelta(minutes=5),
                                               changements={"ins": ["", u.ins]}))
        elif u.statut == "RECUP":
            hist.append(HistoriqueIdentite(usager=u, evenement="lot", ancien_statut="PROV", nouveau_statut="RECUP",
                                           identifiant="système", le=quand(), changements={"ins": ["", u.ins]}))
        if u.statut != "QUAL" and cas in types_anomalie and rng.random() < 0.12:
            anomalies.append(AnomalieIns(usager=u, etablissement=et, type=types_anomalie[cas], creee_le=quand(),
                                         detail="Anomalie issue de la reprise (démo)"))
    Sejour.objects.bulk_create(sejours, batch_size=2000)
    HistoriqueIdentite.objects.bulk_create(hist, batch_size=2000)
    Justificatif.objects.bulk_create(justifs, batch_size=2000)
    AnomalieIns.objects.bulk_create(anomalies, batch_size=2000)
    for i in range(3):  # a few attributes
        Usager.objects.filter(pk=usagers[30 + i].pk).update(homonyme=True)
    Usager.objects.filter(pk=usagers[40].pk).update(douteuse=True, statut="PROV", matricule_ins="", cle_ins="",
                                                     oid_ins="")

    chemin = publier_identites(nationales)  # followed by every stand-in process (socle.connecteurs.insi)
    ctx.notes.append(f"Usagers : {len(usagers)} usagers fictifs (noms DEMO…), {len(anomalies)} anomalies INS ; "
                     f"{len(nationales)} identités nationales pour le bouchon INSi ({chemin}).")
    ctx.notes.append(f"Usagers : connectez-vous « admission » et qualifiez DEMOLIN ALICE ou DEMOLUNAIRE AMINA, née le "
                     f"00/00/1962 ({ets[0].nom}) ; "
                     f"lot INSi : `socle ins qualify --establishment {saad.finess}`.")
