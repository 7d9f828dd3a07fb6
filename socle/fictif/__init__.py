"""Données fictives et déterministes pour la démonstration et les mesures de performance ; jamais lues par le
produit en fonctionnement.

Generators of made-up people and files, the same for the same seed, for the benchmarks (benchmarks/) and the
tests: a precision, a recall or a time can only be measured against a known truth, at any size, and the national
files cannot be shipped (real people, millions of lines). No real person appears: names are built from syllables
or plainly invented, numbers carry valid keys.

* ``doublons``: identities with planted duplicates and planted non-duplicates (twins, homonyms), for the
  duplicate detection engine (socle.usagers.doublons);
* ``annuaire``: a PS_LibreAcces_Personne_activite extract in the real layout, with the staff file it must be
  reconciled with and a manifest of the expected outcome (socle.personnel.annuaire);
* ``insi``: national identities for the local INSi stand-in (socle.connecteurs.insi.standin).
* ``charge``: a whole region (30 OG, 300 ESMS, 100 000 usagers, 30 000 professionals) with the persona accounts
  of the load test (benchmarks/charge/).

This package sits above the domain apps whose inputs it fabricates and may import them; no module of the product
imports it (a `forbidden` contract of `lint-imports`, pyproject.toml). The demo builds its own data in
`<app>/demo.py`.
"""
