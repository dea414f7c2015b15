# The malformed requests of fault-http-malformed: each sent on its own connection, one JSON
# line per case with the status line, the body and the number of status lines (header blocks)
# in the answer, read until the daemon closes. Cases with "mhd" are answered by libmicrohttpd
# itself, never reaching the router: "status" and "body" are what the answer must hold, "twice"
# marks the ones libmicrohttpd before 1.0.0 sends with the header block twice.
import socket, sys, json
sock = sys.argv[1]
def send(data, timeout=5):
    s = socket.socket(socket.AF_UNIX); s.settimeout(timeout); s.connect(sock)
    try:
        s.sendall(data)
    except OSError:
        pass
    try: s.shutdown(socket.SHUT_WR)
    except OSError: pass
    out = b""
    try:
        while True:
            c = s.recv(65536)
            if not c: break
            out += c
    except socket.timeout:
        out += b"<TIMEOUT>"
    except OSError:
        pass
    s.close()
    return out
cases = {
 "no request line": b"\r\n\r\n",
 "binary garbage": bytes(range(256)) * 4,
 "HTTP/0.9": b"GET /v1/health\r\n",
 "absurd method": b"FROBNICATE /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
 "long method": b"A" * 5000 + b" /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
 "Content-Length 2^64-1": b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551615\r\n\r\n",
 "NUL in the target": b"GET /v1/bpf/good/default.json\0/../x HTTP/1.1\r\nHost: x\r\n\r\n",
}
trav = ["../", "%2e%2e/", "%2e%2e%2f", "..%2f", "%252e%252e/", "//", "/./", "..\\", "%5c", "%c0%ae%c0%ae/", "%00"]
for t in trav:
    for tgt in ["/v1/bpf/good/" + t + "../../etc/passwd", "/v1/bpf/good/" + t + "default.json",
                "/v1/source/good/" + t * 4 + "etc/passwd", "/v1/bpf/" + t * 6 + "etc/passwd"]:
        cases["traversal " + tgt] = b"GET " + tgt.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
# libmicrohttpd 0.9.75's own answers (src/microhttpd/connection.c: its HTML bodies).
post = b"POST /v1/validate HTTP/1.1\r\nHost: x\r\n"
mhd = {
 "huge Content-Length": (post + b"Content-Length: 99999999999999999999\r\n\r\n",
                         413, "too large value for <b>Content-Length</b>", True),
 "Content-Length 2^64": (post + b"Content-Length: 18446744073709551616\r\n\r\n",
                         413, "too large value for <b>Content-Length</b>", True),
 "Content-Length not a number": (post + b"Content-Length: 12abc\r\n\r\n",
                                 400, "wrong value for <b>Content-Length</b>", True),
 "bad chunk size": (post + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n",
                    400, "chunked encoding was syntactically incorrect", False),
 "chunk size past 2^64": (post + b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n",
                          413, "chunk size used in your HTTP chunked encoded request is too large", False),
 "request line past 64 KiB": (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                              414, "too big for the memory constraints", False),
 "headers past 64 KiB": (b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
                         431, "too big for the memory constraints", False),
 "header without colon": (b"GET /v1/health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
                          400, "syntactically incorrect", False),
 "HTTP/9.9": (b"GET /v1/health HTTP/9.9\r\nHost: x\r\n\r\n",
              505, "Requested HTTP version is not supported.", False),
 "HTTP/0.1": (b"GET /v1/health HTTP/0.1\r\nHost: x\r\n\r\n",
              505, "Requested HTTP version is too old", False),
}
for name, data in list(cases.items()) + list(mhd.items()):
    if isinstance(data, tuple):
        data, status, body, twice = data
        extra = {"mhd": True, "want_status": status, "want_body": body, "twice": twice}
    else:
        extra = {}
    out = send(data)
    line = out.split(b"\r\n", 1)[0].decode(errors="replace")
    body = out.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in out else b""
    blocks = out.startswith(b"HTTP/") + out.count(b"\r\nHTTP/1.1 ")
    print(json.dumps({"case": name, "status": line, "body": body.decode(errors="replace"),
                      "blocks": blocks, "router": name.startswith("traversal") or "method" in name
                      or "2^64-1" in name, **extra}))
