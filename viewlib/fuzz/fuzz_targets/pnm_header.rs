//! `viewlib::mapped::FileLayout`: header parsing against a reference parser, the layout's own
//! arithmetic, header round trips, and the `pnm`/`farbfeld`/`raw` constructors (their
//! arguments read from the same bytes), plus `SampleType` parsing.
#![no_main]

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use viewlib::mapped::{FileKind, FileLayout, SampleType};

const LIMIT: u128 = isize::MAX as u128;

const SAMPLES: [SampleType; 14] = {
    use SampleType::*;
    [
        U8, I8, U16Be, U16Le, I16Be, I16Le, U32Be, U32Le, I32Be, I32Le, F32Be, F32Le, F64Be, F64Le,
    ]
};

fuzz_target!(|data: &[u8]| {
    check_parse(data);
    let mut u = Unstructured::new(data);
    check_constructors(&mut u);
    let text = String::from_utf8_lossy(&data[..data.len().min(6)]);
    if let Ok(t) = text.parse::<SampleType>() {
        assert_eq!(t.to_string().parse::<SampleType>(), Ok(t), "{text:?}");
    }
});

/// What the header declares, by an independent reading of the rules viewlib documents.
#[derive(Debug, PartialEq)]
struct Declared {
    kind: FileKind,
    shape: [usize; 3],
    sample: SampleType,
    offset: u64,
}

fn check_parse(head: &[u8]) {
    let parsed = FileLayout::parse(head);
    let expected = reference(head);
    match (&parsed, &expected) {
        (Ok(layout), Some(d)) => {
            let got = Declared {
                kind: layout.kind(),
                shape: layout.shape(),
                sample: layout.sample_type(),
                offset: layout.data_offset(),
            };
            assert_eq!(&got, d, "{:?}", String::from_utf8_lossy(head));
            check_layout(layout);
            assert!(layout.data_offset() <= head.len() as u64);
            round_trip(layout);
        }
        (Err(e), None) => {
            let text = e.to_string();
            assert!(!text.is_empty());
        }
        _ => panic!(
            "parse {:?} = {parsed:?}, the reference says {expected:?}",
            String::from_utf8_lossy(&head[..head.len().min(200)])
        ),
    }
}

/// The layout's numbers agree with each other.
fn check_layout(layout: &FileLayout) {
    let [h, w, c] = layout.shape();
    assert!(h > 0 && w > 0 && c > 0);
    let size = layout.sample_type().size();
    let data_len = h as u128 * w as u128 * c as u128 * size as u128;
    assert_eq!(layout.data_len() as u128, data_len);
    assert_eq!(
        layout.file_len() as u128,
        layout.data_offset() as u128 + data_len
    );
    assert!(layout.file_len() as u128 <= LIMIT);
    assert_eq!(layout.row_bytes() as u128 * h as u128, data_len);
    match layout.kind() {
        FileKind::Pnm { maxval } => {
            assert!(maxval >= 1);
            assert_eq!(layout.is_full_range(), maxval == 255 || maxval == 65535);
            assert!(c == 1 || c == 3);
        }
        FileKind::Farbfeld => {
            assert!(layout.is_full_range() && c == 4 && layout.data_offset() == 16);
        }
        FileKind::Raw => assert!(layout.header_bytes().is_empty()),
    }
}

/// The header a layout writes parses back to the same image, at its own length, and is
/// written again the same.
fn round_trip(layout: &FileLayout) {
    let header = layout.header_bytes();
    if layout.kind() == FileKind::Raw {
        assert!(header.is_empty());
        return;
    }
    let back = FileLayout::parse(&header).unwrap_or_else(|e| panic!("{header:?}: {e}"));
    assert_eq!(back.kind(), layout.kind());
    assert_eq!(back.shape(), layout.shape());
    assert_eq!(back.sample_type(), layout.sample_type());
    assert_eq!(back.data_offset(), header.len() as u64);
    assert_eq!(back.header_bytes(), header);
    if layout.kind() == FileKind::Farbfeld {
        assert_eq!(&back, layout);
    }
}

/// PNM: `P5`/`P6`, then width, height and maxval as decimal numbers (at most 19 digits),
/// each preceded by any run of whitespace (space, tab, LF, CR, VT, FF) and `#` comments that
/// end at LF or CR, then exactly one whitespace byte as `u8::is_ascii_whitespace` has it (no
/// VT), then the samples. farbfeld: the magic, then width and height as big-endian u32.
fn reference(head: &[u8]) -> Option<Declared> {
    if let Some(rest) = head.strip_prefix(b"farbfeld") {
        let dims = rest.get(..8)?;
        let w = u32::from_be_bytes(dims[..4].try_into().unwrap()) as usize;
        let h = u32::from_be_bytes(dims[4..].try_into().unwrap()) as usize;
        let shape = [h, w, 4];
        return fits(16, shape, 2).then_some(Declared {
            kind: FileKind::Farbfeld,
            shape,
            sample: SampleType::U16Be,
            offset: 16,
        });
    }
    let channels = match head.get(..2)? {
        b"P5" => 1,
        b"P6" => 3,
        _ => return None,
    };
    let mut pos = 2;
    let mut numbers = [0u64; 3];
    for number in &mut numbers {
        let mut in_comment = false;
        while let Some(&b) = head.get(pos) {
            if in_comment {
                in_comment = b != b'\n' && b != b'\r';
            } else if b == b'#' {
                in_comment = true;
            } else if !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
                break;
            }
            pos += 1;
        }
        let digits = head[pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 19 {
            return None;
        }
        *number = std::str::from_utf8(&head[pos..pos + digits])
            .ok()?
            .parse()
            .ok()?;
        pos += digits;
    }
    let [w, h, maxval] = numbers;
    if !head.get(pos)?.is_ascii_whitespace() || !(1..=65535).contains(&maxval) {
        return None;
    }
    let (w, h) = (usize::try_from(w).ok()?, usize::try_from(h).ok()?);
    let sample = if maxval < 256 {
        SampleType::U8
    } else {
        SampleType::U16Be
    };
    let (shape, offset) = ([h, w, channels], pos as u64 + 1);
    fits(u128::from(offset), shape, sample.size()).then_some(Declared {
        kind: FileKind::Pnm {
            maxval: maxval as u16,
        },
        shape,
        sample,
        offset,
    })
}

/// Whether `offset` plus the samples of `shape` fit `isize`, no dimension being zero.
fn fits(offset: u128, shape: [usize; 3], size: usize) -> bool {
    shape.iter().all(|&n| n > 0)
        && shape
            .iter()
            .try_fold(size as u128, |acc, &n| acc.checked_mul(n as u128))
            .and_then(|bytes| bytes.checked_add(offset))
            .is_some_and(|end| end <= LIMIT)
}

fn dim(u: &mut Unstructured) -> usize {
    let pick = u.arbitrary::<u8>().unwrap_or(0);
    match pick % 5 {
        0 | 1 => u.int_in_range(0..=40).unwrap_or(1),
        2 => u.arbitrary::<u32>().unwrap_or(1) as usize,
        3 => u.arbitrary::<u64>().unwrap_or(1) as usize,
        _ => {
            let shift = u.int_in_range(0..=63).unwrap_or(0);
            let below = u.int_in_range(0..=2).unwrap_or(0);
            (1usize << shift).wrapping_sub(below)
        }
    }
}

fn check_constructors(u: &mut Unstructured) {
    let (w, h) = (dim(u), dim(u));
    let c = u.int_in_range(0..=5).unwrap_or(1);
    let sample = SAMPLES[u.int_in_range(0..=13).unwrap_or(0)];
    let offset = if u.arbitrary::<bool>().unwrap_or(false) {
        u.arbitrary::<u64>().unwrap_or(0)
    } else {
        u.int_in_range(0..=4096).unwrap_or(0)
    };

    // PNM, full range only.
    let maxval = match sample {
        SampleType::U8 => Some(255),
        SampleType::U16Be => Some(65535),
        _ => None,
    };
    let header = |magic: &str, maxval: u32| format!("{magic}\n{w} {h}\n{maxval}\n").into_bytes();
    let expect = maxval
        .filter(|_| c == 1 || c == 3)
        .map(|maxval| header(if c == 1 { "P5" } else { "P6" }, maxval));
    let result = FileLayout::pnm(w, h, c, sample);
    let expect_ok = expect
        .as_ref()
        .is_some_and(|header| fits(header.len() as u128, [h, w, c], sample.size()));
    assert_eq!(
        result.is_ok(),
        expect_ok,
        "pnm({w}, {h}, {c}, {sample}): {result:?}"
    );
    if let Ok(layout) = result {
        let expected_header = expect.unwrap();
        assert_eq!(layout.header_bytes(), expected_header);
        assert_eq!(layout.data_offset(), expected_header.len() as u64);
        assert_eq!(
            FileLayout::parse(&expected_header).as_ref().ok(),
            Some(&layout)
        );
        assert!(layout.is_full_range());
        check_layout(&layout);
    }

    // farbfeld.
    let result = FileLayout::farbfeld(w, h);
    let expect_ok = u32::try_from(w).is_ok() && u32::try_from(h).is_ok() && fits(16, [h, w, 4], 2);
    assert_eq!(result.is_ok(), expect_ok, "farbfeld({w}, {h}): {result:?}");
    if let Ok(layout) = result {
        let mut expected_header = b"farbfeld".to_vec();
        expected_header.extend((w as u32).to_be_bytes());
        expected_header.extend((h as u32).to_be_bytes());
        assert_eq!(layout.header_bytes(), expected_header);
        assert_eq!(
            FileLayout::parse(&expected_header).as_ref().ok(),
            Some(&layout)
        );
        check_layout(&layout);
    }

    // Raw samples at a caller-stated offset.
    let result = FileLayout::raw([h, w, c], sample, offset);
    let expect_ok = fits(offset as u128, [h, w, c], sample.size());
    assert_eq!(
        result.is_ok(),
        expect_ok,
        "raw([{h}, {w}, {c}], {sample}, {offset}): {result:?}"
    );
    if let Ok(layout) = result {
        assert_eq!(layout.data_offset(), offset);
        assert_eq!(layout.sample_type(), sample);
        check_layout(&layout);
    }
}
