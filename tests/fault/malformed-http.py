# The malformed requests of fault-http-malformed: each sent on its own connection, one JSON
# line per case with the status line and the body, read until the daemon closes.
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
 "header without colon": b"GET /v1/health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n",
 "100 KB header": b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n",
 "HTTP/0.9": b"GET /v1/health\r\n",
 "absurd method": b"FROBNICATE /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
 "long method": b"A" * 5000 + b" /v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
 "huge Content-Length": b"POST /v1/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
 "bad version": b"GET /v1/health HTTP/9.9\r\nHost: x\r\n\r\n",
 "NUL in the target": b"GET /v1/bpf/good/default.json\0/../x HTTP/1.1\r\nHost: x\r\n\r\n",
}
trav = ["../", "%2e%2e/", "%2e%2e%2f", "..%2f", "%252e%252e/", "//", "/./", "..\\", "%5c", "%c0%ae%c0%ae/", "%00"]
for t in trav:
    for tgt in ["/v1/bpf/good/" + t + "../../etc/passwd", "/v1/bpf/good/" + t + "default.json",
                "/v1/source/good/" + t * 4 + "etc/passwd", "/v1/bpf/" + t * 6 + "etc/passwd"]:
        cases["traversal " + tgt] = b"GET " + tgt.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
for name, data in cases.items():
    out = send(data)
    line = out.split(b"\r\n", 1)[0].decode(errors="replace")
    body = out.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in out else b""
    print(json.dumps({"case": name, "status": line, "body": body.decode(errors="replace"),
                      "router": name.startswith("traversal") or "method" in name}))
