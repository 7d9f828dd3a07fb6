from django.urls import path

from .views import annuaire, imports, registre, regles, rpps, tableaux

app_name = "personnel"
urlpatterns = [
    path("", tableaux.index, name="index"),
    path("grappes/<int:pk>/", tableaux.tableau_grappe, name="tableau_grappe"),
    path("grappes/<int:pk>/export.zip", rpps.export_grappe, name="export_grappe"),
    path("esms/<str:finess>/", registre.esms, name="esms"),
    path("esms/<str:finess>/nouveau/", registre.nouveau, name="nouveau"),
    path("professionnels/<int:pk>/", registre.fiche, name="fiche"),
    path("professionnels/<int:pk>/modifier/", registre.modifier, name="modifier"),
    path("situations/<int:pk>/modifier/", registre.modifier_situation, name="modifier_situation"),
    path("gabarit-import.csv", imports.gabarit_import, name="gabarit_import"),
    path("og/<str:finess>/", regles.organisme, name="organisme"),
    path("og/<str:finess>/import/", imports.import_upload, name="import_upload"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/colonnes/", imports.import_colonnes, name="import_colonnes"),
    path("imports/<int:pk>/problemes.xlsx", imports.import_problemes_xlsx, name="import_problemes_xlsx"),
    path("imports/<int:pk>/valider/", imports.import_valider, name="import_valider"),
    path("og/<str:finess>/export/", rpps.export_page, name="export"),
    path("og/<str:finess>/export.zip", rpps.export_zip, name="export_zip"),
    path("og/<str:finess>/gabarit/", rpps.gabarit, name="gabarit"),
    path("og/<str:finess>/metiers/", regles.metiers, name="metiers"),
    path("og/<str:finess>/regles/", regles.regles, name="regles"),
    path("og/<str:finess>/annuaire/", annuaire.annuaire, name="annuaire"),
    path("rapprochements/<int:pk>.csv", annuaire.annuaire_csv, name="annuaire_csv"),
    path("resultats/<int:pk>/decider/", annuaire.decider, name="decider"),
    path("og/<str:finess>/retour-portail/", rpps.retour_portail, name="retour_portail"),
]
