"""Reconciliation of the staff file with the public Annuaire Santé extract (issue 4, item 6).

Pure Python, no Django, no database: the caller (the `import-annuaire` command and the screens of
socle.personnel) builds one `FicheAgent` per professional of the OG and reads the report.

    from socle.personnel.annuaire import FicheAgent, rapprocher_fichier
    agents = [FicheAgent(cle=str(p.pk), rpps=p.rpps or "", nom_naissance=p.nom_naissance,
                         nom_usage=p.nom_usage, prenoms=tuple(p.prenoms), prenom_usuel=p.prenom_usuel,
                         finess_et=(…FINESS ET of the open situations…), finess_ej=og.finess,
                         profession="99" or the TRE_G15 code, genre_activite="GENR10"…) for p in …]
    rejets = []
    r = rapprocher_fichier(agents, "PS_LibreAcces_Personne_activite_….zip", finess_og={EJ, ET…}, rejets=rejets)
    r.deja_rpps   # [(agent, line)]: record line.rpps on the professional
    r.a_verifier  # [(agent, [(line, score)…])]: a person confirms, nothing is merged automatically
    r.partis      # lines registered in the OG's ET/EJ whose person is no longer in the staff file
    r.manquants   # agents still absent from the Annuaire
    rejets        # [(line number, French message)] of malformed lines, skipped

`rapprocher(agents, lire_annuaire(path), finess_og)` gives the same result on any iterable of lines;
`detail(agent, line, finess_og)` explains a score (nom, prénom, structure, profession, genre) for a
review screen; `socle.fictif.annuaire.generer` writes test files with a manifest of the expected outcome.
"""

from .engine import (
    AnnuaireInvalide,
    Detail,
    FicheAgent,
    LigneAnnuaire,
    Rapprochement,
    detail,
    lire_annuaire,
    rapprocher,
    rapprocher_fichier,
    score,
)

__all__ = [
    "AnnuaireInvalide",
    "Detail",
    "FicheAgent",
    "LigneAnnuaire",
    "Rapprochement",
    "detail",
    "lire_annuaire",
    "rapprocher",
    "rapprocher_fichier",
    "score",
]
