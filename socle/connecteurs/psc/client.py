"""The relying party: Socle signs a professional in with Pro Santé Connect.

authlib's Django client does the OpenID Connect work: authorization code flow with PKCE S256, random state and
nonce kept in the session, token exchange, then the ID token checks of OpenID Connect Core (iss, aud, nonce,
exp, iat, at_hash) by `authlib.oidc.core.CodeIDToken`, to which PSC's rule is added: `acr` present and equal to
`eidas1`. Signatures are verified by joserfc: HS256 with the client secret, RS256/ES256 with PSC's JWKS, fetched
again once when the token names an unknown `kid`. A token sent as JWE (five parts) is decrypted with Socle's
key first; the signed token inside is then verified the same way. The userinfo answer may be JSON or a signed
JWT (verified like the ID token). Nothing here writes to the database: the web layer decides what a PSC
identity may do.
"""

from __future__ import annotations

from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App
from authlib.integrations.django_client.integration import DjangoIntegration
from authlib.oidc.core import CodeIDToken
from joserfc import jwe, jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

from .configuration import ConfigurationPsc
from .interface import ConnexionPsc, IdentitePsc, RefusPsc, SessionPscTerminee

MESSAGES = {
    "acr": "le niveau d'authentification (acr) n'est pas « eidas1 » : Pro Santé Connect n'a pas certifié une "
    "authentification forte (e-CPS ou carte CPS)",
    "iss": "le jeton n'a pas été émis par le Pro Santé Connect configuré (iss)",
    "aud": "le jeton n'est pas destiné à Socle (aud)",
    "nonce": "le jeton ne répond pas à la demande de connexion en cours (nonce)",
    "exp": "le jeton a expiré",
    "iat": "la date d'émission du jeton est invalide (iat)",
    "at_hash": "le jeton d'identité ne correspond pas au jeton d'accès (at_hash)",
    "azp": "le jeton est destiné à une autre application (azp)",
    "sub": "l'identifiant technique du jeton est absent ou différent (sub)",
    "signature": "la signature du jeton est invalide",
    "kid": "le jeton est signé par une clé que Pro Santé Connect ne publie pas (kid inconnu)",
    "alg": "l'algorithme de signature du jeton n'est pas accepté",
    "jwe": "le jeton chiffré (JWE) ne peut pas être déchiffré ou ne contient pas de jeton signé",
    "jeton": "le jeton est illisible",
    "id_token": "Pro Santé Connect n'a pas renvoyé de jeton d'identité",
    "state": "la réponse ne correspond à aucune demande de connexion en cours (state) : recommencez",
    "erreur_psc": "Pro Santé Connect a refusé la connexion",
    "userinfo": "les informations du professionnel (userinfo) sont illisibles ou invalides",
    "reseau": "Pro Santé Connect ne répond pas",
}


# Key management and content encryption accepted for tokens sent as JWE (Keycloak's: RSA-OAEP, RSA-OAEP-256, ECDH-ES).
ALGORITHMES_JWE = ["RSA-OAEP", "RSA-OAEP-256", "ECDH-ES", "ECDH-ES+A128KW", "ECDH-ES+A256KW",
                   "A128GCM", "A256GCM", "A128CBC-HS256", "A256CBC-HS512"]


def refus(code: str, detail: str = "") -> RefusPsc:
    message = "Connexion Pro Santé Connect refusée : " + MESSAGES.get(code, code) + "."
    return RefusPsc(code, message + (f" ({detail})" if detail else ""))


def _cle_privee(pem: str):
    """Socle's JWE key (PEM), RSA or EC."""
    try:
        return RSAKey.import_key(pem)
    except (ValueError, TypeError, JoseError):
        return ECKey.import_key(pem)


def _code_de_claim(exc: ClaimError) -> str:
    if isinstance(exc, ExpiredTokenError):
        return "exp"
    return exc.claim if exc.claim in MESSAGES else "jeton"


class _AppPsc(DjangoOAuth2App):
    """authlib's Django client with PSC's TLS settings (client certificate, CA bundle, time-out) and the key
    choice of PSC (client secret for HS256, JWKS otherwise, JWE decrypted with Socle's key)."""

    psc: ConfigurationPsc

    def _regler(self, session):
        if self.psc.certificat_client:
            session.cert = (self.psc.certificat_client, self.psc.cle_client or None)
        if self.psc.ca_bundle:
            session.verify = self.psc.ca_bundle
        session.default_timeout = self.psc.timeout
        return session

    def _get_session(self):
        return self._regler(super()._get_session())

    def _get_oauth_client(self, **metadata):
        return self._regler(super()._get_oauth_client(**metadata))

    # -- signatures
    def _cle(self, invite):
        entetes = invite.headers()
        alg = str(entetes.get("alg", ""))
        if alg not in self.psc.algorithmes:
            raise refus("alg", alg)
        if alg.startswith("HS"):
            return OctKey.import_key(self.psc.client_secret.encode())
        kid = entetes.get("kid")
        try:
            return KeySet.import_key_set(self.fetch_jwk_set()).get_by_kid(kid)
        except InvalidKeyIdError:  # a new key at PSC: fetch the JWKS again, once
            return KeySet.import_key_set(self.fetch_jwk_set(force=True)).get_by_kid(kid)

    def verifier(self, valeur: str) -> jwt.Token:
        """Decrypt (JWE) then verify the signature (JWS) of a token from PSC; RefusPsc names the failed check."""
        valeur = (valeur or "").strip()
        if valeur.count(".") == 4:
            if not self.psc.cle_dechiffrement:
                raise refus("jwe", "aucune clé de déchiffrement configurée (SOCLE_PSC_CLE_JWE)")
            try:
                clair = jwe.decrypt_compact(valeur, _cle_privee(self.psc.cle_dechiffrement),
                                            algorithms=ALGORITHMES_JWE).plaintext or b""
            except (JoseError, ValueError) as exc:
                raise refus("jwe", type(exc).__name__) from exc
            valeur = clair.decode("utf-8", "replace").strip()
            if valeur.count(".") != 2:
                raise refus("jwe")
        try:
            return jwt.decode(valeur, self._cle, algorithms=list(self.psc.algorithmes))
        except RefusPsc:
            raise
        except InvalidKeyIdError as exc:
            raise refus("kid") from exc
        except BadSignatureError as exc:
            raise refus("signature") from exc
        except (JoseError, ValueError, TypeError) as exc:
            raise refus("jeton", type(exc).__name__) from exc

    def parse_id_token(self, token, nonce, claims_options=None, claims_cls=None, leeway=120):
        if "id_token" not in token:
            raise refus("id_token")
        verifie = self.verifier(token["id_token"])
        options = {
            "iss": {"essential": True, "value": self.psc.issuer},
            "aud": {"essential": True, "value": self.client_id},
            "acr": {"essential": True, "value": self.psc.acr},
        }
        claims = CodeIDToken(
            verifie.claims,
            verifie.header,
            options,
            {"nonce": nonce, "client_id": self.client_id, "access_token": token.get("access_token")},
        )
        try:
            claims.validate(leeway=leeway)
        except ClaimError as exc:
            raise refus(_code_de_claim(exc)) from exc
        except JoseError as exc:
            raise refus("jeton", str(exc)) from exc
        return dict(claims)


class ClientPsc:
    """Pro Santé Connect for one installation: start a sign-in, finish it, refresh, log out."""

    def __init__(self, config: ConfigurationPsc):
        self.config = config
        self.app = _AppPsc(
            DjangoIntegration("psc"),
            name="psc",
            client_id=config.client_id,
            client_secret=config.client_secret,
            access_token_url=config.token_endpoint,
            authorize_url=config.authorization_endpoint,
            client_kwargs={
                "scope": config.scope,
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_basic",
            },
            issuer=config.issuer,
            jwks_uri=config.jwks_uri,
            userinfo_endpoint=config.userinfo_endpoint,
            end_session_endpoint=config.end_session_endpoint,
            id_token_signing_alg_values_supported=list(config.algorithmes),
        )
        self.app.psc = config

    def rediriger(self, request, redirect_uri: str):
        """The redirect to PSC's authorization page (state, nonce and PKCE verifier kept in the session)."""
        return self.app.authorize_redirect(request, redirect_uri, acr_values=self.config.acr)

    def terminer(self, request) -> ConnexionPsc:
        """The callback: exchange the code, check the ID token, read the userinfo. Raises RefusPsc."""
        try:
            jetons = self.app.authorize_access_token(request)
        except RefusPsc:
            raise
        except MismatchingStateError as exc:
            raise refus("state") from exc
        except OAuthError as exc:
            raise refus("erreur_psc", exc.error or "") from exc
        except OSError as exc:  # requests' ConnectionError, Timeout…
            raise refus("reseau", type(exc).__name__) from exc
        claims = jetons.pop("userinfo", None)
        if claims is None:
            raise refus("id_token")
        identite = self.userinfo(jetons, sub=claims.get("sub"))
        id_token = jetons.pop("id_token", "")
        return ConnexionPsc(identite=identite, id_token=id_token, jetons=dict(jetons), claims=dict(claims))

    def userinfo(self, jetons: dict, sub: str | None = None) -> IdentitePsc:
        """GET userinfo with the access token: JSON, or a signed JWT (`application/jwt`) verified like the ID
        token and whose iss and aud must be PSC's and Socle's."""
        try:
            reponse = self.app.get(self.config.userinfo_endpoint, token=jetons)
        except OSError as exc:
            raise refus("reseau", type(exc).__name__) from exc
        if reponse.status_code != 200:
            raise refus("userinfo", f"HTTP {reponse.status_code}")
        if "application/jwt" in reponse.headers.get("Content-Type", ""):
            verifie = self.app.verifier(reponse.text)
            try:
                jwt.JWTClaimsRegistry(
                    iss={"essential": True, "value": self.config.issuer},
                    aud={"essential": True, "value": self.config.client_id},
                ).validate(verifie.claims)
            except ClaimError as exc:
                raise refus(_code_de_claim(exc)) from exc
            donnees = verifie.claims
        else:
            try:
                donnees = reponse.json()
            except ValueError as exc:
                raise refus("userinfo", "JSON illisible") from exc
        if not isinstance(donnees, dict):
            raise refus("userinfo")
        if sub is not None and donnees.get("sub") != sub:  # OpenID Connect Core 5.3.2
            raise refus("sub")
        return IdentitePsc.depuis_userinfo(donnees)

    def rafraichir(self, jetons: dict) -> dict:
        """New tokens from the refresh token. SessionPscTerminee when PSC refuses it (session ended at PSC)."""
        if not jetons.get("refresh_token"):
            raise SessionPscTerminee("aucun jeton de rafraîchissement")
        try:
            with self.app._get_oauth_client(**self.app.load_server_metadata()) as session:
                return dict(
                    session.refresh_token(self.config.token_endpoint, refresh_token=jetons["refresh_token"])
                )
        except OAuthError as exc:
            if exc.error in ("invalid_grant", "invalid_token", "unauthorized_client"):
                raise SessionPscTerminee(exc.error) from exc
            raise refus("erreur_psc", exc.error or "") from exc

    def url_deconnexion(self, id_token: str, post_logout_redirect_uri: str) -> str:
        """RP-initiated logout at PSC (PSC may come back without the state: it is not required on return)."""
        return self.app.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token or None
        )["url"]
