//! `viewlib::io` over the shared corpus: every good file loads exactly as `image` decodes it,
//! every corrupt one is an error naming the file (never a panic), PNG samples read without the
//! byte swap agree with `load`, and what `write_png` / `save_png` / `save` write loads back equal.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use viewlib::io::{
    FileErrorKind, ImageFileError, ImageSample, Limits, PngCompression, PngSample, PngSamplesView,
    SaveOptions, load, load_png_samples, load_with, save, save_png,
};
use viewlib::{DynImageBuf, ImageBuf, View};
use viewlib_e2e::checks::{
    assert_names_file, assert_same, decode_with_image, load_ok, png_round_trip, without_panic,
};
use viewlib_e2e::{ManifestRow, corpus_dir, manifest};

/// The rows of `corpus`'s manifest that `keep` selects, each with its full path.
fn rows(corpus: &Path, keep: impl Fn(&ManifestRow) -> bool) -> Vec<(ManifestRow, PathBuf)> {
    manifest(corpus)
        .into_iter()
        .filter(keep)
        .map(|row| {
            let path = corpus.join(&row.path);
            (row, path)
        })
        .collect()
}

/// PngSuite's deliberately corrupt files (named `x*`), listed from the folder so that a
/// manifest that forgot one cannot hide it.
fn corrupt_pngsuite_files(corpus: &Path) -> Vec<PathBuf> {
    let suite = corpus.join("pngsuite");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&suite)
        .expect("pngsuite folder")
        .map(|entry| entry.expect("pngsuite entry").path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('x'))
        .collect();
    files.sort();
    assert!(files.len() >= 14, "only {} x* files", files.len());
    files
}

#[test]
fn every_good_file_loads_as_image_decodes_it() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let mut checked = 0;
    for (row, path) in rows(&corpus, |r| r.decodes) {
        let loaded = load_ok(&path);
        let (channels, bits) = row.channels_and_bits();
        let shape = [row.height as usize, row.width as usize, channels];
        assert_eq!(loaded.shape(), shape, "{}", row.path);
        assert_eq!(loaded.bits_per_sample(), bits, "{}", row.path);
        assert_same(&path, "load vs image", &loaded, &decode_with_image(&path));
        checked += 1;
    }
    assert!(checked >= 190, "only {checked} files checked");
}

#[test]
fn every_bad_file_is_an_error_naming_it() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let corrupt = corrupt_pngsuite_files(&corpus);
    // The manifest's failures (other formats too) and PngSuite's x* files, each once.
    let mut files: BTreeSet<PathBuf> = rows(&corpus, |r| !r.decodes)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    files.extend(corrupt);
    for path in &files {
        let err = without_panic(path, || load(path))
            .err()
            .unwrap_or_else(|| panic!("{}: loaded, expected an error", path.display()));
        assert_names_file(path, &err);
        // Corrupt data, not a limit or an unknown format: every one of these has a decoder.
        assert!(matches!(err.kind(), FileErrorKind::Decode { .. }), "{err}");
    }
    assert!(files.len() >= 21, "only {} bad files", files.len());
}

/// `load_png_samples` keeps 16-bit data big-endian; read through `U16Be` the values must be
/// exactly what `load` (which byte-swaps) produced, and 8-bit data must be identical.
#[test]
fn png_samples_without_the_byte_swap_equal_the_loaded_samples() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let (mut eight, mut sixteen) = (0, 0);
    for (row, path) in rows(&corpus, |r| r.decodes && r.path.ends_with(".png")) {
        let samples = without_panic(&path, || load_png_samples(&path, Limits::default()))
            .unwrap_or_else(|e| panic!("{e}"));
        let loaded = load_ok(&path);
        assert_eq!(samples.shape(), loaded.shape(), "{}", row.path);
        match (samples.view(), &loaded) {
            (PngSamplesView::U8(raw), DynImageBuf::U8(b)) => {
                assert!(raw == b.view(), "{}: 8-bit samples differ", row.path);
                eight += 1;
            }
            (PngSamplesView::U16Be(raw), DynImageBuf::U16(b)) => {
                assert!(raw == b.view(), "{}: 16-bit samples differ", row.path);
                // The contiguous big-endian view goes to the encoder as it is.
                assert_same(
                    &path,
                    "U16Be write_png",
                    &png_round_trip(&path, raw),
                    &loaded,
                );
                sixteen += 1;
            }
            (_, other) => panic!(
                "{}: PNG samples at {} bits, load gave {} bits",
                row.path,
                samples.bit_depth(),
                other.bits_per_sample()
            ),
        }
    }
    assert!(
        eight >= 130 && sixteen >= 30,
        "{eight} 8-bit, {sixteen} 16-bit"
    );
}

/// Row streaming refuses Adam7 files at `open`, naming the reason (the png crate cannot write
/// them, so they come from PngSuite).
#[test]
fn interlaced_pngs_are_refused_by_the_row_reader() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let interlaced = corpus.join("pngsuite/basi0g08.png");
    let err = viewlib::io::PngRowReader::open(&interlaced, Limits::default()).unwrap_err();
    assert!(err.to_string().contains("interlaced (Adam7)"), "{err}");
}

#[test]
fn corrupt_pngs_are_errors_from_load_png_samples() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    for path in corrupt_pngsuite_files(&corpus) {
        let err = without_panic(&path, || load_png_samples(&path, Limits::default()))
            .err()
            .unwrap_or_else(|| panic!("{}: read, expected an error", path.display()));
        assert_names_file(&path, &err);
        assert!(matches!(err.kind(), FileErrorKind::DecodePng(_)), "{err}");
    }
}

#[test]
fn every_integer_image_round_trips_through_write_png() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let (mut eight, mut sixteen) = (0, 0);
    for (_, path) in rows(&corpus, |r| r.decodes) {
        let loaded = load_ok(&path);
        let back = match &loaded {
            DynImageBuf::U8(b) => {
                eight += 1;
                png_round_trip(&path, b.view())
            }
            DynImageBuf::U16(b) => {
                sixteen += 1;
                png_round_trip(&path, b.view())
            }
            // PNG has no float samples: `save` quantises them, so no exact round trip.
            _ => continue,
        };
        assert_same(&path, "write_png round trip", &back, &loaded);
    }
    assert!(
        eight >= 150 && sixteen >= 35,
        "{eight} 8-bit, {sixteen} 16-bit"
    );
}

/// Saves views of `image` in several layouts (strided, not contiguous) with `save_png`; each
/// file must load back as the view's values, not its memory order.
fn check_layouts<'a, T: PngSample>(
    source: &Path,
    dir: &Path,
    image: View<'a, T, 3>,
    wrap: fn(ImageBuf<T>) -> DynImageBuf,
) {
    let [h, w, c] = image.shape();
    let crop = |v: View<'a, T, 3>| v.crop(w / 5, h / 3, w / 2 + 1, h / 4 + 3).unwrap();
    let layouts = [
        ("flip_horizontal", image.flip_horizontal()),
        ("transpose", image.transpose()),
        ("rotate90", image.transpose().flip_horizontal()),
        ("crop", crop(image)),
        ("crop_of_flip", crop(image.flip_vertical())),
        ("channels", image.channel_range(c / 2..).unwrap()),
    ];
    let stem = source.file_stem().unwrap().to_string_lossy();
    let options = SaveOptions {
        compression: PngCompression::Fast,
        overwrite: false,
    };
    for (name, view) in layouts {
        let file = dir.join(format!("{stem}-{name}.png"));
        save_png(&file, view, &options).unwrap_or_else(|e| panic!("{e}"));
        let what = format!("{name} saved as {}", file.display());
        assert_same(
            source,
            &what,
            &load_ok(&file),
            &wrap(view.to_image_buf().unwrap()),
        );
    }
}

#[test]
fn strided_views_save_as_their_values() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "photos/astronaut.png",                   // RGB8
        "photos/camera.png",                      // L8
        "photos/hdr_room.png",                    // RGB16
        "photos/tmshre_riaphotographs_alpha.png", // RGBA8
    ] {
        let path = corpus.join(name);
        match load_ok(&path) {
            DynImageBuf::U8(b) => check_layouts(&path, dir.path(), b.view(), DynImageBuf::U8),
            DynImageBuf::U16(b) => check_layouts(&path, dir.path(), b.view(), DynImageBuf::U16),
            other => panic!("{name}: unexpected {} bits", other.bits_per_sample()),
        }
    }
}

fn save_and_reload<T: ImageSample>(path: &Path, view: View<'_, T, 3>, file: &Path) -> DynImageBuf {
    save(file, view, &SaveOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    load_ok(file)
}

/// `save` picks the encoder from the extension: float images stay float in OpenEXR, photos
/// survive TIFF, both losslessly.
#[test]
fn save_by_extension_is_lossless_for_exr_and_tiff() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (mut floats, mut photos) = (0, 0);
    for (i, (row, path)) in rows(&corpus, |r| r.decodes).into_iter().enumerate() {
        let is_photo = row.path.starts_with("photos/");
        let loaded = load_ok(&path);
        let back = match &loaded {
            DynImageBuf::F32(b) => {
                floats += 1;
                save_and_reload(&path, b.view(), &dir.path().join(format!("{i}.exr")))
            }
            DynImageBuf::U8(b) if is_photo => {
                photos += 1;
                save_and_reload(&path, b.view(), &dir.path().join(format!("{i}.tiff")))
            }
            DynImageBuf::U16(b) if is_photo => {
                photos += 1;
                save_and_reload(&path, b.view(), &dir.path().join(format!("{i}.tiff")))
            }
            _ => continue,
        };
        assert_same(&path, "save round trip", &back, &loaded);
    }
    assert!(
        floats >= 3 && photos >= 5,
        "{floats} float files, {photos} photos"
    );
}

/// Both loaders' errors for `path` under `limits` (`load_png_samples` only reads PNG).
fn limit_errors(row: &ManifestRow, path: &Path, limits: Limits) -> Vec<ImageFileError> {
    let refused = |result: Result<(), ImageFileError>| {
        result
            .err()
            .unwrap_or_else(|| panic!("{}: loaded within {limits:?}", row.path))
    };
    let mut errors = vec![refused(without_panic(path, || {
        load_with(path, limits).map(drop)
    }))];
    if row.path.ends_with(".png") {
        errors.push(refused(without_panic(path, || {
            load_png_samples(path, limits).map(drop)
        })));
    }
    errors
}

/// The limits are checked against the header: a photo over `max_pixels` is refused with its
/// declared size, and one a byte over `max_bytes` with its decoded size, by both loaders.
#[test]
fn limits_refuse_photos_by_their_header() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let photos = rows(&corpus, |r| r.decodes && r.path.starts_with("photos/"));
    assert!(photos.len() >= 5, "only {} photos", photos.len());
    for (row, path) in photos {
        let pixels = u64::from(row.width) * u64::from(row.height);
        let few_pixels = Limits {
            max_pixels: 1000,
            ..Limits::default()
        };
        for err in limit_errors(&row, &path, few_pixels) {
            assert_names_file(&path, &err);
            let FileErrorKind::TooManyPixels {
                width,
                height,
                pixels: p,
                max_pixels,
            } = *err.kind()
            else {
                panic!("{err}")
            };
            assert_eq!(
                (width, height, p),
                (u64::from(row.width), u64::from(row.height), pixels),
                "{err}"
            );
            assert_eq!(max_pixels, 1000, "{err}");
            let size = format!("{}x{}", row.width, row.height);
            assert!(err.to_string().contains(&size), "{err}");
        }

        let (channels, bits) = row.channels_and_bits();
        let needed = pixels * channels as u64 * u64::from(bits / 8);
        let one_byte_short = Limits {
            max_bytes: needed - 1,
            ..Limits::default()
        };
        for err in limit_errors(&row, &path, one_byte_short) {
            assert_names_file(&path, &err);
            let FileErrorKind::TooManyBytes {
                needed: n,
                max_bytes,
            } = *err.kind()
            else {
                panic!("{err}")
            };
            // The pixels and the decoder's working memory: the pixels alone already pass.
            assert!(n > needed && max_bytes == needed - 1, "{err}");
        }
    }
    // Below what even the metadata needs, the decoder's own accounting refuses first (the
    // astronaut has a 3 KB ICC profile); the error is the same in kind and names the limit.
    let astronaut = corpus.join("photos/astronaut.png");
    let tiny = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    for err in [
        load_with(&astronaut, tiny).unwrap_err(),
        load_png_samples(&astronaut, tiny).unwrap_err(),
    ] {
        assert!(
            matches!(err.kind(), FileErrorKind::MemoryLimit { max_bytes: 1000 }),
            "{err}"
        );
        assert!(
            err.to_string()
                .ends_with("decoding needs more than the memory limit of 1000 bytes"),
            "{err}"
        );
    }
}
