"""Loopback stand-ins for the AWS endpoints ecsctl talks to besides ECS,
speaking their wire formats: the IAM Identity Center portal (GetRoleCredentials)
and SSO-OIDC (CreateToken), optionally over TLS; STS (AssumeRole,
AssumeRoleWithWebIdentity, GetCallerIdentity) and the ECS container
credentials endpoint; a forward proxy (CONNECT tunnels and absolute-URI HTTP)
that records what went through it; what lookups read: SSM GetParameters,
CloudFormation DescribeStacks, S3 GetObject, each checking the request's SigV4
against botocore's; and the two stores the writers' lease lives in, DynamoDB
(conditional PutItem, UpdateItem, DeleteItem) and S3 (conditional PutObject and
DeleteObject), each with its real error shapes. Standard library (and Debian's
botocore) only."""
import hashlib
import http.server
import json
import os
import re
import select
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Base:
    """A ThreadingHTTPServer on 127.0.0.1:0 in a thread; `url` once started."""
    handler = None

    def __init__(self, tls=None):
        self.tls = tls  # (certfile, keyfile) or None
        self.httpd = None
        self.seen = []  # what each request looked like, for assertions
        self.lock = threading.Lock()

    def start(self):
        outer = self

        class Handler(self.handler):
            server_obj = outer

            def log_message(self, *a):
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        scheme = "http"
        if self.tls:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*self.tls)
            self.httpd.socket = ctx.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        self.url = "%s://127.0.0.1:%d" % (scheme, self.httpd.server_address[1])
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()

    def record(self, **what):
        with self.lock:
            self.seen.append(what)


class _SsoHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, doc, error_type=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "sso-req-1")
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        s = self.server_obj
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        token = self.headers.get("x-amz-sso_bearer_token")
        s.record(op="GetRoleCredentials", path=url.path, query=query, token=token)
        if url.path != "/federation/credentials":
            return self.answer(404, {"message": "no route"})
        if token not in s.access_tokens:
            return self.answer(401, {"message": "Session token not found or invalid"},
                               "UnauthorizedException")
        if (query.get("account_id"), query.get("role_name")) != (s.account, s.role):
            return self.answer(403, {"message": "No access"}, "ForbiddenException")
        self.answer(200, {"roleCredentials": {
            "accessKeyId": s.key, "secretAccessKey": s.secret, "sessionToken": s.token,
            "expiration": int((time.time() + 3600) * 1000)}})

    def do_POST(self):
        s = self.server_obj
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        s.record(op="CreateToken", path=self.path, body=body)
        if self.path != "/token":
            return self.answer(404, {"message": "no route"})
        if (body.get("grantType"), body.get("clientId"), body.get("clientSecret"),
                body.get("refreshToken")) != ("refresh_token", s.client_id, s.client_secret,
                                              s.refresh_token):
            return self.answer(400, {"error": "invalid_grant"}, "InvalidGrantException")
        s.access_tokens.add("refreshed-access-token")
        self.answer(200, {"accessToken": "refreshed-access-token", "expiresIn": 28800,
                          "refreshToken": "refresh-token-2", "tokenType": "Bearer"})


class SsoPortal(_Base):
    """The portal and SSO-OIDC on one port (AWS_ENDPOINT_URL_SSO and _SSO_OIDC
    both point here). It hands out (key, secret, token) for account/role to
    a caller bearing one of `access_tokens`."""
    handler = _SsoHandler

    def __init__(self, key, secret, token, account="111122223333", role="Deployer", tls=None):
        super().__init__(tls)
        self.key, self.secret, self.token = key, secret, token
        self.account, self.role = account, role
        self.access_tokens = {"cached-access-token"}
        self.client_id, self.client_secret = "client-id-1", "client-secret-1"
        self.refresh_token = "refresh-token-1"

    def ops(self):
        return [s["op"] for s in self.seen]


class _StsHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, ctype):
        body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def sts_error(self, code, message):
        self.reply(403, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                   "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                   "<RequestId>sts-req-1</RequestId></ErrorResponse>" % (code, message),
                   "text/xml")

    def do_POST(self):
        s = self.server_obj
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        form = dict(urllib.parse.parse_qsl(raw))
        auth = self.headers.get("Authorization", "")
        action = form.get("Action")
        s.record(op=action, form=form, authorization=auth)
        if action == "AssumeRoleWithWebIdentity":
            if form.get("WebIdentityToken") != s.web_token:
                return self.sts_error("InvalidIdentityToken", "Couldn't verify the token")
        elif action == "GetCallerIdentity":
            key = auth.partition("Credential=")[2].partition("/")[0]
            why = sigv4_error(self, raw.encode(), "sts", key, s.identities.get(key, ""))
            s.seen[-1]["sigv4"] = why
            if key not in s.identities or why:
                return self.sts_error("InvalidClientTokenId", "The security token included "
                                      "in the request is invalid.")
            return self.reply(
                200, "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/"
                "2011-06-15/\"><GetCallerIdentityResult><Arn>arn:aws:iam::{a}:user/deployer"
                "</Arn><UserId>AIDAEXAMPLE</UserId><Account>{a}</Account>"
                "</GetCallerIdentityResult><ResponseMetadata><RequestId>sts-req-3</RequestId>"
                "</ResponseMetadata></GetCallerIdentityResponse>".format(a=s.account),
                "text/xml")
        elif action == "AssumeRole":
            if "Credential=%s/" % s.source_key not in auth:
                return self.sts_error("InvalidClientTokenId", "The security token is invalid")
        else:
            return self.sts_error("InvalidAction", "unknown action")
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        self.reply(200, "<{a}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                   "<{a}Result><Credentials><AccessKeyId>{k}</AccessKeyId>"
                   "<SecretAccessKey>{s}</SecretAccessKey><SessionToken>{t}</SessionToken>"
                   "<Expiration>{e}</Expiration></Credentials></{a}Result>"
                   "<ResponseMetadata><RequestId>sts-req-2</RequestId></ResponseMetadata>"
                   "</{a}Response>".format(a=action, k=s.key, s=s.secret, t=s.token, e=exp),
                   "text/xml")

    def do_GET(self):
        s = self.server_obj
        auth = self.headers.get("Authorization")
        s.record(op="container", path=self.path, authorization=auth)
        if self.path != "/creds" or auth != s.container_auth:
            return self.reply(401, "{}", "application/json")
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        self.reply(200, json.dumps({"RoleArn": "arn:aws:iam::111122223333:role/task",
                                    "AccessKeyId": s.key, "SecretAccessKey": s.secret,
                                    "Token": s.token, "Expiration": exp}),
                   "application/json")


class Sts(_Base):
    """STS (AWS_ENDPOINT_URL_STS) and the ECS container credentials endpoint
    (AWS_CONTAINER_CREDENTIALS_FULL_URI = url + "/creds") on one port. Both
    hand out (key, secret, token): web identity for `web_token`, AssumeRole
    for a request signed with `source_key`, the container endpoint for the
    Authorization header `container_auth`."""
    handler = _StsHandler

    def __init__(self, key, secret, token, web_token="oidc-jwt", source_key="AKIASOURCE",
                 container_auth="Bearer container-token", account="111122223333",
                 identities=None, tls=None):
        super().__init__(tls)
        self.key, self.secret, self.token = key, secret, token
        # GetCallerIdentity answers `account` to a request signed by one of
        # `identities` ({key id: secret})
        self.account = account
        self.identities = identities or {"AKIDTEST": "secret"}
        self.web_token, self.source_key = web_token, source_key
        self.container_auth = container_auth

    def ops(self):
        return [s["op"] for s in self.seen]


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """CONNECT host:port tunnels bytes both ways; an absolute-URI request is
    forwarded to its host (HTTP/1.0, one request per connection)."""

    def do_CONNECT(self):
        host, port = self.path.rsplit(":", 1)
        self.server_obj.record(method="CONNECT", target=self.path)
        upstream = socket.create_connection((host, int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        conns = [self.connection, upstream]
        try:
            while True:
                ready, _, _ = select.select(conns, [], [], 10)
                if not ready:
                    break
                for c in ready:
                    data = c.recv(65536)
                    if not data:
                        return
                    (upstream if c is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()

    def forward(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server_obj.record(method=self.command, target=self.path,
                               headers={k.lower(): v for k, v in self.headers.items()})
        upstream = socket.create_connection((url.hostname, url.port or 80), timeout=10)
        lines = ["%s %s HTTP/1.0" % (self.command, url.path + ("?" + url.query if url.query
                                                               else ""))]
        for k, v in self.headers.items():
            if k.lower() not in ("proxy-connection", "connection", "keep-alive"):
                lines.append("%s: %s" % (k, v))
        lines.append("Connection: close")
        upstream.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        answer = b""
        while True:
            data = upstream.recv(65536)
            if not data:
                break
            answer += data
        upstream.close()
        self.connection.sendall(answer)
        self.close_connection = True

    do_GET = do_POST = do_PUT = forward


class Proxy(_Base):
    handler = _ProxyHandler

    def targets(self):
        return [s["target"] for s in self.seen]


class _DynamoHandler(http.server.BaseHTTPRequestHandler):
    """DynamoDB's JSON 1.0 protocol for PutItem, GetItem, UpdateItem (SET a =
    :v, ...) and DeleteItem, with the condition expressions a lease needs:
    attribute_not_exists(A), A = :v, joined by AND."""
    protocol_version = "HTTP/1.1"

    def answer(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.0")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "ddb-req-1")
        self.end_headers()
        self.wfile.write(body)

    def error(self, code, message):
        self.answer(400, {"__type": "com.amazonaws.dynamodb.v20120810#" + code,
                          "message": message})

    @staticmethod
    def holds(cond, item, values):
        for part in re.split(r"\s+AND\s+", cond or ""):
            part = part.strip()
            if not part:
                continue
            m = re.fullmatch(r"attribute_not_exists\((\w+)\)", part)
            if m:
                if m.group(1) in item:
                    return False
                continue
            m = re.fullmatch(r"(\w+)\s*=\s*(:\w+)", part)
            if not m:
                raise ValueError(part)
            if item.get(m.group(1)) != values.get(m.group(2)):
                return False
        return True

    def do_POST(self):
        s = self.server_obj
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        op = self.headers.get("X-Amz-Target", "").split(".")[-1]
        s.record(op=op, body=body, authorization=self.headers.get("Authorization", ""))
        if s.fail_ops.get(op):
            s.fail_ops[op] -= 1
            return self.answer(500, {"__type": "com.amazonaws.dynamodb.v20120810#"
                                     "InternalServerError", "message": "try again"})
        table = s.tables.get(body.get("TableName"))
        if table is None:
            return self.error("ResourceNotFoundException", "Requested resource not found")
        key = (body.get("Item") or body.get("Key") or {}).get("LockID", {}).get("S")
        values = body.get("ExpressionAttributeValues", {})
        with s.lock:
            cur = table.get(key, {})
            try:
                ok = self.holds(body.get("ConditionExpression"), cur, values)
            except ValueError as e:
                return self.error("ValidationException", "unsupported condition %s" % e)
            if op == "GetItem":
                return self.answer(200, {"Item": cur} if cur else {})
            if not ok:
                return self.error("ConditionalCheckFailedException",
                                  "The conditional request failed")
            if op == "PutItem":
                table[key] = body["Item"]
            elif op == "UpdateItem":
                item = dict(cur, LockID={"S": key})
                for a, v in re.findall(r"(\w+)\s*=\s*(:\w+)",
                                       body["UpdateExpression"].replace("SET ", "")):
                    item[a] = values[v]
                table[key] = item
            elif op == "DeleteItem":
                table.pop(key, None)
            else:
                return self.error("UnknownOperationException", op)
        self.answer(200, {})


class DynamoDb(_Base):
    """AWS_ENDPOINT_URL_DYNAMODB points here; `tables` = {name: {LockID: item}}."""
    handler = _DynamoHandler

    def __init__(self, tables=("ecsctl-locks",)):
        super().__init__()
        self.tables = {t: {} for t in tables}
        self.fail_ops = {}  # {"PutItem": n}: answer the next n with a 500

    def ops(self):
        return [s["op"] for s in self.seen]


def self_signed_cert(folder):
    """A certificate for 127.0.0.1 and localhost (openssl CLI); returns
    (certfile, keyfile)."""
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", key, "-out", cert],
                   check=True, capture_output=True)
    return cert, key


# ---- lookups: SSM, CloudFormation, S3; and STS GetCallerIdentity ---------

_sign_lock = threading.Lock()


def sigv4_error(handler, body, service, key, secret):
    """None when the request's Authorization is what botocore computes for
    it (same signed headers, same X-Amz-Date, `service`'s signer: S3's
    leaves the path as sent), else why not."""
    import datetime
    import re
    import types
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    auth = handler.headers.get("Authorization", "")
    m = re.match(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, "
                 r"SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$", auth)
    if not m:
        return "malformed Authorization %r" % auth
    akid, _, region, svc, signed, sig = m.groups()
    if svc != service or akid != key:
        return "signed for %s by %s, not %s by %s" % (svc, akid, service, key)
    amz = handler.headers.get("X-Amz-Date")
    fixed = datetime.datetime.strptime(amz, "%Y%m%dT%H%M%SZ")

    class FixedDateTime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return fixed

    headers = {h: handler.headers.get(h) for h in signed.split(";") if h != "x-amz-date"}
    token = headers.pop("x-amz-security-token", None)
    url = "http://%s%s" % (handler.headers.get("Host"), handler.path)
    request = AWSRequest(method=handler.command, url=url, data=body, headers=headers)
    signer = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
    with _sign_lock:
        saved = botocore.auth.datetime
        botocore.auth.datetime = types.SimpleNamespace(datetime=FixedDateTime)
        try:
            signer(Credentials(key, secret, token), service, region).add_auth(request)
        finally:
            botocore.auth.datetime = saved
    want = request.headers["Authorization"]
    return None if want == auth else "signature mismatch: want %s, got %s" % (want, auth)


class _LookupHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def reply(self, status, body, ctype, **headers):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def checked(self, body, service, **extra):
        s = self.server_obj
        why = sigv4_error(self, body, service, s.key, s.secret)
        s.record(service=service, path=self.path, body=body.decode(errors="replace"),
                 target=self.headers.get("X-Amz-Target"), sigv4=why, **extra)
        return why is None


class _SsmHandler(_LookupHandler):
    """AWS JSON 1.1, X-Amz-Target AmazonSSM.GetParameters."""

    def error(self, status, code, message):
        self.reply(status, json.dumps({"__type": code, "message": message}),
                   "application/x-amz-json-1.1", x_amzn_RequestId="ssm-req-1")

    def do_POST(self):
        s = self.server_obj
        raw = self.body()
        if not self.checked(raw, "ssm"):
            return self.error(400, "InvalidSignatureException", "signature mismatch")
        if self.headers.get("X-Amz-Target") != "AmazonSSM.GetParameters":
            return self.error(400, "InvalidAction", "unknown target")
        req = json.loads(raw)
        names = req.get("Names", [])
        if not 1 <= len(names) <= 10:
            return self.error(400, "ValidationException",
                              "1 validation error detected: Value at 'names' failed to "
                              "satisfy constraint: Member must have length less than or "
                              "equal to 10")
        if s.deny:
            return self.error(400, "AccessDeniedException", "User is not authorized to "
                              "perform: ssm:GetParameters")
        found, invalid = [], []
        for n in names:
            p = s.params.get(n)
            if p is None:
                invalid.append(n)
                continue
            typ, value = p
            if typ == "SecureString" and not req.get("WithDecryption"):
                value = "AQICAHencrypted=="
            found.append({"Name": n, "Type": typ, "Value": value, "Version": 1,
                          "ARN": "arn:aws:ssm:us-east-1:111122223333:parameter" +
                          (n if n.startswith("/") else "/" + n), "DataType": "text"})
        self.reply(200, json.dumps({"Parameters": found, "InvalidParameters": invalid}),
                   "application/x-amz-json-1.1", x_amzn_RequestId="ssm-req-2")


class Ssm(_Base):
    """SSM Parameter Store (AWS_ENDPOINT_URL_SSM): `params` maps a name to
    (Type, Value); requests must be signed with (key, secret) for ssm.
    `deny` answers AccessDeniedException."""
    handler = _SsmHandler

    def __init__(self, params, key="AKIDTEST", secret="secret"):
        super().__init__()
        self.params, self.key, self.secret, self.deny = params, key, secret, False

    def batches(self):
        return [json.loads(s["body"])["Names"] for s in self.seen]


def _xml(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


class _CfnHandler(_LookupHandler):
    """The query protocol: form-encoded POST, XML answers and errors."""
    NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/"

    def error(self, status, code, message):
        self.reply(status, "<ErrorResponse xmlns=\"%s\"><Error><Type>Sender</Type>"
                   "<Code>%s</Code><Message>%s</Message></Error>"
                   "<RequestId>cfn-req-1</RequestId></ErrorResponse>"
                   % (self.NS, code, _xml(message)), "text/xml")

    def stack_xml(self, name):
        outs = "".join("<member><OutputKey>%s</OutputKey><OutputValue>%s</OutputValue>"
                       "<Description>d</Description></member>" % (_xml(k), _xml(v))
                       for k, v in self.server_obj.stacks[name].items())
        return ("<member><StackId>arn:aws:cloudformation:us-east-1:111122223333:stack/%s/1"
                "</StackId><StackName>%s</StackName><Parameters><member><ParameterKey>P"
                "</ParameterKey><ParameterValue>v</ParameterValue></member></Parameters>"
                "<StackStatus>CREATE_COMPLETE</StackStatus><Outputs>%s</Outputs>"
                "<Tags/></member>" % (name, name, outs))

    def do_POST(self):
        s = self.server_obj
        raw = self.body()
        if not self.checked(raw, "cloudformation"):
            return self.error(403, "SignatureDoesNotMatch", "signature mismatch")
        form = dict(urllib.parse.parse_qsl(raw.decode()))
        if form.get("Action") != "DescribeStacks" or form.get("Version") != "2010-05-15":
            return self.error(400, "InvalidAction", "unknown action")
        name = form.get("StackName")
        if name not in s.stacks:
            return self.error(400, "ValidationError", "Stack with id %s does not exist" % name)
        self.reply(200, "<DescribeStacksResponse xmlns=\"%s\"><DescribeStacksResult><Stacks>"
                   "%s</Stacks></DescribeStacksResult><ResponseMetadata><RequestId>cfn-req-2"
                   "</RequestId></ResponseMetadata></DescribeStacksResponse>"
                   % (self.NS, self.stack_xml(name)), "text/xml")


class CloudFormation(_Base):
    """CloudFormation DescribeStacks (AWS_ENDPOINT_URL_CLOUDFORMATION):
    `stacks` maps a stack name to its outputs {key: value}."""
    handler = _CfnHandler

    def __init__(self, stacks, key="AKIDTEST", secret="secret"):
        super().__init__()
        self.stacks, self.key, self.secret = stacks, key, secret

    def stack_names(self):
        return [dict(urllib.parse.parse_qsl(s["body"])).get("StackName") for s in self.seen]


class _S3Handler(_LookupHandler):
    """S3, path-style (/bucket/key), XML errors: GetObject, and for the lease
    conditional PutObject (If-None-Match: *, If-Match: ETag) and DeleteObject
    (If-Match), 412 PreconditionFailed when a condition does not hold."""

    def error(self, status, code, message, key=""):
        self.reply(status, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
                   "<Message>%s</Message><Key>%s</Key><RequestId>s3-req-1</RequestId>"
                   "<HostId>h</HostId></Error>" % (code, _xml(message), _xml(key)),
                   "application/xml", x_amz_request_id="s3-req-1")

    def precondition_failed(self):
        self.error(412, "PreconditionFailed", "At least one of the pre-conditions you "
                   "specified did not hold")
        return True

    def target(self, body):
        """(objects of the bucket, key), or None when the request was answered."""
        s = self.server_obj
        if not self.checked(body, "s3", op=self.command, if_match=self.headers.get("If-Match"),
                            if_none_match=self.headers.get("If-None-Match"),
                            authorization=self.headers.get("Authorization", "")):
            self.error(403, "SignatureDoesNotMatch", "The request signature we "
                       "calculated does not match the signature you provided.")
            return None
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        bucket, _, key = path.lstrip("/").partition("/")
        if bucket not in s.buckets:
            self.error(404, "NoSuchBucket", "The specified bucket does not exist")
            return None
        return s.buckets[bucket], key

    def do_GET(self):
        t = self.target(b"")
        if not t:
            return
        objs, key = t
        if key not in objs:
            return self.error(404, "NoSuchKey", "The specified key does not exist.", key)
        self.reply(200, objs[key], "application/json", x_amz_request_id="s3-req-2",
                   ETag=self.server_obj.etag(objs[key]))

    def conditions_fail(self, objs, key):
        """Answers and returns True when If-None-Match / If-Match do not hold."""
        cur = objs.get(key)
        if self.headers.get("If-None-Match") == "*" and cur is not None:
            return self.precondition_failed()
        match = self.headers.get("If-Match")
        if match is not None and cur is None:
            self.error(404, "NoSuchKey", "The specified key does not exist.", key)
            return True
        if match is not None and match != self.server_obj.etag(cur):
            return self.precondition_failed()
        return False

    def write(self, body):
        """PutObject (`body` bytes) or DeleteObject (None), when its conditions hold."""
        t = self.target(body or b"")
        if not t:
            return
        objs, key = t
        with self.server_obj.lock:
            if self.conditions_fail(objs, key):
                return
            if body is None:
                objs.pop(key, None)
            else:
                objs[key] = body
        if body is None:
            return self.reply(204, b"", "application/xml")
        self.reply(200, b"", "application/xml", ETag=self.server_obj.etag(body))

    def do_PUT(self):
        self.write(self.body())

    def do_DELETE(self):
        self.write(None)

class S3(_Base):
    """S3 (AWS_ENDPOINT_URL_S3): `buckets` maps bucket -> {key: bytes}; the
    ETag of an object is the quoted MD5 of its bytes, as S3's for a simple
    PUT; requests must be signed with (key, secret) for s3."""
    handler = _S3Handler

    def __init__(self, buckets, key="AKIDTEST", secret="secret"):
        super().__init__()
        self.buckets, self.key, self.secret = buckets, key, secret

    @staticmethod
    def etag(body):
        return '"%s"' % hashlib.md5(body).hexdigest()

    def paths(self):
        return [s["path"] for s in self.seen]

    def ops(self):
        return [s.get("op") for s in self.seen]
