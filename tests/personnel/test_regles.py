"""Rules of the staff registry without HTTP: field checks, métier → rôle table, who must register."""

import csv
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from socle import referentiels
from socle.personnel import rules
from socle.personnel.models import MetierRole, Professionnel, RegleEnregistrement
from socle.personnel.nomenclatures import ROLES, normaliser_metier
from socle.referentiels import ReferentielInvalide
from tests.organisations.factories import OrganismeFactory
from tests.personnel.factories import ProfessionnelFactory, SituationFactory, rpps_valide

pytestmark = pytest.mark.django_db


def test_roles_are_the_official_value_set():
    with open(referentiels.chemin("JDV_J121_RolePriseCharge_ENREG.csv"), encoding="utf-8") as fh:
        officiel = [(r["code"], r["libelle"]) for r in csv.DictReader(fh, delimiter=";")]
    assert list(ROLES.items()) == officiel and len(ROLES) == 60


@pytest.mark.parametrize("a,b", [
    ("Chef(fe) de Service", "cheffe de service"), ("Directeur/Directrice", "DIRECTRICE"),
    ("Maître(sse) de maison", "Maitresse de maison"), ("Educateur Spécialisé", "éducatrice spécialisée"),
    ("Aide soignant", "Aide-Soignante"), ("Assistant(e) Social", "assistante sociale"),
])
def test_metier_titles_match_tolerantly(a, b):
    assert normaliser_metier(a) == normaliser_metier(b)


@pytest.mark.parametrize("mobile,ok", [("06 12 34 56 78", True), ("+33 7 12 34 56 78", True), ("0033612345678", True),
                                       ("04 78 12 34 56", False), ("0612", False), ("", False)])
def test_mobile_must_be_french(mobile, ok):
    assert (rules.mobile_error(mobile) is None) is ok


def test_birthplace_and_birthdate_rules():
    assert rules.lieu_naissance_error("69381", "") is None
    assert rules.lieu_naissance_error("", "99134") is None
    assert rules.lieu_naissance_error("2A004", "") is None
    assert "absent" in rules.lieu_naissance_error("", "")
    assert "99100" in rules.lieu_naissance_error("", "99100")
    assert "99" in rules.lieu_naissance_error("", "134")
    assert "futur" in rules.date_naissance_error(date.today() + timedelta(days=1))


def test_default_table_is_the_vendored_field_table(settings):
    vendored = referentiels.chemin("metiers-roles-grappe.csv")
    assert settings.PERSONNEL_METIERS_CSV == str(vendored)  # default when SOCLE_METIERS_CSV is not set
    officiel = rules.table_metiers_par_defaut()
    assert officiel == rules.lire_table_metiers(vendored) and len(officiel) == 24
    par = {lg.metier: lg for lg in officiel}
    assert (par["Accompagnant éducatif et social"].genre, par["Accompagnant éducatif et social"].role) == ("GENR10", "328")
    assert par["Agent administratif"].genre == "GENR09" and par["Aide soignant"].genre == "GENR11"
    assert par["Directeur/Directrice"].genre == "GENR12" and par["Directeur/Directrice"].role == "359"
    assert not par["Surveillant de nuit"].concerne and not par["Maître(sse) de maison"].concerne


def test_other_metier_table_by_setting(settings, tmp_path):
    autre = tmp_path / "metiers-autre-secteur.csv"
    autre.write_text("metier;role_numero;genre_activite;role\nVeilleur de nuit;2;GENR10;367\n", encoding="utf-8")
    settings.PERSONNEL_METIERS_CSV = str(autre)
    assert [(lg.metier, lg.role, lg.genre, lg.concerne) for lg in rules.table_metiers_par_defaut()] == [
        ("Veilleur de nuit", "367", "GENR10", True)]


@pytest.mark.parametrize("contenu,fragment", [
    (None, "table métier → rôle absente"),
    ("metier;role_numero;genre_activite\nAnimateur;2;GENR42\n", "GENR42"),
    ("intitule;numero\nAnimateur;2\n", "table métier → rôle vide"),
    (b"metier;role_numero;genre_activite\nAnimat\xe9ur;2;GENR10\n", "invalide"),
])
def test_missing_or_broken_metier_table_is_an_error_not_a_fallback(settings, tmp_path, contenu, fragment):
    chemin = tmp_path / "metiers.csv"
    if isinstance(contenu, str):
        chemin.write_text(contenu, encoding="utf-8")
    elif contenu is not None:
        chemin.write_bytes(contenu)
    settings.PERSONNEL_METIERS_CSV = str(chemin)
    with pytest.raises(ReferentielInvalide, match=fragment) as exc:
        rules.table_metiers_par_defaut()
    assert str(chemin) in str(exc.value) and "SOCLE_METIERS_CSV" in str(exc.value)
    og = OrganismeFactory()
    with pytest.raises(ReferentielInvalide):  # a new OG is not silently given another table
        rules.preremplir_organisme(og)
    assert not MetierRole.objects.filter(organisme=og).exists()


def test_import_metiers_command(tmp_path, capsys):
    og = OrganismeFactory()
    rules.preremplir_organisme(og)
    assert MetierRole.objects.filter(organisme=og).count() == 24
    f = tmp_path / "metiers.csv"
    f.write_text("metier;role_numero;genre_activite;role\nSurveillant de nuit;2;GENR10;367\nVeilleuse de nuit;2;;367\n",
                 encoding="utf-8")
    call_command("import_metiers", str(f), "--og", og.finess)
    assert "1 ajouté(s), 1 mis à jour" in capsys.readouterr().out
    veilleur = MetierRole.objects.get(organisme=og, cle="veilleur de nuit")
    assert veilleur.genre_activite == "GENR10" and veilleur.concerne
    assert MetierRole.objects.get(organisme=og, cle="surveillant de nuit").concerne
    f.write_text("metier;role_numero;genre_activite\nX;2;GENR42\n", encoding="utf-8")
    with pytest.raises(CommandError, match="ligne 2, colonne genre_activite"):
        call_command("import_metiers", str(f), "--og", og.finess)


def _statut(pro):
    return rules.statut(pro, list(pro.situations.all()), rules.contexte(pro.organisme))


def test_who_must_register():
    s = SituationFactory()
    og = s.professionnel.organisme
    assert _statut(s.professionnel).code == rules.A_ENREGISTRER
    assert "GENR10" in _statut(s.professionnel).motif
    # RPPS known
    p = ProfessionnelFactory(organisme=og, rpps=rpps_valide(3))
    SituationFactory(professionnel=p)
    assert _statut(p).code == rules.DEJA_RPPS
    # a health professional, a psychologist, a social worker: already in RPPS, never primo-registered
    for metier in ("Infirmière coordinatrice", "Psychologue", "Assistante sociale", "Psychomotricienne"):
        p = ProfessionnelFactory(organisme=og)
        SituationFactory(professionnel=p, metier=metier)
        st = _statut(p)
        assert st.code == rules.DEJA_RPPS and "ne pas primo-enregistrer" in st.motif, metier
    # not concerned by the OG's table
    p = ProfessionnelFactory(organisme=og)
    SituationFactory(professionnel=p, metier="Surveillante de nuit", role="", genre_activite="")
    assert _statut(p).code == rules.NON_CONCERNE and "Surveillant de nuit" in _statut(p).motif
    # ... unless she has a nominative MSSanté box
    p.mssante = "x@demo.mssante.invalid"
    assert _statut(p).code == rules.A_ENREGISTRER and "MSSanté" in _statut(p).motif
    # a leaver
    p = ProfessionnelFactory(organisme=og)
    SituationFactory(professionnel=p, date_fin=date.today() - timedelta(days=3))
    assert _statut(p).code == rules.NON_CONCERNE


def test_rules_are_editable_per_og():
    s = SituationFactory(metier="Agent administratif", role="312", genre_activite="GENR09")
    pro = s.professionnel
    assert _statut(pro).code == rules.A_ENREGISTRER
    regle = RegleEnregistrement.objects.get(organisme=pro.organisme)
    regle.genres_acces_dui = ["GENR10", "GENR11"]
    regle.save()
    assert _statut(pro).code == rules.NON_CONCERNE
    pro.consulte_dmp = True
    assert _statut(pro).code == rules.A_ENREGISTRER and "DMP" in _statut(pro).motif
    regle.critere_dmp = False
    regle.save()
    assert _statut(pro).code == rules.NON_CONCERNE


def test_ecps_identifier_and_cpx_delay():
    from django.utils import timezone

    p = ProfessionnelFactory(rpps=rpps_valide(5), rpps_enregistre_le=timezone.now())
    assert p.identifiant_activation_ecps == "8" + p.rpps
    assert p.activation_cpx_possible_le - p.rpps_enregistre_le == timedelta(hours=48)


def test_identity_and_rpps_are_unique_per_og():
    from django.db import IntegrityError, transaction

    p = ProfessionnelFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Professionnel.objects.create(organisme=p.organisme, nom_naissance=p.nom_naissance.lower(), prenoms=["camille"],
                                     sexe="F", date_naissance=p.date_naissance)
