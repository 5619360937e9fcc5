"""Every kernel against NumPy, on random shapes and random strided, mirrored and transposed
views of uint8, uint16 (native and big-endian) and float32 arrays. The WHOLE base array is
compared, so a write outside the view fails as surely as a wrong value inside it."""

import array

import numpy as np
import pytest

import viewlib
from conftest import DTYPES, LARGE, SHAPES, random_array, random_view

CASES = [(shape, seed) for shape in SHAPES for seed in range(4)] + [(LARGE, 0), (LARGE, 1)]


def maximum(dtype):
    dtype = np.dtype(dtype)
    return 1.0 if dtype.kind == "f" else np.iinfo(dtype).max


def inverted(values):
    if values.dtype.kind == "f":
        return (np.float32(1.0) - values).astype(values.dtype)
    return (maximum(values.dtype) - values.astype(np.int64)).astype(values.dtype)


def as3d(view):
    """The (h, w, c) a kernel sees: (h, w) is one channel, (n,) one row."""
    if view.ndim == 3:
        return view
    if view.ndim == 2:
        return view[:, :, None]
    return view[None, :, None]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,seed", CASES)
@pytest.mark.parametrize("alpha", ["keep", "all"])
def test_invert(rng, dtype, shape, seed, alpha):
    base = random_array(rng, shape, dtype)
    make = random_view(rng, shape)
    expected = base.copy()
    view = as3d(make(expected))
    channels = view.shape[2]
    if alpha == "keep" and channels in (2, 4):
        view[..., : channels - 1] = inverted(view[..., : channels - 1])
    else:
        view[...] = inverted(view)
    viewlib.invert(make(base), alpha=alpha)
    np.testing.assert_array_equal(base, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,seed", CASES)
def test_flips(rng, dtype, shape, seed):
    base = random_array(rng, shape, dtype)
    make = random_view(rng, shape)
    expected = base.copy()
    view = as3d(make(expected))
    view[...] = view[:, ::-1].copy()
    viewlib.flip_horizontal(make(base))
    np.testing.assert_array_equal(base, expected)
    view[...] = view[::-1].copy()
    viewlib.flip_vertical(make(base))
    np.testing.assert_array_equal(base, expected)


def random_output(rng, shape, dtype):
    """An output of `shape` inside a base array: contiguous, strided and mirrored, or
    transposed. Returns (base, make): make(base) is the output, make(copy) the same view of a
    copy."""
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return random_array(rng, shape, dtype), lambda b: b
    if kind == 1:
        base = random_array(rng, tuple(2 * n + 1 for n in shape), dtype)
        steps = (slice(1, None, 2), slice(None, None, -2), slice(None, None, 2))[: len(shape)]
        fit = tuple(slice(0, n) for n in shape)
        return base, lambda b: b[steps][fit]
    axes = (1, 0, 2)[: len(shape)]
    base = random_array(rng, tuple(shape[a] for a in axes), dtype)
    return base, lambda b: b.transpose(axes)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,seed", CASES)
def test_copy(rng, dtype, shape, seed):
    src_base = random_array(rng, shape, dtype)
    src_before = src_base.copy()
    view = random_view(rng, shape)(src_base)
    out_base, make = random_output(rng, view.shape, dtype)
    expected = out_base.copy()
    make(expected)[...] = view
    viewlib.copy(view, make(out_base))
    np.testing.assert_array_equal(out_base, expected)
    np.testing.assert_array_equal(src_base, src_before)  # the input is only read


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,seed", CASES)
def test_extract_channel(rng, dtype, shape, seed):
    src = random_array(rng, shape, dtype)
    view = random_view(rng, shape, keep_channels=True)(src)
    channel = int(rng.integers(-view.shape[2], view.shape[2]))
    new = viewlib.extract_channel(view, channel)
    assert new.dtype == view.dtype and new.shape == view.shape[:2]
    np.testing.assert_array_equal(new, view[..., channel])
    out_base, make = random_output(rng, view.shape[:2], dtype)
    expected = out_base.copy()
    make(expected)[...] = view[..., channel]
    out = make(out_base)
    assert viewlib.extract_channel(view, channel, out=out) is out
    np.testing.assert_array_equal(out_base, expected)


def luma_reference(view, weights):
    rgb = view.astype(np.float64 if view.dtype.kind == "f" else np.int64)
    if view.shape[2] < 3:
        return view[..., 0]
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    if view.dtype.kind == "f":
        v32 = view.astype(np.float32)
        r, g, b = v32[..., 0], v32[..., 1], v32[..., 2]
        if weights == "rec709":
            return np.float32(0.2126) * r + np.float32(0.7152) * g + np.float32(0.0722) * b
        return np.float32(0.299) * r + np.float32(0.587) * g + np.float32(0.114) * b
    if weights == "rec709":
        return ((2126 * r + 7152 * g + 722 * b) // 10000).astype(view.dtype)
    return ((4899 * r + 9617 * g + 1868 * b + 8192) >> 14).astype(view.dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,seed", CASES)
@pytest.mark.parametrize("weights", ["rec709", "bt601"])
def test_to_luma(rng, dtype, shape, seed, weights):
    src = random_array(rng, shape, dtype)
    view = random_view(rng, shape, keep_channels=True)(src)
    expected = luma_reference(view, weights)
    gray = viewlib.to_luma(view, weights=weights)
    assert gray.dtype == view.dtype and gray.shape == view.shape[:2]
    if view.dtype.kind == "f":
        np.testing.assert_allclose(gray, expected, rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(gray, expected)
    out_base, make = random_output(rng, view.shape[:2] + (1,), dtype)
    expected = out_base.copy()
    make(expected)[...] = gray[..., None]
    viewlib.to_luma(view, out=make(out_base), weights=weights)
    np.testing.assert_array_equal(out_base, expected)


@pytest.mark.parametrize("dtype", ["u1", "=u2", ">u2", "<u2"])
@pytest.mark.parametrize("shape,seed", CASES)
def test_apply_lut(rng, dtype, shape, seed):
    bits = 8 * np.dtype(dtype).itemsize
    lut = [
        viewlib.lut_gamma(0.7, bits=bits),
        viewlib.lut_contrast(1.3, bits=bits),
        viewlib.lut_brightness(-0.2, bits=bits),
        viewlib.lut_threshold(int(rng.integers(0, 2**bits)), bits=bits),
    ][seed % 4]
    if seed % 2:
        lut = lut.then(viewlib.lut_gamma(1.5, bits=bits))
    table = np.array(lut.tolist(), dtype=np.int64)
    assert len(table) == len(lut) == 2**bits and lut.bits == bits
    base = random_array(rng, shape, dtype)
    make = random_view(rng, shape)
    expected = base.copy()
    view = make(expected)
    view[...] = table[view.astype(np.int64)].astype(view.dtype)
    viewlib.apply_lut(make(base), lut)
    np.testing.assert_array_equal(base, expected)


def test_lut_constructors_match_their_formulas():
    v = np.arange(256) / 255
    close = lambda lut, f: np.abs(np.array(lut.tolist()) - np.clip(f(v) * 255, 0, 255)).max()
    assert close(viewlib.lut_gamma(0.5), lambda x: x**0.5) <= 0.5
    assert close(viewlib.lut_contrast(2.0), lambda x: (x - 0.5) * 2 + 0.5) <= 0.5
    assert close(viewlib.lut_brightness(0.1), lambda x: x + 0.1) <= 0.5
    assert viewlib.lut_threshold(100).tolist() == [0] * 100 + [255] * 156
    assert viewlib.lut_gamma(2.0, bits=16)[32768] == 16384
    own = viewlib.Lut(range(255, -1, -1))
    assert own[0] == 255 and own[255] == 0 and own == viewlib.Lut(list(range(255, -1, -1)))


def test_other_buffers():
    """bytearray, array.array and memoryview work as (n,) rows, in place."""
    b = bytearray(b"\x00\x10\xff")
    viewlib.invert(b)
    assert b == bytearray(b"\xff\xef\x00")
    a = array.array("H", [0, 1000, 65535])
    viewlib.invert(a)
    assert a.tolist() == [65535, 64535, 0]
    viewlib.flip_horizontal(a)
    assert a.tolist() == [0, 64535, 65535]
    f = array.array("f", [0.25, 1.0])
    viewlib.invert(f)
    assert f.tolist() == [0.75, 0.0]
    m = bytearray(range(6))
    viewlib.invert(memoryview(m)[::-2])  # every other byte, from the end
    assert list(m) == [0, 254, 2, 252, 4, 250]
    out = bytearray(3)
    viewlib.copy(memoryview(b"abc"), out)
    assert out == b"abc"


def test_big_endian_stays_big_endian():
    """'>u2' arrays are processed as their values, and their bytes stay big-endian."""
    a = np.array([[[0x1234, 0x0001, 0xFF00]]], dtype=">u2")
    viewlib.invert(a, alpha="all")
    assert a.dtype == np.dtype(">u2")
    assert a.tobytes() == bytes([0xED, 0xCB, 0xFF, 0xFE, 0x00, 0xFF])
    gray = viewlib.to_luma(a)
    assert gray.dtype == np.dtype(">u2")
    assert gray[0, 0] == (2126 * 0xEDCB + 7152 * 0xFFFE + 722 * 0x00FF) // 10000
