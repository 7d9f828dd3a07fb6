import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from socle.cli import translate
from socle.core.identifiants import avec_cle_luhn, finess_error, luhn_key, luhn_ok, nir_error, rpps_error
from socle.organisations.models import validate_finess
from tests.chemins import EXTRAIT_FINESS


def _all_finess():
    data = json.loads(EXTRAIT_FINESS.read_text(encoding="utf-8"))
    numbers = [p["informationsGeneralesPMEJ"]["numFinessPm"] for p in data["pmej"]]
    numbers += [e["informationsGeneralesEGE"]["numFinessEge"] for p in data["pmej"] for e in p["ege"]]
    return numbers


def test_every_real_finess_of_the_extract_is_valid():
    numbers = _all_finess()
    assert len(numbers) == 18
    assert [n for n in numbers if finess_error(n)] == []


def test_altered_real_finess_numbers_are_rejected():
    for n in _all_finess():
        wrong = n[:8] + str((int(n[8]) + 1) % 10)
        assert "clé de contrôle" in finess_error(wrong)


@pytest.mark.parametrize("numero,fragment", [
    ("01078057", "9 caractères"),
    ("0107805755", "9 caractères"),
    ("AB0780575", "département"),
    ("000000000", "« 00 »"),
])
def test_finess_format_errors(numero, fragment):
    assert fragment in finess_error(numero)


def test_corsican_finess_uses_department_20_for_the_key():
    body = "2A000001"
    key = luhn_key("20000001")
    assert finess_error(body + str(key)) is None
    assert finess_error(body + str((key + 1) % 10)) is not None


def test_model_validator_uses_same_rule():
    validate_finess("010780575")
    with pytest.raises(ValidationError, match="clé de contrôle"):
        validate_finess("010780576")


def test_rpps_luhn():
    body = "1000000000"
    good = body + str(luhn_key(body))
    assert rpps_error(good) is None
    assert "clé" in rpps_error(body + str((luhn_key(body) + 1) % 10))
    assert "11 chiffres" in rpps_error("123")


def test_nir_with_corsica_from_cnam_test_identity():
    # ADRTROIS DOMINIQUE, CNAM qualification platform: 297022A020778 key 78
    assert nir_error("297022A020778 78") is None
    assert "clé attendue est 78" in nir_error("297022A02077877")
    assert nir_error("160012B02077713") is None


def test_cli_translates_socle_commands():
    assert translate(["socle", "check", "finess", "1"]) == ["socle", "check_identifiant", "finess", "1"]
    assert translate(["socle", "check"]) == ["socle", "check"]
    assert translate(["socle", "import-finess", "f"]) == ["socle", "import_finess", "f"]
    assert translate(["socle", "worker"]) == ["socle", "socle_worker", "--queue-name", "*"]
    assert translate(["socle", "worker", "--queue-name", "ins"]) == ["socle", "socle_worker", "--queue-name", "ins"]


def test_check_command_exit_codes(capsys):
    call_command("check_identifiant", "finess", "010780575")
    assert "valide" in capsys.readouterr().out
    with pytest.raises(CommandError) as exc:
        call_command("check_identifiant", "finess", "010780576")
    assert exc.value.returncode == 1


def test_avec_cle_luhn_donne_des_numeros_valides():
    assert avec_cle_luhn("01078057") == "010780575"  # real FINESS number
    for corps in ("7500000", "10000000000"[:10], "6900001"):
        numero = avec_cle_luhn(corps)
        assert numero[:-1] == corps and luhn_ok(numero)
        assert not luhn_ok(corps + str((int(numero[-1]) + 1) % 10))
