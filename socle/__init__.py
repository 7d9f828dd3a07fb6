"""Socle — plateforme Ségur numérique pour les ESSMS."""
