"""Pro Santé Connect (e-CPS): the national identity provider of health and medico-social professionals.

`interface` (what Socle reads from PSC), `configuration` (sandbox and production presets, every URL settable),
`client` (the relying party on authlib's Django client), `standin` (a local OpenID Connect provider speaking
PSC's protocol, for the demo and the tests), `jetons` (tokens kept encrypted in the session).
"""
