//! PNG image data (the zlib stream inside IDAT) filtered and compressed on every core: the
//! rows are cut into strips, each strip is filtered and compressed by `fdeflate` on a rayon
//! worker, and the strips are joined into one stream ([`zlib_join`]). The `png` crate does the
//! same work on one core; this is what lets one large image use the others.

mod filter;
mod zlib_join;

pub(crate) use filter::RowFilters;

use filter::RowFilterer;
use rayon::prelude::*;
use std::io;
use zlib_join::{CompressedStrip, StripCompressor};

/// Images smaller than this are encoded on one core: below it, the split costs more than the
/// second core gives.
const MIN_PARALLEL_BYTES: usize = 2 << 20;
/// The least image data per strip.
const MIN_STRIP_BYTES: usize = 512 << 10;
/// Strips per rayon thread, so a core that finishes early takes another.
const STRIPS_PER_THREAD: usize = 4;

/// PNG's compressed image data, as one zlib stream in pieces that follow each other (one
/// IDAT chunk each, or more where a piece passes a chunk's limit).
pub(crate) enum ImageData {
    /// The strips, joined in place.
    Strips(Vec<CompressedStrip>),
    /// The rows stored uncompressed, because compressing made them larger.
    Stored(Vec<u8>),
}

impl ImageData {
    /// The zlib stream's pieces, in order.
    pub(crate) fn pieces(&self) -> Vec<&[u8]> {
        match self {
            ImageData::Strips(strips) => zlib_join::pieces(strips).collect(),
            ImageData::Stored(stream) => vec![stream],
        }
    }
}

/// The zlib stream of PNG image data for `data`, rows of `row_bytes` bytes with
/// `bytes_per_pixel` bytes per pixel, filtered as `filters` says and compressed by `fdeflate`
/// in strips on the rayon pool. Like the `png` crate, it stores the rows uncompressed when
/// compression would make them larger.
///
/// `None` means encode on one core: the image is small, the pool has one thread, or the
/// once-per-process check that joined strips inflate correctly failed.
pub(crate) fn image_data(
    data: &[u8],
    row_bytes: usize,
    bytes_per_pixel: usize,
    filters: RowFilters,
) -> io::Result<Option<ImageData>> {
    let threads = crate::ops::threads();
    if row_bytes == 0 || !data.len().is_multiple_of(row_bytes) {
        return Err(io::Error::other(format!(
            "{} bytes of image data are not whole rows of {row_bytes} bytes",
            data.len()
        )));
    }
    let rows = data.len() / row_bytes;
    let strips = (data.len() / MIN_STRIP_BYTES)
        .min(threads * STRIPS_PER_THREAD)
        .min(rows);
    if threads < 2 || data.len() < MIN_PARALLEL_BYTES || strips < 2 {
        return Ok(None);
    }
    if !zlib_join::joining_works() {
        return Ok(None);
    }
    // On the pool `threads` counted, so the strips are sized for the threads that run them.
    crate::ops::in_threads_pool(|| {
        in_strips(
            data,
            row_bytes,
            bytes_per_pixel,
            filters,
            rows.div_ceil(strips),
        )
    })
}

/// [`image_data`]'s work, with the strip height given: strips of `rows_per_strip` rows are
/// filtered and compressed on the rayon pool and joined. `None` if the join refused the
/// compressor's output.
fn in_strips(
    data: &[u8],
    row_bytes: usize,
    bytes_per_pixel: usize,
    filters: RowFilters,
    rows_per_strip: usize,
) -> io::Result<Option<ImageData>> {
    let rows = data.len() / row_bytes;
    let strip_bytes = rows_per_strip.max(1) * row_bytes;
    let mut zeros = Vec::new();
    zeros.try_reserve_exact(row_bytes).map_err(out_of_memory)?;
    zeros.resize(row_bytes, 0);
    let mut compressed = data
        .par_chunks(strip_bytes)
        .enumerate()
        .map(|(index, strip)| {
            // Filters look one row up, across the strip boundary.
            let above = match (index * strip_bytes).checked_sub(row_bytes) {
                Some(start) => &data[start..start + row_bytes],
                None => &zeros[..],
            };
            compress_strip(strip, above, row_bytes, bytes_per_pixel, filters)
        })
        .collect::<io::Result<Vec<CompressedStrip>>>()?;
    if !zlib_join::join(&mut compressed)? {
        return Ok(None);
    }
    let joined_len: usize = zlib_join::pieces(&compressed).map(<[u8]>::len).sum();
    if joined_len > fdeflate::StoredOnlyCompressor::<()>::compressed_size(data.len() + rows) {
        drop(compressed);
        return Ok(Some(ImageData::Stored(stored(data, row_bytes)?)));
    }
    Ok(Some(ImageData::Strips(compressed)))
}

fn compress_strip(
    strip: &[u8],
    above: &[u8],
    row_bytes: usize,
    bytes_per_pixel: usize,
    filters: RowFilters,
) -> io::Result<CompressedStrip> {
    let mut filterer = RowFilterer::new(row_bytes, bytes_per_pixel).map_err(out_of_memory)?;
    // Photographs compress to about half with `Fast`; growth past this is amortised.
    let mut compressor = StripCompressor::new(strip.len() / 2)?;
    let mut previous = above;
    for row in strip.chunks_exact(row_bytes) {
        compressor.write(filterer.filter(filters, previous, row))?;
        previous = row;
    }
    compressor.finish()
}

/// Rows uncompressed in stored blocks, each with filter type 0: what the `png` crate falls back
/// to when `fdeflate` would make the data larger.
fn stored(data: &[u8], row_bytes: usize) -> io::Result<Vec<u8>> {
    let rows = data.len() / row_bytes;
    let mut out = Vec::new();
    out.try_reserve_exact(fdeflate::StoredOnlyCompressor::<()>::compressed_size(
        data.len() + rows,
    ))
    .map_err(out_of_memory)?;
    let mut compressor = fdeflate::StoredOnlyCompressor::new(io::Cursor::new(out))?;
    for row in data.chunks_exact(row_bytes) {
        compressor.write_data(&[0])?;
        compressor.write_data(row)?;
    }
    Ok(compressor.finish()?.into_inner())
}

fn out_of_memory(e: std::collections::TryReserveError) -> io::Error {
    io::Error::new(io::ErrorKind::OutOfMemory, e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::{PngCompression, PngSample, write_png};
    use crate::{Sample, View};
    use std::io::Read;

    fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    /// The concatenated IDAT payloads of a PNG file, inflated: the filtered rows.
    fn filtered_rows(png_file: &[u8]) -> Vec<u8> {
        let mut rest = &png_file[8..];
        let mut zlib = Vec::new();
        while rest.len() >= 12 {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            if &rest[4..8] == b"IDAT" {
                zlib.extend_from_slice(&rest[8..8 + len]);
            }
            rest = &rest[12 + len..];
        }
        let mut rows = Vec::new();
        flate2::read::ZlibDecoder::new(&zlib[..])
            .read_to_end(&mut rows)
            .unwrap();
        rows
    }

    /// A photograph-like image (smooth ramps, texture, flat areas) so every filter wins
    /// somewhere, or noise that does not compress.
    fn image<T: Sample + From<u8>>(shape: [usize; 3], noise: bool) -> Vec<T> {
        let [h, w, c] = shape;
        let mut seed = 0x853c_49e6_748f_ea9bu64;
        (0..h * w * c)
            .map(|i| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let (y, x, ch) = (i / (w * c), i / c % w, i % c);
                let value = if noise {
                    (seed >> 56) as u8
                } else if y % 97 < 20 {
                    40 * ch as u8
                } else {
                    ((x + 2 * y + 50 * ch) / 3) as u8 ^ ((seed >> 62) as u8 * (x % 5 == 0) as u8)
                };
                T::from(value)
            })
            .collect()
    }

    fn encode<T: PngSample>(
        threads: usize,
        view: View<'_, T, 3>,
        level: PngCompression,
    ) -> Vec<u8> {
        on_threads(threads, || {
            let mut file = Vec::new();
            write_png(&mut file, view, level).unwrap();
            file
        })
    }

    #[test]
    fn strips_filter_exactly_as_png_does_and_decode_identically() {
        for &(shape, level) in &[
            ([700, 1031, 3], PngCompression::Fast),
            ([401, 1500, 4], PngCompression::Fast),
            ([1800, 1201, 1], PngCompression::Fast),
            ([900, 1200, 2], PngCompression::Fastest),
        ] {
            let px: Vec<u8> = image(shape, false);
            let view = View::from_slice(&px, shape).unwrap();
            let serial = encode(1, view, level);
            for threads in [2, 7] {
                let parallel = encode(threads, view, level);
                assert_ne!(parallel, serial, "{shape:?} went through the strips");
                assert_eq!(
                    filtered_rows(&parallel),
                    filtered_rows(&serial),
                    "{shape:?}"
                );
                let decoded = image::load_from_memory(&parallel).unwrap();
                assert_eq!(decoded.as_bytes(), &px[..], "{shape:?} {threads} threads");
                let mut reader = png::Decoder::new(std::io::Cursor::new(&parallel))
                    .read_info()
                    .unwrap();
                let mut buf = vec![0; reader.output_buffer_size().unwrap()];
                reader.next_frame(&mut buf).unwrap();
                assert_eq!(buf, px, "png decodes {shape:?} identically");
                // Compression within a few bytes per strip of one stream.
                assert!(parallel.len() <= serial.len() + 64 * threads * STRIPS_PER_THREAD);
            }
        }
    }

    #[test]
    fn sixteen_bit_samples_go_through_the_strips_in_big_endian() {
        let shape = [500, 700, 3];
        let px: Vec<u16> = image::<u8>(shape, false)
            .into_iter()
            .map(|v| u16::from(v) * 256 + 3)
            .collect();
        let view = View::from_slice(&px, shape).unwrap();
        let parallel = encode(2, view, PngCompression::Fast);
        assert_eq!(
            filtered_rows(&parallel),
            filtered_rows(&encode(1, view, PngCompression::Fast))
        );
        let decoded = image::load_from_memory(&parallel).unwrap().into_rgb16();
        assert_eq!(decoded.as_raw(), &px);
    }

    #[test]
    fn noise_is_stored_as_png_stores_it() {
        let shape = [800, 1000, 3];
        let px: Vec<u8> = image(shape, true);
        let view = View::from_slice(&px, shape).unwrap();
        let parallel = encode(2, view, PngCompression::Fast);
        assert_eq!(
            parallel,
            encode(1, view, PngCompression::Fast),
            "both store the rows"
        );
        assert_eq!(
            image::load_from_memory(&parallel).unwrap().as_bytes(),
            &px[..]
        );
    }

    /// What the `png` crate's encoder writes as image data for these rows on one core.
    fn png_serial_stream(
        data: &[u8],
        shape: [usize; 3],
        depth: u8,
        filters: RowFilters,
    ) -> Vec<u8> {
        let [h, w, c] = shape;
        let mut file = Vec::new();
        let mut encoder = png::Encoder::new(&mut file, w as u32, h as u32);
        encoder.set_color(super::super::save::png_color(c).unwrap());
        encoder.set_depth(if depth == 8 {
            png::BitDepth::Eight
        } else {
            png::BitDepth::Sixteen
        });
        encoder.set_compression(match filters {
            RowFilters::Adaptive => png::Compression::Fast,
            RowFilters::Up => png::Compression::Fastest,
        });
        let mut writer = encoder.write_header().unwrap();
        writer.write_image_data(data).unwrap();
        writer.finish().unwrap();
        filtered_rows(&file)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Any image cut into strips of any height inflates to exactly the rows the `png`
        /// crate filters on one core (so it decodes to the same pixels), checked by an
        /// independent inflater (miniz).
        #[test]
        fn any_strip_height_gives_pngs_filtered_rows(
            h in 1usize..24,
            w in 1usize..40,
            c in 1usize..=4,
            sixteen in proptest::bool::ANY,
            adaptive in proptest::bool::ANY,
            rows_per_strip in 1usize..30,
            seed in proptest::num::u64::ANY,
            flat in 0u32..4,
        ) {
            let depth = if sixteen { 16 } else { 8 };
            let bpp = c * usize::from(depth / 8);
            let mut state = seed | 1;
            // Runs of zeros (flat) or ramps with noise: both fdeflate paths, every filter.
            let data: Vec<u8> = (0..h * w * bpp)
                .map(|i| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    if (state >> 60) < u64::from(flat) * 4 { 0 } else { (i as u8).wrapping_mul(3) ^ (state >> 61) as u8 }
                })
                .collect();
            let filters = if adaptive { RowFilters::Adaptive } else { RowFilters::Up };
            let joined = on_threads(3, || in_strips(&data, w * bpp, bpp, filters, rows_per_strip))
                .unwrap()
                .expect("joined");
            let zlib = joined.pieces().concat();
            let mut rows = Vec::new();
            flate2::read::ZlibDecoder::new(&zlib[..]).read_to_end(&mut rows).unwrap();
            // Near the break-even size, the joined strips (a few bytes longer than one stream)
            // may be stored where `png` compressed: then every row is stored unfiltered.
            let stored_rows: Vec<u8> = data.chunks(w * bpp).flat_map(|row| [&[0][..], row].concat()).collect();
            let serial = png_serial_stream(&data, [h, w, c], depth, filters);
            proptest::prop_assert!(rows == serial || rows == stored_rows, "{h}x{w}x{c}, {depth} bits");
        }
    }

    #[test]
    fn small_images_and_one_thread_stay_on_one_core() {
        let data = vec![0u8; MIN_PARALLEL_BYTES - 2];
        let on_two = on_threads(2, || image_data(&data, 3, 3, RowFilters::Adaptive).unwrap());
        assert!(on_two.is_none());
        let big = vec![0u8; MIN_PARALLEL_BYTES * 2];
        let on_one = on_threads(1, || {
            image_data(&big, 4096, 4, RowFilters::Adaptive).unwrap()
        });
        assert!(on_one.is_none());
        let on_two = on_threads(2, || {
            image_data(&big, 4096, 4, RowFilters::Adaptive).unwrap()
        });
        assert!(on_two.is_some());
        let Err(err) = image_data(&big[..big.len() - 1], 4096, 4, RowFilters::Up) else {
            panic!("a partial row was accepted");
        };
        assert!(err.to_string().contains("not whole rows"), "{err}");
    }
}
