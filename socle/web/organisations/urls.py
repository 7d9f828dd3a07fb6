from django.urls import path

from . import views

app_name = "organisations"
urlpatterns = [
    path("", views.og_list, name="og_list"),
    path("og/<str:finess>/", views.og_detail, name="og_detail"),
    path("esms/", views.et_list, name="et_list"),
    path("esms/<str:finess>/", views.et_detail, name="et_detail"),
    path("grappes/", views.grappe_list, name="grappe_list"),
    path("grappes/<int:pk>/", views.grappe_detail, name="grappe_detail"),
    path("import-finess/", views.import_finess, name="import_finess"),
    path("import-finess/<int:pk>/", views.import_finess_detail, name="import_finess_detail"),
]
