"""viewlib.Image as a buffer exporter: NumPy and memoryview see the layout Rust reports and
share the pixels; derived images share the memory with their strides; the export count,
BufferError while exported, and lifetimes (the memory outlives the image's name)."""

import gc
import hashlib

import numpy as np
import pytest
from PIL import Image as PILImage

import viewlib
from conftest import ASSETS

CARD = ASSETS / "testcard.png"  # 1280 x 720 RGBA, 8-bit
CARD16 = ASSETS / "testcard16.png"  # 1024 x 256 RGB, 16-bit


def check_buffer(image):
    """memoryview and NumPy report what the image reports, and read the same bytes."""
    mv = memoryview(image)
    arr = np.asarray(image)
    try:
        assert mv.format == image.format
        assert mv.shape == image.shape == arr.shape
        assert mv.strides == image.strides == arr.strides
        assert mv.itemsize == image.itemsize == arr.itemsize
        assert mv.ndim == image.ndim == 3
        assert mv.nbytes == image.nbytes == arr.nbytes
        assert mv.readonly == (not arr.flags.writeable)
        assert arr.dtype == np.dtype(image.dtype)
        assert mv.c_contiguous == image.c_contiguous
        assert mv.tobytes() == arr.tobytes()
        assert image.exports == 2
    finally:
        mv.release()
    return arr


def test_load_exports_the_pixels_as_pillow_decodes_them():
    image = viewlib.load(CARD)
    assert image.shape == (720, 1280, 4) and image.format == "B" and image.dtype == "u1"
    assert image.strides == (5120, 4, 1) and image.writable
    arr = check_buffer(image)
    np.testing.assert_array_equal(arr, np.asarray(PILImage.open(CARD)))
    image16 = viewlib.load(CARD16)
    assert image16.format == "H" and image16.shape == (256, 1024, 3)
    arr16 = check_buffer(image16)
    assert arr16.dtype == np.uint16
    with PILImage.open(CARD16) as pil:  # Pillow reads 16-bit RGB as 8 bits: compare high bytes
        assert np.abs((arr16 >> 8).astype(int) - np.asarray(pil.convert("RGB"))).max() <= 1


DERIVED = {
    "crop": (lambda i: i.crop(10, 20, 300, 100), lambda a: a[20:120, 10:310]),
    "channel": (lambda i: i.channel(1), lambda a: a[:, :, 1:2]),
    "flip_horizontal": (lambda i: i.flip_horizontal(), lambda a: a[:, ::-1]),
    "flip_vertical": (lambda i: i.flip_vertical(), lambda a: a[::-1]),
    "transpose": (lambda i: i.transpose(), lambda a: a.transpose(1, 0, 2)),
    "rotate90": (lambda i: i.rotate90(), lambda a: np.rot90(a, -1)),
    "rotate180": (lambda i: i.rotate180(), lambda a: np.rot90(a, 2)),
    "rotate270": (lambda i: i.rotate270(), lambda a: np.rot90(a, 1)),
    "chain": (
        lambda i: i.crop(100, 50, 640, 180).flip_horizontal().channel(2).rotate90(),
        lambda a: np.rot90(a[50:230, 100:740][:, ::-1][:, :, 2:3], -1),
    ),
}


@pytest.mark.parametrize("name", list(DERIVED))
@pytest.mark.parametrize("path", [CARD, CARD16])
def test_derived_images_share_memory_with_their_strides(name, path):
    derive, numpy_equivalent = DERIVED[name]
    image = viewlib.load(path)
    full = np.array(image)  # a copy to compare with
    derived = derive(image)
    arr = check_buffer(derived)
    expected = numpy_equivalent(full)
    np.testing.assert_array_equal(arr, expected)
    assert arr.strides == expected.strides  # the same layout NumPy itself would make
    # Shared memory: the derived image's array is a view into the image's buffer (read-only
    # now, since two images hold the memory).
    assert not image.writable and not arr.flags.writeable
    assert np.shares_memory(arr, np.asarray(image))


def test_writes_through_numpy_are_visible_to_the_image():
    image = viewlib.load(CARD)
    arr = np.asarray(image)
    assert arr.flags.writeable
    arr[0, 0] = (1, 2, 3, 4)
    again = np.asarray(image)
    assert again[0, 0].tolist() == [1, 2, 3, 4]
    assert image.exports == 2
    del arr, again
    assert image.exports == 0
    viewlib.invert(image, alpha="all")  # a kernel on the image's own buffer
    assert np.asarray(image)[0, 0].tolist() == [254, 253, 252, 251]


def test_buffer_error_while_exported():
    image = viewlib.load(CARD)
    arr = np.asarray(image)  # writable
    with pytest.raises(BufferError, match="1 writable buffer"):
        image.crop(0, 0, 10, 10)
    with pytest.raises(BufferError, match="while 1 buffer"):
        image.close()
    del arr
    mv = memoryview(image)
    with pytest.raises(BufferError):
        image.flip_horizontal()
    mv.release()
    crop = image.crop(0, 0, 10, 10)  # fine once released
    # Now the memory is shared: exports are read-only, writing is refused.
    view = memoryview(image)
    assert view.readonly
    with pytest.raises(TypeError, match="read-only.*shared by 2 images"):
        viewlib.invert(image)
    with pytest.raises(BufferError):
        image.close()
    view.release()
    del crop
    gc.collect()
    assert image.writable  # the only holder again
    image.close()
    assert image.closed
    with pytest.raises(ValueError, match="closed"):
        image.shape
    with pytest.raises(ValueError, match="closed"):
        memoryview(image)


def test_contiguity_requests():
    image = viewlib.load(CARD)
    assert hashlib.sha256(image).hexdigest() == hashlib.sha256(np.asarray(image)).hexdigest()
    assert bytes(image.crop(0, 0, 1280, 2)) == np.asarray(image)[:2].tobytes()
    crop = image.crop(1, 1, 3, 2)
    with pytest.raises(BufferError, match="not contiguous"):
        hashlib.sha256(crop)  # a simple (no strides) request on a strided image
    assert crop.copy().c_contiguous and bytes(crop.copy()) == np.asarray(crop).tobytes()


def test_memory_outlives_the_image():
    arr = np.asarray(viewlib.load(CARD).crop(5, 5, 100, 100).flip_vertical())
    expected = np.asarray(PILImage.open(CARD))[5:105, 5:105][::-1]
    gc.collect()
    junk = [np.full((720, 1280, 4), 7, np.uint8) for _ in range(8)]  # reuse freed memory
    np.testing.assert_array_equal(arr, expected)
    del junk
    image = viewlib.load(CARD)
    view = memoryview(image)
    del image
    gc.collect()
    assert view.tobytes() == np.asarray(PILImage.open(CARD)).tobytes()


def ppm16(path, width, height, samples):
    """A binary 16-bit PPM (big-endian samples)."""
    header = f"P6 {width} {height} 65535\n".encode()
    path.write_bytes(header + np.asarray(samples, ">u2").tobytes())


def test_open_mapped_exports_the_file(tmp_path):
    rng = np.random.default_rng(1)
    samples = rng.integers(0, 65536, (5, 7, 3)).astype(">u2")
    path = tmp_path / "tile.ppm"
    ppm16(path, 7, 5, samples)
    image = viewlib.open_mapped(path)
    assert image.format == ">H" and image.dtype == ">u2" and not image.writable
    arr = check_buffer(image)
    assert arr.dtype == np.dtype(">u2") and not arr.flags.writeable
    np.testing.assert_array_equal(arr, samples)
    crop = image.crop(2, 1, 3, 3).flip_horizontal()
    np.testing.assert_array_equal(np.asarray(crop), samples[1:4, 2:5][:, ::-1])
    assert np.shares_memory(np.asarray(crop), arr)  # a view into the mapped file
    with pytest.raises(TypeError, match="read-only"):
        viewlib.invert(image)
    gray = viewlib.to_luma(image)  # kernels read mapped images too
    assert gray.dtype == np.dtype(">u2")


def test_open_mapped_writable_writes_the_file(tmp_path):
    path = tmp_path / "gray.pgm"
    path.write_bytes(b"P5 3 2 255\n" + bytes(range(6)))
    with viewlib.open_mapped(path, writable=True) as image:
        assert image.writable
        viewlib.invert(image)
        arr = np.asarray(image)
        arr[0, 0, 0] = 42
        del arr
    assert path.read_bytes() == b"P5 3 2 255\n" + bytes([42, 254, 253, 252, 251, 250])


def test_save_round_trips(tmp_path):
    image = viewlib.load(CARD16)
    detail = image.crop(100, 10, 200, 50).flip_horizontal()
    path = tmp_path / "detail.png"
    detail.save(path)
    back = viewlib.load(path)
    assert back.format == "H"
    np.testing.assert_array_equal(np.asarray(back), np.asarray(detail))
    with pytest.raises(FileExistsError):
        detail.save(path)
    image.flip_vertical().save(path, overwrite=True)
    np.testing.assert_array_equal(np.asarray(viewlib.load(path)), np.asarray(image)[::-1])
    with pytest.raises(FileNotFoundError):
        viewlib.load(tmp_path / "missing.png")
    with pytest.raises(OSError, match="no known image extension"):
        image.save(tmp_path / "x.unknown")


def test_save_big_endian_images(tmp_path):
    samples = np.arange(4 * 6 * 3, dtype=">u2").reshape(4, 6, 3) * 900
    ppm16(tmp_path / "in.ppm", 6, 4, samples)
    mapped = viewlib.open_mapped(tmp_path / "in.ppm")
    for name in ["out.png", "out.tiff"]:
        mapped.save(tmp_path / name)
        np.testing.assert_array_equal(np.asarray(viewlib.load(tmp_path / name)), samples)


def test_repr_and_attributes():
    image = viewlib.load(CARD).crop(0, 0, 2, 3)
    assert repr(image) == "<viewlib.Image shape=(3, 2, 4) format='B' strides=(5120, 4, 1) exports=0>"
    assert image.offset == 0 and image.nbytes == 24 and image.itemsize == 1
    assert image.flip_vertical().offset == 2 * 5120
