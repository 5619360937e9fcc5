//! Every input the fuzz targets (`viewlib/fuzz`) found a bug with, replayed as an ordinary
//! test: files from `fuzz/regressions/` through the same calls, and the view chains written
//! out directly. A failure here names the bug the fix was for.

use std::path::{Path, PathBuf};
use viewlib::io::{FileErrorKind, Limits, PngRowReader, load_png_samples, load_with};
use viewlib::mapped::{FileLayout, SampleType};
use viewlib::{ImageBuf, View, ViewError, ViewMut};

fn regressions(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

const TIGHT: Limits = Limits {
    max_pixels: 1 << 20,
    max_bytes: 8 << 20,
};

#[test]
fn load_regressions_fail_cleanly_or_decode_within_limits() {
    let files = regressions("load");
    assert!(files.len() >= 7);
    for path in files {
        for limits in [TIGHT, Limits::default()] {
            match load_with(&path, limits) {
                Ok(image) => {
                    let [h, w, _] = image.shape();
                    assert!((h * w) as u64 <= limits.max_pixels, "{}", path.display());
                }
                Err(e) => assert!(
                    !matches!(e.kind(), FileErrorKind::DecoderPanicked { .. }),
                    "{e}"
                ),
            }
        }
    }
}

#[test]
fn a_palette_of_partial_entries_is_refused_before_the_png_decoder_panics() {
    let dir = tempfile::tempdir().unwrap();
    for target in ["load", "png_rows"] {
        let found = regressions(target)
            .into_iter()
            .find(|p| p.ends_with("png-plte-49-bytes-decoder-panic"))
            .unwrap();
        // `png_rows` inputs start with two bytes that pick band heights and layouts.
        let bytes = std::fs::read(&found).unwrap();
        let png = if bytes.starts_with(b"\x89PNG") {
            &bytes[..]
        } else {
            &bytes[2..]
        };
        let path = dir.path().join(format!("{target}.png"));
        std::fs::write(&path, png).unwrap();
        let errors = [
            load_with(&path, TIGHT).unwrap_err(),
            load_png_samples(&path, TIGHT).unwrap_err(),
            PngRowReader::open(&path, TIGHT).unwrap_err(),
        ];
        for e in errors {
            assert!(matches!(e.kind(), FileErrorKind::BadHeader { .. }), "{e}");
            assert!(e.to_string().contains("PLTE chunk has 49 bytes"), "{e}");
        }
    }
}

#[test]
fn sample_type_names_with_multibyte_characters_are_errors() {
    for name in ["€", "\u{aa}u1", "<€", "|€"] {
        assert!(name.parse::<SampleType>().is_err(), "{name}");
    }
    for path in regressions("pnm_header") {
        let bytes = std::fs::read(&path).unwrap();
        let _ = String::from_utf8_lossy(&bytes).parse::<SampleType>();
        let _ = FileLayout::parse(&bytes);
    }
}

#[test]
fn a_stride_of_isize_min_is_refused_even_on_an_empty_view() {
    // `empty-min-stride-flip-vertical`, `empty-min-stride-fill`: an empty view accepted any
    // strides, and flipping or filling negated `isize::MIN`.
    let mut none: [u8; 0] = [];
    let err = View::from_slice_with_strides(&none, [6, 7, 0], [isize::MIN, 1, 1], 0).unwrap_err();
    assert!(
        matches!(err, ViewError::StrideOverflow { axis: 0, .. }),
        "{err}"
    );
    assert!(ViewMut::from_slice_with_strides(&mut none, [1, 7, 0], [1, isize::MIN, 1], 0).is_err());
    // A step that would make one is refused too.
    let empty = View::from_slice_with_strides(&none, [5, 0, 1], [1 << 62, 1, 1], 0).unwrap();
    assert!(
        empty
            .slice_along(0, viewlib::Slice::new(None, None, -2))
            .is_err()
    );
}

#[test]
fn tiles_of_an_empty_view_end_at_once() {
    // `empty-huge-tiles-timeout`: isize::MAX empty bands were visited one by one.
    let none: [u8; 0] = [];
    let huge =
        View::from_slice_with_strides(&none, [isize::MAX as usize, 0, 0], [0, 0, 0], 0).unwrap();
    assert_eq!(huge.tiles(1, 1).unwrap().count(), 0);
    let owned = ImageBuf::<u8>::new(3, 0, 2).unwrap();
    assert_eq!(owned.view().tiles(2, 2).unwrap().count(), 0);
}

#[test]
fn copies_luma_and_extraction_of_empty_views_with_huge_axes_end_at_once() {
    // `empty-huge-copy-pixels-timeout`: the pixel-by-pixel copy walked isize::MAX empty rows.
    let none: [u8; 0] = [];
    let mut nothing: [u8; 0] = [];
    for channels in [2, 3, 4] {
        let shape = [isize::MAX as usize, 0, channels];
        let src = View::from_slice_with_strides(&none, shape, [0, 0, 1], 0).unwrap();
        for src in [src, src.flip(2).unwrap(), src.transpose()] {
            let mut dst =
                ViewMut::from_slice_with_strides(&mut nothing, src.shape(), [0, 0, 1], 0).unwrap();
            dst.copy_from(src).unwrap();
            let [h, w, _] = src.shape();
            let plane = ViewMut::from_slice_with_strides(&mut nothing, [h, w], [0, 1], 0).unwrap();
            src.extract_channel_into(1, plane).unwrap();
            let plane = ViewMut::from_slice_with_strides(&mut nothing, [h, w], [0, 1], 0).unwrap();
            src.luma_into(plane).unwrap();
        }
    }
}

#[test]
fn the_length_of_an_empty_view_with_huge_axes_is_zero() {
    // `empty-permuted-len-overflow`: the product of the other axes overflowed.
    let none: [u8; 0] = [];
    let view =
        View::from_slice_with_strides(&none, [isize::MAX as usize, 0, 5], [0, 0, 0], 0).unwrap();
    let permuted = view.permute_axes([2, 0, 1]).unwrap();
    assert_eq!((permuted.len(), permuted.is_empty()), (0, true));
    assert!(permuted.to_vec().is_empty());
}
