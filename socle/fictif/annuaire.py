"""Deterministic synthetic PS_LibreAcces_Personne_activite file, with the staff file it must be matched to.

For tests and the benchmark: the national file cannot be shipped (millions of lines, real people). The
generator writes any number of lines in the real 56-column layout (the ANS header vendored in
socle/referentiels, or the one given), streaming, with valid RPPS numbers, professions, genres d'activité and
FINESS numbers, and plants the cases the reconciliation must handle. The manifest gives, by construction,
the exact expected outcome for every agent and every line of the OG.

All names are built from syllables ("BERVALOT", "MONTARDIN"…) or are plainly invented: no real person.
"""

from __future__ import annotations

import random
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz, process

from socle.core.identifiants import avec_cle_luhn
from socle.personnel.annuaire import colonnes as C
from socle.personnel.annuaire.engine import FicheAgent, noms_agent, prenoms_agent
from socle.personnel.annuaire.normalisation import cles_identite, normaliser
from socle.personnel.nomenclatures import GENRES

_RACINES = (
    "BA BEL BER BON BOU BRI CAR CHA CHE COR DAR DEL DOM DUR FA FER FON GAL GAR GIR GRA JOL LAB LAM LAN LAR LEB "
    "LOR MAL MAR MAS MER MIL MON MOR NAV PAR PEL PER PIC POI POU RAB RAM REN RIB ROC ROU SAB SAL SER TAL TAR "
    "TER TOU VAL VAR VER VIL"
).split()
_MILIEUX = "A AL AN AR E EL EN ER I IL O OL ON OR OU U".split() + [""] * 4
_FINALES = (
    "ARD AUD AUX EAU ET ETTE IER IN INE OT OUX ON AND ENT ERT ARDIN ELLE ERON ILLON IAC AGNE ESSE OLLE"
).split()
_PRENOMS = (
    "Agathe Aimé Alix Amélie Anaïs André Angèle Anne Antoine Apolline Armand Arthur Aurélie Baptiste Béatrice "
    "Benoît Bérénice Blanche Brice Camille Céleste Cédric Chloé Claire Clément Colette Corentin Cyprien Damien "
    "Denise Désiré Édith Édouard Éléonore Élise Éloïse Émile Émilie Estelle Étienne Eugénie Fabien Félix Fleur "
    "Florian Françoise Gaël Gaspard Geneviève Gilles Gisèle Grégoire Hélène Henri Honoré Hugues Inès Irène "
    "Jacinthe Jérôme Joël Josiane Jules Julie Laure Léa Léon Léonie Lise Lucie Lucien Maël Maëlle Manon "
    "Marcel Margaux Marius Mathilde Maxime Mélanie Nadège Noël Noémie Octave Odile Pascal Paulette Perrine "
    "Philippe Quentin Rachel Raphaël Régis Rémi Renée Roland Romane Rose Sabine Sébastien Séverine Simone "
    "Solène Sylvain Thérèse Timothée Ursule Valérie Victor Vincent Yves Zoé Jean-Pierre Marie-Claire "
    "Anne-Sophie Jean-Baptiste Marie-Hélène Pierre-Yves"
).split()
# (code, libellé, genres) of the national background: professions de santé and rôle-based professionals.
_PROFESSIONS = (
    ("10", "Médecin", ("GENR01",), 22),
    ("60", "Infirmier", ("GENR01",), 30),
    ("21", "Pharmacien", ("GENR01",), 7),
    ("40", "Chirurgien-Dentiste", ("GENR01",), 4),
    ("70", "Masseur-Kinésithérapeute", ("GENR01",), 9),
    ("91", "Orthophoniste", ("GENR01",), 2),
    ("94", "Ergothérapeute", ("GENR01",), 1),
    ("96", "Psychomotricien", ("GENR01",), 1),
    ("93", "Psychologue", ("GENR01",), 4),
    ("99", "Acteur participant au système de santé caractérisé par rôle",
     ("GENR08", "GENR09", "GENR10", "GENR10", "GENR11", "GENR11", "GENR12", "GENR13"), 20),
)
_POIDS = [p[3] for p in _PROFESSIONS]
_LIBELLES_PROFESSION = {p[0]: p[1] for p in _PROFESSIONS}
_GENRES_OG = ("GENR09", "GENR10", "GENR10", "GENR10", "GENR11", "GENR11", "GENR12", "GENR08")
_MODES = (("S", "Salarié"), ("S", "Salarié"), ("L", "Libéral"), ("B", "Bénévole"))
_VOIES = ("RUE", "AVENUE", "CHEMIN", "PLACE", "BOULEVARD")


def finess(dept: int, corps: int) -> str:
    """A valid FINESS number (department, 6 digits, Luhn key)."""
    base = f"{dept:02d}{corps % 1_000_000:06d}"
    return avec_cle_luhn(base)


def rpps_numero(k: int) -> str:
    """The k-th synthetic RPPS number: "1" + 9 digits + Luhn key; a bijection of k, so never twice the same."""
    corps = "1" + f"{(k * 387_420_489 + 12_345) % 1_000_000_000:09d}"
    return avec_cle_luhn(corps)


@dataclass
class Manifeste:
    """Expected outcome, by construction: agent keys and line numbers of every case."""

    deja_rpps: dict[str, str] = field(default_factory=dict)  # agent cle → RPPS of the line it must match
    a_verifier: set[str] = field(default_factory=set)  # agent cles
    partis: set[int] = field(default_factory=set)  # line numbers
    manquants: set[str] = field(default_factory=set)  # agent cles
    cas: dict[str, list[str]] = field(default_factory=dict)  # planted case → agent cles ("ligne N" for lines)


@dataclass
class JeuSynthetique:
    chemin: Path
    agents: list[FicheAgent]
    finess_og: set[str]
    finess_et: list[str]
    finess_ej: list[str]
    manifeste: Manifeste
    n_lignes: int


@dataclass
class _Speciale:
    """A line of the OG to place in the file (registered agent, leaver, planted case)."""

    nom: str
    prenom: str
    rpps: str
    profession: str
    genre: str
    finess_site: str
    finess_ej: str
    agent: str = ""  # cle of the agent it must match ('' = leaver or review)
    parti: bool = False
    cas: str = ""


class _Generateur:
    def __init__(self, graine: int, n_agents: int, n_et: int, n_ej: int) -> None:
        self.rng = random.Random(graine)
        self.k_rpps = 0
        self.cles_reservees: set[str] = set()
        self.par_et: dict[str, list[str]] = {}
        self.ej = [finess(69, 100_000 + 7 * i) for i in range(n_ej)]
        self.et = [finess(69, 300_000 + 11 * i) for i in range(n_et)]
        self.ej_de_et = {et: self.ej[i % n_ej] for i, et in enumerate(self.et)}
        self.n_agents = n_agents

    def nouveau_rpps(self) -> str:
        self.k_rpps += 1
        return rpps_numero(self.k_rpps)

    def nom(self) -> str:
        r = self.rng
        return r.choice(_RACINES) + r.choice(_MILIEUX) + r.choice(_FINALES)

    def libre(self, noms: tuple[str, ...], prenoms: tuple[str, ...], et: str | None, cles: bool = True) -> bool:
        """No blocking key shared with anyone already placed, and nobody fuzzily close in the same ET."""
        if cles and cles_identite(noms, prenoms) & self.cles_reservees:
            return False
        if et is not None:
            choix = self.par_et.get(et, [])
            for n in noms:
                for p in prenoms:
                    if choix and process.extractOne(
                        normaliser(f"{n} {p}"), choix, scorer=fuzz.token_sort_ratio, score_cutoff=68
                    ):
                        return False
        return True

    def reserver(self, noms: tuple[str, ...], prenoms: tuple[str, ...], et: str | None) -> None:
        self.cles_reservees |= cles_identite(noms, prenoms)
        if et is not None:
            self.par_et.setdefault(et, []).extend(normaliser(f"{n} {p}") for n in noms for p in prenoms)


def _agent(cle: str, rpps: str, naissance: str, usage: str, prenoms: tuple[str, ...], usuel: str, et: str,
           ej: str, profession: str = "99", genre: str = "GENR10") -> FicheAgent:
    return FicheAgent(cle, rpps, naissance, usage, prenoms, usuel, (et,), ej, profession, genre)


def _planter(g: _Generateur, agents: list[FicheAgent], speciales: list[_Speciale], m: Manifeste) -> None:
    """The hand-written cases of the issue, with plainly invented names."""
    et0, et1, et2 = g.et[0], g.et[1 % len(g.et)], g.et[2 % len(g.et)]
    ej0 = g.ej_de_et[et0]

    def ajouter(cas: str, agent: FicheAgent | None, lignes: list[_Speciale], attendu: str) -> None:
        if agent is not None:
            agents.append(agent)
            g.reserver(noms_agent(agent), prenoms_agent(agent), agent.finess_et[0])
            m.cas.setdefault(cas, []).append(agent.cle)
            if attendu == "deja_rpps":
                m.deja_rpps[agent.cle] = lignes[0].rpps
            elif attendu == "a_verifier":
                m.a_verifier.add(agent.cle)
            elif attendu == "manquant":
                m.manquants.add(agent.cle)
        for s in lignes:
            s.cas = cas
            if agent is None:
                g.reserver((s.nom,), (s.prenom,), s.finess_site)
            speciales.append(s)

    r = g.nouveau_rpps
    # Registered under the nom d'usage, HR file knows the nom de naissance as well.
    a = _agent("P-USAGE", "", "ORMELINOT", "VASSEROTIN", ("Capucine",), "Capucine", et0, ej0)
    ajouter("nom_usage", a, [_Speciale("VASSEROTIN", "CAPUCINE", r(), "99", "GENR10", et0, ej0, a.cle)], "deja_rpps")
    # Accents in the HR file, none in the Annuaire.
    a = _agent("P-ACCENT", "", "Émeraudière", "", ("Hélène", "Éloïse"), "Hélène", et1, g.ej_de_et[et1], "99", "GENR11")
    ajouter("accent", a, [_Speciale("EMERAUDIERE", "HELENE", r(), "99", "GENR11", et1, g.ej_de_et[et1], a.cle)],
            "deja_rpps")
    # One typo in the surname (registered by hand on the portal).
    a = _agent("P-FRAPPE", "", "BROSSELINOT", "", ("Gaëtan",), "Gaëtan", et0, ej0, "99", "GENR12")
    ajouter("faute_frappe", a, [_Speciale("BROSSELINOD", "GAETAN", r(), "99", "GENR12", et0, ej0, a.cle)],
            "deja_rpps")
    # Particle and compound first name written differently.
    a = _agent("P-PARTICULE", "", "de la Tourvalière", "", ("Jean-Baptiste", "Lou"), "Jean-Baptiste", et2,
               g.ej_de_et[et2], "99", "GENR09")
    ajouter("particule_compose",
            a, [_Speciale("LATOURVALIERE", "JEAN BAPTISTE", r(), "99", "GENR09", et2, g.ej_de_et[et2], a.cle)],
            "deja_rpps")
    # Registered under the second birth first name.
    a = _agent("P-PRENOM2", "", "FOUGERAINVAL", "", ("Marie", "Solange"), "Marie", et1, g.ej_de_et[et1], "99", "GENR10")
    ajouter("second_prenom",
            a, [_Speciale("FOUGERAINVAL", "SOLANGE", r(), "99", "GENR10", et1, g.ej_de_et[et1], a.cle)], "deja_rpps")
    # RPPS number known by Socle; the Annuaire has another name and another structure: the number decides.
    rp = r()
    a = _agent("P-RPPS", rp, "CORNEMUSARD", "", ("Basile",), "Basile", et0, ej0, "60", "GENR01")
    ajouter("rpps_connu", a, [_Speciale("VIDALOUSTRE", "BASILE", rp, "60", "GENR01", finess(13, 777_001),
                                        finess(13, 777_000))], "deja_rpps")
    # Homonyms: the same name registered in two ET of the OG, both in the staff file: review, never merged.
    h1 = _agent("P-HOMONYME-1", "", "PLUMECOQUIN", "", ("Anatole",), "Anatole", et0, ej0)
    h2 = _agent("P-HOMONYME-2", "", "PLUMECOQUIN", "", ("Anatole",), "Anatole", et1, g.ej_de_et[et1])
    lignes_h = [_Speciale("PLUMECOQUIN", "ANATOLE", r(), "99", "GENR10", et0, ej0),
                _Speciale("PLUMECOQUIN", "ANATOLE", r(), "99", "GENR10", et1, g.ej_de_et[et1])]
    agents.append(h1)
    g.reserver(noms_agent(h1), prenoms_agent(h1), et0)
    ajouter("homonymes", h2, lignes_h, "a_verifier")
    m.cas["homonymes"].insert(0, h1.cle)
    m.a_verifier.add(h1.cle)
    # A leaver: registered in an ET of the OG, no longer in the staff file.
    ajouter("parti", None, [_Speciale("DELAVERNOUX", "OSCARINE", r(), "99", "GENR11", et2, g.ej_de_et[et2],
                                      parti=True)], "")
    # In the staff file, in no Annuaire line.
    a = _agent("P-ABSENT", "", "NULLEPARTIN", "", ("Ysaline",), "Ysaline", et2, g.ej_de_et[et2])
    ajouter("absent", a, [], "manquant")
    # Same name, same rôle, registered elsewhere (another employer registered her): a person must check.
    a = _agent("P-AILLEURS", "", "GALOPINARD", "", ("Firmine",), "Firmine", et2, g.ej_de_et[et2], "99", "GENR10")
    ajouter("homonyme_hors_og", a, [_Speciale("GALOPINARD", "FIRMINE", r(), "99", "GENR10", finess(33, 888_001),
                                              finess(33, 888_000))], "a_verifier")


def generer(
    chemin,
    n_lignes: int,
    n_agents: int = 200,
    n_et: int = 5,
    n_ej: int = 1,
    graine: int = 2026,
    zipper: bool = False,
    entete: Path | None = None,
    part_inscrits: float = 0.6,
    part_partis: float = 0.02,
    part_homonymes: float = 0.2,
) -> JeuSynthetique:
    """Write a synthetic extract of `n_lignes` data lines and return the staff file and the manifest.

    `n_agents` staff spread over `n_et` ET of `n_ej` EJ; `part_inscrits` of them have a line at their ET
    (a third of those with the RPPS number known to Socle), the rest are still missing; `part_partis` ×
    agents leavers are registered in the OG's ET; `part_homonymes` of the agents have a namesake of another
    profession elsewhere in France (read, scored and dropped). Everything else is national background.
    """
    chemin = Path(chemin)
    ligne_entete = entete.read_text(encoding="utf-8").strip() if entete else C.ENTETE
    colonnes = ligne_entete.rstrip("|").split("|")
    position = {c: i for i, c in enumerate(colonnes)}

    g = _Generateur(graine, n_agents, n_et, n_ej)
    m = Manifeste()
    agents: list[FicheAgent] = []
    speciales: list[_Speciale] = []
    _planter(g, agents, speciales, m)
    rng = g.rng

    # Background staff of the OG.
    k = 0
    while len(agents) < n_agents:
        k += 1
        et = g.et[k % len(g.et)]
        ej = g.ej_de_et[et]
        prenoms = tuple(rng.sample(_PRENOMS, rng.choice((1, 1, 2, 3))))
        naissance = g.nom()
        usage = g.nom() if rng.random() < 0.25 else ""
        noms = (naissance, usage) if usage else (naissance,)
        if not g.libre(noms, prenoms, et):
            continue
        sante = rng.random() < 0.08
        profession, genre = ("60", "GENR01") if sante else ("99", rng.choice(_GENRES_OG))
        inscrit = rng.random() < part_inscrits
        rp = g.nouveau_rpps() if inscrit else ""
        connu = inscrit and rng.random() < 1 / 3
        agent = _agent(f"{len(agents) + 1}", rp if connu else "", naissance, usage, prenoms, prenoms[0], et, ej,
                       profession, genre)
        g.reserver(noms, prenoms, et)
        agents.append(agent)
        if inscrit:
            m.deja_rpps[agent.cle] = rp
            speciales.append(_Speciale(usage or naissance, prenoms[0].upper(), rp, profession, genre, et, ej, agent.cle))
            et2 = g.et[(k + 1) % len(g.et)]
            if rng.random() < 0.1 and et2 != et and g.libre(noms, prenoms, et2, cles=False):
                # a second activity in another ET of the OG
                g.reserver(noms, prenoms, et2)
                speciales.append(_Speciale(usage or naissance, prenoms[0].upper(), rp, profession, genre, et2,
                                           g.ej_de_et[et2], agent.cle))
        else:
            m.manquants.add(agent.cle)
        if rng.random() < part_homonymes:
            # a namesake elsewhere in France with another profession: scored, then rightly dropped
            autre = "10" if profession == "60" else "60"
            site = rng.choice((13, 33, 59))
            speciales.append(_Speciale(usage or naissance, prenoms[0].upper(), g.nouveau_rpps(), autre, "GENR01",
                                       finess(site, 600_000 + k), finess(site, 700_000 + k)))
    # Background leavers.
    n_partis = int(n_agents * part_partis)
    while n_partis > 0:
        et = rng.choice(g.et)
        nom, prenom = g.nom(), rng.choice(_PRENOMS)
        if not g.libre((nom,), (prenom,), et):
            continue
        g.reserver((nom,), (prenom,), et)
        speciales.append(_Speciale(nom, prenom.upper(), g.nouveau_rpps(), "99", rng.choice(_GENRES_OG), et,
                                   g.ej_de_et[et], parti=True))
        n_partis -= 1
    if len(speciales) > n_lignes:
        raise ValueError(f"{n_lignes} lignes ne suffisent pas : {len(speciales)} lignes de l'OG à placer")
    places = sorted(rng.sample(range(n_lignes), len(speciales)))
    rng.shuffle(speciales)
    finess_og = set(g.et) | set(g.ej)

    def ligne_de(valeurs: dict[str, str]) -> str:
        champs = [""] * len(colonnes)
        for c, v in valeurs.items():
            if c in position:
                champs[position[c]] = v
        return "|".join(champs) + "|\n"

    def structure(site: str, ej: str, valeurs: dict[str, str]) -> None:
        corps = int(site[2:8]) if site else rng.randrange(1_000_000)
        valeurs.update({
            C.FINESS_SITE: site, C.FINESS_EJ: ej,
            "Raison sociale site": f"STRUCTURE FICTIVE {corps}",
            "Numéro Voie (coord. structure)": str(1 + corps % 120),
            "Libellé type de voie (coord. structure)": _VOIES[corps % len(_VOIES)],
            "Libellé Voie (coord. structure)": f"DES {_RACINES[corps % len(_RACINES)]}INIERS",
            "Code postal (coord. structure)": f"{site[:2] if site else '75'}{corps % 1000:03d}",
            "Libellé commune (coord. structure)": f"VILLE FICTIVE {corps % 500}",
            "Code pays (coord. structure)": "99100", "Libellé pays (coord. structure)": "France",
        })

    def personne(type_id: str, ident: str, nom: str, prenom: str, profession: str, genre: str) -> dict[str, str]:
        femme = rng.random() < 0.7
        mode, lib_mode = ("S", "Salarié") if profession == "99" else rng.choice(_MODES)
        return {
            C.TYPE_ID: type_id, C.IDENTIFIANT: ident, C.ID_NATIONAL: type_id + ident,
            "Code civilité d'exercice": "" if profession == "99" else ("DR" if profession == "10" else ""),
            "Libellé civilité exercice": "Docteur" if profession == "10" else "",
            "Code civilité": "MME" if femme else "M", "Libellé civilité": "Madame" if femme else "Monsieur",
            C.NOM: nom, C.PRENOM: prenom, C.PROFESSION: profession,
            "Libellé profession": _LIBELLES_PROFESSION.get(profession, ""),
            "Code catégorie professionnelle": "C", "Libellé catégorie professionnelle": "Civil",
            "Code mode exercice": mode, "Libellé mode exercice": lib_mode,
            "Autorité d'enregistrement": "RPPS/RPPS+" if profession == "99" else "ARS/Ordre",
            "Code secteur d'activité": "SA05" if profession != "99" else "SA17",
            C.GENRE: genre, "Libellé genre d'activité": GENRES.get(genre, ""),
        }

    # National identities: drawn from a pool (so that homonyms exist nationally, as in the real file), none
    # sharing a blocking key with the OG's people; structures from a pool of valid FINESS pairs.
    identites: list[tuple[str, str]] = []
    while len(identites) < min(max(n_lignes // 3, 1000), 300_000):
        nom, prenom = g.nom(), rng.choice(_PRENOMS)
        if not (cles_identite((nom,), (prenom,)) & g.cles_reservees):
            identites.append((nom, prenom))
    structures = []
    for _ in range(min(max(n_lignes // 20, 100), 50_000)):
        dept = rng.choice((13, 31, 33, 35, 44, 59, 67, 75, 92, 93))
        structures.append((finess(dept, rng.randrange(1_000_000)), finess(dept, rng.randrange(1_000_000))))
    structures = [(site, ej) for site, ej in structures if site not in finess_og and ej not in finess_og]

    def nationale() -> list[str]:
        """One national person (not of the OG), one or two activity lines."""
        nom, prenom = rng.choice(identites)
        code, _lib, genres, _p = rng.choices(_PROFESSIONS, weights=_POIDS)[0]
        if rng.random() < 0.08:
            type_id, ident = C.TYPE_ADELI, f"{rng.randrange(10**7, 10**8)}"
            ident = avec_cle_luhn(ident)
        else:
            type_id, ident = C.TYPE_RPPS, g.nouveau_rpps()
        v = personne(type_id, ident, nom.upper(), normaliser(prenom) if rng.random() < 0.5 else prenom.upper(),
                     code, rng.choice(genres))
        sorties = []
        for _ in range(2 if rng.random() < 0.15 else 1):
            if rng.random() < 0.3:
                structure("", "", v)
            else:
                structure(*rng.choice(structures), v)
            sorties.append(ligne_de(v))
        return sorties

    ecrites = 0
    numero = 1  # header = line 1
    i_speciale = 0

    def ecrire(flux) -> None:
        nonlocal ecrites, numero, i_speciale
        flux.write((ligne_entete.rstrip("|") + "|\n").encode())
        tampon: list[str] = []
        en_attente: list[str] = []
        while ecrites < n_lignes:
            if i_speciale < len(speciales) and places[i_speciale] <= ecrites:
                s = speciales[i_speciale]
                i_speciale += 1
                v = personne(C.TYPE_RPPS, s.rpps, s.nom, s.prenom, s.profession, s.genre)
                v["Code mode exercice"], v["Libellé mode exercice"] = "S", "Salarié"
                structure(s.finess_site, s.finess_ej, v)
                texte = ligne_de(v)
                numero += 1
                if s.parti:
                    m.partis.add(numero)
                    m.cas.setdefault(s.cas or "partis_fond", []).append(f"ligne {numero}")
            else:
                if not en_attente:
                    en_attente = nationale()
                texte = en_attente.pop()
                numero += 1
            tampon.append(texte)
            ecrites += 1
            if len(tampon) >= 4096:
                flux.write("".join(tampon).encode())
                tampon.clear()
        flux.write("".join(tampon).encode())

    chemin.parent.mkdir(parents=True, exist_ok=True)
    if zipper:
        with zipfile.ZipFile(chemin, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            with zf.open("PS_LibreAcces_Personne_activite_202601010000.txt", "w", force_zip64=True) as flux:
                ecrire(flux)
    else:
        with open(chemin, "wb") as flux:
            ecrire(flux)
    return JeuSynthetique(chemin, agents, finess_og, list(g.et), list(g.ej), m, n_lignes)
