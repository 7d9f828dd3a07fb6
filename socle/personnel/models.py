"""Staff registry and RPPS+ registration: professionals, their situations d'exercice, the per-OG settings
(métier → rôle table, rules of who must register, column mappings, export layouts) and the traces of
imports and reconciliations with the Annuaire Santé."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from socle.core.identifiants import rpps_error
from socle.core.texte import cle_alphanumerique
from socle.core.travaux import AvecCycle, cycle
from socle.organisations.models import Etablissement, OrganismeGestionnaire

from .nomenclatures import CATEGORIES_PRO, GENRES, MODES_EXERCICE, PROFESSION_ROLE, ROLES


def validate_rpps(value: str) -> None:
    if value:
        error = rpps_error(value)
        if error:
            raise ValidationError(_("Numéro RPPS « %(v)s » invalide : %(e)s"), params={"v": value, "e": error})


def cle_identite(nom_naissance: str, premier_prenom: str, date_naissance, sexe: str) -> str:
    """Identity key of a person inside one OG: nom de naissance + first prénom + date de naissance + sexe,
    accents/case/punctuation ignored, so that HR spelling variants do not create duplicates."""
    d = date_naissance.isoformat() if date_naissance else ""
    return f"{cle_alphanumerique(nom_naissance)}|{cle_alphanumerique(premier_prenom)}|{d}|{(sexe or '').upper()}"


class Civilite(models.TextChoices):
    M = "M", _("Monsieur")
    MME = "MME", _("Madame")


class Sexe(models.TextChoices):
    M = "M", _("Masculin")
    F = "F", _("Féminin")


class DocumentIdentite(models.TextChoices):
    CNI = "CNI", _("Carte nationale d'identité")
    PASSEPORT = "PASSEPORT", _("Passeport")
    TITRE_SEJOUR = "TITRE_SEJOUR", _("Titre de séjour")
    AUTRE = "AUTRE", _("Autre document officiel avec photo")


class TypeCarte(models.TextChoices):
    CPS = "CPS", _("CPS (professionnel de santé)")
    CPE = "CPE", _("CPE (personnel d'établissement)")
    CPA = "CPA", _("CPA (personnel autorisé)")
    CPF = "CPF", _("CPF (en formation)")


class Professionnel(models.Model):
    """One member of staff of an OG, with the identity RPPS+ asks for (birth identity, face-to-face check)."""

    organisme = models.ForeignKey(OrganismeGestionnaire, verbose_name=_("organisme gestionnaire"),
                                  on_delete=models.PROTECT, related_name="professionnels")
    civilite = models.CharField(_("civilité"), max_length=3, choices=Civilite.choices, blank=True)
    nom_naissance = models.CharField(_("nom de naissance"), max_length=100)
    nom_usage = models.CharField(_("nom d'usage"), max_length=100, blank=True)
    prenoms = models.JSONField(_("prénoms de naissance (dans l'ordre)"), default=list)
    prenom_usuel = models.CharField(_("prénom usuel"), max_length=100, blank=True)
    sexe = models.CharField(_("sexe"), max_length=1, choices=Sexe.choices)
    date_naissance = models.DateField(_("date de naissance"))
    commune_naissance = models.CharField(_("commune de naissance (code INSEE)"), max_length=5, blank=True)
    pays_naissance = models.CharField(_("pays de naissance (code INSEE 99xxx)"), max_length=5, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    mobile = models.CharField(_("téléphone mobile"), max_length=20, blank=True)
    identite_document = models.CharField(_("document d'identité vérifié"), max_length=20,
                                         choices=DocumentIdentite.choices, blank=True)
    identite_verifiee_par = models.CharField(_("identité vérifiée par"), max_length=150, blank=True)
    identite_verifiee_le = models.DateField(_("identité vérifiée le"), null=True, blank=True)
    rpps = models.CharField(_("numéro RPPS"), max_length=11, blank=True, validators=[validate_rpps], db_index=True)
    rpps_enregistre_le = models.DateTimeField(_("enregistré au RPPS le"), null=True, blank=True)
    ecps_activee_le = models.DateField(_("e-CPS activée le"), null=True, blank=True)
    carte_type = models.CharField(_("type de carte CPx"), max_length=3, choices=TypeCarte.choices, blank=True)
    carte_numero = models.CharField(_("numéro de carte CPx"), max_length=20, blank=True)
    carte_fin_validite = models.DateField(_("fin de validité de la carte"), null=True, blank=True)
    mssante = models.CharField(_("adresse de messagerie MSSanté"), max_length=254, blank=True)
    consulte_dmp = models.BooleanField(_("consulte le DMP"), default=False)
    acces_dui = models.BooleanField(_("accède aux données de santé du DUI"), null=True, blank=True,
                                    help_text=_("vide : déduit du genre d'activité selon les règles de l'organisme"))
    cle = models.CharField(_("clé d'identité"), max_length=300, editable=False)
    # Her Socle account, linked at her first Pro Santé Connect sign-in (one person may be staff of several OG:
    # each record points to the same account).
    compte = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("compte Socle"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="professionnels")
    psc_derniere_connexion = models.DateTimeField(_("dernière connexion avec e-CPS"), null=True, blank=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("professionnel")
        verbose_name_plural = _("professionnels")
        ordering = ["nom_naissance", "prenom_usuel"]
        constraints = [
            models.UniqueConstraint(fields=["organisme", "cle"], name="professionnel_identite_unique"),
            models.UniqueConstraint(fields=["organisme", "rpps"], condition=~models.Q(rpps=""),
                                    name="professionnel_rpps_unique"),
        ]

    def __str__(self) -> str:
        nom = self.nom_usage or self.nom_naissance
        return f"{nom} {self.prenom_affiche}".strip()

    def save(self, *args, **kwargs):
        self.cle = self.calculer_cle()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("personnel:fiche", args=[self.pk])

    @property
    def nom_complet(self) -> str:
        """Birth name, used name in brackets, first name: the form of every screen and of erreurs.csv."""
        from .rules import nom_affiche

        return nom_affiche(self.nom_naissance, self.nom_usage, self.prenom_affiche)

    @property
    def prenom_affiche(self) -> str:
        return self.prenom_usuel or (self.prenoms[0] if self.prenoms else "")

    @property
    def premier_prenom(self) -> str:
        return self.prenoms[0] if self.prenoms else ""

    def calculer_cle(self) -> str:
        return cle_identite(self.nom_naissance, self.premier_prenom, self.date_naissance, self.sexe)

    @property
    def identifiant_activation_ecps(self) -> str:
        """Identification nationale PP: "8" + RPPS, what the professional types to activate her e-CPS."""
        return f"8{self.rpps}" if self.rpps else ""

    @property
    def activation_cpx_possible_le(self):
        """The CPx card can only be activated 48 h after the RPPS registration."""
        return self.rpps_enregistre_le + timedelta(hours=48) if self.rpps_enregistre_le else None


class SituationExercice(models.Model):
    """Where and as what a professional works: what RPPS+ asks for a "professionnel à rôle"."""

    professionnel = models.ForeignKey(Professionnel, on_delete=models.CASCADE, related_name="situations")
    etablissement = models.ForeignKey(Etablissement, verbose_name=_("ESMS (FINESS géographique)"),
                                      on_delete=models.PROTECT, related_name="situations_exercice")
    metier = models.CharField(_("métier (intitulé RH)"), max_length=150, blank=True)
    role = models.CharField(_("rôle (TRE_R85)"), max_length=3, blank=True, choices=sorted(ROLES.items()))
    role_propose = models.CharField(_("rôle proposé par le métier"), max_length=3, blank=True)
    genre_activite = models.CharField(_("genre d'activité"), max_length=6, blank=True, choices=sorted(GENRES.items()))
    genre_propose = models.CharField(_("genre proposé par le métier"), max_length=6, blank=True)
    motif_forcage = models.CharField(_("motif du choix différent de la proposition"), max_length=300, blank=True)
    profession = models.CharField(_("profession"), max_length=3, default=PROFESSION_ROLE)
    mode_exercice = models.CharField(_("mode d'exercice"), max_length=1, default="S",
                                     choices=list(MODES_EXERCICE.items()))
    categorie_professionnelle = models.CharField(_("catégorie professionnelle"), max_length=1, default="C",
                                                 choices=list(CATEGORIES_PRO.items()))
    nom_exercice = models.CharField(_("nom d'exercice"), max_length=100, blank=True)
    prenom_exercice = models.CharField(_("prénom d'exercice"), max_length=100, blank=True)
    date_prise_fonction = models.DateField(_("date de prise de fonction"), null=True, blank=True)
    date_fin = models.DateField(_("date de fin"), null=True, blank=True)

    class Meta:
        verbose_name = _("situation d'exercice")
        verbose_name_plural = _("situations d'exercice")
        ordering = ["etablissement__nom"]
        constraints = [
            models.UniqueConstraint(fields=["professionnel", "etablissement"], name="situation_unique_par_esms"),
        ]

    def __str__(self) -> str:
        return f"{self.professionnel} — {self.etablissement.nom}"

    @property
    def role_force(self) -> bool:
        return bool(self.role_propose and self.role != self.role_propose) or bool(
            self.genre_propose and self.genre_activite != self.genre_propose)

    @property
    def role_libelle(self) -> str:
        return ROLES.get(self.role, "")

    @property
    def genre_libelle(self) -> str:
        return GENRES.get(self.genre_activite, "")


class MetierRole(models.Model):
    """Per-OG table from the HR job title to the RPPS+ rôle and genre d'activité; `concerne=False` when the OG
    judges the métier not concerned by registration."""

    organisme = models.ForeignKey(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="metiers_roles")
    metier = models.CharField(_("métier"), max_length=150)
    cle = models.CharField(_("clé de rapprochement"), max_length=150, editable=False)
    role = models.CharField(_("rôle (TRE_R85)"), max_length=3, blank=True, choices=sorted(ROLES.items()))
    genre_activite = models.CharField(_("genre d'activité"), max_length=6, blank=True,
                                      choices=sorted(GENRES.items()))
    concerne = models.BooleanField(_("concerné par l'enregistrement RPPS+"), default=True)
    source = models.CharField(_("origine"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("correspondance métier → rôle")
        verbose_name_plural = _("correspondances métier → rôle")
        ordering = ["metier"]
        constraints = [models.UniqueConstraint(fields=["organisme", "cle"], name="metier_role_unique")]

    def __str__(self) -> str:
        return f"{self.metier} → {self.role or '—'} / {self.genre_activite or 'non concerné'}"

    def save(self, *args, **kwargs):
        from .nomenclatures import normaliser_metier

        self.cle = normaliser_metier(self.metier)
        super().save(*args, **kwargs)


def _genres_dui_defaut() -> list[str]:
    return ["GENR08", "GENR09", "GENR10", "GENR11", "GENR12", "GENR13"]


def _professions_defaut() -> list[str]:
    from .nomenclatures import PROFESSIONS_DEJA_RPPS

    return sorted(PROFESSIONS_DEJA_RPPS)


class RegleEnregistrement(models.Model):
    """The OG's rule set "who must be registered in the RPPS through RPPS+", visible and editable."""

    organisme = models.OneToOneField(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="regles_rpps")
    critere_dui = models.BooleanField(_("accède aux données de santé du DUI"), default=True)
    genres_acces_dui = models.JSONField(_("genres d'activité qui accèdent au DUI"), default=_genres_dui_defaut)
    critere_mssante = models.BooleanField(_("dispose d'une boîte MSSanté nominative"), default=True)
    critere_dmp = models.BooleanField(_("consulte le DMP"), default=True)
    professions_deja_rpps = models.JSONField(
        _("métiers déjà au RPPS (professions de santé, psychologues, assistants de service social)"),
        default=_professions_defaut)
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("règles d'enregistrement RPPS+")
        verbose_name_plural = _("règles d'enregistrement RPPS+")

    def __str__(self) -> str:
        return f"Règles RPPS+ de {self.organisme}"


class OrganisationRpps(models.Model):
    """How the OG organises RPPS+ registration: one gestionnaire for all ESMS, or one per ESMS."""

    class Mode(models.TextChoices):
        CENTRALISE = "centralise", _("Centralisée (gestionnaire(s) au niveau de l'organisme)")
        DECENTRALISE = "decentralise", _("Décentralisée (un gestionnaire par ESMS)")

    organisme = models.OneToOneField(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="organisation_rpps")
    mode = models.CharField(_("organisation"), max_length=12, choices=Mode.choices, default=Mode.CENTRALISE)

    class Meta:
        verbose_name = _("organisation RPPS+")
        verbose_name_plural = _("organisations RPPS+")

    def __str__(self) -> str:
        return f"{self.organisme} : {self.get_mode_display()}"


class MappingColonnes(models.Model):
    """A remembered column mapping of an HR export onto Socle's template fields, per OG."""

    organisme = models.ForeignKey(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="mappings_colonnes")
    nom = models.CharField(_("nom"), max_length=100)
    correspondances = models.JSONField(_("champ Socle → colonne du fichier"), default=dict)
    format_date = models.CharField(_("format des dates"), max_length=20, default="%d/%m/%Y")
    modifie_le = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("correspondance de colonnes")
        verbose_name_plural = _("correspondances de colonnes")
        constraints = [models.UniqueConstraint(fields=["organisme", "nom"], name="mapping_nom_unique")]

    def __str__(self) -> str:
        return self.nom


class GabaritExport(models.Model):
    """A versioned, declarative layout of the RPPS+ mass-registration file (columns, order, codes or labels,
    separator, encoding, date format). `organisme` empty = installation-wide."""

    organisme = models.ForeignKey(OrganismeGestionnaire, null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="gabarits_export")
    nom = models.CharField(_("nom"), max_length=150)
    version = models.PositiveIntegerField(_("version"), default=1)
    structure = models.JSONField(_("structure"))
    actif = models.BooleanField(_("actif"), default=True)
    cree_le = models.DateTimeField(auto_now_add=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")

    class Meta:
        verbose_name = _("gabarit d'export RPPS+")
        verbose_name_plural = _("gabarits d'export RPPS+")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.nom} (v{self.version})"


class ImportPersonnel(AvecCycle):
    """One upload of an HR file. The file (a media file, never a database blob) is kept while the import may
    still be committed, so the dry run and the commit read the same bytes; it is deleted as soon as the import
    is committed or refused (`effacer_fichier`)."""

    class Statut(models.TextChoices):
        A_ASSOCIER = "a_associer", _("Colonnes à associer")
        EN_ANALYSE = "en_analyse", _("Analyse en cours")
        ANALYSE = "analyse", _("Analysé (simulation)")
        EN_COURS = "en_cours", _("Import en cours")
        IMPORTE = "importe", _("Importé")
        ECHEC = "echec", _("Refusé")
        A_CORRIGER = "a_corriger", _("Erreurs bloquantes : rien n'est enregistré")

    # Columns mapped → dry run (running, then analysed) → commit (running, then imported); a file with blocking
    # errors ends "à corriger" (dry run or commit: nothing written, the file is to fix and upload again). The
    # screen and `socle import-staff` go the same way.
    CYCLE = cycle({Statut.A_ASSOCIER: [Statut.EN_ANALYSE, Statut.ECHEC],
                   Statut.EN_ANALYSE: [Statut.ANALYSE, Statut.A_CORRIGER, Statut.ECHEC],
                   Statut.ANALYSE: [Statut.EN_ANALYSE, Statut.EN_COURS, Statut.ECHEC],
                   Statut.EN_COURS: [Statut.IMPORTE, Statut.A_CORRIGER, Statut.ANALYSE, Statut.ECHEC],
                   Statut.IMPORTE: [], Statut.ECHEC: [], Statut.A_CORRIGER: []},
                  en_cours=[Statut.EN_ANALYSE, Statut.EN_COURS],
                  finaux=[Statut.IMPORTE, Statut.ECHEC, Statut.A_CORRIGER],
                  fin="termine_le", battement="battement", libelles=dict(Statut.choices))

    organisme = models.ForeignKey(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="imports_personnel")
    nom_fichier = models.CharField(_("fichier"), max_length=255)
    fichier = models.FileField(_("fichier déposé"), upload_to="imports/personnel/%Y/%m/", blank=True)
    mapping = models.ForeignKey(MappingColonnes, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    statut = models.CharField(_("statut"), max_length=12, choices=Statut.choices, default=Statut.A_ASSOCIER)
    rapport = models.JSONField(_("rapport"), default=dict, blank=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)
    debut = models.DateTimeField(null=True, blank=True)
    battement = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    termine_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import de personnel")
        verbose_name_plural = _("imports de personnel")
        ordering = ["-cree_le"]

    def __str__(self) -> str:
        return f"{self.nom_fichier} ({self.get_statut_display()})"

    def lire_contenu(self) -> bytes:
        """The uploaded bytes; raises FileNotFoundError once the file was deleted (import committed or refused)."""
        if not self.fichier:
            raise FileNotFoundError(self.nom_fichier)
        with self.fichier.open("rb") as f:
            return f.read()

    def effacer_fichier(self) -> None:
        """Delete the uploaded file (the row keeps its name and report, not the content)."""
        if self.fichier:
            self.fichier.delete(save=False)
            type(self).objects.filter(pk=self.pk).update(fichier="")


@receiver(post_delete, sender=ImportPersonnel)
def _effacer_fichier_import(sender, instance: ImportPersonnel, **kwargs) -> None:
    """An import deleted (or its organisation) takes its uploaded file with it."""
    if instance.fichier:
        instance.fichier.delete(save=False)


class RapprochementAnnuaire(models.Model):
    """One reconciliation of the OG's staff with an extract of the public Annuaire Santé."""

    organisme = models.ForeignKey(OrganismeGestionnaire, on_delete=models.CASCADE, related_name="rapprochements")
    nom_fichier = models.CharField(_("fichier"), max_length=255)
    cree_le = models.DateTimeField(auto_now_add=True)
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    resume = models.JSONField(_("résumé"), default=dict)

    class Meta:
        verbose_name = _("rapprochement avec l'Annuaire Santé")
        verbose_name_plural = _("rapprochements avec l'Annuaire Santé")
        ordering = ["-cree_le"]

    def __str__(self) -> str:
        return f"{self.nom_fichier} ({self.cree_le:%d/%m/%Y})"


class ResultatRapprochement(models.Model):
    """One outcome of a reconciliation: a match (with its score), a case to review, a leaver, a missing one."""

    class Type(models.TextChoices):
        TROUVE = "trouve", _("Trouvé dans l'Annuaire")
        A_VERIFIER = "a_verifier", _("À vérifier")
        PARTI = "parti", _("Parti : situation à clôturer sur le portail")
        MANQUANT = "manquant", _("Toujours absent de l'Annuaire")

    class Decision(models.TextChoices):
        AUCUNE = "", _("—")
        EN_ATTENTE = "en_attente", _("En attente de décision")
        CONFIRME = "confirme", _("Confirmé")
        REJETE = "rejete", _("Rejeté")

    rapprochement = models.ForeignKey(RapprochementAnnuaire, on_delete=models.CASCADE, related_name="resultats")
    type = models.CharField(_("résultat"), max_length=12, choices=Type.choices)
    professionnel = models.ForeignKey(Professionnel, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+")
    rpps = models.CharField(_("RPPS"), max_length=11, blank=True)
    nom_exercice = models.CharField(max_length=100, blank=True)
    prenom_exercice = models.CharField(max_length=100, blank=True)
    finess_site = models.CharField(max_length=9, blank=True)
    score = models.FloatField(null=True, blank=True)
    candidats = models.JSONField(default=list, blank=True)
    decision = models.CharField(_("décision"), max_length=12, choices=Decision.choices, blank=True, default="")
    decide_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decide_le = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("résultat de rapprochement")
        verbose_name_plural = _("résultats de rapprochement")
        ordering = ["type", "nom_exercice"]

    def __str__(self) -> str:
        return f"{self.get_type_display()} — {self.professionnel or self.nom_exercice}"

