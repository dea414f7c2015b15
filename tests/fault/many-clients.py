# fault-http-malformed: N clients at once on the socket, each fetching good/default.json;
# prints the count of each outcome: 200 (bytes equal to the reference), 200 wrong bytes,
# another status, closed without an answer, or a client error.
import socket, sys, threading, collections, time
sock, ref, n = sys.argv[1], open(sys.argv[2], "rb").read(), int(sys.argv[3])
res = collections.Counter(); lock = threading.Lock(); go = threading.Event()
def one():
    go.wait()
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(sock); s.settimeout(30)
        s.sendall(b"GET /v1/bpf/good/default.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        out = b""
        while True:
            c = s.recv(65536)
            if not c: break
            out += c
        s.close()
    except Exception as e:
        r = "error " + type(e).__name__
    else:
        if not out: r = "closed"
        else:
            head, _, body = out.partition(b"\r\n\r\n")
            code = head.split(b" ", 2)[1].decode()
            r = code if code != "200" else ("200" if body == ref else "200 wrong bytes")
    with lock: res[r] += 1
ts = [threading.Thread(target=one) for _ in range(n)]
for t in ts: t.start()
t0 = time.time(); go.set()
for t in ts: t.join()
print(" ".join(f"{k}={v}" for k, v in sorted(res.items())), f"in {time.time()-t0:.2f}s")
