"""R-DN-02: lunar birth dates (day and/or month 00) are read, stored, shown and sent to INSi as given, through
the value type, the form, the database, the screens, the INSi stand-in (real HTTPS + SOAP) and the exports."""

from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from socle.core.naissance import DateLunaire, DateLunaireInvalide, parse_saisie
from socle.usagers import rniv, services
from socle.usagers.models import AnomalieIns, Usager
from socle.usagers.naissance import ChampDateNaissance
from tests.usagers.factories import fixture_admission, fixture_etablissement, fixture_journal  # noqa: F401


def test_R_DN_02_valeur_lue_validee_ordonnee_affichee():
    d = DateLunaire.lire("1962-00-00")
    assert (d.year, d.month, d.day) == (1962, 0, 0)
    assert d.isoformat() == "1962-00-00" and str(d) == "00/00/1962" and f"{d:%d/%m/%Y}" == "00/00/1962"
    assert d.lunaire and d.reelle is None
    assert (d.plus_tot(), d.plus_tard()) == (date(1962, 1, 1), date(1962, 12, 31))
    assert DateLunaire.lire("00/03/1962") == DateLunaire(1962, 3, 0) and DateLunaire(1962, 3, 0).reelle is None
    # a complete date is the calendar date: equal, same hash, derived real date
    assert DateLunaire.lire("04/03/1950") == date(1950, 3, 4) and hash(DateLunaire(1950, 3, 4)) == hash(date(1950, 3, 4))
    assert DateLunaire(1950, 3, 4).reelle == date(1950, 3, 4)
    # ordering: unknown (00) before any known value, the same order as the ISO text stored in the database
    valeurs = [DateLunaire(1962, 1, 1), DateLunaire(1962, 0, 0), DateLunaire(1961, 12, 31), DateLunaire(1962, 1, 0)]
    assert [v.isoformat() for v in sorted(valeurs)] == sorted(v.isoformat() for v in valeurs)
    assert sorted(valeurs)[1] == DateLunaire(1962, 0, 0) and DateLunaire(1962, 0, 0) < date(1962, 1, 1)
    for faux in ("1962-13-00", "1962-00-32", "62-00-00", "hier", "00/00/0000"):
        with pytest.raises(DateLunaireInvalide):
            DateLunaire.lire(faux)


def test_R_DN_02_saisie_par_une_personne():
    assert parse_saisie("00/00/1962") == DateLunaire(1962, 0, 0)
    assert parse_saisie("00/07/1962").isoformat() == "1962-07-00"
    with pytest.raises(DateLunaireInvalide, match="mois connu"):
        parse_saisie("15/00/1962")  # a known day without its month: a typing error
    with pytest.raises(DateLunaireInvalide, match="calendrier"):
        parse_saisie("31/04/1962")
    champ = ChampDateNaissance()
    assert champ.clean("00/00/1962") == DateLunaire(1962, 0, 0)
    assert champ.widget.input_type == "text"  # never a native date input (follows the browser's locale)
    assert champ.prepare_value(DateLunaire(1962, 0, 0)) == "00/00/1962"
    annee = date.today().year + 1
    with pytest.raises(Exception, match="futur"):
        champ.clean(f"00/00/{annee}")
    assert rniv.date_naissance_erreur(DateLunaire(date.today().year, 0, 0)) is None  # may be this year
    assert "R-DN-02" in rniv.date_naissance_erreur("1962/00/00")


def test_R_DN_02_stockee_telle_quelle_et_affichee(client_de, admission, etablissement):
    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Lunaire", "prenoms_naissance": "Amina Fatima", "sexe": "F",
        "date_naissance": "00/00/1962", "lieu_naissance": "99350"})
    assert Usager.objects.filter(pk=u.pk).values_list("date_naissance", flat=True).get() == DateLunaire(1962, 0, 0)
    from django.db import connection

    with connection.cursor() as cur:  # the column holds the text as given, never 1962-01-01
        cur.execute("SELECT date_naissance FROM usagers_usager WHERE id = %s", [u.pk])
        assert cur.fetchone()[0] == "1962-00-00"
    u.refresh_from_db()
    assert u.date_naissance.lunaire and str(u) == "LUNAIRE AMINA, né(e) le 00/00/1962, F"
    assert Usager.objects.filter(date_naissance="00/00/1962").get() == u  # a lookup reads what a person types
    c = client_de(admission)
    html = c.get(reverse("usagers:fiche", args=[u.pk])).content.decode()
    assert "00/00/1962" in html and "01/01/1962" not in html
    html = c.get(reverse("usagers:index"), {"q": "00/00/1962"}).content.decode()
    assert "LUNAIRE" in html and "00/00/1962" in html
    # history keeps the ISO text as given
    assert u.historique.get().changements["date_naissance"] == [None, "1962-00-00"]
    # under 18 counted on birthdays, from the latest day a lunar date may stand for
    assert rniv.age_le(u.date_naissance, date(1980, 12, 30)) == 17
    assert rniv.age_le(u.date_naissance, date(1980, 12, 31)) == 18


def test_R_DN_02_saisie_a_l_ecran_de_creation(client_de, admission, etablissement):
    r = client_de(admission).post(reverse("usagers:nouveau"), {
        "nom_naissance": "Lunaire-Ecran", "prenoms_naissance": "Amina", "premier_prenom": "",
        "date_naissance": "00/00/1962", "sexe": "F", "lieu_naissance": "99350", "etablissement": etablissement.pk,
        "date_admission": "2026-11-01"})
    assert r.status_code == 302
    u = Usager.objects.get(nom_naissance="LUNAIRE-ECRAN")
    assert u.date_naissance.isoformat() == "1962-00-00"
    r = client_de(admission).post(reverse("usagers:nouveau"), {
        "nom_naissance": "Lunaire-Faux", "prenoms_naissance": "Amina", "premier_prenom": "",
        "date_naissance": "15/00/1962", "sexe": "F", "lieu_naissance": "99350", "etablissement": etablissement.pk,
        "date_admission": "2026-11-01"})
    assert r.status_code == 200 and "un jour connu demande un mois connu" in r.content.decode()
    assert not Usager.objects.filter(nom_naissance="LUNAIRE-FAUX").exists()


def test_R_DN_02_qualification_par_insi_avec_le_bouchon(client_de, admission, etablissement, journal):
    """INSi (the stand-in over HTTPS + SOAP) returns 1962-00-00: no crash, stored verbatim, RECUP then QUAL."""
    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Lunaire", "prenoms_naissance": "Amina Fatima", "sexe": "F",
        "date_naissance": DateLunaire(1962, 0, 0), "lieu_naissance": "99350"})
    appel = services.appeler_insi(u, user=admission)
    assert appel.cr == "00" and appel.reponse["date_naissance"] == "1962-00-00"
    assert appel.traits_envoyes["date_naissance"] == "1962-00-00"
    assert journal.appels[-1].cr == "00"
    u = services.accepter_identite(u, appel, user=admission)
    assert u.statut == "RECUP" and u.ins == "262209935008724"
    u.refresh_from_db()
    assert u.date_naissance == DateLunaire(1962, 0, 0)
    assert rniv.donnees_ins_document(u) is None  # RECUP: never sent
    services.enregistrer_controle(u, "PA", user=admission)
    u.refresh_from_db()
    assert u.statut == "QUAL" and rniv.donnees_ins_document(u)["date_naissance"] == "1962-00-00"
    # the INSi comparison screen shows both dates as given
    lignes = {r["champ"]: r for r in services.comparaison(u, appel)}
    assert (lignes["date_naissance"]["saisi"], lignes["date_naissance"]["insi"]) == ("00/00/1962", "00/00/1962")
    assert not lignes["date_naissance"]["diff"]


def test_R_DN_02_export_des_anomalies(client_de, etablissement):
    from django.utils import timezone

    from socle.comptes.models import Fonction
    from tests.comptes.factories import utilisateur_avec

    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Lunaire", "prenoms_naissance": "Amina", "sexe": "F",
        "date_naissance": "00/00/1962", "lieu_naissance": "99350"})
    AnomalieIns.objects.create(usager=u, etablissement=etablissement, type="non_trouvee", creee_le=timezone.now())
    r = client_de(utilisateur_avec(Fonction.ADMISSION, etablissement=etablissement)).get(reverse("usagers:anomalies_export"))
    assert r.status_code == 200
    ws = load_workbook(BytesIO(r.content)).active
    valeurs = [c.value for c in ws[2]]
    assert "00/00/1962" in valeurs  # text as given, never a made-up 01/01/1962


def test_R_DN_02_sauvegarde_json_aller_retour(etablissement):
    """`socle backup --format json` (dumpdata / loaddata) keeps the lunar date as given."""
    from django.core import serializers

    u = services.creer_usager(etablissement.organisme, etablissement, {
        "nom_naissance": "Lunaire", "prenoms_naissance": "Amina", "sexe": "F",
        "date_naissance": "00/07/1962", "lieu_naissance": "99350"})
    texte = serializers.serialize("json", [Usager.objects.get(pk=u.pk)])
    assert '"date_naissance": "1962-07-00"' in texte
    Usager.objects.filter(pk=u.pk).update(date_naissance="1999-01-01")
    for obj in serializers.deserialize("json", texte):
        obj.save()
    assert Usager.objects.get(pk=u.pk).date_naissance == DateLunaire(1962, 7, 0)
