"""Optional PAdES signatures on certificates, with a key staff keep outside the repository.

The key is a PKCS#12 file named by GUIDE_SIGNING_KEY, opened with the
passphrase in GUIDE_SIGNING_PASSPHRASE. Neither value is ever printed, written
to the site or put in a cache key (only the certificate's fingerprint is).
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from .wording import tr

ENV_KEY = "GUIDE_SIGNING_KEY"
ENV_PASSPHRASE = "GUIDE_SIGNING_PASSPHRASE"
FIELD_NAME = "GuideCertificateSignature"


class SigningError(Exception):
    """The signing key was asked for but cannot be used."""


@dataclass
class SigningKey:
    path: Path
    passphrase: bytes = field(repr=False)
    fingerprint: str = ""            # SHA-256 of the signing certificate (DER)
    _signer: object = field(default=None, repr=False, compare=False)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_signer"] = None      # each process loads its own
        return state

    def signer(self):
        if self._signer is None:
            from pyhanko.sign import signers
            self._signer = signers.SimpleSigner.load_pkcs12(str(self.path), passphrase=self.passphrase)
            if self._signer is None:
                raise SigningError(tr("pyHanko cannot load the signing key named by %(variable)s", variable=ENV_KEY))
        return self._signer

    def sign(self, pdf: bytes) -> bytes:
        """The PDF with a PAdES baseline signature (an incremental update)."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason="Inclusion certificate of the Guide to Important Academic Conferences")
        out = signers.sign_pdf(writer, meta, signer=self.signer())
        return out.getvalue()


def signing_key_from_env(environ=None) -> SigningKey | None:
    """The key named in the environment, checked; None when signing is not asked for."""
    environ = os.environ if environ is None else environ
    name = environ.get(ENV_KEY, "").strip()
    if not name:
        return None
    if ENV_PASSPHRASE not in environ:
        raise SigningError(tr("%(variable)s is set but %(passphrase)s is not: give the key's passphrase",
                              variable=ENV_KEY, passphrase=ENV_PASSPHRASE))
    path = Path(name).expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SigningError(tr("cannot read the signing key named by %(variable)s: %(error)s",
                              variable=ENV_KEY, error=exc.strerror))
    passphrase = environ[ENV_PASSPHRASE].encode("utf-8")
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
    try:
        key, cert, _chain = pkcs12.load_key_and_certificates(data, passphrase or None)
    except (ValueError, TypeError):
        raise SigningError(tr("cannot open the signing key named by %(variable)s: "
                              "not a PKCS#12 file, or a wrong passphrase in %(passphrase)s",
                              variable=ENV_KEY, passphrase=ENV_PASSPHRASE))
    if key is None or cert is None:
        raise SigningError(tr("the PKCS#12 file named by %(variable)s holds no private key and certificate",
                              variable=ENV_KEY))
    fingerprint = hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()
    return SigningKey(path.resolve(), passphrase, fingerprint)
