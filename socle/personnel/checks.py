"""System checks of the staff registry: the métier → rôle table must be readable before any OG needs it."""

from django.core.checks import Error, register

from socle.referentiels import ReferentielInvalide


@register()
def table_metiers(app_configs, **kwargs):
    from .rules import table_metiers_par_defaut

    try:
        table_metiers_par_defaut()
    except ReferentielInvalide as e:
        return [Error(str(e), hint="Réglage PERSONNEL_METIERS_CSV (variable SOCLE_METIERS_CSV).",
                      id="personnel.E001")]
    return []
