from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "socle.documents"
    label = "documents"
    verbose_name = "Documents des usagers"
