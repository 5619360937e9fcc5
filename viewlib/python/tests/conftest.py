"""Shared helpers: where the workspace is, random arrays and random strided views of them."""

import bisect
import threading
import time
import zlib
from pathlib import Path

import numpy as np
import pytest

WORKSPACE = Path(__file__).resolve().parents[3]
ASSETS = WORKSPACE / "assets"

# Every dtype the kernels take, as NumPy spells them: 8-bit, 16-bit native and big-endian
# (PNG's order, '>H'), float32.
DTYPES = ["u1", "=u2", ">u2", "=f4"]


def random_array(rng, shape, dtype):
    """Random samples of `dtype` (floats in 0..1, integers over their whole range)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        return rng.random(shape, dtype=np.float32).astype(dtype)
    return rng.integers(0, np.iinfo(dtype).max + 1, size=shape).astype(dtype)


def random_slice(rng, n):
    """A non-empty slice of an axis of length `n`, with a step of 1, 2, 3, -1 or -2."""
    step = int(rng.choice([1, 1, 2, 3, -1, -2]))
    a, b = sorted(int(x) for x in rng.integers(0, n + 1, size=2))
    if a == b:
        a, b = (a - 1, a) if a > 0 else (0, 1)
    if step > 0:
        return slice(a, b, step)
    return slice(b - 1, a - 1 if a > 0 else None, step)


def random_view(rng, shape, *, keep_channels=False):
    """A function making the same random view of any array of `shape` (h, w, c): a slice of
    every axis (steps and negative steps), maybe transposed, maybe one channel (2-D) unless
    `keep_channels`. The same function applied to a copy makes the same view of the copy."""
    index = tuple(random_slice(rng, n) for n in shape)
    transpose = bool(rng.integers(0, 2))
    pick = None
    if not keep_channels and rng.integers(0, 3) == 0:
        pick = "pick"
    channel_choice = int(rng.integers(0, 1 << 30))

    def make(array):
        view = array[index]
        if transpose:
            view = view.transpose(1, 0, 2)
        if pick is not None:
            view = view[..., channel_choice % view.shape[2]]
        return view

    return make


SHAPES = [(1, 1, 1), (1, 1, 4), (3, 5, 3), (7, 13, 4), (17, 1, 2), (2, 31, 1), (64, 48, 3)]
# Large enough that viewlib splits the work across the rayon pool.
LARGE = (512, 700, 4)


def ticks_of_another_thread_during(call, tries=5):
    """How many times another Python thread ran while `call(i)` was running, over up to
    `tries` calls (stopping once past 10): about 0 if the GIL was held throughout."""
    ticks = []
    stop = threading.Event()

    def count():
        while not stop.is_set():
            ticks.append(time.perf_counter())

    thread = threading.Thread(target=count)
    thread.start()
    try:
        inside = 0
        for i in range(tries):
            time.sleep(0.01)  # let the counter run
            start = time.perf_counter()
            call(i)
            end = time.perf_counter()
            # `ticks` only grows, in increasing order.
            inside += bisect.bisect_left(ticks, end) - bisect.bisect_right(ticks, start)
            if inside > 10:
                break
    finally:
        stop.set()
        thread.join()
    return inside


@pytest.fixture
def rng(request):
    """A generator seeded by the test's name, so every failure replays."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
