"""Demo staff: ~1 400 obviously fictitious people (surnames ending in "-DEMO", e-mails @demo.invalid) over the
30 demo ESMS, with valid data, some already in the RPPS (valid Luhn key), some with planted errors (missing
birthplace, landline instead of a mobile, missing e-mail, unknown métier), a few leavers, a few people working in
two ESMS, and a gestionnaire RPPS+ who has left. Rebuilt from scratch at each run (deterministic, bulk)."""

import random
from datetime import date, datetime, timedelta

from django.utils import timezone

from socle.comptes.models import Fonction, Habilitation, Utilisateur
from socle.core.identifiants import avec_cle_luhn
from socle.core.texte import sans_accents

from . import rules
from .models import OrganisationRpps, Professionnel, SituationExercice, cle_identite

NOMS = ["ABRICOT", "BALUCHON", "CAPUCINE", "DRAGEE", "ECLAIR", "FARANDOLE", "GUIMAUVE", "HIRONDELLE", "IRIS",
        "JONQUILLE", "KIWI", "LAVANDE", "MIRABELLE", "NOISETTE", "OLIVETTE", "PRALINE", "QUETSCHE", "RHUBARBE",
        "SERPOLET", "TOURNESOL", "ULYSSE", "VERVEINE", "WAPITI", "XYLOPHONE", "YAOURT", "ZEPHYR", "BRIOCHE",
        "CANNELLE", "DIABOLO", "ESCARGOT", "FLAN", "GRENADINE", "HOUBLON", "ICEBERG", "JUJUBE", "KAYAK",
        "LOUKOUM", "MACARON", "NOUGAT", "ORGEAT", "PISTACHE", "QUINOA", "RADIS", "SORBET", "TAPIOCA", "VANILLE"]
PRENOMS_F = ["Camille", "Léa", "Chloé", "Inès", "Manon", "Sarah", "Zoé", "Louise", "Jade", "Emma", "Nadia",
             "Fatou", "Hélène", "Agathe", "Maëlle", "Noémie", "Salomé", "Anaïs", "Yasmine", "Élodie"]
PRENOMS_M = ["Lucas", "Hugo", "Nathan", "Karim", "Théo", "Louis", "Adam", "Jules", "Mathis", "Noé", "Rayan",
             "Bastien", "Étienne", "Yanis", "Gaël", "Mamadou", "Quentin", "Rémi", "Samuel", "Victor"]
COMMUNES = ["69381", "69382", "69266", "01053", "42218", "75056", "13055", "31555", "59350", "38185", "2A004"]
PAYS = ["99134", "99350", "99352", "99139", "99109"]
TAILLE = {"500": 80, "255": 70, "183": 60, "246": 45, "437": 50, "448": 50, "449": 50}
METIERS_PAR_SECTEUR = {
    "pa": [("Aide soignant", 30), ("Accompagnant éducatif et social", 18), ("Agent administratif", 6),
           ("Infirmier", 10), ("Animateur", 4), ("Surveillant de nuit", 5), ("Maîtresse de maison", 4),
           ("Chef(fe) de Service", 3), ("Directrice", 1), ("Cadre de santé", 2), ("Psychologue", 2),
           ("Ergothérapeute", 1), ("Agent de service hospitalier", 4)],
    "ph": [("Educateur Spécialisé", 20), ("Moniteur Educateur", 14), ("Accompagnant éducatif et social", 16),
           ("Aide soignant", 8), ("Moniteur d'atelier", 8), ("Educateur technique", 4), ("Agent administratif", 6),
           ("Psychomotricien", 3), ("Psychologue", 3), ("Assistante sociale", 2), ("Infirmière", 4),
           ("Surveillant de nuit", 4), ("Maître(sse) de maison", 3), ("Chef de service", 3), ("Directeur", 1),
           ("Educateur sportif", 2), ("Agent de service hospitalier", 3)],
}
PH = {"183", "182", "186", "188", "189", "190", "246", "255", "437", "448", "449", "446", "445", "252"}


def rpps_fictif(n: int) -> str:
    return avec_cle_luhn(f"1099{n:06d}")


def _choix(rng: random.Random, pondere: list[tuple[str, int]]) -> str:
    return rng.choices([m for m, _ in pondere], weights=[w for _, w in pondere])[0]


def peupler(ctx) -> None:
    rng = random.Random(20261126)
    organismes = ctx.organismes
    Professionnel.objects.filter(organisme__in=organismes).delete()
    for i, og in enumerate(organismes):
        rules.preremplir_organisme(og)
        OrganisationRpps.objects.update_or_create(organisme=og, defaults={
            "mode": OrganisationRpps.Mode.DECENTRALISE if i == 1 else OrganisationRpps.Mode.CENTRALISE})
    contextes = {og.pk: rules.contexte(og) for og in organismes}
    aujourd_hui = date.today()
    pros: list[Professionnel] = []
    situations: list[tuple[int, SituationExercice]] = []
    cles: set[tuple[int, str]] = set()
    n_rpps = 0
    for et in ctx.etablissements:
        og = et.organisme
        metiers = METIERS_PAR_SECTEUR["ph" if et.categorie_code in PH else "pa"]
        for _ in range(TAILLE.get(et.categorie_code, 30)):
            sexe = "F" if rng.random() < 0.78 else "M"
            prenoms = rng.sample(PRENOMS_F if sexe == "F" else PRENOMS_M, k=rng.choice([1, 2, 2, 3]))
            nom = f"{rng.choice(NOMS)}-DEMO"
            naissance = date(rng.randint(1962, 2003), rng.randint(1, 12), rng.randint(1, 28))
            cle = cle_identite(nom, prenoms[0], naissance, sexe)
            if (og.pk, cle) in cles:
                continue
            cles.add((og.pk, cle))
            marie = sexe == "F" and rng.random() < 0.3
            etranger = rng.random() < 0.06
            tirage = rng.random()
            pro = Professionnel(
                organisme=og, civilite="MME" if sexe == "F" else "M", nom_naissance=nom,
                nom_usage=f"{rng.choice(NOMS)}-DEMO" if marie else "", prenoms=prenoms,
                prenom_usuel=prenoms[0], sexe=sexe, date_naissance=naissance,
                commune_naissance="" if etranger else rng.choice(COMMUNES), pays_naissance=rng.choice(PAYS) if etranger
                else "",
                email=f"{sans_accents(prenoms[0]).lower()}.{nom.lower()}{len(pros)}@demo.invalid",
                mobile=f"0{rng.choice('67')}{rng.randint(0, 99999999):08d}", cle=cle)
            if tirage < 0.04:  # planted: birthplace missing
                pro.commune_naissance = pro.pays_naissance = ""
            elif tirage < 0.06:  # planted: landline instead of a mobile
                pro.mobile = f"04{rng.randint(0, 99999999):08d}"
            elif tirage < 0.07:  # planted: no e-mail
                pro.email = ""
            elif tirage > 0.88:  # already registered
                n_rpps += 1
                pro.rpps = rpps_fictif(n_rpps)
                pro.rpps_enregistre_le = timezone.make_aware(datetime(2025, 1, 1) + timedelta(days=rng.randint(0, 500)))
                if rng.random() < 0.6:
                    pro.ecps_activee_le = pro.rpps_enregistre_le.date() + timedelta(days=rng.randint(2, 30))
                if rng.random() < 0.3:
                    pro.carte_type, pro.carte_numero = "CPE", f"{rng.randint(0, 9999999999):010d}"
                if rng.random() < 0.4:
                    pro.mssante = pro.email.replace("@demo.invalid", "@demo.mssante.invalid")
            if rng.random() < 0.5:
                pro.identite_document = rng.choice(["CNI", "PASSEPORT", "TITRE_SEJOUR"])
                pro.identite_verifiee_par, pro.identite_verifiee_le = "Service RH (démo)", date(2026, 1, 15)
            pros.append(pro)
            metier = _choix(rng, metiers)
            sites = [et]
            if rng.random() < 0.03:
                autres = [e for e in ctx.etablissements if e.organisme_id == og.pk and e.pk != et.pk]
                if autres:
                    sites.append(rng.choice(autres))
            debut = date(rng.randint(2005, 2025), rng.randint(1, 12), 1)
            fin = aujourd_hui - timedelta(days=rng.randint(10, 300)) if rng.random() < 0.04 else None
            for site in sites:
                role, genre = rules.proposer(metier, contextes[og.pk])
                s = SituationExercice(etablissement=site, metier=metier, role=role, role_propose=role,
                                      genre_activite=genre, genre_propose=genre,
                                      nom_exercice=pro.nom_usage or nom, prenom_exercice=prenoms[0],
                                      date_prise_fonction=debut, date_fin=fin)
                if role == "312" and genre == "GENR12" and rng.random() < 0.5:
                    s.role, s.motif_forcage = "333", "responsable de secteur du service d'aide à domicile"
                situations.append((len(pros) - 1, s))
    Professionnel.objects.bulk_create(pros, batch_size=500)
    for idx, s in situations:
        s.professionnel = pros[idx]
    SituationExercice.objects.bulk_create([s for _, s in situations], batch_size=500)
    _gestionnaire_parti(ctx)
    _infirmiere_psc(ctx)
    ctx.notes.append(f"Personnel : {len(pros)} professionnels fictifs, dont {n_rpps} déjà au RPPS "
                     "(tableau RPPS+ : compte « rh »).")


def _gestionnaire_parti(ctx) -> None:
    """A gestionnaire RPPS+ of the second OG whose habilitation ended: the board must warn about it."""
    user, _ = Utilisateur.objects.get_or_create(username="ancien-rh", defaults={
        "first_name": "Paul", "last_name": "DÉMO-ANCIEN-RH", "email": "ancien-rh@demo.invalid", "is_active": False})
    user.is_active = False
    user.set_unusable_password()
    user.save()
    user.habilitations.all().delete()
    et = next(e for e in ctx.etablissements if e.organisme_id == ctx.organismes[1].pk)
    Habilitation.objects.create(utilisateur=user, fonction=Fonction.GESTIONNAIRE_RPPS, etablissement=et,
                                date_debut=date(2024, 1, 1), date_fin=date(2025, 12, 31))


def _infirmiere_psc(ctx) -> None:
    """A nurse registered in the RPPS who works in two EHPAD of the first OG: she signs in with Pro Santé Connect
    (the demo's stand-in) and picks her EHPAD for the session."""
    og = ctx.organismes[0]
    ehpad = [e for e in ctx.etablissements if e.organisme_id == og.pk and e.categorie_code == "500"][:2]
    if len(ehpad) < 2:
        ehpad = [e for e in ctx.etablissements if e.organisme_id == og.pk][:2]
    naissance = date(1988, 6, 14)
    pro = Professionnel.objects.create(
        organisme=og, civilite="MME", nom_naissance="INFIRMIERE-PSC-DEMO", prenoms=["Claire"], prenom_usuel="Claire",
        sexe="F", date_naissance=naissance, commune_naissance="69381", email="claire.infirmiere@demo.invalid",
        mobile="0612345678", rpps=rpps_fictif(990001), rpps_enregistre_le=timezone.make_aware(datetime(2025, 3, 3)),
        ecps_activee_le=date(2025, 3, 10), cle=cle_identite("INFIRMIERE-PSC-DEMO", "Claire", naissance, "F"))
    for et in ehpad:
        SituationExercice.objects.create(professionnel=pro, etablissement=et, metier="Infirmière", profession="60",
                                         nom_exercice="INFIRMIERE-PSC-DEMO", prenom_exercice="Claire",
                                         date_prise_fonction=date(2024, 1, 1))
    ctx.notes.append(f"Pro Santé Connect (bouchon local) : « Se connecter avec Pro Santé Connect », identité "
                     f"« Claire INFIRMIERE-PSC-DEMO » (8{pro.rpps}), infirmière dans {len(ehpad)} EHPAD.")
