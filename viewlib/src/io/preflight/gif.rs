//! GIF preflight: what gif 0.14.2 and `image` 0.25.10 allocate beyond the output.
//!
//! `image` decodes the first frame only, with `ColorOutput::RGBA`:
//!
//! - gif's `PixelConverter::fill_buffer` first decodes the frame's indices into a buffer of
//!   `fw * fh` bytes (one row for interlaced frames);
//! - when the frame does not start at the left edge, does not span the screen width or runs
//!   past its bottom, `image` (`codecs/gif.rs` 165-176) decodes it into an extra RGBA buffer of
//!   `4 * fw * fh` bytes and copies the visible part. The frame size (up to 65535 x 65535) is
//!   independent of the logical screen, whose size is what `image` reports and allocates.
//! - XMP and ICC application extensions are collected in growing `Vec`s: at most twice the
//!   file.
//! - LZW tables, palettes, a `BufReader` and the decoder state: under 64 KiB.
//!
//! Bound: `5 * fw * fh + 2 * file_len + 64 KiB` for the first image descriptor, whether the
//! extra RGBA buffer is needed or not (it costs nothing to be safe when the frame fits).
//! Extension blocks are skipped more leniently than gif does (any label is accepted), so every
//! frame gif can reach is reached here too; where gif would fail first, the bound is merely
//! larger than needed.

use super::Preflight;
use std::io::{Read, Seek, SeekFrom};

const SMALL: u64 = 64 << 10;

/// An upper bound of what decoding the file through `image` allocates beyond the output buffer.
pub(crate) fn overhead<R: Read + Seek>(
    r: &mut R,
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    r.seek(SeekFrom::Start(0))?;
    let base = file_len.saturating_mul(2).saturating_add(SMALL);
    // No image descriptor (truncated, garbled, or a trailer first): gif fails, or `image`
    // reports `NoMoreData`, before any frame buffer exists.
    let Some(d) = first_descriptor(r, file_len)? else {
        return Ok(base);
    };
    let frame = 5 * u64::from(d.width) * u64::from(d.height);
    if frame > budget {
        return Err(Preflight::Refused(format!(
            "the first GIF frame is {}x{} at ({}, {}) on a {}x{} screen: {frame} bytes of frame \
             buffers, over the budget of {budget}",
            d.width, d.height, d.left, d.top, d.screen.0, d.screen.1
        )));
    }
    Ok(base + frame)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Descriptor {
    screen: (u16, u16),
    left: u16,
    top: u16,
    width: u16,
    height: u16,
}

/// The first image descriptor, or `None` where gif stops before one.
fn first_descriptor<R: Read + Seek>(
    r: &mut R,
    file_len: u64,
) -> Result<Option<Descriptor>, Preflight> {
    let mut head = [0u8; 13];
    if !read_exact(r, &mut head)? {
        return Ok(None);
    }
    if &head[..6] != b"GIF87a" && &head[..6] != b"GIF89a" {
        return Ok(None);
    }
    let screen = (
        u16::from_le_bytes([head[6], head[7]]),
        u16::from_le_bytes([head[8], head[9]]),
    );
    let flags = head[10];
    let mut pos = 13u64;
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 7) + 1);
    }
    // Each step moves `pos` forward by at least one byte; stop at the end of the file.
    while pos < file_len {
        r.seek(SeekFrom::Start(pos))?;
        let mut b = [0u8; 1];
        if !read_exact(r, &mut b)? {
            return Ok(None);
        }
        pos += 1;
        match b[0] {
            0x2C => {
                let mut d = [0u8; 9];
                if !read_exact(r, &mut d)? {
                    return Ok(None);
                }
                let u = |i: usize| u16::from_le_bytes([d[i], d[i + 1]]);
                return Ok(Some(Descriptor {
                    screen,
                    left: u(0),
                    top: u(2),
                    width: u(4),
                    height: u(6),
                }));
            }
            0x21 => {
                pos += 1; // label
                // sub-blocks: a length byte, that many bytes, until a zero length
                loop {
                    if pos >= file_len {
                        return Ok(None);
                    }
                    r.seek(SeekFrom::Start(pos))?;
                    if !read_exact(r, &mut b)? {
                        return Ok(None);
                    }
                    pos += 1 + u64::from(b[0]);
                    if b[0] == 0 {
                        break;
                    }
                }
            }
            // The trailer, or an unknown block: gif stops without a frame.
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// `false` at the end of the stream.
fn read_exact<R: Read>(r: &mut R, out: &mut [u8]) -> Result<bool, Preflight> {
    match r.read_exact(out) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn run(bytes: &[u8], budget: u64) -> Result<u64, String> {
        super::super::outcome(overhead(
            &mut Cursor::new(bytes),
            bytes.len() as u64,
            budget,
        ))
    }

    fn encoded(w: u16, h: u16) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(u32::from(w), u32::from(h), |x, y| {
            image::Rgba([(x * 8) as u8, (y * 8) as u8, 0, 255])
        });
        let mut out = Vec::new();
        {
            let mut enc = image::codecs::gif::GifEncoder::new(&mut out);
            enc.encode_frame(image::Frame::new(img)).unwrap();
        }
        out
    }

    /// A GIF89a with a `sw` x `sh` screen, a global table, a comment and a graphic control
    /// extension, then an image descriptor at (`left`, 0) of `fw` x `fh` and a little LZW data.
    fn crafted(sw: u16, sh: u16, left: u16, fw: u16, fh: u16) -> Vec<u8> {
        let mut v = b"GIF89a".to_vec();
        v.extend_from_slice(&sw.to_le_bytes());
        v.extend_from_slice(&sh.to_le_bytes());
        v.extend_from_slice(&[0x80, 0, 0]); // global table of 2 entries
        v.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
        v.extend_from_slice(&[0x21, 0xFE, 3, b'h', b'i', b'!', 2, b'x', b'y', 0]);
        v.extend_from_slice(&[0x21, 0xF9, 4, 0, 0, 0, 0, 0]);
        v.push(0x2C);
        for n in [left, 0, fw, fh] {
            v.extend_from_slice(&n.to_le_bytes());
        }
        v.push(0);
        v.extend_from_slice(&[2, 2, 0x4C, 0x01, 0, 0x3B]);
        v
    }

    #[test]
    fn a_real_file_finds_its_frame() {
        let gif = encoded(40, 30);
        let d = first_descriptor(&mut Cursor::new(&gif), gif.len() as u64)
            .ok()
            .flatten()
            .unwrap();
        assert_eq!((d.screen, d.width, d.height), ((40, 30), 40, 30));
        let n = run(&gif, 1 << 30).unwrap();
        assert_eq!(n, 5 * 40 * 30 + 2 * gif.len() as u64 + SMALL);
        assert!(image::load_from_memory(&gif).is_ok());
    }

    #[test]
    fn a_huge_frame_on_a_tiny_screen_is_counted_and_refused() {
        let gif = crafted(1, 1, 0, 60000, 60000);
        let why = run(&gif, 1 << 30).unwrap_err();
        assert!(why.contains("60000x60000") && why.contains("1x1"), "{why}");
        let n = run(&gif, u64::MAX).unwrap();
        assert!(n >= 5 * 60000 * 60000, "{n}");
    }

    #[test]
    fn extensions_and_palettes_are_skipped() {
        let gif = crafted(100, 50, 7, 20, 10);
        let d = first_descriptor(&mut Cursor::new(&gif), gif.len() as u64)
            .ok()
            .flatten()
            .unwrap();
        assert_eq!((d.left, d.width, d.height), (7, 20, 10));
    }

    #[test]
    fn truncated_and_garbled_files_get_the_base_bound() {
        let gif = crafted(100, 50, 0, 30000, 30000);
        let at = gif.iter().rposition(|&b| b == 0x2C).unwrap();
        for cut in 0..at + 10 {
            let n = run(&gif[..cut], 1 << 20).unwrap();
            assert!(n <= 2 * cut as u64 + SMALL);
        }
        assert!(run(b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x3B", 1 << 20).unwrap() < 1 << 20);
        assert!(run(b"PNG", 1 << 20).unwrap() < 1 << 20);
    }
}
