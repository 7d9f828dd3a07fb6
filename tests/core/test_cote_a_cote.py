"""`cote_a_cote`: independent reads side by side on PostgreSQL (a thread, a connection of its own, closed after),
one after the other on SQLite and inside a transaction, where another connection would not see the rows."""

import threading

import pytest
from django.db import connection

from socle.core.bdd import cote_a_cote
from socle.core.memoire import sans_ramasse_miettes
from socle.organisations.models import OrganismeGestionnaire


def _ou() -> tuple[str, int]:
    """Which thread, and which database session, ran this."""
    with connection.cursor() as c:
        c.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 1")
        return threading.current_thread().name, c.fetchone()[0]


@pytest.mark.django_db
def test_dans_une_transaction_tout_reste_dans_le_fil_et_voit_les_lignes_non_validees():
    OrganismeGestionnaire.objects.create(finess="690000013", raison_sociale="OG NON VALIDÉ")
    r = cote_a_cote({"a": _ou, "b": _ou, "n": lambda: OrganismeGestionnaire.objects.count()})
    assert r["a"] == r["b"] and r["a"][0] == threading.current_thread().name
    assert r["n"] == 1 and list(r) == ["a", "b", "n"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_sur_postgresql_hors_transaction_chaque_calcul_a_son_fil_et_sa_connexion_fermee_apres():
    OrganismeGestionnaire.objects.create(finess="690000013", raison_sociale="OG VALIDÉ")
    avant = _sessions()
    r = cote_a_cote({"a": _ou, "b": _ou, "n": lambda: OrganismeGestionnaire.objects.count()})
    assert r["a"][0] == threading.current_thread().name  # the first one in the request's own connection
    assert r["b"][0] != r["a"][0] and r["b"][1] != r["a"][1]  # another thread, another session
    assert r["n"] == 1
    assert _sessions() == avant  # the threads' connections are closed


def _sessions() -> int:
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return c.fetchone()[0]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_sur_postgresql_une_erreur_d_un_fil_remonte():
    def echoue():
        raise ValueError("calcul impossible")

    with pytest.raises(ValueError, match="calcul impossible"):
        cote_a_cote({"a": lambda: 1, "b": echoue})


def test_sans_ramasse_miettes_le_remet_comme_il_etait_meme_sur_erreur():
    import gc

    assert gc.isenabled()
    with pytest.raises(RuntimeError), sans_ramasse_miettes():
        assert not gc.isenabled()
        raise RuntimeError
    assert gc.isenabled()
    gc.disable()
    try:
        with sans_ramasse_miettes():
            pass
        assert not gc.isenabled()  # it was off: left off
    finally:
        gc.enable()


def test_aucune_tache():
    assert cote_a_cote({}) == {}
