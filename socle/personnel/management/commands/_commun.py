"""Shared helpers of the personnel commands."""

from django.core.management.base import CommandError

from socle.organisations.models import OrganismeGestionnaire


def organisme(finess: str) -> OrganismeGestionnaire:
    og = OrganismeGestionnaire.objects.filter(finess=(finess or "").strip().upper()).first()
    if og is None:
        raise CommandError(f"Organisme gestionnaire de FINESS juridique « {finess} » inconnu : importez FINESS "
                           "ou créez-le d'abord.")
    return og
