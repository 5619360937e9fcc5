"""viewlib.open_mapped on raw files (shape= and dtype=): what numpy.memmap sees in the same
file (values, shape, strides, dtype and byte order, read-only flag), writes that numpy.memmap
reads back, and the layouts the file cannot hold refused with the file and the numbers."""

import sys

import numpy as np
import pytest

import viewlib
from conftest import random_array

NATIVE = "<" if sys.byteorder == "little" else ">"


def raw_file(tmp_path, samples, offset=0, tail=b""):
    """A file of `offset` bytes of preamble, `samples`' bytes, then `tail`."""
    path = tmp_path / "dump.raw"
    path.write_bytes(bytes(range(offset)) + np.ascontiguousarray(samples).tobytes() + tail)
    return path


def as_image_shape(shape):
    return tuple(shape) if len(shape) == 3 else (*shape, 1)


@pytest.mark.parametrize("dtype", ["u1", "<u2", ">u2", "=u2", "=f4"])
@pytest.mark.parametrize("shape", [(1, 1), (5, 7), (3, 4, 3), (9, 2, 4)])
@pytest.mark.parametrize("offset", [0, 4, 64])
def test_read_only_raw_is_what_numpy_memmap_sees(tmp_path, rng, dtype, shape, offset):
    samples = random_array(rng, shape, dtype)
    path = raw_file(tmp_path, samples, offset, tail=b"\xff" * 3)  # bytes past the end are ignored
    expected = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)
    image = viewlib.open_mapped(path, shape=shape, dtype=dtype, offset=offset)
    arr = np.asarray(image)
    assert image.shape == arr.shape == as_image_shape(shape)
    assert arr.dtype == expected.dtype  # byte order included
    assert arr.dtype.str == np.dtype(dtype).str
    assert arr.strides[:2] == expected.strides[:2]
    assert arr.strides == np.empty(arr.shape, dtype).strides
    assert not arr.flags.writeable and not image.writable
    assert not expected.flags.writeable
    np.testing.assert_array_equal(arr.reshape(shape), expected)
    assert arr.tobytes() == expected.tobytes()
    with pytest.raises(TypeError, match="read-only"):
        viewlib.invert(image)
    del arr, expected


def test_writable_raw_writes_the_file_numpy_memmap_reads(tmp_path, rng):
    shape, offset = (6, 5, 3), 10
    samples = random_array(rng, shape, ">u2")
    path = raw_file(tmp_path, samples, offset, tail=b"end")
    with viewlib.open_mapped(path, writable=True, shape=shape, dtype=">u2", offset=offset) as image:
        assert image.writable and image.format == ">H"
        viewlib.invert(image, alpha="all")  # a kernel through the map
        arr = np.asarray(image)
        assert arr.flags.writeable
        arr[0, 0, 0] = 0x1234  # and NumPy through the exported buffer
        del arr
    expected = 65535 - samples
    expected[0, 0, 0] = 0x1234
    back = np.memmap(path, dtype=">u2", mode="r", offset=offset, shape=shape)
    np.testing.assert_array_equal(back, expected)
    data = path.read_bytes()
    assert data[:offset] == bytes(range(offset)) and data.endswith(b"end")  # nothing else written
    del back

    # And the other way: what numpy.memmap writes, the mapped image reads.
    writer = np.memmap(path, dtype=">u2", mode="r+", offset=offset, shape=shape)
    writer[...] = samples
    writer.flush()
    del writer
    np.testing.assert_array_equal(np.asarray(viewlib.open_mapped(path, shape=shape, dtype=">u2", offset=offset)), samples)


def test_writable_raw_float_and_crops(tmp_path, rng):
    shape = (8, 6, 4)
    samples = random_array(rng, shape, "=f4")
    path = raw_file(tmp_path, samples, 16)
    image = viewlib.open_mapped(path, True, shape=shape, dtype="float32", offset=16)
    channel = image.crop(1, 2, 4, 5).channel(1)
    del image  # the crop is now the map's only holder, so it may write
    viewlib.invert(channel)
    del channel
    expected = samples.copy()
    expected[2:7, 1:5, 1] = 1.0 - expected[2:7, 1:5, 1]
    np.testing.assert_array_equal(np.memmap(path, dtype="=f4", mode="r", offset=16, shape=shape), expected)


@pytest.mark.parametrize(
    "dtype, expected",
    [
        ("u1", "|u1"), ("uint8", "|u1"), ("B", "|u1"), ("|u1", "|u1"), ("ubyte", "|u1"),
        ("<u2", "<u2"), (">u2", ">u2"), ("u2", f"{NATIVE}u2"), ("=u2", f"{NATIVE}u2"),
        ("uint16", f"{NATIVE}u2"), ("H", f"{NATIVE}u2"), (">H", ">u2"), ("ushort", f"{NATIVE}u2"),
        ("f4", f"{NATIVE}f4"), ("float32", f"{NATIVE}f4"), ("f", f"{NATIVE}f4"), ("single", f"{NATIVE}f4"),
        (np.uint8, "|u1"), (np.uint16, f"{NATIVE}u2"), (np.float32, f"{NATIVE}f4"),
        (np.dtype(">u2"), ">u2"), (np.dtype("<u2"), "<u2"), (np.dtype(np.float32), f"{NATIVE}f4"),
    ],
)
def test_dtypes_as_numpy_spells_them(tmp_path, dtype, expected):
    assert np.dtype(dtype).str == expected  # the same meaning as NumPy's
    path = raw_file(tmp_path, np.arange(24, dtype=np.uint8))
    arr = np.asarray(viewlib.open_mapped(path, shape=(2, 3), dtype=dtype))
    assert arr.dtype.str == expected
    np.testing.assert_array_equal(arr[..., 0], np.memmap(path, dtype=dtype, mode="r", shape=(2, 3)))


def test_layouts_the_file_cannot_hold_are_value_errors_naming_the_file(tmp_path):
    path = raw_file(tmp_path, np.zeros(100, np.uint8))
    name = str(path)
    cases = [
        (dict(shape=(10, 6), dtype="<u2"), r"120 bytes of samples from byte 0, but the file has 100 bytes"),
        (dict(shape=(2, 5), dtype="u1", offset=200), r"10 bytes of samples from byte 200, but the file has 100 bytes"),
        (dict(shape=(10, 10), dtype="u1", offset=1), r"100 bytes of samples from byte 1, but the file has 100 bytes"),
        (dict(shape=(0, 5), dtype="u1"), r"5x0 with 1 channel\(s\) is empty"),
        (dict(shape=(5, 4, 0), dtype="u1"), r"4x5 with 0 channel\(s\) is empty"),
        (dict(shape=(1 << 40, 1 << 40), dtype="u1"), "overflow the address space"),
        (dict(shape=(5, 5), dtype=">f4"), r"`>f`"),  # a sample type images do not hold
        (dict(shape=(5, 5), dtype="i2"), r"`<h`|`>h`"),
        (dict(shape=(2, 2), dtype="u2", offset=1), r"align"),  # native uint16 at an odd byte
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message) as info:
            viewlib.open_mapped(path, **kwargs)
        assert name in str(info.value), kwargs
    # The same layouts writable: refused before anything is written.
    with pytest.raises(ValueError, match="but the file has 100 bytes"):
        viewlib.open_mapped(path, True, shape=(10, 6), dtype="<u2")
    assert path.read_bytes() == bytes(100)
    with pytest.raises(FileNotFoundError, match="missing.raw"):
        viewlib.open_mapped(tmp_path / "missing.raw", shape=(1, 1), dtype="u1")


def test_bad_arguments_raise(tmp_path):
    path = raw_file(tmp_path, np.zeros(100, np.uint8))
    with pytest.raises(TypeError, match="also needs dtype="):
        viewlib.open_mapped(path, shape=(2, 2))
    with pytest.raises(TypeError, match=r"also needs shape="):
        viewlib.open_mapped(path, dtype="u1")
    with pytest.raises(TypeError, match="offset=8 is for raw files"):
        viewlib.open_mapped(path, offset=8)
    with pytest.raises(ValueError, match="offset must be 0 or more, not -1"):
        viewlib.open_mapped(path, shape=(2, 2), dtype="u1", offset=-1)
    with pytest.raises(ValueError, match="negative dimension"):
        viewlib.open_mapped(path, shape=(2, -2), dtype="u1")
    for shape in [(4,), (1, 2, 3, 4), 10, "ab", (2.5, 2), None.__class__]:
        with pytest.raises(TypeError, match="shape must be"):
            viewlib.open_mapped(path, shape=shape, dtype="u1")
    for dtype in ["u3", "<uint16", "uint17", ""]:
        with pytest.raises(TypeError, match="not understood"):
            viewlib.open_mapped(path, shape=(2, 2), dtype=dtype)
    with pytest.raises(TypeError):
        viewlib.open_mapped(path, shape=(2, 2), dtype=7)  # numpy.dtype's own TypeError
    with pytest.raises(TypeError):
        viewlib.open_mapped(path, (2, 2), "u1")  # shape and dtype are keyword-only
