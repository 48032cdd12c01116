"""Delivery of verification mail through a real SMTP server (aiosmtpd) when
things go wrong (issue #5): the server down at first and up later (retry
after 5 s, delivered exactly once), 5xx replies (permanent failure, the reply
kept and shown by the admin API), a restart of vouch with undelivered mail,
4xx replies (retried).

Delivery retries follow the real clock (first retry after 5 s), so the tests
that need one wait at most ~12 s.
"""

from __future__ import annotations

import subprocess
import time

import pytest

from conftest import VOUCH_BIN, ses_client, uniq_email
from smtp_server import (
    SmtpServer,
    claim_of,
    click,
    free_port,
    link_of,
    mail_args,
    rebase,
    self_signed_tls_context,
    wait_until,
)

FIRST_RETRY = 5.0  # DeliveryOptions::first_retry


def mail_state(srv, email: str) -> list[dict]:
    return claim_of(srv, email)["mail"]


def first_attempt_failed(srv, email: str):
    mail = mail_state(srv, email)
    return mail if mail and mail[0]["attempts"] >= 1 else None


def test_server_down_then_up_delivers_exactly_once(vouch_factory):
    port = free_port()
    srv = vouch_factory.start(extra_args=mail_args(f"smtp://127.0.0.1:{port}"))
    ses = ses_client(srv)
    email = uniq_email("later")
    t0 = time.monotonic()
    ses.verify_email_identity(EmailAddress=email)
    # The first attempt finds nothing listening: queued, with the error kept.
    mail = wait_until(lambda: first_attempt_failed(srv, email), timeout=5, what="first attempt")
    assert len(mail) == 1
    assert mail[0]["state"] == "queued", mail
    assert mail[0]["attempts"] == 1, mail
    assert mail[0]["last_error"], mail
    assert "connect" in mail[0]["last_error"].lower(), mail
    assert mail[0]["sent_at"] is None
    smtp = SmtpServer(port=port).start()
    try:
        msg = smtp.wait_for(to=email, timeout=FIRST_RETRY + 7)
        took = time.monotonic() - t0
        assert took >= FIRST_RETRY - 0.5, f"retried after {took:.1f}s, before the backoff"
        mail = wait_until(lambda: [m for m in mail_state(srv, email) if m["state"] == "sent"],
                          timeout=5, what="state sent")
        assert mail[0]["attempts"] == 2, mail
        assert mail[0]["last_error"] == "", mail
        assert mail[0]["sent_at"]
        # Nothing more arrives (no duplicate from a second sender or a retry).
        time.sleep(1.5)
        assert len(smtp.received()) == 1, [(m.rcpt_tos, m.message["Message-ID"]) for m in smtp.received()]
        assert click(link_of(msg))[0] == 200
        assert ses.get_identity_verification_attributes(Identities=[email])[
            "VerificationAttributes"][email]["VerificationStatus"] == "Success"
    finally:
        smtp.stop()


@pytest.mark.parametrize("stage", ["RCPT", "DATA"])
def test_smtp_550_is_a_permanent_failure_shown_by_admin_api(vouch_factory, stage):
    reply = "550 5.1.1 Mailbox unavailable: no such user here"
    kw = {"rcpt_reply": reply} if stage == "RCPT" else {"data_reply": reply}
    smtp = SmtpServer(**kw).start()
    try:
        srv = vouch_factory.start(extra_args=mail_args(smtp.url))
        ses = ses_client(srv)
        email = uniq_email("bounce")
        ses.verify_email_identity(EmailAddress=email)
        mail = wait_until(lambda: [m for m in mail_state(srv, email) if m["state"] != "queued"],
                          timeout=8, what="a final state")
        assert mail[0]["state"] == "failed", mail
        assert mail[0]["attempts"] == 1, mail
        assert mail[0]["sent_at"] is None
        assert "550" in mail[0]["last_error"], mail
        assert "no such user here" in mail[0]["last_error"], (
            f"last_error lacks the server's reply text: {mail[0]['last_error']!r}")
        # The admin API answers with any SigV4 service name.
        for service in ("ses", "execute-api", "anything"):
            assert claim_of(srv, email, service=service)["mail"][0]["state"] == "failed"
        # Not retried.
        attempts = list(smtp.rcpt_attempts) if stage == "RCPT" else smtp.data_attempts
        time.sleep(1.2)
        assert (list(smtp.rcpt_attempts) if stage == "RCPT" else smtp.data_attempts) == attempts
        assert smtp.received() == []
        # The identity itself is still pending: a new Verify tries again.
        assert ses.get_identity_verification_attributes(Identities=[email])[
            "VerificationAttributes"][email]["VerificationStatus"] == "Pending"
        smtp.rcpt_reply = smtp.data_reply = None
        ses.verify_email_identity(EmailAddress=email)
        smtp.wait_for(to=email, timeout=5)
        states = sorted(m["state"] for m in wait_until(
            lambda: [m for m in mail_state(srv, email)] if all(
                m["state"] != "queued" for m in mail_state(srv, email)) else None,
            timeout=5, what="second message sent"))
        assert states == ["failed", "sent"]
    finally:
        smtp.stop()


def test_smtp_4xx_is_retried(vouch_factory):
    email = uniq_email("greylisted")
    smtp = SmtpServer(rcpt_reply="450 4.2.0 Greylisted, try again later").start()
    try:
        srv = vouch_factory.start(extra_args=mail_args(smtp.url))
        ses_client(srv).verify_email_identity(EmailAddress=email)
        mail = wait_until(lambda: first_attempt_failed(srv, email), timeout=5, what="first attempt")
        assert mail[0]["state"] == "queued", mail
        assert "450" in mail[0]["last_error"], mail
        smtp.rcpt_reply = None  # greylisting over
        smtp.wait_for(to=email, timeout=FIRST_RETRY + 7)
        mail = wait_until(lambda: [m for m in mail_state(srv, email) if m["state"] == "sent"],
                          timeout=5, what="state sent")
        assert mail[0]["attempts"] == 2
        assert len(smtp.received()) == 1
    finally:
        smtp.stop()


def test_restart_with_undelivered_mail_delivers_it(vouch_factory):
    port = free_port()
    srv = vouch_factory.start(extra_args=mail_args(f"smtp://127.0.0.1:{port}"))
    ses = ses_client(srv)
    email = uniq_email("restart")
    ses.verify_email_identity(EmailAddress=email)
    wait_until(lambda: first_attempt_failed(srv, email), timeout=5, what="first attempt")
    assert srv.stop() == 0  # SIGTERM: a clean exit with the message still queued
    smtp = SmtpServer(port=port).start()
    try:
        time.sleep(0.3)
        assert smtp.received() == [], "delivered by a stopped vouch"
        srv.start()
        msg = smtp.wait_for(to=email, timeout=FIRST_RETRY + 7)
        mail = wait_until(lambda: [m for m in mail_state(srv, email) if m["state"] == "sent"],
                          timeout=5, what="state sent")
        assert mail[0]["attempts"] == 2, mail
        time.sleep(1.0)
        assert len(smtp.received()) == 1
        # The link still works (on the restarted server's port: the default
        # public URL follows --listen, which the harness picks afresh).
        link = link_of(msg)
        assert click(rebase(link, srv.endpoint))[0] == 200
        assert ses_client(srv).get_identity_verification_attributes(Identities=[email])[
            "VerificationAttributes"][email]["VerificationStatus"] == "Success"
    finally:
        smtp.stop()


def test_no_smtp_url_keeps_mail_queued_and_says_so(vouch_factory):
    srv = vouch_factory.start(extra_args=mail_args(None, test_mode=True))
    email = uniq_email("nosmtp")
    ses_client(srv).verify_email_identity(EmailAddress=email)
    time.sleep(0.5)
    mail = mail_state(srv, email)
    assert [(m["state"], m["attempts"]) for m in mail] == [("queued", 0)], mail
    srv.restart()
    assert "cannot be delivered" in srv.stderr_text(), srv.stderr_text()


# --------------------------------------------------------------------------
# STARTTLS (--smtp-starttls)


@pytest.mark.parametrize("mode", [None, "opportunistic", "off"])
def test_starttls_is_used_when_offered_unless_off(vouch_factory, tmp_path, mode):
    # The server's certificate is self-signed: opportunistic TLS encrypts
    # without verifying it (a relay's default certificate must not stop mail).
    smtp = SmtpServer(tls_context=self_signed_tls_context(tmp_path)).start()
    try:
        extra = ["--smtp-starttls", mode] if mode else []
        srv = vouch_factory.start(extra_args=mail_args(smtp.url, extra=extra))
        email = uniq_email("tls")
        ses_client(srv).verify_email_identity(EmailAddress=email)
        msg = smtp.wait_for(to=email, timeout=8)
        assert msg.tls == (mode != "off"), mode
        assert click(link_of(msg))[0] == 200
    finally:
        smtp.stop()


def test_required_starttls_without_the_offer_sends_nothing_and_retries(vouch_factory):
    smtp = SmtpServer().start()  # no STARTTLS
    try:
        srv = vouch_factory.start(extra_args=mail_args(smtp.url, extra=["--smtp-starttls", "required"]))
        email = uniq_email("notls")
        ses_client(srv).verify_email_identity(EmailAddress=email)
        mail = wait_until(lambda: first_attempt_failed(srv, email), timeout=5, what="first attempt")
        assert mail[0]["state"] == "queued", mail  # transient: retried
        assert "STARTTLS" in mail[0]["last_error"], mail
        assert smtp.rcpt_attempts == [] and smtp.received() == []
        # The same server, opportunistic: delivered in plain text.
        srv.stop()
        plain = vouch_factory.start(extra_args=mail_args(smtp.url))
        other = uniq_email("plain")
        ses_client(plain).verify_email_identity(EmailAddress=other)
        assert smtp.wait_for(to=other, timeout=8).tls is False
    finally:
        smtp.stop()


def test_required_starttls_verifies_the_certificate(vouch_factory, tmp_path):
    smtp = SmtpServer(tls_context=self_signed_tls_context(tmp_path)).start()
    try:
        # Not signed by a CA the system trusts: nothing is sent.
        srv = vouch_factory.start(extra_args=mail_args(smtp.url, extra=["--smtp-starttls", "required"]))
        email = uniq_email("untrusted")
        ses_client(srv).verify_email_identity(EmailAddress=email)
        mail = wait_until(lambda: first_attempt_failed(srv, email), timeout=5, what="first attempt")
        assert mail[0]["state"] == "queued", mail
        assert "certificate" in mail[0]["last_error"].lower(), mail
        assert smtp.rcpt_attempts == [] and smtp.received() == []
        srv.stop()
        # Trusted through --smtp-ca-file: delivered over TLS.
        trusted = vouch_factory.start(extra_args=mail_args(smtp.url, extra=[
            "--smtp-starttls", "required", "--smtp-ca-file", str(tmp_path / "smtp-cert.pem")]))
        other = uniq_email("trusted")
        ses_client(trusted).verify_email_identity(EmailAddress=other)
        assert smtp.wait_for(to=other, timeout=8).tls is True
    finally:
        smtp.stop()


def test_credentials_without_required_starttls_are_refused_at_start(vouch_factory):
    srv = vouch_factory.create()
    res = subprocess.run([VOUCH_BIN, "serve", "--listen", "127.0.0.1:0", "--data", str(srv.data_dir),
                          "--smtp-url", "smtp://user:pw@127.0.0.1:25", "--smtp-starttls", "off"],
                         capture_output=True, text=True, timeout=20, env=srv.server_env())
    assert res.returncode != 0
    assert "--smtp-starttls off would let the password in --smtp-url travel in clear" in res.stderr
    # An unreadable CA file is refused at start too (every send would fail on it).
    res = subprocess.run([VOUCH_BIN, "serve", "--listen", "127.0.0.1:0", "--data", str(srv.data_dir),
                          "--smtp-url", "smtp://127.0.0.1:25", "--smtp-ca-file", "/nonexistent/ca.pem"],
                         capture_output=True, text=True, timeout=20, env=srv.server_env())
    assert res.returncode != 0
    assert "cannot read --smtp-ca-file /nonexistent/ca.pem" in res.stderr, res.stderr
