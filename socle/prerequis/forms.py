from django import forms
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Carte, Dui, Homologation, Lecteur, Mandataire, Statut

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MAX_PREUVE = 10 * 1024 * 1024
MAX_CERT = 1024 * 1024
EXTENSIONS_PREUVE = {"pdf", "png", "jpg", "jpeg", "odt", "ods", "docx", "xlsx", "txt", "eml", "msg", "zip"}


class EtapeForm(forms.Form):
    statut = forms.ChoiceField(label=_("Statut"), choices=Statut.choices)
    date_envoi = forms.DateField(label=_("Date d'envoi / de début"), required=False, widget=DATE)
    date_fait = forms.DateField(label=_("Date de réalisation"), required=False, widget=DATE)
    preuve = forms.FileField(label=_("Pièce justificative"), required=False)
    motif = forms.CharField(label=_("Motif (si non applicable)"), required=False, max_length=300)
    commentaire = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_preuve(self):
        f = self.cleaned_data.get("preuve")
        if f and f.size > MAX_PREUVE:
            raise forms.ValidationError(_("Pièce justificative trop volumineuse (10 Mo au plus)."))
        if f and f.name.rsplit(".", 1)[-1].lower() not in EXTENSIONS_PREUVE:
            raise forms.ValidationError(
                _("Type de fichier non accepté pour une pièce justificative ; formats admis : %(formats)s.")
                % {"formats": ", ".join(sorted(EXTENSIONS_PREUVE))})
        return f


class CarteForm(forms.ModelForm):
    class Meta:
        model = Carte
        fields = ["type", "canal", "titulaire_nom", "titulaire", "etablissement", "date_commande",
                  "date_inscription_rpps", "date_reception", "date_activation"]
        widgets = {f: DATE for f in ["date_commande", "date_inscription_rpps", "date_reception", "date_activation"]}

    def __init__(self, *args, organisme=None, utilisateurs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etablissement"].queryset = organisme.etablissements.order_by("nom")
        self.fields["etablissement"].label = _("Établissement")  # the model field has no French verbose name
        self.fields["titulaire"].queryset = utilisateurs
        self.fields["titulaire"].required = False

    def clean(self):
        d = super().clean()
        if not d.get("titulaire_nom") and not d.get("titulaire"):
            raise forms.ValidationError(_("Indiquez le titulaire (nom ou compte Socle)."))
        ordre = [("date_commande", _("commande")), ("date_reception", _("réception")),
                 ("date_activation", _("activation"))]
        for (a, la), (b, lb) in zip(ordre, ordre[1:], strict=False):
            if d.get(a) and d.get(b) and d[b] < d[a]:
                raise forms.ValidationError(_("La date de %(apres)s précède la date de %(avant)s.") % {"apres": lb, "avant": la})
        for erreur in rules.controler_carte(d.get("type") or "", d.get("canal") or "", d.get("date_inscription_rpps"),
                                            d.get("date_reception"), d.get("date_activation")):
            self.add_error(None, erreur)
        return d


class LecteurForm(forms.ModelForm):
    class Meta:
        model = Lecteur
        fields = ["etablissement", "modele", "nombre", "poste", "cryptolib_installee", "date_installation"]
        widgets = {"date_installation": DATE}

    def __init__(self, *args, organisme=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["etablissement"].queryset = organisme.etablissements.order_by("nom")
        self.fields["etablissement"].label = _("Établissement")


class CertificatForm(forms.Form):
    fichier = forms.FileField(label=_("Fichier du certificat (PEM, DER ou PKCS#12 .p12/.pfx)"))
    mot_de_passe = forms.CharField(label=_("Mot de passe (PKCS#12)"), required=False,
                                   widget=forms.PasswordInput(render_value=False))
    email_service = forms.EmailField(label=_("E-mail de service pour les rappels"), required=False)
    libelle = forms.CharField(label=_("Libellé"), required=False, max_length=200)

    def clean_fichier(self):
        f = self.cleaned_data["fichier"]
        if f.size > MAX_CERT:
            raise forms.ValidationError(_("Fichier trop volumineux pour un certificat (1 Mo au plus)."))
        return f


class HomologationForm(forms.ModelForm):
    class Meta:
        model = Homologation
        fields = ["date_commission", "membres", "decision", "duree_mois", "reserves", "rgpd_finalite",
                  "rgpd_base_legale", "rgpd_categories", "rgpd_destinataires", "rgpd_duree", "rgpd_date_inscription"]
        widgets = {"date_commission": DATE, "rgpd_date_inscription": DATE,
                   "membres": forms.Textarea(attrs={"rows": 3}), "reserves": forms.Textarea(attrs={"rows": 2})}


class MandataireForm(forms.ModelForm):
    class Meta:
        model = Mandataire
        fields = ["designation", "utilisateur", "commande_cartes", "gestionnaire_rpps", "date_designation"]
        widgets = {"date_designation": DATE}
        help_texts = {"designation": _("Une fonction (« responsable des systèmes d'information ») ou une personne "
                                       "nommée.")}

    def __init__(self, *args, utilisateurs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["utilisateur"].queryset = utilisateurs
        self.fields["utilisateur"].required = False

    def clean(self):
        d = super().clean()
        if not d.get("commande_cartes") and not d.get("gestionnaire_rpps"):
            raise forms.ValidationError(_("Cochez au moins un mandat : commande des cartes CPx et/ou gestionnaire "
                                          "RPPS+."))
        return d


class DuiForm(forms.ModelForm):
    class Meta:
        model = Dui
        fields = ["produit", "editeur", "referencement_segur", "date_commande_sons", "insi_certificat",
                  "alimentation_dmp", "mssante", "pro_sante_connect"]
        widgets = {"date_commande_sons": DATE}
        help_texts = {"insi_certificat": _("Coché : le DUI appelle l'INSi avec le certificat de l'organisme "
                                           "(certificat INSi et auto-homologation). Non coché : les personnes qui "
                                           "appellent l'INSi ont besoin d'une carte CPE et d'un lecteur."),
                      "alimentation_dmp": _("Coché : une paire de certificats (authentification et signature) "
                                            "est à commander.")}
