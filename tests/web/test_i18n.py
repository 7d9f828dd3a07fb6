"""The UI strings are marked for translation: the French catalogue lists them, and a test language built from a
handful of entries really changes templates, view messages, form labels and command output (so the strings go
through gettext at run time, not only through the extractor). French output stays the source text."""

import ast
import gettext
import io
import struct
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from socle.comptes import rights
from socle.comptes.forms import CompteForm
from socle.comptes.models import Fonction
from tests.comptes.factories import utilisateur_avec
from tests.organisations.factories import OrganismeFactory, finess_seq

LOCALE = Path(__file__).resolve().parents[2] / "socle" / "locale" / "fr" / "LC_MESSAGES"


def lire_po(path: Path) -> dict[tuple[str | None, str], str]:
    """Minimal .po reader: {(msgctxt, msgid): msgstr}, multi-line strings joined, header skipped."""
    entries: dict[tuple[str | None, str], str] = {}
    current: dict[str, str] = {}
    key = None

    def flush():
        if "msgid" in current and current["msgid"]:
            entries[(current.get("msgctxt"), current["msgid"])] = current.get("msgstr", "")

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if not line and current:
                flush()
                current, key = {}, None
            continue
        if line.startswith('"'):
            current[key] += ast.literal_eval(line)
            continue
        key, _, value = line.partition(" ")
        current[key] = ast.literal_eval(value)
    flush()
    return entries


def ecrire_mo(path: Path, messages: dict[str, str]) -> None:
    """Write a GNU .mo catalogue (same layout as CPython's Tools/i18n/msgfmt.py)."""
    messages = {"": "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n",
                **messages}
    keys = sorted(messages)
    ids = strs = b""
    offsets = []
    for k in keys:
        kb, vb = k.encode(), messages[k].encode()
        offsets.append((len(ids), len(kb), len(strs), len(vb)))
        ids += kb + b"\0"
        strs += vb + b"\0"
    start_ids = 7 * 4
    start_strs = start_ids + len(keys) * 8
    data_ids = start_strs + len(keys) * 8
    data_strs = data_ids + len(ids)
    koffsets, voffsets = [], []
    for o1, l1, o2, l2 in offsets:
        koffsets += [l1, o1 + data_ids]
        voffsets += [l2, o2 + data_strs]
    out = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), start_ids, start_strs, 0, 0)
    out += struct.pack(f"{len(koffsets)}i", *koffsets) + struct.pack(f"{len(voffsets)}i", *voffsets) + ids + strs
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out)


ANGLAIS = {
    "Se connecter": "Log in",
    "Se connecter avec Pro Santé Connect": "Sign in with Pro Santé Connect",
    "Connexion à Socle": "Sign in to Socle",
    "Organismes gestionnaires": "Managing bodies",
    "Journal d'accès": "Access log",
    "Aucun organisme dans votre périmètre.": "No managing body in your scope.",
    "Cet organisme n'est pas dans votre périmètre.": "This managing body is outside your scope.",
    "Courriel professionnel": "Work e-mail",
    "numéro FINESS": "FINESS number",
    "%(label)s « %(numero)s » valide.": "%(label)s “%(numero)s” is valid.",
}


@pytest.fixture
def langue_de_test(tmp_path):
    """English catalogue made of ANGLAIS only, put first in LOCALE_PATHS."""
    ecrire_mo(tmp_path / "en" / "LC_MESSAGES" / "django.mo", ANGLAIS)
    locales = [tmp_path, LOCALE.parent.parent]
    with override_settings(LOCALE_PATHS=locales, LANGUAGES=[("fr", "Français"), ("en", "English")]):
        yield


def test_catalogue_fr_lists_the_strings_of_the_key_screens():
    po = lire_po(LOCALE / "django.po")
    attendus = [
        "Se connecter", "Identifiant ou mot de passe incorrect.",  # connexion
        "Organismes gestionnaires", "Anomalies FINESS à signaler (%(n)s)", "Importer un extrait FINESS",
        "Journal d'accès", "Aucun événement.",  # journal d'accès
        "Comptes et fonctions — %(og)s", "Fonction attribuée.", "Courriel professionnel",
        "Seul le représentant légal de l'organisme peut créer des comptes.",
        "Tableau de bord — %(titre)s", "Connexions des 30 derniers jours par profil",
        "Prérequis Ségur", "Mes prochaines actions (%(n)s)", "Date cible de « %(jalon)s » enregistrée.",
        "Cet organisme n'est pas dans votre périmètre.",
        "%(label)s « %(numero)s » valide.", "Rappels envoyés : %(etapes)s étape(s) en retard, "
        "%(certificats)s certificat(s).",
        "Se déconnecter", "Tableaux de bord",  # base.html, menu
        "clé de contrôle incorrecte : la clé attendue est %(attendue)s, pas %(recue)s",  # core/identifiants.py
    ]
    manquants = [m for m in attendus if (None, m) not in po]
    assert not manquants, f"absents du catalogue : {manquants}"
    assert ("statut fait", "F") in po
    assert len(po) > 300
    # French is the source language: no entry rewrites the source text.
    assert all(not v or v == k for (_, k), v in po.items())


def test_compiled_catalogue_is_utf8_french_and_loads():
    with open(LOCALE / "django.mo", "rb") as f:
        catalogue = gettext.GNUTranslations(f)
    assert catalogue.info()["language"] == "fr"
    assert catalogue.charset() == "UTF-8"
    assert catalogue.gettext("Journal d'accès") == "Journal d'accès"


@pytest.mark.django_db
def test_french_screens_keep_the_source_text(client):
    resp = client.get(reverse("comptes:login"), HTTP_ACCEPT_LANGUAGE="fr")
    html = resp.content.decode()
    assert "Connexion à Socle" in html and ">Se connecter</button>" in html


@pytest.mark.django_db
def test_templates_and_menu_follow_the_active_language(langue_de_test, client, client_de):
    html = client.get(reverse("comptes:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sign in to Socle" in html and ">Log in</button>" in html
    assert ">Se connecter</button>" not in html  # ("Se connecter avec Pro Santé Connect" is not in the test catalogue)
    assert "Mot de passe" in html  # not in the test catalogue: falls back to the French source

    og = OrganismeFactory()
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    c = client_de(directrice)
    html = c.get(reverse("organisations:og_list") + "?q=zzz", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Managing bodies</h1>" in html
    assert ">Access log</a>" in html  # menu label (lazy, core/navigation.py)
    assert "Aucun organisme dans votre périmètre pour « zzz »." in html  # blocktranslate entry not translated
    html = c.get(reverse("organisations:og_list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<h1>Organismes gestionnaires</h1>" in html and ">Journal d&#x27;accès</a>" in html


@pytest.mark.django_db
def test_python_messages_labels_and_commands_follow_the_active_language(langue_de_test):
    og, autre = OrganismeFactory(), OrganismeFactory()
    directrice = utilisateur_avec(Fonction.REPRESENTANT_LEGAL, organisme=og)
    numero = finess_seq(123)
    with translation.override("en"):
        with pytest.raises(PermissionDenied, match="This managing body is outside your scope."):
            rights.exiger_organisme(directrice, autre)
        assert str(CompteForm().fields["email"].label) == "Work e-mail"
        out = io.StringIO()
        call_command("check_identifiant", "finess", numero, stdout=out)
        assert out.getvalue().strip() == f"FINESS number “{numero}” is valid."
    with translation.override("fr"):
        assert str(CompteForm().fields["email"].label) == "Courriel professionnel"
        out = io.StringIO()
        call_command("check_identifiant", "finess", numero, stdout=out)
        assert out.getvalue().strip() == f"numéro FINESS « {numero} » valide."
