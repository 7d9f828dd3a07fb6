"""Sign-in with Pro Santé Connect: the views, the matching of a PSC identity to the staff registry (situations
d'exercice) and the accounts, and the local stand-in identity provider of the demo. In the web layer because it
joins the PSC connector, `personnel` and `comptes`."""
