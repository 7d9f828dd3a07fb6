from datetime import date

from django.core.management.base import BaseCommand, CommandError

from socle.prerequis.services import envoyer_rappels


class Command(BaseCommand):
    help = ("Envoie les rappels du jour : étapes en retard aux responsables, certificats qui expirent "
            "(90/30/7 jours) aux administrateurs techniques. Sans effet si déjà envoyés aujourd'hui.")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="jour de référence AAAA-MM-JJ (par défaut aujourd'hui)")
        parser.add_argument("--enqueue", action="store_true", help="mettre en file pour le worker au lieu d'exécuter")

    def handle(self, *args, **opts):
        if opts["enqueue"]:
            from socle.prerequis.tasks import rappels_quotidiens

            result = rappels_quotidiens.enqueue()
            self.stdout.write(f"Rappels mis en file (tâche {result.id}).")
            return
        jour = None
        if opts["date"]:
            try:
                jour = date.fromisoformat(opts["date"])
            except ValueError as exc:
                raise CommandError(f"Date invalide « {opts['date']} » : format attendu AAAA-MM-JJ.") from exc
        n = envoyer_rappels(jour)
        self.stdout.write(f"Rappels envoyés : {n['etapes']} étape(s) en retard, {n['certificats']} certificat(s).")
