//! `viewlib::io` over the generated conformance set (`viewlib_e2e::conformance`): the corpus
//! tests' checks, on files the tests make themselves, so they run on any clone.

use viewlib::DynImageBuf;
use viewlib::io::{FileErrorKind, Limits, PngSamplesView, load, load_png_samples};
use viewlib_e2e::checks::{
    assert_names_file, assert_same, decode_with_image, load_ok, png_round_trip, without_panic,
};
use viewlib_e2e::conformance::{ConformanceSet, write_set};

fn set() -> (tempfile::TempDir, ConformanceSet) {
    let dir = tempfile::tempdir().unwrap();
    let set = write_set(dir.path());
    (dir, set)
}

#[test]
fn every_generated_file_loads_as_image_decodes_it_and_round_trips() {
    let (_dir, set) = set();
    assert!(set.good.len() >= 32, "{} files", set.good.len());
    for file in &set.good {
        let loaded = load_ok(&file.path);
        let name = file.path.display();
        assert_eq!(loaded.shape(), file.shape, "{name}");
        assert_eq!(loaded.bits_per_sample(), file.bits, "{name}");
        assert_same(
            &file.path,
            "load vs image",
            &loaded,
            &decode_with_image(&file.path),
        );
        let back = match &loaded {
            DynImageBuf::U8(b) => png_round_trip(&file.path, b.view()),
            DynImageBuf::U16(b) => png_round_trip(&file.path, b.view()),
            _ => continue, // PNG has no float samples
        };
        assert_same(&file.path, "write_png round trip", &back, &loaded);
    }
}

#[test]
fn every_generated_bad_file_is_a_decode_error_naming_it() {
    let (_dir, set) = set();
    for path in &set.bad {
        let err = without_panic(path, || load(path))
            .err()
            .unwrap_or_else(|| panic!("{}: loaded, expected an error", path.display()));
        assert_names_file(path, &err);
        // A TIFF cut before its directory is refused by the memory preflight, which reads
        // the directory first; everything else reaches its decoder.
        let preflight = matches!(err.kind(), FileErrorKind::UnboundedMemory { .. });
        let tiff = path.extension().is_some_and(|e| e == "tiff");
        assert!(
            matches!(err.kind(), FileErrorKind::Decode { .. }) || (tiff && preflight),
            "{err}"
        );
    }
}

#[test]
fn png_samples_of_every_colour_type_equal_the_loaded_samples() {
    let (_dir, set) = set();
    let pngs = set
        .good
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "png"));
    for file in pngs {
        let path = &file.path;
        let samples = load_png_samples(path, Limits::default()).unwrap_or_else(|e| panic!("{e}"));
        let loaded = load_ok(path);
        match (samples.view(), &loaded) {
            (PngSamplesView::U8(raw), DynImageBuf::U8(b)) => {
                assert!(raw == b.view(), "{}", path.display())
            }
            (PngSamplesView::U16Be(raw), DynImageBuf::U16(b)) => {
                assert!(raw == b.view(), "{}", path.display())
            }
            (_, other) => panic!(
                "{}: {} bits from load",
                path.display(),
                other.bits_per_sample()
            ),
        }
    }
}

#[test]
fn the_row_reader_refuses_interlaced_pngs_that_load_reads() {
    let (_dir, set) = set();
    let err = viewlib::io::PngRowReader::open(&set.interlaced, Limits::default()).unwrap_err();
    assert!(err.to_string().contains("interlaced (Adam7)"), "{err}");
    // The whole-image path decodes it, to the same pixels as the non-interlaced file.
    let rgb8 = set.interlaced.with_file_name("rgb8.png");
    assert_same(
        &set.interlaced,
        "Adam7 vs plain",
        &load_ok(&set.interlaced),
        &load_ok(&rgb8),
    );
}

#[test]
fn exif_orientation_is_reported_and_oriented_views_match_image_apply_orientation() {
    use image::metadata::Orientation;
    use viewlib::io::{PngRowReader, load_with_orientation};
    let (_dir, set) = set();
    assert_eq!(set.oriented.len(), 10);
    for (path, orientation) in &set.oriented {
        let name = path.display();
        let (loaded, found) = load_with_orientation(path, Limits::default()).unwrap();
        assert_eq!(found, *orientation, "{name}");
        if path.extension().is_some_and(|e| e == "png") {
            let reader = PngRowReader::open(path, Limits::default()).unwrap();
            assert_eq!(reader.orientation(), *orientation, "{name}: row reader");
        }
        let DynImageBuf::U8(stored) = loaded else {
            panic!("{name}: not 8-bit")
        };
        let upright = stored.view().oriented(found).to_image_buf().unwrap();
        let mut theirs = image::open(path).unwrap();
        theirs.apply_orientation(found);
        let theirs = theirs.to_rgb8();
        let [h, w, _] = upright.shape();
        assert_eq!((w as u32, h as u32), theirs.dimensions(), "{name}");
        assert_eq!(upright.as_slice(), theirs.as_raw().as_slice(), "{name}");
        if found == Orientation::NoTransforms {
            assert_eq!(upright.as_slice(), stored.as_slice(), "{name}");
        }
    }
}
