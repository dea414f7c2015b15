#!/usr/bin/env python3
"""Slow and endless clients for the fault suite (tests/fault/test-slowloris.sh).

slow-client.py dribble SOCKET N SECONDS INTERVAL [PROCS]
    PROCS processes (default 1) each open N connections to SOCKET and send one byte of a
    request header every INTERVAL seconds on each, for SECONDS. Prints, once done, one line
    per process: "opened O refused R cut C alive A" where refused = answered 429, cut =
    closed by the daemon (with or without a 408), alive = still open at the end.
slow-client.py chunked SOCKET MAX_BYTES SECONDS [CHUNK] [INTERVAL]
    One POST /v1/validate with a chunked body that never ends: CHUNK-byte chunks (default
    65536) every INTERVAL seconds (default 0). Prints "sent S status T elapsed E" once the
    daemon closed the connection, or "sent S status none elapsed E" after MAX_BYTES or
    SECONDS without it doing so.
"""
import os, select, socket, sys, time

HEADER = b"GET /v1/health HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + b"a" * 4000


def dribble(path, n, seconds, interval):
    conns, refused, cut = [], 0, 0
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        s.setblocking(False)
        conns.append([s, 0])
    end = time.monotonic() + seconds
    opened = len(conns)
    while conns and time.monotonic() < end:
        for c in list(conns):
            s, pos = c
            closed, status = False, None
            try:
                data = s.recv(4096)
                if data:
                    status = data.split(b" ", 2)[1] if data.startswith(b"HTTP/") else b"?"
                closed = True if not data or status else False
            except BlockingIOError:
                pass
            except OSError:
                closed = True
            if not closed:
                try:
                    s.send(HEADER[pos % len(HEADER):pos % len(HEADER) + 1])
                    c[1] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    closed = True
            if closed:
                if status == b"429":
                    refused += 1
                else:
                    cut += 1
                s.close()
                conns.remove(c)
        time.sleep(interval)
    # One write per line: the processes of one run share stdout, and print() writes the line
    # and its newline apart, so two lines could interleave ("alive 16opened 20 ...").
    os.write(1, b"opened %d refused %d cut %d alive %d\n" % (opened, refused, cut, len(conns)))
    for s, _ in conns:
        s.close()


def chunked(path, max_bytes, seconds, chunk, interval):
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(b"POST /v1/validate HTTP/1.1\r\nHost: localhost\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    piece = b"%x\r\n" % chunk + b" " * chunk + b"\r\n"
    sent, status, start = 0, None, time.monotonic()
    s.setblocking(False)
    answer = b""
    while sent < max_bytes and time.monotonic() - start < seconds:
        r, w, _ = select.select([s], [s], [], 0.5)
        if r:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            answer += data
            if not data:
                break
            continue
        if w:
            try:
                sent += s.send(piece)
            except BlockingIOError:
                pass
            except OSError:
                break
            if interval:
                time.sleep(interval)
    else:
        print("sent %d status none elapsed %.1f" % (sent, time.monotonic() - start), flush=True)
        return
    try:
        s.setblocking(True)
        s.settimeout(2)
        while True:
            data = s.recv(4096)
            if not data:
                break
            answer += data
    except OSError:
        pass
    if answer.startswith(b"HTTP/"):
        status = answer.split(b" ", 2)[1].decode()
    print("sent %d status %s elapsed %.1f" % (sent, status or "closed", time.monotonic() - start),
          flush=True)


if sys.argv[1] == "dribble":
    path, n, seconds, interval = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5])
    procs = int(sys.argv[6]) if len(sys.argv) > 6 else 1
    children = []
    for _ in range(procs - 1):
        pid = os.fork()
        if pid == 0:
            dribble(path, n, seconds, interval)
            os._exit(0)
        children.append(pid)
    dribble(path, n, seconds, interval)
    for pid in children:
        os.waitpid(pid, 0)
elif sys.argv[1] == "chunked":
    chunked(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
            int(sys.argv[5]) if len(sys.argv) > 5 else 65536,
            float(sys.argv[6]) if len(sys.argv) > 6 else 0)
else:
    sys.exit(__doc__)
