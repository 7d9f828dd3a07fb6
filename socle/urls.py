from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("socle.core.urls")),
    path("comptes/", include("socle.comptes.urls")),
    path("organisations/", include("socle.organisations.urls")),
    path("journal/", include("socle.audit.urls")),
    path("personnel/", include("socle.personnel.urls")),
    path("usagers/", include("socle.usagers.urls")),
    path("prerequis/", include("socle.prerequis.urls")),
    path("pilotage/", include("socle.pilotage.urls")),
    path("admin/", admin.site.urls),
]
