"""Who may read which document: the versioned matrix by rôle / profession and genre d'activité.

A person's profile at an ESMS is her situation d'exercice there (staff registry, through `Professionnel.compte`):
her RPPS+ rôle (TRE_R85, 3 digits) or, for a health professional, her profession (TRE_G15, 2 digits; the two
code lists do not overlap), and her genre d'activité. A line of the matrix allows a type to a rôle ("*": any
professional of the ESMS) within a genre ("*": any). The CNAM's matrix is not public: version 1 is Socle's
default (`matrice_defaut.csv`), marked "à vérifier"; `socle documents matrice --charger FICHIER.csv` loads the
official one (or an edited copy, see `--exporter`) as a new version, which applies at once.

The author of a document always reads it; superusers read everything. Every refusal is traced."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from socle.audit.models import Action
from socle.audit.services import tracer
from socle.personnel.services import professionnel_du_compte

from .models import Document, MatriceAcces, RegleAcces
from .types import jdv_j07

DEFAUT = Path(__file__).resolve().parent / "matrice_defaut.csv"
COLONNES = ["type_code", "role", "genre_activite", "lecture"]


class MatriceInvalide(ValueError):
    """A matrix file that cannot be loaded; the message names the line and the rule."""


@dataclass(frozen=True)
class Profil:
    role: str  # TRE_R85 rôle or TRE_G15 profession
    genre: str


def lire_csv(contenu: str) -> list[dict]:
    """The lines of a matrix file (`;`, header type_code;role;genre_activite;lecture), checked."""
    lecteur = csv.DictReader(io.StringIO(contenu.lstrip("\ufeff")), delimiter=";")
    if [c.strip() for c in (lecteur.fieldnames or [])] != COLONNES:
        raise MatriceInvalide(_("En-tête attendu : %(c)s") % {"c": ";".join(COLONNES)})
    types = jdv_j07()
    lignes, vues = [], set()
    for n, ligne in enumerate(lecteur, start=2):
        t, role, genre = (
            (ligne["type_code"] or "").strip(),
            (ligne["role"] or "").strip(),
            (ligne["genre_activite"] or "*").strip() or "*",
        )
        lecture = (ligne["lecture"] or "").strip().lower()
        if t not in types:
            raise MatriceInvalide(_("Ligne %(n)s : type « %(t)s » absent de JDV_J07.") % {"n": n, "t": t})
        if not role or (role != "*" and not (role.isdigit() and len(role) in (2, 3))):
            raise MatriceInvalide(
                _(
                    "Ligne %(n)s : rôle « %(r)s » invalide (code TRE_R85 à 3 chiffres, profession "
                    "TRE_G15 à 2 chiffres, ou *)."
                )
                % {"n": n, "r": role}
            )
        if genre != "*" and not (genre.startswith("GENR") and len(genre) == 6):
            raise MatriceInvalide(
                _("Ligne %(n)s : genre d'activité « %(g)s » invalide (GENRxx ou *).") % {"n": n, "g": genre}
            )
        if lecture not in ("oui", "non"):
            raise MatriceInvalide(_("Ligne %(n)s : lecture « %(l)s » : oui ou non.") % {"n": n, "l": lecture})
        if (t, role, genre) in vues:
            raise MatriceInvalide(
                _("Ligne %(n)s : doublon de %(t)s / %(r)s / %(g)s.") % {"n": n, "t": t, "r": role, "g": genre}
            )
        vues.add((t, role, genre))
        lignes.append({"type_code": t, "role": role, "genre_activite": genre, "lecture": lecture == "oui"})
    if not lignes:
        raise MatriceInvalide(_("Le fichier ne contient aucune ligne."))
    return lignes


@transaction.atomic
def charger(contenu: str, *, libelle: str, source: str, a_verifier: bool, par=None) -> MatriceAcces:
    """A new version of the matrix from a file (all or nothing)."""
    lignes = lire_csv(contenu)
    derniere = MatriceAcces.objects.select_for_update().order_by("-version").first()
    matrice = MatriceAcces.objects.create(
        version=(derniere.version + 1) if derniere else 1,
        libelle=libelle,
        source=source,
        a_verifier=a_verifier,
        charge_par=getattr(par, "username", "") if par is not None else "système",
    )
    RegleAcces.objects.bulk_create([RegleAcces(matrice=matrice, **lg) for lg in lignes])
    tracer(Action.IMPORT, matrice, utilisateur=par, details={"lignes": len(lignes), "source": source})
    return matrice


def exporter(matrice: MatriceAcces) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    w.writerow(COLONNES)
    for r in matrice.regles.all():
        w.writerow([r.type_code, r.role, r.genre_activite, "oui" if r.lecture else "non"])
    return out.getvalue()


def matrice_active() -> MatriceAcces:
    """The newest version; version 1 (the default, à vérifier) is created on first use."""
    m = MatriceAcces.objects.order_by("-version").first()
    if m is None:
        m = charger(
            DEFAUT.read_text(encoding="utf-8"),
            libelle=_("Matrice par défaut de Socle"),
            source=_("Socle (matrice de la CNAM non publique) — à vérifier"),
            a_verifier=True,
        )
    return m


def profil(user, etablissement) -> Profil | None:
    """The user's rôle / profession and genre at this ESMS, from her staff record."""
    pro = professionnel_du_compte(user, etablissement)
    if pro is None:
        return None
    situation = pro.situations.filter(
        etablissement=etablissement, date_fin__isnull=True
    ).first()
    if situation is None:
        return None
    role = situation.role or (situation.profession if situation.profession != "99" else "")
    return Profil(role=role, genre=situation.genre_activite or "") if role else None


def types_lisibles(user, etablissement, matrice: MatriceAcces | None = None) -> set[str]:
    """The document types this person may read at this ESMS (every type for a superuser)."""
    if user.is_superuser:
        return set(jdv_j07())
    p = profil(user, etablissement)
    if p is None:
        return set()
    regles = (matrice or matrice_active()).regles.filter(
        role__in=[p.role, "*"], genre_activite__in=[p.genre, "*"]
    )
    permis = {r.type_code for r in regles if r.lecture}
    interdits = {r.type_code for r in regles if not r.lecture and r.role == p.role}
    return permis - interdits


def peut_lire(user, document: Document) -> bool:
    if user.is_superuser or (document.cree_par_id and document.cree_par_id == user.pk):
        return True
    return document.type_code in types_lisibles(user, document.etablissement)


def exiger_lecture(user, document: Document) -> None:
    """403 (and a journal line saying so) when the matrix does not let this person read this type."""
    if not peut_lire(user, document):
        p = profil(user, document.etablissement)
        tracer(
            Action.LECTURE,
            document,
            utilisateur=user,
            details={
                "refus": "matrice",
                "type": document.type_code,
                "matrice": matrice_active().version,
                "role": p.role if p else "",
                "genre": p.genre if p else "",
            },
        )
        raise PermissionDenied(
            _(
                "Votre rôle (%(r)s) ne permet pas de lire ce type de document (%(t)s) d'après la "
                "matrice d'accès en vigueur."
            )
            % {"r": p.role if p else _("aucun"), "t": document.type_libelle}
        )
