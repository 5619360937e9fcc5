"""viewlib.set_num_threads / get_num_threads: the kernels run on the module's own pool of the
size set, observed from outside (the pool's threads, named viewlib-N, and the CPU time each
spent), or on the calling thread at one thread; the setting holds across calls and in forked
children, small calls never touch the pool, and bad sizes raise."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import viewlib

LINUX = sys.platform.startswith("linux")

# Pool threads by thread id, with the CPU ticks each spent (Linux /proc).
POOL_THREADS = textwrap.dedent(
    """
    import os, sys, time
    import numpy as np
    import viewlib

    def pool_threads():
        threads = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/comm") as f:
                    name = f.read().strip()
                with open(f"/proc/self/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except FileNotFoundError:  # ended meanwhile
                continue
            if name.startswith("viewlib-"):
                threads[int(tid)] = int(fields[11]) + int(fields[12])  # utime + stime
        return threads

    def settle(n, timeout=10):
        # A replaced pool's threads end soon after, not at once.
        deadline = time.monotonic() + timeout
        while len(pool_threads()) != n and time.monotonic() < deadline:
            time.sleep(0.01)
        return len(pool_threads())

    big = np.zeros((4096, 4096, 4), np.uint8)  # 64 MiB: split over the pool
    """
)


def run_script(body, env=None):
    run = subprocess.run(
        [sys.executable, "-c", POOL_THREADS + textwrap.dedent(body)],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.fixture
def default_threads():
    """Restores the default afterwards: the pool is the process's, shared by every test."""
    yield
    viewlib.set_num_threads(0)


def test_set_and_get(default_threads):
    default = viewlib.get_num_threads()
    assert default >= 1
    for n in [1, 3, 2]:
        viewlib.set_num_threads(n)
        assert viewlib.get_num_threads() == n
        a = np.zeros((1024, 1024, 4), np.uint8)  # 4 MiB: runs in the pool
        for _ in range(3):
            viewlib.invert(a, alpha="all")
            viewlib.flip_vertical(a)
            viewlib.to_luma(a)
        assert viewlib.get_num_threads() == n  # the setting holds across calls
        assert (a == 255).all()
    viewlib.set_num_threads(0)
    assert viewlib.get_num_threads() == default


def test_default_follows_rayon_num_threads():
    env = dict(os.environ, RAYON_NUM_THREADS="3")
    assert run_script("print(viewlib.get_num_threads())", env).split() == ["3"]
    env.pop("RAYON_NUM_THREADS")
    out = run_script("print(viewlib.get_num_threads(), len(os.sched_getaffinity(0)))", env)
    threads, cores = out.split()
    assert threads == cores


def test_bad_sizes_raise(default_threads):
    viewlib.set_num_threads(2)
    for n in [-1, -(2**40), 2**40]:
        with pytest.raises(ValueError, match=f"not {n}"):
            viewlib.set_num_threads(n)
    for n in [1.5, "2", None]:
        with pytest.raises(TypeError):
            viewlib.set_num_threads(n)
    assert viewlib.get_num_threads() == 2  # refusals change nothing


@pytest.mark.skipif(not LINUX, reason="counts threads in /proc")
@pytest.mark.parametrize("n", [2, 3])
def test_kernels_run_on_the_calling_thread_and_the_pool_threads(n):
    # n threads in all: the calling thread takes pieces beside n - 1 of the pool's threads
    # (it starts at once instead of waiting for a sleeping pool thread to wake).
    out = run_script(
        f"""
        viewlib.set_num_threads({n})
        deadline = time.monotonic() + 30  # a loaded machine may leave a thread waiting
        start, wall = time.thread_time(), time.perf_counter()
        for calls in range(1, 1000):
            viewlib.invert(big, alpha="all")
            threads = pool_threads()
            if calls >= 20 and sum(t > 0 for t in threads.values()) >= {n} - 1 or time.monotonic() > deadline:
                break
        # The calling thread worked for a good part of the calls (1/n of the pieces, more
        # while pool threads wake), rather than sleeping while the pool worked.
        caller, wall = time.thread_time() - start, time.perf_counter() - wall
        print(len(threads), sum(t > 0 for t in threads.values()), viewlib.get_num_threads(), caller > 0.2 * wall)
        """
    )
    count, busy, reported, caller_worked = out.split()
    assert (int(count), int(reported)) == (n, n)
    assert caller_worked == "True", "the calling thread took no pieces"
    assert int(busy) >= n - 1, f"only {busy} of the {n} pool threads spent CPU time"


@pytest.mark.skipif(not LINUX, reason="counts threads in /proc")
def test_one_thread_runs_kernels_on_the_calling_thread():
    # As OpenCV at one thread: no hand-off to a pool (about 10 µs a call), and no other
    # pool (rayon's global one) started instead.
    out = run_script(
        """
        viewlib.set_num_threads(1)
        threads_before = len(os.listdir("/proc/self/task"))
        start, wall = time.thread_time(), time.perf_counter()
        for _ in range(20):
            viewlib.invert(big, alpha="all")
        spent, wall = time.thread_time() - start, time.perf_counter() - wall
        started = len(os.listdir("/proc/self/task")) - threads_before
        # The calling thread was on a CPU for most of the calls, not waiting for another.
        print(len(pool_threads()), sum(pool_threads().values()), started, spent > 0.5 * wall)
        """
    )
    assert out.split() == ["1", "0", "0", "True"]


@pytest.mark.skipif(not LINUX, reason="counts threads in /proc")
def test_resizing_replaces_the_pool_and_small_calls_never_touch_it():
    out = run_script(
        """
        small = np.zeros((64, 64, 4), np.uint8)  # 16 KiB: on the calling thread
        for _ in range(1000):
            viewlib.invert(small)
        print(len(pool_threads()))  # no pool was even started
        viewlib.set_num_threads(3)
        viewlib.invert(big)
        first = set(pool_threads())
        viewlib.set_num_threads(1)
        viewlib.invert(big)
        print(settle(1), len(first), len(first & set(pool_threads())))
        """
    )
    assert out.split() == ["0", "1", "3", "0"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_gets_a_pool_of_the_same_size():
    out = run_script(
        """
        viewlib.set_num_threads(3)
        viewlib.invert(big)
        pid = os.fork()
        if pid == 0:  # the pool's threads were not forked: a pool of 3 of the child's own
            try:
                viewlib.invert(big)
                ok = viewlib.get_num_threads() == 3 and (big == 0).all()
            finally:
                os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), viewlib.get_num_threads())
        """
    )
    assert out.split() == ["0", "3"]
