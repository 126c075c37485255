#!/usr/bin/env python3
"""contrib/differential/differ.py - plays scenario files against Better Auth and authfcgi,
normalises both answers and prints per step "same" or the differences; run.sh starts the
servers and calls it. Exit status 0 only when every difference is listed in known.txt.

Usage: differ.py --ba URL --af URL --ba-mail FILE --ba-db CONNINFO --af-db CONNINFO
                 --known FILE SCENARIO.json...
A scenario is a JSON list of steps, each played on both sides, in order:
  {"name": N, "path": "/sign-in/email", "method": M, "body": JSON | "raw": TEXT,
   "jar": J, "origin": "trusted"|"bad"|"none", "headers": {...}, "unordered": true,
   "capture": {"var": "user.id" | "totpURI|re:secret=([A-Z2-7]+)"}}
      an HTTP request below /api/auth (method GET without a body, else POST); J names the
      cookie jar sent and updated (one per side); "unordered" sorts lists before comparing
  {"name": N, "mail": {"kind": K, "to": ADDR, "var": V}}   the next unread mail of kind K
      (reset-password, verify-email, change-email, two-factor-otp) to ADDR: its token or code
  {"name": N, "sql": SQL}     run on both databases (e.g. to make the first admin)
  {"name": N, "set": {...}}   set variables
Strings may use {{var}} (a captured value of that side) and {{totp:var}} (the current TOTP
code of a base32 secret captured as var)."""
import argparse
import base64
import email
import email.policy
import hmac
import http.client
import json
import re
import struct
import subprocess
import sys
import time
import urllib.parse

TRUSTED_ORIGIN = "http://localhost:8080"
BAD_ORIGIN = "http://evil.example.com"
MAIL_WAIT_S = 15
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
# Keys whose values are per-side identities: replaced by <STEP:FIELD> of the place each value
# was first seen, so "the same id as before" still compares while the value itself differs,
# and a difference in one answer does not shift the names in later ones.
REF_KEYS = {"id", "userId", "token", "impersonatedBy", "sessionId"}
HEADERS = ("content-type", "cache-control", "location", "set-auth-token")


class Side:
    """One server under test: its URL, cookie jars, captured variables and mail sink."""

    def __init__(self, name, url, db):
        self.name, self.db = name, db
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.prefix = u.hostname, u.port, u.path.rstrip("/")
        self.base = f"{u.scheme}://{u.netloc}"
        self.jars, self.vars, self.refs = {}, {}, {}
        self.mail_seen = set()
        self.dump = None  # file name stem for this step's raw exchange, when kept

    def ref(self, value, where):
        """<WHERE>, WHERE being the step and field the value was first seen in."""
        if value not in self.refs:
            self.refs[value] = f"<{where}>"
        return self.refs[value]

    def psql(self, sql):
        out = subprocess.run(["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", self.db,
                              "-c", sql], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"{self.name}: psql: {out.stderr.strip()}")
        return out.stdout


class BetterAuth(Side):
    def __init__(self, url, db, mail_file):
        super().__init__("better-auth", url, db)
        self.mail_file = mail_file

    def mails(self):
        with open(self.mail_file, encoding="utf-8") as f:
            for i, line in enumerate(f):
                m = json.loads(line)
                kind = m["kind"]
                # Better Auth mails a change of address as a verification of the new one.
                if kind == "verify-email" and "change-email-verification" in jwt_claims(m["token"]):
                    kind = "change-email"
                yield i, kind, m["to"], m["token"]


class Authfcgi(Side):
    def __init__(self, url, db):
        super().__init__("authfcgi", url, db)

    def mails(self):
        rows = self.psql("SELECT id, kind, recipient, translate(encode(convert_to(coalesce("
                         "message, ''), 'UTF8'), 'base64'), E'\\n', '') FROM authfcgi_outbox "
                         "ORDER BY id")
        for line in rows.splitlines():
            if not line.strip():
                continue
            mid, kind, to, msg = line.split("|", 3)
            yield int(mid), kind, to, mail_token(kind, base64.b64decode(msg))


def jwt_claims(token):
    try:
        part = token.split(".")[1]
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()
    except (IndexError, ValueError):
        return ""


def mail_token(kind, raw):
    """The token or code a user would take from authfcgi's mail of KIND."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    part = msg.get_body(preferencelist=("plain",)) if msg.is_multipart() else msg
    text = part.get_content() if part is not None else ""
    pattern = {"reset-password": r"/reset-password/([^?\s]+)",
               "two-factor-otp": r"\b(\d{6})\b"}.get(kind, r"[?&]token=([^&\s]+)")
    m = re.search(pattern, text)
    return urllib.parse.unquote(m.group(1)) if m else None


def totp(secret_b32, offset=0):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30 + offset), "sha1").digest()
    o = mac[19] & 15
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


def substitute(value, side):
    """{{name}} is a captured variable of SIDE; {{totp:name}} the current TOTP of that secret."""
    if isinstance(value, str):
        def one(m):
            key = m.group(1)
            if key.startswith("totp:"):
                return totp(side.vars[key[5:]])
            if key not in side.vars:
                raise KeyError(f"{side.name}: variable {key} not captured")
            return str(side.vars[key])
        whole = re.fullmatch(r"\{\{([^}:]+)\}\}", value)
        if whole and whole.group(1) in side.vars:
            return side.vars[whole.group(1)]  # keeps a captured number or list as it is
        return re.sub(r"\{\{([^}]+)\}\}", one, value)
    if isinstance(value, list):
        return [substitute(v, side) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, side) for k, v in value.items()}
    return value


def request(side, step):
    method = step.get("method", "POST" if "body" in step or "raw" in step else "GET")
    path = substitute(step["path"], side)
    headers = {k: substitute(v, side) for k, v in step.get("headers", {}).items()}
    origin = step.get("origin", "trusted")
    # Better Auth takes the client address from X-Forwarded-For alone; authfcgi from the
    # connection (nginx, 127.0.0.1): the header makes both record the same address.
    headers.setdefault("X-Forwarded-For", "127.0.0.1")
    headers.setdefault("User-Agent", "authfcgi-differential")
    if origin == "trusted":
        headers.setdefault("Origin", TRUSTED_ORIGIN)
    elif origin == "bad":
        headers["Origin"] = BAD_ORIGIN
    body = None
    if "body" in step:
        body = json.dumps(substitute(step["body"], side)).encode()
        headers.setdefault("Content-Type", "application/json")
    elif "raw" in step:
        body = step["raw"].encode()
        headers.setdefault("Content-Type", "application/json")
    jar = side.jars.setdefault(step.get("jar", "none"), {}) if step.get("jar") else None
    if jar:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
    conn = http.client.HTTPConnection(side.host, side.port, timeout=30)
    conn.request(method, side.prefix + path, body, headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
    if jar is not None:
        for c in cookies:
            name, _, rest = c.partition("=")
            value = rest.split(";")[0]
            if re.search(r"(?i)max-age=0\b", c) or value == "":
                jar.pop(name, None)
            else:
                jar[name] = value
    if side.dump:
        with open(f"{side.dump}.{side.name}", "w", encoding="utf-8") as f:
            f.write(f"{method} {path}\n{json.dumps(headers)}\n{body.decode() if body else ''}\n\n"
                    f"{r.status} {r.reason}\n")
            f.writelines(f"{k}: {v}\n" for k, v in r.getheaders())
            f.write("\n" + data.decode("utf-8", "replace") + "\n")
    hdrs = {k.lower(): v for k, v in r.getheaders() if k.lower() in HEADERS}
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data.decode("utf-8", "replace")[:300]
    return r.status, hdrs, cookies, parsed


def dig(obj, path):
    """a.b[1].c of a JSON value; a path ending in |re:REGEX takes the regex's first group."""
    path, _, regex = path.partition("|re:")
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            obj = obj[int(part[1:-1])]
        else:
            obj = obj[part]
    if regex:
        obj = re.search(regex, obj).group(1)
    return obj


def norm_string(s, side):
    if ISO_TIME.match(s):
        return "<time>"
    if s in side.refs:
        return side.refs[s]
    s = s.replace(side.base, "<base>")
    s = re.sub(r"secret=[A-Z2-7]+", "secret=<secret>", s)
    for value, ref in side.refs.items():
        if len(value) >= 16 and value in s:
            s = s.replace(value, ref)
    return s


def norm_json(v, side, where, key=None, unordered=False):
    if isinstance(v, dict):
        return {k: norm_json(x, side, f"{where}.{k}", k, unordered) for k, x in v.items()}
    if isinstance(v, list):
        if key == "backupCodes":
            return [re.sub(r"[A-Za-z0-9]", "x", c) for c in v]
        # In a list whose order is not compared, a place is the list, not the index.
        out = [norm_json(x, side, f"{where}[{'' if unordered else i}]", None, unordered)
               for i, x in enumerate(v)]
        return sorted(out, key=lambda x: json.dumps(x, sort_keys=True)) if unordered else out
    if isinstance(v, str):
        if key in REF_KEYS and v:
            return side.ref(v, where)
        return norm_string(v, side)
    return v


def norm_cookie(c, side):
    name, _, rest = c.partition("=")
    value, *attrs = [p.strip() for p in rest.split(";")]
    attrs = ["Expires=<date>" if a.lower().startswith("expires=") else a for a in attrs]
    return f"{name}={'<value>' if value else ''}; " + "; ".join(attrs)


def normalise(side, answer, step):
    status, hdrs, cookies, body = answer
    out = {"status": status}
    for h in HEADERS:
        if h in hdrs:
            v = hdrs[h]
            out["header." + h] = "<token>" if h == "set-auth-token" else norm_string(v, side)
    out["cookies"] = [norm_cookie(c, side) for c in cookies]
    out["body"] = norm_json(body, side, step["name"] + ":body",
                            unordered=step.get("unordered", False))
    return out


def compare(a, b, path, diffs):
    """Differences of two normalised values as (field, better-auth, authfcgi)."""
    if isinstance(a, dict) and isinstance(b, dict):
        if [k for k in a if k in b] != [k for k in b if k in a]:
            diffs.append((path + ":order", list(a), list(b)))
        for k in a:
            sub = f"{path}.{k}" if path else k
            if k not in b:
                diffs.append((sub, a[k], "<absent>"))
            else:
                compare(a[k], b[k], sub, diffs)
        for k in b:
            if k not in a:
                diffs.append((f"{path}.{k}" if path else k, "<absent>", b[k]))
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{path}[{i}]", diffs)
    elif a != b or type(a) is not type(b):
        diffs.append((path, a, b))


def last_of_each(cookies):
    """The Set-Cookie lines a client acts on: of each name the last line, where it came."""
    last = {c.partition("=")[0]: i for i, c in enumerate(cookies)}
    return [c for i, c in enumerate(cookies) if last[c.partition("=")[0]] == i]


def repeated_cookies(answers):
    """When two answers' cookie lists differ only in lines a later one of the same name
    overrides, that is the field "cookies:repeated" (the cookies themselves then compare
    equal); any other cookie difference is compared as usual."""
    a, b = answers[0]["cookies"], answers[1]["cookies"]
    if a == b or last_of_each(a) != last_of_each(b):
        return []
    answers[0]["cookies"] = answers[1]["cookies"]
    return [("cookies:repeated", a, b)]


def capture(side, step, body):
    for var, path in step.get("capture", {}).items():
        try:
            side.vars[var] = dig(body, path)
            if isinstance(side.vars[var], str):
                side.ref(side.vars[var], var)
        except (KeyError, IndexError, TypeError, AttributeError):
            pass  # the answer differs; the diff shows it, later steps using it will say so


def take_mail(side, spec):
    """Wait for the next unread mail of a kind to an address and keep its token."""
    to = substitute(spec["to"], side)
    deadline = time.monotonic() + MAIL_WAIT_S
    while time.monotonic() < deadline:
        for mid, kind, rcpt, token in side.mails():
            if mid not in side.mail_seen and kind == spec["kind"] and rcpt.lower() == to.lower():
                if not token:
                    raise RuntimeError(f"{side.name}: {kind} mail to {to} has no token")
                side.mail_seen.add(mid)
                side.vars[spec["var"]] = token
                side.ref(token, spec["var"])
                return "mail " + kind
        time.sleep(0.05)
    raise TimeoutError(f"{side.name}: no {spec['kind']} mail to {to} within {MAIL_WAIT_S} s")


def load_known(path):
    known = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if line:
                step, field, *why = line.split(None, 2)
                known.append((step, field, n))
    return known


def glob(pattern, text):
    """PATTERN with * for any run of characters; everything else, brackets too, literal."""
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), text) is not None


def is_known(known, step, field, used):
    for pattern, fpat, n in known:
        if glob(pattern, step) and glob(fpat, field):
            used.add(n)
            return True
    return False


def short(v):
    s = json.dumps(v) if not isinstance(v, str) else v
    return s if len(s) <= 160 else s[:157] + "..."


def play(step, sides):
    """Run one step on both sides; None when it is not an HTTP step, else the two answers."""
    if "sql" in step:
        for s in sides:
            s.psql(step["sql"])
        return None
    if "mail" in step:
        for s in sides:
            take_mail(s, step["mail"])
        return None
    if "set" in step:
        for s in sides:
            s.vars.update(substitute(step["set"], s))
        return None
    answers = []
    for s in sides:
        a = request(s, step)
        capture(s, step, a[3])
        answers.append(normalise(s, a, step))
    return answers


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--ba", "--af", "--ba-mail", "--ba-db", "--af-db", "--known"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--dump", help="directory for the raw exchanges, one file per step and side")
    ap.add_argument("scenarios", nargs="+")
    args = ap.parse_args()
    sides = [BetterAuth(args.ba, args.ba_db, args.ba_mail), Authfcgi(args.af, args.af_db)]
    known, used = load_known(args.known), set()
    counts = {"same": 0, "known": 0, "new": 0, "steps": 0}
    for path in args.scenarios:
        with open(path, encoding="utf-8") as f:
            steps = json.load(f)
        print(f"== {path.rsplit('/', 1)[-1]}")
        for step in steps:
            name = step["name"]
            for s in sides:
                s.dump = args.dump and f"{args.dump}/{counts['steps'] + 1:03d}-{name}"
            try:
                answers = play(step, sides)
            except (KeyError, RuntimeError, TimeoutError, OSError, TypeError) as e:
                print(f"{name:40s} ERROR {e}")
                counts["new"] += 1
                continue
            if answers is None:
                continue
            counts["steps"] += 1
            diffs = repeated_cookies(answers)
            compare(answers[0], answers[1], "", diffs)
            if not diffs:
                counts["same"] += 1
                print(f"{name:40s} same ({answers[0]['status']})")
                continue
            new = [d for d in diffs if not is_known(known, name, d[0], used)]
            counts["known"] += len(diffs) - len(new)
            counts["new"] += len(new)
            label = "DIFFERS" if new else "known"
            print(f"{name:40s} {label} ({answers[0]['status']}/{answers[1]['status']})")
            for field, a, b in diffs if (new or args.verbose) else []:
                mark = "  " if (field, a, b) not in new else "! "
                print(f"    {mark}{field}\n        better-auth: {short(a)}\n        authfcgi:    {short(b)}")
    unused = [n for _, _, n in known if n not in used]
    print(f"\n{counts['steps']} steps: {counts['same']} same; {counts['known']} known differences; "
          f"{counts['new']} unexplained")
    if unused and args.verbose:
        print("known.txt lines not met in this run: " + ", ".join(map(str, unused)))
    return 0 if counts["new"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
