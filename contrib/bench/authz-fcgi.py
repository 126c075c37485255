#!/usr/bin/env python3
"""contrib/bench/authz-fcgi.py - the FastCGI client of contrib/bench/authz-callgrind.sh: speaks
to one authfcgi socket directly, with the params nginx sends (its fastcgi_params, the
auth_request location of authz-bench.sh), so that callgrind sees only the worker.

    authz-fcgi.py SOCKET sign-up EMAIL        the answer's headers (Set-Cookie: the token)
    authz-fcgi.py SOCKET get-session COOKIE   the answer's headers (session_data when on)
    authz-fcgi.py SOCKET checks N COOKIE      N authorizer checks; fails unless each is 200
    authz-fcgi.py SOCKET get-sessions N COOKIE
                                              N get-session requests; fails unless each is 200
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "test", "lib"))
import fcgi_raw as f  # noqa: E402

ORIGIN = "http://127.0.0.1:8080"


def env_of(method, uri, cookie):
    return {
        "QUERY_STRING": "", "REQUEST_METHOD": method, "CONTENT_TYPE": "",
        "CONTENT_LENGTH": "", "SCRIPT_NAME": uri, "REQUEST_URI": uri, "DOCUMENT_URI": uri,
        "DOCUMENT_ROOT": "/srv/www", "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_SCHEME": "http",
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "nginx/1.22.1",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "8080", "SERVER_NAME": "", "REDIRECT_STATUS": "200",
        "HTTP_HOST": "127.0.0.1:8080", "HTTP_USER_AGENT": "wrk", "HTTP_COOKIE": cookie,
        "REQUEST_ID": "0123456789abcdef0123456789abcdef",
    }


def send(sock, env, body=b""):
    params = b"".join(f.pair(k.encode(), v.encode()) for k, v in env.items())
    s = f.connect(sock)
    s.sendall(f.begin(f.RESPONDER) + f.stream(f.FCGI_PARAMS, params) +
              f.stream(f.FCGI_STDIN, body))
    out = f.drain(s)
    s.close()
    return out


def main():
    sock, what = sys.argv[1], sys.argv[2]
    if what == "sign-up":
        body = json.dumps({"email": sys.argv[3], "password": "bench-password-1",
                           "name": "Bench User"}).encode()
        env = env_of("POST", "/api/auth/sign-up/email", "")
        env.update({"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
                    "HTTP_ORIGIN": ORIGIN})
        sys.stdout.write(send(sock, env, body).decode(errors="replace"))
    elif what == "get-session":
        sys.stdout.write(send(sock, env_of("GET", "/api/auth/get-session", sys.argv[3]))
                         .decode(errors="replace"))
    elif what == "checks":
        env = env_of("GET", "/_authfcgi", sys.argv[4])
        env.update({"AUTHFCGI_AUTHORIZE": "1", "AUTHFCGI_ORIGINAL_URI": "/private/1k.html",
                    "AUTHFCGI_ORIGINAL_METHOD": "GET"})
        for _ in range(int(sys.argv[3])):
            out = send(sock, env)
            if not out.startswith(b"Status: 200"):
                sys.exit("authz-fcgi: a check answered %r" % out[:120])
    elif what == "get-sessions":
        env = env_of("GET", "/api/auth/get-session", sys.argv[4])
        for _ in range(int(sys.argv[3])):
            out = send(sock, env)
            if not out.startswith(b"Status: 200") or b'"session"' not in out:
                sys.exit("authz-fcgi: a get-session answered %r" % out[:120])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
