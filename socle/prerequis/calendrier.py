"""Calendar of the chain: milestones, earliest feasible dates, warnings; iCalendar export for the team."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from icalendar import Calendar, Event

from socle.organisations.models import OrganismeGestionnaire

from . import rules
from .catalogue import CATALOGUE_VERSION, ETAPES
from .models import Jalon
from .services import IDS_ESMS, aujourdhui, jalons_de, vue_organisme


@dataclass
class Evenement:
    uid: str
    titre: str
    jour: date
    description: str
    categorie: str  # jalon | etape | avertissement
    jalon: Jalon | None = None


def jalons_du_calendrier(organismes: list[OrganismeGestionnaire]) -> tuple[list[Jalon], dict[int, list[Jalon]]]:
    """The milestones of the OGs in view (and so of their grappes), each once, and those applying to each OG."""
    par_og = {og.pk: jalons_de(og) for og in organismes}
    uniques = {j.pk: j for js in par_og.values() for j in js}
    return sorted(uniques.values(), key=lambda j: (j.date_cible, j.code, j.pk)), par_og


def _porteur(j: Jalon) -> str:
    if j.grappe_id:
        return f"grappe {j.grappe.nom}"
    return j.organisme.raison_sociale if j.organisme_id else "installation"


def evenements(organismes: list[OrganismeGestionnaire], jour: date | None = None) -> tuple[list[Evenement], list]:
    """The milestones of the OGs in view plus, per OG, the earliest feasible end of each unfinished step (for
    ESMS-level steps, the latest of its ESMS), and the warnings of the milestones that cannot be met (each
    warning names the OG and the milestone applying to it)."""
    jour = jour or aujourdhui()
    tous, par_og = jalons_du_calendrier(organismes)
    evts = [Evenement(f"jalon-{j.pk}@socle",
                      f"Jalon {j.programme} : {j.libelle} ({_porteur(j)}{', date à confirmer' if j.a_confirmer else ''})",
                      j.date_cible,
                      "Étapes requises : " + " ; ".join(ETAPES[e].titre if e in ETAPES else e for e in j.etapes),
                      "jalon", j) for j in tous]
    avertissements = []
    for og in organismes:
        js = par_og[og.pk]
        vue = vue_organisme(og, set(), jour, js=js)
        for lg in vue.lignes:
            if lg.statut not in rules.TERMINES and lg.fenetre and lg.fenetre.fin_min:
                evts.append(Evenement(f"etape-{og.finess}-{lg.etape.id}@socle",
                                      f"{og.raison_sociale} : {lg.etape.titre} (au plus tôt)", lg.fenetre.fin_min,
                                      f"Responsable : {lg.etape.responsable_libelle}. Fin au plus tard selon les "
                                      f"délais habituels : {lg.fenetre.fin_max:%d/%m/%Y}.", "etape"))
        for eid in IDS_ESMS:
            fins = [lg.fenetre.fin_min for _, ls in vue.esms for lg in ls
                    if lg.etape.id == eid and lg.statut not in rules.TERMINES and lg.fenetre and lg.fenetre.fin_min]
            if fins:
                lg0 = next(lg for _, ls in vue.esms for lg in ls if lg.etape.id == eid)
                evts.append(Evenement(f"etape-{og.finess}-{eid}@socle",
                                      f"{og.raison_sociale} : {lg0.etape.titre} — tous les ESMS (au plus tôt)",
                                      max(fins), f"{len(fins)} ESMS concerné(s).", "etape"))
        for a in vue.avertissements:
            avertissements.append((og, a))
    evts.sort(key=lambda e: (e.jour, e.titre))
    return evts, avertissements


def exporter_ics(organismes: list[OrganismeGestionnaire], jour: date | None = None) -> bytes:
    """An RFC 5545 calendar: all-day events for milestones and earliest feasible dates."""
    evts, avertissements = evenements(organismes, jour)
    cal = Calendar()
    cal.add("prodid", f"-//Socle//Prerequis Segur {CATALOGUE_VERSION}//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Socle — prérequis Ségur")
    stamp = timezone.now()
    _tous, par_og = jalons_du_calendrier(organismes)
    alertes_par_jalon: dict[int, list[str]] = {}  # a warning goes with the milestone applying to its OG
    for og, a in avertissements:
        jalon = next((j for j in par_og[og.pk] if j.code == a.jalon), None)
        if jalon is not None:
            alertes_par_jalon.setdefault(jalon.pk, []).append(f"{og.raison_sociale} : {a.message}")
    for e in evts:
        ev = Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", stamp)
        ev.add("dtstart", e.jour)
        ev.add("dtend", e.jour + timedelta(days=1))
        ev.add("summary", e.titre)
        description = e.description
        if e.jalon is not None and alertes_par_jalon.get(e.jalon.pk):
            description += "\n\nAVERTISSEMENTS :\n" + "\n".join(alertes_par_jalon[e.jalon.pk])
        ev.add("description", description)
        ev.add("categories", [e.categorie])
        cal.add_component(ev)
    return cal.to_ical()


