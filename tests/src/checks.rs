//! The checks the end-to-end tests apply to every image file, from the shared corpus or from
//! the generated conformance set: no panic, `load` equal to `image`'s own decode, errors that
//! name the file, and `write_png` round trips.

use image::{ImageFormat, ImageReader};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use viewlib::io::{FileErrorKind, ImageFileError, PngCompression, PngSample, load, write_png};
use viewlib::{DynImageBuf, ImageBuf, Sample, View};

/// Runs `f`, failing with the file's name if it panics: a bad file must cost an error, not
/// the process.
pub fn without_panic<R>(path: &Path, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| panic!("{}: panicked", path.display()))
}

/// `load`, which must succeed without panicking.
pub fn load_ok(path: &Path) -> DynImageBuf {
    without_panic(path, || load(path)).unwrap_or_else(|e| panic!("{e}"))
}

/// The reference: `image`'s own decode, moved into a `DynImageBuf`.
pub fn decode_with_image(path: &Path) -> DynImageBuf {
    let image = ImageReader::open(path)
        .and_then(ImageReader::with_guessed_format)
        .and_then(|r| r.decode().map_err(std::io::Error::other))
        .unwrap_or_else(|e| panic!("{}: image: {e}", path.display()));
    DynImageBuf::from(image)
}

/// `write_png` into memory, decoded back by `image` (an independent decoder path).
pub fn png_round_trip<T: PngSample>(path: &Path, view: View<'_, T, 3>) -> DynImageBuf {
    let mut file = Vec::new();
    write_png(&mut file, view, PngCompression::Fast)
        .unwrap_or_else(|e| panic!("{}: write_png: {e}", path.display()));
    let image = image::load_from_memory_with_format(&file, ImageFormat::Png)
        .unwrap_or_else(|e| panic!("{}: decoding our PNG: {e}", path.display()));
    DynImageBuf::from(image)
}

/// The checks every load error must pass: it names `path`, first thing in its message, and
/// no decoder panicked on the way.
pub fn assert_names_file(path: &Path, err: &ImageFileError) {
    assert_eq!(err.path(), path, "{err}");
    let shown = err.to_string();
    assert!(
        shown.starts_with(&format!("{}: ", path.display())),
        "{}: displays as {shown:?}",
        path.display()
    );
    assert!(
        !matches!(err.kind(), FileErrorKind::DecoderPanicked { .. }),
        "{err}"
    );
}

/// Fails with where two buffers first differ; `ImageBuf`'s Debug does not show samples.
pub fn assert_same(path: &Path, what: &str, got: &DynImageBuf, want: &DynImageBuf) {
    if got == want {
        return;
    }
    let at = match (got, want) {
        (DynImageBuf::U8(a), DynImageBuf::U8(b)) => first_difference(a, b),
        (DynImageBuf::U16(a), DynImageBuf::U16(b)) => first_difference(a, b),
        (DynImageBuf::F32(a), DynImageBuf::F32(b)) => first_difference(a, b),
        _ => None,
    };
    panic!(
        "{}: {what}: got {} {:?}, want {} {:?}{}",
        path.display(),
        got.format(),
        got.shape(),
        want.format(),
        want.shape(),
        at.unwrap_or_default()
    );
}

/// Where two buffers of one shape first differ, as text; `None` if they do not.
pub fn first_difference<T: Sample + PartialEq + std::fmt::Debug>(
    a: &ImageBuf<T>,
    b: &ImageBuf<T>,
) -> Option<String> {
    let (a, b, [_, w, c]) = (a.as_slice(), b.as_slice(), a.shape());
    let i = a.iter().zip(b).position(|(x, y)| x != y)?;
    Some(format!(
        "; first difference at (x {}, y {}, channel {}): {:?} vs {:?}",
        i / c % w,
        i / (w * c),
        i % c,
        a[i],
        b[i]
    ))
}
