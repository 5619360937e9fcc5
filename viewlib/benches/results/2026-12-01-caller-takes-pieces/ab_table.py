"""The table of ab.py's output: medians over rounds of each child's median; each ratio is
against the fastest peer (cv2 or NumPy) in the same child processes."""
import json, sys, statistics
from collections import defaultdict
recs = [json.loads(l) for f in sys.argv[1:] for l in open(f)]
d = defaultdict(list)
for r in recs:
    d[(r["op"], r["size"], r["threads"], r["build"], r["impl"])].append(r["median_us"])
loads = [r["load"] for r in recs]
print(f"load avg (1 min) during runs: {min(loads):.1f}-{max(loads):.1f}; rounds: {len(d[next(iter(d))])}")
print("| op | dtype | threads | base viewlib µs | new viewlib µs | fastest peer µs (base / new runs) | base/peer | new/peer |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for op, size, t in sorted({(k[0], k[1], k[2]) for k in d}):
    def m(build, impl):
        v = d.get((op, size, t, build, impl)); return statistics.median(v) if v else None
    if op == "memcpy":
        print(f"| memcpy | {size} | {t} | {m('base', 'np.copyto'):.0f} | {m('new', 'np.copyto'):.0f} | | | |"); continue
    bv, nv = m("base", "viewlib"), m("new", "viewlib")
    pb = min(x for x in (m("base", "cv2"), m("base", "np")) if x)
    pn = min(x for x in (m("new", "cv2"), m("new", "np")) if x)
    print(f"| {op} | {size} | {t} | {bv:.0f} | {nv:.0f} | {pb:.0f} / {pn:.0f} | {bv/pb:.2f}x | {nv/pn:.2f}x |")
