from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "socle.documents"
    label = "documents"
    verbose_name = "Documents des usagers"

    def ready(self) -> None:
        # The local DMP stand-in (started on demand when SOCLE_DMP_URL is empty) checks every CDA it receives
        # against the structuration-minimale schematron too, as `socle dmp-standin` does.
        from socle.connecteurs.dmp import standin

        from .management.commands.dmp_standin import structuration_minimale

        if structuration_minimale not in standin.VALIDEURS_LOCAUX:
            standin.VALIDEURS_LOCAUX.append(structuration_minimale)
