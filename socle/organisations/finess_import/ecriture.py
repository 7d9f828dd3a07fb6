"""Writing checked batches to the database, matched on FINESS numbers; the checks made while writing (rights,
re-parenting of an ESMS, grappe membership)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..categories import CATEGORIES
from ..models import Etablissement, Grappe, OrganismeGestionnaire
from .champs import _s
from .resultat import Rejet, Resultat

if TYPE_CHECKING:
    from .json_flux import ItemJson

CHAMPS_OG = [
    "raison_sociale", "raison_sociale_longue", "statut_juridique", "siren", "adresse", "code_postal", "commune",
    "code_commune", "telephone", "etat", "date_creation", "date_fermeture", "pm_smsse_id", "date_maj_finess",
]
CHAMPS_ET = [
    "organisme_id", "nom", "nom_long", "categorie_code", "categorie_libelle", "tutelle", "siret", "adresse",
    "code_postal", "commune", "code_commune", "departement", "telephone", "latitude", "longitude", "etat",
    "date_ouverture", "date_fermeture", "mode_fixation_tarifaire", "date_maj_finess",
]


def _changes(obj, valeurs: dict[str, Any], champs: list[str]) -> tuple[str, ...]:
    return tuple(c for c in champs if c in valeurs and getattr(obj, c) != valeurs[c])


def _bulk_update(model, objets: list[tuple[Any, tuple[str, ...]]]) -> None:
    """bulk_update grouped by the set of changed fields: the SQL CASE per field and row is what makes a
    bulk_update slow, so only the fields that changed are sent."""
    groupes: dict[tuple[str, ...], list[Any]] = {}
    for obj, champs in objets:
        groupes.setdefault(champs, []).append(obj)
    for champs, objs in groupes.items():
        model.objects.bulk_update(objs, list(champs), batch_size=max(20, 2000 // len(champs)))


class _Ecrivain:
    """Applies batches of records to the database, preloading existing rows by FINESS number.

    `autorises`: FINESS EJ the person who launched the import may change (None: the whole installation).
    Outside them nothing is created or changed, and an ET never changes EJ unless `confirmer_rattachements`
    (an installation administrator's explicit, audited decision): FINESS is shared reference data, and an ESMS
    re-parented to another organisation would hand its usagers and staff to that organisation."""

    def __init__(self, res: Resultat, autorises: set[str] | None = None, confirmer_rattachements: bool = False):
        self.res = res
        self.autorises = autorises
        self.confirmer_rattachements = confirmer_rattachements
        self.og_ids: dict[str, int] = {}  # FINESS EJ -> pk, for EJ of this run
        self.pm_vers_finess: dict[str, str] = {}

    def autorise(self, finess_ej: str) -> bool:
        return self.autorises is None or finess_ej in self.autorises

    def ecrire_og(self, lot: list[dict[str, Any]]) -> None:
        existants = {o.finess: o for o in OrganismeGestionnaire.objects.filter(finess__in=[v["finess"] for v in lot])}
        nouveaux, modifies = [], []
        for v in lot:
            if not self.autorise(v["finess"]):
                self.res.hors_droits.append(f"EJ {v['finess']}")
                continue
            o = existants.get(v["finess"])
            if o is None:
                nouveaux.append(OrganismeGestionnaire(**v))
                self.res.ej.crees += 1
            elif changes := _changes(o, v, CHAMPS_OG):
                for c in changes:
                    setattr(o, c, v[c])
                modifies.append((o, changes))
                self.res.ej.modifies += 1
            else:
                self.res.ej.inchanges += 1
            if v.get("pm_smsse_id"):
                self.pm_vers_finess[v["pm_smsse_id"]] = v["finess"]
        OrganismeGestionnaire.objects.bulk_create(nouveaux, batch_size=500)
        _bulk_update(OrganismeGestionnaire, modifies)
        for o in [*existants.values(), *nouveaux]:
            self.og_ids[o.finess] = o.pk

    def ecrire_et(self, lot: list[dict[str, Any]]) -> None:
        """`lot` values carry `organisme_id` already."""
        existants = {e.finess: e for e in Etablissement.objects.filter(finess__in=[v["finess"] for v in lot])
                     .select_related("organisme")}
        ej_de = {pk: f for f, pk in self.og_ids.items()}
        for pk, f in OrganismeGestionnaire.objects.filter(
                pk__in={v["organisme_id"] for v in lot} - set(ej_de)).values_list("pk", "finess"):
            ej_de[pk] = f
        nouveaux, modifies = [], []
        for v in lot:
            ej = ej_de.get(v["organisme_id"], "")
            e = existants.get(v["finess"])
            if not self.autorise(ej) or (e is not None and not self.autorise(e.organisme.finess)):
                self.res.hors_droits.append(f"ET {v['finess']}")
                continue
            if e is not None and e.organisme_id != v["organisme_id"]:
                if not self.confirmer_rattachements:
                    self.res.rejets.append(Rejet(
                        f"ET {v['finess']}", v["finess"],
                        f"rattaché dans Socle à l'EJ {e.organisme.finess}, le fichier le rattache à l'EJ {ej} : "
                        "un changement d'organisme gestionnaire doit être confirmé par un administrateur de "
                        "l'installation (option « confirmer les changements de rattachement »)"))
                    self.res.et.rejetes += 1
                    continue
                self.res.rattachements.append({"finess": v["finess"], "avant": e.organisme.finess, "apres": ej})
            code = v["categorie_code"]
            cat = CATEGORIES.get(code)
            if cat and cat.deprecated_by:
                self.res.categories_obsoletes[code] = self.res.categories_obsoletes.get(code, 0) + 1
            elif not cat:
                self.res.categories_hors_nomenclature[code] = self.res.categories_hors_nomenclature.get(code, 0) + 1
            defaut = cat.tutelle if cat else ""
            if e is None:
                v["tutelle"] = defaut
                nouveaux.append(Etablissement(**v))
                self.res.et.crees += 1
                continue
            # The tutelle may have been set by hand in Socle: keep it unless the category changed or it is empty.
            v["tutelle"] = defaut if (e.categorie_code != code or not e.tutelle) else e.tutelle
            if "latitude" not in v:  # CSV line without geolocalisation: keep known coordinates
                v["latitude"], v["longitude"] = e.latitude, e.longitude
            if "date_fermeture" not in v:
                v["date_fermeture"] = e.date_fermeture
            if changes := _changes(e, v, CHAMPS_ET):
                for c in changes:
                    setattr(e, c, v[c])
                modifies.append((e, changes))
                self.res.et.modifies += 1
            else:
                self.res.et.inchanges += 1
        Etablissement.objects.bulk_create(nouveaux, batch_size=500)
        _bulk_update(Etablissement, modifies)

    def ecrire_gcc(self, groupements: list[ItemJson], fichier_pm: set[str]) -> None:
        """GCC → Grappe of type "gcc", members resolved through pm_smsse_id among this file's EJ. Grappe
        membership decides who sees an organisation's data: only an installation-wide import changes it."""
        if self.autorises is not None:
            if groupements:
                self.res.groupements_ignores.append(
                    f"{len(groupements)} groupement(s) (GCC) non traité(s) : la composition des grappes ne change "
                    "que par un import de l'administrateur de l'installation")
            return
        existants = {g.identifiant_externe: g for g in Grappe.objects.filter(type=Grappe.Type.GROUPEMENT_FINESS)}
        for item in groupements:
            g = item.valeur
            if not isinstance(g, dict) or not _s(g.get("gccId")):
                self.res.rejets.append(Rejet(f"gcc n°{item.position}", "", "groupement sans « gccId »"))
                self.res.grappes.rejetes += 1
                continue
            ident = f"GCC-{_s(g.get('gccId'))}"
            nom = (_s(g.get("nomGcc")) or ident)[:200]
            membres_pm = [_s(m.get("pmSmsseId")) for m in g.get("pmejDuGcc") or [] if isinstance(m, dict)]
            presents = [pm for pm in membres_pm if pm in self.pm_vers_finess]
            self.res.membres_absents.extend(
                f"{ident} : pmSmsseId {pm} ({'hors périmètre ou rejeté' if pm in fichier_pm else 'absent du fichier'})"
                for pm in membres_pm if pm not in self.pm_vers_finess)
            if not presents:
                self.res.groupements_ignores.append(
                    f"{ident} « {nom} » : aucun de ses {len(membres_pm)} membre(s) n'est dans le fichier importé")
                continue
            ids = {self.og_ids[self.pm_vers_finess[pm]] for pm in presents if self.pm_vers_finess[pm] in self.og_ids}
            grappe = existants.get(ident)
            if grappe is None:
                self.res.grappes.crees += 1
                grappe = Grappe.objects.create(nom=nom, type=Grappe.Type.GROUPEMENT_FINESS,
                                               identifiant_externe=ident)
                grappe.membres.set(ids)
                continue
            actuels = set(grappe.membres.values_list("pk", flat=True))
            if grappe.nom != nom or actuels != ids:
                self.res.grappes.modifies += 1
                grappe.nom = nom
                grappe.save(update_fields=["nom"])
                grappe.membres.set(ids)
            else:
                self.res.grappes.inchanges += 1


@dataclass
class _Lot:
    """One batch of records checked by pass 1, applied by a writer in passes 2 and 3."""

    ej: set[str]  # FINESS EJ of the batch (for the anomalies)
    og: list[dict[str, Any]] = field(default_factory=list)
    et: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)  # (EJ of the file, or None: known)
    groupements: list[ItemJson] | None = None
    fichier_pm: set[str] = field(default_factory=set)

    def appliquer(self, ecrivain: _Ecrivain) -> None:
        if self.groupements is not None:
            ecrivain.ecrire_gcc(self.groupements, self.fichier_pm)
            return
        if self.og:
            ecrivain.ecrire_og(self.og)
        if self.et:
            for ej, v in self.et:
                if ej is not None:
                    v["organisme_id"] = ecrivain.og_ids.get(ej)
            ecrivain.ecrire_et([v for _, v in self.et])
