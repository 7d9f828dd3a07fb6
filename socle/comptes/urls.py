from django.urls import path

from . import views

app_name = "comptes"
urlpatterns = [
    path("connexion/", views.ConnexionView.as_view(), name="login"),
    path("deconnexion/", views.DeconnexionView.as_view(), name="logout"),
    path("second-facteur/", views.second_facteur_view, name="second_facteur"),
    path("second-facteur/activer/", views.activer_second_facteur, name="activer_second_facteur"),
    path("second-facteur/codes-de-secours/", views.codes_secours, name="codes_secours"),
    path("mot-de-passe/", views.MotDePasseView.as_view(), name="mot_de_passe"),
    path("activer/<uidb64>/<token>/", views.ActivationView.as_view(), name="activer"),
]

urlpatterns += [
    path("equipe/", views.equipe, name="equipe"),
    path("equipe/<str:finess>/", views.equipe, name="equipe_og"),
    path("equipe/<str:finess>/<int:user_id>/fonction/", views.ajouter_habilitation, name="ajouter_habilitation"),
    path("habilitations/<int:pk>/clore/", views.cloturer_habilitation, name="cloturer_habilitation"),
    path("equipe/<str:finess>/<int:user_id>/activation/", views.renvoyer_activation, name="renvoyer_activation"),
    path("equipe/<str:finess>/<int:user_id>/second-facteur/", views.reinitialiser_second_facteur,
         name="reinitialiser_second_facteur"),
    path("equipe/<str:finess>/<int:user_id>/desactiver/", views.desactiver_compte, name="desactiver_compte"),
]
