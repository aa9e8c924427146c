"""Pure-Python reference implementations of the example jobs.

Each function returns exactly the bytes the WAT module outputs for the same
input, or raises ValueError where the module traps, so tests can compare
the two byte for byte.
"""

from __future__ import annotations

import struct
from typing import Final

FNV_OFFSET_BASIS: Final = 0xCBF29CE484222325
FNV_PRIME: Final = 0x100000001B3
_U64: Final = (1 << 64) - 1
_U32: Final = (1 << 32) - 1


def fnv1a64(data: bytes, state: int = FNV_OFFSET_BASIS) -> int:
    """FNV-1a 64-bit hash of ``data``, continuing from ``state``."""
    for byte in data:
        state = ((state ^ byte) * FNV_PRIME) & _U64
    return state


def hash_chain(job_input: bytes) -> bytes:
    """Iterate FNV-1a 64 over (previous state || seed) N times; see hash_chain.wat.

    Raises: ValueError if the input is shorter than the 8-byte count.
    """
    if len(job_input) < 8:
        raise ValueError("hash_chain input needs an 8-byte iteration count")
    (count,) = struct.unpack_from("<Q", job_input)
    seed = job_input[8:]
    state = fnv1a64(seed)
    for _ in range(count):
        state = fnv1a64(state.to_bytes(8, "little") + seed)
    return state.to_bytes(8, "little")


def hash_chain_input(count: int, seed: bytes) -> bytes:
    """Encode a hash_chain job input."""
    return struct.pack("<Q", count) + seed


def matmul(job_input: bytes) -> bytes:
    """Multiply two n x n i32 matrices with wrapping arithmetic; see matmul.wat.

    Raises: ValueError if the length is not 4 + 8*n*n.
    """
    if len(job_input) < 4:
        raise ValueError("matmul input needs a 4-byte size")
    (n,) = struct.unpack_from("<I", job_input)
    if len(job_input) != 4 + 8 * n * n:
        raise ValueError(f"matmul input for n={n} must be {4 + 8 * n * n} bytes, got {len(job_input)}")
    values = struct.unpack_from(f"<{2 * n * n}i", job_input, 4)
    a, b = values[: n * n], values[n * n :]
    product = []
    for i in range(n):
        for j in range(n):
            total = sum(a[i * n + k] * b[k * n + j] for k in range(n)) & _U32
            product.append(total)
    return struct.pack(f"<{n * n}I", *product)


def matmul_input(a: list[list[int]], b: list[list[int]]) -> bytes:
    """Encode a matmul job input from two square matrices of signed 32-bit integers."""
    n = len(a)
    flat = [value for row in a for value in row] + [value for row in b for value in row]
    return struct.pack(f"<I{2 * n * n}i", n, *flat)


def image_blur(job_input: bytes) -> bytes:
    """3x3 box blur with edge clamping and floor division by 9; see image_blur.wat.

    Raises: ValueError if the length is not 8 + width*height, or a side is 2^31 or more.
    """
    if len(job_input) < 8:
        raise ValueError("image_blur input needs an 8-byte header")
    width, height = struct.unpack_from("<II", job_input)
    if len(job_input) != 8 + width * height:
        raise ValueError(f"image_blur input must be {8 + width * height} bytes, got {len(job_input)}")
    if width >= 1 << 31 or height >= 1 << 31:
        raise ValueError("image_blur sides must be below 2^31")
    pixels = job_input[8:]
    blurred = bytearray(width * height)
    for y in range(height):
        rows = [min(max(y + dy, 0), height - 1) * width for dy in (-1, 0, 1)]
        for x in range(width):
            columns = [min(max(x + dx, 0), width - 1) for dx in (-1, 0, 1)]
            total = sum(pixels[row + column] for row in rows for column in columns)
            blurred[y * width + x] = total // 9
    return bytes(blurred)


def image_blur_input(width: int, height: int, pixels: bytes) -> bytes:
    """Encode an image_blur job input."""
    return struct.pack("<II", width, height) + pixels
