//! In-place kernels allocate nothing proportional to the image, also when they run in
//! parallel: a counting allocator sees every thread, and a 4 MiB image must cost at most a few
//! small allocations (rayon's own bookkeeping), never a buffer.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use viewlib::ViewMut;
use viewlib::ops::{Alpha, Lut};

struct Counting;

static BYTES: AtomicUsize = AtomicUsize::new(0);
static LARGEST: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters are plain atomics and do not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A kernel under test: the image and a spare plane for kernels that write one.
type Kernel<'k> = Box<dyn Fn(ViewMut<'_, u8, 3>, &mut [u8]) + Sync + 'k>;

/// Bytes allocated (on any thread) while `work` runs, and the largest single allocation.
fn allocated(work: impl FnOnce()) -> (usize, usize) {
    let before = BYTES.load(Ordering::SeqCst);
    LARGEST.store(0, Ordering::SeqCst);
    work();
    (
        BYTES.load(Ordering::SeqCst) - before,
        LARGEST.load(Ordering::SeqCst),
    )
}

#[test]
fn in_place_kernels_allocate_nothing_proportional() {
    const H: usize = 1024;
    const W: usize = 1024;
    const C: usize = 4;
    let mut px = vec![7u8; H * W * C];
    let mut plane = vec![0u8; H * W];
    let lut = Lut::<u8>::gamma(0.8);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        // Warm the pool once: its threads' first jobs set up thread-locals.
        ViewMut::from_slice(&mut px, [H, W, C])
            .unwrap()
            .invert_in_place(Alpha::Keep);
        let kernels: Vec<(&str, Kernel<'_>)> = vec![
            ("invert", Box::new(|v, _| v.invert_in_place(Alpha::Invert))),
            (
                "invert keep alpha",
                Box::new(|v, _| v.invert_in_place(Alpha::Keep)),
            ),
            (
                "invert one channel",
                Box::new(|v, _| v.invert_channels_in_place(&[1]).unwrap()),
            ),
            (
                "invert channel view",
                Box::new(|v, _| v.channel(2).unwrap().invert_samples_in_place()),
            ),
            ("flip vertical", Box::new(|v, _| v.flip_vertical_in_place())),
            (
                "flip horizontal",
                Box::new(|v, _| v.flip_horizontal_in_place()),
            ),
            (
                "fill channel",
                Box::new(|v, _| v.fill_channel_in_place(3, 255).unwrap()),
            ),
            (
                "keep channel",
                Box::new(|v, _| v.keep_channel_in_place(0).unwrap()),
            ),
            (
                "swap channels",
                Box::new(|v, _| v.swap_channels_in_place(0, 2).unwrap()),
            ),
            ("lut", Box::new(|v, _| v.map_in_place(&lut))),
            (
                "copy into a crop",
                Box::new(|v, _| {
                    let (mut top, bottom) = v.split_at(0, H / 2).unwrap();
                    top.copy_from(bottom.into_view()).unwrap()
                }),
            ),
            (
                "extract channel into",
                Box::new(|v, plane| {
                    let dst = ViewMut::from_slice(plane, [H, W]).unwrap();
                    v.into_view().extract_channel_into(1, dst).unwrap()
                }),
            ),
            (
                "luma into",
                Box::new(|v, plane| {
                    let dst = ViewMut::from_slice(plane, [H, W]).unwrap();
                    v.into_view().luma_into(dst).unwrap()
                }),
            ),
        ];
        for (name, kernel) in &kernels {
            let (bytes, largest) =
                allocated(|| kernel(ViewMut::from_slice(&mut px, [H, W, C]).unwrap(), &mut plane));
            // The image is 4 MiB; anything near it would be a hidden copy.
            assert!(
                bytes < 64 * 1024 && largest < 16 * 1024,
                "{name}: {bytes} bytes allocated, largest {largest}"
            );
        }
    });
}
