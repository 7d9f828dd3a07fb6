"""Connectors to the national services (INSi and Pro Santé Connect now; DMP, MSSanté next).

One sub-package per service (`insi/`, `psc/`, later `dmp/`, `mssante/`), each with the same four parts:
an interface (`interface.py`: data types, errors, the client protocol), a real client written to the
published specification (`client.py`), a local stand-in speaking the same protocol (`standin.py`) and a
typed configuration object (`configuration.py`, a dataclass read from the settings). What they share lives in
`commun/`: caller context and credential-provider protocol, error classes (permanent / worth retrying), TLS
context from a certificate, the Fernet helper for stored secrets, the test PKI and the base of the local
HTTPS stand-ins.

Layering: `socle.connecteurs.*` imports only the kernel (`socle.core.identifiants`, `socle.core.texte`),
Django and third-party libraries, never a domain app. A call is made on behalf of an explicit caller
(`commun.appelant.Appelant`: the organisation, later the person) with the certificate material the domain
hands in (the prerequisites cockpit's `certificat_pour(organisme, usage)`, through the usagers use case).
"""
