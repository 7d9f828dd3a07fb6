from django.urls import path

from . import views

app_name = "usagers"
urlpatterns = [
    path("", views.index, name="index"),
    path("nouveau/", views.nouveau, name="nouveau"),
    path("<int:pk>/", views.fiche, name="fiche"),
    path("<int:pk>/qualifier/", views.qualifier, name="qualifier"),
    path("<int:pk>/insi/<int:appel_pk>/accepter/", views.accepter, name="accepter"),
    path("<int:pk>/insi/<int:appel_pk>/rejeter/", views.rejeter, name="rejeter"),
    path("<int:pk>/attributs/", views.attributs, name="attributs"),
    path("<int:pk>/verifier/", views.verifier, name="verifier"),
    path("<int:pk>/accompagnements/", views.sejour_ajouter, name="sejour_ajouter"),
    path("<int:pk>/accompagnements/<int:sejour_pk>/sortie/", views.sejour_sortie, name="sejour_sortie"),
    path("lots/", views.lots, name="lots"),
    path("lots/<int:pk>/", views.lot, name="lot"),
    path("lots/<int:pk>/reprendre/", views.lot_reprendre, name="lot_reprendre"),
    path("anomalies/", views.anomalies, name="anomalies"),
    path("anomalies/export.xlsx", views.anomalies_export, name="anomalies_export"),
    path("anomalies/<int:pk>/resoudre/", views.anomalie_resoudre, name="anomalie_resoudre"),
    path("tableau/", views.tableau, name="tableau"),
    path("doublons/", views.doublons, name="doublons"),
    path("doublons/<str:finess>/", views.doublons, name="doublons_og"),
    path("doublons-distincts/", views.distincts, name="distincts"),
    path("fusion/", views.fusion, name="fusion"),
    path("fusion/<int:pk>/annuler/", views.fusion_annuler, name="fusion_annuler"),
]
