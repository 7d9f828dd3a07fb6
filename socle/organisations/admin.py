from django.contrib import admin

from .models import Etablissement, Grappe, OrganismeGestionnaire


@admin.register(OrganismeGestionnaire)
class OrganismeAdmin(admin.ModelAdmin):
    list_display = ["raison_sociale", "finess", "commune", "etat"]
    search_fields = ["raison_sociale", "finess"]


@admin.register(Etablissement)
class EtablissementAdmin(admin.ModelAdmin):
    list_display = ["nom", "finess", "categorie_code", "commune", "etat"]
    search_fields = ["nom", "finess"]
    list_filter = ["categorie_code", "etat", "tutelle"]


@admin.register(Grappe)
class GrappeAdmin(admin.ModelAdmin):
    search_fields = ["nom"]
    filter_horizontal = ["membres"]
