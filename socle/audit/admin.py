from django.contrib import admin

from .models import EvenementAudit


@admin.register(EvenementAudit)
class EvenementAuditAdmin(admin.ModelAdmin):
    list_display = ["horodatage", "identifiant", "action", "objet_type", "objet_id", "adresse_ip"]
    list_filter = ["action", "objet_type"]
    search_fields = ["identifiant", "objet_libelle", "objet_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
