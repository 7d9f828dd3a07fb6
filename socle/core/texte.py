"""Text helpers shared by the apps: one way to drop diacritics and to build an accent-blind comparison key,
so that names typed by HR, the ARS or an admission desk compare the same everywhere."""

import unicodedata


def sans_accents(texte: str) -> str:
    """'Hélène Çà' -> 'Helene Ca': NFKD decomposition, combining marks dropped (ligatures left to the caller)."""
    return "".join(c for c in unicodedata.normalize("NFKD", texte or "") if not unicodedata.combining(c))


def cle_alphanumerique(texte: str) -> str:
    """'Martin-Dupont é' -> 'MARTINDUPONTE': upper case, no accents, letters and digits only (matching key)."""
    return "".join(ch for ch in sans_accents(texte).upper() if ch.isalnum())
