//! What decoding a file will allocate, read from its headers before the decoder is built:
//! the bound behind [`Limits::max_bytes`](super::Limits::max_bytes).
//!
//! A decoder allocates its output (the pixels) and working memory: a progressive JPEG's
//! coefficients (2 bytes per sample), a TIFF's second buffer in its own sample type, a WebP's
//! YUV planes sized by the frame header rather than the canvas, a GIF frame larger than its
//! screen. The `image` crate counts none of these against its own limit for most formats, and
//! the TIFF decoder allocates tag value lists while reading the header, before any limit
//! applies. So viewlib reads the headers itself, with small fixed buffers, and bounds
//! `pixels + working memory` per format before anything large is allocated:
//!
//! | format | working memory counted, beyond the pixels |
//! |---|---|
//! | PNG | 10 rows + 512 KiB (unfiltering buffer, zlib window); metadata chunks within the limit |
//! | JPEG | 3 x the file (read whole, metadata copied) + row buffers + 64 KiB; coefficient planes (2 bytes per sample, padded to MCUs) when progressive or when the first scan does not cover every component |
//! | GIF | 5 bytes per pixel of the first frame (indices, and RGBA when it does not span the screen) + 2 x the file |
//! | WebP | YUV planes and partitions of the VP8 frame header's own size (not the canvas's), alpha, animation canvas; lossless: transform and entropy images and every Huffman group, read from the stream |
//! | TIFF | TIFF's own second buffer (from the tags), a row, the largest chunk, the tag lists it reads (48 bytes a value), 1 MiB; every tag value must lie inside the file; JPEG chunks no larger than their tile or strip; old-style JPEG refused |
//! | OpenEXR | a second float buffer, headers, offset tables, the largest block; DWA section sizes read from every chunk |
//! | ICO | the embedded PNG's worst-case metadata inflation (1032 x the file), 10 rows, 512 KiB |
//! | TGA | a copy of the pixel data + 256 KiB |
//! | BMP, HDR | 16 rows + 64 KiB |
//! | QOI, PNM, farbfeld | 64 KiB |

mod exr;
mod gif;
mod jpeg;
mod png;
mod tiff;
mod webp;

use image::ImageFormat;
use std::io::{Read, Seek};

/// Why a header could not be bounded.
pub(crate) enum Preflight {
    /// Reading the file failed.
    Io(std::io::Error),
    /// The file cannot be decoded within bounded memory; the reason carries the numbers.
    Refused(String),
    /// The headers are malformed in a way a decoder would panic on, not refuse.
    Corrupt(String),
}

impl Preflight {
    /// As a file error, for a file read as `format`.
    pub(crate) fn into_kind(self, format: &str) -> super::FileErrorKind {
        match self {
            Preflight::Io(e) => super::FileErrorKind::Read(e),
            Preflight::Refused(reason) => super::FileErrorKind::UnboundedMemory {
                format: format.into(),
                reason,
            },
            Preflight::Corrupt(reason) => super::FileErrorKind::BadHeader {
                format: format.into(),
                reason,
            },
        }
    }
}

impl From<std::io::Error> for Preflight {
    fn from(e: std::io::Error) -> Self {
        Preflight::Io(e)
    }
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_up_to<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, Preflight> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// A preflight's outcome as text, for tests.
#[cfg(test)]
fn outcome(result: Result<u64, Preflight>) -> Result<u64, String> {
    match result {
        Ok(n) => Ok(n),
        Err(Preflight::Refused(why)) => Err(why),
        Err(Preflight::Io(e)) => Err(format!("io: {e}")),
        Err(Preflight::Corrupt(why)) => Err(format!("corrupt: {why}")),
    }
}

/// [`png::check`] on an opened PNG file, left rewound: for the readers that use the `png`
/// crate directly.
pub(crate) fn check_png_file(file: &mut std::fs::File) -> Result<(), super::FileErrorKind> {
    let len = file.metadata().map_err(super::FileErrorKind::Read)?.len();
    png::check(file, len)
        .and_then(|()| Ok(file.rewind()?))
        .map_err(|e| e.into_kind("Png"))
}

/// Working memory of the formats whose headers viewlib parses, before the decoder reads
/// anything; 0 for the others, which [`after_header`] bounds.
pub(crate) fn before_decoder<R: Read + Seek>(
    format: ImageFormat,
    r: &mut R,
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    let bytes = match format {
        ImageFormat::Jpeg => jpeg::overhead(r, file_len, budget)?,
        ImageFormat::Gif => gif::overhead(r, file_len, budget)?,
        ImageFormat::WebP => webp::overhead(r, file_len, budget)?,
        ImageFormat::Tiff => tiff::overhead(r, file_len, budget)?,
        ImageFormat::OpenExr => exr::overhead(r, file_len, budget)?,
        ImageFormat::Png => {
            png::check(r, file_len)?;
            0
        }
        _ => 0,
    };
    r.rewind()?;
    Ok(bytes)
}

/// Working memory of the other formats, from the decoder's dimensions and output size.
pub(crate) fn after_header(format: ImageFormat, height: u32, output: u64, file_len: u64) -> u64 {
    const KIB: u64 = 1 << 10;
    let row = output / u64::from(height.max(1));
    match format {
        ImageFormat::Png => row.saturating_mul(10).saturating_add(512 * KIB),
        // The embedded PNG is decoded without limits: its metadata chunks inflate at most
        // 1032:1 (deflate's ratio).
        ImageFormat::Ico => file_len
            .saturating_mul(1032)
            .saturating_add(row.saturating_mul(10))
            .saturating_add(512 * KIB),
        ImageFormat::Tga => output.saturating_add(256 * KIB),
        ImageFormat::Bmp | ImageFormat::Hdr => row.saturating_mul(16).saturating_add(64 * KIB),
        ImageFormat::Jpeg
        | ImageFormat::Gif
        | ImageFormat::WebP
        | ImageFormat::Tiff
        | ImageFormat::OpenExr => 0, // counted by `before_decoder`
        ImageFormat::Qoi | ImageFormat::Pnm | ImageFormat::Farbfeld => 64 * KIB,
        // A format this table does not know: as much again as the pixels.
        _ => output.saturating_add(KIB * KIB),
    }
}
