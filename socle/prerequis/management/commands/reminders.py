from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext, gettext_lazy

from socle.prerequis.services import envoyer_rappels
from socle.prerequis.tasks import rappels_quotidiens


class Command(BaseCommand):
    help = gettext_lazy("Envoie les rappels du jour : étapes en retard aux responsables, certificats qui expirent "
                        "(90/30/7 jours) aux administrateurs techniques. Sans effet si déjà envoyés aujourd'hui.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        self.help = str(self.help)  # argparse needs a real str: translate the lazy text now
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--date", help=gettext("jour de référence AAAA-MM-JJ (par défaut aujourd'hui)"))
        parser.add_argument("--enqueue", action="store_true", help=gettext("mettre en file pour le worker au lieu d'exécuter"))

    def handle(self, *args, **opts):
        if opts["enqueue"]:
            result = rappels_quotidiens.enqueue()
            self.stdout.write(gettext("Rappels mis en file (tâche %(id)s).") % {"id": result.id})
            return
        jour = None
        if opts["date"]:
            try:
                jour = date.fromisoformat(opts["date"])
            except ValueError as exc:
                raise CommandError(gettext("Date invalide « %(date)s » : format attendu AAAA-MM-JJ.")
                                   % {"date": opts["date"]}) from exc
        n = envoyer_rappels(jour)
        self.stdout.write(gettext("Rappels envoyés : %(etapes)s étape(s) en retard, %(certificats)s certificat(s).")
                          % {"etapes": n["etapes"], "certificats": n["certificats"]})
