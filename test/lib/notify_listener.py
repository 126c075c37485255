#!/usr/bin/python3
"""test/lib/notify_listener.py - a stand-in for systemd's $NOTIFY_SOCKET: bind a datagram
socket (abstract when NAME starts with '@') and append every message received to LOG, one a
line, its lines joined by spaces. Runs until killed.

    notify_listener.py NAME LOG
"""
import socket
import sys


def main(name, log):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind("\0" + name[1:] if name.startswith("@") else name)
    with open(log, "a", encoding="utf-8") as out:
        out.write("listening\n")
        out.flush()
        while True:
            data = s.recv(4096).decode("utf-8", "replace")
            out.write(" ".join(line for line in data.split("\n") if line) + "\n")
            out.flush()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
