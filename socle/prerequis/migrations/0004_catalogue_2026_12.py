"""Catalogue 2026.12-1: the states of the steps merged or renamed carry over, the milestones follow.

- "contrat" + "cde_demande" → "contrat_cde" (one procedure): done when the CDE request was done, in progress as
  soon as either was started, its dates the contract's start and the CDE request's end, its proof the latest;
- "certificats" → "certificat_insi" (the INSi certificate; the DMP pair is a new step);
- milestones: their step lists use the new ids; the 2026.11-1 defaults (and their copies still "à confirmer")
  are removed, the 2026.12-1 defaults are created on first use. Confirmed copies are kept.
The old rows stay in the table, readable under their own ids (catalogue.CATALOGUES["2026.11-1"]).
"""

from django.db import migrations

REMPLACEMENTS = {"contrat": "contrat_cde", "cde_demande": "contrat_cde", "certificats": "certificat_insi"}
RETIRES = ("esms_contrat", "sons_ins", "esms_cartes")
ORDRE_STATUT = {"a_faire": 0, "na": 1, "en_cours": 2, "fait": 3}


def _fusion(etats):
    """One state from the old ones (contract then CDE request)."""
    par_id = {e.etape: e for e in etats}
    contrat, cde = par_id.get("contrat"), par_id.get("cde_demande")
    if contrat is not None and cde is not None:
        if contrat.statut == "fait" and cde.statut == "fait":
            statut = "fait"
        elif "en_cours" in (contrat.statut, cde.statut) or "fait" in (contrat.statut, cde.statut):
            statut = "en_cours"
        else:
            statut = max((contrat.statut, cde.statut), key=ORDRE_STATUT.get)
    else:
        statut = (contrat or cde).statut
    premier = contrat or cde
    dernier = cde or contrat
    return {
        "statut": statut,
        "date_envoi": premier.date_envoi or dernier.date_envoi if statut in ("en_cours", "fait") else None,
        "date_fait": dernier.date_fait if statut == "fait" else None,
        "preuve": (dernier.preuve or premier.preuve) if statut == "fait" else (premier.preuve or ""),
        "motif_non_applicable": premier.motif_non_applicable if statut == "na" else "",
        "commentaire": "\n".join(x.commentaire for x in (contrat, cde) if x is not None and x.commentaire),
        "modifie_par_id": dernier.modifie_par_id,
    }


def avancer(apps, schema_editor):
    EtatEtape = apps.get_model("prerequis", "EtatEtape")
    Jalon = apps.get_model("prerequis", "Jalon")
    groupes = {}
    for e in EtatEtape.objects.filter(etape__in=["contrat", "cde_demande"], etablissement__isnull=True):
        groupes.setdefault(e.organisme_id, []).append(e)
    for og_id, etats in groupes.items():
        if not EtatEtape.objects.filter(organisme_id=og_id, etablissement__isnull=True, etape="contrat_cde").exists():
            EtatEtape.objects.create(organisme_id=og_id, etablissement=None, etape="contrat_cde", **_fusion(etats))
    for e in EtatEtape.objects.filter(etape="certificats", etablissement__isnull=True):
        if not EtatEtape.objects.filter(organisme_id=e.organisme_id, etablissement__isnull=True,
                                        etape="certificat_insi").exists():
            EtatEtape.objects.create(organisme_id=e.organisme_id, etablissement=None, etape="certificat_insi",
                                     statut=e.statut, date_envoi=e.date_envoi, date_fait=e.date_fait,
                                     preuve=e.preuve, motif_non_applicable=e.motif_non_applicable,
                                     commentaire=e.commentaire, modifie_par_id=e.modifie_par_id)
    Jalon.objects.filter(code__in=RETIRES, grappe__isnull=True, organisme__isnull=True).delete()
    Jalon.objects.filter(code__in=RETIRES, a_confirmer=True).delete()
    for j in Jalon.objects.all():
        etapes = list(dict.fromkeys(REMPLACEMENTS.get(i, i) for i in j.etapes))
        if etapes != j.etapes:
            j.etapes = etapes
            j.save(update_fields=["etapes"])


class Migration(migrations.Migration):
    dependencies = [("prerequis", "0003_chaine_dui_mandataires_canal")]

    operations = [migrations.RunPython(avancer, migrations.RunPython.noop)]
