"""Mail goes out encrypted by default (issue #11 point 6): STARTTLS or implicit TLS against a real
aiosmtpd server with a certificate made in the test, the certificate checked, never a silent fall
back to plain text; plain SMTP only when SMTP_SECURITY says so, and never a password over it to
another machine."""
from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import logging
import ssl
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from bot.adapters.mail import notify_booking
from bot.settings import SmtpSecurity, load_settings
from tests.integration.test_notify import Collector
from tests.mail_samples import BOOKING, make_settings
from tests.servers import free_port
from tests.support import settings_for

UTC = dt.timezone.utc




def self_signed(tmp_path: Path):
    """A certificate for 127.0.0.1 and its key, made with `cryptography`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    return context


@pytest.fixture
def certificate(tmp_path):
    return self_signed(tmp_path)


def started(controller: Controller) -> Controller:
    controller.start()
    return controller


def test_the_default_is_starttls_with_the_certificate_checked(profile, certificate):
    cert_path, key_path = certificate
    collector = Collector()
    controller = started(Controller(
        collector, hostname="127.0.0.1", port=free_port(), tls_context=server_context(cert_path, key_path),
        require_starttls=True, auth_required=True,
        authenticator=lambda *a: AuthResult(success=a[4].password == b"pw"),
    ))
    try:
        trusted = make_settings(smtp_port=controller.port, smtp_security=SmtpSecurity.STARTTLS,
                                smtp_ca_file=cert_path, smtp_user="u", smtp_password="pw")
        assert settings_for("sqlite://").smtp_security is SmtpSecurity.STARTTLS  # the default
        assert notify_booking(trusted, profile, BOOKING) is True
        # the same server, its certificate not trusted (the system CAs): nothing is sent
        untrusted = dataclasses.replace(trusted, smtp_ca_file=None)
        assert notify_booking(untrusted, profile, BOOKING) is False
        # plain text to a server that insists on STARTTLS: refused by the server
        assert notify_booking(dataclasses.replace(trusted, smtp_security=SmtpSecurity.PLAIN,
                                                  smtp_user=None), profile, BOOKING) is False
    finally:
        controller.stop()
    assert len(collector.envelopes) == 1


def test_starttls_is_required_not_optional(profile, caplog):
    """A server that does not offer STARTTLS gets nothing, and the log says why."""
    collector = Collector()
    controller = started(Controller(collector, hostname="127.0.0.1", port=free_port()))
    try:
        settings = make_settings(smtp_port=controller.port, smtp_security=SmtpSecurity.STARTTLS)
        with caplog.at_level(logging.ERROR, logger="bot.adapters.mail"):
            assert notify_booking(settings, profile, BOOKING) is False
        assert "does not offer STARTTLS" in caplog.text
        # the explicit setting for a local relay sends in plain text
        assert notify_booking(dataclasses.replace(settings, smtp_security=SmtpSecurity.PLAIN), profile,
                              BOOKING) is True
    finally:
        controller.stop()
    assert len(collector.envelopes) == 1


def test_implicit_tls(profile, certificate):
    cert_path, key_path = certificate
    collector = Collector()
    controller = started(Controller(collector, hostname="127.0.0.1", port=free_port(),  # SMTPS
                                    ssl_context=server_context(cert_path, key_path)))
    try:
        settings = make_settings(smtp_port=controller.port, smtp_security=SmtpSecurity.TLS, smtp_ca_file=cert_path)
        assert notify_booking(settings, profile, BOOKING) is True
        assert notify_booking(dataclasses.replace(settings, smtp_ca_file=None), profile, BOOKING) is False
    finally:
        controller.stop()
    assert len(collector.envelopes) == 1


def test_settings_refuse_a_password_over_plain_smtp_to_another_host(monkeypatch):
    monkeypatch.setenv("SMTP_HOST", "mail.example.com")
    monkeypatch.setenv("SMTP_USER", "clinic")
    monkeypatch.setenv("SMTP_SECURITY", "plain")
    with pytest.raises(ValueError, match="unencrypted"):
        load_settings()
    monkeypatch.setenv("SMTP_SECURITY", "ssl-please")
    with pytest.raises(ValueError, match="SMTP_SECURITY must be one of starttls, tls, plain"):
        load_settings()
    monkeypatch.delenv("SMTP_SECURITY")
    settings = load_settings()
    assert settings.smtp_security is SmtpSecurity.STARTTLS and settings.smtp_port == 25
    monkeypatch.setenv("SMTP_SECURITY", "tls")
    assert load_settings().smtp_port == 465
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_SECURITY", "plain")
    assert load_settings().smtp_security is SmtpSecurity.PLAIN  # a relay on this machine
