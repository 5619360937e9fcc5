//! `PngRowReader` / `PngRowWriter`: decode a PNG in bands, compare with the whole-image
//! decode, re-encode band by band, decode again and compare.
//!
//! Input: two control bytes, then the PNG. Byte 0: bits 0-3 the read band height - 1, bits
//! 4-6 the write band height (3k + 1), bit 7 read into transposed (non-contiguous) storage.
//! Byte 1: bits 0-1 the compression, bit 2 write from a transposed view, bit 3 write 16-bit
//! samples as native `u16` instead of `U16Be`.
//!
//! Tight limits (8 MiB) refuse huge declared images; the peak heap of each reader call
//! (`open`, every `read_rows`, `load_png_samples`) must stay within `max_bytes +
//! alloc_slack(max_bytes)` (`VIEWLIB_FUZZ_ALLOC_ASSERT=0` turns that off).
#![no_main]

use libfuzzer_sys::fuzz_target;
use viewlib::io::{
    FileErrorKind, ImageFileError, Limits, PngCompression, PngRowReader, PngRowWriter, PngSample,
    SaveOptions, load_png_samples,
};
use viewlib::{Order, U16Be, View, ViewMut};
use viewlib_fuzz as util;

#[global_allocator]
static ALLOC: util::Counting = util::Counting;

const TIGHT: Limits = Limits {
    max_pixels: 1 << 20,
    max_bytes: 8 << 20,
};

/// Decoded bytes kept for the comparisons; larger images are read up to this many bytes only
/// (and neither decoded whole nor re-encoded), which keeps the target fast.
const KEEP: usize = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let [c0, c1, png @ ..] = data else {
        return;
    };
    let read_band = usize::from(c0 & 0x0f) + 1;
    let write_band = usize::from((c0 >> 4) & 0x07) * 3 + 1;
    let read_transposed = c0 & 0x80 != 0;
    let compression = [
        PngCompression::None,
        PngCompression::Fastest,
        PngCompression::Fast,
        PngCompression::Balanced,
    ][usize::from(c1 & 3)];
    let write_transposed = c1 & 4 != 0;
    let write_native = c1 & 8 != 0;
    let path = util::scratch_file("input.png", png);

    let mut reader = match measured("open", || PngRowReader::open(&path, TIGHT)) {
        Ok(reader) => reader,
        Err(e) => {
            if measured("load_png_samples", || load_png_samples(&path, TIGHT)).is_ok() {
                assert!(
                    matches!(e.kind(), FileErrorKind::Unsupported { .. }),
                    "decodes whole, but the row reader refuses it: {e}"
                );
            }
            return;
        }
    };
    let shape @ [h, w, c] = reader.shape();
    let depth = reader.bit_depth();
    assert!(h > 0 && w > 0 && (1..=4).contains(&c) && (depth == 8 || depth == 16));
    let row_bytes = w * c * usize::from(depth / 8);
    // Our own band buffers must stay small: one row of at most KEEP bytes.
    if row_bytes > KEEP {
        return;
    }
    let keep = h.checked_mul(row_bytes).is_some_and(|n| n <= KEEP);
    let rows_to_read = if keep { h } else { KEEP / row_bytes };
    // The whole-image decode to compare with, for images small enough to keep.
    let whole = keep.then(|| measured("load_png_samples", || load_png_samples(&path, TIGHT)));

    let mut decoded = Vec::new();
    let mut complete = true;
    while h - reader.rows_left() < rows_to_read {
        let n = read_band
            .min(reader.rows_left())
            .min(rows_to_read - (h - reader.rows_left()));
        let n = n.min((KEEP / row_bytes).max(1));
        let band = if depth == 8 {
            read_band_of::<u8>(&mut reader, n, w, c, read_transposed)
        } else {
            read_band_of::<U16Be>(&mut reader, n, w, c, read_transposed)
        };
        match band {
            Ok(bytes) => decoded.extend_from_slice(&bytes),
            Err(_) => {
                complete = false;
                break;
            }
        }
    }
    if let Some(Ok(whole)) = &whole {
        assert!(complete, "decodes whole, but a band of rows fails");
        assert_eq!((whole.shape(), whole.bit_depth()), (shape, depth));
        assert_eq!(
            &whole.as_bytes()[..decoded.len()],
            &decoded[..],
            "rows differ from whole"
        );
    }
    if !(keep && complete) {
        return;
    }
    assert_eq!(reader.rows_left(), 0);

    // Encode again, band by band, and decode the result.
    let out = util::scratch_dir().join("output.png");
    let options = SaveOptions {
        compression,
        overwrite: true,
    };
    let mut writer = PngRowWriter::create(&out, shape, depth, &options).unwrap();
    if depth == 8 {
        write_bands::<u8>(&mut writer, &decoded, shape, write_band, write_transposed);
    } else if write_native {
        let native: Vec<u16> = decoded
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        write_bands::<u16>(&mut writer, &native, shape, write_band, write_transposed);
    } else {
        let samples: &[U16Be] = bytemuck::cast_slice(&decoded);
        write_bands::<U16Be>(&mut writer, samples, shape, write_band, write_transposed);
    }
    writer.finish().unwrap().commit().unwrap();

    let mut again = PngRowReader::open(&out, TIGHT).unwrap();
    assert_eq!((again.shape(), again.bit_depth()), (shape, depth));
    let bytes = if depth == 8 {
        read_band_of::<u8>(&mut again, h, w, c, false)
    } else {
        read_band_of::<U16Be>(&mut again, h, w, c, false)
    }
    .unwrap();
    assert!(
        bytes == decoded,
        "the re-encoded PNG decodes to other samples"
    );
    let whole_again = load_png_samples(&out, TIGHT).unwrap();
    assert!(whole_again.as_bytes() == &decoded[..]);
});

/// Runs one reader call, checks its error is no contained panic and its peak heap is within
/// the bound.
fn measured<R>(
    what: &str,
    call: impl FnOnce() -> Result<R, ImageFileError>,
) -> Result<R, ImageFileError> {
    let assert_alloc = util::alloc_assert();
    let base = util::start_measure();
    let result = call();
    let peak = util::peak_since(base);
    let bound = TIGHT.max_bytes + util::alloc_slack(TIGHT.max_bytes);
    if util::verbose() {
        match &result {
            Ok(_) => eprintln!("{what}: ok, peak {peak} B (bound {bound})"),
            Err(e) => eprintln!("{what}: {e}, peak {peak} B (bound {bound})"),
        }
    }
    if let Err(e) = &result {
        assert!(
            !matches!(e.kind(), FileErrorKind::DecoderPanicked { .. }),
            "{what}: a decoder panicked: {e}"
        );
    }
    if assert_alloc {
        assert!(
            peak <= bound,
            "{what}: peak heap {peak} B over the bound {bound} B (max_bytes {} + 1 MiB + 1/8)",
            TIGHT.max_bytes
        );
    }
    result
}

/// Reads the next `n` rows into a band stored in C order or transposed (`[w, n, c]` storage
/// seen through `transpose`), and returns them in C order as PNG stores them.
fn read_band_of<T: PngSample>(
    reader: &mut PngRowReader,
    n: usize,
    w: usize,
    c: usize,
    transposed: bool,
) -> Result<Vec<u8>, ImageFileError> {
    let mut storage = vec![T::zeroed(); n * w * c];
    let view = if transposed {
        ViewMut::from_slice(&mut storage, [w, n, c])
            .unwrap()
            .transpose()
    } else {
        ViewMut::from_slice(&mut storage, [n, w, c]).unwrap()
    };
    let mut band = view;
    measured("read_rows", || reader.read_rows(band.reborrow()))?;
    let bytes = band.view().to_bytes(Order::C);
    // PNG's byte order: big-endian 16-bit samples.
    Ok(if T::BIT_DEPTH == 16 && !T::STORED_BIG_ENDIAN {
        bytes.chunks_exact(2).flat_map(|p| [p[1], p[0]]).collect()
    } else {
        bytes
    })
}

fn write_bands<T: PngSample>(
    writer: &mut PngRowWriter,
    samples: &[T],
    [h, w, c]: [usize; 3],
    band: usize,
    transposed: bool,
) {
    let storage: Vec<T>;
    let view = if transposed {
        let source = View::from_slice(samples, [h, w, c]).unwrap();
        storage = source
            .transpose()
            .to_bytes(Order::C)
            .chunks_exact(size_of::<T>())
            .map(bytemuck::pod_read_unaligned)
            .collect();
        View::from_slice(&storage, [w, h, c]).unwrap().transpose()
    } else {
        View::from_slice(samples, [h, w, c]).unwrap()
    };
    for part in view.bands(band).unwrap() {
        writer.write_rows(part).unwrap();
    }
    assert_eq!(writer.rows_left(), 0);
}
