import numpy as np, cv2, viewlib, sys
sys.path.insert(0, "/work/main/viewlib/python")
from bench import measure
T = int(sys.argv[1]) if len(sys.argv) > 1 else 1
cv2.setNumThreads(T); viewlib.set_num_threads(T)
rng = np.random.default_rng(0)
for dt in (np.uint8, np.uint16, np.float32):
    a = rng.integers(0, 255, (1080, 1920, 3)).astype(dt)
    out = np.empty((1920, 1080, 3), dt)
    m = lambda f: measure(f, warm=3, n=15)["median_s"] * 1e6
    print(np.dtype(dt).name,
          "vl copy(T) %.0f" % m(lambda: viewlib.copy(a.transpose(1, 0, 2), out=out)),
          "vl copy(rot90) %.0f" % m(lambda: viewlib.copy(np.rot90(a), out=out)),
          "cv2.transpose %.0f" % m(lambda: cv2.transpose(a, dst=out)),
          "cv2.rotate %.0f" % m(lambda: cv2.rotate(a, cv2.ROTATE_90_COUNTERCLOCKWISE, dst=out)),
          "np.copyto(T) %.0f" % m(lambda: np.copyto(out, a.transpose(1, 0, 2))))
