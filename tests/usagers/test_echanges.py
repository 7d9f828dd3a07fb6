"""Usagers in and out of the DUI (issue 12): CSV / XLSX, FHIR R4 FR Core, HL7 v2.5 PAM FR; dry run, per-row
French errors, atomic idempotent commit keyed by the IPP, RNIV decisions, duplicates, limits, exports (FR Core
rules), round trip, the FHIR API with its tokens, the screens and the CLI."""

import csv
import gzip
import io
import json
import zipfile
from datetime import date, timedelta
from types import SimpleNamespace

import hl7
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from socle.audit.models import EvenementAudit
from socle.comptes.models import Fonction
from socle.core.identifiants import nir_key
from socle.core.naissance import DateLunaire
from socle.usagers import batch, services
from socle.usagers.echanges import demo as demo_dui
from socle.usagers.echanges import exporter, fhir, hl7v2, importer, jetons
from socle.usagers.echanges.commun import ImportIllisible
from socle.usagers.echanges.demo import ecrire_fichiers
from socle.usagers.echanges.naissance import DateIllisible, ecrire_date_naissance, lire_date_naissance
from socle.usagers.models import EchangeDui, Fusion, IdentifiantLocal, JetonApi, ParametresDui, Usager
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import EtablissementFactory
from tests.usagers.factories import (  # noqa: F401
    TRAITS_ALICE,
    deposer_certificat_insi,
    fixture_journal,
    usager_qualifie,
)

ENTETES_DUI = [
    "N° dossier",
    "Nom de naissance",
    "Prénoms",
    "Date de naissance",
    "Sexe",
    "Lieu de naissance",
    "Nom d'usage",
]
LIGNES_OK = [
    ["D001", "Démolin", "Alice Marie", "04/03/1950", "F", "69123", "Martin"],
    ["D002", "Duval", "Jean-Pierre Paul", "12/11/1938", "M", "75056", ""],
    ["D003", "N'Diaye", "Awa", "01/02/1945", "F", "99350", ""],
]


def _csv(tmp_path, lignes, entetes=ENTETES_DUI, nom="dui.csv", encodage="utf-8"):
    chemin = tmp_path / nom
    with open(chemin, "w", encoding=encodage, newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(entetes)
        w.writerows(lignes)
    return chemin


@pytest.fixture(name="et")
def fixture_et(db):
    return EtablissementFactory(categorie_code="460")


# --- CSV / XLSX ----------------------------------------------------------------------------------------------


def test_csv_simulation_puis_import_atomique_et_idempotent(et, tmp_path):
    chemin = _csv(tmp_path, LIGNES_OK)
    a = importer.importer(chemin, et, simulation=True)
    assert a.comptes()["a_creer"] == 3 and Usager.objects.count() == 0  # the dry run writes nothing
    a = importer.importer(chemin, et)
    assert a.resultat["crees"] == 3
    alice = IdentifiantLocal.objects.get(etablissement=et, ipp="D001").usager
    assert (alice.nom_naissance, alice.premier_prenom, alice.nom_utilise, alice.statut) == (
        "DEMOLIN",
        "ALICE",
        "MARTIN",
        "PROV",
    )
    assert alice.sejours.filter(etablissement=et).exists()
    assert alice.historique.get().motif.startswith("Import du DUI (csv), IPP D001")
    again = importer.importer(chemin, et)  # same file again: nothing created nor changed
    assert (again.resultat["crees"], again.resultat["modifies"], Usager.objects.count()) == (0, 0, 3)
    evts = EvenementAudit.objects.filter(action="import", objet_id=str(et.pk)).order_by("pk")
    assert [e.details["simulation"] for e in evts] == [True, False, False]
    assert evts[1].details["crees"] == 3 and evts[1].details["lignes"] == 3


def test_csv_erreurs_par_ligne_et_par_champ_rien_ecrit(et, tmp_path):
    lignes = LIGNES_OK + [
        ["D004", "Petit", "Luc", "31/02/1950", "M", "69123", ""],
        ["D005", "Grand", "Léa", "01/01/1960", "X", "691", ""],
        ["D006", "Moyen", "Zoé", "01/01/1960", "F", "", ""],
        ["D001", "Double", "Ipp", "01/01/1960", "F", "69123", ""],
    ]
    chemin = _csv(tmp_path, lignes)
    with pytest.raises(importer.ImportRefuse) as exc:
        importer.importer(chemin, et)
    assert Usager.objects.count() == 0
    messages = {(p.numero, p.champ): p.message for p in exc.value.analyse.bloquants}
    assert "date de naissance impossible « 31/02/1950 »" in messages[(5, "date_naissance")]
    assert "R-SX-01" in messages[(6, "sexe")]
    assert "R-LN-01" in messages[(6, "lieu_naissance")]
    assert "R-TR-01" in messages[(7, "lieu_naissance")]
    assert "déjà présent à l'enregistrement 2" in messages[(8, "ipp")]


def test_xlsx_avec_correspondance_memorisee(et, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Identifiant patient", "NOM", "Liste prénoms", "Né(e) le", "Genre", "INSEE naissance"])
    ws.append(["X1", "Bernard", "Paul", date(1940, 5, 6), "Masculin", "13055"])
    chemin = tmp_path / "dui.xlsx"
    wb.save(chemin)
    ParametresDui.objects.create(
        etablissement=et,
        colonnes={
            "ipp": "Identifiant patient",
            "nom_naissance": "NOM",
            "prenoms_naissance": "Liste prénoms",
            "date_naissance": "Né(e) le",
            "sexe": "Genre",
            "lieu_naissance": "INSEE naissance",
        },
    )
    a = importer.importer(chemin, et)
    u = IdentifiantLocal.objects.get(ipp="X1").usager
    assert a.resultat["crees"] == 1 and (u.date_naissance, u.sexe, u.lieu_naissance) == (
        date(1940, 5, 6),
        "M",
        "13055",
    )


def test_colonnes_introuvables_et_mauvais_encodage(et, tmp_path):
    with pytest.raises(ImportIllisible, match="colonnes introuvables : .*date de naissance"):
        importer.analyser(_csv(tmp_path, [["1", "A", "B"]], entetes=["ipp", "nom", "prenoms"]), et)
    latin = _csv(tmp_path, LIGNES_OK, nom="latin.csv", encodage="latin-1")
    with pytest.raises(
        ImportIllisible, match="n'est pas encodé en UTF-8.*ligne 1|ligne \\d+ : le fichier n'est pas"
    ):
        importer.analyser(latin, et)
    ParametresDui.objects.create(etablissement=et, encodage="latin-1")
    assert importer.analyser(latin, et).comptes()["a_creer"] == 3


# --- RNIV decisions on known identities, duplicates ------------------------------------------------------


def test_mise_a_jour_selon_le_rniv(et, tmp_path):
    qual = usager_qualifie(et)
    IdentifiantLocal.objects.create(usager=qual, etablissement=et, ipp="D001", recu_le=timezone.now())
    prov = services.creer_usager(
        et.organisme,
        et,
        {
            "nom_naissance": "Duval",
            "prenoms_naissance": "Jean",
            "date_naissance": date(1938, 11, 12),
            "sexe": "M",
            "lieu_naissance": "75056",
        },
    )
    IdentifiantLocal.objects.create(usager=prov, etablissement=et, ipp="D002", recu_le=timezone.now())
    chemin = _csv(
        tmp_path,
        [
            ["D001", "Autrenom", "Alice Marie", "04/03/1950", "F", "69123", "Martin"],
            ["D002", "Duval", "Jean-Pierre Paul", "12/11/1938", "M", "75056", ""],
        ],
    )
    a = importer.importer(chemin, et)
    qual.refresh_from_db()
    prov.refresh_from_db()
    assert (qual.nom_naissance, qual.nom_utilise, qual.statut) == ("DEMOLIN", "MARTIN", "QUAL")  # R-ED-02/03
    assert any(p.champ == "nom_naissance" and "R-ED-02" in p.message for p in a.problemes)
    assert prov.prenoms_naissance == "JEAN-PIERRE PAUL" and a.resultat["modifies"] == 2


def test_doublons_rattachement_ou_ecart(et, tmp_path):
    connu = services.creer_usager(et.organisme, et, dict(TRAITS_ALICE))
    proche = services.creer_usager(
        et.organisme,
        et,
        {
            "nom_naissance": "Duval",
            "prenoms_naissance": "Jean",
            "date_naissance": date(1938, 11, 12),
            "sexe": "M",
            "lieu_naissance": "75056",
        },
    )
    chemin = _csv(
        tmp_path,
        [
            ["D001", "Démolin", "Alice Marie", "04/03/1950", "F", "69123", ""],
            ["D002", "Duvall", "Jean", "12/11/1938", "M", "75056", ""],
        ],
    )
    a = importer.importer(chemin, et)
    assert IdentifiantLocal.objects.get(ipp="D001").usager == connu  # same strict traits: the IPP is attached
    assert a.resultat["crees"] == 0 and a.ecartees == 1
    ecart = next(p for p in a.problemes if p.gravite == "ecarte")
    assert ecart.ipp == "D002" and f"usager n° {proche.pk}" in ecart.message
    assert not IdentifiantLocal.objects.filter(ipp="D002").exists()


def test_statut_et_ins_declares_restent_une_declaration(et, tmp_path):
    entetes = [*ENTETES_DUI, "Statut", "INS", "OID"]
    ins = "2500369123001" + f"{nir_key('2500369123001'):02d}"
    chemin = _csv(
        tmp_path,
        [[*LIGNES_OK[0], "QUAL", ins, "1.2.250.1.213.1.4.8"], [*LIGNES_OK[1], "QUAL", "123", ""]],
        entetes=entetes,
    )
    a = importer.importer(chemin, et)
    lien = IdentifiantLocal.objects.get(ipp="D001")
    assert (lien.usager.statut, lien.usager.matricule_ins) == ("PROV", "")  # R-ED-01: never copied
    assert (lien.statut_declare, lien.ins_declare) == ("QUAL", ins)
    assert any(p.ipp == "D002" and p.champ == "ins" and "ignoré" in p.message for p in a.problemes)


# --- limits ----------------------------------------------------------------------------------------------


def test_fichier_trop_gros_et_archive_piegee(et, tmp_path, settings):
    settings.SOCLE_USAGERS_MAX_FICHIER = 1000
    gros = _csv(tmp_path, LIGNES_OK * 20)
    with pytest.raises(ImportIllisible, match="SOCLE_USAGERS_MAX_FICHIER"):
        importer.importer(gros, et)
    settings.SOCLE_USAGERS_MAX_FICHIER = 50 * 1024 * 1024
    settings.SOCLE_IMPORT_SEUIL_RATIO = 100_000
    bombe = tmp_path / "bombe.csv.gz"
    with gzip.open(bombe, "wb") as g:
        g.write((";".join(ENTETES_DUI) + "\n").encode() + (b"x;" + b"x" * 5000 + b"\n") * 4000)
    with pytest.raises(ImportIllisible, match="SOCLE_IMPORT_MAX_RATIO"):
        importer.importer(bombe, et, "csv")
    zbombe = tmp_path / "bombe.zip"
    with zipfile.ZipFile(zbombe, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("dui.json", b" " * 20_000_000)
    with pytest.raises(ImportIllisible, match="SOCLE_IMPORT_MAX_RATIO"):
        importer.importer(zbombe, et, "fhir")
    assert Usager.objects.count() == 0


# --- FHIR ------------------------------------------------------------------------------------------------


def _bundle(tmp_path, entrees, nom="dui.json"):
    chemin = tmp_path / nom
    chemin.write_text(
        json.dumps(
            {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in entrees]}
        ),
        encoding="utf-8",
    )
    return chemin


PATIENT_FR_CORE = {
    "resourceType": "Patient",
    "extension": [
        {
            "url": fhir.EXT_FIABILITE,
            "extension": [
                {"url": "identityStatus", "valueCoding": {"code": "VALI"}},
                {"url": "comment", "valueCodeableConcept": {"coding": [{"code": "HOMA"}]}},
            ],
        },
        {
            "url": fhir.EXT_LIEU,
            "valueAddress": {"extension": [{"url": fhir.EXT_INSEE, "valueCoding": {"code": "2A004"}}]},
        },
    ],
    "identifier": [
        {"use": "usual", "type": {"coding": [{"code": "PI"}]}, "system": "urn:oid:1.2.3", "value": "F1"}
    ],
    "name": [
        {
            "use": "official",
            "family": "Santoni",
            "given": ["Marie"],
            "extension": [{"url": fhir.EXT_PRENOMS, "valueString": "Marie Laetitia"}],
        },
        {"use": "usual", "family": "Rossi"},
    ],
    "gender": "female",
    "birthDate": "1944-08-15",
}


def test_fhir_bundle_de_patient(et, tmp_path):
    a = importer.importer(_bundle(tmp_path, [PATIENT_FR_CORE]), et)
    lien = IdentifiantLocal.objects.get(ipp="F1")
    u = lien.usager
    assert a.format == "fhir" and (
        u.nom_naissance,
        u.prenoms_naissance,
        u.premier_prenom,
        u.nom_utilise,
        u.lieu_naissance,
        u.homonyme,
    ) == ("SANTONI", "MARIE LAETITIA", "MARIE", "ROSSI", "2A004", True)
    assert lien.statut_declare == "VALI" and u.statut == "PROV"


def test_fhir_refus_autre_ressource_et_json_illisible(et, tmp_path):
    autre = _bundle(tmp_path, [PATIENT_FR_CORE, {"resourceType": "Observation", "id": "x"}])
    with pytest.raises(ImportIllisible, match="entrée 2 du Bundle : ressource « Observation »"):
        importer.importer(autre, et)
    pas_bundle = tmp_path / "p.json"
    pas_bundle.write_text(json.dumps(PATIENT_FR_CORE))
    with pytest.raises(ImportIllisible, match="« Patient », pas un Bundle"):
        importer.importer(pas_bundle, et)
    casse = tmp_path / "casse.json"
    casse.write_text('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", ')
    with pytest.raises(ImportIllisible, match="JSON illisible"):
        importer.importer(casse, et)
    assert Usager.objects.count() == 0


# --- HL7 v2 PAM FR ---------------------------------------------------------------------------------------


def _adt(
    evt,
    ipp,
    nom="DUPONT^JEAN^JEAN LOUIS",
    date_n="19410203",
    sexe="M",
    lieu="33063",
    statut="PROV",
    extra="",
    controle="C1",
    usage="",
    version="2.5^FRA^2.11",
):
    noms = f"{nom}^^^^L" + (f"~{usage}^^^^^D" if usage else "")
    pid = (
        f"PID|||{ipp}^^^DUI&1.2.3.4&ISO^PI||{noms}||{date_n}|{sexe}|||^^^^^^BDL^^{lieu}"
        + "|" * 21
        + f"|{statut}"
    )
    return (
        f"MSH|^~\\&|DUI|ESMS|SOCLE|SOCLE|20260101120000||ADT^{evt}^ADT_A05|{controle}|P|{version}||||||"
        f"UNICODE UTF-8\rEVN||20260101120000\r{pid}\r{extra}"
    )


def test_hl7_a28_a08_a40_dans_l_ordre(et, tmp_path):
    msgs = [
        _adt("A28", "H1", controle="M1"),
        _adt("A28", "H2", nom="DURAND^LUC^LUC", controle="M2"),
        _adt("A08", "H1", usage="MARTIN^JEANNOT", controle="M3"),
    ]
    chemin = tmp_path / "adt.hl7"
    chemin.write_text("\n".join(msgs), encoding="utf-8")
    a = importer.importer(chemin, et)
    h1 = IdentifiantLocal.objects.get(ipp="H1").usager
    assert a.resultat["crees"] == 2 and (h1.prenoms_naissance, h1.nom_utilise, h1.prenom_utilise) == (
        "JEAN LOUIS",
        "MARTIN",
        "JEANNOT",
    )
    fusion = tmp_path / "a40.hl7"
    fusion.write_text(_adt("A40", "H1", controle="M4", extra="MRG|H2^^^DUI&1.2.3.4&ISO^PI"), encoding="utf-8")
    a = importer.importer(fusion, et)
    h2 = IdentifiantLocal.objects.get(ipp="H2")
    assert a.resultat["fusionnes"] == 1 and h2.usager == h1
    assert Fusion.objects.get().cible == h1


def test_hl7_accuses_aa_et_ae(et, tmp_path):
    bon = _adt("A28", "H1", controle="OK1")
    mauvais = _adt("A28", "H2", date_n="19411302", sexe="Z", controle="KO1")
    chemin = tmp_path / "adt.hl7"
    chemin.write_text(bon + "\r\n" + mauvais, encoding="utf-8")
    acks = tmp_path / "acks.hl7"
    with pytest.raises(CommandError, match="erreurs? bloquante"):
        call_command("usagers", "import", str(chemin), "--esms", et.finess, "--acks", str(acks))
    assert Usager.objects.count() == 0
    call_command("usagers", "import", str(chemin), "--esms", et.finess, "--dry-run", "--acks", str(acks))
    reponses = [hl7.parse(m) for m in acks.read_bytes().decode().split("\r\n") if m.strip()]
    assert [str(r.segment("MSA")(1)) for r in reponses] == ["AA", "AE"]
    assert str(reponses[1].segment("MSA")(2)) == "KO1"
    erreurs = [str(s(8)) for s in reponses[1].segments("ERR")]
    assert any("Mois de naissance « 13 » impossible" in e for e in erreurs) and any("HL7 0001" in e for e in erreurs)
    illisible = hl7v2.accuse("n'importe quoi", [])
    assert "MSA|AR" in illisible


def test_hl7_message_mal_forme_ou_non_pris_en_charge(et, tmp_path):
    chemin = tmp_path / "adt.hl7"
    chemin.write_text(_adt("A01", "H1") + "\r\n" + _adt("A28", "H2", version="2.3"), encoding="utf-8")
    with pytest.raises(importer.ImportRefuse) as exc:
        importer.importer(chemin, et)
    champs = {(p.numero, p.champ) for p in exc.value.analyse.bloquants}
    assert (1, "MSH-9") in champs and (2, "MSH-12") in champs
    pas_hl7 = tmp_path / "x.hl7"
    pas_hl7.write_text("PID|||1\r")
    with pytest.raises(ImportIllisible, match="segment MSH"):
        importer.importer(pas_hl7, et)


# --- exports and round trip -----------------------------------------------------------------------------


def test_export_fhir_respecte_fr_core(et):
    qual = usager_qualifie(et, nom_utilise="MARTIN")
    prov = services.creer_usager(
        et.organisme,
        et,
        {
            "nom_naissance": "Duval",
            "prenoms_naissance": "Jean",
            "date_naissance": date(1938, 11, 12),
            "sexe": "M",
            "lieu_naissance": "75056",
        },
    )
    sortie = io.StringIO()
    exporter.exporter(et, "fhir", sortie)
    bundle = json.loads(sortie.getvalue())
    par_id = {e["resource"]["id"]: e["resource"] for e in bundle["entry"]}
    pq, pp = par_id[f"socle-{qual.pk}"], par_id[f"socle-{prov.pk}"]
    assert fhir.verifier_patient(pq) == [] and fhir.verifier_patient(pp) == []
    assert pq["meta"]["profile"] == [fhir.PROFIL_PATIENT_INS]
    assert {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": qual.ins} == {
        k: v for k, v in pq["identifier"][0].items() if k in ("system", "value")
    }
    assert pp["meta"]["profile"] == [fhir.PROFIL_PATIENT] and "1.2.250.1.213.1.4" not in json.dumps(pp)
    # the checker catches what FR Core forbids
    pp_triche = dict(pp, identifier=pq["identifier"])
    assert any("fr-core-patient-ins" in f for f in fhir.verifier_patient(pp_triche))
    pq_sans_lieu = dict(pq, extension=pq["extension"][:1])
    assert any("birthPlace" in f for f in fhir.verifier_patient(pq_sans_lieu))


def test_export_hl7_a31_et_csv_incremental(et):
    qual = usager_qualifie(et)
    ParametresDui.objects.create(
        etablissement=et,
        domaine_ipp="DUI-X",
        oid_ipp="1.2.3.4",
        colonnes={"ipp": "Dossier", "nom_naissance": "Nom", "ins": "INS"},
    )
    IdentifiantLocal.objects.create(usager=qual, etablissement=et, ipp="D001", recu_le=timezone.now())
    sortie = io.StringIO()
    exporter.exporter(et, "hl7", sortie)
    msg = hl7.parse(sortie.getvalue().strip())
    pid = msg.segment("PID")
    assert str(msg.segment("MSH")(9)) == "ADT^A31^ADT_A05"
    assert hl7v2._val(pid, 3, 1, 1) == "D001" and hl7v2._val(pid, 3, 1, 4, 2) == "1.2.3.4"
    assert hl7v2._val(pid, 3, 2, 1) == qual.ins and hl7v2._val(pid, 3, 2, 4, 1) == "ASIP-SANTE-INS-NIR"
    assert hl7v2._val(pid, 32) == "QUAL" and hl7v2._val(pid, 11, 1, 9) == "69123"
    csv_sortie = io.StringIO()
    ech = exporter.exporter(et, "csv", csv_sortie, depuis="dernier")
    lignes = list(csv.reader(io.StringIO(csv_sortie.getvalue()), delimiter=";"))
    assert lignes[0] == ["Dossier", "Nom", "INS"] and ech.rapport["usagers"] == 0  # nothing changed since
    Usager.objects.filter(pk=qual.pk).update(modifie_le=timezone.now() + timedelta(seconds=1))
    csv_sortie = io.StringIO()
    exporter.exporter(et, "csv", csv_sortie, depuis="dernier")
    assert list(csv.reader(io.StringIO(csv_sortie.getvalue()), delimiter=";"))[1] == [
        "D001",
        "DEMOLIN",
        qual.ins,
    ]
    assert EvenementAudit.objects.filter(action="export", objet_id=str(et.pk)).count() == 3


@pytest.mark.parametrize("format_", ["csv", "fhir", "hl7"])
def test_aller_retour_identite_qualifiee(et, tmp_path, format_):
    qual = usager_qualifie(et, nom_utilise="MARTIN", prenom_utilise="LILI")
    IdentifiantLocal.objects.create(usager=qual, etablissement=et, ipp="D001", recu_le=timezone.now())
    chemin = tmp_path / f"export.{ {'csv': 'csv', 'fhir': 'json', 'hl7': 'hl7'}[format_] }"
    with open(chemin, "w", encoding="utf-8", newline="") as f:
        exporter.exporter(et, format_, f)
    autre = EtablissementFactory(categorie_code="460")  # another OG: a database that never saw this person
    importer.importer(chemin, autre)
    lien = IdentifiantLocal.objects.get(etablissement=autre, ipp="D001")
    copie = lien.usager
    champs = (
        "nom_naissance",
        "prenoms_naissance",
        "premier_prenom",
        "date_naissance",
        "sexe",
        "lieu_naissance",
        "nom_utilise",
        "prenom_utilise",
        "douteuse",
        "fictive",
        "homonyme",
    )
    assert {c: getattr(copie, c) for c in champs} == {c: getattr(qual, c) for c in champs}
    assert copie.organisme == autre.organisme and copie.statut == "PROV"  # INSi re-checks before trusting
    assert (lien.statut_declare, lien.ins_declare, lien.oid_declare) == ("QUAL", qual.ins, qual.oid_ins)


# --- FHIR API ---------------------------------------------------------------------------------------------


def test_api_fhir_jetons(et, client):
    qual = usager_qualifie(et)
    jeton, clair = jetons.creer_jeton(et, "DUI Test")
    assert JetonApi.objects.get().empreinte == jetons.empreinte(clair) and clair not in json.dumps(
        list(JetonApi.objects.values()), default=str
    )
    url = reverse("api_fhir:patients")
    assert client.get(url).status_code == 401
    r = client.get(url, {"_lastUpdated": "gt2000-01-01"}, HTTP_AUTHORIZATION=f"Bearer {clair}")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/fhir+json")
    b = r.json()
    assert (
        b["type"] == "searchset"
        and b["total"] == 1
        and fhir.verifier_patient(b["entry"][0]["resource"]) == []
    )
    demain = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    assert (
        client.get(url, {"_lastUpdated": f"gt{demain}"}, HTTP_AUTHORIZATION=f"Bearer {clair}").json()["total"]
        == 0
    )
    assert (
        client.get(url, {"_lastUpdated": "lt2000"}, HTTP_AUTHORIZATION=f"Bearer {clair}").status_code == 400
    )
    lu = reverse("api_fhir:patient", args=[f"socle-{qual.pk}"])
    assert client.get(lu, HTTP_AUTHORIZATION=f"Bearer {clair}").status_code == 200
    autre = usager_qualifie(EtablissementFactory())  # followed by another ESMS
    assert (
        client.get(
            reverse("api_fhir:patient", args=[f"socle-{autre.pk}"]), HTTP_AUTHORIZATION=f"Bearer {clair}"
        ).status_code
        == 404
    )
    ev = EvenementAudit.objects.filter(action="export", identifiant="api:DUI Test").order_by("pk").first()
    assert ev.details["ids"] == [qual.pk]
    JetonApi.objects.filter(pk=jeton.pk).update(expire_le=timezone.now() - timedelta(seconds=1))
    r = client.get(url, HTTP_AUTHORIZATION=f"Bearer {clair}")
    assert r.status_code == 401 and "expiré" in r.json()["issue"][0]["diagnostics"]
    _j2, clair2 = jetons.creer_jeton(et, "DUI 2")
    jetons.revoquer(_j2)
    assert (
        "révoqué" in client.get(url, HTTP_AUTHORIZATION=f"Bearer {clair2}").json()["issue"][0]["diagnostics"]
    )


# --- screens and CLI ---------------------------------------------------------------------------------------


def test_ecran_simulation_puis_validation(et, tmp_path, client_de):
    admission = utilisateur_avec(Fonction.ADMISSION, etablissement=et)
    c = client_de(admission)
    page = c.get(reverse("usagers:echanges_esms", args=[et.finess]))
    assert page.status_code == 200 and "Créer un jeton" not in page.content.decode()
    with open(_csv(tmp_path, LIGNES_OK), "rb") as f:
        r = c.post(reverse("usagers:echanges_esms", args=[et.finess]), {"fichier": f, "format": ""})
    ech = EchangeDui.objects.get(sens="import")
    assert r.status_code == 302 and ech.statut == "simule" and Usager.objects.count() == 0
    detail = c.get(reverse("usagers:echanges_import", args=[ech.pk])).content.decode()
    assert "Valider l'import" in detail
    c.post(reverse("usagers:echanges_valider", args=[ech.pk]))
    ech.refresh_from_db()
    assert ech.statut == "termine" and Usager.objects.count() == 3 and not ech.fichier
    r = c.post(reverse("usagers:echanges_export", args=[et.finess]), {"export-format": "fhir", "export-depuis": ""})
    assert r.status_code == 200 and json.loads(r.content)["resourceType"] == "Bundle"
    assert c.post(reverse("usagers:echanges_jeton", args=[et.finess]), {"jeton-nom": "X"}).status_code == 403
    autre = EtablissementFactory()
    assert c.get(reverse("usagers:echanges_esms", args=[autre.finess])).status_code == 404


def test_ecran_jeton_par_l_administrateur_technique(et, client_de):
    admin = utilisateur_avec(Fonction.ADMIN_TECHNIQUE, etablissement=et)
    c = client_de(admin)
    r = c.post(reverse("usagers:echanges_jeton", args=[et.finess]), {"jeton-nom": "Éditeur DUI"})
    jeton = JetonApi.objects.get()
    page = r.content.decode()
    assert r.status_code == 200 and jeton.prefixe in page and "ne sera plus jamais affiché" in page
    c.post(reverse("usagers:echanges_revoquer", args=[et.finess, jeton.pk]))
    jeton.refresh_from_db()
    assert jeton.revoque_le is not None


def test_commande_export(et, tmp_path):
    usager_qualifie(et)
    out = tmp_path / "e.json"
    call_command("usagers", "export", "--esms", et.finess, "--format", "fhir", "--out", str(out))
    assert json.loads(out.read_text())["entry"][0]["resource"]["resourceType"] == "Patient"
    with pytest.raises(CommandError, match="--depuis"):
        call_command(
            "usagers", "export", "--esms", et.finess, "--format", "csv", "--depuis", "hier", "--out", str(out)
        )


# --- lunar birth dates (R-DN-02): one function per direction, every format ---------------------------------

@pytest.mark.parametrize("format_", ["csv", "fhir", "hl7"])
def test_date_lunaire_dans_chaque_format(et, tmp_path, format_):
    """FHIR writes 00/00/1944 as "1944", HL7 as "1944", the CSV as 00/00/1944; each is read back the same."""
    partielle = dict(PATIENT_FR_CORE, birthDate="1944")
    importer.importer(_bundle(tmp_path, [partielle]), et)
    u = IdentifiantLocal.objects.get(ipp="F1").usager
    assert u.date_naissance == DateLunaire(1944, 0, 0) and str(u.date_naissance) == "00/00/1944"
    chemin = tmp_path / f"lunaire.{format_}"
    with open(chemin, "w", encoding="utf-8", newline="") as f:
        exporter.exporter(et, format_, f)
    texte = chemin.read_bytes().decode()
    attendu = {"csv": ";00/00/1944;", "fhir": '"birthDate": "1944"', "hl7": "||1944|F|"}[format_]
    assert attendu in texte
    autre = EtablissementFactory()
    importer.importer(chemin, autre, {"csv": "csv", "fhir": "fhir", "hl7": "hl7"}[format_])
    assert IdentifiantLocal.objects.get(etablissement=autre, ipp="F1").usager.date_naissance == DateLunaire(1944, 0, 0)


def test_date_lunaire_lue_et_ecrite_par_une_seule_fonction():
    for texte in ("1962", "1962-00-00", "00/00/1962", "1962000000"[:4]):
        assert lire_date_naissance(texte) == DateLunaire(1962, 0, 0)
    assert lire_date_naissance("196205") == lire_date_naissance("1962-05") == DateLunaire(1962, 5, 0)
    assert [ecrire_date_naissance(DateLunaire(1962, 5, 0), f) for f in ("iso", "hl7", "fr")] == [
        "1962-05", "196205", "00/05/1962"]
    with pytest.raises(DateIllisible, match="un jour connu demande un mois connu"):
        lire_date_naissance("12/00/1962")
    with pytest.raises(DateIllisible, match="n'existe pas au calendrier"):
        lire_date_naissance("1950-02-30")


# --- the demo's DUI exports and the guide's round trip ------------------------------------------------------

def test_fichiers_de_demo_a_jour(tmp_path):
    """The shipped exports are what `personnes()` describes (regenerate with ecrire_fichiers() if this fails)."""
    ecrire_fichiers(tmp_path)
    for nom, _format in demo_dui.FICHIERS.values():
        assert (tmp_path / nom).read_bytes() == (demo_dui.DOSSIER / nom).read_bytes(), nom


@pytest.mark.parametrize("categorie", ["500", "460", "183"])
def test_demo_import_lot_insi_puis_export(db, settings, categorie, journal):
    """Import → batch qualification (local INSi stand-in) → document check → export: the qualified identity goes
    back with its INS, the others without."""
    settings.SOCLE_INSI_EXIGER_CERTIFICAT = False
    et = EtablissementFactory(categorie_code=categorie)
    deposer_certificat_insi(et.organisme, "INSI-AUTO")
    nom, format_ = demo_dui.FICHIERS[categorie]
    demo_dui.peupler(SimpleNamespace(etablissements=[et], notes=[]))
    a = importer.importer(demo_dui.DOSSIER / nom, et)
    assert a.format == format_ and a.resultat["crees"] == demo_dui.N
    lot = batch.preparer_lot(et, debit=1000)
    batch.executer_lot(lot.pk, pause=lambda s: None)
    connues = [p for p in demo_dui.personnes(categorie) if p["connue"]]
    recup = Usager.objects.filter(sejours__etablissement=et, statut="RECUP")
    assert recup.count() == len(connues)
    u = recup.first()
    services.enregistrer_controle(u, "PA")
    u.refresh_from_db()
    assert u.statut == "QUAL"
    sortie = io.StringIO()
    exporter.exporter(et, "fhir", sortie, depuis="dernier")
    entrees = [e["resource"] for e in json.loads(sortie.getvalue())["entry"]]
    assert all(fhir.verifier_patient(p) == [] for p in entrees)
    avec_ins = [p for p in entrees if p["meta"]["profile"] == [fhir.PROFIL_PATIENT_INS]]
    assert [p["id"] for p in avec_ins] == [f"socle-{u.pk}"]
    ipp = IdentifiantLocal.objects.get(usager=u, etablissement=et).ipp
    assert {i["value"] for i in avec_ins[0]["identifier"]} == {ipp, u.ins}


IMMEDIAT = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
                        "QUEUES": ["default", "imports", "ins"]}}


def test_gros_fichier_par_le_travailleur_de_fond(et, tmp_path, client_de, settings):
    """Beyond SOCLE_USAGERS_SEUIL_TACHE the screen hands the dry run and the commit to `socle worker` (here the
    immediate backend); a dry run with blocking errors keeps no file."""
    settings.TASKS = IMMEDIAT
    settings.SOCLE_USAGERS_SEUIL_TACHE = 10
    c = client_de(utilisateur_avec(Fonction.ADMISSION, etablissement=et))
    with open(_csv(tmp_path, LIGNES_OK), "rb") as f:
        c.post(reverse("usagers:echanges_esms", args=[et.finess]), {"fichier": f, "format": "csv"})
    ech = EchangeDui.objects.get()
    assert ech.statut == "simule" and ech.rapport["comptes"]["a_creer"] == 3
    c.post(reverse("usagers:echanges_valider", args=[ech.pk]))
    ech.refresh_from_db()
    assert ech.statut == "termine" and Usager.objects.count() == 3
    with open(_csv(tmp_path, [["E1", "X", "Y", "99/99/1999", "F", "69123", ""]], nom="ko.csv"), "rb") as f:
        c.post(reverse("usagers:echanges_esms", args=[et.finess]), {"fichier": f, "format": "csv"})
    ko = EchangeDui.objects.filter(sens="import").order_by("-pk").first()
    assert ko.statut == "simule" and ko.rapport["comptes"]["erreurs"] == 1 and not ko.fichier
    page = c.get(reverse("usagers:echanges_import", args=[ko.pk])).content.decode()
    assert "Valider l'import" not in page and "99/99/1999" in page
