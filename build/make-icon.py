#!/usr/bin/env python3
"""Generates build/icon.png (512x512): a mosaic of tiles, some landed, some landing.
Pure standard library (zlib + struct), so it runs anywhere: python3 build/make-icon.py"""
import struct, zlib, random, os

SIZE, GRID, GAP, RADIUS = 512, 8, 6, 56
random.seed(7)
bg = (24, 28, 38)
palette = [(72, 187, 120), (56, 161, 105), (99, 179, 237), (66, 153, 225), (236, 201, 75)]
cell = (SIZE - 2 * 40) / GRID
tiles = {}
for gy in range(GRID):
    for gx in range(GRID):
        r = random.random()
        if (gx + gy * GRID) < 40 or r < 0.25:
            tiles[(gx, gy)] = (random.choice(palette[:4]), 1.0)
        elif r < 0.45:
            tiles[(gx, gy)] = (palette[4], random.choice([0.25, 0.5, 0.75]))
        else:
            tiles[(gx, gy)] = ((48, 54, 70), 1.0)

def inside_rounded(x, y):
    # rounded square mask for the whole icon
    cx = min(max(x, RADIUS), SIZE - 1 - RADIUS)
    cy = min(max(y, RADIUS), SIZE - 1 - RADIUS)
    return (x - cx) ** 2 + (y - cy) ** 2 <= RADIUS ** 2

rows = []
for y in range(SIZE):
    row = bytearray([0])
    for x in range(SIZE):
        if not inside_rounded(x, y):
            row += bytes((0, 0, 0, 0)); continue
        color = bg
        gx, gy = int((x - 40) // cell), int((y - 40) // cell)
        if 0 <= gx < GRID and 0 <= gy < GRID and x >= 40 and y >= 40:
            lx, ly = (x - 40) - gx * cell, (y - 40) - gy * cell
            if GAP / 2 <= lx < cell - GAP / 2 and GAP / 2 <= ly < cell - GAP / 2:
                c, frac = tiles[(gx, gy)]
                filled = (ly - GAP / 2) / (cell - GAP) >= 1 - frac
                color = c if filled else (48, 54, 70)
        row += bytes((*color, 255))
    rows.append(bytes(row))

def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)

png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', SIZE, SIZE, 8, 6, 0, 0, 0))
png += chunk(b'IDAT', zlib.compress(b''.join(rows), 9)) + chunk(b'IEND', b'')
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'icon.png')
with open(out, 'wb') as f:
    f.write(png)
print(out, len(png))
