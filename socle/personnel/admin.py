from django.contrib import admin

from .models import (
    GabaritExport,
    ImportPersonnel,
    MappingColonnes,
    MetierRole,
    OrganisationRpps,
    Professionnel,
    RegleEnregistrement,
    SituationExercice,
)


class SituationInline(admin.TabularInline):
    model = SituationExercice
    extra = 0
    raw_id_fields = ["etablissement"]


@admin.register(Professionnel)
class ProfessionnelAdmin(admin.ModelAdmin):
    list_display = ["nom_naissance", "nom_usage", "prenom_usuel", "date_naissance", "rpps", "organisme"]
    search_fields = ["nom_naissance", "nom_usage", "rpps"]
    list_filter = ["organisme"]
    inlines = [SituationInline]


@admin.register(MetierRole)
class MetierRoleAdmin(admin.ModelAdmin):
    list_display = ["metier", "role", "genre_activite", "concerne", "organisme"]
    list_filter = ["organisme", "concerne"]


@admin.register(GabaritExport)
class GabaritExportAdmin(admin.ModelAdmin):
    list_display = ["nom", "version", "organisme", "actif", "cree_le"]


@admin.register(ImportPersonnel)
class ImportPersonnelAdmin(admin.ModelAdmin):
    list_display = ["nom_fichier", "organisme", "statut", "cree_le"]
    exclude = ["fichier"]


admin.site.register([RegleEnregistrement, OrganisationRpps, MappingColonnes])
