"""Safety at the boundary: read-only buffers, overlapping outputs, bad formats, ranks,
alignments and shapes are refused with an exception naming the numbers, never a crash; the
GIL is released while a kernel runs, and the buffer stays held until it returns."""

import array
import threading

import numpy as np
import pytest

import viewlib
from conftest import ticks_of_another_thread_during

WRITERS = [
    lambda a: viewlib.invert(a),
    lambda a: viewlib.flip_horizontal(a),
    lambda a: viewlib.flip_vertical(a),
    lambda a: viewlib.apply_lut(a, viewlib.lut_gamma(0.5)),
    lambda a: viewlib.copy(np.zeros((2, 3), np.uint8), a),
    lambda a: viewlib.extract_channel(np.zeros((2, 3, 2), np.uint8), 0, out=a),
    lambda a: viewlib.to_luma(np.zeros((2, 3, 3), np.uint8), out=a),
]


def read_only_buffers():
    frozen = np.zeros((2, 3), np.uint8)
    frozen.setflags(write=False)
    return {
        "np.frombuffer(bytes)": np.frombuffer(bytes(6), np.uint8).reshape(2, 3),
        "setflags(write=False)": frozen,
        "bytes": bytes(6),
        "memoryview(bytes)": memoryview(bytes(6)).cast("B", (2, 3)),
        "broadcast_to": np.broadcast_to(np.zeros(3, np.uint8), (2, 3)),
    }


@pytest.mark.parametrize("name", list(read_only_buffers()))
@pytest.mark.parametrize("write", range(len(WRITERS)))
def test_read_only_buffers_are_a_type_error(name, write):
    buffer = read_only_buffers()[name]
    if name == "bytes" and write >= 4:
        buffer = memoryview(buffer).cast("B", (2, 3))  # the (2, 3) output shape
    with pytest.raises(TypeError, match="read-only"):
        WRITERS[write](buffer)


def test_read_only_buffers_can_be_read():
    src = np.frombuffer(bytes(range(12)), np.uint8).reshape(2, 2, 3)
    assert viewlib.extract_channel(src, 1).tolist() == [[1, 4], [7, 10]]
    # A broadcast (zero-stride) input is read as it is.
    row = np.broadcast_to(np.arange(3, dtype=np.uint8), (4, 3))
    out = np.zeros((4, 3), np.uint8)
    viewlib.copy(row, out)
    assert (out == row).all()


def test_overlapping_out_is_a_value_error():
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    before = a.copy()
    with pytest.raises(ValueError, match="overlaps"):
        viewlib.copy(a, a)
    with pytest.raises(ValueError, match="overlaps"):
        viewlib.copy(a[:, :, 0], a[:, :, 1])  # disjoint elements, interleaved bytes
    with pytest.raises(ValueError, match="overlaps"):
        viewlib.extract_channel(a, 0, out=a[:, :, 3])
    with pytest.raises(ValueError, match="overlaps"):
        viewlib.to_luma(a, out=a[..., 0])
    np.testing.assert_array_equal(a, before)


@pytest.mark.parametrize("seed", range(40))
def test_overlap_refusal_agrees_with_may_share_memory(seed):
    """Two random views of one array: refused exactly when NumPy's bounds test says they may
    share memory; otherwise copied."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (9, 11, 3)).astype(np.uint8)
    h, w = int(rng.integers(1, 4)), int(rng.integers(1, 6))

    def block():
        y, x = int(rng.integers(0, 9 - h + 1)), int(rng.integers(0, 11 - w + 1))
        view = base[y : y + h, x : x + w]
        return view[:, ::-1] if rng.integers(0, 2) else view

    src, out = block(), block()
    if np.may_share_memory(src, out):
        before = base.copy()
        with pytest.raises(ValueError, match="overlaps"):
            viewlib.copy(src, out)
        np.testing.assert_array_equal(base, before)
    else:
        expected = src.copy()
        viewlib.copy(src, out)
        np.testing.assert_array_equal(out, expected)


def test_adjacent_out_is_fine():
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    assert not np.may_share_memory(a[0], a[1])
    viewlib.copy(a[0], a[1])
    np.testing.assert_array_equal(a[0], a[1])


def test_writable_aliasing_view_is_refused():
    zero = np.lib.stride_tricks.as_strided(
        np.zeros(4, np.uint8), shape=(3, 2), strides=(0, 1), writeable=True
    )
    with pytest.raises(ValueError, match="alias"):
        viewlib.invert(zero)
    assert (zero == 0).all()


@pytest.mark.parametrize(
    "value,error,message",
    [
        (np.zeros((2, 3), np.int16), TypeError, "format 'h'"),
        (np.zeros((2, 3), np.float64), TypeError, "format 'd'"),
        (np.zeros((2, 3), np.int8), TypeError, "format 'b'"),
        (np.zeros((2, 3), np.bool_), TypeError, r"format '\?'"),
        (np.zeros((2, 3), ">f4"), TypeError, "format '>f'"),
        (np.zeros((2, 3, 4, 5), np.uint8), ValueError, "got 4 dimensions"),
        (np.zeros((), np.uint8), ValueError, "got 0 dimensions"),
        (np.zeros((0, 3), np.uint8), ValueError, r"zero-size buffer of shape \(0, 3\)"),
        (np.zeros((4, 0, 3), np.uint8), ValueError, r"zero-size buffer of shape \(4, 0, 3\)"),
        (memoryview(bytearray(9))[1:].cast("H"), ValueError, "not aligned to 2 bytes"),
        (
            np.ndarray((3,), "<u2", buffer=bytearray(10), strides=(3,)),
            ValueError,
            "stride 3 bytes on axis 1 is not a multiple of the itemsize 2",
        ),
        (
            # A view NumPy lets one make whose reach is past the address space: refused
            # before anything is read.
            np.lib.stride_tricks.as_strided(
                np.zeros(1, np.uint8), shape=(3,), strides=(2**62,), writeable=True
            ),
            ValueError,
            "more than the address space holds",
        ),
        (5, TypeError, "bytes-like object is required"),
        (None, TypeError, "bytes-like object is required"),
        ("text", TypeError, "bytes-like object is required"),
        ([1, 2, 3], TypeError, "bytes-like object is required"),
    ],
)
def test_bad_buffers_raise(value, error, message):
    with pytest.raises(error, match=message):
        viewlib.invert(value)


def test_bad_arguments_raise():
    a = np.zeros((2, 3, 3), np.uint8)
    with pytest.raises(ValueError, match='alpha must be "keep" or "all"'):
        viewlib.invert(a, alpha="none")
    with pytest.raises(ValueError, match="weights"):
        viewlib.to_luma(a, weights="srgb")
    with pytest.raises(IndexError, match="channel 3 is out of range for 3"):
        viewlib.extract_channel(a, 3)
    with pytest.raises(IndexError, match="channel -4"):
        viewlib.extract_channel(a, -4)
    with pytest.raises(ValueError, match=r"out has shape \(3, 2\); expected \(2, 3\)"):
        viewlib.extract_channel(a, 0, out=np.zeros((3, 2), np.uint8))
    with pytest.raises(ValueError, match=r"out has shape \(2, 3, 2\)"):
        viewlib.to_luma(a, out=np.zeros((2, 3, 2), np.uint8))
    with pytest.raises(TypeError, match="out: expected samples of format 'B', got 'H'"):
        viewlib.extract_channel(a, 0, out=np.zeros((2, 3), np.uint16))
    with pytest.raises(ValueError, match=r"out has shape \(2, 3\), src \(2, 3, 3\)"):
        viewlib.copy(a, np.zeros((2, 3), np.uint8))
    with pytest.raises(TypeError, match="8-bit table cannot map samples of format 'H'"):
        viewlib.apply_lut(np.zeros(3, np.uint16), viewlib.lut_gamma(0.5))
    with pytest.raises(TypeError, match="not 'f'"):
        viewlib.apply_lut(np.zeros(3, np.float32), viewlib.lut_gamma(0.5))
    with pytest.raises(ValueError, match="256 .* or 65536 .* entries, not 3"):
        viewlib.Lut([1, 2, 3])
    with pytest.raises(ValueError, match="entry 7 is 256"):
        viewlib.Lut([0] * 7 + [256] + [0] * 248)
    with pytest.raises(ValueError, match="bits must be 8 or 16, not 12"):
        viewlib.lut_gamma(0.5, bits=12)
    with pytest.raises(ValueError, match="finite"):
        viewlib.lut_contrast(float("nan"))
    with pytest.raises(ValueError, match="level 256 is outside 0..=255"):
        viewlib.lut_threshold(256)
    with pytest.raises(ValueError, match="cannot chain"):
        viewlib.lut_gamma(1.0).then(viewlib.lut_gamma(1.0, bits=16))
    with pytest.raises(IndexError):
        viewlib.lut_gamma(1.0)[256]
    with pytest.raises(TypeError):
        viewlib.apply_lut(a, [0] * 256)  # a Lut, not a list


def test_errors_release_the_buffer():
    """A kernel refused after its buffers were acquired releases them: the exporter can
    resize again."""
    src = bytearray(6)
    out = bytearray(5)
    with pytest.raises(ValueError):
        viewlib.copy(src, out)
    src.extend(b"x")
    out.extend(b"x")
    with pytest.raises(TypeError):
        viewlib.invert(array.array("h", [1, 2]))


def test_gil_is_released_while_a_kernel_runs():
    """Another Python thread runs while one long kernel call is in progress."""
    big = np.zeros((8192, 8192, 4), np.uint8)  # 256 MiB: tens of milliseconds per pass
    inside = ticks_of_another_thread_during(lambda _: viewlib.invert(big, alpha="all"))
    assert inside > 10, "no other thread ran during the kernel: the GIL was held"


def test_buffer_stays_held_while_the_kernel_runs():
    """While a kernel runs in one thread, another cannot resize the bytearray under it
    (BufferError from bytearray); once it returns, it can."""
    data = bytearray(256 << 20)
    refused = 0
    thread = threading.Thread(target=lambda: [viewlib.invert(data) for _ in range(3)])
    thread.start()
    while thread.is_alive():
        try:
            data.append(0)
            del data[-1]
        except BufferError:
            refused += 1
    thread.join()
    assert refused > 0
    data.append(0)
    assert len(data) == (256 << 20) + 1
