"""Demo of the prerequisites cockpit: the grappe at different stages.

OG 0 has done every step (with evidence and INSI-AUTO and INSI-MANU certificates valid three years, its ESMS's
DUI calling INSi by certificate and feeding the DMP); OG 1 waits for its contract and CDE card (filed ten days
ago); OG 2 has not started; OG 3 is half way, with an INSI-AUTO certificate expiring in 20 days (to show the
alerts), one ESMS whose DUI calls INSi with CPE cards (the card branch) and a mandataire for card orders. Dates are relative to today, so each run gives the
same picture; re-running refreshes states without duplicates.

The INSi certificates are issued by the local INSi stand-in's test CA (its data folder), with the OG's name as
organisation and a distinct serial number: the demo's INS batches and admission calls run against the
stand-in with each OG's own certificate. The signature certificate comes from a throw-away fictitious CA.
"""

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.serialization import pkcs12
from django.core.files.base import ContentFile
from django.utils import timezone

from socle.comptes.models import Utilisateur
from socle.connecteurs.commun.pki import en_p12, fabriquer
from socle.connecteurs.insi.standin import pki_locale

from .catalogue import ORDRE
from .homologation import ITEMS
from .models import Carte, Certificat, Dui, EtatEtape, Homologation, Jalon, Lecteur, Mandataire, Statut
from .services import IDS_ESMS, IDS_OG, enregistrer_certificat

MDP_DEMO = "demo-certificat-2026"


def _etat(og, eid, statut, jour, envoi_il_y_a=0, fait_il_y_a=None, et=None) -> None:
    envoi = jour - timedelta(days=envoi_il_y_a) if statut in (Statut.EN_COURS, Statut.FAIT) else None
    fait = jour - timedelta(days=fait_il_y_a) if statut == Statut.FAIT else None
    etat, _ = EtatEtape.objects.update_or_create(
        organisme=og, etablissement=et, etape=eid,
        defaults={"statut": statut, "date_envoi": envoi, "date_fait": fait, "motif_non_applicable": ""})
    if statut == Statut.FAIT and not etat.preuve:
        etat.preuve.save(f"preuve-demo-{eid}.txt", ContentFile(
            f"Pièce justificative fictive (démo Socle) pour l'étape {eid}.\n".encode()), save=True)


def _emis_par_le_bouchon(certificat: Certificat, pki) -> bool:
    try:
        cert = pkcs12.load_key_and_certificates(bytes(certificat.contenu), MDP_DEMO.encode())[1]
    except ValueError:
        return False
    return cert is not None and pki.autorite().a_emis(cert)


def _certificat(og, cn, debut, jours, libelle, serial, usage="auth") -> None:
    """Deposit (as the OG's administrateur technique would) a PKCS#12 protected by MDP_DEMO. INSi ones are
    issued by the stand-in's CA (re-issued if the stand-in's PKI was regenerated since)."""
    insi = cn in ("INSI-AUTO", "INSI-MANU") and usage == "auth"
    pki = None
    if insi:
        pki = pki_locale()
    existant = Certificat.objects.filter(organisme=og, libelle=libelle).first()
    if existant and existant.not_before.date() == debut.date() and (not insi or _emis_par_le_bouchon(existant, pki)):
        return
    Certificat.objects.filter(organisme=og, libelle=libelle).delete()
    if insi:
        cert, key = pki.emettre_certificat(cn, og.raison_sociale[:60], serie=serial, debut=debut, jours=jours)
    else:
        cert, key = fabriquer(cn, usage=usage, debut=debut, jours=jours, organisation=og.raison_sociale[:60],
                              serial=serial)
    enregistrer_certificat(og, en_p12(cert, key, MDP_DEMO), f"{cn.lower()}-demo.p12", MDP_DEMO,
                           "informatique@demo.invalid", libelle)


def peupler(ctx) -> None:
    jour = timezone.localdate()
    og0, og1, og2, og3 = ctx.organismes[:4]
    Jalon.assurer_defauts()
    # the demo grappe's own milestone, set (not "à confirmer") by its chef de projet
    Jalon.objects.update_or_create(code="demo_copil", grappe=ctx.grappe, organisme=None, defaults={
        "libelle": "Comité de pilotage de la grappe (démo) : contrat et carte CDE", "programme": "ESMS Numérique",
        "date_cible": jour + timedelta(days=5), "etapes": ["contrat_cde", "cde_reception"], "a_confirmer": False})
    EtatEtape.objects.filter(organisme__in=[og1, og2, og3]).delete()

    # OG 0: everything done, dates spread over the past months along the DAG.
    recul = {eid: 200 - 12 * i for i, eid in enumerate(ORDRE)}
    for eid in IDS_OG:
        _etat(og0, eid, Statut.FAIT, jour, recul[eid] + 5, recul[eid])
    for et in og0.etablissements.all():
        for eid in IDS_ESMS:
            _etat(og0, eid, Statut.FAIT, jour, recul[eid] + 3, recul[eid], et=et)
    debut = datetime.combine(jour - timedelta(days=30), datetime.min.time(), tzinfo=UTC)
    _certificat(og0, "INSI-AUTO", debut, 3 * 365, "Certificat INSi démo (AUTH_CLI)", 0xDE0001)
    _certificat(og0, "INSI-MANU", debut, 3 * 365, "Certificat INSi démo, appels manuels (AUTH_CLI)", 0xDE0004)
    _certificat(og0, "SIGNATURE-DEMO", debut, 3 * 365, "Certificat de signature démo (SIGN)", 0xDE0002, "sign")
    _certificat(og0, "DMP-DEMO", debut, 3 * 365, "Certificat d'authentification DMP démo (AUTH_CLI)", 0xDE0005)
    h, _ = Homologation.objects.get_or_create(organisme=og0)
    h.checklist = {c: {"ok": True, "note": "vérifié (démo)"} for c in ITEMS}
    h.date_commission = jour - timedelta(days=recul["homologation"])
    h.membres = "Camille DÉMO-DIRECTRICE, représentante légale\nHugo DÉMO-INFORMATIQUE, administrateur technique\n" \
                "DPO de l'organisme"
    h.decision = "homologue"
    h.rgpd_finalite = "Identification des usagers par l'INS qualifiée"
    h.rgpd_base_legale = "Obligation légale (art. L. 1111-8-1 CSP)"
    h.rgpd_categories = "Traits d'identité, matricule INS"
    h.rgpd_destinataires = "Professionnels de l'ESMS habilités"
    h.rgpd_duree = "Durée de la prise en charge"
    h.rgpd_date_inscription = h.date_commission
    h.save()

    # OG 1: contract and CDE card filed ten days ago (6 to 16 days): everything else waits on it.
    _etat(og1, "finess", Statut.FAIT, jour, 40, 38)
    _etat(og1, "contrat_cde", Statut.EN_COURS, jour, 10)
    # OG 2: nothing started.
    # OG 3: half way: contract and CDE, mandataires, card order done; RPPS+ and homologation in progress; two
    # sites equipped.
    for eid, envoi, fait in [("finess", 90, 88), ("contrat_cde", 85, 70), ("cde_reception", 58, 57),
                             ("mandataires", 55, 50), ("cpx_commande", 48, 30)]:
        _etat(og3, eid, Statut.FAIT, jour, envoi, fait)
    _etat(og3, "gestionnaires_rpps", Statut.EN_COURS, jour, 20)
    _etat(og3, "homologation", Statut.EN_COURS, jour, 30)
    ets3 = list(og3.etablissements.order_by("finess"))
    for et in ets3[:2]:
        _etat(og3, "lecteurs", Statut.FAIT, jour, 50, 45, et=et)
    if len(ets3) > 2:
        EtatEtape.objects.update_or_create(organisme=og3, etablissement=ets3[-1], etape="premier_insi", defaults={
            "statut": Statut.NON_APPLICABLE, "motif_non_applicable": "Résidence autonomie sans DUI (démo)"})
    debut3 = datetime.combine(jour - timedelta(days=3 * 365 - 20), datetime.min.time(), tzinfo=UTC)
    _certificat(og3, "INSI-AUTO", debut3, 3 * 365, "Ancien certificat INSi (démo, expire bientôt)", 0xDE0003)

    # Cards and readers.
    Carte.objects.filter(organisme__in=[og0, og1, og3]).delete()
    directrice = Utilisateur.objects.filter(username="directrice").first()
    Carte.objects.create(organisme=og0, type="CDE", titulaire=directrice, titulaire_nom="Camille DÉMO-DIRECTRICE",
                         date_commande=jour - timedelta(days=150), date_reception=jour - timedelta(days=140),
                         date_activation=jour - timedelta(days=139))
    for i, et in enumerate(og0.etablissements.order_by("finess")[:4]):  # CPE holders are not in RPPS+
        Carte.objects.create(organisme=og0, etablissement=et, type="CPE", canal="F301",
                             titulaire_nom=f"Agent DÉMO-{i + 1}", date_commande=jour - timedelta(days=100),
                             date_reception=jour - timedelta(days=85), date_activation=jour - timedelta(days=80))
    premier0 = og0.etablissements.order_by("finess").first()
    Carte.objects.create(organisme=og0, etablissement=premier0, type="CPS", canal="F201",
                         titulaire_nom="Infirmière DÉMO-COORDINATRICE", date_commande=jour - timedelta(days=100),
                         date_inscription_rpps=jour - timedelta(days=95), date_reception=jour - timedelta(days=85),
                         date_activation=jour - timedelta(days=80))
    Carte.objects.create(organisme=og1, type="CDE", canal="DS", titulaire_nom="Directeur DÉMO-FONDATION",
                         date_commande=jour - timedelta(days=10))
    Carte.objects.create(organisme=og3, type="CDE", canal="DS", titulaire_nom="Directrice DÉMO-CCAS",
                         date_commande=jour - timedelta(days=69), date_reception=jour - timedelta(days=57),
                         date_activation=jour - timedelta(days=56))
    Lecteur.objects.filter(etablissement__organisme__in=[og0, og3]).delete()
    for et in og0.etablissements.order_by("finess"):
        Lecteur.objects.create(etablissement=et, modele="Lecteur PC/SC bi-fente (démo)", nombre=2, poste="Accueil",
                               cryptolib_installee=True, date_installation=jour - timedelta(days=120))
    for et in ets3[:2]:
        Lecteur.objects.create(etablissement=et, modele="Lecteur PC/SC bi-fente (démo)", nombre=1, poste="Admission",
                               cryptolib_installee=True, date_installation=jour - timedelta(days=45))
    # DUI records: OG 0 calls INSi by certificate and feeds the DMP; OG 3's first site calls INSi with CPE cards.
    Dui.objects.filter(etablissement__organisme__in=[og0, og3]).delete()
    for et in og0.etablissements.order_by("finess"):
        Dui.objects.create(etablissement=et, produit="Dossier usager DÉMO", editeur="Éditeur DÉMO",
                           referencement_segur="Vague 2 (démo)", date_commande_sons=jour - timedelta(days=300),
                           insi_certificat=True, alimentation_dmp=True, mssante=True, pro_sante_connect=True)
    if ets3:
        Dui.objects.create(etablissement=ets3[0], produit="Logiciel DÉMO ancien", editeur="Autre éditeur DÉMO",
                           insi_certificat=False, mssante=True)
    Mandataire.objects.filter(organisme=og3).delete()
    Mandataire.objects.create(organisme=og3, designation="Responsable des systèmes d'information (démo)",
                              commande_cartes=True, gestionnaire_rpps=False, date_designation=jour - timedelta(days=50))
    ctx.notes.append(f"Prérequis (/prerequis/) : {og0.raison_sociale} a tout fait ; {og1.raison_sociale} attend sa "
                     f"carte CDE ; {og2.raison_sociale} n'a pas commencé ; {og3.raison_sociale} est à mi-parcours.")
