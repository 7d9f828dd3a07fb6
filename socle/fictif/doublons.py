"""Jeu synthétique déterministe d'identités fictives avec doublons et non-doublons plantés.

Why: precision and recall can only be measured against a known truth. The base population is made of distinct
people (no two share name, first first name, sex and birth year, phonetically); planted duplicates reproduce the
input errors seen in identitovigilance, planted non-duplicates are twins and homonyms.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace
from datetime import date

from rapidfuzz.distance import OSA

from socle.usagers.doublons.engine import IdentiteCandidate
from socle.usagers.doublons.phonetique import cle_phonetique, normaliser

TYPES_DOUBLONS = (
    "faute_nom",
    "phonetique_nom",
    "nom_usage",
    "prenoms_inverses",
    "premier_prenom_seul",
    "graphie",
    "jour_mois_inverses",
    "chiffre_date",
    "lieu_absent",
    "faute_prenom",
)
TYPES_NON_DOUBLONS = ("jumeaux", "homonymes")

_NOMS_COURANTS = (
    "MARTIN BERNARD THOMAS PETIT ROBERT RICHARD DURAND DUBOIS MOREAU LAURENT SIMON MICHEL LEFEBVRE LEROY ROUX "
    "DAVID BERTRAND MOREL FOURNIER GIRARD BONNET DUPONT LAMBERT FONTAINE ROUSSEAU VINCENT MULLER LEFEVRE FAURE "
    "ANDRE MERCIER BLANC GUERIN BOYER GARNIER CHEVALIER FRANCOIS LEGRAND GAUTHIER GARCIA PERRIN ROBIN CLEMENT "
    "MORIN NICOLAS HENRY ROUSSEL MATHIEU GAUTIER MASSON MARCHAND DUVAL DENIS DUMONT MARIE LEMAIRE NOEL MEYER "
    "DUFOUR MEUNIER BRUN BLANCHARD GIRAUD JOLY RIVIERE LUCAS BRUNET GAILLARD BARBIER ARNAUD MARTINEZ GERARD "
    "ROCHE RENARD SCHMITT ROY LEROUX COLIN VIDAL CARON PICARD ROGER FABRE AUBERT LEMOINE RENAUD DUMAS LACROIX "
    "OLIVIER PHILIPPE BOURGEOIS PIERRE BENOIT REY LECLERC PAYET ROLLAND LECLERCQ GUILLAUME LECOMTE LOPEZ JEAN "
    "DUPUY GUILLOT HUBERT BERGER CARPENTIER SANCHEZ DUPUIS MOULIN LOUIS DESCHAMPS HUET VASSEUR PEREZ BOUCHER "
    "FLEURY ROYER KLEIN JACQUET ADAM PARIS POIRIER MARTY AUBRY GUYOT CARRE CHARLES RENAULT CHARPENTIER MENARD "
    "MAILLARD BARON BERTIN BAILLY HERVE SCHNEIDER FERNANDEZ COLLET LEGER BOUVIER JULIEN PREVOST MILLET PERROT "
    "DANIEL COUSIN GERMAIN BRETON BESSON LANGLOIS REMY PELLETIER LEVEQUE PERRIER LEBLANC BARRE LEBRUN MARCHAL"
).split()
_NOMS_COMPOSES = (
    "DE LA FONTAINE", "D'ARTOIS", "LE GALL", "LE BRIS", "DU PONTAVICE", "DE SAINT-EXUPERY", "LEFEVRE-DAUBIGNE",
    "DES ROCHES", "D'ESTIENNE", "LA ROCHE-MARTIN", "DE VILLIERS", "LE GOFF", "DUBOIS-ROCHE", "L'HERMITE",
    "D'ORVILLE", "VAN DER BEEK", "DE BEAUMONT", "LE ROUX-BERNARD", "DU CHATELET", "DE MONTCLAR",
)
_DEBUTS = (
    "BEAU BOIS BON CHAMP CHATEAU CLAIR FONT GRAND HAUT LAC MONT MOUL NEUF PETIT PIER PRE RIV ROCH VAL VERT "
    "VIL BEL BRU CAR COL FER GAR LAN MAR MOR PAL PER ROU SAL TOUR VIGN BLAN BROC CHAU COUR DRU FAL GIR JAR "
    "LAB MAL NOR PLAN QUIN RAB SOUL TRAV VAUD"
).split()
_MILIEUX = ("", "", "", "E", "I", "O", "A", "ER", "EL", "AN", "OR", "IS")
_FINS = (
    "ARD AUD ET IER IN OT EAU AC AN OUX ON ELLE ERT Y ONNET IOT ERON AUX ERE IAN ANT ENT ILLE ERAN OIS AL "
    "ECQ OLLE USSE ASSE ERVE IGNAC OUL ERIN IQUET OCHE ABERT ANDRE ADIER"
).split()
_PRENOMS_F = (
    "MARIE JEANNE FRANCOISE MONIQUE CATHERINE NATHALIE ISABELLE SYLVIE ANNE MARTINE CHRISTINE NICOLE VALERIE "
    "SANDRINE SOPHIE CELINE JULIE STEPHANIE AURELIE CAMILLE LEA MANON CHLOE EMMA INES JADE LOUISE ALICE LINA "
    "ROSE ANNA MILA JULIETTE ZOE AMBRE AGATHE CLARA SARAH LAURA PAULINE MATHILDE CHARLOTTE LUCIE ELISE HELENE "
    "JOSIANE ODETTE SIMONE GINETTE PAULETTE DENISE SUZANNE YVETTE LUCIENNE GERMAINE MADELEINE COLETTE BERNADETTE "
    "MARIE-CLAIRE ANNE-SOPHIE MARIE-THERESE GENEVIEVE BRIGITTE CHANTAL DOMINIQUE PATRICIA FLORENCE EMILIE "
    "MARGAUX OCEANE MAEVA NOEMIE ELODIE ESTELLE AGNES BEATRICE CLAUDINE THERESE RENEE AUDREY MELANIE VIRGINIE"
).split()
_PRENOMS_M = (
    "JEAN PIERRE MICHEL ANDRE PHILIPPE ALAIN BERNARD JACQUES DANIEL CHRISTIAN GERARD PATRICK NICOLAS FRANCOIS "
    "CHRISTOPHE LAURENT FREDERIC ERIC OLIVIER THIERRY STEPHANE SEBASTIEN JULIEN DAVID THOMAS ALEXANDRE ANTOINE "
    "MAXIME GABRIEL LEO RAPHAEL LOUIS ARTHUR JULES ADAM HUGO LUCAS NATHAN PAUL ETHAN NOAH TOM SACHA MATHIS "
    "VICTOR MARCEL ROGER RENE GEORGES HENRI LUCIEN EMILE ROBERT MAURICE RAYMOND ANDRE-LOUIS JEAN-PIERRE "
    "JEAN-CLAUDE JEAN-LUC JEAN-MARC PASCAL DIDIER YVES SERGE CLAUDE GILLES BRUNO DENIS VINCENT BENOIT GUILLAUME "
    "FABRICE LUDOVIC ROMAIN QUENTIN KEVIN DAMIEN VALENTIN CLEMENT BAPTISTE MATHIEU YANNICK CEDRIC FLORIAN"
).split()
_DEPARTEMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B", "971", "972", "974"]
_ACCENTS = {"E": "ÉÈÊ", "A": "À", "I": "Ï", "O": "Ô", "C": "Ç", "U": "Ù"}


@dataclass
class JeuSynthetique:
    """Identities plus the planted truth: duplicate pairs and non-duplicate pairs (keys sorted), by kind."""

    identites: list[IdentiteCandidate]
    doublons: dict[tuple[str, str], str]
    non_doublons: dict[tuple[str, str], str]


def _paire(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


class _Generateur:
    def __init__(self, graine: int) -> None:
        self.rng = random.Random(graine)
        noms = list(_NOMS_COURANTS)
        synthetiques = sorted({d + m + f for d in _DEBUTS for m in _MILIEUX for f in _FINS} - set(noms))
        self.rng.shuffle(synthetiques)
        self.noms = noms + synthetiques
        # Zipf-like weights: a few very common names, a long tail (real French surnames look like this).
        self.poids_noms = _cumul([1.0 / (r + 20) ** 0.9 for r in range(len(self.noms))])
        self.prenoms = {"F": _PRENOMS_F, "M": _PRENOMS_M}
        self.poids_prenoms = {s: _cumul([1.0 / (r + 5) for r in range(len(p))]) for s, p in self.prenoms.items()}
        self.debut = date(1925, 1, 1).toordinal()
        self.fin = date(2024, 12, 31).toordinal()
        self.vus: set[tuple[str, str, str, int]] = set()

    def nom(self) -> str:
        if self.rng.random() < 0.02:
            return self.rng.choice(_NOMS_COMPOSES)
        return self.rng.choices(self.noms, cum_weights=self.poids_noms)[0]

    def liste_prenoms(self, sexe: str, nombre: int | None = None) -> tuple[str, ...]:
        if nombre is None:
            nombre = self.rng.choices((1, 2, 3), weights=(4, 4, 2))[0]
        choix: list[str] = []
        while len(choix) < nombre:
            p = self.rng.choices(self.prenoms[sexe], cum_weights=self.poids_prenoms[sexe])[0]
            if p not in choix:
                choix.append(p)
        return tuple(choix)

    def date(self) -> date:
        return date.fromordinal(self.rng.randint(self.debut, self.fin))

    def lieu(self) -> str:
        r = self.rng.random()
        if r < 0.03:
            return ""
        if r < 0.08:
            return f"99{self.rng.randint(100, 450)}"
        dep = self.rng.choice(_DEPARTEMENTS)
        return f"{dep}{self.rng.randint(1, 400):03d}"[:5]

    def personne(self, cle: str, **force) -> IdentiteCandidate:
        """A base person, distinct (phonetically) from every other base person."""
        while True:
            sexe = force.get("sexe") or self.rng.choice("FM")
            nom = force.get("nom_naissance") or self.nom()
            prenoms = force.get("prenoms") or self.liste_prenoms(sexe, force.get("nb_prenoms"))
            naissance = force.get("date_naissance") or self.date()
            signature = (cle_phonetique(nom), cle_phonetique(prenoms[0].split("-")[0]), sexe, naissance.year)
            if signature in self.vus:
                force = {k: v for k, v in force.items() if k in ("sexe", "nb_prenoms")}
                continue
            self.vus.add(signature)
            nom_utilise = ""
            if sexe == "F" and self.rng.random() < 0.25:
                nom_utilise = self.nom()
            return IdentiteCandidate(
                cle=cle,
                nom_naissance=nom,
                prenoms=prenoms,
                date_naissance=naissance,
                sexe=sexe,
                lieu_naissance=self.lieu() if "lieu_naissance" not in force else force["lieu_naissance"],
                nom_utilise=force.get("nom_utilise", nom_utilise),
            )

    # --- input errors -----------------------------------------------------------------------------------------

    def faute(self, texte: str) -> str:
        """One keyboard slip: substitution, deletion, insertion or transposition of a letter."""
        lettres = [k for k, c in enumerate(texte) if c.isalpha()]
        while True:
            k = self.rng.choice(lettres[1:] or lettres)
            op = self.rng.choice(("sub", "del", "ins", "trans"))
            c = self.rng.choice("ABCDEFGHIJKLMNOPRSTUVZ")
            if op == "sub":
                res = texte[:k] + c + texte[k + 1 :]
            elif op == "del":
                res = texte[:k] + texte[k + 1 :]
            elif op == "ins":
                res = texte[:k] + c + texte[k:]
            else:
                if k + 1 >= len(texte) or not texte[k + 1].isalpha():
                    continue
                res = texte[:k] + texte[k + 1] + texte[k] + texte[k + 2 :]
            if res != texte:
                return res

    def variante_phonetique(self, nom: str) -> str | None:
        regles = [
            (r"AIN", "IN"), (r"(?<!A)IN\b", "AIN"), (r"EAU", "O"), (r"AU", "O"), (r"(?<=[^AE])O", "AU"),
            (r"PH", "F"), (r"F", "PH"), (r"T\b", "D"), (r"D\b", "T"), (r"Y", "I"), (r"(?<=[^AEO])I", "Y"),
            (r"C(?=[AOU])", "K"), (r"QU", "K"), (r"(?<=[AEIOU])([LNRT])(?=[AEIOU])", r"\1\1"),
            (r"([LNRTSP])\1", r"\1"), (r"ER\b", "EZ"), (r"ET\b", "E"), (r"AI", "E"), (r"EAU\b", "EAUX"),
            (r"ON\b", "OND"), (r"AN\b", "ANT"), (r"(?<=[AEIOU])S(?=[AEIOU])", "Z"),
        ]
        self.rng.shuffle(regles)
        cible = cle_phonetique(nom)
        for motif, remplacement in regles:
            trouves = list(re.finditer(motif, nom))
            if not trouves:
                continue
            m = self.rng.choice(trouves)
            res = nom[: m.start()] + m.expand(remplacement) + nom[m.end() :]
            if res != nom and cle_phonetique(res) == cible:
                return res
        return None

    def accentuer(self, texte: str) -> str | None:
        places = [k for k, c in enumerate(texte) if c in _ACCENTS]
        if not places:
            return None
        k = self.rng.choice(places)
        return (texte[:k] + self.rng.choice(_ACCENTS[texte[k]]) + texte[k + 1 :]).title()

    def graphie(self, ident: IdentiteCandidate) -> IdentiteCandidate | None:
        nom = ident.nom_naissance
        options = []
        if "-" in nom:
            options += [nom.replace("-", " "), nom.replace("-", "")]
        if "'" in nom:
            options += [nom.replace("'", ""), nom.replace("'", " ")]
        if " " in nom:
            mots_ = nom.split(" ")
            options += ["".join(mots_)]
            sans = [m for m in mots_ if m not in ("DE", "LA", "LE", "DU", "DES", "VAN", "DER")]
            if sans and sans != mots_:
                options.append(" ".join(sans))
        accent = self.accentuer(nom)
        if accent:
            options.append(accent)
        if options:
            return replace(ident, nom_naissance=self.rng.choice(options))
        p1 = self.accentuer(ident.prenoms[0])
        if p1:
            return replace(ident, prenoms=(p1, *ident.prenoms[1:]))
        return None

    def chiffre_date(self, d: date) -> date | None:
        texte = d.strftime("%d%m%Y")
        for _ in range(100):
            k = self.rng.randrange(8)
            c = str(self.rng.randrange(10))
            essai = texte[:k] + c + texte[k + 1 :]
            try:
                res = date(int(essai[4:]), int(essai[2:4]), int(essai[:2]))
            except ValueError:
                continue
            if res != d and 1900 <= res.year <= 2025 and not (res.day == d.month and res.month == d.day):
                return res
        return None

    def date_lointaine(self, d: date) -> date:
        texte = d.strftime("%d%m%Y")
        while True:
            res = self.date()
            autre = res.strftime("%d%m%Y")
            if sum(a != b for a, b in zip(texte, autre, strict=True)) >= 3 and res.year != d.year:
                return res


def _cumul(poids: list[float]) -> list[float]:
    total, cumul = 0.0, []
    for p in poids:
        total += p
        cumul.append(total)
    return cumul


def _doublon(g: _Generateur, type_: str, cle_a: str, cle_b: str) -> tuple[IdentiteCandidate, IdentiteCandidate]:
    """Build one base identity and its planted duplicate of the given kind."""
    rng = g.rng
    while True:
        if type_ in ("prenoms_inverses", "premier_prenom_seul"):
            base = g.personne(cle_a, nb_prenoms=rng.choice((2, 3)))
        elif type_ == "nom_usage":
            base = g.personne(cle_a, sexe="F")
        elif type_ == "graphie" and rng.random() < 0.5:
            base = g.personne(cle_a, nom_naissance=rng.choice(_NOMS_COMPOSES))
        else:
            base = g.personne(cle_a)
        v: IdentiteCandidate | None = replace(base, cle=cle_b)
        d = base.date_naissance
        assert isinstance(d, date)
        if type_ == "faute_nom":
            if len(normaliser(base.nom_naissance)) < 5:
                continue
            v = replace(v, nom_naissance=g.faute(base.nom_naissance))
        elif type_ == "phonetique_nom":
            autre = g.variante_phonetique(base.nom_naissance)
            v = replace(v, nom_naissance=autre) if autre else None
        elif type_ == "nom_usage":
            epoux = base.nom_utilise or g.nom()
            if normaliser(epoux) == normaliser(base.nom_naissance):
                continue
            base = replace(base, nom_utilise=epoux)
            forme = rng.random()
            if forme < 0.5:  # the used name typed as birth name
                v = replace(v, nom_naissance=epoux, nom_utilise="")
            elif forme < 0.75:
                v = replace(v, nom_naissance=epoux, nom_utilise=epoux)
            else:  # birth and used names swapped
                v = replace(v, nom_naissance=epoux, nom_utilise=base.nom_naissance)
        elif type_ == "prenoms_inverses":
            p = base.prenoms
            v = replace(v, prenoms=tuple(reversed(p)) if len(p) == 2 or rng.random() < 0.5 else (*p[1:], p[0]))
        elif type_ == "premier_prenom_seul":
            v = replace(v, prenoms=base.prenoms[:1])
        elif type_ == "graphie":
            v = g.graphie(v)
        elif type_ == "jour_mois_inverses":
            mois = rng.randint(1, 12)
            jour = rng.choice([j for j in range(1, 13) if j != mois])
            base = replace(base, date_naissance=date(d.year, mois, jour))
            v = replace(v, date_naissance=date(d.year, jour, mois))
        elif type_ == "chiffre_date":
            autre = g.chiffre_date(d)
            v = replace(v, date_naissance=autre) if autre else None
        elif type_ == "lieu_absent":
            if not base.lieu_naissance:
                base = replace(base, lieu_naissance=g.lieu() or "75056")
            v = replace(v, lieu_naissance=rng.choice(("", "99999")))
        elif type_ == "faute_prenom":
            p1 = base.prenoms[0]
            if len(p1) < 5 or "-" in p1:
                continue
            v = replace(v, prenoms=(g.faute(p1), *base.prenoms[1:]))
        if v is not None:
            return base, v


def _non_doublon(g: _Generateur, type_: str, cle_a: str, cle_b: str) -> tuple[IdentiteCandidate, IdentiteCandidate]:
    rng = g.rng
    base = g.personne(cle_a)
    if type_ == "homonymes":
        autre = replace(base, cle=cle_b, date_naissance=g.date_lointaine(base.date_naissance), lieu_naissance=g.lieu())
        return base, autre
    sexe = base.sexe if rng.random() < 0.7 else ("M" if base.sexe == "F" else "F")
    p1 = normaliser(base.prenoms[0])
    while True:
        prenoms = g.liste_prenoms(sexe)
        q1 = normaliser(prenoms[0])
        if (
            cle_phonetique(q1) != cle_phonetique(p1)
            and q1.split("-")[0] != p1.split("-")[0]
            and p1 not in prenoms
            and q1 not in base.prenoms
            and OSA.distance(p1, q1) >= 2
        ):
            break
    return base, replace(base, cle=cle_b, sexe=sexe, prenoms=prenoms)


def generer(
    n: int, graine: int = 2026, part_doublons: float = 0.04, part_non_doublons: float = 0.02
) -> JeuSynthetique:
    """``n`` identities; ``part_doublons * n`` planted duplicate pairs (spread over TYPES_DOUBLONS) and
    ``part_non_doublons * n`` planted twin/homonym pairs. Same ``graine`` → same output."""
    g = _Generateur(graine)
    nb_doublons = int(n * part_doublons)
    nb_non = int(n * part_non_doublons)
    cles = [f"U{k:07d}" for k in range(n)]
    g.rng.shuffle(cles)  # planted pairs are not neighbours in key order
    identites: list[IdentiteCandidate] = []
    doublons: dict[tuple[str, str], str] = {}
    non_doublons: dict[tuple[str, str], str] = {}
    for k in range(nb_doublons):
        type_ = TYPES_DOUBLONS[k % len(TYPES_DOUBLONS)]
        a, b = cles[len(identites)], cles[len(identites) + 1]
        identites.extend(_doublon(g, type_, a, b))
        doublons[_paire(a, b)] = type_
    for k in range(nb_non):
        type_ = TYPES_NON_DOUBLONS[k % len(TYPES_NON_DOUBLONS)]
        a, b = cles[len(identites)], cles[len(identites) + 1]
        identites.extend(_non_doublon(g, type_, a, b))
        non_doublons[_paire(a, b)] = type_
    while len(identites) < n:
        identites.append(g.personne(cles[len(identites)]))
    g.rng.shuffle(identites)
    return JeuSynthetique(identites, doublons, non_doublons)
