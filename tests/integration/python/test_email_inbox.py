"""The sent-mail inbox GET/DELETE /_aws/ses in LocalStack's shape (issue #5):
available with --test-mode (open, every account's mail) or --inbox (SigV4,
the caller's own account and Region), 404 otherwise; filters ?email= (to or
from) and ?id=; pages of ?limit= (default 100) with nextToken; DELETE clears
delivered and failed mail (204) but never drops undelivered mail.
Test mode, the inbox and any-credentials on a public listener need
--i-know-this-is-public."""

from __future__ import annotations

import datetime as dt

import subprocess

from conftest import ROOT_KEY, ROOT_SECRET, VOUCH_BIN, free_port, ses_client, uniq_email
from smtp_server import (
    MAIL_FROM,
    SUBJECT_PREFIX,
    SmtpServer,
    click,
    inbox,
    link_of,
    mail_args,
    vouch_json,
    wait_until,
)


def sent_states(srv):
    return [m["Status"] for m in inbox(srv)[1]["messages"]]


def test_inbox_shape_filters_and_clear(vouch_factory):
    smtp = SmtpServer().start()
    try:
        srv = vouch_factory.start(extra_args=mail_args(smtp.url))
        a, b = uniq_email("a"), uniq_email("b")
        ses_client(srv, region="eu-central-1").verify_email_identity(EmailAddress=a)
        ses_client(srv, region="us-east-1").verify_email_identity(EmailAddress=b)
        smtp.wait_for(count=2)
        wait_until(lambda: sent_states(srv) == ["sent", "sent"], timeout=5, what="both sent")

        status, doc = inbox(srv)
        assert status == 200, doc
        assert set(doc) == {"messages"}
        msgs = doc["messages"]
        assert len(msgs) == 2
        m = msgs[0]
        for key in ("Id", "Region", "Destination", "Source", "Subject", "Body", "Timestamp"):
            assert key in m, (key, m)
        assert isinstance(m["Id"], str) and m["Id"]
        assert m["Region"] == "eu-central-1"
        assert m["Destination"] == {"ToAddresses": [a]}
        assert m["Source"] == MAIL_FROM
        assert m["Subject"] == SUBJECT_PREFIX + "eu-central-1"
        assert set(m["Body"]) >= {"text_part", "html_part"}
        ts = dt.datetime.fromisoformat(m["Timestamp"].replace("Z", "+00:00"))
        assert abs((dt.datetime.now(dt.timezone.utc) - ts).total_seconds()) < 120
        # The inbox and the SMTP server saw the same message.
        arrived = smtp.received(a)[0]
        assert m["Body"]["text_part"].replace("\r\n", "\n") == arrived.text().replace("\r\n", "\n")
        assert link_of(arrived) in m["Body"]["text_part"]
        assert msgs[1]["Destination"] == {"ToAddresses": [b]}
        assert msgs[1]["Region"] == "us-east-1"
        assert msgs[0]["Id"] != msgs[1]["Id"]

        # Filters.
        only_a = inbox(srv, f"email={a}")[1]["messages"]
        assert [x["Destination"]["ToAddresses"] for x in only_a] == [[a]]
        assert len(inbox(srv, f"email={MAIL_FROM}")[1]["messages"]) == 2  # by sender
        assert inbox(srv, "email=nobody%40example.com")[1]["messages"] == []
        by_id = inbox(srv, f"id={msgs[1]['Id']}")[1]["messages"]
        assert [x["Id"] for x in by_id] == [msgs[1]["Id"]]
        assert inbox(srv, "id=999999")[1]["messages"] == []
        assert inbox(srv, "id=notanumber")[1]["messages"] == []
        assert inbox(srv, f"email={b}&id={msgs[0]['Id']}")[1]["messages"] == []

        # Clear.
        status, body = vouch_json(srv, "DELETE", "/_aws/ses", sign=False)
        assert status == 204, body
        assert inbox(srv) == (200, {"messages": []})
        # The links of cleared messages still work: clearing forgets the
        # messages, not the identities.
        assert click(link_of(arrived))[0] == 200
    finally:
        smtp.stop()


def test_inbox_lists_queued_mail_without_smtp(vouch_factory):
    srv = vouch_factory.start(extra_args=mail_args(None))
    email = uniq_email()
    ses_client(srv).verify_email_identity(EmailAddress=email)
    msgs = inbox(srv)[1]["messages"]
    assert len(msgs) == 1
    assert msgs[0]["Destination"]["ToAddresses"] == [email]
    # The link can be taken from the inbox (LocalStack style) and works.
    import re
    link = re.search(r"http://\S+/_vouch/verify-email\?token=\S+", msgs[0]["Body"]["text_part"]).group(0)
    # Clearing the inbox never drops undelivered mail.
    status, body = vouch_json(srv, "DELETE", "/_aws/ses", sign=False)
    assert status == 204, body
    msgs = inbox(srv)[1]["messages"]
    assert [(m["Destination"]["ToAddresses"], m["Status"]) for m in msgs] == [([email], "queued")]
    assert click(link)[0] == 200


def test_inbox_pages(vouch_factory):
    srv = vouch_factory.start(extra_args=mail_args(None))
    emails = [uniq_email(f"p{i}") for i in range(5)]
    for e in emails:
        ses_client(srv).verify_email_identity(EmailAddress=e)
    seen, token, pages = [], None, 0
    while True:
        status, doc = inbox(srv, "limit=2" + (f"&nextToken={token}" if token else ""))
        assert status == 200, doc
        assert len(doc["messages"]) <= 2
        seen += [m["Destination"]["ToAddresses"][0] for m in doc["messages"]]
        pages += 1
        token = doc.get("nextToken")
        if not token:
            break
    assert seen == emails
    assert pages == 3
    for bad in ("limit=0", "limit=1001", "limit=x", "nextToken=abc"):
        assert inbox(srv, bad)[0] == 400, bad
    assert len(inbox(srv, "limit=1000")[1]["messages"]) == 5


def test_inbox_with_inbox_flag_outside_test_mode(vouch_factory):
    """Outside test mode the inbox holds live links: SigV4 (ses), and only the
    caller's own account and Region."""
    srv = vouch_factory.start(extra_args=mail_args(None, test_mode=False, inbox=True))
    other_key, other_secret = "AKIAVOUCHINBOXOTHER1", "otherInboxSecretKey0123456789abcdefghijk"
    srv.account_add("210987654321", other_key, other_secret)
    email, west_email, theirs = uniq_email(), uniq_email("west"), uniq_email("theirs")
    ses_client(srv).verify_email_identity(EmailAddress=email)
    ses_client(srv, region="us-west-2").verify_email_identity(EmailAddress=west_email)
    ses_client(srv, key=other_key, secret=other_secret).verify_email_identity(EmailAddress=theirs)

    for method in ("GET", "DELETE"):
        status, doc = vouch_json(srv, method, "/_aws/ses", sign=False)
        assert status == 403, (method, status, doc)

    def signed(method="GET", region="us-east-1", key=ROOT_KEY, secret=ROOT_SECRET):
        return vouch_json(srv, method, "/_aws/ses", sign=True, service="ses", region=region,
                          key=key, secret=secret)

    status, doc = signed()
    assert status == 200, doc
    assert [m["Destination"]["ToAddresses"] for m in doc["messages"]] == [[email]]
    assert [m["Destination"]["ToAddresses"] for m in signed(region="us-west-2")[1]["messages"]] == [[west_email]]
    assert [m["Destination"]["ToAddresses"]
            for m in signed(key=other_key, secret=other_secret)[1]["messages"]] == [[theirs]]
    # A bad signature is refused.
    assert signed(secret="x" * 40)[0] == 403
    # DELETE (signed) keeps undelivered mail: nothing is lost.
    assert signed("DELETE")[0] == 204
    assert [m["Destination"]["ToAddresses"] for m in signed()[1]["messages"]] == [[email]]
    # Test-mode routes stay off.
    assert vouch_json(srv, "POST", "/_vouch/test/clock", {"advance_seconds": 1}, sign=False)[0] == 404


def serve_args(tmp_path, host: str, *flags) -> list:
    return [VOUCH_BIN, "serve", "--listen", f"{host}:{free_port()}", "--data", str(tmp_path),
            "--dns-resolver", "127.0.0.1:9", *flags]


def test_risky_options_on_a_public_listener_need_an_acknowledgement(tmp_path):
    for flag in ("--test-mode", "--inbox", "--insecure-any-credentials"):
        res = subprocess.run(serve_args(tmp_path, "0.0.0.0", flag), capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL)
        assert res.returncode == 2, (flag, res.returncode, res.stderr)
        assert f"{flag} on a listener others can reach (0.0.0.0) needs --i-know-this-is-public" in res.stderr


def test_acknowledged_public_listener_starts_with_a_warning(tmp_path):
    args = serve_args(tmp_path, "0.0.0.0", "--test-mode", "--i-know-this-is-public")
    port = int(args[3].rsplit(":", 1)[1])
    err = tmp_path / "stderr"
    with open(err, "wb") as f:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=f, stdin=subprocess.DEVNULL)
    try:
        def healthy():
            try:
                conn = __import__("http.client").client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/_vouch/health")
                return conn.getresponse().status == 200
            except OSError:
                return False
        wait_until(healthy, timeout=10, what="vouch healthy")
        assert "WARNING: --test-mode on 0.0.0.0" in err.read_text()
    finally:
        proc.terminate()
        proc.wait(10)


def test_inbox_is_404_without_test_mode_or_inbox(vouch_factory):
    smtp = SmtpServer().start()
    try:
        srv = vouch_factory.start(extra_args=mail_args(smtp.url, test_mode=False))
        email = uniq_email()
        ses_client(srv).verify_email_identity(EmailAddress=email)
        smtp.wait_for(to=email)  # mail still goes out
        for method in ("GET", "DELETE"):
            status, doc = vouch_json(srv, method, "/_aws/ses", sign=False)
            assert status == 404, (method, status, doc)
        status, doc = inbox(srv, f"email={email}")
        assert status == 404
    finally:
        smtp.stop()
