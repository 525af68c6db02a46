"""The platform CA, agencies' signing keys, PAdES signing and validation (pyHanko).

- The platform CA (ECDSA P-256 key + self-signed certificate) is generated on first use under
  settings.ZHIFA_CA_DIR (default VAR_DIR/keys/ca/), the key file with mode 0600. It is the trust root of every
  verification; it lives outside the database so that a database administrator cannot swap it.
- Each agency gets an ECDSA P-256 key (file under settings.ZHIFA_AGENCY_KEY_DIR, default VAR_DIR/keys/agencies/)
  and a certificate issued by the CA (CN = O = agency name, serialNumber = 统一社会信用代码) on first use.
- Signatures are PAdES B-B (ETSI.CAdES.detached, SHA-256). No timestamp authority exists offline, so the signing
  time is the one the platform recorded (also on the ledger); validation is done at that moment.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhifa.documents import events

CA_VALIDITY = dt.timedelta(days=365 * 20)
AGENCY_CERT_VALIDITY = dt.timedelta(days=365 * 2)
CA_KEY_FILE = "ca-key.pem"
CA_CERT_FILE = "ca-cert.pem"


class SigningUnavailable(Exception):
    """The key material needed to sign is missing or unusable (the caller turns this into a DomainError)."""


def ca_dir() -> Path:
    return Path(getattr(settings, "ZHIFA_CA_DIR", Path(settings.VAR_DIR) / "keys" / "ca"))


def agency_key_dir() -> Path:
    return Path(getattr(settings, "ZHIFA_AGENCY_KEY_DIR", Path(settings.VAR_DIR) / "keys" / "agencies"))


def _write_private(path: Path, data: bytes) -> None:
    """Write a new private key file readable by the owner only; never overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(path.parent, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())


@contextmanager
def _dir_lock(directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


@dataclass(frozen=True)
class PlatformCA:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def fingerprint(self) -> str:
        return self.cert.fingerprint(hashes.SHA256()).hex()

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.cert.public_bytes(serialization.Encoding.DER))


_ca_cache: dict[str, PlatformCA] = {}


def platform_ca() -> PlatformCA:
    """The platform CA, generated on first use (under a file lock, so concurrent first uses agree)."""
    directory = ca_dir()
    cached = _ca_cache.get(str(directory))
    if cached is not None and (directory / CA_CERT_FILE).exists():
        return cached
    key_path, cert_path = directory / CA_KEY_FILE, directory / CA_CERT_FILE
    with _dir_lock(directory):
        if not key_path.exists():
            if cert_path.exists():
                raise SigningUnavailable(f"平台根证书私钥缺失：{key_path}")
            key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "zhifa 行政执法平台"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "zhifa 行政执法平台文书签章根证书"),
                ]
            )
            now = timezone.now()
            cert = (
                x509.CertificateBuilder()
                .subject_name(name)
                .issuer_name(name)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + CA_VALIDITY)
                .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
                .add_extension(_key_usage(sign=False, ca=True), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .sign(key, hashes.SHA256())
            )
            _write_private(
                key_path,
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                ),
            )
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        try:
            key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        except (OSError, ValueError) as exc:
            raise SigningUnavailable(f"平台根证书无法读取：{exc}") from exc
    ca = PlatformCA(key=key, cert=cert)
    _ca_cache[str(directory)] = ca
    return ca


def issue_agency_certificate(agency) -> tuple[bytes, x509.Certificate]:
    """A new agency key (PEM, PKCS#8) and its certificate issued by the platform CA."""
    ca = platform_ca()
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.name),
            x509.NameAttribute(NameOID.COMMON_NAME, agency.name),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, agency.uscc),
        ]
    )
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + AGENCY_CERT_VALIDITY, ca.cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
        .sign(ca.key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, cert


def ensure_agency_key(agency):
    """The agency's current signing key; issues one (key file + certificate) on first use or after revocation
    or expiry. Joins the caller's transaction; the agency row is locked so that concurrent first uses agree."""
    from zhifa.documents.models import AgencySigningKey
    from zhifa.ledger.services import SYSTEM, append
    from zhifa.registry.models import Agency

    now = timezone.now()

    def current():
        return (
            AgencySigningKey.objects.filter(
                agency=agency, revoked_at__isnull=True, valid_from__lte=now, valid_until__gt=now
            )
            .order_by("-valid_from")
            .first()
        )

    key = current()
    if key is not None:
        return key
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=agency.pk).first()
        key = current()
        if key is not None:
            return key
        pem, cert = issue_agency_certificate(agency)
        fingerprint = cert.fingerprint(hashes.SHA256()).hex()
        key_file = f"{agency.pk}-{fingerprint[:24]}.pem"
        _write_private(agency_key_dir() / key_file, pem)
        key = AgencySigningKey.objects.create(
            agency=agency,
            certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
            fingerprint=fingerprint,
            serial=format(cert.serial_number, "x"),
            key_file=key_file,
            valid_from=cert.not_valid_before_utc,
            valid_until=cert.not_valid_after_utc,
        )
        append(
            events.SIGNING_KEY_ISSUED,
            actor=SYSTEM,
            subject=key,
            payload={
                "agency": agency.pk,
                "fingerprint": fingerprint,
                "serial": key.serial,
                "ca_fingerprint": platform_ca().fingerprint,
                "valid_until": key.valid_until,
            },
        )
        return key


def _signer(signing_key):
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    path = agency_key_dir() / signing_key.key_file
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SigningUnavailable(f"机关签章私钥无法读取（{signing_key.key_file}）：{exc}") from exc
    cert = x509.load_pem_x509_certificate(signing_key.certificate_pem.encode())
    if private.public_key().public_numbers() != cert.public_key().public_numbers():
        raise SigningUnavailable("机关签章私钥与证书不匹配。")
    der_key = private.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([platform_ca().asn1]),
    )


def sign_pdf(pdf: bytes, signing_key, *, reason: str, location: str, name: str) -> bytes:
    """PAdES B-B signature over the whole PDF (one incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    signer = _signer(signing_key)
    meta = signers.PdfSignatureMetadata(
        field_name="AgencySeal",
        md_algorithm="sha256",
        subfilter=SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        name=name,
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


@dataclass
class SignatureCheck:
    present: bool = False
    intact: bool = False
    valid: bool = False
    trusted: bool = False
    covers_whole_file: bool = False
    signer_fingerprint: str = ""
    signer_subject: str = ""
    summary: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.present and self.intact and self.valid and self.trusted and self.covers_whole_file


def check_pdf_signature(data: bytes, *, moment: dt.datetime | None = None) -> SignatureCheck:
    """Validate the PDF's (single) signature against the platform CA as the only trust root."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import SignatureCoverageLevel, validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    result = SignatureCheck()
    try:
        reader = PdfFileReader(io.BytesIO(data))
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged file is a verification failure, not a crash
        result.problems.append(f"PDF无法解析：{exc}")
        return result
    if len(signatures) != 1:
        result.problems.append(f"应有1个签章，实际为{len(signatures)}个。")
        if not signatures:
            return result
    result.present = True
    context = ValidationContext(
        trust_roots=[platform_ca().asn1], allow_fetching=False, revocation_mode="soft-fail", moment=moment
    )
    try:
        status = validate_pdf_signature(signatures[0], context)
    except Exception as exc:
        result.problems.append(f"签章验证出错：{exc}")
        return result
    result.intact, result.valid, result.trusted = status.intact, status.valid, status.trusted
    result.covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    cert = status.signing_cert
    result.signer_fingerprint = hashlib.sha256(cert.dump()).hexdigest()
    result.signer_subject = cert.subject.human_friendly
    result.summary = status.summary()
    if not result.intact:
        result.problems.append("签章覆盖的内容已被改动。")
    if not result.valid:
        result.problems.append("签名值无效。")
    if not result.trusted:
        result.problems.append("签章证书不是由本平台根证书签发，或证书已失效。")
    if not result.covers_whole_file:
        result.problems.append("签章之后文件被追加了内容。")
    return result
