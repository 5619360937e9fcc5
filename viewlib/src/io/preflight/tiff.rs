//! TIFF preflight: what tiff 0.11.3 and `image` 0.25.10 allocate beyond the output.
//!
//! Only IFD0 (the first image) matters: `image` decodes nothing else.
//!
//! - `TiffDecoder::new` reads IFD0 with tiff's default limits: every entry into a `BTreeMap`,
//!   then, for the tags it interprets, each out-of-line value list into a `Vec` of 32-byte
//!   `Value`s sized from the declared count (`ifd.rs` 582-680, 847-858) and converted again
//!   (offsets and byte counts into `Vec<u64>`, kept for the whole decode), ASCII into
//!   `vec![0; count]` (`ifd.rs` 719-726). Nothing there compares the count with the file
//!   length: a 512-byte file can make it allocate 256 MiB. So every out-of-line value must lie
//!   inside the file (else `Refused`), and the tags tiff reads cost `48 * count` bytes each.
//! - Decoding allocates the whole image again in tiff's own layout (`H * ceil(W * spp * bps /
//!   8)`, or `spp` planes of `H * ceil(W * bps / 8)` when planar): as large as the output, 4/3
//!   of it for CMYK (which `image` converts to RGB), an eighth for bilevel images, which are
//!   then expanded one row at a time (`W` bytes). This is computed from the tags rather than
//!   estimated as a fraction of the output.
//! - Per chunk: a row buffer of `chunk_width * spp * bps / 8` bytes (`image.rs` 954, 1020;
//!   `TileWidth` is a `u32` and unchecked), decompressor state (LZW, Deflate, fax: well under
//!   1 MiB), and for JPEG (Compression 7) a copy of the chunk with the JPEGTables prepended
//!   (`read_to_end`: up to twice its length), zune-jpeg's metadata copies (once more), its
//!   output at the embedded SOF size and its coefficient planes and rows (see `jpeg.rs`).
//!   Old-style JPEG (Compression 6) is refused.
//!
//! Bound: `tiff buffer + W + row buffer + max over chunks + IFD values + 1 MiB`, where a chunk
//! costs its length (capped at the file) or, for JPEG, `3 * (tables + chunk) + SOF W * H *
//! components + zune's planes and rows`.

use super::{Preflight, read_up_to};
use std::io::{Read, Seek, SeekFrom};

const MIB: u64 = 1 << 20;

/// Tags tiff 0.11.3 or `image` interprets while opening and decoding IFD0 (each read with
/// `Entry::val`): the only ones whose value lists get allocated.
const READ_TAGS: [u16; 19] = [
    256, 257, 258, 259, 262, 273, 277, 278, 279, 284, 317, 322, 323, 324, 325, 338, 339, 347, 530,
];

fn tag_name(tag: u16) -> &'static str {
    match tag {
        256 => "ImageWidth",
        257 => "ImageLength",
        258 => "BitsPerSample",
        259 => "Compression",
        262 => "PhotometricInterpretation",
        273 => "StripOffsets",
        277 => "SamplesPerPixel",
        278 => "RowsPerStrip",
        279 => "StripByteCounts",
        284 => "PlanarConfiguration",
        317 => "Predictor",
        322 => "TileWidth",
        323 => "TileLength",
        324 => "TileOffsets",
        325 => "TileByteCounts",
        338 => "ExtraSamples",
        339 => "SampleFormat",
        347 => "JPEGTables",
        530 => "YCbCrSubSampling",
        _ => "unknown",
    }
}

/// Size of one value of a TIFF field type, or `None` for types tiff skips.
fn type_size(t: u16) -> Option<u64> {
    match t {
        1 | 2 | 6 | 7 => Some(1),
        3 | 8 => Some(2),
        4 | 9 | 11 | 13 => Some(4),
        5 | 10 | 12 | 16 | 17 | 18 => Some(8),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    typ: u16,
    count: u64,
    /// The value/offset field, 4 bytes (classic) or 8 (BigTIFF).
    field: [u8; 8],
}

#[derive(Clone, Copy)]
struct Order {
    big_endian: bool,
    bigtiff: bool,
}

impl Order {
    fn u16(self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.big_endian {
            u16::from_be_bytes(a)
        } else {
            u16::from_le_bytes(a)
        }
    }
    fn u32(self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.big_endian {
            u32::from_be_bytes(a)
        } else {
            u32::from_le_bytes(a)
        }
    }
    fn u64(self, b: &[u8]) -> u64 {
        let a: [u8; 8] = b[..8].try_into().unwrap_or([0; 8]);
        if self.big_endian {
            u64::from_be_bytes(a)
        } else {
            u64::from_le_bytes(a)
        }
    }
    /// One value of `size` bytes, read as unsigned.
    fn value(self, b: &[u8], size: u64) -> u64 {
        match size {
            1 => u64::from(b[0]),
            2 => u64::from(self.u16(b)),
            4 => u64::from(self.u32(b)),
            _ => self.u64(b),
        }
    }
    fn inline_bytes(self) -> u64 {
        if self.bigtiff { 8 } else { 4 }
    }
    fn offset(self, e: &Entry) -> u64 {
        if self.bigtiff {
            self.u64(&e.field)
        } else {
            u64::from(self.u32(&e.field))
        }
    }
}

/// An upper bound of what decoding IFD0 through `image` allocates beyond the output buffer.
pub(crate) fn overhead<R: Read + Seek>(
    r: &mut R,
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    // Where tiff fails before its image buffer exists, this much covers the rest.
    let base = MIB;
    r.seek(SeekFrom::Start(0))?;
    let mut head = [0u8; 16];
    let got = read_up_to(r, &mut head)?;
    let big_endian = match &head[..2] {
        b"II" if got >= 8 => false,
        b"MM" if got >= 8 => true,
        _ => return Ok(base),
    };
    let mut order = Order {
        big_endian,
        bigtiff: false,
    };
    let ifd = match order.u16(&head[2..]) {
        42 => u64::from(order.u32(&head[4..])),
        43 if got >= 16 && order.u16(&head[4..]) == 8 && order.u16(&head[6..]) == 0 => {
            order.bigtiff = true;
            order.u64(&head[8..])
        }
        _ => return Ok(base),
    };

    // The entry table, its count and the next-IFD pointer must lie inside the file.
    let (count_len, entry_len, next_len) = if order.bigtiff {
        (8, 20, 8)
    } else {
        (2, 12, 4)
    };
    let Some(count_end) = ifd.checked_add(count_len).filter(|&e| e <= file_len) else {
        return Err(Preflight::Refused(format!(
            "the first TIFF directory at byte {ifd} is past the end of the {file_len}-byte file"
        )));
    };
    r.seek(SeekFrom::Start(ifd))?;
    let mut nb = [0u8; 8];
    r.read_exact(&mut nb[..count_len as usize])?;
    let n = if order.bigtiff {
        order.u64(&nb)
    } else {
        u64::from(order.u16(&nb))
    };
    let table_end = n
        .checked_mul(entry_len)
        .and_then(|t| t.checked_add(count_end))
        .and_then(|t| t.checked_add(next_len));
    if table_end.is_none_or(|e| e > file_len) {
        return Err(Preflight::Refused(format!(
            "the first TIFF directory at byte {ifd} declares {n} entries, past the end of the \
             {file_len}-byte file"
        )));
    }

    // Read the entries (n <= file_len / 12): check each, keep the ones tiff interprets; a
    // later duplicate replaces an earlier one, as in tiff's BTreeMap.
    let mut kept: [Option<Entry>; READ_TAGS.len()] = [None; READ_TAGS.len()];
    let mut seq = Seq::new(count_end);
    let mut raw = [0u8; 20];
    for _ in 0..n {
        seq.read(r, &mut raw[..entry_len as usize])?;
        let tag = order.u16(&raw);
        let typ = order.u16(&raw[2..]);
        let Some(size) = type_size(typ) else { continue };
        let (count, field) = if order.bigtiff {
            let mut f = [0u8; 8];
            f.copy_from_slice(&raw[12..20]);
            (order.u64(&raw[4..]), f)
        } else {
            let mut f = [0u8; 8];
            f[..4].copy_from_slice(&raw[8..12]);
            (u64::from(order.u32(&raw[4..])), f)
        };
        let e = Entry { typ, count, field };
        let Some(bytes) = count.checked_mul(size) else {
            return Err(Preflight::Refused(format!(
                "tag {tag} ({}) declares {count} values of {size} bytes: the size overflows",
                tag_name(tag)
            )));
        };
        if bytes > order.inline_bytes() {
            let at = order.offset(&e);
            if at.checked_add(bytes).is_none_or(|end| end > file_len) {
                return Err(Preflight::Refused(format!(
                    "tag {tag} ({}) declares {count} values at byte {at}, past the end of the \
                     {file_len}-byte file",
                    tag_name(tag)
                )));
            }
        }
        if let Some(i) = READ_TAGS.iter().position(|&t| t == tag) {
            if count.saturating_mul(32) > budget {
                return Err(Preflight::Refused(format!(
                    "tag {tag} ({}) declares {count} values: {} bytes of tag values, over the \
                     budget of {budget}",
                    tag_name(tag),
                    count.saturating_mul(32)
                )));
            }
            kept[i] = Some(e);
        }
    }
    let get = |tag: u16| {
        READ_TAGS
            .iter()
            .position(|&t| t == tag)
            .and_then(|i| kept[i])
    };
    let ifd_values = kept.iter().flatten().fold(n.min(1 << 16) * 64, |acc, e| {
        acc.saturating_add(e.count.saturating_mul(48))
    });

    // Scalars; where a required one is missing tiff fails before allocating the image.
    let first = |r: &mut R, tag: u16| -> Result<Option<u64>, Preflight> {
        match get(tag) {
            Some(e) => Values::new(e, order).next(r),
            None => Ok(None),
        }
    };
    let (Some(width), Some(height)) = (first(r, 256)?, first(r, 257)?) else {
        return Ok(base.saturating_add(ifd_values));
    };
    let spp = first(r, 277)?.unwrap_or(1);
    let compression = first(r, 259)?.unwrap_or(1);
    let planar = first(r, 284)?.unwrap_or(1) == 2;
    let mut bps = 1u64;
    if let Some(e) = get(258) {
        let mut v = Values::new(e, order);
        bps = 0;
        while let Some(b) = v.next(r)? {
            bps = bps.max(b);
        }
    }
    if width == 0 || height == 0 || spp == 0 || bps == 0 {
        return Ok(base.saturating_add(ifd_values));
    }
    if compression == 6 {
        return Err(Preflight::Refused(
            "old-style JPEG-in-TIFF (Compression 6) is not supported".into(),
        ));
    }

    let overflow = || {
        Preflight::Refused(format!(
            "TIFF {width}x{height} with {spp} samples of {bps} bits: the sizes overflow"
        ))
    };
    let row_bits = |w: u64, samples: u64| w.checked_mul(samples)?.checked_mul(bps);
    let buffer = if planar {
        row_bits(width, 1)
            .map(|b| b.div_ceil(8))
            .and_then(|b| b.checked_mul(height))
            .and_then(|b| b.checked_mul(spp))
    } else {
        row_bits(width, spp)
            .map(|b| b.div_ceil(8))
            .and_then(|b| b.checked_mul(height))
    }
    .ok_or_else(overflow)?;

    // Strips or tiles, as tiff decides.
    let has = |tag: u16| get(tag).is_some();
    let tiles = match (has(279), has(273), has(325), has(324)) {
        (true, true, false, false) => false,
        (false, false, true, true) => true,
        _ => return Ok(base.saturating_add(ifd_values)),
    };
    let (chunk_w, chunk_h) = if tiles {
        let (Some(tw), Some(tl)) = (first(r, 322)?, first(r, 323)?) else {
            return Ok(base.saturating_add(ifd_values));
        };
        if tw == 0 || tl == 0 {
            return Ok(base.saturating_add(ifd_values));
        }
        let tile = row_bits(tw, spp)
            .and_then(|b| b.checked_mul(tl))
            .map(|b| b.div_ceil(8))
            .ok_or_else(overflow)?;
        if tile > budget {
            return Err(Preflight::Refused(format!(
                "TIFF tiles of {tw}x{tl} with {spp} samples of {bps} bits are {tile} bytes \
                 each, over the budget of {budget}"
            )));
        }
        (tw, tl)
    } else {
        (width, first(r, 278)?.unwrap_or(height))
    };
    let row_buffer = row_bits(chunk_w, spp)
        .map(|b| b.div_ceil(8))
        .ok_or_else(overflow)?;
    if row_buffer > budget {
        return Err(Preflight::Refused(format!(
            "a TIFF chunk row of {chunk_w} pixels with {spp} samples of {bps} bits is \
             {row_buffer} bytes, over the budget of {budget}"
        )));
    }

    // Chunks: their lengths, and for JPEG their embedded frames.
    let (off_tag, len_tag) = if tiles { (324, 325) } else { (273, 279) };
    let (Some(off_e), Some(len_e)) = (get(off_tag), get(len_tag)) else {
        return Ok(base.saturating_add(ifd_values));
    };
    let tables = get(347).filter(|e| e.count >= 2).map(|e| {
        if e.count > order.inline_bytes() {
            Tables::At(order.offset(&e), e.count)
        } else {
            Tables::Inline(e.field, e.count as usize)
        }
    });
    let mut offsets = Values::new(off_e, order);
    let mut lengths = Values::new(len_e, order);
    let mut chunk_cost = 0u64;
    // Both lists lie inside the file, so this loop runs at most file_len times.
    while let (Some(at), Some(len)) = (offsets.next(r)?, lengths.next(r)?) {
        let stored = len.min(file_len.saturating_sub(at));
        let cost = if compression == 7 {
            jpeg_chunk(r, at, stored, tables, (chunk_w, chunk_h), budget)?
        } else {
            stored
        };
        chunk_cost = chunk_cost.max(cost);
    }

    let total = [buffer, width, row_buffer, chunk_cost, ifd_values, base]
        .iter()
        .try_fold(0u64, |a, &b| a.checked_add(b))
        .ok_or_else(overflow)?;
    Ok(total)
}

/// The cost of decoding one JPEG-compressed chunk: tiff reads it (after the JPEGTables) into a
/// `Vec`, zune copies its metadata, decodes it into a new `Vec` at the SOF size, with its own
/// planes and rows.
fn jpeg_chunk<R: Read + Seek>(
    r: &mut R,
    at: u64,
    len: u64,
    tables: Option<Tables>,
    (chunk_w, chunk_h): (u64, u64),
    budget: u64,
) -> Result<u64, Preflight> {
    // tiff's stream: JPEGTables without its last 2 bytes (EOI), then the chunk without its
    // first 2 (SOI); or the chunk alone.
    let mut stream = Spans {
        r,
        prefix: [0; 8],
        prefix_len: 0,
        spans: [(at, len), (0, 0)],
        pos: 0,
    };
    let mut data = len;
    if let Some(t) = tables {
        let body = (at.saturating_add(2), len.saturating_sub(2));
        match t {
            Tables::Inline(bytes, n) => {
                let keep = n.saturating_sub(2);
                stream.prefix[..keep].copy_from_slice(&bytes[..keep]);
                stream.prefix_len = keep;
                stream.spans = [body, (0, 0)];
                data = data.saturating_add(keep as u64);
            }
            Tables::At(t_at, t_len) => {
                let keep = t_len.saturating_sub(2);
                stream.spans = [(t_at, keep), body];
                data = data.saturating_add(keep);
            }
        }
    }
    let frame = super::jpeg::scan(&mut stream, u64::MAX)?;
    let mut cost = data.saturating_mul(3).saturating_add(64 << 10);
    if let Some(f) = frame {
        let (w, h) = (u64::from(f.width), u64::from(f.height));
        if w > chunk_w || h > chunk_h {
            return Err(Preflight::Refused(format!(
                "the JPEG chunk at byte {at} declares a {w}x{h} frame in a {chunk_w}x{chunk_h} \
                 chunk"
            )));
        }
        let out = w * h * u64::from(f.components.min(4));
        let decode = super::jpeg::decode_overhead(&f)?;
        cost = cost.saturating_add(out).saturating_add(decode);
        if cost > budget {
            return Err(Preflight::Refused(format!(
                "the JPEG chunk at byte {at} ({w}x{h}, {} components) needs {cost} bytes to \
                 decode, over the budget of {budget}",
                f.components
            )));
        }
    }
    Ok(cost)
}

/// Where the JPEGTables are: in the entry itself (at most 8 bytes) or at an offset (bytes).
#[derive(Clone, Copy)]
enum Tables {
    Inline([u8; 8], usize),
    At(u64, u64),
}

/// A few bytes from memory, then two byte ranges of `r`, read as one stream.
struct Spans<'a, R> {
    r: &'a mut R,
    prefix: [u8; 8],
    prefix_len: usize,
    spans: [(u64, u64); 2],
    pos: u64,
}

impl<R: Read + Seek> Read for Spans<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut skip = self.pos;
        let p = self.prefix_len as u64;
        if skip < p {
            let n = ((p - skip) as usize).min(buf.len());
            buf[..n].copy_from_slice(&self.prefix[skip as usize..skip as usize + n]);
            self.pos += n as u64;
            return Ok(n);
        }
        skip -= p;
        for &(at, len) in &self.spans {
            if skip < len {
                let want = (len - skip).min(buf.len() as u64) as usize;
                self.r.seek(SeekFrom::Start(at + skip))?;
                let n = self.r.read(&mut buf[..want])?;
                self.pos += n as u64;
                return Ok(n);
            }
            skip -= len;
        }
        Ok(0)
    }
}

impl<R: Read + Seek> Seek for Spans<'_, R> {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let end = self.prefix_len as u64 + self.spans[0].1 + self.spans[1].1;
        let target = match to {
            SeekFrom::Start(p) => Some(p),
            SeekFrom::End(d) => end.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or(std::io::ErrorKind::InvalidInput)?;
        Ok(self.pos)
    }
}

/// The values of an entry, one at a time, through a small buffer.
struct Values {
    e: Entry,
    order: Order,
    size: u64,
    index: u64,
    buf: [u8; 512],
    buf_first: u64,
    buf_len: u64,
}

impl Values {
    fn new(e: Entry, order: Order) -> Self {
        Values {
            e,
            order,
            size: type_size(e.typ).unwrap_or(1),
            index: 0,
            buf: [0; 512],
            buf_first: 0,
            buf_len: 0,
        }
    }

    fn next<R: Read + Seek>(&mut self, r: &mut R) -> Result<Option<u64>, Preflight> {
        if self.index >= self.e.count {
            return Ok(None);
        }
        let total = self.e.count * self.size; // checked when the entry was read
        let at = self.index * self.size;
        self.index += 1;
        if total <= self.order.inline_bytes() {
            let b = &self.e.field[at as usize..];
            return Ok(Some(self.order.value(b, self.size)));
        }
        if at < self.buf_first || at + self.size > self.buf_first + self.buf_len {
            let len = (total - at).min(self.buf.len() as u64 / self.size * self.size);
            r.seek(SeekFrom::Start(self.order.offset(&self.e) + at))?;
            r.read_exact(&mut self.buf[..len as usize])?;
            self.buf_first = at;
            self.buf_len = len;
        }
        let i = (at - self.buf_first) as usize;
        Ok(Some(self.order.value(&self.buf[i..], self.size)))
    }
}

/// Sequential reads from a start offset through a small buffer.
struct Seq {
    next: u64,
    buf: [u8; 4080],
    pos: usize,
    len: usize,
}

impl Seq {
    fn new(at: u64) -> Self {
        Seq {
            next: at,
            buf: [0; 4080],
            pos: 0,
            len: 0,
        }
    }

    /// Reads exactly `out.len()` bytes (at most 20); the caller checked they are in the file.
    fn read<R: Read + Seek>(&mut self, r: &mut R, out: &mut [u8]) -> Result<(), Preflight> {
        if self.len - self.pos < out.len() {
            r.seek(SeekFrom::Start(self.next))?;
            let n = read_up_to(r, &mut self.buf)?;
            if n < out.len() {
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof).into());
            }
            self.pos = 0;
            self.len = n;
        }
        out.copy_from_slice(&self.buf[self.pos..self.pos + out.len()]);
        self.pos += out.len();
        self.next += out.len() as u64;
        Ok(())
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

    /// A little-endian classic TIFF: `entries` as (tag, type, count, value-or-offset), the
    /// directory at byte 8, then `tail` bytes after it.
    fn crafted(entries: &[(u16, u16, u32, u32)], tail: &[u8]) -> Vec<u8> {
        let mut v = b"II*\0\x08\0\0\0".to_vec();
        v.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for &(tag, typ, count, value) in entries {
            v.extend_from_slice(&tag.to_le_bytes());
            v.extend_from_slice(&typ.to_le_bytes());
            v.extend_from_slice(&count.to_le_bytes());
            v.extend_from_slice(&value.to_le_bytes());
        }
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(tail);
        v
    }

    fn encoded(img: &image::DynamicImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Tiff).unwrap();
        out.into_inner()
    }

    #[test]
    fn real_files_get_a_buffer_sized_bound() {
        let rgb = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(64, 48, |x, y| {
            image::Rgb([x as u8, y as u8, 3])
        }));
        let tif = encoded(&rgb);
        let n = run(&tif, 1 << 30).unwrap();
        // the second buffer (64 * 48 * 3) plus the largest strip, plus small change
        assert!(
            (2 * 64 * 48 * 3..2 * 64 * 48 * 3 + 2 * MIB).contains(&n),
            "{n}"
        );
        let back = image::load_from_memory(&tif).unwrap();
        assert_eq!((back.width(), back.height()), (64, 48));

        let rgba16 = image::DynamicImage::ImageRgba16(rgb.to_rgba16());
        let n16 = run(&encoded(&rgba16), 1 << 30).unwrap();
        assert!(n16 >= 64 * 48 * 8, "{n16}");
    }

    #[test]
    fn a_tag_past_the_end_of_the_file_is_refused() {
        // StripOffsets: 2M LONGs at byte 200 of a 512-byte file.
        let mut tif = crafted(
            &[
                (256, 3, 1, 16),
                (257, 3, 1, 16),
                (273, 4, 2 << 20, 200),
                (279, 4, 1, 100),
            ],
            &[],
        );
        tif.resize(512, 0);
        let why = run(&tif, 1 << 30).unwrap_err();
        assert!(
            why.contains("273")
                && why.contains("2097152")
                && why.contains("200")
                && why.contains("512"),
            "{why}"
        );
    }

    #[test]
    fn unknown_tags_are_checked_too_but_cost_nothing() {
        let mut tif = crafted(
            &[(256, 3, 1, 16), (257, 3, 1, 16), (40000, 7, 1000, 300)],
            &[],
        );
        tif.resize(512, 0);
        assert!(run(&tif, 1 << 30).unwrap_err().contains("40000"));
        tif.resize(1300, 0);
        assert!(run(&tif, 1 << 30).unwrap() < 2 * MIB);
    }

    #[test]
    fn a_huge_tile_width_is_refused() {
        let tif = crafted(
            &[
                (256, 3, 1, 16),
                (257, 3, 1, 16),
                (258, 3, 1, 8),
                (277, 3, 1, 3),
                (322, 4, 1, 1 << 31),
                (323, 4, 1, 16),
                (324, 4, 1, 100),
                (325, 4, 1, 10),
            ],
            &[0; 64],
        );
        let why = run(&tif, 1 << 30).unwrap_err();
        assert!(why.contains("2147483648"), "{why}");
    }

    #[test]
    fn bigtiff_directories_are_checked_too() {
        // BigTIFF, big-endian: directory at 16, 3 entries of 20 bytes.
        let mut t = b"MM\0\x2b\0\x08\0\0".to_vec();
        t.extend_from_slice(&16u64.to_be_bytes());
        t.extend_from_slice(&3u64.to_be_bytes());
        for (tag, typ, count, value) in [
            (256u16, 3u16, 1u64, 16u64 << 48),
            (257, 3, 1, 16 << 48),
            (273, 16, 1 << 30, 100),
        ] {
            t.extend_from_slice(&tag.to_be_bytes());
            t.extend_from_slice(&typ.to_be_bytes());
            t.extend_from_slice(&count.to_be_bytes());
            t.extend_from_slice(&value.to_be_bytes());
        }
        t.extend_from_slice(&0u64.to_be_bytes());
        t.resize(300, 0);
        let why = run(&t, 1 << 30).unwrap_err();
        assert!(why.contains("273") && why.contains("1073741824"), "{why}");
    }

    #[test]
    fn old_jpeg_is_refused() {
        let tif = crafted(
            &[
                (256, 3, 1, 16),
                (257, 3, 1, 16),
                (259, 3, 1, 6),
                (273, 4, 1, 100),
                (279, 4, 1, 10),
            ],
            &[0; 64],
        );
        assert!(run(&tif, 1 << 30).unwrap_err().contains("Compression 6"));
    }

    #[test]
    fn a_directory_past_the_end_is_refused() {
        let mut tif = b"II*\0\x00\x10\0\0".to_vec();
        tif.resize(100, 0);
        assert!(run(&tif, 1 << 30).unwrap_err().contains("4096"));
        let mut tif = crafted(&[(256, 3, 1, 16)], &[]);
        tif[8] = 200; // 200 entries
        assert!(run(&tif, 1 << 30).unwrap_err().contains("200 entries"));
    }

    /// An embedded JPEG whose SOF says `w` x `h`.
    fn jpeg_chunk(w: u16, h: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xC2, 0, 11, 8];
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[1, 1, 0x11, 0]);
        v.extend_from_slice(&[0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 63, 0, 0xFF, 0xD9]);
        v
    }

    fn jpeg_tiff(w: u16, h: u16, tables: bool) -> Vec<u8> {
        let chunk = jpeg_chunk(w, h);
        let mut entries = vec![
            (256, 3, 1, 64),
            (257, 3, 1, 64),
            (259, 3, 1, 7),
            (262, 3, 1, 1),
            (273, 4, 1, 200),
            (279, 4, 1, chunk.len() as u32),
        ];
        if tables {
            entries.push((347, 7, 8, 300));
        }
        let mut tif = crafted(&entries, &[]);
        tif.resize(200, 0);
        tif.extend_from_slice(&chunk);
        tif.resize(300, 0);
        tif.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xFE, 0, 2, 0xFF, 0xD9]); // SOI, COM, EOI
        tif
    }

    #[test]
    fn jpeg_chunks_are_checked_against_the_chunk_size() {
        for tables in [false, true] {
            let ok = jpeg_tiff(64, 64, tables);
            let n = run(&ok, 1 << 30).unwrap();
            assert!(n >= 64 * 64 * 2 + 64 * 64, "{n}");
            let why = run(&jpeg_tiff(16000, 16000, tables), 1 << 40).unwrap_err();
            assert!(
                why.contains("16000x16000") && why.contains("64x64"),
                "{why}"
            );
        }
    }

    #[test]
    fn garbage_and_truncation_never_panic() {
        let rgb = image::DynamicImage::ImageRgb8(image::RgbImage::new(8, 8));
        let tif = encoded(&rgb);
        for cut in 0..tif.len() {
            let _ = run(&tif[..cut], 1 << 30);
        }
        assert_eq!(run(b"nope", 1 << 30).unwrap(), MIB);
    }
}
