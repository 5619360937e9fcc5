import subprocess, sys, json, statistics
CHILD = r'''
import numpy as np, viewlib, cv2, sys, json
sys.path.insert(0, "/work/main/viewlib/python")
from bench import measure
viewlib.set_num_threads(1); cv2.setNumThreads(1)
a = np.random.default_rng(1).random((1080, 1920, 3), dtype=np.float32); b = np.empty_like(a)
m = lambda f: measure(f, warm=5, n=21)["median_s"] * 1e6
one = np.float32(1)
print(json.dumps({
  "flip_h viewlib": m(lambda: viewlib.flip_horizontal(a)),
  "flip_h cv2 dst=b": m(lambda: cv2.flip(a, 1, dst=b)),
  "flip_v viewlib": m(lambda: viewlib.flip_vertical(a)),
  "flip_v cv2 dst=a": m(lambda: cv2.flip(a, 0, dst=a)),
  "invert viewlib": m(lambda: viewlib.invert(a, alpha='all')),
  "invert numpy": m(lambda: np.subtract(one, a, out=a)),
}))
'''
rounds = int(sys.argv[1])
runs = [json.loads(subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True).stdout) for _ in range(rounds)]
for k in runs[0]:
    v = sorted(r[k] for r in runs)
    print(f"{k:20s} median {statistics.median(v):7.0f}  min {v[0]:7.0f}  max {v[-1]:7.0f}")
