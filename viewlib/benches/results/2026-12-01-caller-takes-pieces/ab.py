"""Before/after of the calling thread taking pieces (on_this_thread_and) against the old
hand-off to the pool (ThreadPool::install): viewlib beside cv2 and NumPy in one child process
per (build, threads), timed with bench.py's measure(). The two builds alternate: "base" from
the directory in $VIEWLIB_BASE_SITE (an unpacked wheel of the commit before), "new" from the
venv's installed one. Rows: the 1080p ones the 2-thread runs of bench.py left behind, and the
64 MiB invert.

  VIEWLIB_BASE_SITE=DIR python ab.py [ROUNDS] > ab.jsonl
  python ab_table.py ab.jsonl
"""
import json, os, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../python"))
import numpy as np
from bench import measure, luma_bt601


def child(threads, label):
    import viewlib, cv2
    viewlib.set_num_threads(threads); cv2.setNumThreads(threads)
    rng = np.random.default_rng(2026)
    out = []

    def rec(op, size, impl, fn, cfg):
        st = measure(fn, **cfg)
        out.append({"build": label, "threads": threads, "op": op, "size": size, "impl": impl,
                    "median_us": st["median_s"] * 1e6, "load": os.getloadavg()[0]})
    small = dict(warm=5, n=41)
    shape = (1080, 1920, 3)
    u8 = rng.integers(0, 256, size=shape, dtype=np.uint8)
    u16 = rng.integers(0, 65536, size=shape, dtype=np.uint16)
    f32 = rng.random(shape, dtype=np.float32)
    for name, base in (("u8", u8), ("u16", u16), ("f32", f32)):
        a = base.copy(); b = np.empty_like(base)
        rec("memcpy", name, "np.copyto", lambda: np.copyto(b, a), small)
        viewlib.invert(a, alpha="all"); assert np.array_equal(a, ~base if name != "f32" else 1 - base)
        rec("invert", name, "viewlib", lambda: viewlib.invert(a, alpha="all"), small)
        if name == "f32":
            one = np.float32(1)
            rec("invert", name, "cv2", lambda: cv2.subtract((1.0,) * 4, a, dst=a), small)
            rec("invert", name, "np", lambda: np.subtract(one, a, out=a), small)
        else:
            rec("invert", name, "cv2", lambda: cv2.bitwise_not(a, dst=a), small)
            rec("invert", name, "np", lambda: np.invert(a, out=a), small)
        for op, code, f in (("flip_h", 1, viewlib.flip_horizontal), ("flip_v", 0, viewlib.flip_vertical)):
            a = base.copy(); f(a); assert np.array_equal(a, np.flip(base, code))
            rec(op, name, "viewlib", lambda: f(a), small)
            rec(op, name, "cv2", lambda: cv2.flip(a, code, dst=a), small)
    plane8 = np.empty((1080, 1920), np.uint8)
    t, u, ref = np.empty((1080, 1920), np.uint32), np.empty((1080, 1920), np.uint32), np.empty((1080, 1920), np.uint8)
    luma_bt601(u8, t, u, ref)
    viewlib.to_luma(u8, out=plane8, weights="bt601"); assert np.array_equal(plane8, ref)
    rec("luma", "u8", "viewlib", lambda: viewlib.to_luma(u8, out=plane8, weights="bt601"), small)
    rec("luma", "u8", "cv2", lambda: cv2.cvtColor(u8, cv2.COLOR_RGB2GRAY, dst=plane8), small)
    rec("extract", "u8", "viewlib", lambda: viewlib.extract_channel(u8, 1, out=plane8), small)
    rec("extract", "u8", "cv2", lambda: cv2.extractChannel(u8, 1, dst=plane8), small)
    w = np.array([0.299, 0.587, 0.114], np.float32)
    plane = np.empty((1080, 1920), np.float32)
    viewlib.to_luma(f32, out=plane, weights="bt601"); assert np.abs(plane - f32 @ w).max() <= 1e-6
    rec("luma", "f32", "viewlib", lambda: viewlib.to_luma(f32, out=plane, weights="bt601"), small)
    rec("luma", "f32", "cv2", lambda: cv2.cvtColor(f32, cv2.COLOR_RGB2GRAY, dst=plane), small)
    big = rng.integers(0, 256, size=(4096, 4096, 4), dtype=np.uint8)
    cfg = dict(warm=3, n=21)
    rec("invert", "64MiB", "viewlib", lambda: viewlib.invert(big, alpha="all"), cfg)
    rec("invert", "64MiB", "np", lambda: np.invert(big, out=big), cfg)
    rec("invert", "64MiB", "cv2", lambda: cv2.bitwise_not(big, dst=big), cfg)
    for r in out:
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(int(sys.argv[2]), sys.argv[3])
    else:
        rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
        for rnd in range(rounds):
            for threads in (1, 2):
                builds = (("base", os.environ["VIEWLIB_BASE_SITE"]), ("new", ""))
                for label, pp in (builds if rnd % 2 == 0 else builds[::-1]):
                    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), PYTHONPATH=pp)
                    subprocess.run([sys.executable, __file__, "child", str(threads), label], env=env, check=True)
