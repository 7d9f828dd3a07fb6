"""Attack suite (marker `attaque`): every URL of Socle tried by every persona against another organisation's data."""
