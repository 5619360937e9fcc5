//! `Limits::max_bytes` bounds what decoding really allocates, pixels and decoder working
//! memory together: a counting allocator measures the peak of live bytes while `io::load_with`
//! runs, over real files of every format this build decodes at several limits, and over
//! crafted headers that once made decoders allocate far past the limit.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use viewlib::io::{FileErrorKind, Limits, load_with};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; the
// counters are plain atomics and do not allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract for `realloc` is passed on unchanged.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            // Counted as a new block beside the old one: `realloc` may copy.
            grew(new_size);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One measurement at a time: the counters are process-wide.
static SERIAL: Mutex<()> = Mutex::new(());

/// Peak live bytes above the starting level while `work` runs.
fn peak_of<R>(work: impl FnOnce() -> R) -> (R, usize) {
    let start = LIVE.load(Ordering::SeqCst);
    PEAK.store(start, Ordering::SeqCst);
    let result = work();
    (result, PEAK.load(Ordering::SeqCst).saturating_sub(start))
}

/// What the process itself allocates around a decode (the path, the `BufReader`, error
/// messages), not counted by the decoders' budget.
const SLACK: usize = 64 << 10;

fn check(path: &Path, limits: Limits) -> Result<(), String> {
    let (result, peak) = peak_of(|| load_with(path, limits));
    let outcome = match &result {
        Ok(image) => format!("loaded {:?}", image.shape()),
        Err(e) => e.to_string(),
    };
    if let Err(e) = &result {
        assert!(
            !matches!(e.kind(), FileErrorKind::DecoderPanicked { .. }),
            "{}: {e}",
            path.display()
        );
    }
    if peak as u64 > limits.max_bytes + SLACK as u64 {
        return Err(format!(
            "{}: peak {peak} bytes with max_bytes {} ({outcome})",
            path.display(),
            limits.max_bytes
        ));
    }
    Ok(())
}

/// Every format `image` writes here, in several colour types, noisy enough not to compress
/// to nothing.
fn generated(dir: &Path) -> Vec<PathBuf> {
    use image::{DynamicImage, ImageBuffer, Rgb, Rgba};
    let (w, h) = (301u32, 207u32);
    let noise = |x: u32, y: u32, c: u32| ((x * 7919 + y * 104_729 + c * 31) % 251) as u8;
    let rgba8 = DynamicImage::ImageRgba8(ImageBuffer::from_fn(w, h, |x, y| {
        Rgba([noise(x, y, 0), noise(x, y, 1), noise(x, y, 2), 200])
    }));
    let rgb8 = DynamicImage::ImageRgb8(rgba8.to_rgb8());
    let rgb16 = DynamicImage::ImageRgb16(ImageBuffer::from_fn(w, h, |x, y| {
        Rgb([
            u16::from(noise(x, y, 0)) * 257,
            1000,
            u16::from(noise(x, y, 2)) << 8,
        ])
    }));
    let rgb32f = DynamicImage::ImageRgb32F(rgb8.to_rgb32f());
    let rgba32f = DynamicImage::ImageRgba32F(rgba8.to_rgba32f());
    let small = rgba8.crop_imm(0, 0, 64, 48);
    let mut paths = Vec::new();
    let mut save = |name: &str, image: &DynamicImage| {
        let path = dir.join(name);
        image.save(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        paths.push(path);
    };
    save("rgba8.png", &rgba8);
    save("rgb16.png", &rgb16);
    save("gray8.png", &DynamicImage::ImageLuma8(rgb8.to_luma8()));
    save("rgb.jpg", &rgb8);
    save("gray.jpg", &DynamicImage::ImageLuma8(rgb8.to_luma8()));
    save("rgba.gif", &rgba8);
    save("rgb.bmp", &rgb8);
    save("rgba.bmp", &rgba8);
    save("rgb8.tiff", &rgb8);
    save("rgb16.tiff", &rgb16);
    save("rgba.webp", &rgba8);
    save("rgb.ppm", &rgb8);
    save("rgb16.ppm", &rgb16);
    save("rgba.tga", &rgba8);
    save("small.ico", &small);
    save("rgb.hdr", &rgb32f);
    save("rgba.qoi", &rgba8);
    save("rgba16.ff", &DynamicImage::ImageRgba16(rgba8.to_rgba16()));
    save("rgba.exr", &rgba32f);
    paths
}

#[test]
fn decoding_stays_within_max_bytes_for_every_format() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut files = generated(dir.path());
    files.push(PathBuf::from("assets/testcard.png"));
    files.push(PathBuf::from("assets/testcard16.png"));
    for path in &files {
        // Measure the decoded size once, without limits.
        let pixels = {
            let image = load_with(path, Limits::none()).unwrap_or_else(|e| panic!("{e}"));
            let [h, w, c] = image.shape();
            (h * w * c) as u64 * u64::from(image.bits_per_sample() / 8)
        };
        for max_bytes in [
            pixels / 2,
            pixels,
            pixels + pixels / 8,
            pixels * 2,
            pixels * 5,
            1 << 30,
        ] {
            let limits = Limits {
                max_pixels: u64::MAX,
                max_bytes,
            };
            if let Err(e) = check(path, limits) {
                failures.push(e);
            }
        }
        // Generous limits decode every file (an ICO's embedded PNG is decoded without limits,
        // so its bound is 1032 x the file: the most its metadata can inflate).
        let limits = Limits {
            max_pixels: u64::MAX,
            max_bytes: pixels * 8 + (64 << 20),
        };
        assert!(load_with(path, limits).is_ok(), "{}", path.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_test_card_at_exactly_its_pixel_size_is_refused_before_decoding() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 1280 x 720 RGBA: 3,686,400 bytes of pixels; the decoder needs more than that.
    let limits = Limits {
        max_pixels: u64::MAX,
        max_bytes: 3_686_400,
    };
    let (result, peak) = peak_of(|| load_with("assets/testcard.png", limits));
    let err = result.unwrap_err();
    assert!(
        matches!(
            err.kind(),
            FileErrorKind::TooManyBytes {
                max_bytes: 3_686_400,
                ..
            }
        ),
        "{err}"
    );
    assert!(peak < 1 << 20, "peak {peak}");
}

#[test]
fn a_tiff_tag_list_past_the_end_of_the_file_allocates_nothing_large() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // 512 bytes whose StripOffsets tag declares 2,000,000 LONG values at byte 200: the tiff
    // crate sized a 64 MiB list for them while reading the header, before any limit.
    let mut tiff = b"II*\0\x08\0\0\0".to_vec();
    let entries: [(u16, u16, u32, u32); 4] = [
        (256, 4, 1, 64),
        (257, 4, 1, 64),
        (273, 4, 2_000_000, 200),
        (279, 4, 1, 4096),
    ];
    tiff.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, count, value) in entries {
        for field in [
            &tag.to_le_bytes()[..],
            &kind.to_le_bytes(),
            &count.to_le_bytes(),
            &value.to_le_bytes(),
        ] {
            tiff.extend_from_slice(field);
        }
    }
    tiff.resize(512, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tagbomb.tiff");
    std::fs::write(&path, &tiff).unwrap();
    let limits = Limits {
        max_pixels: u64::MAX,
        max_bytes: 4 << 20,
    };
    let (result, peak) = peak_of(|| load_with(&path, limits));
    let err = result.unwrap_err();
    assert!(
        matches!(err.kind(), FileErrorKind::UnboundedMemory { .. }),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("past the end of the 512-byte file"),
        "{err}"
    );
    assert!(peak < 64 << 10, "peak {peak}");
}
