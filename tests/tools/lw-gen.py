#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0 OR MIT)
"""Build synthetic dm-log-writes logs, in the kernel's on-disk format, plus
the images lw-replay is expected to produce from them.

usage: lw-gen.py OUTDIR BSIZE

The expected images are built from hand-written lists of surviving
operations (SURVIVORS), not from a second copy of the cut logic, so a bug
in lw-replay's selection cannot hide behind the same bug here.
"""
import os
import random
import struct
import sys

MAGIC = 0x6a736677736872
FLUSH, FUA, DISCARD, MARK, META = 1, 2, 4, 8, 16
IMG_BLOCKS = 16

# (kind, sector, nr_sectors, extra_flags, mark) in log (completion) order
OPS = [
    ("W", 0, 2, 0, None),        # 0
    ("W", 4, 1, META, None),     # 1
    ("W", 14, 1, FUA, None),     # 2  FUA before any flush
    ("M", 0, 0, 0, b"mkfs"),     # 3
    ("F", 0, 0, 0, None),        # 4  flush #1
    ("W", 1, 1, 0, None),        # 5  overwrites half of op 0
    ("W", 8, 2, FUA, None),      # 6
    ("D", 4, 1, 0, None),        # 7  discards op 1
    ("W", 10, 1, 0, None),       # 8
    ("F", 0, 0, 0, None),        # 9  flush #2 (last)
    ("W", 0, 1, 0, None),        # 10 lost with the cache
    ("W", 12, 1, FUA, None),     # 11 durable
    ("W", 13, 2, 0, None),       # 12 lost; only found by scanning
]

SURVIVORS = {
    "default": [0, 1, 2, 5, 6, 7, 8, 11],
    "flush2": [0, 1, 2, 5, 6, 7, 8, 11],
    "flush1": [0, 1, 2, 6],
    "flush0": [2],
    "mark1": [0, 1, 2, 6],
    "mark2": [0, 1, 2, 5, 6, 7, 8],
}


def flags_of(op):
    kind, _, _, extra, _ = op
    return extra | {"W": 0, "F": FLUSH, "D": DISCARD, "M": MARK}[kind]


def header(bs, sector, nr, flags, mark=b""):
    blk = struct.pack("<QQQQ", sector, nr, flags, len(mark)) + mark
    return blk + bytes(bs - len(blk))


def superblock(bs, nr_entries):
    # 4 junk bytes: the kernel's struct padding is uninitialised stack
    sb = struct.pack("<QQQI", MAGIC, 1, nr_entries, bs) + b"\xde\xad\xbe\xef"
    return sb + bytes(bs - len(sb))


def payloads(bs):
    rnd = random.Random(bs)
    return [rnd.randbytes(op[2] * bs) if op[0] == "W" else b"" for op in OPS]


def kernel_nr_entries(ops):
    """log_writes_kthread() rewrites the super only after FUA/MARK."""
    nr = 0
    for i, op in enumerate(ops):
        if flags_of(op) & (FUA | MARK):
            nr = i + 1
    return nr


def build_log(bs, ops, data, nr_entries=None, tweak=None):
    body = b""
    for i, op in enumerate(ops):
        kind, sector, nr, _, mark = op
        hdr = header(bs, sector, nr, flags_of(op), mark or b"")
        if tweak and tweak[0] == i:
            hdr = tweak[1](hdr)
        body += hdr + data[i]
    if nr_entries is None:
        nr_entries = kernel_nr_entries(ops)
    return superblock(bs, nr_entries) + body


def expected(bs, init, data, keep):
    img = bytearray(init)
    for i in keep:  # log order
        kind, sector, nr, _, _ = OPS[i]
        fill = data[i] if kind == "W" else bytes(nr * bs)
        img[sector * bs:(sector + nr) * bs] = fill
    return bytes(img)


def put(d, name, blob):
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


def set_datalen(hdr):
    return hdr[:24] + struct.pack("<Q", 7) + hdr[32:]


def main():
    d, bs = sys.argv[1], int(sys.argv[2])
    os.makedirs(d, exist_ok=True)
    data = payloads(bs)
    init = random.Random(bs + 1).randbytes(IMG_BLOCKS * bs)
    log = build_log(bs, OPS, data)
    ends = OPS + [("M", 0, 0, 0, b"dm-log-writes-end")]
    off12 = len(log) - len(data[12]) - bs  # header of op 12

    put(d, "init.img", init)
    put(d, "init-small.img", init[:8 * bs])
    put(d, "log.img", log)
    put(d, "log-clean.img", build_log(bs, ends, data + [b""], len(ends)))
    put(d, "log-zerotail.img", log + bytes(8 * bs))
    put(d, "log-garbage-tail.img", log + b"\xff" * bs)
    put(d, "log-trunc-tail.img", log[:off12 + bs + bs // 2])
    put(d, "log-trunc-in.img", log[:off12 - 3 * bs])
    put(d, "log-badmagic.img", b"\0" + log[1:])
    put(d, "log-badver.img", log[:8] + struct.pack("<Q", 2) + log[16:])
    put(d, "log-datalen.img", build_log(bs, OPS, data, tweak=(5, set_datalen)))
    put(d, "log-overcount.img", build_log(bs, OPS, data, nr_entries=len(OPS) + 1))
    # A power cut at mark "cut": before flush 2 (the cut is flush 1, FUA
    # op 6 after it survives), or after op 10 (the cut is flush 2; op 10,
    # unflushed, is lost, FUA op 11 after the mark never happened).
    for name, at in (("mark1", 9), ("mark2", 11)):
        ops = OPS[:at] + [("M", 0, 0, 0, b"cut")] + OPS[at:]
        put(d, "log-%s.img" % name,
            build_log(bs, ops, data[:at] + [b""] + data[at:]))
    for mode, keep in SURVIVORS.items():
        put(d, "exp-%s.img" % mode, expected(bs, init, data, keep))


if __name__ == "__main__":
    main()
