"""Annuaire Santé extract: reading, name normalisation, scoring and reconciliation (issue 4, item 6)."""

import hashlib
import itertools
import zipfile

import pytest

from socle import referentiels
from socle.core.identifiants import finess_error, rpps_error
from socle.fictif.annuaire import finess, generer, rpps_numero
from socle.personnel.annuaire import colonnes as C
from socle.personnel.annuaire.engine import (
    MAX_CANDIDATS,
    SEUIL_AUTO,
    SEUIL_REVUE,
    AnnuaireInvalide,
    Detail,
    FicheAgent,
    LigneAnnuaire,
    _Candidats,
    lire_annuaire,
    rapprocher,
    rapprocher_fichier,
    score,
    similarite_nom,
)
from socle.personnel.annuaire.normalisation import cles_identite, formes, normaliser

ET1, ET2, ET_AILLEURS = finess(69, 300_001), finess(69, 300_002), finess(13, 500_001)
EJ1, EJ_AILLEURS = finess(69, 100_001), finess(13, 400_001)


def ligne_brute(**valeurs: str) -> str:
    champs = {c: "" for c in C.COLONNES}
    champs.update(valeurs)
    return "|".join(champs[c] for c in C.COLONNES) + "|\n"


def personne(rpps: str, nom: str, prenom: str, site: str = "", ej: str = "", profession: str = "99",
             genre: str = "GENR10", type_id: str = "8") -> str:
    return ligne_brute(**{
        C.TYPE_ID: type_id, C.IDENTIFIANT: rpps, C.ID_NATIONAL: type_id + rpps, C.NOM: nom, C.PRENOM: prenom,
        C.PROFESSION: profession, C.FINESS_SITE: site, C.FINESS_EJ: ej, C.GENRE: genre,
        "Libellé genre d'activité": "Accompagnement social/médico-social à la vie sociale, professionnelle, éducative",
    })


def ecrire(tmp_path, *lignes: str, nom: str = "annuaire.txt", entete: str = C.ENTETE) -> object:
    chemin = tmp_path / nom
    chemin.write_text(entete + "\n" + "".join(lignes), encoding="utf-8")
    return chemin


def agent(cle: str, nom: str, prenom: str, et: str = ET1, ej: str = EJ1, rpps: str = "", usage: str = "",
          prenoms: tuple[str, ...] = (), profession: str = "99", genre: str = "GENR10") -> FicheAgent:
    return FicheAgent(cle, rpps, nom, usage, prenoms or (prenom,), prenom, (et,), ej, profession, genre)


def ligne(nom: str, prenom: str, site: str = ET1, ej: str = EJ1, rpps: str = "", profession: str = "99",
          genre: str = "GENR10", numero: int = 2) -> LigneAnnuaire:
    return LigneAnnuaire(rpps or rpps_numero(numero), nom, prenom, profession, genre, site, ej, numero, {},
                         "8", rpps or rpps_numero(numero))


# ------------------------------------------------------------------------------------------- reading


def test_entete_est_le_fichier_officiel_vendu_avec_socle():
    officiel = referentiels.chemin("PS_LibreAcces_Personne_activite.header.txt").read_text(encoding="utf-8").strip()
    assert officiel == C.ENTETE
    assert len(C.COLONNES) == 56
    assert C.COLONNES[-2:] == ("Code genre d'activité", "Libellé genre d'activité")
    assert set(C.REQUISES) <= set(C.COLONNES)


def test_lecture_avec_l_entete_officiel(tmp_path):
    entete = referentiels.chemin("PS_LibreAcces_Personne_activite.header.txt").read_text(encoding="utf-8").strip()
    rp = rpps_numero(7)
    chemin = ecrire(tmp_path, personne(rp, "ÉMERAUDIÈRE", "Hélène", ET1, EJ1, genre="GENR11"),
                    personne("12345678", "ADELINE", "ADA", type_id="0", profession="60", genre="GENR01"),
                    entete=entete)
    lignes = list(lire_annuaire(chemin))
    assert len(lignes) == 2
    a, b = lignes
    assert (a.rpps, a.nom_exercice, a.prenom_exercice, a.finess_site, a.finess_ej) == (rp, "ÉMERAUDIÈRE", "Hélène", ET1, EJ1)
    assert (a.profession_code, a.genre_activite, a.numero_ligne) == ("99", "GENR11", 2)
    assert a.raw["Identification nationale PP"] == "8" + rp
    assert len(a.raw) == 56
    # ADELI line: no RPPS number, but still one person
    assert (b.rpps, b.type_identifiant, b.identifiant_pp, b.numero_ligne) == ("", "0", "12345678", 3)
    assert a.personne != b.personne


def test_zip_et_texte_donnent_les_memes_lignes(tmp_path):
    texte = generer(tmp_path / "a.txt", 3000, n_agents=60, n_et=3, graine=5)
    archive = generer(tmp_path / "a.zip", 3000, n_agents=60, n_et=3, graine=5, zipper=True)
    assert zipfile.is_zipfile(archive.chemin) and not zipfile.is_zipfile(texte.chemin)
    lignes_txt = list(lire_annuaire(texte.chemin))
    lignes_zip = list(lire_annuaire(archive.chemin))
    assert len(lignes_txt) == 3000
    assert lignes_txt == lignes_zip


def test_zip_sans_fichier_txt(tmp_path):
    chemin = tmp_path / "vide.zip"
    with zipfile.ZipFile(chemin, "w") as zf:
        zf.writestr("lisez-moi.pdf", b"%PDF")
    with pytest.raises(AnnuaireInvalide, match="un seul fichier .txt.*lisez-moi.pdf"):
        list(lire_annuaire(chemin))


def test_fichier_ouvert_accepte_et_laisse_ouvert(tmp_path):
    jeu = generer(tmp_path / "a.zip", 500, n_agents=20, n_et=2, graine=3, zipper=True)
    with open(jeu.chemin, "rb") as f:
        lignes = list(lire_annuaire(f))
        assert not f.closed
    assert len(lignes) == 500
    r = rapprocher(jeu.agents, lignes, jeu.finess_og)
    assert r.resume() == {"lignes_lues": 500, "lignes_og": r.lignes_og, "deja_rpps": len(jeu.manifeste.deja_rpps),
                          "a_verifier": 3, "partis": len(jeu.manifeste.partis),
                          "manquants": len(jeu.manifeste.manquants)}


def test_ligne_mal_formee_nommee_par_son_numero(tmp_path):
    bonne = personne(rpps_numero(1), "DURANDIN", "LEA", ET1, EJ1)
    courte = "|".join(["8", rpps_numero(2)] + [""] * 40) + "|\n"
    chemin = ecrire(tmp_path, bonne, bonne, courte, bonne)
    with pytest.raises(AnnuaireInvalide, match=r"^ligne 4 : 42 colonnes au lieu de 56"):
        list(lire_annuaire(chemin))


def test_rpps_a_cle_fausse_nomme_ligne_et_colonne(tmp_path):
    faux = rpps_numero(3)[:-1] + str((int(rpps_numero(3)[-1]) + 1) % 10)
    assert rpps_error(faux) is not None
    chemin = ecrire(tmp_path, personne(rpps_numero(1), "A", "B"), personne(faux, "C", "D"))
    with pytest.raises(AnnuaireInvalide) as exc:
        list(lire_annuaire(chemin))
    assert str(exc.value).startswith("ligne 3, colonne « Identifiant PP »")


def test_rejets_collectes_sans_arreter_la_lecture(tmp_path):
    chemin = tmp_path / "a.txt"
    chemin.write_bytes(
        (C.ENTETE + "\n").encode()
        + personne(rpps_numero(1), "A", "B").encode()
        + b"8|x|\n"
        + personne(rpps_numero(2), "CAFÉ", "D").encode("latin-1")
        + personne(rpps_numero(3), "E", "F").encode()
    )
    rejets: list = []
    lignes = list(lire_annuaire(chemin, rejets))
    assert [lg.numero_ligne for lg in lignes] == [2, 5]
    assert [n for n, _ in rejets] == [3, 4]
    assert "colonnes au lieu de 56" in rejets[0][1]
    assert "non UTF-8" in rejets[1][1]


def test_entete_invalide(tmp_path):
    chemin = ecrire(tmp_path, entete="Nom|Prénom|RPPS|")
    with pytest.raises(AnnuaireInvalide, match="ligne 1 : en-tête inattendu.*« Nom d'exercice »"):
        list(lire_annuaire(chemin))
    vide = tmp_path / "vide.txt"
    vide.write_bytes(b"")
    with pytest.raises(AnnuaireInvalide, match="fichier vide"):
        list(lire_annuaire(vide))


def test_entete_avec_bom_accepte(tmp_path):
    chemin = tmp_path / "bom.txt"
    chemin.write_bytes(b"\xef\xbb\xbf" + (C.ENTETE + "\n").encode() + personne(rpps_numero(1), "A", "B").encode())
    assert [lg.nom_exercice for lg in lire_annuaire(chemin)] == ["A"]


# ------------------------------------------------------------------------------------------- names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Émeraudière", "EMERAUDIERE"),
        ("Hélène-Maëlle", "HELENE MAELLE"),
        ("Jean-Baptiste", "JEAN BAPTISTE"),
        ("MARTIN-DUPONT", "Martin Dupont"),
        ("de la Tourvalière", "LATOURVALIERE"),
        ("de la Tourvalière", "DE LA TOURVALIERE"),
        ("Fontaine (de la)", "DE LA FONTAINE"),
        ("D'Alembert", "ALEMBERT"),
        ("d’Alembert", "DALEMBERT"),
        ("Du Pont", "DUPONT"),
        ("Œuvrardin", "OEUVRARDIN"),
        ("N'Diaye", "NDIAYE"),
    ],
)
def test_noms_equivalents(a, b):
    assert similarite_nom(a, b) == 1.0
    assert cles_identite((a,), ("Léa",)) & cles_identite((b,), ("LEA",))


def test_normalisation():
    assert normaliser("  Hélène-Maëlle d'Aubigné ") == "HELENE MAELLE D AUBIGNE"
    assert normaliser("Çà–et·là") == "CA ET LA"
    assert formes("de la Tourvalière")[:2] == ("DELATOURVALIERE", "LATOURVALIERE")
    assert formes("") == ()


def test_noms_differents_et_fautes():
    assert 0.9 <= similarite_nom("BROSSELINOT", "BROSSELINOD") < 1.0  # typo, same sound
    assert similarite_nom("MARTIN-DUPONT", "DUPONT") == pytest.approx(0.9)  # compound contains the other
    assert similarite_nom("Marie-Claire", "Marie", 0.85) == pytest.approx(0.85)
    assert similarite_nom("MARTIN", "MARTINEZ") < 0.92
    assert similarite_nom("BERVALOT", "MONTARDIN") < 0.5
    assert similarite_nom("", "MARTIN") == 0.0


# ------------------------------------------------------------------------------------------- scoring


def test_score_monotone_par_composante():
    niveaux = (0.0, 0.4, 0.7, 1.0)
    for nom, prenom, structure, profession, genre in itertools.product(niveaux, repeat=5):
        base = Detail(nom, prenom, structure, profession, genre).score
        assert 0.0 <= base <= 1.0
        for champ in range(5):
            valeurs = [nom, prenom, structure, profession, genre]
            if valeurs[champ] < 1.0:
                valeurs[champ] = 1.0
                assert Detail(*valeurs).score >= base


def test_score_ordre_des_situations():
    a = agent("1", "PLUMECOQUIN", "Anatole", profession="99", genre="GENR10")
    og = {ET1, ET2, EJ1}
    meme_et = score(a, ligne("PLUMECOQUIN", "ANATOLE", ET1, EJ1), og)
    meme_ej = score(a, ligne("PLUMECOQUIN", "ANATOLE", ET2, EJ1), og)
    ailleurs = score(a, ligne("PLUMECOQUIN", "ANATOLE", ET_AILLEURS, EJ_AILLEURS), og)
    autre_genre = score(a, ligne("PLUMECOQUIN", "ANATOLE", ET1, EJ1, genre="GENR12"), og)
    faute = score(a, ligne("PLUMECOQUIM", "ANATOLE", ET1, EJ1), og)
    autre_prenom = score(a, ligne("PLUMECOQUIN", "BERENICE", ET1, EJ1), og)
    autre_profession_ailleurs = score(a, ligne("PLUMECOQUIN", "ANATOLE", ET_AILLEURS, EJ_AILLEURS, profession="60",
                                               genre="GENR01"), og)
    assert meme_et == 1.0
    assert meme_et > meme_ej > ailleurs
    assert meme_et > autre_genre > meme_ej
    assert meme_et > faute >= SEUIL_AUTO
    assert ailleurs < SEUIL_AUTO  # outside the OG, never automatic
    assert autre_prenom < SEUIL_REVUE
    assert autre_profession_ailleurs < SEUIL_REVUE


def test_candidats_bornes():
    c = _Candidats()
    for k in range(20):
        lg = ligne("X", "Y", numero=10 + k)
        c.ajouter(k / 20, lg, Detail(1, 1, 1, 1, 1))
    assert len(c.par_personne) == MAX_CANDIDATS
    assert [round(s, 2) for s, _l, _d in c.restants(set())] == [0.95, 0.9, 0.85, 0.8, 0.75]


# ------------------------------------------------------------------------------------------- reconciliation


@pytest.fixture(scope="module")
def jeu(tmp_path_factory):
    return generer(tmp_path_factory.mktemp("annuaire") / "PS_LibreAcces.txt", 30_000, n_agents=400, n_et=6,
                   n_ej=2, graine=44)


def _resume(r):
    return (
        {a.cle: lg.rpps for a, lg in r.deja_rpps},
        {a.cle for a, _ in r.a_verifier},
        {lg.numero_ligne for lg in r.partis},
        {a.cle for a in r.manquants},
    )


def test_generateur_valide_et_deterministe(jeu, tmp_path):
    lignes = list(lire_annuaire(jeu.chemin))
    assert len(lignes) == 30_000
    assert all(rpps_error(lg.rpps) is None for lg in lignes if lg.type_identifiant == "8")
    assert all(finess_error(lg.finess_site) is None for lg in lignes if lg.finess_site)
    assert {lg.profession_code for lg in lignes} >= {"10", "60", "99"}
    assert {lg.genre_activite for lg in lignes} >= {"GENR01", "GENR09", "GENR10", "GENR11", "GENR12"}
    assert jeu.chemin.read_text(encoding="utf-8").splitlines()[0] == C.ENTETE
    again = generer(tmp_path / "b.txt", 30_000, n_agents=400, n_et=6, n_ej=2, graine=44)
    assert hashlib.sha256(again.chemin.read_bytes()).digest() == hashlib.sha256(jeu.chemin.read_bytes()).digest()
    assert again.manifeste == jeu.manifeste


def test_rapprochement_sur_fichier_synthetique(jeu):
    m = jeu.manifeste
    r = rapprocher(jeu.agents, lire_annuaire(jeu.chemin), jeu.finess_og)
    deja, revue, partis, manquants = _resume(r)
    assert r.lignes_lues == 30_000
    # every planted case lands where it must
    for cas in ("nom_usage", "accent", "faute_frappe", "particule_compose", "second_prenom", "rpps_connu"):
        (cle,) = m.cas[cas]
        assert deja[cle] == m.deja_rpps[cle], cas
    assert m.cas["homonymes"] == ["P-HOMONYME-1", "P-HOMONYME-2"]
    assert revue == {"P-HOMONYME-1", "P-HOMONYME-2", "P-AILLEURS"}
    (parti,) = m.cas["parti"]
    assert int(parti.split()[1]) in partis
    assert "P-ABSENT" in manquants
    # and the whole outcome is exactly the expected one
    assert deja == m.deja_rpps
    assert revue == m.a_verifier
    assert partis == m.partis
    assert manquants == m.manquants
    assert len(deja) + len(revue) + len(manquants) == len(jeu.agents)
    # homonyms: both candidates are proposed, the best first, none merged
    revues = {a.cle: cands for a, cands in r.a_verifier}
    for cle in ("P-HOMONYME-1", "P-HOMONYME-2"):
        cands = revues[cle]
        assert len(cands) == 2
        assert cands[0][1] >= cands[1][1]
        assert {lg.nom_exercice for lg, _s in cands} == {"PLUMECOQUIN"}
        assert cands[0][0].finess_site in next(a for a in jeu.agents if a.cle == cle).finess_et
    # the namesake registered outside the OG is shown, below the automatic threshold
    ((ailleurs, s_ailleurs),) = revues["P-AILLEURS"]
    assert ailleurs.finess_site not in jeu.finess_og and SEUIL_REVUE <= s_ailleurs < SEUIL_AUTO
    # namesakes of another profession elsewhere are read and dropped
    assert any(lg.raw[C.PROFESSION] != "99" and lg.finess_site not in jeu.finess_og
               for lg in lire_annuaire(jeu.chemin)
               if any(lg.nom_exercice == (a.nom_usage or a.nom_naissance) for a in jeu.agents[-50:]))


def test_chemin_rapide_identique(jeu):
    lent = rapprocher(jeu.agents, lire_annuaire(jeu.chemin), jeu.finess_og)
    rapide = rapprocher_fichier(jeu.agents, jeu.chemin, jeu.finess_og)
    assert _resume(rapide) == _resume(lent)
    assert rapide.lignes_lues == lent.lignes_lues == 30_000
    assert rapide.lignes_og == lent.lignes_og


def test_homonymes_de_l_og_jamais_fusionnes_meme_dans_deux_ej():
    a = agent("A", "PLUMECOQUIN", "Anatole", ET1, EJ1)
    lignes = [ligne("PLUMECOQUIN", "ANATOLE", ET1, EJ1, numero=2), ligne("PLUMECOQUIN", "ANATOLE", ET2, EJ_AILLEURS, numero=3)]
    r = rapprocher([a], lignes, {ET1, ET2, EJ1, EJ_AILLEURS})
    assert [x.cle for x, _ in r.a_verifier] == ["A"]
    assert r.partis == [] and r.deja_rpps == []


def test_homonyme_hors_og_ne_bloque_pas_un_rapprochement_clair():
    a = agent("A", "PLUMECOQUIN", "Anatole", ET1, EJ1)
    lignes = [ligne("PLUMECOQUIN", "ANATOLE", ET1, EJ1, numero=2),
              ligne("PLUMECOQUIN", "ANATOLE", ET_AILLEURS, EJ_AILLEURS, numero=3)]
    r = rapprocher([a], lignes, {ET1, EJ1})
    assert [(x.cle, lg.numero_ligne) for x, lg in r.deja_rpps] == [("A", 2)]


def test_seul_homonyme_hors_og_va_en_revue():
    a = agent("A", "PLUMECOQUIN", "Anatole", ET1, EJ1)
    r = rapprocher([a], [ligne("PLUMECOQUIN", "ANATOLE", ET_AILLEURS, EJ_AILLEURS)], {ET1, EJ1})
    assert [x.cle for x, _ in r.a_verifier] == ["A"] and r.deja_rpps == []


def test_deux_agents_pour_une_meme_ligne_en_revue():
    a = agent("A", "VASSEROTIN", "Capucine", ET1, EJ1)
    b = agent("B", "ORMELINOT", "Capucine", ET1, EJ1, usage="VASSEROTIN")
    r = rapprocher([a, b], [ligne("VASSEROTIN", "CAPUCINE", ET1, EJ1)], {ET1, EJ1})
    assert {x.cle for x, _ in r.a_verifier} == {"A", "B"}
    assert r.partis == []


def test_rpps_connu_absent_du_fichier_jamais_remplace_par_le_nom():
    a = agent("A", "VASSEROTIN", "Capucine", ET1, EJ1, rpps=rpps_numero(999))
    r = rapprocher([a], [ligne("VASSEROTIN", "CAPUCINE", ET1, EJ1, numero=2)], {ET1, EJ1})
    assert r.deja_rpps == []
    assert [x.cle for x, _ in r.a_verifier] == ["A"]


def test_personne_deja_prise_sort_des_listes_des_autres():
    # MARTINEL Léa is matched by RPPS; her line must not make MARTINET Léa (not registered) a review case.
    rp = rpps_numero(5)
    a = agent("A", "MARTINEL", "Léa", ET1, EJ1, rpps=rp)
    b = agent("B", "MARTINET", "Léa", ET1, EJ1)
    r = rapprocher([a, b], [ligne("MARTINEL", "LEA", ET1, EJ1, rpps=rp)], {ET1, EJ1})
    assert [(x.cle, lg.rpps) for x, lg in r.deja_rpps] == [("A", rp)]
    assert [x.cle for x in r.manquants] == ["B"]
    assert r.a_verifier == []


def test_parti_toutes_ses_situations_dans_l_og():
    rp = rpps_numero(8)
    lignes = [ligne("DELAVERNOUX", "OSCARINE", ET1, EJ1, rpps=rp, numero=2),
              ligne("DELAVERNOUX", "OSCARINE", ET2, EJ1, rpps=rp, numero=3),
              ligne("DELAVERNOUX", "OSCARINE", ET_AILLEURS, EJ_AILLEURS, rpps=rp, numero=4)]
    r = rapprocher([agent("A", "NULLEPARTIN", "Ysaline")], lignes, {ET1, ET2, EJ1})
    assert [lg.numero_ligne for lg in r.partis] == [2, 3]
    assert [x.cle for x in r.manquants] == ["A"]
