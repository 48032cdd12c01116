// Generates requests signed by @smithy/signature-v4 into tests/testdata/sigv4/smithy-js/ (run once).
const fs = require("fs");
const { SignatureV4 } = require("@smithy/signature-v4");
const { Sha256 } = require("@aws-crypto/sha256-js");
const OUT = "/work/main/tests/testdata/sigv4/smithy-js";
const when = new Date(Date.UTC(2026, 0, 15, 9, 30, 0));
const credentials = { accessKeyId: "AKIAVOUCHEXAMPLE0001", secretAccessKey: "vouch/Secret+Key/EXAMPLE0123456789abcdefgh" };
const signer = (service) => new SignatureV4({ credentials, region: "us-east-1", service, sha256: Sha256 });
const arn = "arn:aws:vpc-lattice:us-east-1:111122223333:domainverification/dv-0123456789abcdef0";
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

function qs(query) {
  return Object.entries(query || {}).map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&");
}
function write(name, r) {
  const q = qs(r.query);
  const lines = [`${r.method} ${r.path}${q ? "?" + q : ""} HTTP/1.1`];
  for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}:${v}`);
  fs.writeFileSync(`${OUT}/${name}.sreq`, lines.join("\n") + "\n\n" + (r.body || ""));
  console.log(fs.readFileSync(`${OUT}/${name}.sreq`, "utf8"), "\n----");
}
const base = (method, path, headers, body, query) => ({
  method, protocol: "http:", hostname: "localhost", port: 4566, path, query: query || {},
  headers: { host: "localhost:4566", "amz-sdk-invocation-id": "5f2b7c1e-0000-4000-8000-000000000001",
             "amz-sdk-request": "attempt=1; max=3", "x-amz-user-agent": "aws-sdk-js/3.0.0", ...headers },
  body,
});
(async () => {
  const sesBody = "Action=VerifyEmailIdentity&Version=2010-12-01&EmailAddress=" + enc("a.b+c@example.com");
  write("ses-verify-email-identity", await signer("ses").sign(
    base("POST", "/", { "content-type": "application/x-www-form-urlencoded",
                        "content-length": String(Buffer.byteLength(sesBody)) }, sesBody),
    { signingDate: when }));
  write("lattice-get-domain-verification", await signer("vpc-lattice").sign(
    base("GET", "/domainverifications/" + enc(arn), {}), { signingDate: when }));
  write("lattice-list-domain-verifications", await signer("vpc-lattice").sign(
    base("GET", "/domainverifications", {}, undefined, { maxResults: "10", nextToken: "a+b/c= d" }),
    { signingDate: when }));
  const tagBody = JSON.stringify({ tags: { team: "a  b" } });
  write("lattice-tag-resource", await signer("vpc-lattice").sign(
    base("POST", "/tags/" + enc(arn), { "content-type": "application/json",
                                         "content-length": String(Buffer.byteLength(tagBody)) }, tagBody),
    { signingDate: when }));
  write("lattice-presigned-list-tags", await signer("vpc-lattice").presign(
    base("GET", "/tags/" + enc(arn), {}), { signingDate: when, expiresIn: 300 }));
})();
