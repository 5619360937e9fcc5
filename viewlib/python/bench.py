#!/usr/bin/env python3
"""viewlib's Python kernels beside NumPy and OpenCV, on the same arrays, in one run.

  python bench.py [--quick]   JSON lines on stdout, a table on stderr

Run it in a venv holding the built module (`maturin develop --release`), NumPy and,
for the OpenCV rows, opencv-python-headless; without cv2 those rows are left out.
--quick uses tiny arrays and few repeats: a smoke run of the correctness checks.

Arrays: 4096x4096x4 (64 MiB RGBA) and 1080x1920x3 (1080p RGB) uint8, random bytes
from a fixed seed; then 1080p RGB uint16 and float32 (random samples over the whole
range, floats in 0..1) for the kernels that take them: invert (65535 - v, 1.0 - v),
flips and, on floats, luma (the LUT is 8-bit here). Each thread count (1, 2) runs in its
own child process, with viewlib.set_num_threads(n) and cv2.setNumThreads(n); NumPy is
single-threaded for all of these and is timed again in each child, so every ratio is
taken inside one process. Before timing, every implementation runs once on a fresh
copy and its result must equal NumPy's reference (assert; floats within 1e-6). Timing:
`warm` untimed calls, then `n` timed calls (perf_counter_ns, GC off); the median is reported.
Calls repeat on the same buffer (an in-place invert or flip undoes itself every other
call; the LUT's cost does not depend on the values).
"""
import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

PROC = "viewlib-python-bench"


def measure(fn, warm, n, inner=1):
    for _ in range(warm):
        fn()
    ts = []
    gc.disable()
    try:
        for _ in range(n):
            t0 = time.perf_counter_ns()
            for _ in range(inner):
                fn()
            ts.append((time.perf_counter_ns() - t0) / 1e9 / inner)
    finally:
        gc.enable()
    ts.sort()
    return {"median_s": ts[len(ts) // 2] if len(ts) % 2 else (ts[len(ts) // 2 - 1] + ts[len(ts) // 2]) / 2,
            "min_s": ts[0], "max_s": ts[-1], "n": len(ts)}


def luma_bt601(a, t, u, plane):
    """NumPy's weighted sum, in OpenCV's fixed point (BT.601, 14 bits, rounded)."""
    np.multiply(a[..., 0], np.uint32(4899), out=t)
    np.multiply(a[..., 1], np.uint32(9617), out=u)
    t += u
    np.multiply(a[..., 2], np.uint32(1868), out=u)
    t += u
    t += 8192
    t >>= 14
    np.copyto(plane, t, casting="unsafe")


def child(threads, quick):
    import viewlib

    viewlib.set_num_threads(threads)

    try:
        import cv2

        cv2.setNumThreads(threads)
    except ImportError:
        cv2 = None

    def emit(rec):
        print(json.dumps({"proc": PROC, "threads": threads, **rec}), flush=True)

    emit({"info": {"python": platform.python_version(), "numpy": np.__version__,
                   "opencv": cv2.__version__ if cv2 else None, "viewlib": viewlib.__version__,
                   "viewlib_threads": viewlib.get_num_threads(),
                   "cv2_threads": cv2.getNumThreads() if cv2 else None,
                   "loadavg": os.getloadavg(), "cpus": os.cpu_count(), "quick": quick}})

    images = [("4096x4096 RGBA", (4096, 4096, 4), dict(warm=3, n=21)),
              ("1920x1080 RGB", (1080, 1920, 3), dict(warm=5, n=41))]
    if quick:
        images = [("64x48 RGBA", (48, 64, 4), dict(warm=1, n=3)), ("37x23 RGB", (23, 37, 3), dict(warm=1, n=3))]
    rng = np.random.default_rng(2026)
    gamma = viewlib.lut_gamma(0.8)
    table = np.array(gamma.tolist(), np.uint8)

    def runner(label, base, cfg):
        """The memcpy baseline of `base`'s bytes, then `run(op, expected, impls)` for each
        operation on fresh copies of `base`."""
        h, w, c = base.shape

        def fresh():
            return {"a": base.copy(), "b": np.empty_like(base), "plane": np.zeros((h, w), base.dtype),
                    "t": np.empty((h, w), np.uint32), "u": np.empty((h, w), np.uint32)}

        def run(op, expected, impls, off_by_one_ok=()):
            """impls: (name, fn(s), where the result is: 'a', 'b' or 'plane', note). Results
            must equal `expected`, except those named in off_by_one_ok: within 1; floats
            within 1e-6."""
            for name, fn, where, note in impls:
                s = fresh()
                fn(s)
                if base.dtype.kind == "f":
                    diff, ok = np.abs(s[where] - expected).max(), 1e-6
                else:
                    diff, ok = np.abs(s[where].astype(np.int64) - expected).max(), int(name in off_by_one_ok)
                assert diff <= ok, f"{op} {name} on {label}: wrong result (off by {diff})"
                st = measure(lambda: fn(s), **cfg)
                emit({"op": op, "impl": name, "size": label, "bytes": base.nbytes, **st, "note": note})

        src, dst = base.copy(), np.empty_like(base)
        emit({"op": "memcpy (baseline)", "impl": "np.copyto(dst, src)", "size": label, "bytes": base.nbytes,
              **measure(lambda: np.copyto(dst, src), **cfg), "note": "same bytes, one thread"})
        del src, dst
        return run

    def flips(run, base):
        for op, axis, code, flip_in_place in (("flip horizontal", 1, 1, viewlib.flip_horizontal),
                                              ("flip vertical", 0, 0, viewlib.flip_vertical)):
            rev = (slice(None), slice(None, None, -1)) if axis == 1 else (slice(None, None, -1),)
            run(op, np.flip(base, axis), [
                (f"viewlib.{flip_in_place.__name__}(a)", lambda s, f=flip_in_place: f(s["a"]), "a", "in place"),
                (f"a[:] = a[{'::-1' if axis == 0 else ':, ::-1'}]", lambda s, r=rev: s["a"].__setitem__(slice(None), s["a"][r]), "a",
                 "in place; NumPy copies the overlapping source to a temporary first"),
                (f"np.copyto(b, np.flip(a, {axis}))", lambda s, x=axis: np.copyto(s["b"], np.flip(s["a"], x)), "b", "into another buffer"),
            ] + ([
                (f"cv2.flip(a, {code}, dst=a)", lambda s, k=code: cv2.flip(s["a"], k, dst=s["a"]), "a", "in place (checked correct)"),
                (f"cv2.flip(a, {code}, dst=b)", lambda s, k=code: cv2.flip(s["a"], k, dst=s["b"]), "b", "into another buffer"),
            ] if cv2 else []))

    for label, shape, cfg in images:
        base = rng.integers(0, 256, size=shape, dtype=np.uint8)
        h, w, c = shape
        run = runner(label, base, cfg)

        run("invert in place", 255 - base, [
            ("viewlib.invert(a, alpha='all')", lambda s: viewlib.invert(s["a"], alpha="all"), "a", ""),
            ("np.invert(a, out=a)", lambda s: np.invert(s["a"], out=s["a"]), "a", ""),
        ] + ([("cv2.bitwise_not(a, dst=a)", lambda s: cv2.bitwise_not(s["a"], dst=s["a"]), "a", "")] if cv2 else []))

        if c == 4:
            keep = base.copy()
            keep[..., :3] = 255 - keep[..., :3]
            mask = np.array([255, 255, 255, 0], np.uint8)
            run("invert keeping alpha", keep, [
                ("viewlib.invert(a)", lambda s: viewlib.invert(s["a"]), "a", "alpha='keep' (default)"),
                ("np.invert(a[..., :3], out=a[..., :3])", lambda s: np.invert(s["a"][..., :3], out=s["a"][..., :3]), "a", "strided view"),
                ("np.bitwise_xor(a, [255,255,255,0], out=a)", lambda s: np.bitwise_xor(s["a"], mask, out=s["a"]), "a", "whole-array pass"),
            ] + ([("cv2.bitwise_xor(a, (255,255,255,0), dst=a)", lambda s: cv2.bitwise_xor(s["a"], (255, 255, 255, 0), dst=s["a"]), "a", "whole-array pass")] if cv2 else []))

        one = base.copy()
        one[..., 1] = 255 - one[..., 1]
        only_g = np.zeros(c, np.uint8)
        only_g[1] = 255
        run("invert channel 1 in place (a[:, :, 1])", one, [
            ("viewlib.invert(a[:, :, 1])", lambda s: viewlib.invert(s["a"][:, :, 1]), "a", "strided view"),
            ("np.invert(v, out=v), v = a[:, :, 1]", lambda s: np.invert(s["a"][:, :, 1], out=s["a"][:, :, 1]), "a", "strided view"),
            ("np.bitwise_xor(a, [0,255,0..], out=a)", lambda s: np.bitwise_xor(s["a"], only_g, out=s["a"]), "a",
             "whole-array pass: rewrites the other channels too, not a view"),
        ])

        run("extract channel 1 into out", base[..., 1], [
            ("viewlib.extract_channel(a, 1, out=plane)", lambda s: viewlib.extract_channel(s["a"], 1, out=s["plane"]), "plane", ""),
            ("np.copyto(plane, a[..., 1])", lambda s: np.copyto(s["plane"], s["a"][..., 1]), "plane", ""),
        ] + ([("cv2.extractChannel(a, 1, dst=plane)", lambda s: cv2.extractChannel(s["a"], 1, dst=s["plane"]), "plane", "")] if cv2 else []))

        flips(run, base)

        t, u, plane = np.empty((h, w), np.uint32), np.empty((h, w), np.uint32), np.empty((h, w), np.uint8)
        luma_bt601(base, t, u, plane)
        run("luma BT.601 into out", plane, [
            ("viewlib.to_luma(a, out=plane, weights='bt601')", lambda s: viewlib.to_luma(s["a"], out=s["plane"], weights="bt601"), "plane", ""),
            ("NumPy weighted sum, fixed point", lambda s: luma_bt601(s["a"], s["t"], s["u"], s["plane"]), "plane",
             "uint32 temporaries, preallocated"),
        ] + ([("cv2.cvtColor(a, COLOR_RGB[A]2GRAY, dst=plane)",
               lambda s, k=(cv2.COLOR_RGBA2GRAY if c == 4 else cv2.COLOR_RGB2GRAY): cv2.cvtColor(s["a"], k, dst=s["plane"]), "plane",
               "OpenCV 5.0's rounding: off by 1 on about 0.26% of pixels")] if cv2 else []),
            off_by_one_ok={"cv2.cvtColor(a, COLOR_RGB[A]2GRAY, dst=plane)"})

        run("LUT (gamma 0.8) in place", table[base], [
            ("viewlib.apply_lut(a, lut_gamma(0.8))", lambda s: viewlib.apply_lut(s["a"], gamma), "a", ""),
            ("np.take(lut, a, out=a)", lambda s: np.take(table, s["a"], out=s["a"]), "a", ""),
        ] + ([("cv2.LUT(a, lut, dst=a)", lambda s: cv2.LUT(s["a"], table, dst=s["a"]), "a", "")] if cv2 else []))
        del base

    # 16-bit and float samples, 1080p RGB: the kernels that take them.
    label, shape, cfg = images[-1]
    deep = [("uint16", rng.integers(0, 65536, size=shape, dtype=np.uint16)),
            ("float32", rng.random(shape, dtype=np.float32))]
    for name, base in deep:
        run = runner(f"{label} {name}", base, cfg)
        if base.dtype == np.uint16:
            run("invert in place", 65535 - base, [
                ("viewlib.invert(a, alpha='all')", lambda s: viewlib.invert(s["a"], alpha="all"), "a", "65535 - v"),
                ("np.invert(a, out=a)", lambda s: np.invert(s["a"], out=s["a"]), "a", ""),
            ] + ([("cv2.bitwise_not(a, dst=a)", lambda s: cv2.bitwise_not(s["a"], dst=s["a"]), "a", "")] if cv2 else []))
        else:
            one = np.float32(1)
            run("invert in place", one - base, [
                ("viewlib.invert(a, alpha='all')", lambda s: viewlib.invert(s["a"], alpha="all"), "a", "1.0 - v"),
                ("np.subtract(1, a, out=a)", lambda s: np.subtract(one, s["a"], out=s["a"]), "a", ""),
            ] + ([("cv2.subtract((1.0,)*4, a, dst=a)", lambda s: cv2.subtract((1.0,) * 4, s["a"], dst=s["a"]), "a", "")] if cv2 else []))
        flips(run, base)
        if base.dtype == np.float32:
            weights = np.array([0.299, 0.587, 0.114], np.float32)
            run("luma BT.601 into out", base @ weights, [
                ("viewlib.to_luma(a, out=plane, weights='bt601')", lambda s: viewlib.to_luma(s["a"], out=s["plane"], weights="bt601"), "plane", ""),
                ("np.dot(a, weights, out=plane)", lambda s: np.dot(s["a"], weights, out=s["plane"]), "plane", ""),
            ] + ([("cv2.cvtColor(a, COLOR_RGB2GRAY, dst=plane)", lambda s: cv2.cvtColor(s["a"], cv2.COLOR_RGB2GRAY, dst=s["plane"]), "plane", "")] if cv2 else []))
        del base, run
    del deep

    small = np.random.default_rng(1).integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    inner = 100 if quick else 10000
    for name, fn in [("viewlib.invert(a, alpha='all')", lambda: viewlib.invert(small, alpha="all")),
                     ("viewlib.invert(a)", lambda: viewlib.invert(small)),
                     ("np.invert(a, out=a)", lambda: np.invert(small, out=small))] + (
            [("cv2.bitwise_not(a, dst=a)", lambda: cv2.bitwise_not(small, dst=small))] if cv2 else []):
        emit({"op": "call overhead, (4,4,3) invert", "impl": name, "size": "4x4 RGB", "bytes": small.nbytes,
              **measure(fn, warm=100, n=3 if quick else 15, inner=inner), "note": f"mean of {inner} calls per sample"})


def fmt(s):
    return f"{s * 1e3:.2f} ms" if s >= 1e-3 else f"{s * 1e6:.1f} µs" if s >= 1e-6 else f"{s * 1e9:.0f} ns"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny arrays, few repeats: a smoke run")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        return child(args.child, args.quick)

    recs = []
    for threads in (1, 2):
        env = dict(os.environ, RAYON_NUM_THREADS=str(threads))
        cmd = [sys.executable, os.path.abspath(__file__), "--child", str(threads)] + (["--quick"] if args.quick else [])
        out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True, check=True).stdout
        for line in out.splitlines():
            print(line, flush=True)
            recs.append(json.loads(line))

    # The table: each op and size, per thread count, every implementation; "/ memcpy" is the
    # median over the same process's np.copyto of the same bytes, "/ viewlib" over viewlib's.
    rows = [r for r in recs if "op" in r]
    memcpy = {(r["size"], r["threads"]): r["median_s"] for r in rows if r["op"].startswith("memcpy")}
    err = sys.stderr
    print("| op | size | threads | implementation | median | / memcpy | / viewlib | note |", file=err)
    print("|---|---|---:|---|---:|---:|---:|---|", file=err)
    for r in rows:
        vl = next((q["median_s"] for q in rows if q["op"] == r["op"] and q["size"] == r["size"]
                   and q["threads"] == r["threads"] and q["impl"].startswith("viewlib.")), None)
        mc = memcpy.get((r["size"], r["threads"]))
        ratio = lambda d: f"{r['median_s'] / d:.2f}x" if d else ""
        print(f"| {r['op']} | {r['size']} | {r['threads']} | `{r['impl']}` | {fmt(r['median_s'])} | "
              f"{ratio(mc)} | {ratio(vl)} | {r['note']} |", file=err)


if __name__ == "__main__":
    main()
