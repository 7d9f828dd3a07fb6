"""How the four RNIV identity statuses look on every screen (usagers, pilotage): one label, one colour and one
badge each, defined here only, so that a status reads the same wherever it is shown.

The labels are RNIV's own (`rniv.LIBELLES`, rule R-AF-01). The colours follow the badges of socle.css: red for a
provisional identity, teal for a recovered one, amber for a validated one, green for a qualified one."""

from __future__ import annotations

from socle.core import couleurs
from socle.referentiels import cog

from . import rniv

COULEURS = {rniv.PROV: couleurs.ROUGE, rniv.RECUP: couleurs.SARCELLE, rniv.VALI: couleurs.AMBRE,
            rniv.QUAL: couleurs.VERT}
BADGES = {rniv.PROV: "alerte", rniv.RECUP: "info", rniv.VALI: "attention", rniv.QUAL: "ok"}
COULEUR_INCONNUE = couleurs.INCONNU


def couleur(statut: str) -> str:
    return COULEURS.get(statut, COULEUR_INCONNUE)


def badge(statut: str) -> str:
    """The CSS class of the status badge (`.badge.ok`…); an unknown status is shown as an alert."""
    return BADGES.get(statut, "alerte")


def statuts() -> list[dict[str, str]]:
    """The four statuses in RNIV order, each with its code, label, colour and badge (legends of the charts)."""
    return [{"code": s, "libelle": rniv.LIBELLES[s], "couleur": COULEURS[s], "badge": BADGES[s]}
            for s in rniv.STATUTS]


# --- the record's history, in words for people ---------------------------------------------------------------

LIBELLES_CHANGEMENTS = {
    **{k: v[0].upper() + v[1:] for k, v in rniv.LIBELLES_TRAITS.items()},
    "ins": "INS (matricule et clé)", "oid_ins": "Nature de l'INS", "matricule_ins": "Matricule INS",
    "cle_ins": "Clé de l'INS", "justificatif": "Justificatif vérifié", "haut_niveau": "Haut niveau de confiance",
    "douteuse": "Identité douteuse", "fictive": "Identité fictive", "homonyme": "Identité homonyme",
    "reponse_insi": "Réponse INSi rejetée", "fusionne_dans": "Fusionné dans", "fusion_de": "A reçu l'usager",
    "sejours": "Accompagnements", "sejours_recus": "Accompagnements reçus", "fusion": "Fusion",
    "accompagnement": "Accompagnement",
}
_SEXES = {"F": "Féminin", "M": "Masculin", "I": "Indéterminé"}


def valeur_lisible(cle: str, valeur) -> str:
    """One recorded value as a person reads it: Oui/Non, dates dd/mm/yyyy, the OID named (INS-NIR), the
    birthplace named, the sex spelled out, an INSi answer summarised; "—" for nothing."""
    if valeur is None or valeur == "" or valeur == []:
        return "—"
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if cle == "oid_ins":
        return rniv.NATURES_OID.get(str(valeur), str(valeur))
    if cle == "lieu_naissance":
        return cog.libelle(str(valeur))
    if cle == "sexe":
        return _SEXES.get(str(valeur), str(valeur))
    if cle == "date_naissance" and isinstance(valeur, str) and len(valeur) == 10 and valeur[4] == "-":
        return f"{valeur[8:10]}/{valeur[5:7]}/{valeur[0:4]}"
    if cle in ("fusionne_dans", "fusion_de"):
        return f"usager n° {valeur}"
    if cle == "reponse_insi" and isinstance(valeur, dict):
        traits = " ".join(str(valeur.get(k) or "") for k in ("nom_naissance", "prenoms_naissance")).strip()
        parts = [f"INS {valeur.get('matricule_ins', '')} {valeur.get('cle_ins', '')}".strip()] if valeur.get(
            "matricule_ins") else []
        parts += [traits] if traits else []
        if valeur.get("date_naissance"):
            parts.append("né(e) le " + valeur_lisible("date_naissance", valeur["date_naissance"]))
        if valeur.get("lieu_naissance"):
            parts.append("à " + cog.libelle(str(valeur["lieu_naissance"])))
        return ", ".join(parts) or "—"
    if isinstance(valeur, list):
        return ", ".join(str(v) for v in valeur)
    return str(valeur)


def ligne_historique(h) -> dict:
    """A history row for the record: the event, the status change in RNIV words ("Identité validée → Identité
    qualifiée", one label when unchanged), the agent by name, and each change as label, before, after."""
    nouveau = rniv.LIBELLES.get(h.nouveau_statut, h.nouveau_statut)
    if h.ancien_statut and h.ancien_statut != h.nouveau_statut:
        statut = f"{rniv.LIBELLES.get(h.ancien_statut, h.ancien_statut)} → {nouveau}"
    else:
        statut = nouveau
    par = (h.par.get_full_name() if h.par_id and h.par else "") or (
        "Traitement automatique" if h.identifiant in ("", "système") else h.identifiant)
    changements = [{"libelle": LIBELLES_CHANGEMENTS.get(k, k.replace("_", " ").capitalize()),
                    "avant": valeur_lisible(k, v[0] if isinstance(v, list | tuple) and len(v) == 2 else None),
                    "apres": valeur_lisible(k, v[1] if isinstance(v, list | tuple) and len(v) == 2 else v)}
                   for k, v in (h.changements or {}).items()]
    return {"le": h.le, "evenement": h.get_evenement_display(), "statut": statut, "change": statut != nouveau,
            "par": par, "motif": h.motif, "changements": changements}
