"""Typed configuration of the Pro Santé Connect connector, with the sandbox ("BAS") and production presets.

Every URL is configurable (PSC's hosts changed over time) and set by hand: PSC's discovery document has a
non-standard name (`.well-known/wallet-openid-configuration`) and its authorization endpoint lives on a separate
"wallet" host that overrides the metadata. Environment `bouchon` is the local stand-in identity provider
(`standin.py`), started on demand on 127.0.0.1; it is refused in production by the settings.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

ENVIRONNEMENTS = ("bouchon", "bas", "production")


def _keycloak(issuer: str, wallet: str) -> dict[str, str]:
    oidc = f"{issuer}/protocol/openid-connect"
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{wallet}/auth",
        "token_endpoint": f"{oidc}/token",
        "userinfo_endpoint": f"{oidc}/userinfo",
        "end_session_endpoint": f"{oidc}/logout",
        "jwks_uri": f"{oidc}/certs",
        "introspection_endpoint": f"{oidc}/token/introspect",
        "discovery": f"{issuer}/.well-known/wallet-openid-configuration",
    }


# Keycloak realm `esante-wallet` (ANS connector psc.properties; Portail Industriels "documentation technique").
PRESETS: dict[str, dict[str, str]] = {
    "bas": _keycloak(
        "https://auth.bas.psc.esante.gouv.fr/auth/realms/esante-wallet",
        "https://wallet.bas.psc.esante.gouv.fr",
    ),
    "production": _keycloak(
        "https://auth.esw.esante.gouv.fr/auth/realms/esante-wallet", "https://wallet.esw.esante.gouv.fr"
    ),
}


@dataclass(frozen=True)
class ConfigurationPsc:
    environnement: str
    client_id: str
    client_secret: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    end_session_endpoint: str
    jwks_uri: str
    introspection_endpoint: str = ""
    scope: str = "openid scope_all"
    acr: str = "eidas1"
    # ID token / userinfo signature algorithms accepted (HS256 is verified with the client secret).
    algorithmes: tuple[str, ...] = ("RS256", "ES256", "HS256")
    cle_dechiffrement: str = ""  # PEM private key of Socle, for tokens sent as JWE ("" = JWE refused)
    certificat_client: str = ""  # PEM certificate (and key below) for mutual TLS at the token endpoint
    cle_client: str = ""
    ca_bundle: str = ""  # "" = the system's store
    timeout: float = 10.0

    @property
    def bouchon(self) -> bool:
        return self.environnement == "bouchon"

    def __repr__(self) -> str:  # never the secret
        return f"ConfigurationPsc(environnement={self.environnement!r}, issuer={self.issuer!r}, client_id={self.client_id!r})"


def preset(environnement: str, client_id: str, client_secret: str, **remplacements: str) -> ConfigurationPsc:
    """The sandbox or production endpoints, any of them replaced (`token_endpoint=…`, empty values ignored)."""
    if environnement not in PRESETS:
        raise ValueError(f"Environnement Pro Santé Connect inconnu : {environnement!r} (bas ou production).")
    urls = {k: v for k, v in PRESETS[environnement].items() if k != "discovery"}
    urls.update({k: v for k, v in remplacements.items() if v and k in urls})
    autres = {k: v for k, v in remplacements.items() if k not in urls and v not in ("", None)}
    return ConfigurationPsc(
        environnement=environnement, client_id=client_id, client_secret=client_secret, **urls, **autres
    )


def pour_bouchon(base_url: str, client_id: str, client_secret: str) -> ConfigurationPsc:
    """The configuration that talks to a running stand-in at `base_url` (http://127.0.0.1:PORT)."""
    base = base_url.rstrip("/")
    return ConfigurationPsc(
        environnement="bouchon",
        client_id=client_id,
        client_secret=client_secret,
        issuer=base,
        authorization_endpoint=f"{base}/auth",
        token_endpoint=f"{base}/token",
        userinfo_endpoint=f"{base}/userinfo",
        end_session_endpoint=f"{base}/logout",
        jwks_uri=f"{base}/certs",
        introspection_endpoint=f"{base}/introspect",
    )


def avec(config: ConfigurationPsc, **changes) -> ConfigurationPsc:
    return replace(config, **changes)
