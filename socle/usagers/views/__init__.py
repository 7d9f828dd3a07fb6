"""Screens of the usagers app, one module per journey. Thin: rights via socle.comptes.rights, rules in
rniv/services, every read traced.

* ``dossiers``: list and search, creation, the record, attributes, stays;
* ``qualification``: qualify an identity, accept or reject the INSi answer, check an INS again;
* ``lots``: INSi batches and the anomaly queue;
* ``tableau``: the identity dashboard;
* ``doublons``: probable duplicates, merges;
* ``lieux``: birthplace suggestions (INSEE COG) for the identity forms;
* ``_commun``: who may open a record, the record's context.
"""
