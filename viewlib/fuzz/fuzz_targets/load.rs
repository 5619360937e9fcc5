//! `viewlib::io::load_with` on arbitrary bytes, with the default limits and with tight ones.
//!
//! Asserts: no panic (libFuzzer's hook aborts on one, so viewlib's `catch_unwind` never sees
//! it), never `FileErrorKind::DecoderPanicked`, a decoded image within the limits, both
//! limits decode to the same image or the tight one fails on a limit, and the peak heap
//! during each call is at most `max_bytes + alloc_slack(max_bytes)` (1 MiB + 1/8 of
//! `max_bytes`; see `viewlib_fuzz::alloc_slack`). `VIEWLIB_FUZZ_ALLOC_ASSERT=0` turns the
//! peak assertion off; `VIEWLIB_FUZZ_VERBOSE=1` prints each call's result and peak.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use viewlib::DynImageBuf;
use viewlib::io::{FileErrorKind, ImageFileError, Limits, load_with};
use viewlib_fuzz as util;

#[global_allocator]
static ALLOC: util::Counting = util::Counting;

/// A megapixel and 8 MiB: a small file declaring a large image is refused at the header.
const TIGHT: Limits = Limits {
    max_pixels: 1 << 20,
    max_bytes: 8 << 20,
};

fuzz_target!(|data: &[u8]| {
    // `.tga`: the fallback for content without a signature (TGA has none), so TGA inputs
    // reach their decoder; every other format is recognised by content first.
    let path = util::scratch_file("input.tga", data);
    let assert_alloc = util::alloc_assert();
    let tight = load_checked(&path, TIGHT, "tight", assert_alloc);
    let default = load_checked(&path, Limits::default(), "default", assert_alloc);
    match (&default, &tight) {
        (Ok(a), Ok(b)) => assert!(same(a, b), "the two limits decode different images"),
        (Ok(_), Err(e)) => assert!(
            matches!(
                e.kind(),
                FileErrorKind::TooManyPixels { .. }
                    | FileErrorKind::TooManyBytes { .. }
                    | FileErrorKind::MemoryLimit { .. }
                    | FileErrorKind::UnboundedMemory { .. }
            ),
            "decodes with the default limits, but the tight ones fail on something else: {e}"
        ),
        (Err(e), Ok(_)) => panic!("decodes with tight limits, but the default ones fail: {e}"),
        (Err(_), Err(_)) => {}
    }
});

fn load_checked(
    path: &Path,
    limits: Limits,
    name: &str,
    assert_alloc: bool,
) -> Result<DynImageBuf, ImageFileError> {
    let verbose = util::verbose();
    let base = util::start_measure();
    let result = load_with(path, limits);
    let peak = util::peak_since(base);
    let bound = limits
        .max_bytes
        .saturating_add(util::alloc_slack(limits.max_bytes));
    if verbose {
        match &result {
            Ok(image) => eprintln!(
                "{name}: ok {:?} {}-bit, peak {peak} B (bound {bound})",
                image.shape(),
                image.bits_per_sample()
            ),
            Err(e) => eprintln!("{name}: {e}, peak {peak} B (bound {bound})"),
        }
    }
    match &result {
        Err(e) => assert!(
            !matches!(e.kind(), FileErrorKind::DecoderPanicked { .. }),
            "a decoder panicked ({name} limits): {e}"
        ),
        Ok(image) => {
            let [h, w, c] = image.shape().map(|n| n as u64);
            assert!(
                h * w <= limits.max_pixels,
                "{name}: {w}x{h} over max_pixels"
            );
            let bytes = h * w * c * u64::from(image.bits_per_sample() / 8);
            assert!(
                bytes <= limits.max_bytes,
                "{name}: {bytes} B of samples over max_bytes"
            );
        }
    }
    if assert_alloc {
        assert!(
            peak <= bound,
            "{name} limits (max_bytes {}): peak heap {peak} B is over the bound {bound} B \
             (max_bytes + 1 MiB + max_bytes/8); result: {:?}",
            limits.max_bytes,
            result
                .as_ref()
                .map(|i| i.shape())
                .map_err(|e| e.to_string())
        );
    }
    result
}

/// Same shape, sample type and sample bits (floats by bits: NaN is a value here).
fn same(a: &DynImageBuf, b: &DynImageBuf) -> bool {
    fn bytes(image: &DynImageBuf) -> Option<&[u8]> {
        Some(match image {
            DynImageBuf::U8(i) => i.as_slice(),
            DynImageBuf::U16(i) => bytemuck::cast_slice(i.as_slice()),
            DynImageBuf::F32(i) => bytemuck::cast_slice(i.as_slice()),
            _ => return None,
        })
    }
    a.shape() == b.shape() && a.format() == b.format() && bytes(a) == bytes(b)
}
