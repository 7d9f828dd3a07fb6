from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.esms, name="esms"),
    path("matrice/", views.matrice, name="matrice"),
    path("usager/<int:pk>/", views.usager, name="usager"),
    path("usager/<int:pk>/deposer/", views.deposer, name="deposer"),
    path("usager/<int:pk>/dlu/", views.dlu_nouveau, name="dlu_nouveau"),
    path("usager/<int:pk>/choix/", views.choix, name="choix"),
    path("choix/<int:pk>/retirer/", views.choix_retirer, name="choix_retirer"),
    path("<int:pk>/", views.document, name="document"),
    path("<int:pk>/modifier/", views.dlu_modifier, name="dlu_modifier"),
    path("<int:pk>/valider/", views.valider, name="valider"),
    path("<int:pk>/envoyer/", views.envoyer, name="envoyer"),
    path("<int:pk>/masquer/", views.masquer, name="masquer"),
    path("<int:pk>/remplacer/", views.remplacer, name="remplacer"),
    path("<int:pk>/supprimer/", views.supprimer, name="supprimer"),
    path("<int:pk>/brouillon/", views.brouillon, name="brouillon"),
    path("<int:pk>/cda.xml", views.cda, name="cda"),
    path("<int:pk>/document.pdf", views.pdf, name="pdf"),
]
