"""png_colours.py PNG NAME=RRGGBB...: a screenshot is 1400x900, not blank (at least 16
colours, at most 95% one colour), and shows each named colour (10 or more pixels
within 3 of it per channel) -- so a page's inline stylesheet was applied. Decodes the
PNG with zlib alone: no imaging library needed. Exits 1 naming what is wrong."""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, w, h, depth, ctype = 8, b"", 0, 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert (w, h) == (1400, 900), f"size {w}x{h}, expected 1400x900"
    assert depth == 8 and ctype in (2, 6), f"unexpected PNG format depth={depth} type={ctype}"
    bpp = 3 if ctype == 2 else 4
    raw, stride = zlib.decompress(idat), w * bpp
    prev, rows = bytearray(stride), []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    counts = {}
    for line in rows[::2]:
        for x in range(0, stride, bpp * 2):
            px = line[x:x + 3]
            counts[px] = counts.get(px, 0) + 1
    return counts


def main():
    counts = pixels(sys.argv[1])
    total, background = sum(counts.values()), max(counts.values())
    assert len(counts) >= 16, f"only {len(counts)} colours: blank page?"
    assert total - background >= total // 20, "more than 95% one colour: blank page?"
    for arg in sys.argv[2:]:
        name, hexrgb = arg.rsplit("=", 1)
        rgb = bytes.fromhex(hexrgb)
        near = sum(n for px, n in counts.items() if all(abs(px[i] - rgb[i]) <= 3 for i in range(3)))
        assert near >= 10, f"{name} #{hexrgb} not on screen: stylesheet not applied?"
    print(f"{len(counts)} colours, {100 * (total - background) // total}% not background")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"png_colours: {e}")
        sys.exit(1)
