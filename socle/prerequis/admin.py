from django.contrib import admin

from .models import Carte, Certificat, Dui, EtatEtape, Homologation, Jalon, Lecteur, Mandataire


@admin.register(Jalon)
class JalonAdmin(admin.ModelAdmin):
    list_display = ["libelle", "programme", "date_cible", "grappe", "organisme", "a_confirmer"]
    list_filter = ["programme", "a_confirmer"]


@admin.register(EtatEtape)
class EtatEtapeAdmin(admin.ModelAdmin):
    list_display = ["etape", "organisme", "etablissement", "statut", "date_envoi", "date_fait"]
    list_filter = ["statut", "etape"]


@admin.register(Carte)
class CarteAdmin(admin.ModelAdmin):
    list_display = ["type", "canal", "titulaire_nom", "organisme", "date_commande", "date_reception",
                    "date_activation"]


@admin.register(Lecteur)
class LecteurAdmin(admin.ModelAdmin):
    list_display = ["modele", "nombre", "etablissement", "cryptolib_installee"]


@admin.register(Certificat)
class CertificatAdmin(admin.ModelAdmin):
    list_display = ["cn", "usage", "organisme", "not_after"]
    exclude = ["contenu", "mot_de_passe_chiffre"]
    readonly_fields = ["sujet", "emetteur", "numero_serie", "not_before", "not_after", "key_usages",
                       "extended_key_usages", "usage"]


admin.site.register(Homologation)


@admin.register(Dui)
class DuiAdmin(admin.ModelAdmin):
    list_display = ["etablissement", "produit", "editeur", "insi_certificat", "alimentation_dmp", "mssante",
                    "pro_sante_connect"]


@admin.register(Mandataire)
class MandataireAdmin(admin.ModelAdmin):
    list_display = ["designation", "organisme", "commande_cartes", "gestionnaire_rpps", "date_designation"]
