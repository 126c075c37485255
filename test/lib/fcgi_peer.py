#!/usr/bin/python3
"""test/lib/fcgi_peer.py - a FastCGI peer for tests, well-behaved or stalling.

  fcgi_peer.py ADDR request [SRC]   one GET /api/auth/ok; prints the Status line of the answer,
                                    or "closed" when the connection ends without one
  fcgi_peer.py ADDR stall MODE      send part of a request and wait for the worker to close the
                                    connection; prints "closed" then, or "open" after 30 s.
                                    MODE: nothing | header (half a record header) | params
                                    (BEGIN_REQUEST and half the params) | body (params done,
                                    half of a declared 10-byte body) | trickle (params done,
                                    then a 1000-byte body one byte a record every 50 ms: never
                                    a stall, but far slower than any deadline; "late" when the
                                    connection ended only after 500 bytes, when the body was
                                    nearly all there)
ADDR: /unix/socket/path, 127.0.0.1:PORT or [::1]:PORT. SRC: a local address to connect from.
"""
import socket
import struct
import sys


def connect(addr, src=None):
    if addr.startswith("/"):
        s = socket.socket(socket.AF_UNIX)
        s.connect(addr)
        return s
    host, port = addr.rsplit(":", 1)
    family = socket.AF_INET6 if host.startswith("[") else socket.AF_INET
    s = socket.socket(family)
    if src:
        s.bind((src, 0))
    s.connect((host.strip("[]"), int(port)))
    return s


def record(kind, content, req_id=1):
    return struct.pack(">BBHHBx", 1, kind, req_id, len(content), 0) + content


def pair(name, value):
    n, v = name.encode(), value.encode()
    return bytes([len(n), len(v)]) + n + v


BEGIN = record(1, struct.pack(">HB5x", 1, 0))  # RESPONDER, no keep-alive


def params(body_len=None):
    p = pair("REQUEST_METHOD", "GET" if body_len is None else "POST")
    p += pair("REQUEST_URI", "/api/auth/ok") + pair("REMOTE_ADDR", "127.0.0.1")
    if body_len is not None:
        p += pair("CONTENT_LENGTH", str(body_len)) + pair("CONTENT_TYPE", "application/json")
    return p


def wait_closed(s, secs):
    s.settimeout(secs)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True, data
            data += chunk
    except socket.timeout:
        return False, data
    except ConnectionResetError:
        return True, data


def main():
    addr, cmd = sys.argv[1], sys.argv[2]
    if cmd == "request":
        s = connect(addr, sys.argv[3] if len(sys.argv) > 3 else None)
        try:
            s.sendall(BEGIN + record(4, params()) + record(4, b"") + record(5, b""))
        except (BrokenPipeError, ConnectionResetError):
            pass
        _, data = wait_closed(s, 20)
        for line in data.split(b"\r\n"):
            if b"Status:" in line:
                print(line[line.index(b"Status:"):].decode())
                return
        print("closed")
        return
    mode = sys.argv[3]
    s = connect(addr)
    if mode == "header":
        s.sendall(BEGIN[:4])
    elif mode == "params":
        p = record(4, params())
        s.sendall(BEGIN + p[: len(p) // 2])
    elif mode == "body":
        s.sendall(BEGIN + record(4, params(10)) + record(4, b"") + record(5, b'{"a":')[:13])
    elif mode == "trickle":
        s.sendall(BEGIN + record(4, params(1000)) + record(4, b""))
        for i in range(1000):
            try:
                s.sendall(record(5, b" "))
                closed, _ = wait_closed(s, 0.05)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
            if closed:
                print("closed" if i < 500 else "late")
                return
        print("open")
        return
    closed, _ = wait_closed(s, 30)
    print("closed" if closed else "open")


main()
