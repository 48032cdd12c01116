# Generates requests signed by botocore into tests/testdata/sigv4/botocore/ (run once).
import datetime, os, sys
from unittest import mock
from urllib.parse import urlsplit
import botocore.session, botocore.auth, botocore.compat
if botocore.compat.HAS_CRT: import botocore.crt.auth

OUT = "/work/main/tests/testdata/sigv4/botocore"
PREFIX = "crt-" if botocore.compat.HAS_CRT else ""
FIXED = datetime.datetime(2026, 1, 15, 9, 30, 0)
AKID, SECRET = "AKIAVOUCHEXAMPLE0001", "vouch/Secret+Key/EXAMPLE0123456789abcdefgh"

class Captured(Exception):
    pass

def client(service, endpoint):
    s = botocore.session.get_session()
    return s.create_client(service, region_name="us-east-1", endpoint_url=endpoint,
                           aws_access_key_id=AKID, aws_secret_access_key=SECRET)

def capture(c, call):
    box = {}
    def before_send(request, **kw):
        box["req"] = request
        raise Captured()
    c.meta.events.register("before-send", before_send)
    with frozen():
        try:
            call(c)
        except Captured:
            pass
    return box["req"]

import contextlib
@contextlib.contextmanager
def frozen():
    class FakeDT(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return FIXED
    mods = ["botocore.auth.datetime.datetime"]
    if botocore.compat.HAS_CRT:
        mods.append("botocore.crt.auth.datetime.datetime")
    with contextlib.ExitStack() as st:
        for m in mods:
            st.enter_context(mock.patch(m, FakeDT))
        yield

def write(name, method, url, headers, body):
    u = urlsplit(url)
    target = u.path + ("?" + u.query if u.query else "")
    lines = [f"{method} {target} HTTP/1.1"]
    if not any(k.lower() == "host" for k in headers): lines.append(f"Host:{u.netloc}")
    for k, v in headers.items():
        if isinstance(v, bytes): v = v.decode()
        lines.append(f"{k}:{v}")
    if isinstance(body, str): body = body.encode()
    data = ("\n".join(lines) + "\n\n").encode() + (body or b"")
    open(os.path.join(OUT, PREFIX + name + ".sreq"), "wb").write(data)
    print(data.decode()[:600]); print("----")

ses = client("ses", "http://localhost:4566")
r = capture(ses, lambda c: c.verify_domain_identity(Domain="example.com"))
write("ses-verify-domain-identity", r.method, r.url, r.headers, r.body)

ses = client("ses", "http://localhost:4566")
r = capture(ses, lambda c: c.get_identity_verification_attributes(
    Identities=["user+tag@example.com", "example.org"]))
write("ses-get-identity-verification-attributes", r.method, r.url, r.headers, r.body)

lat = client("vpc-lattice", "http://localhost:4566")
arn = "arn:aws:vpc-lattice:us-east-1:111122223333:domainverification/dv-0123456789abcdef0"
r = capture(lat, lambda c: c.list_tags_for_resource(resourceArn=arn))
write("lattice-list-tags-for-resource", r.method, r.url, r.headers, r.body)

lat = client("vpc-lattice", "http://localhost:4566")
r = capture(lat, lambda c: c.tag_resource(resourceArn=arn, tags={"team": "a b/c", "k=v": "x&y"}))
write("lattice-tag-resource", r.method, r.url, r.headers, r.body)

# Presigned SES query (botocore moves form params into the query string).
ses = client("ses", "http://localhost:4566")
with frozen():
    url = ses.generate_presigned_url("list_identities", Params={"IdentityType": "Domain"}, ExpiresIn=900)
# botocore signs a query-protocol presigned URL for the operation's method (POST).
write("ses-presigned-list-identities", "POST", url, {}, b"")
