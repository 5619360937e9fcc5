"""Before/after of the rows issue 16 left behind: viewlib beside cv2 and NumPy in one child
process per (build, threads), timed with bench.py's measure(). Two builds of the module
alternate: "base" from the directory in $VIEWLIB_BASE_SITE (an unpacked wheel of the commit
before), "new" from the venv's installed one.

  VIEWLIB_BASE_SITE=DIR python ab_rows.py [ROUNDS] > ab-rows.jsonl
  python ab_table.py ab-rows.jsonl
"""
import json, os, subprocess, sys
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../python"))
import numpy as np
from bench import measure

def child(threads, label):
    import viewlib, cv2
    viewlib.set_num_threads(threads); cv2.setNumThreads(threads)
    rng = np.random.default_rng(2026)
    out = []
    def rec(op, size, impl, fn, cfg):
        st = measure(fn, **cfg)
        out.append({"build": label, "threads": threads, "op": op, "size": size, "impl": impl, "median_us": st["median_s"] * 1e6,
                    "load": os.getloadavg()[0]})
    small = dict(warm=5, n=41)
    shape = (1080, 1920, 3)
    u8 = rng.integers(0, 256, size=shape, dtype=np.uint8)
    u16 = rng.integers(0, 65536, size=shape, dtype=np.uint16)
    f32 = rng.random(shape, dtype=np.float32)
    for name, base in (("u8", u8), ("u16", u16), ("f32", f32)):
        a = base.copy(); b = np.empty_like(base)
        rec("memcpy", name, "np.copyto", lambda: np.copyto(b, a), small)
        for op, code, f in (("flip_h", 1, viewlib.flip_horizontal), ("flip_v", 0, viewlib.flip_vertical)):
            a = base.copy(); f(a); assert np.array_equal(a, np.flip(base, code))
            rec(op, name, "viewlib", lambda: f(a), small)
            rec(op, name, "cv2", lambda: cv2.flip(a, code, dst=a), small)
    w = np.array([0.299, 0.587, 0.114], np.float32)
    plane = np.empty((1080, 1920), np.float32)
    viewlib.to_luma(f32, out=plane, weights="bt601"); assert np.abs(plane - f32 @ w).max() <= 1e-6
    rec("luma", "f32", "viewlib", lambda: viewlib.to_luma(f32, out=plane, weights="bt601"), small)
    rec("luma", "f32", "cv2", lambda: cv2.cvtColor(f32, cv2.COLOR_RGB2GRAY, dst=plane), small)
    big = rng.integers(0, 256, size=(4096, 4096, 4), dtype=np.uint8)
    cfg = dict(warm=3, n=21)
    rec("invert", "64MiB", "viewlib", lambda: viewlib.invert(big, alpha="all"), cfg)
    rec("invert", "64MiB", "np.invert", lambda: np.invert(big, out=big), cfg)
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
                for label, pp in (("base", os.environ["VIEWLIB_BASE_SITE"]), ("new", "")):
                    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), PYTHONPATH=pp)
                    subprocess.run([sys.executable, __file__, "child", str(threads), label], env=env, check=True)
