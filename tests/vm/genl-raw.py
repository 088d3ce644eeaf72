#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
"""Send one raw generic netlink request to rblk.ko and print the kernel's
answer as "errno=N" (0 on success). Bypasses rblkadm on purpose, to test the
kernel's own validation and permission checks.

  genl-raw.py family
  genl-raw.py CMD key=value ...   CMD: new-device del-device set-role attach
                                  detach verify net-opts helper-done
  keys: minor resource backing role flags verify_start verify_stop
  cookie status (helper-done),
  unknown=N (attribute 99), and net.verify_alg / net.csums_alg (nested in
  RBLK_A_NET_OPTS; enum rblk_digest_alg numbers)
"""
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2

# Mirrors include/rblk/genl.h.
CMDS = {"get-device": 1, "new-device": 2, "del-device": 3, "set-role": 5,
        "attach": 6, "detach": 7, "verify": 13, "net-opts": 14,
        "helper-done": 16}
ATTRS = {"minor": (1, "u32"), "resource": (2, "str"), "backing": (3, "str"),
         "role": (5, "u8"), "flags": (9, "u32"), "verify_start": (24, "u64"),
         "verify_stop": (25, "u64"), "cookie": (28, "u64"),
         "status": (29, "u32"), "unknown": (99, "u32")}
NET_ATTRS = {"verify_alg": 11, "csums_alg": 12}
RBLK_A_NET_OPTS = 21
NLA_F_NESTED = 0x8000


def nla(typ, data):
    raw = struct.pack("=HH", 4 + len(data), typ) + data
    return raw + b"\0" * (-len(raw) % 4)


def attr(kind, value):
    typ, fmt = ATTRS[kind]
    if fmt == "str":
        data = value.encode() + b"\0"
    elif fmt == "u8":
        data = struct.pack("=B", int(value))
    elif fmt == "u64":
        data = struct.pack("=Q", int(value))
    else:
        data = struct.pack("=I", int(value))
    raw = struct.pack("=HH", 4 + len(data), typ) + data
    return raw + b"\0" * (-len(raw) % 4)


def request(sock, family, cmd, payload, flags=NLM_F_REQUEST | NLM_F_ACK):
    body = struct.pack("=BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("=IHHII", 16 + len(body), family, flags, 1, 0) + body)
    return sock.recv(65536)


def resolve(sock):
    name = b"rblk\0"
    a = struct.pack("=HH", 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    a += b"\0" * (-len(a) % 4)
    reply = request(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, a, NLM_F_REQUEST)
    _, typ = struct.unpack_from("=IH", reply)
    if typ == NLMSG_ERROR:
        return None
    off = 20
    while off < len(reply):
        alen, atyp = struct.unpack_from("=HH", reply, off)
        if atyp == CTRL_ATTR_FAMILY_ID:
            return struct.unpack_from("=H", reply, off + 4)[0]
        off += (alen + 3) & ~3
    return None


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    sock.bind((0, 0))
    family = resolve(sock)
    if family is None:
        print("family rblk not found")
        return 1
    if sys.argv[1] == "family":
        print(f"family rblk id={family}")
        return 0
    kvs = [kv.split("=", 1) for kv in sys.argv[2:]]
    payload = b"".join(attr(k, v) for k, v in kvs if not k.startswith("net."))
    net = b"".join(nla(NET_ATTRS[k[4:]], struct.pack("=I", int(v)))
                   for k, v in kvs if k.startswith("net."))
    if net:
        payload += nla(RBLK_A_NET_OPTS | NLA_F_NESTED, net)
    reply = request(sock, family, CMDS[sys.argv[1]], payload)
    _, typ = struct.unpack_from("=IH", reply)
    err = struct.unpack_from("=i", reply, 16)[0] if typ == NLMSG_ERROR else 0
    print(f"errno={err}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
