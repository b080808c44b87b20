"""Optional PAdES signatures: a throwaway key made here, the signature checked by pyHanko."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from guide.signing import ENV_KEY, ENV_PASSPHRASE

PASSPHRASE = "correct horse battery staple"


def throwaway_key(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Guide test signer"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    p12 = pkcs12.serialize_key_and_certificates(
        b"guide", key, cert, None, serialization.BestAvailableEncryption(PASSPHRASE.encode()))
    path = tmp_path / "signer.p12"
    path.write_bytes(p12)
    return path, cert


def test_certificates_carry_a_valid_pades_signature(project, tmp_path, monkeypatch):
    path, cert = throwaway_key(tmp_path)
    monkeypatch.setenv(ENV_KEY, str(path))
    monkeypatch.setenv(ENV_PASSPHRASE, PASSPHRASE)
    project.issue_certificates()
    result = project.build()
    assert result.ok, [p.format() for p in result.problems.items]
    assert result.pdfs.signed
    manifest = json.loads(project.page("certificates.json"))
    trust = ValidationContext(trust_roots=[asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))])
    for entry in manifest["certificates"]:
        data = (project.root / "site/certificates" / f"{entry['number']}.pdf").read_bytes()
        assert entry["signed"] and entry["sha256"] == hashlib.sha256(data).hexdigest()
        signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
        assert len(signatures) == 1
        assert signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
        status = validate_pdf_signature(signatures[0], trust)
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()
        assert status.coverage.name == "ENTIRE_FILE"
    # The signature does not leak the key's location or passphrase into the site.
    site = b"".join(project.site_snapshot().values())
    assert PASSPHRASE.encode() not in site and str(path).encode() not in site
    # Signed PDFs are cached like the others: a rebuild reuses the same signed bytes.
    before = {k: v for k, v in project.site_snapshot().items() if k.endswith(".pdf")}
    again = project.build()
    assert again.ok and again.pdfs.rendered == 0
    assert {k: v for k, v in project.site_snapshot().items() if k.endswith(".pdf")} == before


@pytest.mark.parametrize("passphrase, expected", [("wrong", "wrong passphrase"), (None, ENV_PASSPHRASE)])
def test_errors_on_unusable_signing_key(project, tmp_path, monkeypatch, passphrase, expected):
    path, _cert = throwaway_key(tmp_path)
    monkeypatch.setenv(ENV_KEY, str(path))
    if passphrase is None:
        monkeypatch.delenv(ENV_PASSPHRASE, raising=False)
    else:
        monkeypatch.setenv(ENV_PASSPHRASE, passphrase)
    project.issue_certificates()
    result = project.build()
    assert not result.ok
    hits = [p for p in result.problems.errors if p.code == "signing-key"]
    assert hits and expected in hits[0].message
    assert "wrong" not in hits[0].message.replace("wrong passphrase", "")  # the passphrase is never echoed
    assert not (project.root / "site").exists()
