#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A lying seccompd for tests/fault/test-oci-lies.sh: a Unix-socket HTTP server answering
# POST /v1/compile. It forwards the request to the real daemon (UPSTREAM), takes its genuine
# answer and tells one lie, chosen by MODE, so that each case differs from a good answer by one
# thing only. Modes (file OTHER: a genuine answer to another section, for other-profile):
#   honest           the genuine answer, as it came (the control: must be used)
#   ret-allow        a one-instruction RET ALLOW, size, instructions and digest consistent
#   other-profile    OTHER verbatim: a real blob, with the digest of another section
#   truncated        the first half of the blob, size and instructions made to match
#   cl-larger        Content-Length 100 more than the body sent
#   cl-smaller       Content-Length 50 less than the body sent
#   no-cl            no Content-Length at all, the connection closed after the body
#   wrong-digest     the digest of another text
#   wrong-size       size 8 more than the blob
#   bad-base64       a blob with a character outside the base64 alphabet
#   random-blob      the blob's bytes replaced by random ones (valid base64, sizes consistent)
#   foreign-arch     the blob checks x86 (0x40000003) where it checked x86_64
#   endless          a head promising 1 MB, then one byte every 100 ms, never closed
#   usage: oci-liar.py SOCKET UPSTREAM MODE [OTHER]
import base64, hashlib, json, os, random, socket, struct, sys, time

sock_path, upstream, mode = sys.argv[1:4]
other = open(sys.argv[4], "rb").read() if len(sys.argv) > 4 else b""


def read_request(c):
    data = b""
    while b"\r\n\r\n" not in data:
        k = c.recv(65536)
        if not k:
            return None, None
        data += k
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        k = c.recv(65536)
        if not k:
            break
        body += k
    return head.split(b"\r\n")[0].decode(), body


def genuine(target, body):
    u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    u.connect(upstream)
    u.sendall(b"POST %s HTTP/1.0\r\nHost: localhost\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % (target.encode(), len(body)) + body)
    data = b""
    while True:
        k = u.recv(65536)
        if not k:
            break
        data += k
    u.close()
    return data.split(b"\r\n\r\n", 1)[1]


def with_blob(a, raw):
    a["blob"] = base64.b64encode(raw).decode()
    a["size"] = len(raw)
    a["instructions"] = len(raw) // 8
    return a


def lie(body, answer):
    a = json.loads(answer)
    raw = base64.b64decode(a["blob"])
    if mode == "ret-allow":
        a = with_blob(a, struct.pack("=HBBI", 0x06, 0, 0, 0x7FFF0000))
    elif mode == "other-profile":
        return other
    elif mode == "truncated":
        a = with_blob(a, raw[: len(raw) // 16 * 8])
    elif mode == "wrong-digest":
        a["digest"] = "sha256:" + hashlib.sha256(body + b" ").hexdigest()
    elif mode == "wrong-size":
        a["size"] += 8
    elif mode == "bad-base64":
        a["blob"] = a["blob"][:8] + "!" + a["blob"][9:]
    elif mode == "random-blob":
        a = with_blob(a, bytes(random.getrandbits(8) for _ in raw))
    elif mode == "flags-tsync":  # a flag that is not the daemon's to ask for
        a["filter_flags"] = ["SECCOMP_FILTER_FLAG_TSYNC"]
    elif mode == "flags-not-array":
        a["filter_flags"] = "SECCOMP_FILTER_FLAG_LOG"
    elif mode == "foreign-arch":
        a = with_blob(a, raw.replace(struct.pack("=I", 0xC000003E), struct.pack("=I", 0x40000003)))
    return json.dumps(a).encode()


s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sock_path)
s.listen(16)
open(sock_path + ".ready", "w").close()
while True:
    c, _ = s.accept()
    try:
        line, body = read_request(c)
        if line is None:
            continue
        target = line.split(" ")[1]
        if mode == "endless":
            c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1000000\r\n\r\n{")
            while True:
                time.sleep(0.1)
                c.sendall(b" ")
        out = genuine(target, body) if mode == "honest" else lie(body, genuine(target, body))
        length = {"cl-larger": len(out) + 100, "cl-smaller": len(out) - 50}.get(mode, len(out))
        head = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
        if mode != "no-cl":
            head += b"Content-Length: %d\r\n" % length
        c.sendall(head + b"\r\n" + out)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        c.close()
