"""Bridge between Usager records and the pure duplicate-detection engine (socle.usagers.doublons)."""

from __future__ import annotations

from django.db.models import QuerySet

from socle.usagers.doublons import IdentiteCandidate, detecter

from .models import PaireDistincte, Usager


def candidats(usagers: QuerySet[Usager]):
    for u in usagers.only("pk", "nom_naissance", "prenoms_naissance", "date_naissance", "sexe", "lieu_naissance",
                          "nom_utilise").iterator(chunk_size=2000):
        yield IdentiteCandidate(cle=str(u.pk), nom_naissance=u.nom_naissance, prenoms=u.prenoms,
                                date_naissance=u.date_naissance, sexe=u.sexe, lieu_naissance=u.lieu_naissance,
                                nom_utilise=u.nom_utilise)


def paires_probables(usagers: QuerySet[Usager]) -> list[dict]:
    """Probable duplicate pairs among `usagers`, best score first, with both records loaded."""
    ids_qs = usagers.values("pk")
    exclues = [(str(a), str(b)) for a, b in PaireDistincte.objects.filter(usager_a__in=ids_qs)
               .values_list("usager_a_id", "usager_b_id")]
    paires = sorted(detecter(candidats(usagers), exclues=exclues), key=lambda p: -p.score)
    ids = {int(p.cle_a) for p in paires} | {int(p.cle_b) for p in paires}
    par_id = Usager.objects.in_bulk(ids)
    out = []
    for p in paires:
        a, b = par_id.get(int(p.cle_a)), par_id.get(int(p.cle_b))
        if a is None or b is None:
            continue
        # keep by default the record with the better status (qualified first), then the oldest
        rang = {"QUAL": 0, "VALI": 1, "RECUP": 2, "PROV": 3}
        garder, fusionner = sorted((a, b), key=lambda u: (rang[u.statut], u.pk))
        out.append({"a": a, "b": b, "score": p.score, "motifs": p.motifs, "garder": garder, "fusionner": fusionner})
    return out
