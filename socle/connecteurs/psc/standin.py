"""Local stand-in for Pro Santé Connect: an OpenID Connect provider on 127.0.0.1 speaking PSC's protocol.

Built on authlib's server pieces (`AuthorizationServer`, the authorization code grant with PKCE and OpenID
Connect, the refresh token grant); this module only adds the small WSGI glue, the "e-CPS" page where one picks a
test identity and approves, and PSC's specifics: `acr=eidas1` in the ID token, userinfo answered as a signed JWT
(`application/jwt`) or JSON with `SubjectNameID` and `SubjectRefPro` (key `activities`), JWKS at `/certs`,
RP-initiated logout at `/logout`.

It can be told to misbehave (`defaut`), so that tests prove each check of the client refuses: wrong or missing
acr, wrong nonce, iss or aud, expired token, bad signature, unknown kid; `rotation()` publishes a new key (the
client must fetch the JWKS again once); `refresh_invalide` makes PSC refuse the refresh token; `jwe_cle_publique`
encrypts the ID token and userinfo for Socle (JWE). Never reachable beyond the loopback interface.
"""

from __future__ import annotations

import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, JsonRequest, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.grants.util import create_half_hash
from joserfc import jwe, jwt
from joserfc.jwk import ECKey, KeySet, OctKey, RSAKey

from socle.core.texte import cle_alphanumerique

DEFAUTS = (
    "",
    "acr",
    "acr_absent",
    "nonce",
    "iss",
    "aud",
    "expire",
    "signature",
    "kid_inconnu",
    "userinfo_signature",
)


@dataclass
class IdentiteTest:
    """A test identity of the stand-in: what PSC's userinfo says of a professional."""

    subject_name_id: str
    prenom: str
    nom: str
    exercices: list[dict] = field(default_factory=list)
    email: str = ""
    civilite: str = ""

    @property
    def libelle(self) -> str:
        return f"{self.prenom} {self.nom} — {self.subject_name_id}"

    def userinfo(self, sub: str) -> dict:
        premiere = next((a for e in self.exercices for a in e.get("activities", [])), {})
        profession = self.exercices[0].get("codeProfession", "") if self.exercices else ""
        return {
            "sub": sub,
            "SubjectNameID": self.subject_name_id,
            "preferred_username": self.subject_name_id,
            "given_name": self.prenom,
            "family_name": self.nom,
            "codeCivilite": self.civilite,
            **({"email": self.email} if self.email else {}),
            "SubjectRefPro": {"codeCivilite": self.civilite, "exercices": self.exercices},
            "SubjectOrganization": premiere.get("raisonSocialeSite", ""),
            "SubjectOrganizationID": premiere.get("numeroFinessSite", ""),
            "SubjectRole": [f"{profession}^1.2.250.1.213.1.1.5.5"] if profession else [],
            "Secteur_Activite": premiere.get("codeSecteurDactivite", ""),
            "Palier_Authentification": "APPPRIP3^1.2.250.1.213.1.5.1.1.1",
        }


def activite(
    finess_site: str,
    raison_sociale: str,
    *,
    finess_ej: str = "",
    role: str = "",
    genre: str = "",
    secteur: str = "SA17",
    mode: str = "S",
) -> dict:
    """One `activities[]` entry as PSC sends it."""
    return {
        "codeModeExercice": mode,
        "codeSecteurDactivite": secteur,
        "codeSectionPharmacien": "",
        "codeRole": role,
        "codeGenreActivite": genre,
        "numeroSiretSite": "",
        "numeroSirenSite": "",
        "numeroFinessSite": finess_site,
        "numeroFinessetablissementJuridique": finess_ej,
        "identifiantTechniqueDeLaStructure": f"F{finess_site}",
        "raisonSocialeSite": raison_sociale,
        "enseigneCommercialeSite": "",
        "codePostal": "",
        "libelleCommune": "",
        "telephone": "",
        "adresseEMail": "",
    }


def exercice(
    profession: str, activites: list[dict], *, nom: str = "", prenom: str = "", categorie: str = "C"
) -> dict:
    return {
        "codeProfession": profession,
        "codeCategorieProfessionnelle": categorie,
        "codeCiviliteDexercice": "",
        "nomDexercice": nom,
        "prenomDexercice": prenom,
        "codeTypeSavoirFaire": "",
        "codeSavoirFaire": "",
        "activities": activites,
    }


# --------------------------------------------------------------------------- authlib glue


class _Client(ClientMixin):
    def __init__(self, client_id: str, secret: str, redirect_uris: list[str] | None):
        self.client_id, self.secret, self.redirect_uris = client_id, secret, redirect_uris

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        return " ".join(s for s in (scope or "").split() if s in ("openid", "scope_all"))

    def check_redirect_uri(self, redirect_uri):
        if self.redirect_uris is None:  # the tests' and demo's loopback callbacks
            return urlsplit(redirect_uri).hostname in ("127.0.0.1", "localhost", "testserver")
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret.encode(), self.secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in ("authorization_code", "refresh_token")


@dataclass
class _Code:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: IdentiteTest
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int
    expire: float

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return "eidas1"

    def get_amr(self):
        return None

    def get_code_challenge(self):
        return self.code_challenge

    def get_code_challenge_method(self):
        return self.code_challenge_method


class _Requete(OAuth2Request):
    def __init__(self, methode: str, url: str, entetes: dict, args: dict, form: dict):
        super().__init__(methode, url, headers=entetes)
        self._args, self._form = args, form
        self.payload = BasicOAuth2Payload({**args, **form})

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


class _Serveur(AuthorizationServer):
    def __init__(self, bouchon: BouchonPsc):
        super().__init__(scopes_supported=["openid", "scope_all"])
        self.bouchon = bouchon

    def query_client(self, client_id):
        return self.bouchon.client if client_id == self.bouchon.client.client_id else None

    def save_token(self, token, request):
        self.bouchon.jetons[token["access_token"]] = {
            "token": dict(token),
            "user": request.user,
            "expire": time.time() + token.get("expires_in", 0),
        }
        if token.get("refresh_token"):
            self.bouchon.rafraichissements[token["refresh_token"]] = request.user

    def create_oauth2_request(self, request):
        return request

    def create_json_request(self, request):
        return JsonRequest(request.method, request.uri, request.headers)

    def handle_response(self, status, body, headers):
        return status, body, headers

    def send_signal(self, name, *args, **kwargs):
        pass


class _GrantCode(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    def save_authorization_code(self, code, request):
        d = request.payload.data
        self.server.bouchon.codes[code] = _Code(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=d.get("redirect_uri", ""),
            scope=request.payload.scope,
            user=request.user,
            nonce=d.get("nonce"),
            code_challenge=d.get("code_challenge"),
            code_challenge_method=d.get("code_challenge_method"),
            auth_time=int(time.time()),
            expire=time.time() + 60,
        )

    def query_authorization_code(self, code, client):
        item = self.server.bouchon.codes.get(code)
        if item and item.client_id == client.client_id and item.expire > time.time():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        self.server.bouchon.codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return authorization_code.user


class _GrantRafraichissement(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        bouchon = self.server.bouchon
        if bouchon.refresh_invalide or refresh_token not in bouchon.rafraichissements:
            return None
        return _Rafraichi(refresh_token, bouchon.rafraichissements[refresh_token])

    def authenticate_user(self, refresh_token):
        return refresh_token.user

    def revoke_old_credential(self, refresh_token):
        self.server.bouchon.rafraichissements.pop(refresh_token.valeur, None)


@dataclass
class _Rafraichi:
    valeur: str
    user: IdentiteTest

    def check_client(self, client):
        return True

    def get_scope(self):
        return "openid scope_all"

    def is_expired(self):
        return False

    def is_revoked(self):
        return False


class _OpenId(OpenIDCode):
    def __init__(self, bouchon: BouchonPsc):
        super().__init__(require_nonce=True)
        self.bouchon = bouchon

    def exists_nonce(self, nonce, request):
        return False

    def generate_user_info(self, user, scope):
        return UserInfo(sub=self.bouchon.sub(user))

    def encode_id_token(self, token, request):
        return self.bouchon.id_token(token, request.authorization_code)


# --------------------------------------------------------------------------- the stand-in


class _Gestionnaire(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - quiet: the stand-in keeps its own journal
        pass


class _ServeurWsgi(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class BouchonPsc:
    """The stand-in identity provider. `identites`: a list, or a function giving the list on each visit of the
    e-CPS page (the demo reads the staff registry)."""

    def __init__(
        self,
        client_id: str = "socle-bouchon",
        client_secret: str | None = None,
        identites: list[IdentiteTest] | Callable[[], list[IdentiteTest]] | None = None,
        redirect_uris: list[str] | None = None,
        hote: str = "127.0.0.1",
        port: int = 0,
        duree_jeton: int = 120,
    ):
        self.client = _Client(client_id, client_secret or secrets.token_urlsafe(32), redirect_uris)
        self._identites = identites or []
        self.duree_jeton = duree_jeton
        self.defaut = ""  # one of DEFAUTS
        self.alg = "RS256"  # RS256, ES256 or HS256 (with the client secret)
        self.userinfo_format = "jwt"  # "jwt" (application/jwt) or "json"
        self.jwe_cle_publique: str | None = None  # PEM: encrypt the ID token and userinfo for Socle
        self.refresh_invalide = False
        self.codes: dict[str, _Code] = {}
        self.jetons: dict[str, dict] = {}
        self.rafraichissements: dict[str, IdentiteTest] = {}
        self.journal: list[dict] = []
        self._verrou = threading.Lock()
        self._cles = [
            RSAKey.generate_key(2048, {"use": "sig", "alg": "RS256"}, auto_kid=True),
            ECKey.generate_key("P-256", {"use": "sig", "alg": "ES256"}, auto_kid=True),
        ]
        self.serveur = _Serveur(self)
        self.serveur.register_token_generator(
            "default",
            BearerTokenGenerator(
                lambda **kw: secrets.token_urlsafe(32),
                lambda **kw: secrets.token_urlsafe(40),
                lambda client, grant_type: self.duree_jeton,
            ),
        )
        self.serveur.register_grant(_GrantCode, [CodeChallenge(required=True), _OpenId(self)])
        self.serveur.register_grant(_GrantRafraichissement)
        self._httpd = make_server(
            hote, port, self.wsgi, server_class=_ServeurWsgi, handler_class=_Gestionnaire
        )
        self._fil: threading.Thread | None = None

    # -- configuration
    @property
    def client_id(self) -> str:
        return self.client.client_id

    @property
    def client_secret(self) -> str:
        return self.client.secret

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def identites(self) -> list[IdentiteTest]:
        return list(self._identites() if callable(self._identites) else self._identites)

    def rotation(self) -> None:
        """A new signing key (new kid) replaces the current one in the JWKS."""
        with self._verrou:
            self._cles[0] = RSAKey.generate_key(2048, {"use": "sig", "alg": "RS256"}, auto_kid=True)

    def jwks(self) -> dict:
        return KeySet(self._cles).as_dict(private=False)

    def sub(self, user: IdentiteTest) -> str:
        """A technical federated id (stable for this client), never the national id, as PSC's `sub`."""
        return "f:" + hashlib.sha256(f"{self.client_id}:{user.subject_name_id}".encode()).hexdigest()[:32]

    # -- tokens
    def _signer(self, claims: dict, *, entete_type: str = "JWT") -> str:
        if self.alg == "HS256":
            cle, entete = OctKey.import_key(self.client_secret.encode()), {"alg": "HS256"}
        else:
            cle = self._cles[0] if self.alg == "RS256" else self._cles[1]
            entete = {"alg": self.alg, "kid": cle.kid}
        if self.defaut == "signature":  # same kid, another key
            cle = (
                OctKey.generate_key(256)
                if self.alg == "HS256"
                else (RSAKey.generate_key(2048) if self.alg == "RS256" else ECKey.generate_key("P-256"))
            )
        elif self.defaut == "kid_inconnu" and self.alg != "HS256":
            cle = (
                RSAKey.generate_key(2048, auto_kid=True)
                if self.alg == "RS256"
                else ECKey.generate_key("P-256", auto_kid=True)
            )
            entete["kid"] = cle.kid
        valeur = jwt.encode({**entete, "typ": entete_type}, claims, cle, algorithms=[entete["alg"]])
        if self.jwe_cle_publique:
            valeur = jwe.encrypt_compact(
                {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "JWT"},
                valeur,
                RSAKey.import_key(self.jwe_cle_publique),
                algorithms=["RSA-OAEP-256", "A256GCM"],
            )
        return valeur

    def id_token(self, token: dict, code: _Code) -> str:
        maintenant = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": self.sub(code.user),
            "iat": maintenant,
            "exp": maintenant + self.duree_jeton,
            "auth_time": code.auth_time,
            "nonce": code.nonce,
            "acr": "eidas1",
            "preferred_username": code.user.subject_name_id,
            "SubjectNameID": code.user.subject_name_id,
            "session_state": secrets.token_hex(8),
        }
        at_hash = create_half_hash(token["access_token"], self.alg)
        claims["at_hash"] = at_hash.decode()
        match self.defaut:
            case "acr":
                claims["acr"] = "eidas2"
            case "acr_absent":
                del claims["acr"]
            case "nonce":
                claims["nonce"] = secrets.token_urlsafe(16)
            case "iss":
                claims["iss"] = "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet"
            case "aud":
                claims["aud"] = "une-autre-application"
            case "expire":
                claims["iat"], claims["exp"] = maintenant - 3600, maintenant - 1800
        return self._signer(claims)

    # -- HTTP
    def _noter(self, evenement: str, **details) -> None:
        with self._verrou:
            self.journal.append({"evenement": evenement, **details})

    def wsgi(self, environ, start_response):
        methode = environ["REQUEST_METHOD"]
        chemin = environ.get("PATH_INFO", "/")
        args = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        corps = b""
        if methode == "POST":
            longueur = int(environ.get("CONTENT_LENGTH") or 0)
            corps = environ["wsgi.input"].read(longueur) if longueur else b""
        form = {k: v[0] for k, v in parse_qs(corps.decode("utf-8", "replace")).items()}
        entetes = {k[5:].replace("_", "-").title(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            entetes["Content-Type"] = environ["CONTENT_TYPE"]
        url = f"{self.url}{chemin}" + (f"?{environ['QUERY_STRING']}" if environ.get("QUERY_STRING") else "")
        requete = _Requete(methode, url, entetes, args, form)
        routes = {
            "/auth": self._auth,
            "/token": self._token,
            "/userinfo": self._userinfo,
            "/certs": self._certs,
            "/logout": self._logout,
            "/.well-known/wallet-openid-configuration": self._metadonnees,
        }
        fn = routes.get(chemin)
        statut, corps_reponse, entetes_reponse = fn(requete) if fn else (404, "introuvable", [])
        if isinstance(corps_reponse, dict):
            corps_reponse = json.dumps(corps_reponse)
            entetes_reponse = [*entetes_reponse, ("Content-Type", "application/json")]
        if not any(k.lower() == "content-type" for k, _ in entetes_reponse):
            entetes_reponse = [*entetes_reponse, ("Content-Type", "text/html; charset=utf-8")]
        donnees = corps_reponse.encode() if isinstance(corps_reponse, str) else corps_reponse
        start_response(
            f"{statut} {HTTPStatus(statut).phrase}", [*entetes_reponse, ("Cache-Control", "no-store")]
        )
        return [donnees]

    def _metadonnees(self, requete):
        base = self.url
        return (
            200,
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/auth",
                "token_endpoint": f"{base}/token",
                "userinfo_endpoint": f"{base}/userinfo",
                "end_session_endpoint": f"{base}/logout",
                "jwks_uri": f"{base}/certs",
                "acr_values_supported": ["eidas1"],
                "code_challenge_methods_supported": ["S256"],
                "tls_client_certificate_bound_access_tokens": True,
            },
            [],
        )

    def _certs(self, requete):
        self._noter("jwks")
        return 200, self.jwks(), []

    def _auth(self, requete: _Requete):
        try:
            grant = self.serveur.get_consent_grant(requete, end_user=None)
        except OAuth2Error as exc:
            return 400, _page("Demande refusée", f"<p>{html.escape(exc.description or exc.error)}</p>"), []
        if requete.args.get("acr_values") != "eidas1":
            return 400, _page("Demande refusée", "<p>acr_values=eidas1 est obligatoire.</p>"), []
        identites = self.identites()
        if requete.method == "POST":
            if requete.form.get("decision") != "approuver":
                return self.serveur.create_authorization_response(requete, grant_user=None, grant=grant)
            choisie = next((i for i in identites if i.subject_name_id == requete.form.get("identite")), None)
            if choisie is None:
                return 400, _page("Identité inconnue", "<p>Choisissez une identité de test.</p>"), []
            self._noter(
                "authorize",
                identite=choisie.subject_name_id,
                nonce=requete.args.get("nonce"),
                code_challenge_method=requete.args.get("code_challenge_method"),
            )
            return self.serveur.create_authorization_response(requete, grant_user=choisie, grant=grant)
        return 200, _page_ecps(identites, requete.args), []

    def _token(self, requete: _Requete):
        self._noter("token", grant_type=requete.form.get("grant_type"))
        return self.serveur.create_token_response(requete)

    def _userinfo(self, requete: _Requete):
        autorisation = requete.headers.get("Authorization", "")
        jeton = autorisation[7:] if autorisation.startswith("Bearer ") else ""
        entree = self.jetons.get(jeton)
        if not entree or entree["expire"] < time.time():
            return 401, {"error": "invalid_token"}, [("WWW-Authenticate", 'Bearer error="invalid_token"')]
        user = entree["user"]
        donnees = user.userinfo(self.sub(user))
        self._noter("userinfo", identite=user.subject_name_id)
        if self.userinfo_format == "json":
            return 200, donnees, []
        ancien, self.defaut = self.defaut, ("signature" if self.defaut == "userinfo_signature" else "")
        try:
            valeur = self._signer({**donnees, "iss": self.url, "aud": self.client_id}, entete_type="JWT")
        finally:
            self.defaut = ancien
        return 200, valeur, [("Content-Type", "application/jwt")]

    def _logout(self, requete: _Requete):
        self._noter(
            "logout",
            id_token_hint=bool(requete.args.get("id_token_hint")),
            post_logout_redirect_uri=requete.args.get("post_logout_redirect_uri", ""),
        )
        retour = requete.args.get("post_logout_redirect_uri", "")
        if retour and self.client.check_redirect_uri(retour):
            etat = requete.args.get("state")
            cible = retour + (("&" if "?" in retour else "?") + urlencode({"state": etat}) if etat else "")
            return 302, "", [("Location", cible)]
        return 200, _page("Déconnecté", "<p>Vous êtes déconnecté de Pro Santé Connect (bouchon).</p>"), []

    # -- lifecycle
    def demarrer(self) -> BouchonPsc:
        self._fil = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="bouchon-psc", daemon=True
        )
        self._fil.start()
        return self

    def arreter(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.demarrer()

    def __exit__(self, *exc):
        self.arreter()


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;color:#1e1e1e}"
    "header{background:#000091;color:#fff;padding:1rem;border-radius:.3rem}"
    "label{display:block;border:1px solid #ccc;border-radius:.3rem;padding:.6rem;margin:.4rem 0}"
    "button{padding:.6rem 1rem;margin-right:.5rem}.note{color:#555;font-size:.9rem}"
    "form[role=search]{margin:1rem 0}form[role=search] label{display:inline;border:0;padding:0;margin-right:.5rem}"
    "form[role=search] input{padding:.5rem;font-size:1rem}"
)


def _page(titre: str, contenu: str) -> str:
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{html.escape(titre)}</title>'
        f"<style>{_STYLE}</style></head><body><header><strong>Pro Santé Connect</strong> — bouchon local de "
        f"Socle</header><h1>{html.escape(titre)}</h1>{contenu}</body></html>"
    )


# identities listed at once on the e-CPS page; beyond, the search narrows them (a demo has hundreds)
MAX_IDENTITES_AFFICHEES = 25


def _page_ecps(identites: list[IdentiteTest], args: dict) -> str:
    cherche = (args.get("nom") or "").strip()
    cle = cle_alphanumerique(cherche)
    trouvees = [i for i in identites if cle in cle_alphanumerique(i.libelle)] if cle else identites
    lignes = []
    for i, ident in enumerate(trouvees[:MAX_IDENTITES_AFFICHEES]):
        structures = ", ".join(
            sorted(
                {a.get("raisonSocialeSite", "") for e in ident.exercices for a in e.get("activities", [])}
                - {""}
            )
        )
        lignes.append(
            f'<label><input type="radio" name="identite" value="{html.escape(ident.subject_name_id)}"'
            f"{' checked' if i == 0 else ''}> {html.escape(ident.libelle)}"
            f'<br><span class="note">{html.escape(structures)}</span></label>'
        )
    if len(trouvees) > MAX_IDENTITES_AFFICHEES:
        lignes.append(f'<p class="note">{len(trouvees)} identités : les {MAX_IDENTITES_AFFICHEES} premières sont '
                      "affichées, cherchez par nom pour trouver la vôtre.</p>")
    elif cherche and not trouvees:
        lignes.append(f"<p>Aucune identité de test ne contient « {html.escape(cherche)} ».</p>")
    caches = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in args.items() if k != "nom")
    recherche = (
        f'<form method="get" action="/auth" role="search">{caches}<label for="nom">Nom ou prénom</label>'
        f'<input id="nom" name="nom" value="{html.escape(cherche)}"> <button type="submit">Chercher</button></form>'
    )
    action = "/auth?" + urlencode(args)
    return _page(
        "Choisissez votre identité de test",
        (
            '<p class="note">Bouchon local : aucun appel au vrai Pro Santé Connect. Dans la réalité, vous validez '
            "la connexion dans l'application e-CPS de votre téléphone ou avec votre carte CPS.</p>"
            f"{recherche if len(identites) > MAX_IDENTITES_AFFICHEES or cherche else ''}"
            f'<form method="post" action="{html.escape(action)}">{"".join(lignes) or "<p>Aucune identité.</p>"}'
            '<p><button type="submit" name="decision" value="approuver">Approuver sur mon e-CPS</button>'
            '<button type="submit" name="decision" value="refuser">Refuser</button></p></form>'
        ),
    )
