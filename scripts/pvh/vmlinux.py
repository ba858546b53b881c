#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# vmlinux.py BZIMAGE OUT - extract the vmlinux from an x86 bzImage and
# write a smaller copy of it for pvh-stub.
#
# Extraction reads the setup header (boot protocol >= 2.08: payload_offset,
# payload_length) and decompresses the payload (xz, lzma or gzip). The copy
# keeps only the PT_LOAD and PT_NOTE program headers and their data,
# each PT_LOAD without its trailing zero bytes (p_filesz shrinks, p_memsz
# stays, and the stub zero-fills the rest), no section headers. The
# extracted Debian vmlinux has ~26 MB of zeros (.bss, .brk, .init.scratch)
# that the boot loader would otherwise read from the emulated CD.
import lzma
import struct
import sys
import zlib

PT_LOAD, PT_NOTE = 1, 4
EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
PHDR = struct.Struct('<IIQQQQQQ')


def extract(bz):
    if bz[0x202:0x206] != b'HdrS' or struct.unpack_from('<H', bz, 0x206)[0] < 0x208:
        sys.exit('vmlinux.py: not a bzImage with boot protocol >= 2.08')
    setup_sects = bz[0x1f1] or 4
    poff, plen = struct.unpack_from('<II', bz, 0x248)
    start = (setup_sects + 1) * 512 + poff
    payload = bz[start:start + plen]
    if payload[:6] == b'\xfd7zXZ\x00':
        return lzma.LZMADecompressor(lzma.FORMAT_XZ).decompress(payload)
    if payload[:3] == b'\x5d\x00\x00':
        return lzma.LZMADecompressor(lzma.FORMAT_ALONE).decompress(payload)
    if payload[:2] == b'\x1f\x8b':
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(payload)
    sys.exit('vmlinux.py: unsupported payload compression %r' % payload[:6])


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: vmlinux.py BZIMAGE OUT')
    data = extract(open(sys.argv[1], 'rb').read())
    eh = list(EHDR.unpack_from(data, 0))
    ident, machine, phoff, phentsize, phnum = eh[0], eh[2], eh[5], eh[9], eh[10]
    if ident[:5] != b'\x7fELF\x02' or machine != 62:
        sys.exit('vmlinux.py: the payload is not an x86-64 ELF64 vmlinux')
    phdrs = [list(PHDR.unpack_from(data, phoff + i * phentsize))
             for i in range(phnum)]
    phdrs = [p for p in phdrs if p[0] in (PT_LOAD, PT_NOTE)]

    off = EHDR.size + PHDR.size * len(phdrs)
    blobs = []
    for p in phdrs:
        blob = data[p[2]:p[2] + p[5]]
        if p[0] == PT_LOAD:
            blob = blob.rstrip(b'\0')
        off = (off + 15) & ~15
        blobs.append((off, blob))
        p[2], p[5] = off, len(blob)
        off += len(blob)

    # e_phoff right after the header; no section headers.
    eh[5], eh[6], eh[9], eh[10], eh[11], eh[12], eh[13] = \
        EHDR.size, 0, PHDR.size, len(phdrs), 0, 0, 0
    out = bytearray(off)
    EHDR.pack_into(out, 0, *eh)
    for i, p in enumerate(phdrs):
        PHDR.pack_into(out, EHDR.size + i * PHDR.size, *p)
    for o, blob in blobs:
        out[o:o + len(blob)] = blob
    with open(sys.argv[2], 'wb') as f:
        f.write(out)


main()
