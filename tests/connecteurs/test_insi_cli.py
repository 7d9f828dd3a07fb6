"""`socle ins search` with no configuration: the local stand-in over a real loopback HTTPS socket, one
JSON line per search, exit 0 for CR 00/01/02 and 2 for a technical error. The command presents the
installation's certificates (settings, or the stand-in's own): see client_installation."""

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from socle.connecteurs.commun.secrets import chiffrer
from socle.connecteurs.insi import Cadence, client_installation
from socle.connecteurs.insi.configuration import secret
from socle.connecteurs.insi.interface import InsiErreurTechnique
from socle.connecteurs.insi.pki import ORGANISATION_BOUCHON
from socle.connecteurs.insi.standin import bouchon_local


def _search(*args) -> tuple[dict, int]:
    out, err = StringIO(), StringIO()
    code = 0
    try:
        call_command("ins", "search", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return json.loads(out.getvalue().strip().splitlines()[-1]), code


def test_adrtrois_dominique():
    res, code = _search("--nom", "ADRTROIS", "--prenoms", "DOMINIQUE", "--sexe", "F", "--naissance", "1997-02-26")
    assert code == 0
    assert (res["cr"], res["ins"], res["cle"], res["oid"]) == ("00", "297022A020778", "78", "1.2.250.1.213.1.4.8")
    assert res["traits"] == {
        "nom_naissance": "ADRTROIS",
        "prenoms": "DOMINIQUE",
        "premier_prenom": "DOMINIQUE",
        "sexe": "F",
        "date_naissance": "1997-02-26",
        "lieu_naissance": "2A020",
    }
    assert res["appels"] == 1


def test_de_vinci_several():
    res, code = _search("--nom", "DE VINCI", "--prenoms", "LEONARDO", "--sexe", "M", "--naissance", "2014-02-01")
    assert code == 0 and res["cr"] == "02" and res["ins"] is None


def test_houilles_none_after_four_calls():
    res, code = _search(
        "--nom", "HOUILLES", "--prenoms", "PIERRE PAUL JACQUES", "--sexe", "M", "--naissance", "1993-01-27"
    )
    assert code == 0 and res["cr"] == "01" and res["appels"] == 4


def test_lieu_option_is_sent():
    res, _ = _search(
        "--nom", "FUSIONNEE", "--prenoms", "JEANNE", "--sexe", "F", "--naissance", "1950-05-12", "--lieu", "74011"
    )
    assert res["cr"] == "00" and res["traits"]["lieu_naissance"] == "74010"


def test_technical_error_exits_2_with_a_french_message():
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "ins", "search", "--nom", "ERREURTECHNIQUE", "--prenoms", "A", "--sexe", "M", "--naissance",
            "1970-01-01", stdout=out, stderr=err,
        )
    assert exc.value.code == 2
    assert "Erreur technique INSi" in err.getvalue()
    assert json.loads(out.getvalue())["code"] == "siram_40/insi_102"


def test_bad_date_exits_2():
    err = StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command(
            "ins", "search", "--nom", "X", "--prenoms", "A", "--sexe", "M", "--naissance", "26/02/1997",
            stdout=StringIO(), stderr=err,
        )
    assert exc.value.code == 2 and "AAAA-MM-JJ" in err.getvalue()


def test_installation_client_defaults_to_the_local_standin_and_mode_picks_the_certificate():
    import datetime as dt

    from socle.connecteurs.insi.interface import TraitsRecherche

    bouchon = bouchon_local()
    bouchon.journal.vider()
    traits = TraitsRecherche("CORSE", ("ANTHONY",), "M", dt.date(1980, 3, 2))
    assert client_installation(mode="AUTO").rechercher(traits).identite.ins == "180032B02040123"
    assert client_installation().rechercher(traits).cr == "00"
    assert [a.cn for a in bouchon.journal.appels] == ["INSI-AUTO", "INSI-MANU"]
    assert {a.organisation for a in bouchon.journal.appels} == {ORGANISATION_BOUCHON}
    assert client_installation().configuration.url.startswith("https://127.0.0.1:")


@override_settings(SOCLE_INSI_URL="https://qualiflps-services-ps-tlsm.ameli.fr/lps", SOCLE_INSI_P12_AUTO="",
                   SOCLE_INSI_CERT_AUTO="")
def test_configured_url_without_certificate_is_a_french_configuration_error():
    with pytest.raises(InsiErreurTechnique) as exc:
        client_installation(mode="AUTO")
    assert exc.value.code == "configuration" and "INSI-AUTO" in str(exc.value)
    assert exc.value.reessayable is False  # someone must configure it: retrying is useless


@override_settings(SOCLE_INSI_URL="https://qualiflps-services-ps-tlsm.ameli.fr/lps", SOCLE_INSI_IDAM="",
                   SOCLE_INSI_P12_MANU="/nulle/part.p12")
def test_configured_url_without_idam_is_refused_before_any_call():
    import datetime as dt

    from socle.connecteurs.insi.interface import TraitsRecherche

    with pytest.raises(InsiErreurTechnique) as exc:
        client_installation().rechercher(TraitsRecherche("CORSE", ("ANTHONY",), "M", dt.date(1980, 3, 2)))
    assert exc.value.code == "configuration" and "SOCLE_INSI_IDAM" in str(exc.value)


def test_encrypted_password_setting_is_decrypted():
    jeton = chiffrer("s3cret-p12")
    assert jeton != "s3cret-p12"
    with override_settings(SOCLE_INSI_PASSWORD_AUTO="", SOCLE_INSI_PASSWORD_AUTO_CHIFFRE=jeton):
        assert secret("SOCLE_INSI_PASSWORD_AUTO") == "s3cret-p12"
    with override_settings(SOCLE_INSI_PASSWORD_AUTO="", SOCLE_INSI_PASSWORD_AUTO_CHIFFRE="abimé"):
        with pytest.raises(InsiErreurTechnique) as exc:
            secret("SOCLE_INSI_PASSWORD_AUTO")
        assert exc.value.code == "certificat" and not exc.value.reessayable


def test_cadence_interval_follows_the_rate():
    assert Cadence(4).intervalle == 0.25
    assert Cadence(0).intervalle == 0.0


def test_socle_command_line_end_to_end(tmp_path):
    """The installed `socle` command, a fresh process: stand-in started on demand, real HTTPS socket."""
    socle = Path(sys.executable).parent / "socle"
    env = {**os.environ, "SOCLE_DATA_DIR": str(tmp_path)}
    env.pop("SOCLE_INSI_URL", None)
    proc = subprocess.run(
        [str(socle), "ins", "search", "--nom", "ADRTROIS", "--prenoms", "DOMINIQUE", "--sexe", "F",
         "--naissance", "1997-02-26"],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (res["ins"], res["cle"]) == ("297022A020778", "78")
    assert (tmp_path / "insi-standin" / "ca.pem").exists()


def test_configured_url_uses_the_configured_certificates(tmp_path):
    """The production path of the installation's certificates (SOCLE_INSI_URL set), pointed at a stand-in
    run separately: PKCS#12 with an encrypted password for AUTO, PEM files for MANU, explicit CA bundle and
    IDAM."""
    import datetime as dt

    from socle.connecteurs.insi.interface import TraitsRecherche
    from socle.connecteurs.insi.pki import P12_PASSWORD, assurer_pki
    from socle.connecteurs.insi.standin import BaseNationale, BouchonInsi, identites_cnam

    pki = assurer_pki(tmp_path)
    with BouchonInsi(pki, BaseNationale(identites_cnam()), lenteur=0) as bouchon:
        with override_settings(
            SOCLE_INSI_URL=bouchon.url,
            SOCLE_INSI_P12_AUTO=str(pki.auto_p12),
            SOCLE_INSI_PASSWORD_AUTO="",
            SOCLE_INSI_PASSWORD_AUTO_CHIFFRE=chiffrer(P12_PASSWORD),
            SOCLE_INSI_CERT_MANU=str(pki.manu.cert),
            SOCLE_INSI_KEY_MANU=str(pki.manu.key),
            SOCLE_INSI_CA_BUNDLE=str(pki.ca),
            SOCLE_INSI_IDAM="IDAM-CNDA-TEST",
        ):
            traits = TraitsRecherche("ADRTROIS", ("TOUSSAINT",), "M", dt.date(1960, 1, 1))
            assert client_installation(mode="AUTO").rechercher(traits).identite.ins == "160012B02077713"
            assert client_installation(mode="MANU").rechercher(traits).cr == "00"
        assert [(a.cn, a.idam) for a in bouchon.journal.appels] == [
            ("INSI-AUTO", "IDAM-CNDA-TEST"),
            ("INSI-MANU", "IDAM-CNDA-TEST"),
        ]


def test_R_DN_02_recherche_avec_une_date_lunaire():
    """`socle ins search --naissance 1962-00-00`: the CNAM DateLunaire is sent and read back as given."""
    bouchon = bouchon_local()
    bouchon.journal.vider()
    res, code = _search("--nom", "LUNAIRE", "--prenoms", "AMINA FATIMA", "--sexe", "F", "--naissance", "1962-00-00")
    assert code == 0 and res["cr"] == "00" and res["ins"] == "2622099350087"
    assert res["traits"]["date_naissance"] == "1962-00-00"
    assert len(bouchon.journal.appels) == 1
    res, code = _search("--nom", "LUNAIRE", "--prenoms", "AMINA", "--sexe", "F", "--naissance", "1962-01-01")
    assert code == 0 and res["cr"] == "01"  # never a silent rewrite: 01/01 is another date
