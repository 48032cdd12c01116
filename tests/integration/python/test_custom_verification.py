"""Custom verification email templates (issue 15 item 6) through boto3 `ses`
and `sesv2` and `aws ses`: every operation and its errors in both APIs, one
template store seen by both, paging to the last page, the 50-template limit;
SendCustomVerificationEmail puts the template's message (its From, subject
and content, then the link) through the real SMTP sink, and the link's click
verifies and lands (303) on the SuccessRedirectionURL; an expired or used
link lands on the FailureRedirectionURL.
"""

from __future__ import annotations

import http.client
import urllib.parse

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ROOT_KEY, ROOT_SECRET, check_client_error, run_cli, ses_client, uniq, uniq_email
from smtp_server import SmtpServer, advance_clock, click, link_of, mail_args

OK_URL = "https://app.example.com/verified"
FAIL_URL = "https://app.example.com/failed?reason=link"
CONTENT = ("<html><head></head><body style=\"font-family:sans-serif\"><h1>Welcome to Example</h1>"
           "<p>One last step: confirm your address.</p></body></html>")


@pytest.fixture
def smtp():
    srv = SmtpServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def vouch(vouch_factory, smtp):
    return vouch_factory.start(extra_args=mail_args(smtp.url))


def v2_client(srv, region: str = "us-east-1"):
    return boto3.session.Session().client(
        "sesv2", endpoint_url=srv.endpoint, region_name=region, aws_access_key_id=ROOT_KEY,
        aws_secret_access_key=ROOT_SECRET,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                      connect_timeout=5, read_timeout=20))


def expect(fn, code: str, status: int, message: str | None = None, **kwargs) -> None:
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    check_client_error(ei.value, code, status, message)


def verified_sender(vouch, smtp, region: str = "us-east-1") -> str:
    """An address verified the plain way (VerifyEmailIdentity and its link)."""
    sender = uniq_email("sender")
    ses_client(vouch, region=region).verify_email_identity(EmailAddress=sender)
    status, page = click(link_of(smtp.wait_for(to=sender)))
    assert status == 200, page
    return sender


def template(name: str, sender: str, **over) -> dict:
    t = {"TemplateName": name, "FromEmailAddress": sender, "TemplateSubject": "Confirm your address",
         "TemplateContent": CONTENT, "SuccessRedirectionURL": OK_URL,
         "FailureRedirectionURL": FAIL_URL}
    t.update(over)
    return t


def follow(link: str) -> tuple[int, str | None]:
    """GET the link as a browser does, without following the redirect."""
    parts = urllib.parse.urlsplit(link)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", parts.path + "?" + parts.query)
        resp = conn.getresponse()
        resp.read()
        return resp.status, resp.getheader("Location")
    finally:
        conn.close()


def all_pages(list_fn, size_key: str, size: int) -> tuple[list[str], int]:
    """Every template name, following NextToken to the last page, and how many pages."""
    seen, pages, token = [], 0, None
    while True:
        page = list_fn(**{size_key: size}, **({"NextToken": token} if token else {}))
        seen += [t["TemplateName"] for t in page["CustomVerificationEmailTemplates"]]
        pages += 1
        token = page.get("NextToken")
        if not token:
            return seen, pages


def status_of(ses, email: str) -> str | None:
    attrs = ses.get_identity_verification_attributes(Identities=[email])["VerificationAttributes"]
    return attrs.get(email, {}).get("VerificationStatus")


def test_v1_lifecycle_and_errors(vouch, smtp):
    ses = ses_client(vouch)
    sender = verified_sender(vouch, smtp)
    name = uniq("tpl")
    ses.create_custom_verification_email_template(**template(name, sender))
    got = ses.get_custom_verification_email_template(TemplateName=name)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == template(name, sender)
    listed = ses.list_custom_verification_email_templates()["CustomVerificationEmailTemplates"]
    assert listed == [{k: v for k, v in template(name, sender).items() if k != "TemplateContent"}]

    # v1 Update takes any subset and keeps the rest.
    ses.update_custom_verification_email_template(TemplateName=name, TemplateSubject="New subject")
    got = ses.get_custom_verification_email_template(TemplateName=name)
    assert got["TemplateSubject"] == "New subject" and got["TemplateContent"] == CONTENT

    expect(ses.create_custom_verification_email_template,
           "CustomVerificationEmailTemplateAlreadyExists", 400,
           f"Custom verification email template {name} already exists", **template(name, sender))
    expect(ses.create_custom_verification_email_template, "FromEmailAddressNotVerified", 400,
           **template(uniq("tpl"), uniq_email("stranger")))
    expect(ses.create_custom_verification_email_template,
           "CustomVerificationEmailInvalidContent", 400,
           **template(uniq("tpl"), sender, TemplateContent="<p>x</p><script>alert(1)</script>"))
    expect(ses.create_custom_verification_email_template, "InvalidParameterValue", 400,
           **template(uniq("tpl"), sender, SuccessRedirectionURL="javascript:alert(1)"))
    expect(ses.create_custom_verification_email_template, "InvalidParameterValue", 400,
           **template("has space", sender))
    expect(ses.update_custom_verification_email_template, "FromEmailAddressNotVerified", 400,
           TemplateName=name, FromEmailAddress=uniq_email("stranger"))
    expect(ses.update_custom_verification_email_template,
           "CustomVerificationEmailTemplateDoesNotExist", 400, TemplateName="absent")
    expect(ses.get_custom_verification_email_template,
           "CustomVerificationEmailTemplateDoesNotExist", 400, TemplateName="absent")
    expect(ses.send_custom_verification_email, "CustomVerificationEmailTemplateDoesNotExist", 400,
           EmailAddress=uniq_email("to"), TemplateName="absent")

    ses.delete_custom_verification_email_template(TemplateName=name)
    ses.delete_custom_verification_email_template(TemplateName=name)  # v1: a missing one is fine
    expect(ses.get_custom_verification_email_template,
           "CustomVerificationEmailTemplateDoesNotExist", 400, TemplateName=name)


def test_v2_lifecycle_and_errors(vouch, smtp):
    v2 = v2_client(vouch)
    sender = verified_sender(vouch, smtp)
    name = uniq("tpl")
    v2.create_custom_verification_email_template(**template(name, sender))
    got = v2.get_custom_verification_email_template(TemplateName=name)
    assert {k: v for k, v in got.items() if k != "ResponseMetadata"} == template(name, sender)
    v2.update_custom_verification_email_template(**template(name, sender, TemplateSubject="Two"))
    assert v2.get_custom_verification_email_template(TemplateName=name)["TemplateSubject"] == "Two"

    expect(v2.create_custom_verification_email_template, "AlreadyExistsException", 400,
           f"Custom verification email template {name} already exists", **template(name, sender))
    expect(v2.get_custom_verification_email_template, "NotFoundException", 404,
           TemplateName="absent")
    expect(v2.update_custom_verification_email_template, "NotFoundException", 404,
           **template("absent", sender))
    expect(v2.create_custom_verification_email_template, "BadRequestException", 400,
           **template(uniq("tpl"), uniq_email("stranger")))
    expect(v2.create_custom_verification_email_template, "BadRequestException", 400,
           **template(uniq("tpl"), sender, FailureRedirectionURL="ftp://example.com/"))
    expect(v2.list_custom_verification_email_templates, "BadRequestException", 400, PageSize=51)
    expect(v2.send_custom_verification_email, "NotFoundException", 404,
           EmailAddress=uniq_email("to"), TemplateName="absent")
    v2.delete_custom_verification_email_template(TemplateName=name)
    expect(v2.delete_custom_verification_email_template, "NotFoundException", 404,
           TemplateName=name)


def test_one_store_for_v1_and_v2(vouch, smtp):
    ses, v2 = ses_client(vouch), v2_client(vouch)
    sender = verified_sender(vouch, smtp)
    from_v1, from_v2 = uniq("v1tpl"), uniq("v2tpl")
    ses.create_custom_verification_email_template(**template(from_v1, sender))
    v2.create_custom_verification_email_template(**template(from_v2, sender))
    assert v2.get_custom_verification_email_template(TemplateName=from_v1)["TemplateContent"] == CONTENT
    assert ses.get_custom_verification_email_template(TemplateName=from_v2)["TemplateContent"] == CONTENT
    listed = v2.list_custom_verification_email_templates()["CustomVerificationEmailTemplates"]
    assert [t["TemplateName"] for t in listed] == [from_v1, from_v2]
    assert all("TemplateContent" not in t for t in listed)  # List omits the content
    ses.delete_custom_verification_email_template(TemplateName=from_v2)
    expect(v2.get_custom_verification_email_template, "NotFoundException", 404,
           TemplateName=from_v2)
    # Another Region has its own templates.
    assert ses_client(vouch, region="eu-west-1").list_custom_verification_email_templates()[
        "CustomVerificationEmailTemplates"] == []


def test_paging_to_the_last_page_and_the_limit_of_fifty(vouch, smtp):
    ses, v2 = ses_client(vouch), v2_client(vouch)
    sender = verified_sender(vouch, smtp)
    names = [f"T{i:02d}" for i in range(50)]
    for n in names:
        ses.create_custom_verification_email_template(**template(n, sender))
    expect(ses.create_custom_verification_email_template, "LimitExceeded", 400,
           **template("T50", sender))
    expect(v2.create_custom_verification_email_template, "LimitExceededException", 400,
           **template("T50", sender))

    assert all_pages(ses.list_custom_verification_email_templates, "MaxResults", 20) == (names, 3)
    assert all_pages(v2.list_custom_verification_email_templates, "PageSize", 7) == (names, 8)
    # The CLI pages through all of them by itself.
    res = run_cli(vouch, "ses", "list-custom-verification-email-templates", "--page-size", "10")
    assert res.rc == 0, res.stderr
    assert [t["TemplateName"] for t in res.json["CustomVerificationEmailTemplates"]] == names


@pytest.mark.parametrize("api", ["v1", "v2"])
def test_the_email_arrives_and_its_click_lands_on_the_success_url(vouch, smtp, api):
    ses = ses_client(vouch)
    sender = verified_sender(vouch, smtp)
    name = uniq("tpl")
    ses.create_custom_verification_email_template(**template(name, sender))
    to = uniq_email("newuser")
    if api == "v1":
        resp = ses.send_custom_verification_email(EmailAddress=to, TemplateName=name)
    else:
        resp = v2_client(vouch).send_custom_verification_email(EmailAddress=to, TemplateName=name)
    assert resp["MessageId"]
    msg = smtp.wait_for(to=to)
    assert msg.message["From"] == sender
    assert msg.message["Subject"] == "Confirm your address"
    html = msg.html()
    assert "<h1>Welcome to Example</h1>" in html
    link = link_of(msg)
    assert html.index("Welcome to Example") < html.index("verify-email?token=") < html.index("</body>")
    assert "One last step: confirm your address." in msg.text()
    # The identity exists at once, pending, for both APIs.
    assert status_of(ses, to) == "Pending"
    assert v2_client(vouch).get_email_identity(EmailIdentity=to)["VerificationStatus"] == "PENDING"

    assert follow(link) == (303, OK_URL)
    assert status_of(ses, to) == "Success"
    # The link works once: the second click lands on the failure URL.
    assert follow(link) == (303, FAIL_URL)
    # The redirect comes from the signed link, not from the request.
    assert follow(link + "&SuccessRedirectionURL=https://evil.example/") == (303, FAIL_URL)


def test_an_expired_click_lands_on_the_failure_url(vouch, smtp):
    ses = ses_client(vouch)
    sender = verified_sender(vouch, smtp)
    name = uniq("tpl")
    ses.create_custom_verification_email_template(**template(name, sender))
    to = uniq_email("late")
    ses.send_custom_verification_email(EmailAddress=to, TemplateName=name)
    link = link_of(smtp.wait_for(to=to))
    advance_clock(vouch, 25 * 3600)
    assert follow(link) == (303, FAIL_URL)
    assert status_of(ses, to) != "Success"
    # Positive control: a new send gives a link that works.
    advance_clock(vouch, 600)  # past the per-recipient cooldown
    ses.send_custom_verification_email(EmailAddress=to, TemplateName=name)
    fresh = [m for m in smtp.wait_for(to=to, count=2)][-1]
    assert follow(link_of(fresh)) == (303, OK_URL)
    assert status_of(ses, to) == "Success"


def test_a_from_address_no_longer_verified_is_refused_at_send(vouch, smtp):
    ses, v2 = ses_client(vouch), v2_client(vouch)
    sender = verified_sender(vouch, smtp)
    name = uniq("tpl")
    ses.create_custom_verification_email_template(**template(name, sender))
    ses.delete_identity(Identity=sender)
    to = uniq_email("to")
    expect(ses.send_custom_verification_email, "FromEmailAddressNotVerified", 400,
           EmailAddress=to, TemplateName=name)
    expect(v2.send_custom_verification_email, "MailFromDomainNotVerifiedException", 400,
           EmailAddress=to, TemplateName=name)
    assert smtp.received(to) == []
    assert status_of(ses, to) is None  # nothing was created either


def test_template_operations_are_throttled_at_once_per_second(vouch_factory):
    """AWS's "no more than once per second": v1 Throttling 400, v2 TooManyRequestsException 429.
    One bucket per operation and account, shared by both APIs."""
    srv = vouch_factory.start(rate_limits_off=False)
    ses, v2 = ses_client(srv), v2_client(srv)
    results = []
    for call in [ses.list_custom_verification_email_templates,
                 v2.list_custom_verification_email_templates] * 3:
        try:
            call()
            results.append("ok")
        except ClientError as e:
            results.append(e)
    assert results[0] == "ok"  # the positive control: the first call passes
    errors = [e for e in results if e != "ok"]
    assert errors, "no call of the burst was throttled"
    for e in errors:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 429:
            check_client_error(e, "TooManyRequestsException", 429)
        else:
            check_client_error(e, "Throttling", 400, "Rate exceeded")
    assert any(e.response["ResponseMetadata"]["HTTPStatusCode"] == 429 for e in errors), \
        "v2 answers TooManyRequestsException"
