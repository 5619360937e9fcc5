"""viewlib.process_file: one file through the batch pipeline. Every result is checked against
the same operations computed another way, on the pixels viewlib.load gives: NumPy for
geometry, channels and invert, the kernel functions (to_luma, apply_lut) for gray and the
tone operations, Pillow for EXIF orientation."""

import math
import os
import shutil
import struct
import time

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageOps

import viewlib
from conftest import ticks_of_another_thread_during

H, W = 23, 37  # odd sizes: no accidental symmetry


def pnm(path, samples):
    """Binary PGM (P5) or PPM (P6), 8 or 16-bit (big-endian), from an (h, w, 1|3) array."""
    h, w, c = samples.shape
    magic = {1: "P5", 3: "P6"}[c]
    maxval = np.iinfo(samples.dtype).max
    path.write_bytes(
        f"{magic} {w} {h} {maxval}\n".encode()
        + samples.astype(samples.dtype.newbyteorder(">")).tobytes()
    )


def farbfeld(path, rgba16):
    """farbfeld: 16-bit big-endian RGBA."""
    h, w, _ = rgba16.shape
    path.write_bytes(b"farbfeld" + struct.pack(">II", w, h) + rgba16.astype(">u2").tobytes())


def pillow(path, samples, **save):
    """Any 8-bit image, or 16-bit gray, through Pillow."""
    squeeze = samples[..., 0] if samples.shape[2] == 1 else samples
    PILImage.fromarray(squeeze).save(path, **save)


def make_inputs(folder, rng, h=H, w=W):
    """Generated inputs of every sample type and channel count, named by what they are."""

    def u8(c):
        return rng.integers(0, 256, (h, w, c), dtype=np.uint8)

    def u16(c):
        return rng.integers(0, 65536, (h, w, c), dtype=np.uint16)

    inputs = {
        "rgb8.png": lambda p: pillow(p, u8(3)),
        "rgba8.png": lambda p: pillow(p, u8(4)),
        "gray8.png": lambda p: pillow(p, u8(1)),
        "graya8.png": lambda p: pillow(p, u8(2)),
        "gray16.png": lambda p: pillow(p, u16(1)),
        "rgb16.ppm": lambda p: pnm(p, u16(3)),
        "rgba16.ff": lambda p: farbfeld(p, u16(4)),
    }
    paths = {}
    for name, write in inputs.items():
        paths[name] = folder / name
        write(paths[name])
    return paths


def lut_for(name, value, bits):
    maximum = (1 << bits) - 1
    if name == "threshold":  # the pipeline's level: value * max, rounded half away from 0
        return viewlib.lut_threshold(math.floor(value * maximum + 0.5), bits)
    return {
        "gamma": viewlib.lut_gamma,
        "contrast": viewlib.lut_contrast,
        "brightness": viewlib.lut_brightness,
    }[name](value, bits)


def model(pixels, ops):
    """The batch's operations on an (h, w, c) array, computed with NumPy and the kernels."""
    a = np.array(pixels)  # our own copy; views of it are what the steps pass on
    for op in ops.split() if isinstance(ops, str) else ops:
        name, _, arg = op.partition("=")
        c = a.shape[2]
        colour = c - 1 if c in (2, 4) else c  # tone operations and invert keep alpha
        bits = 8 * a.itemsize
        if name == "invert":
            n = c if arg == "all" else colour
            a[..., :n] = (1 << bits) - 1 - a[..., :n]
        elif name == "crop":
            x, y, w, h = map(int, arg.split(","))
            a = a[y : y + h, x : x + w]
        elif name == "flip":
            a = a[:, ::-1] if arg == "h" else a[::-1]
        elif name == "transpose":
            a = a.transpose(1, 0, 2)
        elif name == "channel":
            i = {"R": 0, "G": 1, "B": 2, "L": 0, "A": c - 1}[arg]
            a = a[..., i : i + 1]
        elif name == "slice":
            a = a[numpy_subscripts(arg)]
        elif name == "cast":
            a = a.view({"u8": np.uint8, "u16": "=u2", "u16le": "<u2", "u16be": ">u2"}[arg])
        elif name == "gray":
            if c >= 3:
                luma = viewlib.to_luma(a[..., :3])
                a = np.dstack([luma] + ([a[..., 3]] if c == 4 else []))
        else:
            viewlib.apply_lut(a[..., :colour], lut_for(name, float(arg), bits))
    return a.astype(a.dtype.newbyteorder("="))  # as read back: native order


def numpy_subscripts(text):
    """`100:400:2,::-1,1` as NumPy's subscripts, an index keeping its axis (`1` is `1:2`)."""

    def one(part):
        if ":" in part:
            return slice(*(int(p) if p else None for p in part.split(":")))
        i = int(part)
        return slice(i, i + 1 or None)

    return tuple(one(p) for p in text.strip("[]").split(","))


def pixels(path):
    return np.asarray(viewlib.load(path))


CHAINS = [
    [],
    ["invert"],
    ["crop=3,5,20,11", "flip=h", "invert=all"],
    "transpose flip=v gamma=0.5",  # one string, ops separated by spaces
    ["gray", "invert", "crop=1,2,10,9"],
    ["contrast=1.5", "transpose", "gray", "brightness=-0.2"],
    ["channel=G", "threshold=0.5"],
    ["channel=A", "flip=v", "invert"],
    ["channel=L", "threshold=0.3", "flip=h"],
    # The articles' operations: NumPy slicing with steps and reversals, and casts.
    ["slice=1:20:2,::-1", "invert"],
    ["slice=-1,::3,0", "flip=h"],
    ["cast=u8", "slice=:,:,::2"],  # 16-bit samples as bytes: every other byte
    ["slice=::-2,2:", "cast=u16be", "invert"],  # byte pairs as big-endian 16-bit samples
]


def fits(name, chain):
    """Whether every channel the chain names is in the image."""
    channels = {"rgb": "RGB", "rgba": "RGBA", "gray": "L", "graya": "LA"}[
        name.split(".")[0].rstrip("0123456789")
    ]
    ops = chain.split() if isinstance(chain, str) else chain
    # A cast to 16 bits needs whole byte pairs in each pixel.
    pixel_bytes = len(channels) * (2 if "16" in name else 1)
    pairs = pixel_bytes % 2 == 0 or "cast=u16be" not in ops
    return pairs and all(
        op[len("channel=") :] in channels for op in ops if op.startswith("channel=")
    )


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    return make_inputs(tmp_path_factory.mktemp("inputs"), np.random.default_rng(16))


NAMES = [
    "rgb8.png",
    "rgba8.png",
    "gray8.png",
    "graya8.png",
    "gray16.png",
    "rgb16.ppm",
    "rgba16.ff",
]


@pytest.mark.parametrize(
    "name, chain",
    # A channel the image lacks is an error, tested below.
    [(name, chain) for name in NAMES for chain in CHAINS if fits(name, chain)],
    ids=lambda c: " ".join(c) if isinstance(c, list) else c,
)
def test_results_equal_the_operations_computed_in_memory(inputs, tmp_path, name, chain):
    src, dst = inputs[name], tmp_path / "out.png"
    report = viewlib.process_file(src, dst, chain)
    expected = model(pixels(src), chain)
    out = pixels(dst)
    assert out.dtype == expected.dtype  # PNG keeps 16 bits
    np.testing.assert_array_equal(out, expected)
    assert report["input"] == str(src) and report["output"] == str(dst)
    assert report["format"] == "PNG" and report["input_shape"] == pixels(src).shape
    assert report["output_shape"] == expected.shape
    assert (report["channels"], report["bit_depth"]) == (expected.shape[2], 8 * expected.itemsize)
    assert report["input_dtype"] == str(pixels(src).dtype)
    assert (report["orientation"], report["orientation_applied"]) == (1, False)
    assert set(report["seconds"]) == {"decode", "ops", "encode", "commit"}
    assert 0 <= sum(report["seconds"].values()) <= report["elapsed"]


def narrow(a):
    """16 bits to 8, rounded to the nearest (as viewlib's encoders store them)."""
    return ((a.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


def as_rgb(a):
    """Gray as RGB, alpha kept."""
    c = a.shape[2]
    return np.dstack([a[..., :1]] * 3 + ([a[..., 1:]] if c == 2 else [])) if c <= 2 else a


@pytest.mark.parametrize(
    "name, extension, expected",
    [
        ("rgba16.ff", "ppm", lambda a: a[..., :3]),  # alpha dropped, 16 bits kept
        ("graya8.png", "tiff", as_rgb),  # TIFF has no gray+alpha: RGBA
        ("rgba16.ff", "bmp", narrow),  # 8 bits only
        ("gray16.png", "qoi", lambda a: as_rgb(narrow(a))),
        ("rgb8.png", "webp", lambda a: a),  # lossless
        ("gray8.png", "tga", lambda a: a),
        ("rgb16.ppm", "TIF", lambda a: a),  # the extension in any case
    ],
)
def test_the_extension_names_the_format_and_what_it_cannot_hold_is_converted(
    inputs, tmp_path, name, extension, expected
):
    dst = tmp_path / f"out.{extension}"
    report = viewlib.process_file(inputs[name], dst, ["flip=h"])
    want = expected(pixels(inputs[name])[:, ::-1])
    np.testing.assert_array_equal(pixels(dst), want)
    assert (report["channels"], report["bit_depth"]) == (want.shape[2], 8 * want.itemsize)
    assert report["output_shape"] == pixels(inputs[name]).shape


def test_jpeg_drops_alpha_and_16_bits(inputs, tmp_path):
    dst = tmp_path / "out.jpeg"
    report = viewlib.process_file(inputs["rgba16.ff"], dst, [])
    assert report["format"] == "JPEG" and (report["channels"], report["bit_depth"]) == (3, 8)
    assert pixels(dst).shape == (H, W, 3) and pixels(dst).dtype == np.uint8


def test_a_format_that_cannot_hold_the_image_fails_and_writes_nothing(inputs, tmp_path):
    with pytest.raises(OSError, match="cannot store a 3-channel image of 8-bit samples as PGM"):
        viewlib.process_file(inputs["rgb8.png"], tmp_path / "out.pgm", [])
    viewlib.process_file(inputs["rgb8.png"], tmp_path / "out.pgm", ["gray"])  # gray first: fine
    assert [p.name for p in tmp_path.iterdir()] == ["out.pgm"]


def rgbe_hdr(path, rgbe):
    """Radiance HDR with flat (uncompressed) scanlines, which readers take below 8 columns."""
    h, w, _ = rgbe.shape
    path.write_bytes(
        b"#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n" + f"-Y {h} +X {w}\n".encode() + rgbe.tobytes()
    )


def test_float_images_become_16_bit_clamped_before_the_operations(tmp_path, rng):
    rgbe = rng.integers(0, 256, (6, 5, 4), dtype=np.uint8)
    rgbe[..., 3] = rng.choice([128, 129], (6, 5))  # mantissa / 256, or / 128: some above 1.0
    rgbe[0, 0] = [128, 0, 255, 128]  # 0.5 exactly: 32767.5 rounds up
    src = tmp_path / "in.hdr"
    rgbe_hdr(src, rgbe)
    floats = pixels(src)
    assert floats.dtype == np.float32
    u16 = np.floor(np.clip(floats, 0, 1) * 65535 + 0.5).astype(np.uint16)
    report = viewlib.process_file(src, tmp_path / "out.png", ["invert"])
    assert report["input_dtype"] == "float32" and report["bit_depth"] == 16
    np.testing.assert_array_equal(pixels(tmp_path / "out.png"), 65535 - u16)


# EXIF orientation k shown upright, in NumPy (the EXIF specification's table).
UPRIGHT = {
    1: lambda a: a,
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.transpose(1, 0, 2),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].transpose(1, 0, 2),
    8: lambda a: np.rot90(a, 1),
}


def with_orientation(path, samples, orientation):
    exif = PILImage.Exif()
    exif[0x0112] = orientation
    pillow(path, samples, exif=exif)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_before_the_operations(tmp_path, rng, orientation):
    stored = rng.integers(0, 256, (H, W, 3), dtype=np.uint8)
    src = tmp_path / "photo.png"
    with_orientation(src, stored, orientation)
    upright = np.asarray(ImageOps.exif_transpose(PILImage.open(src)))  # Pillow's reading
    np.testing.assert_array_equal(upright, UPRIGHT[orientation](stored))
    ops = ["crop=2,3,15,12", "flip=h"]
    report = viewlib.process_file(src, tmp_path / "out.png", ops)
    np.testing.assert_array_equal(pixels(tmp_path / "out.png"), model(upright, ops))
    assert report["orientation"] == orientation
    assert report["orientation_applied"] == (orientation != 1)
    assert report["input_shape"] == (H, W, 3)  # as stored
    # Off: the pixels as stored.
    report = viewlib.process_file(src, tmp_path / "raw.png", ops, apply_orientation=False)
    np.testing.assert_array_equal(pixels(tmp_path / "raw.png"), model(stored, ops))
    assert (report["orientation"], report["orientation_applied"]) == (orientation, False)


def test_exif_orientation_of_a_jpeg(tmp_path, rng):
    src = tmp_path / "photo.jpg"
    with_orientation(src, rng.integers(0, 256, (H, W, 3), dtype=np.uint8), 6)
    report = viewlib.process_file(src, tmp_path / "out.png", "gray")
    # The same decoder's pixels, turned by NumPy.
    np.testing.assert_array_equal(
        pixels(tmp_path / "out.png"), model(UPRIGHT[6](pixels(src)), ["gray"])
    )
    assert report["output_shape"] == (W, H, 1)


def test_malformed_ops_are_refused_before_any_file_is_touched(inputs, tmp_path):
    dst = tmp_path / "out.png"
    for ops in [["invert", "blur"], "invert blur", ["crop=1,2,3"]]:
        with pytest.raises(
            ValueError,
            match=r"`(blur|crop=1,2,3)`: .* \(operations: invert, invert=all, crop=X,Y,W,H",
        ):
            viewlib.process_file(tmp_path / "missing.png", dst, ops)  # not FileNotFoundError
    dst.write_bytes(b"kept")
    with pytest.raises(ValueError, match="unknown operation"):
        viewlib.process_file(inputs["rgb8.png"], dst, ["blur"])  # not FileExistsError
    assert dst.read_bytes() == b"kept"
    with pytest.raises(TypeError, match=r"ops\[1\] must be a string"):
        viewlib.process_file(inputs["rgb8.png"], dst, ["invert", 3])
    with pytest.raises(TypeError, match="ops must be a string of operations or an iterable"):
        viewlib.process_file(inputs["rgb8.png"], dst, None)
    with pytest.raises(ValueError, match=r"does not write `\.gif` files.*\.png, \.jpg"):
        viewlib.process_file(inputs["rgb8.png"], tmp_path / "out.gif", [])


def nothing_written(folder, *keep):
    """No output and no temporary file left beside it."""
    return sorted(p.name for p in folder.iterdir()) == sorted(keep)


@pytest.mark.parametrize(
    "ops, message",
    [
        (
            ["crop=30,0,10,10"],
            r"operation 1 `crop=30,0,10,10`: crop 10x10 at \(30, 0\) does not fit in a 37x23 image",
        ),
        (
            ["transpose", "crop=0,35,5,5"],
            r"operation 2 `crop=0,35,5,5`: .* does not fit in a 23x37 image",
        ),
        (["channel=A"], "operation 1 `channel=A`: the image has no A channel"),
    ],
)
def test_ops_that_do_not_fit_the_image_raise_value_error_and_write_nothing(
    inputs, tmp_path, ops, message
):
    with pytest.raises(ValueError, match=message) as raised:
        viewlib.process_file(inputs["rgb8.png"], tmp_path / "out.png", ops)
    assert str(raised.value).startswith(str(inputs["rgb8.png"]) + ": ")
    assert nothing_written(tmp_path)


def test_a_cast_the_outputs_cannot_hold_or_the_library_refuses_raises_and_writes_nothing(
    inputs, tmp_path
):
    dst = tmp_path / "out.png"
    with pytest.raises(ValueError, match="format '<?I', which no output format holds"):
        viewlib.process_file(inputs["rgba8.png"], dst, ["cast=u32"])
    # Three bytes per pixel are not whole 16-bit samples: the library's reason.
    with pytest.raises(ValueError, match=r"operation 1 `cast=u16be`: .*3 bytes"):
        viewlib.process_file(inputs["rgb8.png"], dst, ["cast=u16be"])
    assert nothing_written(tmp_path)
    # A cast back before the end is fine: the bytes come back as they were.
    viewlib.process_file(inputs["rgba8.png"], dst, ["cast=u32", "flip=h", "cast=u8"])
    np.testing.assert_array_equal(pixels(dst), pixels(inputs["rgba8.png"])[:, ::-1])
    assert nothing_written(tmp_path, "out.png")


def test_an_existing_output_is_kept_unless_overwrite(inputs, tmp_path):
    dst = tmp_path / "out.png"
    dst.write_bytes(b"kept")
    with pytest.raises(FileExistsError, match="out.png: already exists"):
        viewlib.process_file(inputs["rgb8.png"], dst, ["invert"])
    assert dst.read_bytes() == b"kept" and nothing_written(tmp_path, "out.png")
    viewlib.process_file(inputs["rgb8.png"], dst, ["invert"], overwrite=True)
    np.testing.assert_array_equal(pixels(dst), model(pixels(inputs["rgb8.png"]), ["invert"]))


def test_the_input_is_never_the_output(inputs, tmp_path):
    src = tmp_path / "in.png"
    shutil.copy(inputs["rgb8.png"], src)
    before = src.read_bytes()
    (tmp_path / "hard.png").hardlink_to(src)
    (tmp_path / "soft.png").symlink_to(src)
    for dst in [
        src,
        tmp_path / "hard.png",
        tmp_path / "soft.png",
        tmp_path / ".." / tmp_path.name / "in.png",
    ]:
        with pytest.raises(shutil.SameFileError, match="is the input itself") as raised:
            viewlib.process_file(src, dst, ["invert"], overwrite=True)
        assert isinstance(raised.value, OSError)
    assert src.read_bytes() == before and nothing_written(
        tmp_path, "in.png", "hard.png", "soft.png"
    )


def test_unreadable_inputs_raise_os_errors_naming_the_file(inputs, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.png: cannot open for reading"):
        viewlib.process_file(tmp_path / "missing.png", tmp_path / "out.png", [])
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(inputs["rgb8.png"].read_bytes()[:200])  # cut short
    with pytest.raises(OSError, match="corrupt.png: cannot decode"):
        viewlib.process_file(corrupt, tmp_path / "out.png", [])
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(b"not an image at all")
    with pytest.raises(OSError, match="garbage.bin: not an image"):
        viewlib.process_file(garbage, tmp_path / "out.png", [])
    with pytest.raises(FileNotFoundError, match="out.png: cannot write"):
        viewlib.process_file(inputs["rgb8.png"], tmp_path / "no-such-folder" / "out.png", [])
    assert nothing_written(tmp_path, "corrupt.png", "garbage.bin")


def test_the_gil_is_released_while_a_file_is_processed(tmp_path):
    """Another Python thread runs while process_file decodes, inverts and encodes."""
    gradient = np.broadcast_to(
        np.arange(2048, dtype=np.uint16)[None, :, None] // 8, (2048, 2048, 3)
    )
    src = tmp_path / "big.png"
    pillow(src, gradient.astype(np.uint8))
    inside = ticks_of_another_thread_during(
        lambda i: viewlib.process_file(src, tmp_path / f"out{i}.png", ["invert"])
    )
    assert inside > 10, "no other thread ran while process_file worked: the GIL was held"


# --- Dask: the same files on two worker processes -------------------------------------------


def dask_jobs(folder, rng):
    """A dozen generated inputs of different sizes and formats, each with the operations and
    output format it gets: (source, ops, output extension)."""

    def u8(h, w, c):
        return rng.integers(0, 256, (h, w, c), dtype=np.uint8)

    def u16(h, w, c):
        return rng.integers(0, 65536, (h, w, c), dtype=np.uint16)

    rgbe = u8(6, 5, 4)
    rgbe[..., 3] = 128
    exif = PILImage.Exif()
    exif[0x0112] = 6
    writers = [
        ("rgb.png", lambda p: pillow(p, u8(48, 64, 3)), ["crop=5,6,40,30", "invert"], "png"),
        ("rgba.png", lambda p: pillow(p, u8(30, 100, 4)), ["flip=h", "gamma=0.7"], "webp"),
        ("gray.png", lambda p: pillow(p, u8(91, 17, 1)), ["transpose"], "jpg"),
        ("gray16.png", lambda p: pillow(p, u16(40, 40, 1)), ["invert"], "tiff"),
        ("rgb16.ppm", lambda p: pnm(p, u16(33, 70, 3)), ["gray"], "png"),
        ("rgba16.ff", lambda p: farbfeld(p, u16(20, 50, 4)), ["channel=A"], "bmp"),
        ("photo.jpg", lambda p: pillow(p, u8(80, 120, 3), exif=exif), ["crop=0,0,70,100"], "png"),
        ("scan.tiff", lambda p: pillow(p, u8(50, 60, 3)), ["flip=v"], "qoi"),
        ("graya.png", lambda p: pillow(p, u8(29, 31, 2)), ["invert=all"], "tga"),
        ("rgb.bmp", lambda p: pillow(p, u8(45, 45, 3)), ["brightness=0.1"], "ppm"),
        (
            "large.png",
            lambda p: pillow(p, u8(192, 256, 3)),
            ["contrast=1.3", "threshold=0.5"],
            "jpg",
        ),
        ("hdr.hdr", lambda p: rgbe_hdr(p, rgbe), ["invert"], "png"),
    ]
    jobs = []
    for name, write, ops, extension in writers:
        write(folder / name)
        jobs.append((folder / name, ops, f"{name.replace('.', '-')}.{extension}"))
    return jobs


def test_dask_local_cluster_gives_the_single_process_results(tmp_path, rng):
    import distributed  # dask[distributed], from requirements-test.txt

    (tmp_path / "in").mkdir()
    jobs = dask_jobs(tmp_path / "in", rng)
    for folder in ["local", "dask"]:
        (tmp_path / folder).mkdir()
    sources = [src for src, _, _ in jobs]
    ops = [ops for _, ops, _ in jobs]
    local = [viewlib.process_file(src, tmp_path / "local" / out, o) for src, o, out in jobs]

    start = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            local_directory=tmp_path / "scratch",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        # Two other processes, each with this very module (the venv's build).
        pids = client.run(os.getpid)
        assert len(set(pids.values())) == 2 and os.getpid() not in pids.values()
        assert set(client.run(lambda: viewlib.__file__).values()) == {viewlib.__file__}
        futures = client.map(
            viewlib.process_file,
            sources,
            [tmp_path / "dask" / out for _, _, out in jobs],
            ops,
            pure=False,  # it writes a file: never a cached result
        )
        distributed.wait(futures, timeout=60)
        reports = client.gather(futures)
        workers = {a for addresses in client.who_has(futures).values() for a in addresses}
    elapsed = time.perf_counter() - start
    print(
        f"LocalCluster of 2 processes: {len(jobs)} files in {elapsed:.2f} s, start and close included"
    )

    assert len(workers) == 2, "both workers got files"
    for (src, _, out), here, there in zip(jobs, local, reports):
        a, b = tmp_path / "local" / out, tmp_path / "dask" / out
        np.testing.assert_array_equal(pixels(b), pixels(a), err_msg=out)
        assert pixels(b).dtype == pixels(a).dtype
        assert b.read_bytes() == a.read_bytes(), out  # the encoders are deterministic too
        timing = {"output", "seconds", "elapsed"}
        assert {k: v for k, v in there.items() if k not in timing} == {
            k: v for k, v in here.items() if k not in timing
        }
    assert {r["format"] for r in reports} == {
        "PNG",
        "WebP",
        "JPEG",
        "TIFF",
        "BMP",
        "QOI",
        "TGA",
        "PPM",
    }
    assert {r["input_dtype"] for r in reports} == {"uint8", "uint16", "float32"}
    assert sum(r["orientation_applied"] for r in reports) == 1


def test_remove_abandoned_parts_removes_only_old_unlocked_parts(tmp_path):
    # A worker killed mid-write leaves `.NAME.XXXXXX.part` beside its output.
    abandoned = tmp_path / ".out.png.AbC123.part"
    fresh = tmp_path / ".next.png.XyZ789.part"  # maybe still being written: too recent
    locked = tmp_path / ".live.png.Qwe456.part"  # a live writer holds its lock
    other = tmp_path / "photo.png"  # not ours
    for path in (abandoned, fresh, locked, other):
        path.write_bytes(b"partial")
    past = time.time() - 60
    for path in (abandoned, locked, other):
        os.utime(path, (past, past))
    with open(locked, "rb") as writer:
        fcntl = pytest.importorskip("fcntl")
        fcntl.flock(writer, fcntl.LOCK_EX)
        removed = viewlib.remove_abandoned_parts(tmp_path)
    assert [os.fspath(p) for p in removed] == [os.fspath(abandoned)]
    assert not abandoned.exists()
    assert fresh.exists() and locked.exists() and other.exists()
    # Unlocked now, and still old: removed on the next sweep.
    assert [os.fspath(p) for p in viewlib.remove_abandoned_parts(str(tmp_path))] == [os.fspath(locked)]


def test_remove_abandoned_parts_names_a_folder_it_cannot_read(tmp_path):
    missing = tmp_path / "missing"
    with pytest.raises(FileNotFoundError, match="missing"):
        viewlib.remove_abandoned_parts(missing)
