from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("socle.web.urls")),
    path("comptes/", include("socle.comptes.urls")),
    path("comptes/pro-sante-connect/", include("socle.web.psc.urls")),
    path("organisations/", include("socle.web.organisations.urls")),
    path("journal/", include("socle.web.journal.urls")),
    path("personnel/", include("socle.personnel.urls")),
    path("usagers/", include("socle.usagers.urls")),
    path("api/fhir/", include("socle.usagers.urls_api")),
    path("documents/", include("socle.documents.urls")),
    path("prerequis/", include("socle.prerequis.urls")),
    path("pilotage/", include("socle.pilotage.urls")),
    path("admin/", admin.site.urls),
]
