#!/usr/bin/env python3
"""delay_proxy.py - a TCP relay on loopback that can hold new connections back, to play a
Neon compute's cold start in front of PostgreSQL (contrib/faults/fault-load.sh).

  delay_proxy.py LISTEN_PORT TARGET_PORT CONTROL_FILE

Relays 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT. Each new connection first waits the
number of seconds written in CONTROL_FILE (missing, empty or unparsable: 0), read when the
connection arrives, before the relay connects onward; established connections are never
delayed. Prints "ready" on stdout once it listens. Stops on SIGTERM.
"""
import os
import select
import signal
import socket
import sys
import threading
import time


def delay_now(control):
    try:
        with open(control) as f:
            return max(0.0, float(f.read().strip() or 0))
    except (OSError, ValueError):
        return 0.0


def pump(a, b):
    """Copy both ways until either side closes."""
    socks = [a, b]
    try:
        while True:
            readable, _, _ = select.select(socks, [], [], 60)
            for s in readable:
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)
    except OSError:
        pass
    finally:
        for s in socks:
            try:
                s.close()
            except OSError:
                pass


def serve(client, target_port, control):
    wait = delay_now(control)
    if wait > 0:
        time.sleep(wait)
    try:
        upstream = socket.create_connection(("127.0.0.1", target_port), timeout=10)
        upstream.settimeout(None)
    except OSError:
        client.close()
        return
    pump(client, upstream)


def main():
    listen_port, target_port, control = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen_port))
    srv.listen(128)
    print("ready", flush=True)
    while True:
        client, _ = srv.accept()
        threading.Thread(target=serve, args=(client, target_port, control), daemon=True).start()


if __name__ == "__main__":
    main()
