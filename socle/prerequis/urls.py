from django.urls import path

from . import views

app_name = "prerequis"
urlpatterns = [
    path("", views.index, name="index"),
    path("og/<str:finess>/", views.og_detail, name="og"),
    path("og/<str:finess>/etape/<str:etape_id>/", views.etape, name="etape"),
    path("og/<str:finess>/esms/<str:esms>/etape/<str:etape_id>/", views.etape, name="etape_esms"),
    path("og/<str:finess>/cartes/", views.cartes, name="cartes"),
    path("og/<str:finess>/dui/", views.dui, name="dui"),
    path("og/<str:finess>/certificats/", views.certificats_vue, name="certificats"),
    path("og/<str:finess>/homologation/", views.homologation_vue, name="homologation"),
    path("og/<str:finess>/homologation/pv.pdf", views.homologation_pv, name="homologation_pv"),
    path("certificats/<int:pk>/mot-de-passe/", views.mot_de_passe, name="mot_de_passe"),
    path("preuves/<int:pk>/", views.preuve, name="preuve"),
    path("grappes/<int:pk>/", views.grappe, name="grappe"),
    path("calendrier/", views.calendrier_vue, name="calendrier"),
    path("calendrier.ics", views.calendrier_ics, name="calendrier_ics"),
]
