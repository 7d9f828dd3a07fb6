"""Screens of the staff registry, one module per journey. Thin: rights first (404 out of perimeter, 403 wrong
function), then rules and services; every read or change of a professional is traced.

* ``tableaux``: the RPPS+ board and the board of a grappe;
* ``registre``: the staff of an ESMS, a professional's record and its edits;
* ``imports``: the HR file import (template, upload, mapping, dry run, commit);
* ``rpps``: the RPPS+ export, its template, the portal's return file;
* ``annuaire``: reconciliation with the Annuaire Santé;
* ``regles``: the OG's settings, métier → rôle table and registration rules;
* ``_commun``: who may act on an OG or read a professional.
"""
