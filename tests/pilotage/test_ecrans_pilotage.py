"""Steering screens people can use: a chart readable without JavaScript, percentages beside fractions, sortable
tables, spreadsheet exports equal to the screen, a grappe matrix with step names, FINESS and non-colour cues."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from socle.comptes.models import Utilisateur
from socle.pilotage import graphiques
from socle.prerequis import rules
from socle.prerequis.models import EtatEtape
from socle.web.demo import construire

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(client):
    ctx = construire()
    client.force_login(Utilisateur.objects.get(username="chefprojet"))
    return ctx, client


def test_la_courbe_est_un_svg_rendu_par_le_serveur(demo):
    ctx, client = demo
    page = client.get(reverse("pilotage:grappe", args=[ctx.grappe.pk])).content.decode()
    svg = re.search(r"<svg class=\"graphique\".*?</svg>", page, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg and "<polyline" in svg
    assert "<script" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert svg.count("<circle") == 8  # eight weeks, one point each
    # coordinates are SVG numbers whatever the page's language (a French "12,5" breaks every label)
    coordonnees = re.findall(r'\b(?:x|y|x1|x2|y1|y2|cx|cy)="([^"]*)"', svg)
    assert coordonnees and all(re.fullmatch(r"-?\d+(\.\d+)?", v) for v in coordonnees), coordonnees
    # the same figures in a table next to it, a fraction beside each percentage
    assert re.search(r"\d+ % <span class=\"legende\">\(\d+/\d+\)</span>", page)


def test_geometrie_de_la_courbe():
    c = graphiques.courbe([("01/12", 0.0), ("08/12", 50.0), ("15/12", 100.0)])
    ys = [p.y for p in c["points"]]
    assert ys[0] > ys[1] > ys[2]  # higher share, higher on the chart
    assert c["points"][0].x == graphiques.MARGE_G and c["points"][-1].x == graphiques.LARGEUR - graphiques.MARGE_D
    assert graphiques.courbe([("01/12", 140.0)])["points"][0].y == graphiques.MARGE_H  # capped at 100 %


def test_le_tableau_par_esms_se_trie_sans_javascript(demo):
    ctx, client = demo
    url = reverse("pilotage:grappe", args=[ctx.grappe.pk])
    for tri in ("ins", "-ins", "prerequis", "-prerequis", "esms", "-organisme", "inconnu"):
        assert client.get(url, {"tri": tri}).status_code == 200
    page = client.get(url, {"tri": "-prerequis"}).content.decode()
    assert 'aria-sort="descending"' in page and 'href="?tri=prerequis#par-esms"' in page
    taux = [float(x) for x in re.findall(r"<td>(\d+) % <span class=\"legende\">\(\d+/\d+\)</span>(?:(?!</td>).)*</td></tr>",
                                         page.split('id="par-esms"')[1], re.S)]
    assert taux == sorted(taux, reverse=True) and len(taux) > 5


@pytest.mark.parametrize("format_", ["csv", "xlsx"])
def test_export_du_tableau_de_bord_egal_a_l_ecran(demo, format_):
    ctx, client = demo
    url = reverse("pilotage:grappe", args=[ctx.grappe.pk])
    r = client.get(url, {"format": format_, "tri": "esms"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    if format_ == "csv":
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    else:
        rows = [[("" if v is None else str(v)) for v in row]
                for row in load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True)]
    assert rows[0][:3] == ["FINESS", "ESMS", "Organisme"]
    page = client.get(url, {"tri": "esms"}).content.decode()
    nb_lignes = page.split('id="par-esms"')[1].count("<tr><td>")
    assert len(rows) - 1 == nb_lignes
    for row in rows[1:]:
        assert row[0] in page  # each ESMS with its FINESS on screen too
        faites, applicables = int(row[11]), int(row[12])
        assert f"({faites}/{applicables})" in page


def test_matrice_noms_d_etapes_finess_icones_et_faits_sur_les_etapes_applicables(demo):
    ctx, client = demo
    et = ctx.etablissements[0]
    etape_esms = next(iter(EtatEtape.objects.filter(etablissement=et).values_list("etape", flat=True)), None)
    if etape_esms:  # one of its steps made non-applicable: neither done nor counted
        EtatEtape.objects.filter(etablissement=et, etape=etape_esms).update(statut=rules.NON_APPLICABLE)
    url = reverse("prerequis:grappe", args=[ctx.grappe.pk])
    page = client.get(url).content.decode()
    entete = page.split("<thead>")[1].split("</thead>")[0]
    titres = re.findall(r'<th scope="col" class="etape"><span>([^<]+)</span>', entete)
    assert all(len(t) > 3 for t in titres)  # names, not numbers
    assert entete.count('class="etape"') >= 10 and "<th>1</th>" not in entete
    assert et.finess in page
    assert "⚠" in page or "🔒" in page or "✓" in page
    ligne = page.split(et.finess, 1)[1].split("</tr>", 1)[0]
    faits, applicables = map(int, re.search(r"<td>(\d+)/(\d+)", ligne).groups())
    total = entete.count('class="etape"')
    non_applicables = len(re.findall(r'class="cellule"[^>]*>NA', ligne))
    assert (etape_esms is None or non_applicables >= 1) and applicables == total - non_applicables
    r = client.get(url, {"format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][3] == "FINESS ET" and len(rows[0]) == 4 + total + 2
    assert any(row[3] == et.finess and row[-2] == faits and row[-1] == applicables for row in rows[1:])


def test_exports_des_anomalies_finess_et_du_journal(demo, client):
    ctx, c = demo
    r = c.get(reverse("organisations:grappe_detail", args=[ctx.grappe.pk]), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["FINESS EJ", "Organisme", "Gravité", "FINESS concerné", "Anomalie", "À signaler à"]
    directrice = Utilisateur.objects.get(username="directrice")
    client.force_login(directrice)
    r = client.get(reverse("audit:recherche"), {"format": "xlsx", "action": "connexion"})
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Quand", "Qui", "Action")
    assert all(row[2] == "Connexion" for row in rows[1:])
    from socle.audit.models import EvenementAudit

    assert EvenementAudit.objects.filter(action="export", objet_libelle="Export du journal d'accès").exists()
