"""FINESS establishment categories (NOS TRE_R66, same codes in TRE_R397), medico-social subset.

Codes, labels and deprecations are facts of the nomenclature, loaded from the table vendored in
socle/referentiels (TRE_R66_categories_medico_sociales.csv, see its SOURCE.md). Socle adds the usual sigle and
the default tutelle, i.e. the usual authorising authority of the category (CASF L313-3): ARS alone, conseil
départemental (CD) alone, or both (conjointe); an OG can override it per establishment.
"""

from dataclasses import dataclass

from socle import referentiels


@dataclass(frozen=True)
class Categorie:
    code: str
    libelle: str
    sigle: str = ""
    tutelle: str = ""  # "ARS", "CD", "conjointe" or "" (unknown / other)
    deprecated_by: str = ""  # replacement code when the category is deprecated


# Socle's annotations of each category of the table: (sigle, default tutelle); a test checks they cover it.
ANNOTATIONS: dict[str, tuple[str, str]] = {
    "500": ("EHPAD", "conjointe"), "501": ("EHPA", "conjointe"), "502": ("EHPA", "CD"), "202": ("RA", "CD"),
    "207": ("CAJ", "conjointe"), "354": ("SSIAD", "ARS"), "209": ("SAAS", "conjointe"), "460": ("SAAD", "CD"),
    "640": ("SAADF", "CD"), "463": ("CLIC", "CD"), "183": ("IME", "ARS"), "182": ("SESSAD", "ARS"),
    "186": ("ITEP", "ARS"), "188": ("EEAP", "ARS"), "189": ("CMPP", "ARS"), "190": ("CAMSP", "conjointe"),
    "192": ("IEM", "ARS"), "194": ("IDV", "ARS"), "195": ("IDA", "ARS"), "196": ("IESSA", "ARS"),
    "238": ("CAFS", "ARS"), "390": ("", "ARS"), "396": ("", "ARS"), "402": ("JES", "ARS"),
    "246": ("ESAT", "ARS"), "247": ("EA", ""), "249": ("ESRP", "ARS"), "198": ("ESPO", "ARS"),
    "464": ("UEROS", "ARS"), "255": ("MAS", "ARS"), "448": ("EAM", "conjointe"), "449": ("EANM", "CD"),
    "437": ("FAM", "conjointe"), "252": ("FH", "CD"), "253": ("FAP", "conjointe"), "382": ("FV", "CD"),
    "395": ("", "conjointe"), "445": ("SAMSAH", "conjointe"), "446": ("SAVS", "CD"), "242": ("SAJ", "CD"),
    "370": ("", ""), "377": ("", ""), "379": ("", ""), "381": ("", ""), "461": ("CR", "ARS"),
    "462": ("LVA", "CD"), "221": ("BAPU", "ARS"), "165": ("ACT", "ARS"), "178": ("CAARUD", "ARS"),
    "180": ("LHSS", "ARS"), "213": ("LAM", "ARS"), "197": ("CSAPA", "ARS"), "214": ("CHRS", ""),
    "443": ("CADA", ""), "442": ("CPH", ""), "444": ("", ""), "166": ("", "CD"), "172": ("", "CD"),
    "175": ("", "CD"), "176": ("", "CD"), "177": ("MECS", "CD"), "236": ("SPF", "CD"), "295": ("AEMO", "CD"),
    "340": ("MJPM", ""), "341": ("MASP", "CD"), "608": ("EMMSP", "ARS"), "606": ("DAC", "ARS"),
}


def _categories() -> dict[str, Categorie]:
    return {c.code: Categorie(c.code, c.libelle, *ANNOTATIONS.get(c.code, ("", "")), c.remplacee_par)
            for c in referentiels.categories_medico_sociales()}


CATEGORIES: dict[str, Categorie] = _categories()


def libelle_categorie(code: str, fallback: str = "") -> str:
    cat = CATEGORIES.get(code)
    if cat:
        return cat.libelle
    return fallback or f"Catégorie {code} (hors champ médico-social, libellé non référencé)"
