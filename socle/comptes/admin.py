from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Habilitation, Utilisateur


class HabilitationInline(admin.TabularInline):
    model = Habilitation
    extra = 0
    autocomplete_fields = ["etablissement", "organisme", "grappe"]


@admin.register(Utilisateur)
class UtilisateurAdmin(UserAdmin):
    inlines = [HabilitationInline]
