#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# A lying seccompd for tests/fault/test-oci-lies.sh: a Unix-socket HTTP server answering
# POST /v1/compile. It forwards the request to the real daemon (UPSTREAM), takes its genuine
# answer (seccompd-oci asks for ?encoding=raw: the blob as the body, its facts in headers) and
# tells one lie, chosen by MODE, so that each case differs from a good answer by one thing only.
# Modes (file OTHER: another profile, whose genuine answer other-profile passes off):
#   honest           the genuine answer, as it came (the control: must be used)
#   ret-allow        a one-instruction RET ALLOW, Seccompd-Instructions consistent
#   other-profile    the genuine answer to OTHER: a real blob, with the digest of another section
#   truncated        the first half of the blob, Seccompd-Instructions made to match
#   cl-larger        Content-Length 100 more than the body sent
#   cl-smaller       Content-Length 50 less than the body sent
#   no-cl            no Content-Length at all, the connection closed after the body
#   wrong-digest     the digest of another text
#   wrong-size       Seccompd-Instructions one more than the blob holds
#   ragged           4 bytes more than the blob: not a whole number of instructions
#   random-blob      the blob's bytes replaced by random ones (sizes consistent)
#   foreign-arch     the blob checks x86 (0x40000003) where it checked x86_64
#   flags-tsync      Seccompd-Filter-Flags: a flag that is not the daemon's to ask for
#   no-flags         no Seccompd-Filter-Flags header
#   endless          a head promising 1 MB, then one byte every 100 ms, never closed
#   usage: oci-liar.py SOCKET UPSTREAM MODE [OTHER]
import hashlib, random, socket, struct, sys, time

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
    """The real daemon's answer: its headers (but the framing) as (name, value) pairs, and the
    body."""
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
    head, out = data.split(b"\r\n\r\n", 1)
    headers = []
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() not in (b"content-length", b"connection", b"date"):
            headers.append((name.strip().decode(), value.strip().decode()))
    return headers, out


def set_header(headers, name, value):
    """`headers` with `name` set to `value` (None: removed)."""
    out = [(n, v) for n, v in headers if n.lower() != name.lower()]
    if value is not None:
        out.append((name, value))
    return out


def with_blob(headers, raw):
    return set_header(headers, "Seccompd-Instructions", str(len(raw) // 8)), raw


def lie(target, body):
    headers, raw = genuine(target, body)
    insns = dict((n.lower(), v) for n, v in headers).get("seccompd-instructions", "0")
    if mode == "ret-allow":
        return with_blob(headers, struct.pack("=HBBI", 0x06, 0, 0, 0x7FFF0000))
    if mode == "other-profile":
        return genuine(target, other)
    if mode == "truncated":
        return with_blob(headers, raw[: len(raw) // 16 * 8])
    if mode == "wrong-digest":
        digest = "sha256:" + hashlib.sha256(body + b" ").hexdigest()
        return set_header(headers, "Seccompd-Profile-Digest", digest), raw
    if mode == "wrong-size":
        return set_header(headers, "Seccompd-Instructions", str(int(insns) + 1)), raw
    if mode == "ragged":
        return headers, raw + b"\0\0\0\0"
    if mode == "random-blob":
        return with_blob(headers, bytes(random.getrandbits(8) for _ in raw))
    if mode == "flags-tsync":
        return set_header(headers, "Seccompd-Filter-Flags", "SECCOMP_FILTER_FLAG_TSYNC"), raw
    if mode == "no-flags":
        return set_header(headers, "Seccompd-Filter-Flags", None), raw
    if mode == "foreign-arch":
        return with_blob(headers, raw.replace(struct.pack("=I", 0xC000003E),
                                              struct.pack("=I", 0x40000003)))
    return headers, raw


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
        headers, out = lie(target, body)
        length = {"cl-larger": len(out) + 100, "cl-smaller": len(out) - 50}.get(mode, len(out))
        head = b"HTTP/1.0 200 OK\r\n" + b"".join(b"%s: %s\r\n" % (n.encode(), v.encode())
                                                  for n, v in headers)
        if mode != "no-cl":
            head += b"Content-Length: %d\r\n" % length
        c.sendall(head + b"\r\n" + out)
    except (BrokenPipeError, ConnectionResetError):
        pass
    finally:
        c.close()
