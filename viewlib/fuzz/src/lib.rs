//! Helpers shared by the fuzz targets: a counting global allocator that measures the peak of
//! live heap bytes during one call, and per-process scratch files for the path-based APIs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// A global allocator that forwards to [`System`] and keeps the number of live heap bytes and
/// their peak. Install it in a target with
/// `#[global_allocator] static ALLOC: viewlib_fuzz::Counting = viewlib_fuzz::Counting;`.
///
/// `realloc` counts its growth only (`new - old`), not a momentary second copy: glibc moves
/// large blocks with `mremap`, which copies nothing.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grow(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(live, Relaxed);
}

fn shrink(bytes: usize) {
    LIVE.fetch_sub(bytes, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters are atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` with this `layout` (every allocation goes there).
        unsafe { System.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; the caller guarantees `new_size` is valid for `layout`.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                grow(new_size - layout.size());
            } else {
                shrink(layout.size() - new_size);
            }
        }
        new
    }
}

/// Starts a measurement: the peak is reset to the bytes live now, which are returned.
pub fn start_measure() -> usize {
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    live
}

/// The peak of live heap bytes since [`start_measure`] returned `base`, above `base`.
pub fn peak_since(base: usize) -> u64 {
    PEAK.load(Relaxed).saturating_sub(base) as u64
}

/// Whether targets assert their peak-allocation bound: on unless
/// `VIEWLIB_FUZZ_ALLOC_ASSERT=0` (the bound is still measured, and printed when verbose).
pub fn alloc_assert() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("VIEWLIB_FUZZ_ALLOC_ASSERT").as_deref() != Ok("0"))
}

/// Whether `VIEWLIB_FUZZ_VERBOSE=1`: targets print what each call did (for triage, with
/// `-runs=0` or when replaying one input).
pub fn verbose() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("VIEWLIB_FUZZ_VERBOSE").as_deref() == Ok("1"))
}

/// The allocation slack the targets allow above `max_bytes`: 1 MiB for fixed-size decoder
/// state (tables, chunk buffers, the error values) plus 1/8 of `max_bytes` for state that
/// grows with the image (row buffers, scratch lines) next to the decoded samples.
pub fn alloc_slack(max_bytes: u64) -> u64 {
    (1 << 20) + max_bytes / 8
}

/// A directory of this process's own: `$TMPDIR/fuzz-<pid>`. Run with `TMPDIR=/dev/shm` (the
/// files are rewritten for every input; a disk-backed /tmp costs 3-14x the throughput) and
/// remove `/dev/shm/fuzz-*` afterwards.
pub fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        dir
    })
}

/// Writes `bytes` to the scratch file `name` (replacing it) and returns its path.
pub fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    std::fs::write(&path, bytes).expect("write the scratch file");
    path
}
