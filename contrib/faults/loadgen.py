#!/usr/bin/env python3
"""loadgen.py - a closed-loop mixed load on the Better Auth API through a web server, recording
every response, for contrib/faults/fault-load.sh.

The mix is the one the issue asks for: get-session 80 %, sign-in 10 %, sign-up 5 %, sign-out
5 %. Each of CONCURRENCY threads keeps one HTTP/1.1 connection to the web server and sends its
next request as soon as the last one is answered. Sessions come from sign-ups and sign-ins
(a shared pool; sign-out takes one out of it), sign-ins use the users signed up so far (SEED
users are signed up first, before the recording starts).

One JSON line per response on stdout:
  {"t": wall-clock start (s), "op": ..., "status": HTTP status or 0 (no answer),
   "ms": latency, "ra": Retry-After present, "code": the body's "code" or null,
   "email": the address (sign-ups only), "err": why there was no answer (status 0 only)}
The run ends at --until (wall clock) or when --stop-file appears. Loopback only: the URL must
point to 127.0.0.1 or ::1.
"""
import argparse
import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

COOKIE = "better-auth.session_token"
PASSWORD = "fault-load-password-1"
MIX = [("get-session", 80), ("sign-in", 10), ("sign-up", 5), ("sign-out", 5)]


class Shared:
    """What the threads share: sessions (cookie values), users, the output, a counter."""

    def __init__(self, run_id):
        self.lock = threading.Lock()
        self.sessions = []
        self.users = []
        self.serial = 0
        self.run_id = run_id

    def new_email(self):
        with self.lock:
            self.serial += 1
            return "fl-%s-%d@example.com" % (self.run_id, self.serial)

    def add_session(self, token):
        with self.lock:
            if len(self.sessions) >= 500:
                self.sessions[random.randrange(len(self.sessions))] = token
            else:
                self.sessions.append(token)

    def any_session(self):
        with self.lock:
            return random.choice(self.sessions) if self.sessions else None

    def take_session(self):
        with self.lock:
            if not self.sessions:
                return None
            i = random.randrange(len(self.sessions))
            self.sessions[i], self.sessions[-1] = self.sessions[-1], self.sessions[i]
            return self.sessions.pop()

    def add_user(self, email):
        with self.lock:
            self.users.append(email)

    def any_user(self):
        with self.lock:
            return random.choice(self.users) if self.users else None


class Client:
    """One keep-alive connection to the web server; reconnects after any failure."""

    def __init__(self, url, origin, timeout):
        u = urllib.parse.urlsplit(url)
        if u.hostname not in ("127.0.0.1", "::1", "localhost"):
            sys.exit("loadgen: loopback only, not %s" % u.hostname)
        self.host, self.port, self.origin, self.timeout = u.hostname, u.port or 80, origin, timeout
        self.conn = None
        self.used = 0.0

    def request(self, method, path, body=None, cookie=None):
        """Returns (status, headers dict lower-case -> list, body bytes); raises on no answer."""
        headers = {"Accept": "application/json"}
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if method != "GET":
            headers["Origin"] = self.origin
            if body is None:
                body = b"{}"
                headers["Content-Type"] = "application/json"
        if cookie:
            headers["Cookie"] = "%s=%s" % (COOKIE, cookie)
        # Never send a request twice (a sign-up sent again would blur what the first did): a
        # connection idle for a while may have been closed by the server, so take a new one.
        if self.conn is not None and time.monotonic() - self.used > 1.0:
            self.conn.close()
            self.conn = None
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            data = r.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        self.used = time.monotonic()
        hdrs = {}
        for k, v in r.getheaders():
            hdrs.setdefault(k.lower(), []).append(v)
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return r.status, hdrs, data


def session_cookie(hdrs):
    for line in hdrs.get("set-cookie", []):
        name, _, rest = line.partition("=")
        if name.strip() == COOKIE:
            value = rest.split(";", 1)[0]
            return value or None
    return None


def pick_op():
    n = random.randrange(100)
    for op, weight in MIX:
        if n < weight:
            return op
        n -= weight
    return MIX[0][0]


def one(client, shared, op):
    """Send one request of kind op; returns the record (without t/ms)."""
    rec = {"op": op, "email": None}
    cookie = None
    if op == "get-session":
        cookie = shared.any_session()
        if cookie is None:
            op = rec["op"] = "sign-in"
    if op == "sign-out":
        cookie = shared.take_session()
        if cookie is None:
            op = rec["op"] = "sign-in"
    if op == "sign-in" and shared.any_user() is None:
        op = rec["op"] = "sign-up"
    if op == "get-session":
        st, hdrs, body = client.request("GET", "/api/auth/get-session", cookie=cookie)
    elif op == "sign-out":
        st, hdrs, body = client.request("POST", "/api/auth/sign-out", cookie=cookie)
    elif op == "sign-in":
        st, hdrs, body = client.request(
            "POST", "/api/auth/sign-in/email", {"email": shared.any_user(), "password": PASSWORD}
        )
    else:
        email = shared.new_email()
        rec["email"] = email
        st, hdrs, body = client.request(
            "POST",
            "/api/auth/sign-up/email",
            {"name": "Fault Load", "email": email, "password": PASSWORD},
        )
        if st == 200:
            shared.add_user(email)
    if st == 200 and op in ("sign-in", "sign-up"):
        token = session_cookie(hdrs)
        if token:
            shared.add_session(token)
    rec["status"] = st
    rec["ra"] = "retry-after" in hdrs
    code = None
    if body[:1] == b"{":
        try:
            code = json.loads(body).get("code")
        except ValueError:
            code = "unparsable-json"
    rec["code"] = code
    return rec


def worker(args, shared, out, out_lock, stop):
    client = Client(args.url, args.origin, args.timeout)
    while not stop.is_set():
        op = pick_op()
        t0 = time.time()
        m0 = time.monotonic()
        try:
            rec = one(client, shared, op)
        except Exception as e:  # no answer at all: the worst outcome, recorded as status 0
            rec = {"op": op, "status": 0, "ra": False, "code": None, "email": None,
                   "err": type(e).__name__}
        rec["t"] = round(t0, 4)
        rec["ms"] = round((time.monotonic() - m0) * 1000, 1)
        line = json.dumps(rec, separators=(",", ":"))
        with out_lock:
            out.write(line + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", required=True, help="the web server, e.g. http://127.0.0.1:8081")
    p.add_argument("--origin", required=True, help="a trusted Origin for the POSTs")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--seed", type=int, default=20, help="users signed up before recording")
    p.add_argument("--until", type=float, help="stop at this wall-clock time")
    p.add_argument("--stop-file", help="stop when this file exists")
    p.add_argument("--timeout", type=float, default=15, help="client timeout per request, s")
    p.add_argument("--run-id", default=str(os.getpid()))
    p.add_argument("--ready-file", help="created once the seed users exist")
    args = p.parse_args()

    shared = Shared(args.run_id)
    seeder = Client(args.url, args.origin, args.timeout)
    deadline = time.time() + 30
    while len(shared.users) < args.seed:
        if time.time() > deadline:
            sys.exit("loadgen: could not sign up %d seed users" % args.seed)
        try:
            rec = one(seeder, shared, "sign-up")
            if rec["status"] != 200:
                time.sleep(0.2)
        except Exception:
            time.sleep(0.2)
    if args.ready_file:
        open(args.ready_file, "w").close()

    out_lock = threading.Lock()
    stop = threading.Event()
    out = sys.stdout
    threads = [
        threading.Thread(target=worker, args=(args, shared, out, out_lock, stop), daemon=True)
        for _ in range(args.concurrency)
    ]
    for t in threads:
        t.start()
    while True:
        if args.until is not None and time.time() >= args.until:
            break
        if args.stop_file and os.path.exists(args.stop_file):
            break
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(args.timeout + 5)
    out.flush()


if __name__ == "__main__":
    main()
