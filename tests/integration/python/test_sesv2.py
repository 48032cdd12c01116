"""SES v2 identities (restJson1 under /v2/email/) through boto3 `sesv2` and
`aws sesv2`, on the same identities as SES v1: CreateEmailIdentity,
GetEmailIdentity, ListEmailIdentities (to the last page), DeleteEmailIdentity,
PutEmailIdentityDkimAttributes, TagResource / UntagResource /
ListTagsForResource; AWS's shapes (epoch-second timestamps, the members AWS
leaves out) and errors (AlreadyExists 400, NotFound 404, BadRequest 400,
LimitExceeded 400, TooManyRequests 429); v1 <-> v2 visibility both ways; a v2
domain going PENDING -> SUCCESS through its DKIM CNAMEs in knot, or through
its v1 _amazonses TXT token.
"""

from __future__ import annotations

import datetime as dt
import json
import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import (
    ROOT_ACCOUNT_ID,
    ROOT_KEY,
    ROOT_SECRET,
    check_client_error,
    list_all_identities,
    run_cli,
    ses_client,
    uniq_domain,
    uniq_email,
)
from dns_server import advance, run_due, shared_knot, start_vouch
from smtp_server import SmtpServer, click, link_of, mail_args

def v2_client(srv, region: str = "us-east-1", key: str = ROOT_KEY, secret: str = ROOT_SECRET):
    return boto3.session.Session().client(
        "sesv2",
        endpoint_url=srv.endpoint,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1},
                      connect_timeout=5, read_timeout=20),
    )


def body(resp: dict) -> dict:
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def expect(fn, code: str, status: int, message: str | None = None, **kwargs) -> ClientError:
    with pytest.raises(ClientError) as ei:
        fn(**kwargs)
    check_client_error(ei.value, code, status, message)
    return ei.value


def arn(srv, name: str, region: str = "us-east-1") -> str:
    return f"arn:aws:ses:{region}:{ROOT_ACCOUNT_ID}:identity/{name}"


def raw_json(client, operation: str, fn, **kwargs) -> dict:
    """The JSON body of one call, as the server sent it."""
    seen = []

    def keep(http_response, **_):
        seen.append(http_response.content)

    event = f"after-call.sesv2.{operation}"
    client.meta.events.register(event, keep)
    try:
        fn(**kwargs)
    finally:
        client.meta.events.unregister(event, keep)
    return json.loads(seen[0])


@pytest.fixture
def v2(fresh_server):
    return v2_client(fresh_server)


@pytest.fixture
def knot():
    return shared_knot("a")


def test_email_identity_shapes(fresh_server, v2):
    email = uniq_email()
    assert body(v2.create_email_identity(EmailIdentity=email)) == {
        "IdentityType": "EMAIL_ADDRESS", "VerifiedForSendingStatus": False}
    got = body(v2.get_email_identity(EmailIdentity=email))
    assert got == {
        "IdentityType": "EMAIL_ADDRESS",
        "FeedbackForwardingStatus": True,
        "VerifiedForSendingStatus": False,
        "DkimAttributes": {"SigningEnabled": False, "Status": "NOT_STARTED",
                           "SigningAttributesOrigin": "AWS_SES",
                           "NextSigningKeyLength": "RSA_1024_BIT"},
        "MailFromAttributes": {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"},
        "Policies": {},
        "Tags": [],
        "VerificationStatus": "PENDING",
    }
    # (botocore 1.29 predates VerificationInfo: the raw body has it, {}.)
    assert raw_json(v2, "GetEmailIdentity", v2.get_email_identity, EmailIdentity=email)[
        "VerificationInfo"] == {}


def test_domain_identity_shapes_and_epoch_timestamps(vouch_factory):
    # Test mode: no check runs unless asked, so VerificationInfo is {} as
    # right after the create (outside it a background check fills it in).
    v2 = v2_client(start_vouch(vouch_factory))
    domain = uniq_domain("v2")
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    created = body(v2.create_email_identity(EmailIdentity=domain,
                                            Tags=[{"Key": "team", "Value": "mail"}]))
    assert created["IdentityType"] == "DOMAIN"
    assert created["VerifiedForSendingStatus"] is False
    dkim = created["DkimAttributes"]
    assert len(dkim["Tokens"]) == 3 and len(set(dkim["Tokens"])) == 3
    # botocore read LastKeyGenerationTimestamp as epoch seconds into a datetime.
    generated = dkim.pop("LastKeyGenerationTimestamp")
    assert isinstance(generated, dt.datetime)
    assert before <= generated <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
    # (botocore 1.29 predates SigningHostedZone: the raw body has it.)
    dkim.pop("SigningHostedZone", None)
    assert dkim == {"SigningEnabled": True, "Status": "PENDING", "Tokens": dkim["Tokens"],
                    "SigningAttributesOrigin": "AWS_SES",
                    "NextSigningKeyLength": "RSA_2048_BIT",
                    "CurrentSigningKeyLength": "RSA_2048_BIT"}
    got = body(v2.get_email_identity(EmailIdentity=domain))
    assert got["DkimAttributes"]["Tokens"] == dkim["Tokens"]
    raw = raw_json(v2, "GetEmailIdentity", v2.get_email_identity, EmailIdentity=domain)
    assert raw["DkimAttributes"]["SigningHostedZone"] == "dkim.amazonses.com"
    assert isinstance(raw["DkimAttributes"]["LastKeyGenerationTimestamp"], (int, float))
    assert got["VerificationStatus"] == "PENDING"
    assert raw_json(v2, "GetEmailIdentity", v2.get_email_identity, EmailIdentity=domain)[
        "VerificationInfo"] == {}
    assert got["Tags"] == [{"Key": "team", "Value": "mail"}]
    assert got["MailFromAttributes"] == {"BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}

    # A 1024-bit Easy DKIM key asked for is the one reported.
    other = uniq_domain("v2k")
    small = body(v2.create_email_identity(
        EmailIdentity=other, DkimSigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"}))
    assert small["DkimAttributes"]["NextSigningKeyLength"] == "RSA_1024_BIT"
    assert small["DkimAttributes"]["CurrentSigningKeyLength"] == "RSA_1024_BIT"


def test_errors(fresh_server, v2):
    domain = uniq_domain("err")
    v2.create_email_identity(EmailIdentity=domain)
    expect(v2.create_email_identity, "AlreadyExistsException", 400,
           f"Email identity {domain} already exist.", EmailIdentity=domain)
    missing = uniq_domain("missing")
    expect(v2.get_email_identity, "NotFoundException", 404,
           f"Email identity {missing} does not exist.", EmailIdentity=missing)
    expect(v2.delete_email_identity, "NotFoundException", 404,
           f"Email identity {missing} does not exist.", EmailIdentity=missing)
    expect(v2.put_email_identity_dkim_attributes, "BadRequestException", 400,
           f"Domain {missing} is not verified for DKIM signing.",
           EmailIdentity=missing, SigningEnabled=True)
    expect(v2.create_email_identity, "BadRequestException", 400,
           "Invalid domain name not_a_domain.", EmailIdentity="not_a_domain")
    expect(v2.create_email_identity, "BadRequestException", 400,
           "Invalid email address a b@example.com.", EmailIdentity="a b@example.com")
    # A bring-your-own DKIM key that is no key is refused (test_sesv2_byodkim.py has the rest).
    expect(v2.create_email_identity, "BadRequestException", 400,
           "Invalid DomainSigningPrivateKey: it is not a DER-encoded private key "
           "(PKCS#1 or PKCS#8).",
           EmailIdentity=uniq_domain("byo"),
           DkimSigningAttributes={"DomainSigningSelector": "sel",
                                  "DomainSigningPrivateKey": "bm90IGEga2V5"})
    # No configuration sets exist: AWS creates nothing for an unknown one.
    name = uniq_domain("cs")
    expect(v2.create_email_identity, "NotFoundException", 404,
           EmailIdentity=name, ConfigurationSetName="nope")
    expect(v2.get_email_identity, "NotFoundException", 404, EmailIdentity=name)
    # Tags as AWS limits them.
    expect(v2.create_email_identity, "BadRequestException", 400,
           EmailIdentity=uniq_domain("t"), Tags=[{"Key": "aws:x", "Value": "v"}])
    expect(v2.create_email_identity, "BadRequestException", 400,
           EmailIdentity=uniq_domain("t"),
           Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    expect(v2.list_email_identities, "BadRequestException", 400, PageSize=1001)
    expect(v2.list_email_identities, "BadRequestException", 400, NextToken="forged")
    # An unsigned or foreign-keyed request never reaches the operation.
    stranger = v2_client(fresh_server, key="AKIAIOSFODNN7EXAMPLE", secret="x" * 40)
    with pytest.raises(ClientError) as ei:
        stranger.list_email_identities()
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_limit_exceeded(vouch_factory):
    srv = vouch_factory.start(extra_args=["--max-identities", "1"])
    v2 = v2_client(srv)
    v2.create_email_identity(EmailIdentity=uniq_domain("one"))
    expect(v2.create_email_identity, "LimitExceededException", 400,
           EmailIdentity=uniq_email())


def test_too_many_requests(vouch_factory):
    srv = vouch_factory.start(extra_args=["--rate-limit", "GetEmailIdentity=1"])
    v2 = v2_client(srv)
    domain = uniq_domain("rate")
    v2.create_email_identity(EmailIdentity=domain)
    codes = []
    for _ in range(5):
        try:
            v2.get_email_identity(EmailIdentity=domain)
            codes.append(200)
        except ClientError as e:
            check_client_error(e, "TooManyRequestsException", 429)
            codes.append(429)
    assert 429 in codes, codes


def test_v1_identities_in_v2(fresh_server, v2):
    ses = ses_client(fresh_server)
    domain, email = uniq_domain("v1"), uniq_email("v1")
    token = ses.verify_domain_identity(Domain=domain)["VerificationToken"]
    ses.verify_email_identity(EmailAddress=email)
    got = body(v2.get_email_identity(EmailIdentity=domain))
    assert got["IdentityType"] == "DOMAIN" and got["VerificationStatus"] == "PENDING"
    assert got["DkimAttributes"]["Status"] == "NOT_STARTED"
    assert "Tokens" not in got["DkimAttributes"]
    assert body(v2.get_email_identity(EmailIdentity=email))["IdentityType"] == "EMAIL_ADDRESS"
    listed = {i["IdentityName"]: i for i in v2.list_email_identities()["EmailIdentities"]}
    assert listed[domain] == {"IdentityType": "DOMAIN", "IdentityName": domain,
                              "SendingEnabled": False, "VerificationStatus": "PENDING"}
    assert listed[email]["IdentityType"] == "EMAIL_ADDRESS"

    # v1 DKIM tokens are the ones v2 shows.
    tokens = ses.verify_domain_dkim(Domain=domain)["DkimTokens"]
    got = body(v2.get_email_identity(EmailIdentity=domain))
    assert got["DkimAttributes"]["Tokens"] == tokens
    assert got["DkimAttributes"]["Status"] == "PENDING"

    # v2 Create of a v1 identity: AlreadyExists; v1 Verify stays idempotent.
    expect(v2.create_email_identity, "AlreadyExistsException", 400, EmailIdentity=domain)
    assert ses.verify_domain_identity(Domain=domain)["VerificationToken"] == token

    # Deleting through v1 deletes it for v2.
    ses.delete_identity(Identity=domain)
    expect(v2.get_email_identity, "NotFoundException", 404, EmailIdentity=domain)


def test_v2_identities_in_v1(fresh_server, v2):
    ses = ses_client(fresh_server)
    domain, email = uniq_domain("v2"), uniq_email("v2")
    tokens = v2.create_email_identity(EmailIdentity=domain)["DkimAttributes"]["Tokens"]
    v2.create_email_identity(EmailIdentity=email)
    attrs = ses.get_identity_verification_attributes(Identities=[domain, email])[
        "VerificationAttributes"]
    assert attrs[domain]["VerificationStatus"] == "Pending"
    assert len(attrs[domain]["VerificationToken"]) > 0  # its TXT token verifies it too
    assert attrs[email] == {"VerificationStatus": "Pending"}
    assert set(list_all_identities(ses)) == {domain, email}
    assert ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain] == {
        "DkimEnabled": True, "DkimVerificationStatus": "Pending", "DkimTokens": tokens}
    # v1 Verify of a v2 identity: the same token, the same DKIM tokens.
    assert (ses.verify_domain_identity(Domain=domain)["VerificationToken"]
            == attrs[domain]["VerificationToken"])
    assert ses.verify_domain_dkim(Domain=domain)["DkimTokens"] == tokens

    # Signing off and on again, seen by both.
    v2.put_email_identity_dkim_attributes(EmailIdentity=domain, SigningEnabled=False)
    assert v2.get_email_identity(EmailIdentity=domain)["DkimAttributes"]["SigningEnabled"] is False
    v1 = ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain]
    assert v1["DkimEnabled"] is False and v1["DkimTokens"] == tokens
    v2.put_email_identity_dkim_attributes(EmailIdentity=domain, SigningEnabled=True)
    assert v2.get_email_identity(EmailIdentity=domain)["DkimAttributes"]["SigningEnabled"] is True
    # An address under a DKIM domain signs with the domain's keys: a no-op.
    v2.put_email_identity_dkim_attributes(EmailIdentity=f"x@{domain}", SigningEnabled=True)

    # Deleting through v2 deletes it for v1 (and its DKIM records with it).
    v2.delete_email_identity(EmailIdentity=domain)
    assert list_all_identities(ses) == [email]
    assert ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"] == {}
    # ... and the name is free again.
    assert body(v2.create_email_identity(EmailIdentity=domain))["IdentityType"] == "DOMAIN"


def test_tags(fresh_server, v2):
    domain = uniq_domain("tags")
    v2.create_email_identity(EmailIdentity=domain, Tags=[{"Key": "a", "Value": "1"}])
    a = arn(fresh_server, domain)
    assert body(v2.list_tags_for_resource(ResourceArn=a)) == {"Tags": [{"Key": "a", "Value": "1"}]}
    v2.tag_resource(ResourceArn=a, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "3"}])
    assert v2.list_tags_for_resource(ResourceArn=a)["Tags"] == [
        {"Key": "a", "Value": "3"}, {"Key": "b", "Value": "2"}]
    v2.untag_resource(ResourceArn=a, TagKeys=["a", "nothere"])
    assert v2.list_tags_for_resource(ResourceArn=a)["Tags"] == [{"Key": "b", "Value": "2"}]
    assert v2.get_email_identity(EmailIdentity=domain)["Tags"] == [{"Key": "b", "Value": "2"}]
    # Turning signing off (kept beside the tags) shows in no tag list.
    v2.put_email_identity_dkim_attributes(EmailIdentity=domain, SigningEnabled=False)
    assert v2.list_tags_for_resource(ResourceArn=a)["Tags"] == [{"Key": "b", "Value": "2"}]

    expect(v2.tag_resource, "BadRequestException", 400, ResourceArn=a,
           Tags=[{"Key": "aws:x", "Value": "1"}])
    expect(v2.tag_resource, "BadRequestException", 400, ResourceArn=a,
           Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])  # 51 with "b"
    expect(v2.list_tags_for_resource, "BadRequestException", 400, ResourceArn="not-an-arn")
    expect(v2.list_tags_for_resource, "NotFoundException", 404,
           ResourceArn=arn(fresh_server, uniq_domain("none")))
    # Another Region's ARN names nothing this caller can see.
    expect(v2.list_tags_for_resource, "NotFoundException", 404,
           ResourceArn=arn(fresh_server, domain, region="eu-west-1"))
    email = uniq_email("tag")
    v2.create_email_identity(EmailIdentity=email)
    v2.tag_resource(ResourceArn=arn(fresh_server, email), Tags=[{"Key": "k", "Value": ""}])
    assert v2.list_tags_for_resource(ResourceArn=arn(fresh_server, email))["Tags"] == [
        {"Key": "k", "Value": ""}]


def test_pagination_to_the_last_page(fresh_server, v2):
    ses = ses_client(fresh_server)
    names = [uniq_domain(f"p{i}") for i in range(4)] + [uniq_email(f"p{i}") for i in range(3)]
    for n in names[:4]:
        v2.create_email_identity(EmailIdentity=n)
    for n in names[4:]:
        ses.verify_email_identity(EmailAddress=n)
    seen, pages, token = [], 0, None
    while True:
        kw = {"PageSize": 3}
        if token:
            kw["NextToken"] = token
        page = v2.list_email_identities(**kw)
        pages += 1
        seen += [i["IdentityName"] for i in page["EmailIdentities"]]
        token = page.get("NextToken")
        if not token:
            break
    assert pages == 3
    assert seen == names  # creation order, each once
    # A token is bound to its Region.
    token = v2.list_email_identities(PageSize=1)["NextToken"]
    expect(v2_client(fresh_server, region="eu-west-1").list_email_identities,
           "BadRequestException", 400, NextToken=token)


def test_a_v2_domain_verifies_through_its_dkim_cnames(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    v2, ses = v2_client(srv), ses_client(srv)
    domain = uniq_domain("dk")
    tokens = v2.create_email_identity(EmailIdentity=domain)["DkimAttributes"]["Tokens"]
    run_due(srv)
    assert v2.get_email_identity(EmailIdentity=domain)["VerificationStatus"] == "PENDING"
    for t in tokens[:2]:
        knot.set_cname(f"{t}._domainkey.{domain}", f"{t}.dkim.amazonses.com")
    advance(srv, 3600)  # past the next check of each record
    run_due(srv)
    got = v2.get_email_identity(EmailIdentity=domain)
    assert got["VerificationStatus"] == "PENDING"  # two of three is not enough
    knot.set_cname(f"{tokens[2]}._domainkey.{domain}", f"{tokens[2]}.dkim.amazonses.com")
    advance(srv, 3600)
    run_due(srv)
    got = body(v2.get_email_identity(EmailIdentity=domain))
    assert got["VerificationStatus"] == "SUCCESS"
    assert got["VerifiedForSendingStatus"] is True
    assert got["DkimAttributes"]["Status"] == "SUCCESS"
    raw = raw_json(v2, "GetEmailIdentity", v2.get_email_identity, EmailIdentity=domain)
    assert isinstance(raw["VerificationInfo"]["LastSuccessTimestamp"], (int, float))
    listed = {i["IdentityName"]: i for i in v2.list_email_identities()["EmailIdentities"]}
    assert listed[domain]["VerificationStatus"] == "SUCCESS"
    assert listed[domain]["SendingEnabled"] is True
    assert ses.get_identity_verification_attributes(Identities=[domain])[
        "VerificationAttributes"][domain]["VerificationStatus"] == "Success"
    assert ses.get_identity_dkim_attributes(Identities=[domain])["DkimAttributes"][domain][
        "DkimVerificationStatus"] == "Success"


def test_a_v2_domain_verifies_through_its_v1_txt_token(vouch_factory, knot):
    srv = start_vouch(vouch_factory, knot.address)
    v2, ses = v2_client(srv), ses_client(srv)
    domain = uniq_domain("txt")
    v2.create_email_identity(EmailIdentity=domain)
    token = ses.get_identity_verification_attributes(Identities=[domain])[
        "VerificationAttributes"][domain]["VerificationToken"]
    knot.set_txt(f"_amazonses.{domain}", token)
    run_due(srv)
    got = v2.get_email_identity(EmailIdentity=domain)
    assert got["VerificationStatus"] == "SUCCESS"
    assert got["DkimAttributes"]["Status"] == "PENDING"  # DKIM is its own status


def test_aws_cli(fresh_server):
    domain, email = uniq_domain("cli"), uniq_email("cli")
    res = run_cli(fresh_server, "sesv2", "create-email-identity", "--email-identity", domain,
                  "--tags", "Key=k,Value=v")
    assert res.rc == 0, res.stderr
    assert res.json["IdentityType"] == "DOMAIN"
    assert len(res.json["DkimAttributes"]["Tokens"]) == 3
    assert run_cli(fresh_server, "sesv2", "create-email-identity",
                   "--email-identity", email).rc == 0
    res = run_cli(fresh_server, "sesv2", "get-email-identity", "--email-identity", email)
    assert res.rc == 0, res.stderr
    assert res.json["VerificationStatus"] == "PENDING"
    res = run_cli(fresh_server, "sesv2", "list-email-identities")
    assert res.rc == 0, res.stderr
    assert [i["IdentityName"] for i in res.json["EmailIdentities"]] == [domain, email]
    res = run_cli(fresh_server, "sesv2", "list-tags-for-resource", "--resource-arn",
                  arn(fresh_server, domain))
    assert res.rc == 0, res.stderr
    assert res.json == {"Tags": [{"Key": "k", "Value": "v"}]}
    res = run_cli(fresh_server, "sesv2", "create-email-identity", "--email-identity", domain)
    assert res.rc != 0
    assert "AlreadyExistsException" in res.stderr and "already exist" in res.stderr
    res = run_cli(fresh_server, "sesv2", "delete-email-identity", "--email-identity", email)
    assert res.rc == 0, res.stderr
    res = run_cli(fresh_server, "sesv2", "get-email-identity", "--email-identity", email)
    assert res.rc != 0 and "NotFoundException" in res.stderr


def test_a_v2_address_gets_its_link_and_is_verified_by_it(vouch_factory):
    smtp = SmtpServer().start()
    try:
        srv = vouch_factory.start(extra_args=mail_args(smtp.url))
        v2, ses = v2_client(srv), ses_client(srv)
        email = uniq_email("link")
        v2.create_email_identity(EmailIdentity=email)
        link = link_of(smtp.wait_for(to=email))
        assert v2.get_email_identity(EmailIdentity=email)["VerificationStatus"] == "PENDING"
        status, page = click(link)
        assert status == 200, page
        got = v2.get_email_identity(EmailIdentity=email)
        assert got["VerificationStatus"] == "SUCCESS"
        assert got["VerifiedForSendingStatus"] is True
        assert email in ses.list_verified_email_addresses()["VerifiedEmailAddresses"]
        # A second Create sends nothing: it is AlreadyExists.
        expect(v2.create_email_identity, "AlreadyExistsException", 400, EmailIdentity=email)
    finally:
        smtp.stop()
