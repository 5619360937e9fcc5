import subprocess, sys, json, os, statistics
CHILD = r'''
import numpy as np, viewlib, cv2, sys, json
sys.path.insert(0, "/work/main/viewlib/python")
from bench import measure
T=int(sys.argv[1]); viewlib.set_num_threads(T); cv2.setNumThreads(T)
rng = np.random.default_rng(1)
res = {}
for name, shape, dt in (("f32 1080p", (1080,1920,3), np.float32), ("u16 1080p", (1080,1920,3), np.uint16), ("u8 1080p", (1080,1920,3), np.uint8), ("u8 4096 RGBA", (4096,4096,4), np.uint8)):
    a = (rng.random(shape, dtype=np.float32) * 200).astype(dt); b = np.empty_like(a)
    res[name + " vl"] = measure(lambda: viewlib.flip_horizontal(a), warm=5, n=21)["median_s"] * 1e6
    res[name + " cv-b"] = measure(lambda: cv2.flip(a, 1, dst=b), warm=5, n=21)["median_s"] * 1e6
print(json.dumps(res))
'''
rounds = int(sys.argv[1]); T = sys.argv[2]
out = {"head": [], "new": []}
for r in range(rounds):
    for tag, site in (("head", "/tmp/head-site"), ("new", None)):
        env = dict(os.environ)
        if site: env["PYTHONPATH"] = site
        p = subprocess.run([sys.executable, "-c", CHILD, T], env=env, capture_output=True, text=True, check=True)
        out[tag].append(json.loads(p.stdout))
keys = out["head"][0].keys()
for k in keys:
    h = statistics.median(x[k] for x in out["head"]); n = statistics.median(x[k] for x in out["new"])
    print(f"T={T} {k:22s} head {h:8.0f}  new {n:8.0f}  {n/h:.2f}")
