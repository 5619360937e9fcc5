//! Mapped files on small files made here: every format and sample width, odd sizes, corrupt
//! headers and short files, checked against the `image` crate's own decoding and against
//! plain per-sample loops.

use image::DynamicImage;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use viewlib::io::FileErrorKind;
use viewlib::mapped::{
    FileKind, FileLayout, MappedImage, MappedImageMut, MappedOutput, SampleType,
};
use viewlib::ops::Alpha;
use viewlib::{U16Be, U16Le};

/// Sample `i` of a test image: every byte value appears, neighbours differ.
fn sample(i: usize, max: u32) -> u32 {
    (i as u32).wrapping_mul(2_654_435_761) % (max + 1)
}

/// A PNM file with `header` and samples `sample(i, maxval)`, big-endian when 16-bit.
fn write_pnm(path: &Path, width: usize, height: usize, channels: usize, maxval: u32) -> Vec<u32> {
    let magic = if channels == 1 { "P5" } else { "P6" };
    // A comment and unusual whitespace, as real headers have.
    let mut bytes =
        format!("{magic}\n# made by viewlib's tests\n{width}\t{height}\r\n{maxval}\n").into_bytes();
    let values: Vec<u32> = (0..width * height * channels)
        .map(|i| sample(i, maxval))
        .collect();
    for &v in &values {
        if maxval < 256 {
            bytes.push(v as u8);
        } else {
            bytes.extend((v as u16).to_be_bytes());
        }
    }
    std::fs::write(path, bytes).unwrap();
    values
}

fn write_farbfeld(path: &Path, width: usize, height: usize) -> Vec<u32> {
    let mut bytes = b"farbfeld".to_vec();
    bytes.extend((width as u32).to_be_bytes());
    bytes.extend((height as u32).to_be_bytes());
    let values: Vec<u32> = (0..width * height * 4).map(|i| sample(i, 65535)).collect();
    for &v in &values {
        bytes.extend((v as u16).to_be_bytes());
    }
    std::fs::write(path, bytes).unwrap();
    values
}

/// The samples `image` decodes from `path`, widened to u32.
fn decoded_by_image(path: &Path) -> (Vec<u32>, [usize; 3]) {
    let decoded = image::open(path).unwrap();
    let shape = [
        decoded.height() as usize,
        decoded.width() as usize,
        decoded.color().channel_count() as usize,
    ];
    let values = match decoded {
        DynamicImage::ImageLuma8(i) => i.into_raw().into_iter().map(u32::from).collect(),
        DynamicImage::ImageRgb8(i) => i.into_raw().into_iter().map(u32::from).collect(),
        DynamicImage::ImageLuma16(i) => i.into_raw().into_iter().map(u32::from).collect(),
        DynamicImage::ImageRgb16(i) => i.into_raw().into_iter().map(u32::from).collect(),
        DynamicImage::ImageRgba16(i) => i.into_raw().into_iter().map(u32::from).collect(),
        other => panic!("unexpected {:?}", other.color()),
    };
    (values, shape)
}

fn mapped_values(image: &MappedImage) -> Vec<u32> {
    match image.layout().sample_type() {
        SampleType::U8 => image
            .view::<u8>()
            .unwrap()
            .values()
            .map(u32::from)
            .collect(),
        SampleType::U16Be => image
            .view::<U16Be>()
            .unwrap()
            .values()
            .map(u32::from)
            .collect(),
        other => panic!("{other}"),
    }
}

struct Case {
    path: PathBuf,
    shape: [usize; 3],
    values: Vec<u32>,
    max: u32,
}

/// Every mapped format at 8 and 16 bits, in odd sizes.
fn cases(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    for (channels, maxval, name) in [
        (1, 255, "gray8.pgm"),
        (3, 255, "rgb8.ppm"),
        (1, 65535, "gray16.pgm"),
        (3, 65535, "rgb16.ppm"),
    ] {
        for (w, h) in [(1, 1), (7, 3), (33, 17)] {
            let path = dir.join(format!("{w}x{h}-{name}"));
            let values = write_pnm(&path, w, h, channels, maxval);
            cases.push(Case {
                path,
                shape: [h, w, channels],
                values,
                max: maxval,
            });
        }
    }
    for (w, h) in [(1, 1), (5, 9)] {
        let path = dir.join(format!("{w}x{h}.ff"));
        let values = write_farbfeld(&path, w, h);
        cases.push(Case {
            path,
            shape: [h, w, 4],
            values,
            max: 65535,
        });
    }
    cases
}

#[test]
fn every_format_maps_to_the_samples_image_decodes() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases(dir.path()) {
        let image = MappedImage::open(&case.path).unwrap();
        assert_eq!(
            image.layout().shape(),
            case.shape,
            "{}",
            case.path.display()
        );
        let ours = mapped_values(&image);
        assert_eq!(ours, case.values, "{}", case.path.display());
        let (theirs, shape) = decoded_by_image(&case.path);
        assert_eq!(
            (ours, image.layout().shape()),
            (theirs, shape),
            "{}",
            case.path.display()
        );
    }
}

#[test]
fn in_place_invert_changes_the_file_and_only_the_samples() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases(dir.path()) {
        let before = std::fs::read(&case.path).unwrap();
        let mut image = MappedImageMut::open(&case.path).unwrap();
        let offset = image.layout().data_offset() as usize;
        match image.layout().sample_type() {
            SampleType::U8 => image.view_mut::<u8>().unwrap().invert_in_place(Alpha::Keep),
            _ => image
                .view_mut::<U16Be>()
                .unwrap()
                .invert_in_place(Alpha::Keep),
        }
        image.flush().unwrap();
        drop(image);
        let after = std::fs::read(&case.path).unwrap();
        assert_eq!(after.len(), before.len());
        assert_eq!(after[..offset], before[..offset], "the header is untouched");
        // A plain loop: colour samples become max - v, farbfeld's alpha stays.
        let channels = case.shape[2];
        let expected: Vec<u32> = case
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if channels == 4 && i % 4 == 3 {
                    v
                } else {
                    case.max - v
                }
            })
            .collect();
        let (theirs, _) = decoded_by_image(&case.path);
        assert_eq!(theirs, expected, "{}", case.path.display());
    }
}

#[test]
fn raw_files_in_any_sample_type_and_offset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.raw");
    // 3 bytes of preamble, then 5x3x2 little-endian u16, then trailing bytes (ignored).
    let values: Vec<u16> = (0..30).map(|i| (i * 2221) as u16).collect();
    let mut bytes = vec![0xEE; 3];
    for v in &values {
        bytes.extend(v.to_le_bytes());
    }
    bytes.extend([1, 2, 3, 4]);
    std::fs::write(&path, &bytes).unwrap();
    let layout = FileLayout::raw([3, 5, 2], SampleType::U16Le, 3).unwrap();
    let image = MappedImage::open_raw(&path, layout).unwrap();
    assert_eq!(image.layout().kind(), FileKind::Raw);
    let view = image.view::<U16Le>().unwrap();
    assert_eq!(view.values().collect::<Vec<_>>(), values);
    assert_eq!(view.get([2, 4, 1]), Some(values[29]));
    // The native type reads it only where the machine is little-endian and the samples are
    // aligned, and says which.
    let err = image.view::<u16>().unwrap_err();
    if cfg!(target_endian = "little") {
        assert!(
            matches!(
                err.kind(),
                FileErrorKind::Misaligned {
                    offset: 3,
                    requested: "H",
                    align: 2
                }
            ),
            "{err}"
        );
    }
    assert!(matches!(
        image.view::<U16Be>().unwrap_err().kind(),
        FileErrorKind::SampleType {
            stored: "<H",
            requested: ">H"
        }
    ));
    drop(image);
    // Aligned at offset 4 (one byte of samples' worth shifted): the native view works.
    let aligned = FileLayout::raw([1, 2, 1], SampleType::U16Le, 4).unwrap();
    let image = MappedImage::open_raw(&path, aligned).unwrap();
    if cfg!(target_endian = "little") {
        let v = image.view::<u16>().unwrap();
        assert_eq!(
            v.get([0, 0, 0]),
            Some(u16::from_le_bytes([bytes[4], bytes[5]]))
        );
    }
    drop(image);
    // Writable raw map: float samples, big-endian.
    let path = dir.path().join("floats.raw");
    std::fs::write(&path, [0u8; 2 * 2 * 4]).unwrap();
    let layout = FileLayout::raw([2, 2, 1], ">f4".parse().unwrap(), 0).unwrap();
    let mut image = MappedImageMut::open_raw(&path, layout).unwrap();
    image
        .view_mut::<viewlib::F32Be>()
        .unwrap()
        .set([1, 1, 0], 1.5);
    image.flush().unwrap();
    drop(image);
    assert_eq!(std::fs::read(&path).unwrap()[12..], 1.5f32.to_be_bytes());
}

#[test]
fn corrupt_and_short_files_are_errors_before_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.ppm");
    write_pnm(&good, 9, 5, 3, 65535);
    let full = std::fs::read(&good).unwrap();
    let header_len = full.len() - 9 * 5 * 3 * 2;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "one byte short",
            full[..full.len() - 1].to_vec(),
            "declares 270 bytes of samples",
        ),
        (
            "header only",
            full[..header_len].to_vec(),
            "but the file has",
        ),
        ("empty", Vec::new(), "not `P5`, `P6` or `farbfeld`"),
        ("zero width", b"P5 0 5 255\n".to_vec(), "is empty"),
        ("maxval 0", b"P5 5 5 0\n".to_vec(), "maxval 0"),
        ("maxval too big", b"P6 5 5 65536\n".to_vec(), "maxval 65536"),
        ("negative", b"P5 -5 5 255\n".to_vec(), "expected the width"),
        (
            "overflow",
            b"P6 4000000000 4000000000 65535\n".to_vec(),
            "overflow",
        ),
        (
            "ascii",
            b"P2 1 1 255\n7".to_vec(),
            "P2 stores samples as text",
        ),
        (
            "farbfeld cut",
            b"farbfeld\0\0\0\x02".to_vec(),
            "the header is 16 bytes",
        ),
        (
            "farbfeld short",
            [b"farbfeld".as_slice(), &[0, 0, 0, 2, 0, 0, 0, 2], &[0; 31]].concat(),
            "declares 32 bytes of samples from byte 16, but the file has 47 bytes",
        ),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(format!("{name}.pnm"));
        std::fs::write(&path, &bytes).unwrap();
        for err in [
            MappedImage::open(&path).unwrap_err(),
            MappedImageMut::open(&path).unwrap_err(),
        ] {
            let message = err.to_string();
            assert!(message.contains(expected), "{name}: {message}");
            assert!(
                message.starts_with(&path.display().to_string()),
                "{message}"
            );
        }
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{name}: unchanged");
    }
    // A raw layout larger than the file, and one whose size overflows.
    let err = MappedImage::open_raw(
        &good,
        FileLayout::raw([100, 100, 3], SampleType::U8, 0).unwrap(),
    )
    .unwrap_err();
    assert!(
        matches!(err.kind(), FileErrorKind::Truncated { needed: 30000, .. }),
        "{err}"
    );
    assert!(FileLayout::raw([usize::MAX, 2, 1], SampleType::U8, 0).is_err());
    assert!(FileLayout::raw([1, 1, 1], SampleType::U8, u64::MAX).is_err());
    assert!(MappedImage::open(dir.path().join("missing.ppm")).is_err());
}

#[test]
fn new_files_hold_a_crop_and_a_channel_of_a_mapped_image() {
    let dir = tempfile::tempdir().unwrap();
    let source_path = dir.path().join("src.ppm");
    let values = write_pnm(&source_path, 31, 19, 3, 65535);
    let source = MappedImage::open(&source_path).unwrap();
    let view = source.view::<U16Be>().unwrap();
    // Green channel of a 10x7 crop at (4, 5), straight into a new 16-bit PGM.
    let crop = view.crop(4, 5, 10, 7).unwrap();
    let green = crop.channel_range(1..2).unwrap();
    let out_path = dir.path().join("green.pgm");
    let mut out = MappedOutput::create(
        &out_path,
        FileLayout::pnm(10, 7, 1, SampleType::U16Be).unwrap(),
        false,
    )
    .unwrap();
    out.view_mut::<U16Be>().unwrap().copy_from(green).unwrap();
    out.commit().unwrap();
    let (theirs, shape) = decoded_by_image(&out_path);
    assert_eq!(shape, [7, 10, 1]);
    let expected: Vec<u32> = (5..12)
        .flat_map(|y| (4..14).map(move |x| (y, x)))
        .map(|(y, x)| values[(y * 31 + x) * 3 + 1])
        .collect();
    assert_eq!(theirs, expected);
    // The whole crop as farbfeld needs 4 channels: filled from RGB plus opaque alpha.
    let ff_path = dir.path().join("crop.ff");
    let mut out =
        MappedOutput::create(&ff_path, FileLayout::farbfeld(10, 7).unwrap(), false).unwrap();
    let mut rgba = out.view_mut::<U16Be>().unwrap();
    rgba.reborrow()
        .channel_range(0..3)
        .unwrap()
        .copy_from(crop)
        .unwrap();
    rgba.channel(3).unwrap().fill(65535);
    out.commit().unwrap();
    let (theirs, _) = decoded_by_image(&ff_path);
    assert_eq!(theirs[3], 65535);
    assert_eq!(theirs[0], values[(5 * 31 + 4) * 3]);
    // Existing targets are kept unless overwriting was asked for.
    let err =
        MappedOutput::create(&ff_path, FileLayout::farbfeld(1, 1).unwrap(), false).unwrap_err();
    assert!(matches!(err.kind(), FileErrorKind::Exists));
    assert_eq!(std::fs::read(&ff_path).unwrap().len(), 16 + 10 * 7 * 8);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any bytes: an answer, never a panic; and a layout that parses is consistent.
    #[test]
    fn headers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64), pnm in any::<bool>()) {
        let mut head = if pnm { b"P6 ".to_vec() } else { Vec::new() };
        head.extend(bytes);
        if let Ok(layout) = FileLayout::parse(&head) {
            let [h, w, c] = layout.shape();
            prop_assert!(h > 0 && w > 0 && c > 0);
            prop_assert_eq!(layout.data_len(), (h * w * c * layout.sample_type().size()) as u64);
        }
    }

    /// Written headers parse back to the same layout, whatever the size.
    #[test]
    fn written_headers_parse_back(w in 1usize..100_000, h in 1usize..100_000, rgb in any::<bool>(), wide in any::<bool>()) {
        let sample = if wide { SampleType::U16Be } else { SampleType::U8 };
        let layout = FileLayout::pnm(w, h, if rgb { 3 } else { 1 }, sample).unwrap();
        prop_assert_eq!(FileLayout::parse(&layout.header_bytes()).unwrap(), layout);
        let ff = FileLayout::farbfeld(w, h).unwrap();
        prop_assert_eq!(FileLayout::parse(&ff.header_bytes()).unwrap(), ff);
    }
}
