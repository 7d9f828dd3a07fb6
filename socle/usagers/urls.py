from django.urls import path

from .views import dossiers, doublons, echanges, lieux, lots, qualification, tableau

app_name = "usagers"
urlpatterns = [
    path("", dossiers.index, name="index"),
    path("nouveau/", dossiers.nouveau, name="nouveau"),
    path("lieux-de-naissance/", lieux.lieux, name="lieux"),
    path("nouveau/carte/", qualification.nouveau_carte, name="nouveau_carte"),
    path("<int:pk>/", dossiers.fiche, name="fiche"),
    path("<int:pk>/qualifier/", qualification.qualifier, name="qualifier"),
    path("<int:pk>/insi/<int:appel_pk>/accepter/", qualification.accepter, name="accepter"),
    path("<int:pk>/insi/<int:appel_pk>/rejeter/", qualification.rejeter, name="rejeter"),
    path("<int:pk>/attributs/", dossiers.attributs, name="attributs"),
    path("<int:pk>/verifier/", qualification.verifier, name="verifier"),
    path("<int:pk>/accompagnements/", dossiers.sejour_ajouter, name="sejour_ajouter"),
    path("<int:pk>/accompagnements/<int:sejour_pk>/sortie/", dossiers.sejour_sortie, name="sejour_sortie"),
    path("lots/", lots.lots, name="lots"),
    path("lots/<int:pk>/", lots.lot, name="lot"),
    path("lots/<int:pk>/reprendre/", lots.lot_reprendre, name="lot_reprendre"),
    path("anomalies/", lots.anomalies, name="anomalies"),
    path("anomalies/export.xlsx", lots.anomalies_export, name="anomalies_export"),
    path("anomalies/<int:pk>/resoudre/", lots.anomalie_resoudre, name="anomalie_resoudre"),
    path("tableau/", tableau.tableau, name="tableau"),
    path("echanges/", echanges.echanges, name="echanges"),
    path("echanges/<str:finess>/", echanges.esms, name="echanges_esms"),
    path("echanges/<str:finess>/parametres/", echanges.parametres_dui, name="echanges_parametres"),
    path("echanges/<str:finess>/export/", echanges.export, name="echanges_export"),
    path("echanges/<str:finess>/jetons/", echanges.jeton_creer, name="echanges_jeton"),
    path("echanges/<str:finess>/jetons/<int:pk>/revoquer/", echanges.jeton_revoquer, name="echanges_revoquer"),
    path("echanges/import/<int:pk>/", echanges.import_detail, name="echanges_import"),
    path("echanges/import/<int:pk>/valider/", echanges.import_valider, name="echanges_valider"),
    path("doublons/", doublons.doublons, name="doublons"),
    path("doublons/<str:finess>/", doublons.doublons, name="doublons_og"),
    path("doublons-distincts/", doublons.distincts, name="distincts"),
    path("fusion/", doublons.fusion, name="fusion"),
    path("fusion/<int:pk>/annuler/", doublons.fusion_annuler, name="fusion_annuler"),
]
