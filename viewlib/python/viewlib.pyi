"""viewlib: zero-copy strided views over pixel buffers.

Kernels take any buffer-protocol object (NumPy arrays with any strides, negative and
transposed ones included; memoryview, bytearray, array.array) of 'B', 'H'/'<H'/'>H' or 'f'
samples, shaped (h, w, c), (h, w) (one channel) or (n,) (one row), and work on its memory in
place, in parallel (on `set_num_threads` threads), with the GIL released. Images from `load`
and `open_mapped` export their pixels to NumPy and memoryview without a copy. `process_file` runs `imgdemo batch`'s
pipeline on one file (load, operations, atomic save), for workers of Dask, Ray or a process
pool.

Errors: a read-only buffer where a kernel writes is TypeError; an `out` overlapping the
input in memory, a zero-size, misaligned or badly shaped buffer is ValueError; an
unsupported format is TypeError; a channel out of range is IndexError.
"""

from collections.abc import Iterable
from os import PathLike
from pathlib import Path
from types import TracebackType
from typing import Literal, Self, TypedDict, TypeVar

from typing_extensions import Buffer

__version__: str

_Out = TypeVar("_Out", bound=Buffer)

def invert(a: Buffer, alpha: Literal["keep", "all"] = "keep") -> None:
    """Inverts `a` in place: 255 - v for 'B', 65535 - v for 16-bit samples (any byte order),
    1.0 - v for 'f'. With alpha="keep" the last channel of a 2- or 4-channel image is left
    as it is; alpha="all" inverts it too."""

def flip_horizontal(a: Buffer) -> None:
    """Mirrors `a` left to right in place."""

def flip_vertical(a: Buffer) -> None:
    """Mirrors `a` top to bottom in place."""

def copy(src: Buffer, out: Buffer) -> None:
    """Copies `src` into `out`: same format and shape ((h, w) and (h, w, 1) are the same),
    any strides, no overlap in memory."""

def extract_channel(src: Buffer, channel: int, out: _Out | None = None) -> _Out:
    """Copies channel `channel` of `src` (negative counts from the last) into `out`
    ((h, w) or (h, w, 1), same format), or into a new NumPy array (h, w); returns it."""

def to_luma(
    src: Buffer,
    out: _Out | None = None,
    weights: Literal["rec709", "bt601"] = "rec709",
) -> _Out:
    """Grayscale of `src` into `out` or a new NumPy array (h, w); returns it. RGB(A): the
    luma ("rec709" as the image crate, byte for byte; "bt601" with OpenCV's classic 14-bit
    fixed-point weights, which OpenCV 5's cvtColor differs from by 1 on about 0.3% of
    pixels); gray and gray+alpha: channel 0. An OpenCV BGR array passed as `bgr[..., ::-1]`
    is read in place, as fast as an RGB one."""

def apply_lut(a: Buffer, lut: Lut) -> None:
    """Replaces every sample v of `a` with lut[v], in place: an 8-bit table on 'B', a 16-bit
    one on 'H', '<H' or '>H'."""

class Lut:
    """A lookup table of 256 (8-bit) or 65536 (16-bit) entries."""

    def __init__(self, values: Iterable[int]) -> None: ...
    @property
    def bits(self) -> Literal[8, 16]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, value: int) -> int: ...
    def __eq__(self, other: object) -> bool: ...
    def tolist(self) -> list[int]: ...
    def then(self, next: Lut) -> Lut:
        """This table followed by `next`: one table, one pass for both."""

def lut_gamma(gamma: float, bits: Literal[8, 16] = 8) -> Lut:
    """v ** gamma on the unit range (gamma < 1 brightens)."""

def lut_contrast(factor: float, bits: Literal[8, 16] = 8) -> Lut:
    """Scales the distance from mid-gray by `factor`, clamped."""

def lut_brightness(delta: float, bits: Literal[8, 16] = 8) -> Lut:
    """Adds `delta` (a fraction of the full range), clamped."""

def lut_threshold(level: int, bits: Literal[8, 16] = 8) -> Lut:
    """The maximum at and above `level`, zero below."""

class Image(Buffer):
    """Pixels (decoded, or a mapped file) with any strides, shape (height, width, channels).

    `numpy.asarray(image)` and `memoryview(image)` share its pixels: writable when the image
    is its memory's only holder and the memory is writable, read-only otherwise. Derived
    images share the memory; while a writable buffer is exported, deriving one, or closing,
    raises BufferError.
    """

    @property
    def shape(self) -> tuple[int, int, int]: ...
    @property
    def strides(self) -> tuple[int, int, int]:
        """Byte strides (negative for mirrored axes)."""
    @property
    def format(self) -> Literal["B", "H", ">H", "f"]: ...
    @property
    def dtype(self) -> str:
        """The NumPy dtype string ('u1', '<u2', '>u2', '<f4')."""
    @property
    def itemsize(self) -> int: ...
    @property
    def ndim(self) -> Literal[3]: ...
    @property
    def nbytes(self) -> int: ...
    @property
    def offset(self) -> int:
        """Byte offset of sample [0, 0, 0] in the shared memory."""
    @property
    def c_contiguous(self) -> bool: ...
    @property
    def writable(self) -> bool:
        """Whether a buffer exported now would be writable."""
    @property
    def exports(self) -> int:
        """Buffers exported and not yet released."""
    @property
    def closed(self) -> bool: ...
    def crop(self, x: int, y: int, width: int, height: int) -> Image: ...
    def channel(self, channel: int) -> Image: ...
    def flip_horizontal(self) -> Image: ...
    def flip_vertical(self) -> Image: ...
    def transpose(self) -> Image: ...
    def rotate90(self) -> Image: ...
    def rotate180(self) -> Image: ...
    def rotate270(self) -> Image: ...
    def copy(self) -> Image:
        """A C-contiguous, writable copy."""
    def save(self, path: str | PathLike[str], overwrite: bool = False) -> None:
        """Saves atomically in the format the extension names."""
    def close(self) -> None:
        """Lets go of the pixels; BufferError while buffers are exported."""
    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
    def __buffer__(self, flags: int, /) -> memoryview: ...
    def __release_buffer__(self, buffer: memoryview, /) -> None: ...

def set_num_threads(n: int) -> None:
    """Sets how many threads the kernels use, like cv2.setNumThreads: n threads from the next
    call on (1: every kernel on the calling thread, as OpenCV does); n=0 restores the default (RAYON_NUM_THREADS if
    set, else one per core). Holds for the process until changed; negative n is ValueError.
    Calls on arrays under 512 KiB run on the calling thread whatever n is; larger ones on
    the calling thread and n - 1 pool threads, n in all."""

def get_num_threads() -> int:
    """How many threads the kernels use: what set_num_threads set, else the default."""

def load(path: str | PathLike[str]) -> Image:
    """Loads an image file, keeping its bit depth ('B', 'H' or 'f' samples)."""

def open_mapped(
    path: str | PathLike[str],
    writable: bool = False,
    *,
    shape: tuple[int, int] | tuple[int, int, int] | None = None,
    dtype: object | None = None,  # a str, or what numpy.dtype() takes (numpy.typing.DTypeLike)
    offset: int = 0,
) -> Image:
    """Maps a binary PNM or farbfeld file as an image without reading it ('>H' for 16-bit);
    with writable=True its buffer writes the file in place.

    With `shape` ((h, w) or (h, w, c); (h, w) maps as (h, w, 1)) and `dtype` ('u1', '>u2',
    native 'u2' or 'f4', as NumPy spells them: 'uint16', '<u2', np.uint16, np.dtype('>u2'))
    the file is raw: headerless samples from byte `offset`, as numpy.memmap reads them, but
    checked. A file too short for the layout, an offset past its end, a zero dimension or
    another dtype is ValueError naming the file and the numbers; shape without dtype (or
    the reverse) is TypeError."""

class _Seconds(TypedDict):
    decode: float
    ops: float
    encode: float
    commit: float

class _ProcessReport(TypedDict):
    """What `process_file` did, for a batch driver's log."""

    input: str
    output: str
    format: Literal["PNG", "JPEG", "WebP", "TIFF", "BMP", "TGA", "QOI", "PPM", "PGM"]
    input_shape: tuple[int, int, int]
    input_dtype: Literal["uint8", "uint16", "float32"]
    orientation: int
    """The input's EXIF orientation, 1 (upright, or no EXIF data) to 8."""
    orientation_applied: bool
    output_shape: tuple[int, int, int]
    """After the operations, before any conversion the format needs."""
    channels: int
    """As written."""
    bit_depth: Literal[8, 16]
    """As written."""
    seconds: _Seconds
    elapsed: float

def process_file(
    src: str | PathLike[str],
    dst: str | PathLike[str],
    ops: str | Iterable[str],
    *,
    overwrite: bool = False,
    apply_orientation: bool = True,
) -> _ProcessReport:
    """Processes one image file as `imgdemo batch` does: load `src`, turn it upright as its
    EXIF orientation says (unless apply_orientation=False), apply `ops` (a list of operations
    such as ["crop=0,0,640,480", "flip=h", "gamma=2.2"], or one string of them separated by
    spaces; also "slice=100:400:2,::-1,1" for NumPy subscripts and "cast=u16be" to read the
    same bytes as other samples, ending in 8 or 16 bits), and write `dst` atomically in the format its extension names (.png, .jpg/.jpeg,
    .webp, .tif/.tiff, .bmp, .tga, .qoi, .ppm, .pgm), converting what the format cannot hold.
    Float images become 16-bit first. The GIL is released while it works.

    Raises ValueError for a malformed operation (before any file is read), an operation that
    does not fit the image, or an unknown extension; FileExistsError if `dst` exists and not
    `overwrite`; shutil.SameFileError if `dst` is `src`; OSError subclasses naming the file
    for files that cannot be read, decoded or written. `dst` appears whole or not at all."""

def remove_abandoned_parts(folder: str | PathLike[str]) -> list[Path]:
    """Removes the temporary files writers killed mid-write left in `folder` (a Dask worker
    or batch killed while process_file wrote) and returns their paths. Only files provably
    abandoned are touched: named as viewlib names them (.NAME.XXXXXX.part), not locked by a
    live writer in any process, and not modified for 10 seconds. Raises OSError naming the
    folder if it cannot be read, or the first file that could not be removed."""
