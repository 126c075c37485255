#!/usr/bin/env python3
"""test/lib/fcgi_raw.py - hand-made FastCGI records for the tests that must send what no web
server would: a well-formed request (`get PATH`, prints the HTTP status it got, 0 when the
connection closed without an answer) and the CVE-2025-23016 payloads of libfcgi's ReadParams
(`hostile CASE`, see CASES), which only check that the connection ends.

    fcgi_raw.py SOCKET get PATH
    fcgi_raw.py SOCKET request ROLE NAME=VALUE...
                                      a request in ROLE (RESPONDER, AUTHORIZER, FILTER) with
                                      exactly these params; prints the answer's STDOUT as is
    fcgi_raw.py SOCKET hostile CASE
    fcgi_raw.py SOCKET cases          the case names, one a line

SOCKET is a unix socket path or HOST:PORT. Every socket operation has a timeout, so a worker
that stops answering makes the script fail instead of hanging.
"""
import socket
import struct
import sys

FCGI_BEGIN_REQUEST, FCGI_END_REQUEST, FCGI_PARAMS, FCGI_STDIN, FCGI_STDOUT = 1, 3, 4, 5, 6
RESPONDER = 1
ROLES = {"RESPONDER": 1, "AUTHORIZER": 2, "FILTER": 3}
TIMEOUT = 20


def record(rtype, content, request_id=1):
    """One record; content over 65535 bytes is the caller's business (split it)."""
    assert len(content) <= 0xFFFF
    return struct.pack(">BBHHBB", 1, rtype, request_id, len(content), 0, 0) + content


def stream(rtype, data):
    """data as a stream of records of type rtype, closed by an empty one."""
    out = b"".join(record(rtype, data[i:i + 0xFFFF]) for i in range(0, len(data), 0xFFFF))
    return out + record(rtype, b"")


def length(n):
    """A FastCGI name or value length: one byte below 128, else four with the top bit set."""
    return bytes([n]) if n < 0x80 else struct.pack(">I", n | 0x80000000)


def pair(name, value):
    return length(len(name)) + length(len(value)) + name + value


def begin(role=RESPONDER):
    return record(FCGI_BEGIN_REQUEST, struct.pack(">HB5x", role, 0))


def params_of(path):
    env = {
        b"REQUEST_METHOD": b"GET",
        b"REQUEST_URI": path.encode(),
        b"SCRIPT_NAME": path.encode(),
        b"REMOTE_ADDR": b"127.0.0.1",
        b"SERVER_PROTOCOL": b"HTTP/1.1",
    }
    return b"".join(pair(k, v) for k, v in env.items())


def connect(where):
    if ":" in where and not where.startswith("/"):
        host, port = where.rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(where)
    return s


def drain(s):
    """Read until the peer closes or ends the request; returns the STDOUT bytes."""
    buf, out = b"", b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return out
        if not chunk:
            return out
        buf += chunk
        while len(buf) >= 8:
            _, rtype, _, clen, plen, _ = struct.unpack(">BBHHBB", buf[:8])
            if len(buf) < 8 + clen + plen:
                break
            content, buf = buf[8:8 + clen], buf[8 + clen + plen:]
            if rtype == FCGI_STDOUT:
                out += content
            elif rtype == FCGI_END_REQUEST:
                return out


def get(where, path):
    s = connect(where)
    s.sendall(begin() + stream(FCGI_PARAMS, params_of(path)) + stream(FCGI_STDIN, b""))
    out = drain(s)
    s.close()
    for line in out.split(b"\r\n"):
        if line.lower().startswith(b"status:"):
            return int(line.split()[1])
    return 200 if out else 0


def request(where, role, assignments):
    """One request in role with the given NAME=VALUE params; returns the STDOUT bytes."""
    params = b"".join(pair(*a.encode().split(b"=", 1)) for a in assignments)
    s = connect(where)
    s.sendall(begin(ROLES[role]) + stream(FCGI_PARAMS, params) + stream(FCGI_STDIN, b""))
    out = drain(s)
    s.close()
    return out


# The filler that follows an oversized length: what a vulnerable ReadParams copies into a
# buffer of the wrapped-around size (heap overflow) or into NULL (a failed huge malloc).
FILL = b"A" * 4096
BIG = 64 * 1024 * 1024  # "many params adding up": 64 MiB of parameters in one request

CASES = {
    # Unpatched 2.4.2: nameLen + valueLen + 2 wraps a 32-bit int to 0, malloc(0), then 4 KiB
    # are copied into it (the heap overflow); Debian 12 refuses a length of 0x7fffffff.
    "both_max": length(0x7FFFFFFF) + length(0x7FFFFFFF) + FILL,
    # Each length passes the >= INT_MAX check Debian 12 has; their int sum + 2 is -2: malloc of
    # SIZE_MAX - 1 fails, libfcgi's assert aborts (without it: 4 KiB copied to NULL).
    "both_7ffffffe": length(0x7FFFFFFE) + length(0x7FFFFFFE) + FILL,
    # The lengths the CVE write-up uses: the sum is negative, malloc(SIZE_MAX - 29) fails.
    "both_7ffffff0": length(0x7FFFFFF0) + length(0x7FFFFFF0) + FILL,
    # Passes a nameLen >= INT_MAX check (the first upstream fix) and still wraps.
    "name_7ffffffe_value_1": length(0x7FFFFFFE) + length(1) + FILL,
    "name_max_value_0": length(0x7FFFFFFF) + length(0) + FILL,
    "value_max": length(1) + length(0x7FFFFFFF) + b"N" + FILL,
    # A length far beyond what the stream holds: the read must come up short and stop.
    "beyond_record": length(0x10000) + length(0x10000) + b"x" * 100,
    # A length prefix cut short by the end of the stream.
    "truncated_length": bytes([0x80, 0x00]),
    # Many plausible parameters adding up to BIG bytes: memory must come back afterwards.
    "many_params": b"".join(pair(b"HTTP_X_%06d" % i, b"v" * 60000) for i in range(BIG // 60000)),
}


# Management records (request id 0, FCGI_GET_VALUES), sent before or among the request's own
# records: libfcgi reads their pairs itself in ProcessManagementRecord, without our bounds.
FCGI_GET_VALUES = 9
MANAGEMENT = {
    # the malloc of the sum aborts libfcgi (assert)
    "mgmt_lengths": (True, length(0x7FFFFFFE) + length(0x7FFFFFFE) + FILL),
    # eight names: libfcgi's 64-byte answer on the stack overflows ("stack smashing")
    "mgmt_mpxs_repeated": (False, pair(b"FCGI_MPXS_CONNS", b"") * 8),
}


def hostile(where, case):
    s = connect(where)
    if case in MANAGEMENT:
        first, content = MANAGEMENT[case]
        mgmt = record(FCGI_GET_VALUES, content, request_id=0)
        payload = (mgmt + begin() if first else begin() + mgmt) + stream(FCGI_PARAMS, b"") + \
            stream(FCGI_STDIN, b"")
    else:
        payload = begin() + stream(FCGI_PARAMS, CASES[case]) + stream(FCGI_STDIN, b"")
    try:
        s.sendall(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the worker gave up on the request early: what it should do
    try:
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    drain(s)
    s.close()


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    where, cmd = argv[1], argv[2]
    if cmd == "get":
        print(get(where, argv[3]))
    elif cmd == "request":
        sys.stdout.buffer.write(request(where, argv[3], argv[4:]))
    elif cmd == "hostile":
        hostile(where, argv[3])
    elif cmd == "cases":
        print("\n".join(list(CASES) + list(MANAGEMENT)))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
