"""The API's TLS certificate: self-signed, made once per data dir, valid for the loopback names.

The API must be HTTPS because kubectl (client-go) sends a bearer token only over TLS. The
certificate is its own CA: clients trust it with ``--certificate-authority <data dir>/tls.crt``
(graceroll's CLI does so by itself) or skip verification with ``--insecure-skip-tls-verify``.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 3650


def ensure_certificate(cert: Path, key: Path, host: str, now: float) -> None:
    """Create ``cert``/``key`` (valid from ``now``, epoch seconds) unless both exist and name ``host``."""
    if cert.exists() and key.exists() and _names(cert, host):
        return
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graceroll engine")])
    start = datetime.datetime.fromtimestamp(now, datetime.UTC)
    alt: list[x509.GeneralName] = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]
    if host not in ("localhost", "127.0.0.1", "0.0.0.0"):
        alt.append(_general_name(host))
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - datetime.timedelta(minutes=5))
        .not_valid_after(start + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx


def _names(cert: Path, host: str) -> bool:
    try:
        c = x509.load_pem_x509_certificate(cert.read_bytes())
        alt = c.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    if host in ("0.0.0.0", "localhost", "127.0.0.1"):
        return True
    return _general_name(host) in list(alt)


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)
