"""The DMP round trip with the local stand-in, through the real client over mutual TLS: ITI-41 send, ITI-18
query, ITI-43 retrieve, RPLC replacement, ITI-57 masking; the VIHF's signature verified (a tampered or
untrusted VIHF is refused); XDS errors for bad input."""

import time

import pytest
from lxml import etree

from socle.connecteurs.commun.pki import AutoriteTest
from socle.connecteurs.dmp import ebxml, vihf
from socle.connecteurs.dmp.interface import APPROUVE, DEPRECIE, DmpErreurPermanente, DmpErreurTemporaire
from socle.connecteurs.dmp.pki import assurer_pki
from socle.connecteurs.dmp.standin import BouchonDmp
from tests.connecteurs.dmp_outils import INS_TEST, Organisation, client, dlu, n1_medico_social


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return assurer_pki(tmp_path_factory.mktemp("pki-dmp"))


@pytest.fixture
def bouchon(pki, tmp_path):
    with BouchonDmp(pki, tmp_path / "dmp.sqlite3") as b:
        yield b


@pytest.fixture(scope="module")
def ehpad(pki):
    return Organisation(pki, "EHPAD LES TILLEULS", "750000001")


@pytest.fixture(scope="module")
def autre(pki):
    return Organisation(pki, "SSIAD DU CANAL", "750000002")


def test_envoi_recherche_lecture_remplacement_masquage(bouchon, ehpad, autre):
    c = client(bouchon, ehpad)
    ctx = ehpad.contexte()
    cda = dlu()
    resultat = c.envoyer(cda, ctx)
    assert resultat.unique_id == "1.2.250.1.213.1.1.1.22.2022.1.1"
    assert any("à vérifier" in n for n in resultat.notes)  # the X04 row is flagged, not silently trusted

    # ITI-18: the entry as the registry holds it
    (fiche,) = c.rechercher(ctx)
    assert fiche.statut == APPROUVE and fiche.entry_uuid.startswith("urn:uuid:")
    assert (fiche.type_code.code, fiche.class_code.code, fiche.format_code.code) == (
        "74207-2", "11", "urn:asip:ci-sis:dlu:2015")
    assert (fiche.hcft.code, fiche.practice.code) == ("SA17", "ETABLISSEMENT")
    assert fiche.patient_id == f"{INS_TEST}^^^&1.2.250.1.213.1.4.10&ISO^NH"
    assert fiche.creation == "20200327143500"  # effectiveTime 15:35 +0100 in UTC
    assert fiche.auteurs[0].identifiant == "801234567897" and fiche.auteurs[0].nom == "BOILEAU"

    # ITI-43: the very bytes sent (MTOM both ways)
    doc = c.recuperer(fiche.unique_id, ctx, fiche.repository_id)
    assert doc.contenu == cda and doc.mime == "text/xml"

    # RPLC: version 2 of the document replaces the first entry, which becomes Deprecated
    v2 = dlu("2", version="2")
    c.envoyer(v2, ctx, remplace=fiche.entry_uuid)
    (courante,) = c.rechercher(ctx)
    assert courante.unique_id == "1.2.250.1.213.1.1.1.22.2022.1.1^2"
    statuts = {f.unique_id: f.statut for f in c.rechercher(ctx, tous_statuts=True)}
    assert statuts == {fiche.unique_id: DEPRECIE, courante.unique_id: APPROUVE}

    # ITI-57: masked to professionals — still visible to its author's structure, hidden from another one
    masquee = c.masquer(courante, ("MASQUE_PS",), ctx)
    assert masquee.version == "2"
    (vue,) = c.rechercher(ctx)
    assert vue.masquage == ("MASQUE_PS",) and vue.version == "2"
    c_autre = client(bouchon, autre)
    assert c_autre.rechercher(autre.contexte()) == []
    with pytest.raises(DmpErreurPermanente) as exc:
        c_autre.recuperer(vue.unique_id, autre.contexte())
    assert exc.value.code == "XDSMissingDocument"
    # another structure may not unmask it
    with pytest.raises(DmpErreurPermanente) as exc:
        c_autre.masquer(vue, (), autre.contexte())
    assert exc.value.code == "XDSMetadataUpdateError"
    # unmasking by the author, with the current version: visible again
    c.masquer(vue, (), ctx)
    (visible,) = c_autre.rechercher(autre.contexte())
    assert visible.masquage == () and visible.version == "3"
    # a stale version (PreviousVersion 2 while 3 is current) is refused
    with pytest.raises(DmpErreurPermanente) as exc:
        c.masquer(vue, ("MASQUE_PS",), ctx)
    assert exc.value.code == "XDSMetadataVersionError"


def test_document_non_structure_pdf(bouchon, ehpad):
    c = client(bouchon, ehpad)
    cda = n1_medico_social()
    c.envoyer(cda, ehpad.contexte())
    (fiche,) = c.rechercher(ehpad.contexte())
    assert fiche.format_code.code == "urn:ihe:iti:xds-sd:pdf:2008"
    assert fiche.type_code.code == "28653-4"
    assert c.recuperer(fiche.unique_id, ehpad.contexte()).contenu == cda


def test_meme_document_deux_fois_refuse(bouchon, ehpad):
    c = client(bouchon, ehpad)
    c.envoyer(dlu(), ehpad.contexte())
    with pytest.raises(DmpErreurPermanente) as exc:
        c.envoyer(dlu(), ehpad.contexte())
    assert exc.value.code == "XDSDocumentUniqueIdError"
    assert bouchon.registre.compter() == 1


def _vihf_altere(monkeypatch, alteration):
    vrai = vihf.construire

    def construire(*args, **kwargs):
        return alteration(vrai(*args, **kwargs))

    monkeypatch.setattr(vihf, "construire", construire)


def test_vihf_altere_refuse(bouchon, ehpad, monkeypatch):
    def changer_structure(assertion):
        for av in assertion.iter(f"{{{vihf.NS_SAML}}}AttributeValue"):
            if av.text == "1750000001":
                av.text = "1750000999"  # after signing: the digest no longer matches
        return assertion

    _vihf_altere(monkeypatch, changer_structure)
    with pytest.raises(DmpErreurPermanente) as exc:
        client(bouchon, ehpad).envoyer(dlu(), ehpad.contexte())
    assert exc.value.code == "wsse:FailedAuthentication"
    assert "altéré" in str(exc.value)
    assert bouchon.registre.compter() == 0
    assert bouchon.journal.appels[-1].resultat == "wsse:FailedAuthentication"


def test_vihf_sans_signature_refuse(bouchon, ehpad, monkeypatch):
    def retirer_signature(assertion):
        sig = assertion.find(f"{{{vihf.NS_DS}}}Signature")
        assertion.remove(sig)
        return assertion

    _vihf_altere(monkeypatch, retirer_signature)
    with pytest.raises(DmpErreurPermanente) as exc:
        client(bouchon, ehpad).rechercher(ehpad.contexte())
    assert exc.value.code == "wsse:FailedAuthentication"


def test_vihf_signe_par_une_autre_autorite_refuse(bouchon, pki):
    etrangere = Organisation(pki, "EHPAD LES TILLEULS", autorite=AutoriteTest.creer("AC INCONNUE"))
    with pytest.raises(DmpErreurPermanente) as exc:
        client(bouchon, etrangere).envoyer(dlu(), etrangere.contexte())
    assert "autorité de confiance" in str(exc.value)
    assert bouchon.registre.compter() == 0


def test_vihf_d_une_autre_structure_que_le_certificat_tls_refuse(bouchon, ehpad, autre):
    melange = Organisation.__new__(Organisation)
    melange.__dict__.update(ehpad.__dict__)
    melange.certificats = {"DMP-AUTH": ehpad.certificats["DMP-AUTH"], "DMP-SIGN": autre.certificats["DMP-SIGN"]}
    with pytest.raises(DmpErreurPermanente) as exc:
        client(bouchon, melange).rechercher(ehpad.contexte())
    assert "même structure" in str(exc.value)


def test_certificat_tls_d_une_autre_autorite_refuse(bouchon, ehpad):
    from tests.connecteurs.dmp_outils import materiel

    ac = AutoriteTest.creer("AC INCONNUE")
    intrus = Organisation.__new__(Organisation)
    intrus.__dict__.update(ehpad.__dict__)
    intrus.certificats = {**ehpad.certificats, "DMP-AUTH": materiel(*ac.emettre("DMP-AUTH", organisation="X"), "x")}
    with pytest.raises(DmpErreurPermanente) as exc:
        client(bouchon, intrus).rechercher(ehpad.contexte())
    assert exc.value.code == "tls"
    # the stand-in records the refused handshake in its own thread, possibly after the client saw the failure
    for _ in range(50):
        if bouchon.journal.refus_tls:
            break
        time.sleep(0.1)
    assert bouchon.journal.refus_tls


def test_sans_certificat_rien_n_est_envoye(bouchon, ehpad):
    sans_signature = Organisation.__new__(Organisation)
    sans_signature.__dict__.update(ehpad.__dict__)
    sans_signature.certificats = {"DMP-AUTH": ehpad.certificats["DMP-AUTH"]}
    with pytest.raises(DmpErreurPermanente) as exc:
        client(bouchon, sans_signature).envoyer(dlu(), ehpad.contexte())
    assert exc.value.code == "certificat_absent"
    assert bouchon.journal.appels == []


def test_patient_du_lot_different_xds_patient_id_does_not_match(bouchon, ehpad):
    c = client(bouchon, ehpad)
    from socle.connecteurs.dmp.metadonnees import fiche_depuis_cda

    cda = dlu()
    fiche = fiche_depuis_cda(cda)
    corps = ebxml.provide_and_register(fiche, source_id="1.2.3", ss_unique_id="1.2.3.4", contenu=fiche.hcft,
                                       cid="d@t")
    for ident in corps.iter(ebxml.R("ExternalIdentifier")):
        if ident.get("identificationScheme") == ebxml.IDENT["ss_patient"]:
            ident.set("value", "123456789012345^^^&1.2.250.1.213.1.4.10&ISO^NH")
    reponse = c._appeler("ITI-41", c.configuration.url_repository, corps, ehpad.contexte(), {"d@t": (cda, "text/xml")})
    codes = [e.code for e in ebxml.lire_erreurs(reponse.corps)]
    assert codes == ["XDSPatientIdDoesNotMatch"]
    assert reponse.corps.get("status") == ebxml.ECHEC


def test_jeton_d_un_autre_patient_refuse(bouchon, ehpad):
    c = client(bouchon, ehpad)
    cda = dlu()
    from socle.connecteurs.dmp.metadonnees import fiche_depuis_cda

    fiche = fiche_depuis_cda(cda)
    corps = ebxml.provide_and_register(fiche, source_id="1.2.3", ss_unique_id="1.2.3.4", contenu=fiche.hcft, cid="d@t")
    reponse = c._appeler("ITI-41", c.configuration.url_repository, corps, ehpad.contexte(ins="180032B020401"),
                         {"d@t": (cda, "text/xml")})
    assert "XDSPatientIdDoesNotMatch" in [e.code for e in ebxml.lire_erreurs(reponse.corps)]


def test_cda_non_conforme_au_schema_refuse(bouchon, ehpad):
    cda = dlu().replace(b"<languageCode", b"<elementInconnu/><languageCode", 1)
    with pytest.raises(DmpErreurPermanente) as exc:
        client(bouchon, ehpad).envoyer(cda, ehpad.contexte())
    assert exc.value.code == "XDSRegistryError"
    assert "XSD" in str(exc.value) and "elementInconnu" in str(exc.value)


def test_cda_sans_entete_ci_sis_refuse(bouchon, ehpad):
    cda = dlu().replace(b'<templateId root="1.2.250.1.213.1.1.1.1"/>', b"", 1)
    with pytest.raises(DmpErreurPermanente) as exc:
        client(bouchon, ehpad).envoyer(cda, ehpad.contexte())
    assert "1.2.250.1.213.1.1.1.1" in str(exc.value)


def test_valideur_supplementaire_du_bouchon(pki, tmp_path, ehpad):
    with BouchonDmp(pki, tmp_path / "v.sqlite3", valideurs_cda=[lambda cda: ["[Entete] règle de test violée"]]) as b:
        with pytest.raises(DmpErreurPermanente) as exc:
            client(b, ehpad).envoyer(dlu(), ehpad.contexte())
    assert "règle de test violée" in str(exc.value)


def test_delai_depasse_erreur_temporaire(pki, tmp_path, ehpad):
    import time

    def lent(cda):
        time.sleep(1.5)
        return []

    with BouchonDmp(pki, tmp_path / "l.sqlite3", valideurs_cda=[lent]) as b:
        with pytest.raises(DmpErreurTemporaire) as exc:
            client(b, ehpad, timeout=0.5).envoyer(dlu(), ehpad.contexte())
    assert exc.value.reessayable and exc.value.code == "delai"


def test_action_inconnue_faute_soap(bouchon, ehpad):
    c = client(bouchon, ehpad)
    corps = etree.Element("x")
    from socle.connecteurs.dmp import soap

    env = soap.enveloppe("urn:inconnue", corps)
    r = c.session().post(c.configuration.url_registre, data=etree.tostring(env),
                         headers={"Content-Type": "application/soap+xml"}, timeout=5)
    assert r.status_code == 400
    assert soap.lire_faute(soap.lire(r.content, r.headers["Content-Type"]).enveloppe)[1] == "wsa:ActionNotSupported"
