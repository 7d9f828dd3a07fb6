"""What Socle reads from Pro Santé Connect, whoever answers (PSC itself or the local stand-in).

PSC sends every exercice and activité of the professional (it manages no profiles): Socle matches them to the
situations d'exercice it knows and lets the person pick one. `SubjectNameID` (= `preferred_username`) is the
national id, "8" + RPPS; `sub` is a technical id that changes between environments and is never used.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class RefusPsc(Exception):
    """A sign-in refused by a check of the protocol (acr, iss, aud, nonce, expiry, signature, key…): `code` names
    the check for the access log, the message says it in French."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class SessionPscTerminee(Exception):
    """PSC said the refresh token is no longer valid: the person's PSC session ended."""


@dataclass(frozen=True)
class ActivitePsc:
    """One activité of an exercice (`SubjectRefPro.exercices[].activities[]`), with the profession of its
    exercice."""

    finess_site: str = ""
    finess_ej: str = ""
    code_role: str = ""  # TRE_R85
    code_genre: str = ""  # TRE_R22 (GENR01…)
    code_secteur: str = ""  # TRE_R02 (SA17…)
    code_mode: str = ""  # L libéral, S salarié, B bénévole
    raison_sociale: str = ""
    code_profession: str = ""  # TRE_G15
    categorie: str = ""  # C civil, M militaire, E étudiant

    @classmethod
    def depuis(cls, activite: dict, exercice: dict) -> ActivitePsc:
        def v(cle: str, source: dict = activite) -> str:
            valeur = source.get(cle)
            return str(valeur).strip() if valeur not in (None, "") else ""

        return cls(
            finess_site=v("numeroFinessSite"),
            finess_ej=v("numeroFinessetablissementJuridique"),
            code_role=v("codeRole"),
            code_genre=v("codeGenreActivite"),
            code_secteur=v("codeSecteurDactivite"),
            code_mode=v("codeModeExercice"),
            raison_sociale=v("raisonSocialeSite"),
            code_profession=v("codeProfession", exercice),
            categorie=v("codeCategorieProfessionnelle", exercice),
        )


@dataclass(frozen=True)
class IdentitePsc:
    """The professional as PSC's userinfo describes her."""

    subject_name_id: str
    prenom: str = ""
    nom: str = ""
    email: str = ""
    activites: tuple[ActivitePsc, ...] = ()
    brut: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def rpps(self) -> str:
        """The RPPS number when the national id is "8" + 11 digits; "" otherwise (test identities "ANS…")."""
        sni = self.subject_name_id
        return sni[1:] if len(sni) == 12 and sni.startswith("8") and sni.isdigit() else ""

    @classmethod
    def depuis_userinfo(cls, donnees: dict) -> IdentitePsc:
        sni = str(donnees.get("SubjectNameID") or donnees.get("preferred_username") or "").strip()
        if not sni:
            raise RefusPsc(
                "userinfo",
                "La réponse de Pro Santé Connect ne donne pas l'identifiant national "
                "(SubjectNameID) du professionnel.",
            )
        ref = donnees.get("SubjectRefPro") or {}
        activites = []
        for exercice in ref.get("exercices") or []:
            for activite in exercice.get("activities") or []:  # "activities": the JSON key PSC really sends
                activites.append(ActivitePsc.depuis(activite, exercice))
        return cls(
            subject_name_id=sni,
            prenom=str(donnees.get("given_name") or ""),
            nom=str(donnees.get("family_name") or ""),
            email=str(donnees.get("email") or ""),
            activites=tuple(activites),
            brut=dict(donnees),
        )


@dataclass(frozen=True)
class ConnexionPsc:
    """What a completed PSC sign-in gives: the identity, the ID token (kept for the logout's id_token_hint) and
    the OAuth tokens (kept server-side for the session only)."""

    identite: IdentitePsc
    id_token: str
    jetons: dict
    claims: dict = field(default_factory=dict)
