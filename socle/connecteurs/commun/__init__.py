"""What every connector shares: caller context (`appelant`), errors (`erreurs`), TLS from a certificate
(`tls`), encrypted secrets (`secrets`), the test PKI (`pki`) and the base of local HTTPS stand-ins (`standin`)."""
