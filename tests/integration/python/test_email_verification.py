"""Email identity verification end to end (issue #5): vouch sends the message
to a real SMTP server on loopback (aiosmtpd), the test reads it there, and
clicks the link as a person does: GET shows a page with a Confirm button
(and changes nothing: mail scanners fetch every link), POST confirms.

The message: From = --mail-from, To, the AWS Subject RFC 2047-encoded,
multipart/alternative text + HTML, a Message-ID, and one link in both parts.
The link: verifies once (200), then 410; expired (test clock past 24 h) 410
and the identity Failed; forged 400; replaced by a re-verify 400; dead after
the identity is deleted (400).
"""

from __future__ import annotations

import http.client
import re
import urllib.parse

import pytest

from conftest import ROOT_KEY, ROOT_SECRET, ses_client, uniq_email
from smtp_server import (
    MAIL_FROM,
    SUBJECT_PREFIX,
    SmtpServer,
    advance_clock,
    claim_of,
    click,
    confirm,
    link_of,
    open_link,
    mail_args,
    run_due_checks,
    token_of,
    wait_until,
)

DAY = 24 * 3600
VERIFIED = "verified"  # the admin API's name for Success


@pytest.fixture
def smtp():
    srv = SmtpServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def vouch(vouch_factory, smtp):
    """vouch in test mode, mailing through `smtp`."""
    return vouch_factory.start(extra_args=mail_args(smtp.url))


def status_of(ses, email: str) -> str | None:
    attrs = ses.get_identity_verification_attributes(Identities=[email])["VerificationAttributes"]
    return attrs.get(email, {}).get("VerificationStatus")


def test_message_headers_body_and_working_link(vouch, smtp):
    ses = ses_client(vouch, region="eu-west-1")
    email = uniq_email("alice")
    ses.verify_email_identity(EmailAddress=email)
    msg = smtp.wait_for(to=email)

    # Envelope.
    assert msg.mail_from == MAIL_FROM
    assert msg.rcpt_tos == [email]
    # Headers.
    m = msg.message
    assert m["From"] == MAIL_FROM
    assert m["To"] == email
    raw_subject = m.get("Subject").__str__()  # decoded by the policy
    assert raw_subject == SUBJECT_PREFIX + "eu-west-1"
    raw_headers = msg.data.split(b"\r\n\r\n", 1)[0].decode("ascii")  # 7-bit only
    subject_line = re.search(r"^Subject:(.*(?:\r\n[ \t].*)*)", raw_headers, re.M).group(1)
    assert "=?UTF-8?B?" in subject_line.upper(), subject_line  # RFC 2047 encoded-word
    assert "\u2013" not in subject_line
    for word in re.findall(r"=\?[^?]+\?[BbQq]\?[^?]*\?=", subject_line):
        assert len(word) <= 75, f"RFC 2047 encoded-word over 75 characters: {word}"
    for line in raw_headers.split("\r\n"):
        assert len(line) <= 78, f"header line over 78 characters: {line!r}"
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", m["Message-ID"]), m["Message-ID"]
    assert m["Date"] is not None and m["Date"].datetime is not None
    assert m["MIME-Version"] == "1.0"
    # Body: multipart/alternative, text then HTML.
    assert m.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in m.iter_parts()]
    assert parts == ["text/plain", "text/html"], parts
    assert "eu-west-1" in msg.text()
    link = link_of(msg)  # one link, the same in both parts
    assert link.startswith(vouch.endpoint + "/_vouch/verify-email?token="), link

    assert status_of(ses, email) == "Pending"
    status, page = click(link)
    assert status == 200, page
    assert email in page and "verified" in page.lower()
    assert status_of(ses, email) == "Success"
    assert email in ses.list_verified_email_addresses()["VerifiedEmailAddresses"]
    assert email in ses.list_identities(IdentityType="EmailAddress")["Identities"]
    # The admin API shows the message as sent, once. The SMTP server holds the
    # message before the sender hears its reply and records it: wait for that.
    assert claim_of(vouch, email, region="eu-west-1")["status"] == VERIFIED

    def attempted():
        mail = claim_of(vouch, email, region="eu-west-1")["mail"]
        return mail if all(m["attempts"] > 0 for m in mail) else None

    mail = wait_until(attempted, timeout=10, what="the message recorded as attempted")
    assert [(x["state"], x["attempts"], x["last_error"]) for x in mail] == [("sent", 1, "")], mail
    assert mail[0]["sent_at"]
    assert len(smtp.received(email)) == 1


def test_the_link_is_for_this_region_only(vouch, smtp):
    """The same address in two regions: two messages, each link verifies its own region."""
    east, west = ses_client(vouch, region="us-east-1"), ses_client(vouch, region="us-west-2")
    email = uniq_email("tworegions")
    east.verify_email_identity(EmailAddress=email)
    west.verify_email_identity(EmailAddress=email)
    msgs = smtp.wait_for(to=email, count=2)
    by_region = {m.message["Subject"].rsplit(" ", 1)[1]: link_of(m) for m in msgs}
    assert set(by_region) == {"us-east-1", "us-west-2"}
    assert click(by_region["us-west-2"])[0] == 200
    assert status_of(west, email) == "Success"
    assert status_of(east, email) == "Pending"


def test_public_url_is_the_base_of_the_link(vouch_factory, smtp):
    srv = vouch_factory.start(extra_args=mail_args(
        smtp.url, extra=["--public-url", "https://verify.vouch.example:8443/base"]))
    email = uniq_email()
    ses_client(srv).verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    assert link.startswith("https://verify.vouch.example:8443/base/_vouch/verify-email?token="), link


def test_link_is_single_use(vouch, smtp):
    ses = ses_client(vouch)
    email = uniq_email()
    ses.verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    assert click(link)[0] == 200
    status, page = click(link)
    assert status == 410, page
    assert "already" in page.lower()
    assert status_of(ses, email) == "Success"
    history = claim_of(vouch, email)["history"]
    assert len([h for h in history if h["to"] == VERIFIED]) == 1, history


def test_forged_links_are_refused_and_change_nothing(vouch, smtp):
    ses = ses_client(vouch)
    email = uniq_email()
    ses.verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    token = token_of(link)
    base = link[: link.index("token=") + len("token=")]
    payload, mac = token.split(".")
    flipped = lambda s, i: s[:i] + ("A" if s[i] != "A" else "B") + s[i + 1:]
    forgeries = [
        flipped(payload, 3) + "." + mac,         # payload changed
        payload + "." + flipped(mac, 0),         # MAC changed
        payload + "." + flipped(mac, len(mac) - 1),
        payload,                                  # MAC missing
        payload + ".",
        "." + mac,
        token[:-1],
        "garbage",
        "a" * 600,
    ]
    for forged in forgeries:
        status, page = click(base + forged)
        assert status == 400, (forged, status, page)
        assert "not valid" in page
    assert click(base.replace("?token=", "?nothing="))[0] == 400
    assert click(base)[0] == 400  # empty token
    assert status_of(ses, email) == "Pending"
    # The real link still works afterwards.
    assert click(link)[0] == 200
    assert status_of(ses, email) == "Success"


def test_link_refuses_other_methods(vouch, smtp):
    email = uniq_email()
    ses_client(vouch).verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    for method in ("PUT", "DELETE", "PATCH"):
        assert open_link(link, method=method)[0] == 405, method
    assert confirm(link, token="")[0] == 400  # a POST without the token
    assert status_of(ses_client(vouch), email) == "Pending"
    assert click(link)[0] == 200


def test_opening_the_link_never_verifies(vouch, smtp):
    """Mail scanners and link previews send HEAD and GET to every link: only
    the POST of the page's Confirm button verifies."""
    ses = ses_client(vouch)
    email = uniq_email("scanned")
    ses.verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    for _ in range(3):
        assert open_link(link, method="HEAD")[0] == 200
        status, page = open_link(link)
        assert status == 200, page
        assert email in page
        assert '<form method="post" action="verify-email">' in page
        assert ">Confirm</button>" in page
    assert status_of(ses, email) == "Pending"
    assert not [h for h in claim_of(vouch, email)["history"] if h["to"] == VERIFIED]
    # The page cannot be framed, cached or leak the link through Referer.
    parts = urllib.parse.urlsplit(link)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.request("GET", parts.path + "?" + parts.query)
    resp = conn.getresponse()
    resp.read()
    conn.close()
    assert resp.getheader("X-Frame-Options") == "DENY"
    assert "frame-ancestors 'none'" in resp.getheader("Content-Security-Policy")
    assert resp.getheader("Cache-Control") == "no-store"
    assert resp.getheader("Referrer-Policy") == "no-referrer"
    # Positive control: pressing Confirm verifies.
    status, page = confirm(link)
    assert status == 200, page
    assert "successfully verified" in page
    assert status_of(ses, email) == "Success"
    # Opening it again afterwards still changes nothing and says it was used.
    assert open_link(link)[0] == 410
    assert open_link(link, method="HEAD")[0] == 410


def test_cross_site_confirmation_is_refused(vouch, smtp):
    ses = ses_client(vouch)
    email = uniq_email("csrf")
    ses.verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    for headers in ({"Origin": "https://evil.example"},
                    {"Origin": "null"},
                    {"Sec-Fetch-Site": "cross-site", "Origin": None},
                    {"Sec-Fetch-Site": "cross-site"}):
        status, page = confirm(link, headers=headers)
        assert status == 403, (headers, status, page)
    assert status_of(ses, email) == "Pending"
    # A client that sends no Origin (not a browser) holds the token itself: fine.
    assert confirm(link, headers={"Origin": None, "Sec-Fetch-Site": None})[0] == 200
    assert status_of(ses, email) == "Success"


def test_repeats_within_the_cooldown_send_one_message(vouch, smtp):
    """No mail cannon: repeated Verify* calls for one address within the
    cooldown (default 5 minutes) succeed and send nothing new."""
    ses = ses_client(vouch)
    email, other = uniq_email("cannon"), uniq_email("control")
    for i in range(20):
        if i % 2:
            ses.verify_email_address(EmailAddress=email)
        else:
            ses.verify_email_identity(EmailAddress=email)
    ses.delete_identity(Identity=email)  # deleting and verifying again is no way around it
    ses.verify_email_identity(EmailAddress=email)
    ses.verify_email_identity(EmailAddress=other)  # positive control: another address
    smtp.wait_for(to=other)
    with pytest.raises(AssertionError):
        smtp.wait_for(to=email, count=2, timeout=1.5)
    assert len(smtp.received(email)) == 1
    assert status_of(ses, email) == "Pending"


def test_expired_link_is_refused_and_identity_failed(vouch, smtp):
    ses = ses_client(vouch)
    email = uniq_email()
    ses.verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    advance_clock(vouch, DAY - 60)
    assert status_of(ses, email) == "Pending"  # not yet
    advance_clock(vouch, 61)
    # GetIdentityVerificationAttributes reports Failed by itself past 24 h...
    assert status_of(ses, email) == "Failed"
    status, page = click(link)
    assert status == 410, page
    assert "expired" in page.lower()
    assert status_of(ses, email) == "Failed"
    # ...and run-due-checks records it.
    run_due_checks(vouch)
    assert status_of(ses, email) == "Failed"
    assert click(link)[0] == 410
    assert email not in ses.list_verified_email_addresses()["VerifiedEmailAddresses"]


def test_link_just_before_expiry_works(vouch, smtp):
    ses = ses_client(vouch)
    email = uniq_email()
    ses.verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    advance_clock(vouch, DAY - 5)
    assert click(link)[0] == 200
    assert status_of(ses, email) == "Success"
    advance_clock(vouch, 10 * DAY)
    assert status_of(ses, email) == "Success"  # verified addresses do not expire
    assert click(link)[0] == 410


def test_repeated_verify_resends(vouch_factory, smtp):
    # Without the per-recipient cooldown a repeat sends again at once.
    vouch = vouch_factory.start(extra_args=mail_args(smtp.url, extra=["--mail-cooldown", "0"]))
    ses = ses_client(vouch)
    email = uniq_email()
    ses.verify_email_identity(EmailAddress=email)
    first = smtp.wait_for(to=email)
    ses.verify_email_address(EmailAddress=email)  # the older operation, same effect
    msgs = smtp.wait_for(to=email, count=2)
    assert msgs[0].message["Message-ID"] != msgs[1].message["Message-ID"]
    assert first.message["Message-ID"] == msgs[0].message["Message-ID"]
    assert status_of(ses, email) == "Pending"
    # Either message's link verifies (the identity's window is the same).
    assert click(link_of(msgs[1]))[0] == 200
    assert status_of(ses, email) == "Success"
    # Verify of a verified address sends nothing more.
    ses.verify_email_identity(EmailAddress=email)
    with pytest.raises(AssertionError):
        smtp.wait_for(to=email, count=3, timeout=1.5)
    assert status_of(ses, email) == "Success"


def test_reverify_of_failed_address_sends_a_new_link(vouch, smtp):
    ses = ses_client(vouch)
    email = uniq_email()
    ses.verify_email_identity(EmailAddress=email)
    old_link = link_of(smtp.wait_for(to=email))
    advance_clock(vouch, DAY + 1)
    run_due_checks(vouch)
    assert status_of(ses, email) == "Failed"

    ses.verify_email_identity(EmailAddress=email)
    assert status_of(ses, email) == "Pending"  # reopened
    msgs = smtp.wait_for(to=email, count=2)
    new_link = link_of(msgs[1])
    assert new_link != old_link
    status, page = click(old_link)
    assert status in (400, 410), page  # the old link stops working...
    assert status == 400, "an old link replaced by a newer one is invalid, not expired"
    assert status_of(ses, email) == "Pending"  # ...and changes nothing
    assert click(new_link)[0] == 200
    assert status_of(ses, email) == "Success"
    assert click(old_link)[0] in (400, 410)


def test_deleting_the_identity_invalidates_its_link(vouch_factory, smtp):
    # No cooldown, so that verifying again sends the new link at once.
    vouch = vouch_factory.start(extra_args=mail_args(smtp.url, extra=["--mail-cooldown", "0"]))
    ses = ses_client(vouch)
    email = uniq_email()
    ses.verify_email_identity(EmailAddress=email)
    link = link_of(smtp.wait_for(to=email))
    ses.delete_identity(Identity=email)
    status, page = click(link)
    assert status == 400, page
    assert status_of(ses, email) is None
    assert email not in ses.list_identities()["Identities"]
    # Verifying again makes a new identity whose link is not the old one.
    ses.verify_email_identity(EmailAddress=email)
    new_link = link_of(smtp.wait_for(to=email, count=2)[1])
    assert new_link != link
    assert click(link)[0] == 400
    assert status_of(ses, email) == "Pending"
    assert click(new_link)[0] == 200


def test_verified_link_of_one_account_does_not_touch_another(vouch, smtp):
    other_key, other_secret = "AKIAVOUCHMAILOTHER01", "otherMailSecretKey0123456789abcdefghijkl"
    vouch.account_add("210987654321", other_key, other_secret)
    mine, theirs = ses_client(vouch), ses_client(vouch, key=other_key, secret=other_secret)
    email = uniq_email()
    mine.verify_email_identity(EmailAddress=email)
    smtp.wait_for(to=email)  # one at a time: concurrent deliveries may arrive in any order
    theirs.verify_email_identity(EmailAddress=email)
    msgs = smtp.wait_for(to=email, count=2)
    links = [link_of(m) for m in msgs]
    assert links[0] != links[1]
    assert click(links[1])[0] == 200
    assert status_of(theirs, email) == "Success"
    assert status_of(mine, email) == "Pending"
