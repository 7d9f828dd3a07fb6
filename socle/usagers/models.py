"""The usager's identity record (RNIV), its history, evidence, stays, INSi calls, backlog batches and anomalies.

Rules live in `rniv.py` (pure) and `services.py` (writes); models only hold data."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from socle.core.travaux import AvecCycle, cycle
from socle.organisations.models import Etablissement, OrganismeGestionnaire

from . import affichage
from .naissance import DateLunaireField


class Statut(models.TextChoices):
    """The 4 RNIV statuses [R-ST-01], labels exactly as RNIV."""

    PROV = "PROV", _("Identité provisoire")
    RECUP = "RECUP", _("Identité récupérée")
    VALI = "VALI", _("Identité validée")
    QUAL = "QUAL", _("Identité qualifiée")


class Sexe(models.TextChoices):
    F = "F", _("Féminin")
    M = "M", _("Masculin")
    I = "I", _("Indéterminé (identité provisoire seulement)")  # noqa: E741


class TypeJustificatif(models.TextChoices):
    """Identity evidence; which ones are high trust is decided in rniv.controle_haut_niveau [R-DOC-*]."""

    PASSEPORT = "PA", _("Passeport")
    CNI = "CN", _("Carte nationale d'identité")
    ECNI = "eCN", _("Carte d'identité électronique (France Identité)")
    TITRE_SEJOUR = "CS", _("Carte de séjour / titre de séjour permanent")
    IDN = "IN", _("Identité Numérique La Poste")
    APCV = "AV", _("Application carte Vitale (ApCV)")
    EIDAS = "IE", _("Identification électronique eIDAS (niveau substantiel ou élevé)")
    CARTE_MILITAIRE = "CM", _("Carte militaire")
    LIVRET_VITALE = "LECV", _("Livret de famille ou extrait d'acte de naissance + carte Vitale avec photo")
    ACTE_PARENT = "AN", _("Extrait d'acte de naissance ou livret de famille + pièce d'identité d'un parent")
    DOC_CIRCULATION_MINEUR = "CC", _("Document de circulation pour étranger mineur")
    LIVRET_FAMILLE = "LF", _("Livret de famille seul")
    EXTRAIT_NAISSANCE = "EN", _("Extrait d'acte de naissance seul")
    PERMIS = "PC", _("Permis de conduire")
    CARTE_VITALE = "CV", _("Carte Vitale (carte physique)")
    SEJOUR_TEMPORAIRE = "CST", _("Carte de séjour temporaire ou récépissé")
    AUTRE = "AU", _("Autre document (carte d'étudiant, professionnelle, photocopie…)")


class Usager(models.Model):
    """A person followed by one or more ESMS of an OG; the OG owns the record."""

    organisme = models.ForeignKey(OrganismeGestionnaire, verbose_name=_("organisme gestionnaire"),
                                  on_delete=models.PROTECT, related_name="usagers")
    # strict traits [R-TR-01]
    nom_naissance = models.CharField(_("nom de naissance"), max_length=100)
    prenoms_naissance = models.CharField(_("prénoms de naissance (dans l'ordre)"), max_length=200)
    premier_prenom = models.CharField(_("premier prénom de naissance"), max_length=100)
    date_naissance = DateLunaireField(_("date de naissance"))  # as given, 00 allowed [R-DN-02]
    sexe = models.CharField(_("sexe"), max_length=1, choices=Sexe.choices)
    lieu_naissance = models.CharField(_("lieu de naissance (code INSEE commune ou pays 99xxx)"), max_length=5)
    # used traits [R-TR-02]
    nom_utilise = models.CharField(_("nom utilisé"), max_length=100, blank=True)
    prenom_utilise = models.CharField(_("prénom utilisé"), max_length=100, blank=True)
    # INS, only ever set from an INSi answer [R-ED-01]
    matricule_ins = models.CharField(_("matricule INS (13 caractères)"), max_length=13, blank=True)
    cle_ins = models.CharField(_("clé"), max_length=2, blank=True)
    oid_ins = models.CharField(_("OID (nature NIR / NIA)"), max_length=30, blank=True)
    date_appel_insi = models.DateTimeField(_("dernier appel INSi réussi"), null=True, blank=True)
    statut = models.CharField(_("statut de l'identité"), max_length=5, choices=Statut.choices, default=Statut.PROV,
                              db_index=True)
    douteuse = models.BooleanField(_("identité douteuse"), default=False)
    fictive = models.BooleanField(_("identité fictive"), default=False)
    homonyme = models.BooleanField(_("identité homonyme"), default=False)
    fusionne_dans = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="fusionnes", verbose_name=_("fusionné dans"))
    reference_externe = models.CharField(_("référence demo / import"), max_length=40, blank=True, db_index=True)
    cree_le = models.DateTimeField(_("créé le"), auto_now_add=True)
    modifie_le = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("usager")
        verbose_name_plural = _("usagers")
        ordering = ["nom_naissance", "premier_prenom"]
        constraints = [
            models.CheckConstraint(  # [R-ST-05][R-AT-01..04]
                condition=(models.Q(douteuse=False, fictive=False) | models.Q(statut="PROV")),
                name="usager_douteuse_fictive_provisoire"),
            models.CheckConstraint(condition=~models.Q(douteuse=True, fictive=True),
                                   name="usager_pas_douteuse_et_fictive"),
            models.CheckConstraint(condition=~models.Q(homonyme=True, fictive=True),
                                   name="usager_pas_homonyme_et_fictive"),
        ]
        indexes = [models.Index(fields=["organisme", "nom_naissance"])]

    def __str__(self) -> str:
        from .rniv import identite_affichee

        return identite_affichee(self)

    def get_absolute_url(self) -> str:
        return reverse("usagers:fiche", args=[self.pk])

    @property
    def prenoms(self) -> tuple[str, ...]:
        return tuple(p for p in self.prenoms_naissance.split(" ") if p)

    @property
    def ins(self) -> str:
        return (self.matricule_ins + self.cle_ins) if self.matricule_ins else ""

    @property
    def badge(self) -> str:
        return affichage.badge(self.statut)


class HistoriqueIdentite(models.Model):
    """Every status change and every identity change: from, to, who, when, why, old → new values [R-ED-05]."""

    class Evenement(models.TextChoices):
        CREATION = "creation", _("Création")
        TRAITS = "traits", _("Modification des traits")
        CONTROLE = "controle", _("Contrôle d'un justificatif")
        INSI_ACCEPTE = "insi_accepte", _("Identité INSi acceptée")
        INSI_REJETE = "insi_rejete", _("Identité INSi rejetée")
        ATTRIBUT = "attribut", _("Attribut modifié")
        FUSION = "fusion", _("Fusion")
        DEFUSION = "defusion", _("Annulation de fusion")
        LOT = "lot", _("Qualification par lot")
        VERIFICATION = "verification", _("Vérification de l'INS")

    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="historique")
    evenement = models.CharField(_("événement"), max_length=20, choices=Evenement.choices)
    ancien_statut = models.CharField(_("ancien statut"), max_length=5, choices=Statut.choices, blank=True)
    nouveau_statut = models.CharField(_("nouveau statut"), max_length=5, choices=Statut.choices)
    par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    identifiant = models.CharField(_("par"), max_length=150, blank=True)
    le = models.DateTimeField(_("le"), db_index=True)
    motif = models.TextField(_("motif"), blank=True)
    changements = models.JSONField(_("changements (ancien → nouveau)"), default=dict, blank=True)

    class Meta:
        verbose_name = _("historique de l'identité")
        verbose_name_plural = _("historiques des identités")
        ordering = ["-le", "-id"]
        # + on PostgreSQL a covering index (usager, le, id) INCLUDE (nouveau_statut), migration 0006

    def __str__(self) -> str:
        return f"{self.get_evenement_display()} {self.ancien_statut}→{self.nouveau_statut}"


class Justificatif(models.Model):
    """An identity document checked by a professional [R-DOC-04]."""

    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="justificatifs")
    type = models.CharField(_("type de justificatif"), max_length=4, choices=TypeJustificatif.choices)
    haut_niveau = models.BooleanField(_("haut niveau de confiance"))
    raison = models.CharField(_("appréciation"), max_length=300, blank=True)
    verifie_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    verifie_par_nom = models.CharField(_("vérifié par"), max_length=150, blank=True)
    verifie_le = models.DateTimeField(_("vérifié le"))
    pays = models.CharField(_("pays de délivrance (ISO)"), max_length=2, blank=True)
    # the admission screen's attempt: one document recorded once per attempt, whatever the clicks or reloads
    tentative = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        verbose_name = _("justificatif d'identité")
        ordering = ["-verifie_le"]

    def __str__(self) -> str:
        return self.get_type_display()


class Sejour(models.Model):
    """An ESMS following the person, from admission to exit."""

    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="sejours")
    etablissement = models.ForeignKey(Etablissement, on_delete=models.PROTECT, related_name="sejours")
    date_admission = models.DateField(_("date d'admission"))
    date_sortie = models.DateField(_("date de sortie"), null=True, blank=True)
    # recorded at admission: opens the EHPAD exception of R-DOC-03 (LECV), a property of the stay, not of the ESMS
    admission_directe_ehpad = models.BooleanField(_("admission directe en EHPAD"), default=False)

    class Meta:
        verbose_name = _("accompagnement (séjour)")
        verbose_name_plural = _("accompagnements (séjours)")
        ordering = ["-date_admission"]

    def __str__(self) -> str:
        return f"{self.etablissement_id} {self.date_admission}"


class AppelInsi(models.Model):
    """One INSi search (as the product sees it: possibly several SOAP calls), with what it answered."""

    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="appels_insi")
    mode = models.CharField(max_length=4, choices=[("MANU", "INSI-MANU"), ("AUTO", "INSI-AUTO")])
    le = models.DateTimeField(_("le"))
    par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    traits_envoyes = models.JSONField(default=dict)
    cr = models.CharField(_("code retour"), max_length=4, blank=True)  # 00/01/02 or "ERR"
    reponse = models.JSONField(default=dict, blank=True)  # returned identity, verbatim
    erreur = models.TextField(blank=True)
    decision = models.CharField(max_length=10, blank=True)  # "", "acceptee", "rejetee"
    # the admission screen's attempt (a double click or a reload replays it, never calls twice)
    tentative = models.CharField(max_length=32, blank=True, db_index=True)
    canal = models.CharField(_("canal"), max_length=5, blank=True,
                             choices=[("", "Traits saisis"), ("CV", "Carte Vitale"), ("AV", "Appli carte Vitale")])

    class Meta:
        ordering = ["-le", "-id"]

    def __str__(self) -> str:
        return f"INSi {self.mode} {self.cr}"


class LotQualification(AvecCycle):
    """A backlog batch: the ESMS's usagers without a qualified INS, called in AUTO mode."""

    class Etat(models.TextChoices):
        EN_ATTENTE = "attente", _("En attente")
        EN_COURS = "en_cours", _("En cours")
        TERMINE = "termine", _("Terminé")
        INTERROMPU = "interrompu", _("Interrompu")

    # A running batch may be taken again (a resume after a crash): its lines are claimed one by one, so two
    # processes on the same batch never call the same person.
    CYCLE = cycle({Etat.EN_ATTENTE: [Etat.EN_COURS, Etat.INTERROMPU],
                   Etat.EN_COURS: [Etat.EN_COURS, Etat.TERMINE, Etat.INTERROMPU],
                   Etat.INTERROMPU: [Etat.EN_COURS],
                   Etat.TERMINE: []},
                  en_cours=[Etat.EN_COURS], finaux=[Etat.TERMINE], champ="etat", debut="demarre_le",
                  fin="termine_le", battement="battement", libelles=dict(Etat.choices))

    etablissement = models.ForeignKey(Etablissement, on_delete=models.PROTECT, related_name="lots_ins")
    cree_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    cree_le = models.DateTimeField(auto_now_add=True)
    etat = models.CharField(max_length=10, choices=Etat.choices, default=Etat.EN_ATTENTE)
    debit = models.FloatField(_("débit (appels par seconde)"), default=5.0)
    demarre_le = models.DateTimeField(null=True, blank=True)
    termine_le = models.DateTimeField(null=True, blank=True)
    battement = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-cree_le", "-id"]
        verbose_name = _("lot de qualification INS")

    def __str__(self) -> str:
        return f"Lot {self.pk} — {self.etablissement.nom}"

    def compte(self) -> dict[str, int]:
        d = {e: 0 for e in LigneLot.Etat.values}
        for row in self.lignes.values("etat").annotate(n=models.Count("id")):
            d[row["etat"]] = row["n"]
        d["total"] = sum(d.values())
        d["faites"] = d["total"] - d[LigneLot.Etat.A_FAIRE] - d[LigneLot.Etat.APPEL]
        d["pourcent"] = round(100 * d["faites"] / d["total"]) if d["total"] else 100
        return d


class LigneLot(models.Model):
    """One person of a batch. State committed before the call (APPEL) and after (result), so a restart never
    calls twice: a line left in APPEL was maybe called — it goes to the anomaly queue, never re-called."""

    class Etat(models.TextChoices):
        A_FAIRE = "a_faire", _("À faire")
        APPEL = "appel", _("Appel en cours")
        QUALIFIEE = "ok", _("INS récupéré")
        ANOMALIE = "anomalie", _("Anomalie")
        IGNOREE = "ignoree", _("Ignorée")

    lot = models.ForeignKey(LotQualification, on_delete=models.CASCADE, related_name="lignes")
    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="lignes_lot")
    etat = models.CharField(max_length=10, choices=Etat.choices, default=Etat.A_FAIRE, db_index=True)
    appel = models.ForeignKey(AppelInsi, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    debut_appel = models.DateTimeField(null=True, blank=True)
    fin_appel = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["lot", "usager"], name="ligne_lot_unique")]

    def __str__(self) -> str:
        return f"{self.lot_id}/{self.usager_id} {self.etat}"


class TypeAnomalie(models.TextChoices):
    NON_TROUVEE = "non_trouvee", _("Identité non trouvée")
    PLUSIEURS = "plusieurs", _("Plusieurs identités trouvées")
    ECART_TRAITS = "ecart", _("Écart de traits")
    COMMUNE_NOUVELLE = "commune", _("Lieu de naissance différent (commune nouvelle ?)")
    PRENOMS = "prenoms", _("Prénoms différents")
    CLE_INVALIDE = "cle", _("Clé du matricule INS invalide")
    ERREUR_TECHNIQUE = "technique", _("Erreur technique")
    INTERROMPU = "interrompu", _("Appel interrompu")
    TRAITS_INCOMPLETS = "incomplet", _("Traits incomplets")


class AnomalieIns(models.Model):
    """One failure to qualify, waiting for a person to look at it (see conduites.py for what to do)."""

    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="anomalies")
    etablissement = models.ForeignKey(Etablissement, on_delete=models.PROTECT, related_name="anomalies_ins")
    ligne = models.ForeignKey(LigneLot, null=True, blank=True, on_delete=models.SET_NULL, related_name="anomalies")
    type = models.CharField(max_length=12, choices=TypeAnomalie.choices, db_index=True)
    detail = models.TextField(blank=True)
    ecarts = models.JSONField(default=dict, blank=True)  # field -> [typed, returned]
    creee_le = models.DateTimeField(db_index=True)
    resolue_le = models.DateTimeField(null=True, blank=True)
    resolue_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-creee_le", "-id"]
        verbose_name = _("anomalie INS")

    def __str__(self) -> str:
        return self.get_type_display()


class Fusion(models.Model):
    """A merge of a duplicate (source) into the kept record (cible). Reversible: moved stays are listed."""

    source = models.ForeignKey(Usager, on_delete=models.PROTECT, related_name="fusions_source")
    cible = models.ForeignKey(Usager, on_delete=models.PROTECT, related_name="fusions_cible")
    par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    le = models.DateTimeField()
    motif = models.TextField(blank=True)
    score = models.FloatField(null=True, blank=True)
    sejours_deplaces = models.JSONField(default=list, blank=True)
    etat_source = models.JSONField(default=dict, blank=True)  # snapshot of the source record before merge
    annulee_le = models.DateTimeField(null=True, blank=True)
    annulee_par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["-le", "-id"]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.cible_id}"


class PaireDistincte(models.Model):
    """Two records reviewed on the duplicates screen and judged to be different people (homonymes avérés):
    the pair is not proposed again."""

    usager_a = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="+")
    usager_b = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="+")
    par = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    le = models.DateTimeField()
    motif = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["usager_a", "usager_b"], name="paire_distincte_unique")]

    def __str__(self) -> str:
        return f"{self.usager_a_id} ≠ {self.usager_b_id}"


# --- exchanges with the ESMS's DUI (socle.usagers.echanges) -------------------------------------------------


class IdentifiantLocal(models.Model):
    """The DUI's local identifier (IPP) of an usager in one ESMS: the key of every import and export. What the
    DUI last declared (status, INS) is kept here as a claim, never copied onto the identity [R-ED-01]: only an
    INSi answer sets the INS, the batch qualification re-checks it."""

    usager = models.ForeignKey(Usager, on_delete=models.CASCADE, related_name="identifiants_locaux")
    etablissement = models.ForeignKey(
        Etablissement, on_delete=models.PROTECT, related_name="identifiants_locaux"
    )
    ipp = models.CharField(_("IPP (identifiant du DUI)"), max_length=64)
    statut_declare = models.CharField(_("statut déclaré par le DUI"), max_length=5, blank=True)
    ins_declare = models.CharField(_("INS déclaré par le DUI"), max_length=15, blank=True)
    oid_declare = models.CharField(_("OID de l'INS déclaré"), max_length=30, blank=True)
    recu_le = models.DateTimeField(_("reçu le"))

    class Meta:
        verbose_name = _("identifiant local (IPP)")
        verbose_name_plural = _("identifiants locaux (IPP)")
        constraints = [models.UniqueConstraint(fields=["etablissement", "ipp"], name="ipp_unique_par_esms")]

    def __str__(self) -> str:
        return f"{self.ipp} ({self.etablissement_id})"


class ParametresDui(models.Model):
    """What Socle remembers of one ESMS's DUI: the column mapping of its CSV/XLSX export, its date format and
    encoding, and the IPP domain (namespace and OID) written in FHIR and HL7 exports."""

    etablissement = models.OneToOneField(
        Etablissement, on_delete=models.CASCADE, related_name="parametres_dui"
    )
    colonnes = models.JSONField(
        _("correspondance des colonnes (champ Socle → en-tête du DUI)"), default=dict, blank=True
    )
    format_date = models.CharField(_("format des dates"), max_length=20, default="%d/%m/%Y")
    encodage = models.CharField(_("encodage du CSV et des messages HL7"), max_length=20, default="utf-8",
                                choices=[("utf-8", "UTF-8"), ("cp1252", "Windows-1252"), ("latin-1", "ISO-8859-1")])
    separateur = models.CharField(_("séparateur du CSV"), max_length=1, default=";",
                                  choices=[(";", "point-virgule"), (",", "virgule"), ("\t", "tabulation"),
                                           ("|", "barre verticale")])
    domaine_ipp = models.CharField(_("domaine des IPP (espace de noms)"), max_length=60, blank=True)
    oid_ipp = models.CharField(_("OID du domaine des IPP"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("paramètres du DUI")

    def __str__(self) -> str:
        return f"DUI {self.etablissement_id}"


class EchangeDui(AvecCycle):
    """One import from or export to the DUI of an ESMS, with its counts; the trail of "changed since the last
    export" and of the import jobs run by `socle worker`."""

    class Sens(models.TextChoices):
        IMPORT = "import", _("Import")
        EXPORT = "export", _("Export")

    class Statut(models.TextChoices):
        EN_ATTENTE = "attente", _("En attente")
        EN_COURS = "en_cours", _("En cours")
        SIMULE = "simule", _("Simulé (rien d'enregistré)")
        TERMINE = "termine", _("Terminé")
        REFUSE = "refuse", _("Refusé (rien d'enregistré)")

    CYCLE = cycle(
        {
            Statut.EN_ATTENTE: [Statut.EN_COURS, Statut.REFUSE],
            Statut.EN_COURS: [Statut.SIMULE, Statut.TERMINE, Statut.REFUSE],
            Statut.SIMULE: [Statut.EN_COURS],
            Statut.TERMINE: [],
            Statut.REFUSE: [],
        },
        en_cours=[Statut.EN_COURS],
        finaux=[Statut.TERMINE, Statut.REFUSE],
        champ="statut",
        debut="debut",
        fin="fin",
        battement="battement",
        libelles=dict(Statut.choices),
    )

    etablissement = models.ForeignKey(Etablissement, on_delete=models.PROTECT, related_name="echanges_dui")
    sens = models.CharField(_("sens"), max_length=6, choices=Sens.choices)
    format = models.CharField(_("format"), max_length=5)
    nom_fichier = models.CharField(_("fichier"), max_length=255, blank=True)
    fichier = models.FileField(_("fichier déposé"), upload_to="imports/dui/%Y/%m/", blank=True)
    depuis = models.DateTimeField(_("modifiés depuis"), null=True, blank=True)
    statut = models.CharField(_("statut"), max_length=10, choices=Statut.choices, default=Statut.EN_ATTENTE)
    rapport = models.JSONField(_("rapport"), default=dict, blank=True)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)
    debut = models.DateTimeField(null=True, blank=True)
    fin = models.DateTimeField(null=True, blank=True)
    battement = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)

    class Meta:
        verbose_name = _("échange avec le DUI")
        verbose_name_plural = _("échanges avec le DUI")
        ordering = ["-cree_le", "-id"]

    def __str__(self) -> str:
        return f"{self.get_sens_display()} {self.format} {self.etablissement_id}"


class JetonApi(models.Model):
    """A read-only access token of one ESMS's DUI to the FHIR endpoint. Only its SHA-256 is stored: the token is
    shown once, at creation, by the administrateur technique."""

    etablissement = models.ForeignKey(Etablissement, on_delete=models.CASCADE, related_name="jetons_api")
    nom = models.CharField(_("nom (DUI, éditeur)"), max_length=100)
    empreinte = models.CharField(_("empreinte SHA-256"), max_length=64, unique=True)
    prefixe = models.CharField(_("début du jeton"), max_length=12)
    cree_par = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cree_le = models.DateTimeField(auto_now_add=True)
    expire_le = models.DateTimeField(_("expire le"))
    revoque_le = models.DateTimeField(_("révoqué le"), null=True, blank=True)
    dernier_usage = models.DateTimeField(_("dernier usage"), null=True, blank=True)

    class Meta:
        verbose_name = _("jeton d'accès API")
        verbose_name_plural = _("jetons d'accès API")
        ordering = ["-cree_le"]

    def __str__(self) -> str:
        return f"{self.nom} ({self.prefixe}…)"
