//! OpenEXR preflight: what exr 1.74.2 and `image` 0.25.10 allocate beyond the output.
//!
//! The headers are parsed by hand (viewlib does not depend on `exr` directly). What decoding
//! allocates besides the caller's buffer:
//!
//! - the headers: every attribute is read into a buffer and kept (custom ones in a `HashMap`),
//!   and `image`'s read pipeline clones them into its result: bounded by `3 * (1 KiB + 4 *
//!   size)` per attribute, plus 4 MiB if there is a `preview` attribute (exr reserves up to
//!   4 MiB for its pixels before reading them);
//! - `image` collects the pixels into its own `Vec<f32>` of the display window with 3 or 4
//!   channels, then copies it into the output: one more output-sized buffer;
//! - the offset tables of every part (8 bytes per chunk, read 65535 entries at a time, so at
//!   most the file plus 512 KiB per part), and the sorted list of the selected part's offsets:
//!   `6 * (min(8 * chunks, file_len) + 512 KiB * parts)`;
//! - per block, one at a time (exr is built without `rayon` here, so decompression is
//!   sequential): the compressed bytes, read into a `Vec` reserved at the declared size up to
//!   `max_block_byte_size` (bytes per pixel of all channels times the data-window width times
//!   1/16/32/256 lines, or the tile area) before anything is read; the decompressed block and
//!   the codecs' scratch (ZIP, PIZ, PXR24, B44: at most 3 blocks, plus 2 MiB of PIZ tables); a
//!   row of up to 32 bytes per pixel. The data window can be far larger than the display
//!   window (which alone sizes the output), so blocks are refused over the budget.
//! - DWAA/DWAB blocks carry their own section sizes (11 little-endian counters), and exr 1.74.2
//!   allocates from them unchecked (`zune_inflate` `vec![0; size_hint]`, `Vec::with_capacity
//!   (ac_count)` in the PIZ Huffman decoder): a few bytes can ask for terabytes, which aborts
//!   the process. So for DWA parts every chunk in the offset tables is visited and its counters
//!   bound the block: `data + 2 * unknown + 4 * ac + 6 * dc + rle + 4 * rle_raw + 4 * block`.
//!
//! Bound: `output + headers + offsets + the largest block + 64 KiB`.

use super::{Preflight, read_up_to};
use std::io::{Read, Seek, SeekFrom};

const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;

/// What one header (part) declares.
#[derive(Clone, Debug, Default)]
struct Header {
    /// Bytes per pixel over all channels (u32 and f32: 4, f16: 2).
    bytes_per_pixel: u64,
    has_rgb: [bool; 3],
    has_alpha: bool,
    compression: Option<u8>,
    data_window: Option<[i32; 4]>,
    display_window: Option<[i32; 4]>,
    /// x size, y size, level mode, rounding mode.
    tiles: Option<(u32, u32, u8, u8)>,
    /// The `type` attribute: tiled, scanline, deep.
    block_type: Option<BlockType>,
    attributes: u64,
    attribute_bytes: u64,
    preview: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockType {
    Scanline,
    Tiled,
    DeepScanline,
    DeepTiled,
}

impl Header {
    fn tiled(&self, single_part_tiled: bool) -> bool {
        match self.block_type {
            Some(BlockType::Tiled | BlockType::DeepTiled) => true,
            None => single_part_tiled,
            _ => false,
        }
    }
    fn deep(&self) -> bool {
        matches!(
            self.block_type,
            Some(BlockType::DeepScanline | BlockType::DeepTiled)
        )
    }
    fn size(window: Option<[i32; 4]>) -> Option<(u64, u64)> {
        let [x0, y0, x1, y1] = window?;
        let w = i64::from(x1) - i64::from(x0) + 1;
        let h = i64::from(y1) - i64::from(y0) + 1;
        Some((u64::try_from(w).ok()?, u64::try_from(h).ok()?))
    }
    fn lines_per_block(&self) -> u64 {
        match self.compression {
            Some(0..=2) => 1,
            Some(3 | 5) => 16,
            Some(9 | 10) => 256,
            _ => 32,
        }
    }
    fn is_dwa(&self) -> bool {
        matches!(self.compression, Some(8 | 9))
    }
}

/// An upper bound of what decoding the file through `image` allocates beyond the output buffer.
pub(crate) fn overhead<R: Read + Seek>(
    r: &mut R,
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    r.seek(SeekFrom::Start(0))?;
    let mut s = Stream::new(r, file_len);
    let base = 64 * KIB;
    let Some((headers, flags)) = read_headers(&mut s)? else {
        // exr fails on these headers: at most the attributes read so far are allocated.
        let meta = s
            .attrs
            .saturating_mul(KIB)
            .saturating_add(s.attr_bytes.saturating_mul(4));
        return Ok(base + meta.saturating_mul(3) + 4 * MIB);
    };
    let tables_start = s.pos;
    let single_part_tiled = flags & 0x200 != 0;
    let multipart = flags & 0x1000 != 0;

    let mut meta = 0u64;
    for h in &headers {
        meta = meta
            .saturating_add(h.attributes.saturating_mul(KIB))
            .saturating_add(h.attribute_bytes.saturating_mul(4));
        if h.preview {
            meta = meta.saturating_add(4 * MIB);
        }
    }
    let meta = meta.saturating_mul(3);

    // The part image decodes: the first non-deep one with R, G and B.
    let Some(selected) = headers
        .iter()
        .find(|h| h.has_rgb.iter().all(|&c| c) && !h.deep())
    else {
        return Ok(base.saturating_add(meta));
    };
    let out_copy = Header::size(selected.display_window)
        .and_then(|(w, h)| w.checked_mul(h))
        .and_then(|a| a.checked_mul(if selected.has_alpha { 16 } else { 12 }))
        .ok_or_else(|| Preflight::Refused("EXR display window size overflows".into()))?;

    // Chunk counts as exr computes them, and the largest block of any part.
    let mut chunks = 0u64;
    let mut counts = Vec::new(); // one per part; parts are few (headers cost file bytes)
    let mut block_cost = 0u64;
    for h in &headers {
        let (Some(dw), Some(_)) = (Header::size(h.data_window), h.compression) else {
            return Ok(base.saturating_add(meta)); // exr: missing attribute
        };
        let (count, block_w, block_area) = match (h.tiled(single_part_tiled), h.tiles) {
            (true, Some((tw, th, mode, round))) => {
                let (tw, th) = (u64::from(tw), u64::from(th));
                if tw == 0 || th == 0 {
                    return Ok(base.saturating_add(meta));
                }
                (
                    chunk_count_tiled(dw, (tw, th), mode, round),
                    tw,
                    tw.saturating_mul(th),
                )
            }
            (true, None) => return Ok(base.saturating_add(meta)),
            (false, _) => {
                let lines = h.lines_per_block();
                (dw.1.div_ceil(lines), dw.0, dw.0.saturating_mul(lines))
            }
        };
        counts.push(count);
        chunks = chunks.saturating_add(count);
        let block = h.bytes_per_pixel.saturating_mul(block_area);
        // compressed (reserved up to the maximum) + up to 3 decompressed + a row of pixels
        let cost = block
            .saturating_mul(4)
            .saturating_add(block_w.saturating_mul(32))
            .saturating_add(2 * MIB);
        if cost > budget {
            return Err(Preflight::Refused(format!(
                "EXR blocks of {} x {} pixels with {} bytes per pixel need {cost} bytes to \
                 decode, over the budget of {budget}",
                block_w,
                block_area / block_w.max(1),
                h.bytes_per_pixel
            )));
        }
        block_cost = block_cost.max(cost);
    }
    let offsets = (chunks.saturating_mul(8).min(file_len))
        .saturating_add((headers.len() as u64).saturating_mul(512 * KIB))
        .saturating_mul(6);

    if headers.iter().any(Header::is_dwa) {
        let dwa = dwa_chunks(
            s.r,
            file_len,
            tables_start,
            &headers,
            &counts,
            multipart,
            single_part_tiled,
            budget,
        )?;
        block_cost = block_cost.max(dwa);
    }

    [out_copy, meta, offsets, block_cost, base]
        .iter()
        .try_fold(0u64, |a, &b| a.checked_add(b))
        .ok_or_else(|| Preflight::Refused("EXR sizes overflow".into()))
}

/// exr's `compute_chunk_count` for tiles (`meta/mod.rs` 329-366).
fn chunk_count_tiled((w, h): (u64, u64), (tw, th): (u64, u64), mode: u8, round: u8) -> u64 {
    let up = round == 1;
    let levels = |n: u64| -> u64 {
        // compute_level_count: log2 rounded down or up, plus one
        let n = n.clamp(1, u64::from(u32::MAX));
        let floor = 63 - u64::from(n.leading_zeros());
        let log = if up && !n.is_power_of_two() {
            floor + 1
        } else {
            floor
        };
        log + 1
    };
    let level_size = |n: u64, l: u64| -> u64 {
        let d = 1u64 << l.min(63);
        (if up { n.div_ceil(d) } else { n / d }).max(1)
    };
    let tiles = |lw: u64, lh: u64| lw.div_ceil(tw).saturating_mul(lh.div_ceil(th));
    match mode {
        1 => (0..levels(w.max(h)))
            .map(|l| tiles(level_size(w, l), level_size(h, l)))
            .fold(0u64, u64::saturating_add),
        2 => {
            let mut sum = 0u64;
            for ly in 0..levels(h) {
                for lx in 0..levels(w) {
                    sum = sum.saturating_add(tiles(level_size(w, lx), level_size(h, ly)));
                }
            }
            sum
        }
        _ => tiles(w, h),
    }
}

/// Visits every chunk the offset tables point at whose part is DWA-compressed and returns the
/// largest cost its section counters imply.
#[allow(clippy::too_many_arguments)]
fn dwa_chunks<R: Read + Seek>(
    r: &mut R,
    file_len: u64,
    tables_start: u64,
    headers: &[Header],
    counts: &[u64],
    multipart: bool,
    single_part_tiled: bool,
    budget: u64,
) -> Result<u64, Preflight> {
    let mut worst = 0u64;
    let total: u64 = counts.iter().fold(0, |a, &c| a.saturating_add(c));
    // exr reads every table before any chunk; tables past the end mean it fails first.
    let Some(tables_end) = total
        .checked_mul(8)
        .and_then(|b| b.checked_add(tables_start))
        .filter(|&e| e <= file_len)
    else {
        return Ok(0);
    };
    let mut entry = [0u8; 8];
    let mut at = tables_start;
    while at < tables_end {
        r.seek(SeekFrom::Start(at))?;
        r.read_exact(&mut entry)?;
        at += 8;
        let chunk = u64::from_le_bytes(entry);
        if chunk >= file_len {
            continue;
        }
        r.seek(SeekFrom::Start(chunk))?;
        let mut head = [0u8; 24];
        let got = read_up_to(r, &mut head)?;
        let i32_at =
            |i: usize| i32::from_le_bytes([head[i], head[i + 1], head[i + 2], head[i + 3]]);
        let mut p = 0;
        let part = if multipart {
            p = 4;
            usize::try_from(i32_at(0)).ok()
        } else {
            Some(0)
        };
        let Some(h) = part.and_then(|i| headers.get(i)) else {
            continue;
        };
        if !h.is_dwa() {
            continue;
        }
        p += if h.tiled(single_part_tiled) { 16 } else { 4 };
        if got < p + 4 {
            continue;
        }
        let Ok(size) = u64::try_from(i32_at(p)) else {
            continue;
        };
        let data_at = chunk + p as u64 + 4;
        if size < 88 || data_at + 88 > file_len {
            continue;
        }
        r.seek(SeekFrom::Start(data_at))?;
        let mut c = [0u8; 88];
        r.read_exact(&mut c)?;
        let n = |i: usize| u64::from_le_bytes(c[8 * i..8 * i + 8].try_into().unwrap_or([0; 8]));
        let (unknown, rle, rle_raw, ac, dc) = (n(1), n(6), n(7), n(8), n(9));
        let block = match (h.tiled(single_part_tiled), h.tiles) {
            (true, Some((tw, th, ..))) => u64::from(tw) * u64::from(th),
            _ => Header::size(h.data_window).map_or(0, |d| d.0) * h.lines_per_block(),
        }
        .saturating_mul(h.bytes_per_pixel);
        let cost = [
            size,
            unknown.saturating_mul(2),
            ac.saturating_mul(4),
            dc.saturating_mul(6),
            rle,
            rle_raw.saturating_mul(4),
            block.saturating_mul(4),
            2 * MIB,
        ]
        .iter()
        .fold(0u64, |a, &b| a.saturating_add(b));
        if cost > budget {
            return Err(Preflight::Refused(format!(
                "the EXR DWA chunk at byte {chunk} declares sections of {unknown} + {rle} + \
                 {rle_raw} bytes and {ac} + {dc} coefficients: {cost} bytes to decode, over the \
                 budget of {budget}"
            )));
        }
        worst = worst.max(cost);
    }
    Ok(worst)
}

/// Parses the magic number, version flags and every header. `None` where exr fails.
fn read_headers<R: Read + Seek>(
    s: &mut Stream<'_, R>,
) -> Result<Option<(Vec<Header>, u32)>, Preflight> {
    let mut magic = [0u8; 8];
    if !s.exact(&mut magic)? || magic[..4] != [0x76, 0x2f, 0x31, 0x01] {
        return Ok(None);
    }
    let version = u32::from_le_bytes([magic[4], magic[5], magic[6], magic[7]]);
    let flags = version & !0xFF;
    let max_name = if flags & 0x400 != 0 { 256 } else { 32 };
    let mut headers = Vec::new();
    if flags & 0x1000 == 0 {
        match read_header(s, max_name)? {
            Some(h) => headers.push(h),
            None => return Ok(None),
        }
    } else {
        // Headers until an empty one; each costs at least one byte of the file.
        loop {
            match s.peek()? {
                None => return Ok(None),
                Some(0) => {
                    s.skip(1)?;
                    break;
                }
                Some(_) => match read_header(s, max_name)? {
                    Some(h) => headers.push(h),
                    None => return Ok(None),
                },
            }
        }
    }
    if headers.is_empty() {
        return Ok(None);
    }
    Ok(Some((headers, flags)))
}

fn read_header<R: Read + Seek>(
    s: &mut Stream<'_, R>,
    max_name: usize,
) -> Result<Option<Header>, Preflight> {
    let mut h = Header::default();
    let mut name = [0u8; 257];
    let mut kind = [0u8; 257];
    // Each attribute costs at least 7 bytes of the file.
    loop {
        let Some(n) = s.text(&mut name, max_name)? else {
            return Ok(None);
        };
        if n == 0 {
            return Ok(Some(h));
        }
        let Some(k) = s.text(&mut kind, max_name)? else {
            return Ok(None);
        };
        let mut sz = [0u8; 4];
        if !s.exact(&mut sz)? {
            return Ok(None);
        }
        let Ok(size) = u64::try_from(i32::from_le_bytes(sz)) else {
            return Ok(None);
        };
        if size > s.left() {
            return Ok(None);
        }
        h.attributes += 1;
        h.attribute_bytes = h.attribute_bytes.saturating_add(size);
        s.attrs += 1;
        s.attr_bytes = s.attr_bytes.saturating_add(size);
        let value_end = s.pos + size;
        let (name, kind) = (&name[..n], &kind[..k]);
        match (name, kind) {
            (b"channels", b"chlist") => {
                h.bytes_per_pixel = 0;
                h.has_rgb = [false; 3];
                h.has_alpha = false;
                let mut cname = [0u8; 257];
                // Each channel costs at least 17 bytes, and the list ends within `size`.
                while s.pos < value_end {
                    let Some(c) = s.text(&mut cname, 256)? else {
                        return Ok(None);
                    };
                    if c == 0 {
                        break;
                    }
                    let mut d = [0u8; 16];
                    if !s.exact(&mut d)? {
                        return Ok(None);
                    }
                    h.bytes_per_pixel += match i32::from_le_bytes([d[0], d[1], d[2], d[3]]) {
                        1 => 2,
                        _ => 4,
                    };
                    match &cname[..c] {
                        b"R" => h.has_rgb[0] = true,
                        b"G" => h.has_rgb[1] = true,
                        b"B" => h.has_rgb[2] = true,
                        b"A" => h.has_alpha = true,
                        _ => {}
                    }
                }
            }
            (b"compression", b"compression") if size >= 1 => {
                let mut c = [0u8; 1];
                s.exact(&mut c)?;
                h.compression = Some(c[0]);
            }
            (b"dataWindow" | b"displayWindow", b"box2i") if size >= 16 => {
                let mut b = [0u8; 16];
                s.exact(&mut b)?;
                let v = |i: usize| i32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
                let window = Some([v(0), v(4), v(8), v(12)]);
                if name == b"dataWindow" {
                    h.data_window = window;
                } else {
                    h.display_window = window;
                }
            }
            (b"tiles", b"tiledesc") if size >= 9 => {
                let mut b = [0u8; 9];
                s.exact(&mut b)?;
                h.tiles = Some((
                    u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                    u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
                    b[8] & 15,
                    b[8] >> 4,
                ));
            }
            (b"type", b"string") if size <= 32 => {
                let mut b = [0u8; 32];
                s.exact(&mut b[..size as usize])?;
                h.block_type = match &b[..size as usize] {
                    b"scanlineimage" => Some(BlockType::Scanline),
                    b"tiledimage" => Some(BlockType::Tiled),
                    b"deepscanline" => Some(BlockType::DeepScanline),
                    b"deeptile" => Some(BlockType::DeepTiled),
                    _ => None,
                };
            }
            (_, b"preview") => h.preview = true,
            _ => {}
        }
        if s.pos > value_end {
            return Ok(None); // a value longer than its declared size: exr fails
        }
        s.skip(value_end - s.pos)?;
    }
}

/// Forward reads through a small buffer, tracking the position and the file length.
struct Stream<'a, R> {
    r: &'a mut R,
    len: u64,
    pos: u64,
    buf: [u8; 1024],
    buf_at: u64,
    buf_len: usize,
    /// Attributes seen so far, in all headers, and their value bytes.
    attrs: u64,
    attr_bytes: u64,
}

impl<'a, R: Read + Seek> Stream<'a, R> {
    fn new(r: &'a mut R, len: u64) -> Self {
        Stream {
            r,
            len,
            pos: 0,
            attrs: 0,
            attr_bytes: 0,
            buf: [0; 1024],
            buf_at: 0,
            buf_len: 0,
        }
    }
    fn left(&self) -> u64 {
        self.len.saturating_sub(self.pos)
    }
    fn peek(&mut self) -> Result<Option<u8>, Preflight> {
        if self.pos >= self.len {
            return Ok(None);
        }
        if self.pos < self.buf_at || self.pos >= self.buf_at + self.buf_len as u64 {
            self.r.seek(SeekFrom::Start(self.pos))?;
            self.buf_len = read_up_to(self.r, &mut self.buf)?;
            self.buf_at = self.pos;
            if self.buf_len == 0 {
                return Ok(None);
            }
        }
        Ok(Some(self.buf[(self.pos - self.buf_at) as usize]))
    }
    fn skip(&mut self, n: u64) -> Result<(), Preflight> {
        self.pos = self.pos.saturating_add(n);
        Ok(())
    }
    fn exact(&mut self, out: &mut [u8]) -> Result<bool, Preflight> {
        for b in out {
            match self.peek()? {
                Some(v) => {
                    *b = v;
                    self.pos += 1;
                }
                None => return Ok(false),
            }
        }
        Ok(true)
    }
    /// A null-terminated text of at most `max` bytes into `out`; its length, or `None` where
    /// exr fails (too long, or the file ends).
    fn text(&mut self, out: &mut [u8; 257], max: usize) -> Result<Option<usize>, Preflight> {
        let mut n = 0;
        loop {
            let Some(b) = self.peek()? else {
                return Ok(None);
            };
            self.pos += 1;
            if b == 0 {
                return Ok(Some(n));
            }
            if n >= max {
                return Ok(None);
            }
            out[n] = b;
            n += 1;
        }
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

    fn attr(v: &mut Vec<u8>, name: &str, kind: &str, value: &[u8]) {
        v.extend_from_slice(name.as_bytes());
        v.push(0);
        v.extend_from_slice(kind.as_bytes());
        v.push(0);
        v.extend_from_slice(&(value.len() as i32).to_le_bytes());
        v.extend_from_slice(value);
    }

    fn window(w: i32, h: i32) -> Vec<u8> {
        [0, 0, w - 1, h - 1]
            .iter()
            .flat_map(|v: &i32| v.to_le_bytes())
            .collect()
    }

    /// A single-part scan-line header: R, G, B as f16; `compression`; the data and display
    /// windows; then the offset table and `chunks` as given.
    fn crafted(compression: u8, data: (i32, i32), display: (i32, i32), tail: &[u8]) -> Vec<u8> {
        let mut v = vec![0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0];
        let mut ch = Vec::new();
        for c in ["B", "G", "R"] {
            ch.extend_from_slice(c.as_bytes());
            ch.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
        }
        ch.push(0);
        attr(&mut v, "channels", "chlist", &ch);
        attr(&mut v, "compression", "compression", &[compression]);
        attr(&mut v, "dataWindow", "box2i", &window(data.0, data.1));
        attr(
            &mut v,
            "displayWindow",
            "box2i",
            &window(display.0, display.1),
        );
        attr(&mut v, "lineOrder", "lineOrder", &[0]);
        attr(&mut v, "pixelAspectRatio", "float", &1f32.to_le_bytes());
        v.push(0);
        v.extend_from_slice(tail);
        v
    }

    fn encoded(w: u32, h: u32, alpha: bool) -> Vec<u8> {
        let img = image::Rgba32FImage::from_fn(w, h, |x, y| {
            image::Rgba([x as f32 / 10.0, y as f32 / 10.0, 0.5, 1.0])
        });
        let img = if alpha {
            image::DynamicImage::ImageRgba32F(img)
        } else {
            image::DynamicImage::ImageRgb32F(image::DynamicImage::ImageRgba32F(img).to_rgb32f())
        };
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::OpenExr).unwrap();
        out.into_inner()
    }

    #[test]
    fn real_files_pay_for_a_second_output_buffer() {
        for alpha in [false, true] {
            let exr = encoded(64, 48, alpha);
            let n = run(&exr, 1 << 30).unwrap();
            let out = 64 * 48 * if alpha { 16 } else { 12 };
            assert!((out..out + 16 * MIB).contains(&n), "{n}");
            assert!(image::load_from_memory(&exr).is_ok());
        }
    }

    #[test]
    fn a_wide_data_window_behind_a_tiny_display_is_refused() {
        let exr = crafted(4, (1 << 29, 64), (1, 1), &[0; 64]);
        let why = run(&exr, 1 << 30).unwrap_err();
        assert!(why.contains("536870912 x 32"), "{why}");
        let small = crafted(4, (4096, 64), (1, 1), &[0; 64]);
        let n = run(&small, 1 << 30).unwrap();
        assert!(n >= 4 * 4096 * 32 * 6, "{n}");
    }

    #[test]
    fn dwa_section_counters_are_checked() {
        // One DWAB block (256 lines): the offset table, then the chunk: y, size, counters.
        let header_len = crafted(9, (16, 16), (16, 16), &[]).len() as u64;
        let chunk_at = header_len + 8;
        let mut tail = chunk_at.to_le_bytes().to_vec();
        tail.extend_from_slice(&0i32.to_le_bytes());
        tail.extend_from_slice(&100i32.to_le_bytes());
        let mut counters = [0u64; 11];
        counters[0] = 2;
        counters[1] = 1 << 40; // unknown_uncompressed_size
        for c in counters {
            tail.extend_from_slice(&c.to_le_bytes());
        }
        tail.extend_from_slice(&[0; 12]);
        let exr = crafted(9, (16, 16), (16, 16), &tail);
        let why = run(&exr, 1 << 30).unwrap_err();
        assert!(
            why.contains("DWA") && why.contains("1099511627776"),
            "{why}"
        );
        // The same chunk with modest counters passes.
        let mut ok = exr.clone();
        let at = chunk_at as usize + 8 + 8;
        ok[at..at + 8].copy_from_slice(&1000u64.to_le_bytes());
        assert!(run(&ok, 1 << 30).is_ok());
    }

    #[test]
    fn every_part_of_a_multipart_file_counts() {
        // Two scan-line parts: a small RGB one and one with a wide data window.
        let part = |name: &str, width: i32| {
            let one = crafted(3, (width, 16), (16, 16), &[]);
            let mut h = one[8..one.len() - 1].to_vec(); // attributes, without the terminator
            attr(&mut h, "name", "string", name.as_bytes());
            attr(&mut h, "type", "string", b"scanlineimage");
            h.push(0);
            h
        };
        let mut v = vec![0x76, 0x2f, 0x31, 0x01, 2, 0x10, 0, 0];
        v.extend_from_slice(&part("a", 16));
        v.extend_from_slice(&part("b", 1 << 28));
        v.push(0);
        v.extend_from_slice(&[0; 64]);
        let why = run(&v, 1 << 30).unwrap_err();
        assert!(why.contains("268435456 x 16"), "{why}");
    }

    #[test]
    fn tiled_chunk_counts_follow_exr() {
        assert_eq!(chunk_count_tiled((100, 50), (32, 32), 0, 0), 4 * 2);
        // mip levels (round down): 100x50, 50x25, 25x12, 12x6, 6x3, 3x1, 1x1
        assert_eq!(
            chunk_count_tiled((100, 50), (32, 32), 1, 0),
            8 + 2 + 1 + 1 + 1 + 1 + 1
        );
        // rip levels: 7 widths x 6 heights
        assert_eq!(
            chunk_count_tiled((100, 50), (64, 64), 2, 0),
            6 * (2 + 1 + 1 + 1 + 1 + 1 + 1)
        );
    }

    #[test]
    fn truncated_and_garbled_headers_never_panic() {
        let exr = encoded(16, 16, true);
        for cut in 0..exr.len().min(600) {
            assert!(run(&exr[..cut], 1 << 30).is_ok());
        }
        assert!(run(b"\x76\x2f\x31\x01\x02\0\0\0", 1 << 30).is_ok());
        assert!(run(b"GIF89a", 1 << 30).is_ok());
    }
}
