from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "comptes"
urlpatterns = [
    path("connexion/", views.ConnexionView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/", views.MotDePasseView.as_view(), name="mot_de_passe"),
    path("activer/<uidb64>/<token>/", views.ActivationView.as_view(), name="activer"),
]

urlpatterns += [
    path("equipe/", views.equipe, name="equipe"),
    path("equipe/<str:finess>/", views.equipe, name="equipe_og"),
    path("equipe/<str:finess>/<int:user_id>/fonction/", views.ajouter_habilitation, name="ajouter_habilitation"),
    path("habilitations/<int:pk>/clore/", views.cloturer_habilitation, name="cloturer_habilitation"),
    path("equipe/<str:finess>/<int:user_id>/activation/", views.renvoyer_activation, name="renvoyer_activation"),
    path("equipe/<str:finess>/<int:user_id>/desactiver/", views.desactiver_compte, name="desactiver_compte"),
]
