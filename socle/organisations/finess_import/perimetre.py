"""Scope of an import: the department and category filters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .champs import _s, departement_de


@dataclass
class Perimetre:
    departements: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)

    @classmethod
    def de(cls, departements: Iterable[str] | None, categories: Iterable[str] | None) -> Perimetre:
        return cls({d.strip().upper().zfill(2) for d in departements or [] if d.strip()},
                   {c.strip() for c in categories or [] if c.strip()})

    @property
    def filtre(self) -> bool:
        return bool(self.departements or self.categories)

    def departement_ok(self, finess: str, cog: str = "") -> bool:
        if not self.departements:
            return True
        f = _s(finess).upper()
        return departement_de(f, cog) in self.departements or f[:2] in self.departements

    def et_ok(self, finess: str, cog: str, categorie: str) -> bool:
        return self.departement_ok(finess, cog) and (not self.categories or _s(categorie) in self.categories)
