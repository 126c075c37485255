#!/usr/bin/env python3
"""drop_proxy.py - a TCP proxy in front of PostgreSQL that loses a connection right after the
server has answered a chosen message, so that the client never hears the answer: the commit
was made and the client cannot know (authfcgi's DB_UNKNOWN, "outcome unknown").

Usage: drop_proxy.py PORT_FILE UPSTREAM_PORT TRIGGER...

Each TRIGGER is TYPE:TEXT, a frontend message type byte and a text its body contains, e.g.
Q:COMMIT (a simple query) or B:session_delete_token (the Bind of a prepared statement, which
names it); the triggers fire once each, in order. When a client message matches the next
one, the proxy forwards it, then withholds everything the server sends until its
ReadyForQuery (the statement, and its implicit or explicit transaction, is over), then
closes both sides and prints "dropped TRIGGER". Connections must not use TLS or GSS
encryption (sslmode=disable gssencmode=disable). Listens on 127.0.0.1 on a port of the
kernel's choosing and writes it to PORT_FILE (atomically) once listening."""
import os
import socket
import struct
import sys
import threading

lock = threading.Lock()


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_message(sock, typed):
    """One protocol message: (type byte or b'', whole raw bytes, body)."""
    head = read_exact(sock, 5 if typed else 4)
    kind = head[:1] if typed else b""
    length = struct.unpack("!I", head[-4:])[0]
    body = read_exact(sock, length - 4)
    return kind, head + body, body


class Link:
    def __init__(self, client, server, triggers):
        self.client = client
        self.server = server
        self.triggers = triggers
        self.armed = None  # the trigger whose answer is being withheld
        self.closed = False

    def close(self):
        with lock:
            if self.closed:
                return
            self.closed = True
        for s in (self.client, self.server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def client_to_server(self):
        typed = False  # the startup message (or a cancel request) has no type byte
        try:
            while True:
                kind, raw, body = read_message(self.client, typed)
                typed = True
                with lock:
                    if self.triggers and self.armed is None:
                        want_kind, text = self.triggers[0]
                        if kind == want_kind and text in body:
                            self.armed = self.triggers.pop(0)
                self.server.sendall(raw)
        except (EOFError, OSError):
            self.close()

    def server_to_client(self):
        try:
            while True:
                kind, raw, _ = read_message(self.server, True)
                with lock:
                    armed = self.armed
                if armed is None:
                    self.client.sendall(raw)
                elif kind == b"Z":
                    print("dropped %s:%s" % (armed[0].decode(), armed[1].decode()), flush=True)
                    self.close()
                    return
        except (EOFError, OSError):
            self.close()


def main():
    port_file, upstream = sys.argv[1], int(sys.argv[2])
    triggers = []
    for t in sys.argv[3:]:
        kind, text = t.split(":", 1)
        triggers.append((kind.encode(), text.encode()))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write("%d\n" % listener.getsockname()[1])
    os.rename(port_file + ".tmp", port_file)
    while True:
        client, _ = listener.accept()
        try:
            server = socket.create_connection(("127.0.0.1", upstream))
        except OSError:
            client.close()
            continue
        link = Link(client, server, triggers)  # the trigger list is shared: each fires once
        for fn in (link.client_to_server, link.server_to_client):
            threading.Thread(target=fn, daemon=True).start()


if __name__ == "__main__":
    main()
