"""The sent-mail inbox GET/DELETE /_aws/ses in LocalStack's shape (issue #5):
available with --test-mode or --inbox, 404 otherwise; filters ?email= (to or
from) and ?id=; DELETE clears it (204)."""

from __future__ import annotations

import datetime as dt

from conftest import ses_client, uniq_email
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
    assert click(link)[0] == 200


def test_inbox_with_inbox_flag_outside_test_mode(vouch_factory):
    srv = vouch_factory.start(extra_args=mail_args(None, test_mode=False, inbox=True))
    email = uniq_email()
    ses_client(srv).verify_email_identity(EmailAddress=email)
    status, doc = inbox(srv)
    assert status == 200
    assert [m["Destination"]["ToAddresses"] for m in doc["messages"]] == [[email]]
    # Test-mode routes stay off.
    assert vouch_json(srv, "POST", "/_vouch/test/clock", {"advance_seconds": 1}, sign=False)[0] == 404


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
