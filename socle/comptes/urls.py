from django.contrib.auth import views as auth_views
from django.urls import path

app_name = "comptes"
urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(template_name="comptes/login.html"), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
]

from . import views  # noqa: E402

urlpatterns += [
    path("equipe/", views.equipe, name="equipe"),
    path("equipe/<str:finess>/", views.equipe, name="equipe_og"),
    path("equipe/<str:finess>/<int:user_id>/fonction/", views.ajouter_habilitation, name="ajouter_habilitation"),
    path("habilitations/<int:pk>/clore/", views.cloturer_habilitation, name="cloturer_habilitation"),
]
