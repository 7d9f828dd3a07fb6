"""`socle backup` / `socle restore`: one archive (tar.gz, created 0600) with everything an installation needs
to come back on another machine:

- the database: SQLite copied with SQLite's online backup API (a consistent copy while Socle runs);
  PostgreSQL dumped by `pg_dump --format=custom` when the client is installed (restored by `pg_restore`),
  otherwise, or with `--format json`, by Django's `dumpdata` (restored by `loaddata`; a JSON archive also moves
  an installation from SQLite to PostgreSQL);
- the deposited files (MEDIA_ROOT);
- the keys: SOCLE_SECRETS_KEY, which encrypts the certificate passwords (without it they are lost), and the
  installation's INSi instance identifier.

The archive therefore holds personal data AND the key of the encrypted secrets: keep it like the database
itself (encrypted storage, restricted access). A restore refuses to overwrite an installation that holds data
unless `--force`, then brings the schema up to date (`migrate`) and writes one line in the access log.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from socle.audit.models import Action
from socle.audit.services import tracer

VERSION_ARCHIVE = 1
MANIFESTE = "manifeste.json"
CLE_SECRETS = "cles/SOCLE_SECRETS_KEY"
CLE_INSTANCE = "cles/SOCLE_INSI_INSTANCE"
FICHIER_BASE = {"sqlite": "base/socle.sqlite3", "pg_dump": "base/socle.pgdump", "json": "base/donnees.json"}
# Rebuilt by `migrate` (contenttypes, permissions) or worthless on another machine (sessions).
EXCLUS_JSON = ["contenttypes", "auth.permission", "sessions"]
APPS_SOCLE = ("comptes", "audit", "organisations", "personnel", "usagers", "prerequis", "pilotage", "web")


class SauvegardeErreur(Exception):
    """A backup or restore refused or failed, with a French message saying what to do."""


@dataclass
class Manifeste:
    version: int = VERSION_ARCHIVE
    cree_le: str = ""
    moteur: str = ""  # sqlite | postgresql
    format_base: str = ""  # sqlite | pg_dump | json
    migrations: list[list[str]] = field(default_factory=list)  # applied (app, name)
    fichiers_media: int = 0
    cles: list[str] = field(default_factory=list)

    @classmethod
    def lire(cls, donnees: bytes) -> Manifeste:
        d = json.loads(donnees)
        if not isinstance(d, dict) or d.get("version") != VERSION_ARCHIVE:
            raise SauvegardeErreur(f"Archive de sauvegarde d'un format inconnu (version {d.get('version')!r}, "
                                   f"attendue {VERSION_ARCHIVE}).")
        return cls(**{k: d[k] for k in cls.__dataclass_fields__ if k in d})


def _moteur() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def _pg_outil(nom: str) -> str | None:
    return shutil.which(nom)


def _pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump / pg_restore (the password never on the command line)."""
    s = connection.settings_dict
    args = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return [*args, "--dbname", str(s["NAME"])], env


def _executer(commande: list[str], env: dict[str, str]) -> None:
    res = subprocess.run(commande, env=env, capture_output=True, text=True, check=False)
    if res.returncode:
        raise SauvegardeErreur(f"{Path(commande[0]).name} a échoué (code {res.returncode}) : "
                               f"{(res.stderr or res.stdout).strip()[-2000:]}")


# --------------------------------------------------------------------------- backup


def _copier_base(dossier: Path, format_base: str) -> str:
    """Write the database into `dossier`; returns the format used."""
    moteur = _moteur()
    if format_base == "natif":
        if moteur == "sqlite":
            format_base = "sqlite"
        elif moteur == "postgresql" and _pg_outil("pg_dump"):
            format_base = "pg_dump"
        else:
            format_base = "json"
    cible = dossier / FICHIER_BASE[format_base]
    cible.parent.mkdir(parents=True, exist_ok=True)
    if format_base == "sqlite":
        connection.ensure_connection()
        destination = sqlite3.connect(cible)
        try:
            connection.connection.backup(destination)  # online backup API: a consistent snapshot
        finally:
            destination.close()
    elif format_base == "pg_dump":
        args, env = _pg_env()
        _executer([_pg_outil("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(cible),
                   *args], env)
    else:
        call_command("dumpdata", natural_foreign=True, natural_primary=True, exclude=EXCLUS_JSON, output=str(cible),
                     verbosity=0)
    return format_base


def _migrations_appliquees() -> list[list[str]]:
    return sorted([a, n] for a, n in MigrationRecorder(connection).applied_migrations())


def _fichiers_media() -> list[Path]:
    racine = Path(settings.MEDIA_ROOT)
    return sorted(p for p in racine.rglob("*") if p.is_file()) if racine.is_dir() else []


def sauvegarder(sortie: str | os.PathLike, *, format_base: str = "natif") -> Manifeste:
    """Write the archive at `sortie` (atomically: a temporary file renamed at the end)."""
    if format_base not in ("natif", "json"):
        raise SauvegardeErreur(f"Format de base inconnu « {format_base} » (natif ou json).")
    sortie = Path(sortie).resolve()
    if not sortie.parent.is_dir():
        raise SauvegardeErreur(f"Le dossier {sortie.parent} n'existe pas.")
    tracer(Action.EXPORT, objet_type="installation", objet_id="sauvegarde",
           libelle="Sauvegarde complète de l'installation (socle backup)", details={"archive": str(sortie)})
    with tempfile.TemporaryDirectory(prefix="socle-sauvegarde-") as tmp:
        tmp = Path(tmp)
        m = Manifeste(cree_le=timezone.now().isoformat(), moteur=_moteur(),
                      format_base=_copier_base(tmp, format_base), migrations=_migrations_appliquees())
        (tmp / "cles").mkdir()
        (tmp / CLE_SECRETS).write_text(settings.SOCLE_SECRETS_KEY)
        m.cles.append(CLE_SECRETS)
        if getattr(settings, "SOCLE_INSI_INSTANCE", ""):
            (tmp / CLE_INSTANCE).write_text(settings.SOCLE_INSI_INSTANCE)
            m.cles.append(CLE_INSTANCE)
        media = _fichiers_media()
        m.fichiers_media = len(media)
        (tmp / MANIFESTE).write_text(json.dumps(m.__dict__, ensure_ascii=False, indent=1))
        fd, provisoire = tempfile.mkstemp(prefix=f".{sortie.name}.", dir=sortie.parent)  # created 0600
        try:
            with os.fdopen(fd, "wb") as f, tarfile.open(fileobj=f, mode="w:gz") as tar:
                tar.add(tmp / MANIFESTE, arcname=MANIFESTE)
                tar.add(tmp / FICHIER_BASE[m.format_base], arcname=FICHIER_BASE[m.format_base])
                for nom in m.cles:
                    tar.add(tmp / nom, arcname=nom)
                racine = Path(settings.MEDIA_ROOT)
                for p in media:
                    tar.add(p, arcname=f"media/{p.relative_to(racine).as_posix()}", recursive=False)
            os.chmod(provisoire, 0o600)
            os.replace(provisoire, sortie)
        except BaseException:
            Path(provisoire).unlink(missing_ok=True)
            raise
    return m


# --------------------------------------------------------------------------- restore


def contenu_existant() -> str:
    """Why this installation is not empty ("" when it is): data in one of Socle's tables, or deposited files."""
    tables = set(connection.introspection.table_names())
    for app in APPS_SOCLE:
        for modele in apps.get_app_config(app).get_models():
            if modele._meta.db_table in tables and modele._default_manager.exists():
                return f"la base contient des données ({modele._meta.verbose_name})"
    if _fichiers_media():
        return f"le dossier des fichiers déposés {settings.MEDIA_ROOT} n'est pas vide"
    return ""


def _extraire(archive: Path, dossier: Path) -> Manifeste:
    try:
        with tarfile.open(archive, mode="r:*") as tar:
            try:
                manifeste = Manifeste.lire(tar.extractfile(MANIFESTE).read())
            except KeyError:
                raise SauvegardeErreur(f"{archive} n'est pas une sauvegarde de Socle (pas de {MANIFESTE}).") from None
            tar.extractall(dossier, filter="data")  # refuses absolute paths, "..", links out of the folder
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise SauvegardeErreur(f"Archive illisible {archive} : {exc}") from None
    if manifeste.format_base not in FICHIER_BASE or not (dossier / FICHIER_BASE[manifeste.format_base]).is_file():
        raise SauvegardeErreur("Archive incomplète : la copie de la base est absente.")
    if not (dossier / CLE_SECRETS).is_file():
        raise SauvegardeErreur("Archive incomplète : la clé SOCLE_SECRETS_KEY est absente.")
    return manifeste


def _verifier_compatibilite(m: Manifeste) -> None:
    moteur = _moteur()
    if m.format_base == "sqlite" and moteur != "sqlite" or m.format_base == "pg_dump" and moteur != "postgresql":
        raise SauvegardeErreur(
            f"Cette archive contient une base {m.moteur} (format {m.format_base}) et l'installation utilise "
            f"{moteur} : refaites la sauvegarde avec « socle backup --format json » pour changer de moteur.")
    if m.format_base == "pg_dump" and not _pg_outil("pg_restore"):
        raise SauvegardeErreur("pg_restore est introuvable : installez le client PostgreSQL (paquet "
                               "postgresql-client) de la version du serveur, ou restaurez une archive --format json.")
    connues = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    installees = {a.label for a in apps.get_app_configs()}
    inconnues = [f"{a}.{n}" for a, n in m.migrations if a in installees and (a, n) not in connues]
    if inconnues:
        raise SauvegardeErreur("Cette sauvegarde vient d'une version plus récente de Socle (migrations inconnues : "
                               + ", ".join(inconnues[:5]) + ") : installez cette version avant de restaurer.")


def _source_env(nom: str) -> bool:
    return bool(os.environ.get(nom) or os.environ.get(f"{nom}_FILE"))


def _verifier_cle(dossier: Path) -> str:
    cle = (dossier / CLE_SECRETS).read_text().strip()
    if _source_env("SOCLE_SECRETS_KEY") and cle != settings.SOCLE_SECRETS_KEY:
        raise SauvegardeErreur(
            "La clé SOCLE_SECRETS_KEY donnée par l'environnement n'est pas celle de la sauvegarde : les mots de "
            f"passe des certificats ne se déchiffreraient plus. Donnez à SOCLE_SECRETS_KEY la clé de l'archive "
            f"(membre {CLE_SECRETS}) puis relancez, ou retirez la variable pour que la clé de l'archive soit "
            "écrite dans le dossier de données.")
    return cle


def _ecrire_secret(nom: str, valeur: str) -> None:
    """Replace a key file of the data folder (0600, atomic)."""
    cible = Path(settings.DATA_DIR) / nom
    fd, provisoire = tempfile.mkstemp(prefix=f"{nom}.", dir=cible.parent)
    with os.fdopen(fd, "w") as f:
        f.write(valeur)
    os.replace(provisoire, cible)


def _restaurer_base(dossier: Path, m: Manifeste) -> None:
    source = dossier / FICHIER_BASE[m.format_base]
    if m.format_base == "sqlite":
        verif = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            etat = verif.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            verif.close()
        if etat != "ok":
            raise SauvegardeErreur(f"La copie SQLite de l'archive est abîmée : {etat}")
        connection.ensure_connection()
        origine = sqlite3.connect(source)
        try:
            origine.backup(connection.connection)  # replaces the whole database in one step
        finally:
            origine.close()
    elif m.format_base == "pg_dump":
        connections.close_all()
        args, env = _pg_env()
        _executer([_pg_outil("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
                   "--single-transaction", "--exit-on-error", *args, str(source)], env)
    else:
        call_command("migrate", interactive=False, verbosity=0)
        with transaction.atomic():
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(source), verbosity=0)


def _remplacer_media(dossier: Path) -> None:
    racine = Path(settings.MEDIA_ROOT)
    racine.mkdir(mode=0o700, parents=True, exist_ok=True)
    for enfant in racine.iterdir():  # emptied in place: MEDIA_ROOT may be a mount point
        shutil.rmtree(enfant) if enfant.is_dir() and not enfant.is_symlink() else enfant.unlink()
    extrait = dossier / "media"
    if extrait.is_dir():
        for enfant in extrait.iterdir():
            shutil.move(str(enfant), str(racine / enfant.name))
    for p in [racine, *racine.rglob("*")]:
        p.chmod(0o700 if p.is_dir() else 0o600)


def restaurer(archive: str | os.PathLike, *, force: bool = False) -> Manifeste:
    """Restore `archive` into this installation (database, deposited files, keys). Stop the web service and
    the workers first."""
    archive = Path(archive)
    if not archive.is_file():
        raise SauvegardeErreur(f"Archive introuvable : {archive}")
    Path(settings.DATA_DIR).mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restauration-", dir=settings.DATA_DIR) as tmp:
        dossier = Path(tmp)
        m = _extraire(archive, dossier)
        _verifier_compatibilite(m)
        cle = _verifier_cle(dossier)
        if not force and (raison := contenu_existant()):
            raise SauvegardeErreur(f"Installation non vide ({raison}) : la restauration remplacerait tout. "
                                   "Relancez avec --force pour écraser les données actuelles.")
        _restaurer_base(dossier, m)
        call_command("migrate", interactive=False, verbosity=0)  # an archive of an older version
        _remplacer_media(dossier)
        if cle != settings.SOCLE_SECRETS_KEY:
            _ecrire_secret(".secrets_key", cle)
            settings.SOCLE_SECRETS_KEY = cle
        if (dossier / CLE_INSTANCE).is_file() and not _source_env("SOCLE_INSI_INSTANCE"):
            instance = (dossier / CLE_INSTANCE).read_text().strip()
            _ecrire_secret(".insi_instance", instance)
            settings.SOCLE_INSI_INSTANCE = instance
    tracer(Action.IMPORT, objet_type="installation", objet_id="restauration",
           libelle="Restauration d'une sauvegarde (socle restore)",
           details={"archive": str(archive.resolve()), "sauvegarde_du": m.cree_le, "format": m.format_base,
                    "force": force})
    return m
