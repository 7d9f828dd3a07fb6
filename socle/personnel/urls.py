from django.urls import path

from . import views

app_name = "personnel"
urlpatterns = [
    path("", views.index, name="index"),
    path("grappes/<int:pk>/", views.tableau_grappe, name="tableau_grappe"),
    path("grappes/<int:pk>/export.zip", views.export_grappe, name="export_grappe"),
    path("esms/<str:finess>/", views.esms, name="esms"),
    path("esms/<str:finess>/nouveau/", views.nouveau, name="nouveau"),
    path("professionnels/<int:pk>/", views.fiche, name="fiche"),
    path("professionnels/<int:pk>/modifier/", views.modifier, name="modifier"),
    path("situations/<int:pk>/modifier/", views.modifier_situation, name="modifier_situation"),
    path("gabarit-import.csv", views.gabarit_import, name="gabarit_import"),
    path("og/<str:finess>/", views.organisme, name="organisme"),
    path("og/<str:finess>/import/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/colonnes/", views.import_colonnes, name="import_colonnes"),
    path("imports/<int:pk>/valider/", views.import_valider, name="import_valider"),
    path("og/<str:finess>/export/", views.export_page, name="export"),
    path("og/<str:finess>/export.zip", views.export_zip, name="export_zip"),
    path("og/<str:finess>/gabarit/", views.gabarit, name="gabarit"),
    path("og/<str:finess>/metiers/", views.metiers, name="metiers"),
    path("og/<str:finess>/regles/", views.regles, name="regles"),
    path("og/<str:finess>/annuaire/", views.annuaire, name="annuaire"),
    path("rapprochements/<int:pk>.csv", views.annuaire_csv, name="annuaire_csv"),
    path("resultats/<int:pk>/decider/", views.decider, name="decider"),
    path("og/<str:finess>/retour-portail/", views.retour_portail, name="retour_portail"),
]
