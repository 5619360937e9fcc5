import numpy as np, cv2, viewlib, sys
sys.path.insert(0, "/work/main/viewlib/python")
from bench import measure
T = int(sys.argv[1]) if len(sys.argv) > 1 else 1
cv2.setNumThreads(T); viewlib.set_num_threads(T)
rng = np.random.default_rng(0)
for dt in (np.uint8, np.uint16, np.float32):
    a = rng.integers(0, 255, (1080, 1920, 3)).astype(dt); out = np.empty_like(a)
    m = lambda f: measure(f, warm=3, n=15)["median_s"] * 1e6
    print(np.dtype(dt).name, "vl copy(bgr[..., ::-1]) %.0f" % m(lambda: viewlib.copy(a[..., ::-1], out=out)),
          "cv2.cvtColor BGR2RGB %.0f" % m(lambda: cv2.cvtColor(a, cv2.COLOR_BGR2RGB, dst=out)),
          "np.copyto %.0f" % m(lambda: np.copyto(out, a[..., ::-1])), "memcpy %.0f" % m(lambda: np.copyto(out, a)))
