"""Kernels on views NumPy makes without a copy (mirrored, BGR-ordered, both, transposed,
np.rot90, a crop) of one 1080p RGB image, viewlib beside NumPy's nearest call, one thread, in
one child process per (build, round); the builds alternate: "base" from the directory in
$VIEWLIB_BASE_SITE (an unpacked wheel of the commit before), "new" from the venv.

  VIEWLIB_BASE_SITE=DIR python bench_layouts.py [ROUNDS] > layouts.jsonl
  python bench_layouts.py --table layouts.jsonl > layouts.md
"""
import json, os, statistics, subprocess, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def child(label):
    import numpy as np
    import viewlib
    from bench import measure
    viewlib.set_num_threads(1)
    rng = np.random.default_rng(2026)
    for dtype in (np.uint8, np.float32):
        base = rng.integers(0, 256, (1080, 1920, 3)).astype(dtype)
        w = np.array([0.2126, 0.7152, 0.0722], np.float32)
        for name, view in (("mirrored a[:, ::-1]", lambda a: a[:, ::-1]), ("BGR a[..., ::-1]", lambda a: a[..., ::-1]),
                           ("rotated a[::-1, ::-1]", lambda a: a[::-1, ::-1]), ("transposed", lambda a: a.transpose(1, 0, 2)),
                           ("np.rot90(a)", lambda a: np.rot90(a)),
                           ("crop", lambda a: a[100:900, 200:1700])):
            a = base.copy(); v = view(a)
            out = np.empty(v.shape, dtype); plane = np.empty(v.shape[:2], dtype)
            rows = [("copy", lambda: viewlib.copy(v, out=out), lambda: np.copyto(out, v)),
                    ("extract channel 1", lambda: viewlib.extract_channel(v, 1, out=plane), lambda: np.copyto(plane, v[:, :, 1])),
                    ("flip horizontal in place", lambda: viewlib.flip_horizontal(v), lambda: v.__setitem__(slice(None), v[:, ::-1])),
                    ("flip vertical in place", lambda: viewlib.flip_vertical(v), lambda: v.__setitem__(slice(None), v[::-1]))]
            if dtype == np.float32:
                rows.append(("luma", lambda: viewlib.to_luma(v, out=plane), lambda: np.dot(v, w, out=plane)))
            else:
                rows.append(("luma", lambda: viewlib.to_luma(v, out=plane), None))
            for op, ours, numpy in rows:
                for impl, fn in (("viewlib", ours), ("numpy", numpy)):
                    if fn is None:
                        continue
                    st = measure(fn, warm=2, n=9)
                    print(json.dumps({"build": label, "dtype": np.dtype(dtype).name, "layout": name, "op": op,
                                      "impl": impl, "median_us": st["median_s"] * 1e6}), flush=True)


def table(path):
    rows = [json.loads(l) for l in open(path)]
    keys = []
    for r in rows:
        k = (r["dtype"], r["layout"], r["op"])
        if k not in keys:
            keys.append(k)
    med = lambda b, i, k: statistics.median([r["median_us"] for r in rows if (r["dtype"], r["layout"], r["op"]) == k and r["build"] == b and r["impl"] == i] or [float("nan")])
    print("| dtype | layout | op | base viewlib µs | new viewlib µs | NumPy µs | new/NumPy |")
    print("|---|---|---|---:|---:|---:|---:|")
    for k in keys:
        b, n, np_ = med("base", "viewlib", k), med("new", "viewlib", k), med("new", "numpy", k)
        print(f"| {k[0]} | {k[1]} | {k[2]} | {b:.0f} | {n:.0f} | {np_:.0f} | {n / np_:.2f}x |")


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(sys.argv[2])
    elif sys.argv[1:2] == ["--table"]:
        table(sys.argv[2])
    else:
        rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
        builds = (("base", os.environ["VIEWLIB_BASE_SITE"]), ("new", ""))
        for rnd in range(rounds):
            for label, pp in (builds if rnd % 2 == 0 else builds[::-1]):
                subprocess.run([sys.executable, __file__, "child", label], env=dict(os.environ, PYTHONPATH=pp), check=True)
