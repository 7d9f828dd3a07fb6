"""Demo grappe: the fictitious "GCSMS Les Vallées du Rhône", 4 OG, 30 ESMS of several categories.
Names are obviously fictitious ("Démo"); FINESS numbers are built with a correct check digit."""

from datetime import date

from socle.core.identifiants import avec_cle_luhn

from .categories import CATEGORIES
from .models import Etablissement, EtatFiness, Grappe, OrganismeGestionnaire


def numero_finess(dept: str, og: int, et: int = 0) -> str:
    """Fictitious FINESS: department, the OG's number, the ESMS's rank (00 for the OG), Luhn key."""
    return avec_cle_luhn(f"{dept}{og:04d}{et:02d}")


OG = [
    # (dept, seq, raison sociale, commune, code commune, statut, ESMS: (categorie, nom, commune, code))
    ("69", 9001, "ASSOCIATION DÉMO LES TILLEULS", "LYON", "69381", "60", [
        ("500", "EHPAD DÉMO LES TILLEULS - LYON", "LYON", "69381"),
        ("500", "EHPAD DÉMO LE CLOS FLEURI - VILLEURBANNE", "VILLEURBANNE", "69266"),
        ("500", "EHPAD DÉMO BEAUSOLEIL - BRON", "BRON", "69029"),
        ("354", "SSIAD DÉMO LES TILLEULS - LYON", "LYON", "69381"),
        ("460", "SAAD DÉMO AIDE À DOMICILE - VÉNISSIEUX", "VÉNISSIEUX", "69259"),
        ("209", "SAAS DÉMO RHÔNE NORD - CALUIRE ET CUIRE", "CALUIRE ET CUIRE", "69034"),
        ("207", "ACCUEIL DE JOUR DÉMO LES TILLEULS - LYON", "LYON", "69381"),
        ("202", "RÉSIDENCE AUTONOMIE DÉMO - OULLINS", "OULLINS", "69149"),
    ]),
    ("69", 9002, "FONDATION DÉMO ENFANCE ET HANDICAP", "VILLEFRANCHE SUR SAONE", "69264", "63", [
        ("183", "IME DÉMO LES COLLINES - VILLEFRANCHE SUR SAONE", "VILLEFRANCHE SUR SAONE", "69264"),
        ("183", "IME DÉMO LE PETIT PRINCE - TARARE", "TARARE", "69243"),
        ("182", "SESSAD DÉMO LES COLLINES - VILLEFRANCHE SUR SAONE", "VILLEFRANCHE SUR SAONE", "69264"),
        ("182", "SESSAD DÉMO BEAUJOLAIS - BELLEVILLE EN BEAUJOLAIS", "BELLEVILLE EN BEAUJOLAIS", "69019"),
        ("186", "ITEP DÉMO L'ENVOL - GLEIZE", "GLEIZE", "69092"),
        ("190", "CAMSP DÉMO PREMIERS PAS - VILLEFRANCHE SUR SAONE", "VILLEFRANCHE SUR SAONE", "69264"),
        ("189", "CMPP DÉMO - TARARE", "TARARE", "69243"),
        ("437", "FAM DÉMO LES GRANDS CHÊNES", "ANSE", "69009"),
    ]),
    ("01", 9003, "ASSOCIATION DÉMO TRAVAIL ET VIE", "BOURG EN BRESSE", "01053", "60", [
        ("246", "ESAT DÉMO LES ATELIERS DE L'AIN - BOURG EN BRESSE", "BOURG EN BRESSE", "01053"),
        ("246", "ESAT DÉMO HORIZON - AMBERIEU EN BUGEY", "AMBERIEU EN BUGEY", "01004"),
        ("255", "MAS DÉMO LE VAL - BOURG EN BRESSE", "BOURG EN BRESSE", "01053"),
        ("448", "EAM DÉMO LES SAULES - PERONNAS", "PERONNAS", "01289"),
        ("449", "EANM DÉMO FOYER DE VIE - VIRIAT", "VIRIAT", "01451"),
        ("446", "SAVS DÉMO - BOURG EN BRESSE", "BOURG EN BRESSE", "01053"),
        ("445", "SAMSAH DÉMO - BOURG EN BRESSE", "BOURG EN BRESSE", "01053"),
        ("252", "FOYER D'HÉBERGEMENT DÉMO LA SOURCE", "BOURG EN BRESSE", "01053"),
    ]),
    ("42", 9004, "CCAS DÉMO DE SAINT-ÉTIENNE", "SAINT ETIENNE", "42218", "17", [
        ("500", "EHPAD DÉMO LA CHANTERELLE - SAINT ETIENNE", "SAINT ETIENNE", "42218"),
        ("500", "EHPAD DÉMO LES GENÊTS - SAINT ETIENNE", "SAINT ETIENNE", "42218"),
        ("460", "SAAD DÉMO CCAS - SAINT ETIENNE", "SAINT ETIENNE", "42218"),
        ("354", "SSIAD DÉMO CCAS - SAINT ETIENNE", "SAINT ETIENNE", "42218"),
        ("202", "RÉSIDENCE AUTONOMIE DÉMO - SAINT ETIENNE", "SAINT ETIENNE", "42218"),
        ("202", "RÉSIDENCE AUTONOMIE DÉMO - SAINT ETIENNE", "SAINT ETIENNE", "42218"),
    ]),
]


def peupler(ctx) -> None:
    grappe, _ = Grappe.objects.update_or_create(
        nom="GCSMS Démo Les Vallées du Rhône", defaults={"type": Grappe.Type.GCSMS})
    for i, (dept, seq, raison, commune, code, statut, ets) in enumerate(OG):
        og, _ = OrganismeGestionnaire.objects.update_or_create(
            finess=numero_finess(dept, seq),
            defaults={"raison_sociale": raison, "commune": commune, "code_commune": code, "statut_juridique": statut,
                      "code_postal": code[:2] + "000", "adresse": f"{i + 1} RUE DE LA DÉMONSTRATION",
                      "etat": EtatFiness.ACTIF, "date_creation": date(1990 + i, 1, 1)})
        if i == 0:
            grappe.porteur = og
            grappe.save()
        grappe.membres.add(og)
        ctx.organismes.append(og)
        for j, (cat, nom, ville, insee) in enumerate(ets, start=1):
            categorie = CATEGORIES[cat]
            et, _ = Etablissement.objects.update_or_create(
                finess=numero_finess(dept, seq, j),
                defaults={"organisme": og, "nom": nom, "categorie_code": cat, "categorie_libelle": categorie.libelle,
                          "tutelle": categorie.tutelle, "commune": ville, "code_commune": insee,
                          "code_postal": insee[:2] + "000", "departement": dept, "adresse": f"{j} AVENUE DES ESSAIS",
                          "etat": EtatFiness.ACTIF, "date_ouverture": date(1995 + j, 1 + j % 12, 1)})
            ctx.etablissements.append(et)
    ctx.grappe = grappe
