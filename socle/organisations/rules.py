"""FINESS anomalies to report to the ARS / CD before contracting with the ANS (the ANS contract and the
RPPS+ structures are taken from FINESS: a wrong FINESS blocks everything downstream)."""

from collections import defaultdict
from dataclasses import dataclass

from socle.core.texte import sans_accents

from .models import Etablissement, EtatFiness, OrganismeGestionnaire


@dataclass
class Anomalie:
    code: str
    gravite: str  # "bloquant" or "a_signaler"
    objet: str  # FINESS number concerned
    message: str
    destinataire: str  # to whom it must be reported

    @property
    def libelle_gravite(self) -> str:
        return "Bloquant" if self.gravite == "bloquant" else "À signaler"


def _norm(text: str) -> str:
    text = sans_accents(text).upper()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def nom_contient_commune(nom: str, commune: str) -> bool:
    """ONELA advice: an ET's name should contain its town, so that people pick the right one in national
    directories (RPPS+, Annuaire, MSSanté). Compares without accents, case or hyphens; the commune may
    be the "ligne d'acheminement" (e.g. 'BOURG EN BRESSE'). The usual short form of a compound town counts
    ("AMBERIEU" for "AMBERIEU EN BUGEY"): its first significant word must be in the name."""
    n, c = _norm(nom), _norm(commune)
    if not c:
        return True
    if c in n:
        return True
    words = [w for w in c.split() if len(w) > 2 and w not in {"LES", "SUR", "SOUS", "LEZ", "SAINT", "SAINTE"}]
    return bool(words) and words[0] in n.split()


# Who corrects FINESS (ARS Île-de-France webinar, 24/04/2024): an ESMS under the ARS alone or under joint ARS/CD
# competence asks its ARS's délégation départementale; one under the conseil départemental alone asks the CD.
DD_ARS = "votre délégation départementale de l'ARS"
CD = "votre conseil départemental"
INCONNU = (f"{DD_ARS} (compétence ARS ou conjointe ARS/CD) ou {CD} (compétence du seul conseil "
           "départemental) : tutelle à préciser")


def _destinataire(et: Etablissement | None) -> str:
    if et is None:
        return INCONNU
    return {"ARS": DD_ARS, "conjointe": DD_ARS, "CD": CD}.get(et.tutelle, INCONNU)


def anomalies_organisme(og: OrganismeGestionnaire) -> list[Anomalie]:
    ets = list(og.etablissements.all())
    found: list[Anomalie] = []
    actifs = [e for e in ets if e.etat == EtatFiness.ACTIF]
    if og.etat == EtatFiness.INACTIF and actifs:
        for e in actifs:
            found.append(Anomalie(
                "et_actif_ej_ferme", "bloquant", e.finess,
                f"L'établissement {e.nom} ({e.finess}) est actif alors que son entité juridique {og.finess} est "
                f"fermée{f' depuis le {og.date_fermeture:%d/%m/%Y}' if og.date_fermeture else ''} : "
                "rattachement à une nouvelle EJ à faire enregistrer.", _destinataire(e)))
    if not actifs and og.etat == EtatFiness.ACTIF:
        found.append(Anomalie("ej_sans_et", "bloquant", og.finess,
                              f"L'entité juridique {og.raison_sociale} ({og.finess}) n'a aucun établissement actif "
                              "dans FINESS : le contrat ANS se signe bien au niveau du FINESS juridique, mais "
                              "l'enregistrement des professionnels dans RPPS+ et les lecteurs se rattachent à un "
                              "FINESS géographique (ET).", _destinataire(None)))
    if og.etat == EtatFiness.INACTIF and not ets:
        found.append(Anomalie("ej_fermee_sans_et", "a_signaler", og.finess,
                              f"L'entité juridique {og.finess} est fermée et sans établissement : vérifier qu'elle "
                              "n'est plus utilisée (contrat ANS, cartes CPx).", _destinataire(None)))
    for e in actifs:
        if not nom_contient_commune(e.nom, e.commune):
            found.append(Anomalie(
                "nom_sans_commune", "a_signaler", e.finess,
                f"Le nom « {e.nom} » ne contient pas sa commune ({e.commune}) : il sera difficile à reconnaître "
                "dans les annuaires nationaux (conseil ONELA : « EHPAD Les Tilleuls – Ville »).", _destinataire(e)))
        if e.categorie_obsolete:
            found.append(Anomalie(
                "categorie_obsolete", "a_signaler", e.finess,
                f"{e.nom} porte la catégorie {e.categorie_code} ({e.categorie}) supprimée de la nomenclature, "
                f"remplacée par {e.categorie_obsolete}.", _destinataire(e)))
    by_name = defaultdict(list)
    for e in actifs:
        by_name[_norm(e.nom)].append(e)
    for _name, same in by_name.items():
        if len(same) > 1:
            numbers = ", ".join(x.finess for x in same)
            for e in same:
                found.append(Anomalie("nom_en_double", "a_signaler", e.finess,
                                      f"Plusieurs établissements actifs portent le nom « {e.nom} » ({numbers}).",
                                      _destinataire(e)))
    for e in ets:
        if e.etat == EtatFiness.INACTIF and _encore_utilise(e):
            found.append(Anomalie(
                "et_ferme_utilise", "bloquant", e.finess,
                f"L'établissement {e.nom} ({e.finess}) est fermé dans FINESS mais encore utilisé dans Socle "
                "(personnel, usagers ou habilitations).", _destinataire(e)))
    return found


def _encore_utilise(et: Etablissement) -> bool:
    """Closed ET still referenced by live data: any reverse relation from another app with rows."""
    for rel in et._meta.related_objects:
        if rel.related_model._meta.app_label == "organisations":
            continue
        accessor = rel.get_accessor_name()
        manager = getattr(et, accessor, None)
        if manager is not None and hasattr(manager, "exists") and manager.exists():
            return True
    return False
