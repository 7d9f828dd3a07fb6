from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from socle.organisations.models import Etablissement, Grappe, OrganismeGestionnaire

from . import rules
from .catalogue import ETAPES_CONNUES, JALONS_DEFAUT


class Statut(models.TextChoices):
    A_FAIRE = rules.A_FAIRE, _("À faire")
    EN_COURS = rules.EN_COURS, _("En cours")
    FAIT = rules.FAIT, _("Fait")
    NON_APPLICABLE = rules.NON_APPLICABLE, _("Non applicable")


def _chemin_preuve(instance, filename: str) -> str:
    return f"prerequis/preuves/{instance.organisme.finess}/{instance.etape}/{filename}"


class EtatEtape(models.Model):
    """The state of one catalogue step for one OG (etablissement empty) or one ESMS."""

    organisme = models.ForeignKey(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="etats_prerequis")
    etablissement = models.ForeignKey(Etablissement, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="etats_prerequis")
    etape = models.CharField(_("étape"), max_length=40)
    statut = models.CharField(_("statut"), max_length=10, choices=Statut.choices, default=Statut.A_FAIRE)
    date_envoi = models.DateField(_("date d'envoi / de début"), null=True, blank=True)
    date_fait = models.DateField(_("date de réalisation"), null=True, blank=True)
    preuve = models.FileField(_("pièce justificative"), upload_to=_chemin_preuve, blank=True)
    motif_non_applicable = models.CharField(_("motif (non applicable)"), max_length=300, blank=True)
    commentaire = models.TextField(_("commentaire"), blank=True)
    modifie_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("état d'une étape")
        verbose_name_plural = _("états des étapes")
        constraints = [
            models.UniqueConstraint(fields=["organisme", "etape"], condition=Q(etablissement__isnull=True),
                                    name="prerequis_etat_unique_og"),
            models.UniqueConstraint(fields=["etablissement", "etape"], condition=Q(etablissement__isnull=False),
                                    name="prerequis_etat_unique_esms"),
        ]

    def __str__(self) -> str:
        return f"{self.etape_def.titre} — {self.etablissement or self.organisme} — {self.get_statut_display()}"

    @property
    def etape_def(self):
        """The step's definition, in the current catalogue or, for a state of an older version, in its own."""
        return ETAPES_CONNUES[self.etape]


class Jalon(models.Model):
    """A programme milestone (SONS, ESMS Numérique) with its target date and the steps it needs.

    It belongs to one grappe or one OG and only its chef de projet edits it (rights.REGLES "modifier_jalons":
    chef de projet on that grappe; for an OG, on the OG or on one of its grappes). A milestone with neither is an
    installation default (the programme calendar, catalogue.JALONS_DEFAUT or an operator's addition): read-only,
    copied to each grappe, and to each OG outside any grappe, on first use, marked "à confirmer" until its chef de
    projet confirms or changes its date."""

    code = models.CharField(_("code"), max_length=40)
    libelle = models.CharField(_("libellé"), max_length=200)
    programme = models.CharField(_("programme"), max_length=60)
    date_cible = models.DateField(_("date cible"))
    etapes = models.JSONField(_("étapes requises"), default=list, blank=True)
    grappe = models.ForeignKey(Grappe, verbose_name=_("grappe"), null=True, blank=True, on_delete=models.CASCADE,
                               related_name="jalons")
    organisme = models.ForeignKey(OrganismeGestionnaire, verbose_name=_("organisme gestionnaire"), null=True,
                                  blank=True, on_delete=models.CASCADE, related_name="jalons")
    a_confirmer = models.BooleanField(_("date à confirmer"), default=False)

    class Meta:
        verbose_name = _("jalon du programme")
        verbose_name_plural = _("jalons du programme")
        ordering = ["date_cible", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(grappe__isnull=True) | Q(organisme__isnull=True),
                                   name="prerequis_jalon_un_seul_porteur"),
            models.UniqueConstraint(fields=["code"], condition=Q(grappe__isnull=True, organisme__isnull=True),
                                    name="prerequis_jalon_defaut_unique"),
            models.UniqueConstraint(fields=["grappe", "code"], condition=Q(grappe__isnull=False),
                                    name="prerequis_jalon_grappe_unique"),
            models.UniqueConstraint(fields=["organisme", "code"], condition=Q(organisme__isnull=False),
                                    name="prerequis_jalon_og_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.libelle} ({self.date_cible:%d/%m/%Y})"

    @property
    def est_defaut(self) -> bool:
        return self.grappe_id is None and self.organisme_id is None

    @property
    def porteur(self):
        """The grappe or OG the milestone belongs to (None: an installation default)."""
        return self.grappe or self.organisme

    @classmethod
    def defauts(cls):
        return cls.objects.filter(grappe__isnull=True, organisme__isnull=True)

    @classmethod
    def assurer_defauts(cls) -> set[str]:
        """Create the installation's default milestones once (catalogue.JALONS_DEFAUT); existing ones are kept.
        Returns the codes of every default milestone. One query when they are all there (every dashboard asks)."""
        existants = set(cls.defauts().values_list("code", flat=True))
        for j in JALONS_DEFAUT:
            if j.code in existants:
                continue
            cls.objects.get_or_create(code=j.code, grappe=None, organisme=None, defaults={
                "libelle": j.libelle, "programme": j.programme, "date_cible": j.date_cible, "etapes": list(j.etapes)})
            existants.add(j.code)
        return existants


class TypeCarte(models.TextChoices):
    CPS = "CPS", _("CPS (professionnel de santé)")
    CPE = "CPE", _("CPE (personnel d'établissement)")
    CDE = "CDE", _("CDE (directeur d'établissement)")
    CPA = "CPA", _("CPA (personnel autorisé)")


class CanalCarte(models.TextChoices):
    F101 = "F101", _("Contrat d'adhésion F101 (carte CDE)")
    F201 = "F201", _("Formulaire F201")
    F301 = "F301", _("Formulaire F301")
    DS = "DS", _("Démarches simplifiées")
    TOM = "TOM", _("Téléservice TOM")
    ARS_ORDRE = "ARS_ORDRE", _("ARS ou Ordre (libéral)")


class Carte(models.Model):
    """A CPx / CDE card of the OG: holder, type, order, reception, activation."""

    organisme = models.ForeignKey(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="cartes")
    etablissement = models.ForeignKey(Etablissement, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="cartes")
    type = models.CharField(_("type"), max_length=4, choices=TypeCarte.choices)
    titulaire_nom = models.CharField(_("titulaire"), max_length=200, blank=True)
    titulaire = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="cartes_cpx", verbose_name=_("compte du titulaire"))
    canal = models.CharField(_("formulaire ou canal de commande"), max_length=10, choices=CanalCarte.choices,
                             blank=True)
    date_commande = models.DateField(_("date de commande"), null=True, blank=True)
    date_reception = models.DateField(_("date de réception"), null=True, blank=True)
    date_activation = models.DateField(_("date d'activation"), null=True, blank=True)
    date_inscription_rpps = models.DateField(_("inscription RPPS+ du titulaire"), null=True, blank=True)

    class Meta:
        verbose_name = _("carte")
        verbose_name_plural = _("cartes")
        ordering = ["type", "titulaire_nom"]

    def __str__(self) -> str:
        return f"{self.type} — {self.nom_titulaire}"

    @property
    def nom_titulaire(self) -> str:
        return str(self.titulaire) if self.titulaire_id else self.titulaire_nom

    @property
    def etat(self) -> str:
        if self.date_activation:
            return "activée"
        if self.date_reception:
            return "reçue"
        if self.date_commande:
            return "commandée"
        return "à commander"


class Lecteur(models.Model):
    """PC/SC card readers installed on one site (ESMS)."""

    etablissement = models.ForeignKey(Etablissement, on_delete=models.CASCADE, related_name="lecteurs")
    modele = models.CharField(_("modèle"), max_length=100)
    nombre = models.PositiveIntegerField(_("nombre"), default=1)
    poste = models.CharField(_("poste / lieu"), max_length=100, blank=True)
    cryptolib_installee = models.BooleanField(_("Cryptolib CPS installée"), default=False)
    date_installation = models.DateField(_("date d'installation"), null=True, blank=True)

    class Meta:
        verbose_name = _("lecteur de cartes")
        verbose_name_plural = _("lecteurs de cartes")

    def __str__(self) -> str:
        return f"{self.nombre} × {self.modele} — {self.etablissement.nom}"


class Certificat(models.Model):
    """A software certificate of the OG. The file is kept (the INS batch needs it); the PKCS#12 password is
    stored encrypted with Fernet (settings.SOCLE_SECRETS_KEY), never in clear."""

    organisme = models.ForeignKey(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="certificats")
    libelle = models.CharField(_("libellé"), max_length=200, blank=True)
    nom_fichier = models.CharField(_("fichier"), max_length=200)
    contenu = models.BinaryField(_("contenu"))
    format = models.CharField(_("format"), max_length=10)
    sujet = models.CharField(_("sujet"), max_length=500)
    emetteur = models.CharField(_("émetteur"), max_length=500)
    cn = models.CharField(_("CN"), max_length=200, blank=True)
    numero_serie = models.CharField(_("numéro de série"), max_length=80)
    not_before = models.DateTimeField(_("valide à partir du"))
    not_after = models.DateTimeField(_("valide jusqu'au"))
    key_usages = models.JSONField(_("usages de la clé"), default=list)
    extended_key_usages = models.JSONField(_("usages étendus"), default=list)
    usage = models.CharField(_("usage reconnu"), max_length=20)
    mot_de_passe_chiffre = models.TextField(_("mot de passe (chiffré)"), blank=True)
    email_service = models.EmailField(_("e-mail de service pour les rappels"), blank=True)
    depose_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    depose_le = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("certificat logiciel")
        verbose_name_plural = _("certificats logiciels")
        ordering = ["not_after"]

    def __str__(self) -> str:
        return f"{self.cn or self.sujet} ({self.get_usage_libelle()}) — {self.organisme.raison_sociale}"

    def get_usage_libelle(self) -> str:
        return {"authentification": "authentification", "signature": "signature"}.get(self.usage, "autre")

    def insi_pret(self, aujourdhui=None) -> bool:
        from .certificats import est_insi_pret

        return est_insi_pret(self.cn, self.extended_key_usages, self.not_before, self.not_after, aujourdhui,
                             emetteur=self.emetteur, sujet=self.sujet)

    @property
    def emetteur_reconnu(self) -> tuple[bool, str]:
        from .certificats import emetteur_reconnu

        return emetteur_reconnu(self.emetteur, self.sujet)

    @property
    def role(self) -> str:
        """What the certificate is for in the chain: INSi (CN INSI-AUTO / INSI-MANU), the DMP feed's pair
        (another authentication certificate, a signature / cachet one), or nothing Socle knows."""
        from .certificats import AUTHENTIFICATION, CN_INSI, SIGNATURE

        if self.usage == AUTHENTIFICATION and self.cn in CN_INSI:
            return f"INSi ({self.cn})"
        if self.usage == AUTHENTIFICATION:
            return "DMP : authentification"
        if self.usage == SIGNATURE:
            return "DMP : signature / cachet"
        return "autre"


class RappelEnvoye(models.Model):
    """One reminder sent: makes `socle reminders` idempotent per day."""

    cle = models.CharField(_("clé"), max_length=120)
    destinataire = models.CharField(_("destinataire"), max_length=254)
    jour = models.DateField(_("jour"))
    envoye_le = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rappel envoyé")
        verbose_name_plural = _("rappels envoyés")
        constraints = [models.UniqueConstraint(fields=["cle", "destinataire", "jour"], name="prerequis_rappel_unique")]

    def __str__(self) -> str:
        return f"{self.cle} → {self.destinataire} ({self.jour})"


class Homologation(models.Model):
    """The INS auto-homologation dossier of an OG: checklist, commission, PV, RGPD register entry."""

    organisme = models.OneToOneField(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="homologation_ins")
    checklist = models.JSONField(_("points vérifiés"), default=dict, blank=True)  # item code -> {"ok", "note"}
    date_commission = models.DateField(_("date de la commission"), null=True, blank=True)
    membres = models.TextField(_("membres de la commission (un par ligne)"), blank=True)
    decision = models.CharField(_("décision"), max_length=20, blank=True,
                                choices=[("homologue", "Homologation prononcée"), ("refus", "Refus"),
                                         ("provisoire", "Homologation provisoire")])
    duree_mois = models.PositiveIntegerField(_("durée de l'homologation (mois)"), default=36)
    reserves = models.TextField(_("réserves"), blank=True)
    rgpd_finalite = models.CharField(_("registre : finalité"), max_length=300, blank=True)
    rgpd_base_legale = models.CharField(_("registre : base légale"), max_length=200, blank=True)
    rgpd_categories = models.CharField(_("registre : catégories de données"), max_length=300, blank=True)
    rgpd_destinataires = models.CharField(_("registre : destinataires"), max_length=300, blank=True)
    rgpd_duree = models.CharField(_("registre : durée de conservation"), max_length=200, blank=True)
    rgpd_date_inscription = models.DateField(_("registre : date d'inscription"), null=True, blank=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("auto-homologation INS")
        verbose_name_plural = _("auto-homologations INS")

    def __str__(self) -> str:
        return f"Auto-homologation INS — {self.organisme.raison_sociale}"


class Mandataire(models.Model):
    """A mandataire the représentant légal designated on TOM (optional delegation): a function or a named
    person, who may order cards and/or act as gestionnaire RPPS+."""

    organisme = models.ForeignKey(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="mandataires")
    designation = models.CharField(_("fonction ou personne"), max_length=200)
    utilisateur = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("compte Socle (si personne nommée)"))
    commande_cartes = models.BooleanField(_("commande des cartes CPx"), default=False)
    gestionnaire_rpps = models.BooleanField(_("gestionnaire RPPS+"), default=False)
    date_designation = models.DateField(_("date de désignation"), null=True, blank=True)

    class Meta:
        verbose_name = _("mandataire")
        verbose_name_plural = _("mandataires")
        ordering = ["designation"]

    def __str__(self) -> str:
        return f"{self.designation} — {self.organisme.raison_sociale}"


class Dui(models.Model):
    """The DUI (dossier usager informatisé) of one ESMS: product, editor, Ségur referencing, SONS order, and the
    capabilities that choose the chain's branches (INSi by certificate or by CPE cards, DMP feed)."""

    etablissement = models.OneToOneField(Etablissement, on_delete=models.CASCADE, related_name="dui",
                                         verbose_name=_("établissement"))
    produit = models.CharField(_("logiciel (produit)"), max_length=200)
    editeur = models.CharField(_("éditeur"), max_length=200)
    referencement_segur = models.CharField(_("référencement Ségur (vague, version référencée)"), max_length=200,
                                           blank=True)
    date_commande_sons = models.DateField(_("date du bon de commande SONS"), null=True, blank=True)
    insi_certificat = models.BooleanField(_("appel INSi par certificat"), default=False)
    alimentation_dmp = models.BooleanField(_("alimentation du DMP"), default=False)
    mssante = models.BooleanField(_("MSSanté"), default=False)
    pro_sante_connect = models.BooleanField(_("Pro Santé Connect"), default=False)
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("DUI d'un établissement")
        verbose_name_plural = _("DUI des établissements")

    def __str__(self) -> str:
        return f"{self.produit} ({self.editeur}) — {self.etablissement.nom}"
