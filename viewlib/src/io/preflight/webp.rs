//! WebP preflight: what image-webp 0.2.4 (through `image` 0.25.10) allocates beyond the output.
//!
//! The RIFF chunks are walked as `image_webp::WebPDecoder::read_data` walks them, then the
//! first frame's bitstream headers are read:
//!
//! - lossy (VP8): `Vp8Decoder` allocates its Y, U and V planes (`384` bytes per 16x16
//!   macroblock) from the VP8 frame header's own size, before it compares that size with the
//!   canvas (a VP8X file with a 1x1 canvas can carry a 16383x16383 frame), a `Vec` of 30-byte
//!   macroblock records grown one at a time (up to 90 bytes per macroblock while it grows),
//!   the first partition (its declared size, up to 512 KiB, reserved before reading), the
//!   other partitions (their declared sizes, up to 16 MiB each, reserved before reading) and
//!   the last one (`read_to_end`: up to 3 times what is left of the chunk).
//! - alpha (ALPH): `W * H` raw; compressed, a lossless stream decoded into `4 * W * H` plus the
//!   `W * H` alpha plane.
//! - lossless (VP8L): `4 * W * H` when the image has no alpha (decoded as RGBA, then copied),
//!   the transform images (up to `W * H / 4` each), the entropy image (`6` bytes per entry),
//!   the colour caches, and the Huffman tables. The tables are the catch: up to 65536 groups
//!   of 5 codes, each up to 4 KiB of table and 16 bytes per node for codes longer than 10
//!   bits; a group can cost ~70 KiB for ~6 bytes of file, so a 400 KiB file can ask for
//!   gigabytes. The lossless header is therefore decoded for real, up to the main image's
//!   codes: the transform and entropy images are walked symbol by symbol (without storing
//!   pixels; the largest meta code of the entropy image is all that is kept), and each code's
//!   table and tree sizes are computed from its code lengths exactly as
//!   `HuffmanTree::build_implicit` does.
//! - animation (ANMF): the first frame, decoded into its own buffer (`3` or `4` bytes per
//!   pixel, frames up to 16384x16384), then the `4 * W * H` canvas.
//!
//! The bound is the sum of everything the decoder allocates in the order it does, frees
//! ignored; where the decoder would stop with an error, the sum stops there too. Walking the
//! lossless header allocates ~30 KiB (code lengths of one group) and reads each byte once.

use super::Preflight;
use std::io::{Read, Seek, SeekFrom};

const KIB: u64 = 1 << 10;

/// An upper bound of what decoding the file's first image through `image` allocates beyond
/// the output buffer.
pub(crate) fn overhead<R: Read + Seek>(
    r: &mut R,
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    let base = 64 * KIB;
    let Some(riff) = chunk_at(r, 0, file_len)? else {
        return Ok(base);
    };
    let mut webp = [0u8; 4];
    if &riff.fourcc != b"RIFF" || !read_at(r, 8, &mut webp, file_len)? || &webp != b"WEBP" {
        return Ok(base);
    }
    let Some(first) = chunk_at(r, 12, file_len)? else {
        return Ok(base);
    };
    let cost = match &first.fourcc {
        b"VP8 " => {
            // WebPDecoder::new insists on a keyframe with a non-zero size; vp8() reads the
            // same header and counts zero planes otherwise.
            vp8(r, first.data, first.size, file_len)?
        }
        b"VP8L" => {
            let mut h = [0u8; 5];
            if !read_at(r, first.data, &mut h, file_len)? || h[0] != 0x2f {
                return Ok(base);
            }
            let bits = u32::from_le_bytes([h[1], h[2], h[3], h[4]]);
            if bits >> 29 != 0 {
                return Ok(base);
            }
            let (w, hgt) = (
                u64::from(bits & 0x3FFF) + 1,
                u64::from((bits >> 14) & 0x3FFF) + 1,
            );
            let alpha = (bits >> 28) & 1 != 0;
            let rgba = if alpha { 0 } else { 4 * w * hgt };
            let end = first.data.saturating_add(first.size).min(file_len);
            rgba + lossless(r, first.data, end, w, hgt, false, budget)?
        }
        b"VP8X" => extended(r, &riff, &first, file_len, budget)?,
        _ => 0,
    };
    let total = base.saturating_add(cost);
    if cost > budget {
        return Err(Preflight::Refused(format!(
            "decoding this WebP needs {cost} bytes besides its output, over the budget of \
             {budget}"
        )));
    }
    Ok(total)
}

/// A RIFF chunk: its fourcc, where its data starts, its declared size.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    fourcc: [u8; 4],
    data: u64,
    size: u64,
}

impl Chunk {
    fn rounded(&self) -> u64 {
        self.size + (self.size & 1)
    }
}

fn chunk_at<R: Read + Seek>(r: &mut R, at: u64, file_len: u64) -> Result<Option<Chunk>, Preflight> {
    let mut h = [0u8; 8];
    if !read_at(r, at, &mut h, file_len)? {
        return Ok(None);
    }
    Ok(Some(Chunk {
        fourcc: [h[0], h[1], h[2], h[3]],
        data: at + 8,
        size: u64::from(u32::from_le_bytes([h[4], h[5], h[6], h[7]])),
    }))
}

/// Reads `out.len()` bytes at `at`; `false` if they are not all in the file.
fn read_at<R: Read + Seek>(
    r: &mut R,
    at: u64,
    out: &mut [u8],
    file_len: u64,
) -> Result<bool, Preflight> {
    if at
        .checked_add(out.len() as u64)
        .is_none_or(|end| end > file_len)
    {
        return Ok(false);
    }
    r.seek(SeekFrom::Start(at))?;
    match r.read_exact(out) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn u24(b: &[u8]) -> u64 {
    u64::from(b[0]) | u64::from(b[1]) << 8 | u64::from(b[2]) << 16
}

/// An extended (VP8X) file: still, with or without alpha, or animated.
fn extended<R: Read + Seek>(
    r: &mut R,
    riff: &Chunk,
    vp8x: &Chunk,
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    let mut h = [0u8; 10];
    if !read_at(r, vp8x.data, &mut h, file_len)? {
        return Ok(0);
    }
    let flags = h[0];
    let (alpha, animation) = (flags & 0x10 != 0, flags & 0x02 != 0);
    let (exif, xmp) = (flags & 0x08 != 0, flags & 0x04 != 0);
    let (cw, ch) = (u24(&h[4..]) + 1, u24(&h[7..]) + 1);
    if cw.checked_mul(ch).is_none_or(|a| a > u64::from(u32::MAX)) {
        return Ok(0);
    }

    // The first chunk of each kind, as `read_data` records them.
    let mut first: [Option<Chunk>; 7] = [None; 7];
    const KINDS: [&[u8; 4]; 7] = [
        b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ANMF", b"EXIF", b"XMP ",
    ];
    let slot = |f: &[u8; 4]| KINDS.iter().position(|k| *k == f);
    let mut pos = vp8x.data + vp8x.rounded();
    let max = pos.saturating_add(riff.size.saturating_sub(12));
    let mut lossy = false;
    // Each chunk header lies inside the file, so this runs at most file_len / 8 times.
    while pos < max {
        let Some(c) = chunk_at(r, pos, file_len)? else {
            break;
        };
        pos = pos.saturating_add(8 + c.rounded());
        if let Some(i) = slot(&c.fourcc) {
            first[i].get_or_insert(c);
        }
        if &c.fourcc == b"ANMF" {
            // read_data reads the duration and, until a lossy frame shows up, the first
            // sub-chunk's header: they must exist.
            if c.size < 24 || c.data + 16 > file_len {
                return Ok(0);
            }
            if !lossy {
                let Some(sub) = chunk_at(r, c.data + 16, file_len)? else {
                    return Ok(0);
                };
                lossy = matches!(&sub.fourcc, b"VP8 " | b"ALPH");
            }
        }
    }
    let has = |i: usize| first[i].is_some();
    if animation && (!has(3) || !has(4))
        || exif && !has(5)
        || xmp && !has(6)
        || !animation && has(0) == has(1)
    {
        return Ok(0);
    }
    if animation && first[3].is_some_and(|c| c.size > 6) {
        return Ok(0);
    }
    // The first ANMF's first two sub-chunks fill the gaps in the table.
    if let Some(anmf) = first[4] {
        let end = anmf.data + anmf.size;
        let mut at = anmf.data + 16;
        for _ in 0..2 {
            let Some(c) = chunk_at(r, at, file_len)? else {
                return Ok(0);
            };
            if let Some(i) = slot(&c.fourcc) {
                first[i].get_or_insert(c);
            }
            at = at.saturating_add(8 + c.rounded());
            if at + 8 > end {
                break;
            }
        }
    }

    if animation {
        return animated(r, first[4].unwrap_or(*vp8x), (cw, ch), file_len, budget);
    }
    if let Some(c) = first[1] {
        let end = c.data.saturating_add(c.size).min(file_len);
        let rgba = if alpha { 0 } else { 4 * cw * ch };
        return Ok(rgba + lossless(r, c.data, end, cw, ch, false, budget)?);
    }
    let Some(c) = first[0] else { return Ok(0) };
    let mut cost = vp8(r, c.data, c.size, file_len)?;
    if let (true, Some(a)) = (alpha, first[2]) {
        // The frame must match the canvas first; counting the alpha anyway is harmless.
        cost = cost.saturating_add(alph(r, a, cw & 0xFFFF, ch & 0xFFFF, file_len, budget)?);
    }
    Ok(cost)
}

/// The first frame of an animation, then the canvas.
fn animated<R: Read + Seek>(
    r: &mut R,
    anmf: Chunk,
    (cw, ch): (u64, u64),
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    let mut h = [0u8; 16];
    if anmf.size < 32 || !read_at(r, anmf.data, &mut h, file_len)? {
        return Ok(0);
    }
    let (x, y) = (u24(&h[0..]) * 2, u24(&h[3..]) * 2);
    let (fw, fh) = (u24(&h[6..]) + 1, u24(&h[9..]) + 1);
    if fw > 16384 || fh > 16384 || x + fw > cw || y + fh > ch {
        return Ok(0);
    }
    let Some(c) = chunk_at(r, anmf.data + 16, file_len)? else {
        return Ok(0);
    };
    if c.rounded() + 24 > anmf.size {
        return Ok(0);
    }
    let canvas = 4 * cw * ch;
    let frame = match &c.fourcc {
        b"VP8 " => vp8(r, c.data, c.size, file_len)? + 3 * fw * fh,
        b"VP8L" => {
            let end = c.data.saturating_add(c.size).min(file_len);
            4 * fw * fh + lossless(r, c.data, end, fw, fh, false, budget)?
        }
        b"ALPH" => {
            if c.rounded() + 32 > anmf.size {
                return Ok(0);
            }
            let a = alph(r, c, fw, fh, file_len, budget)?;
            // The next chunk is decoded as VP8 whatever its fourcc.
            let Some(n) = chunk_at(r, c.data + c.rounded(), file_len)? else {
                return Ok(a);
            };
            if c.size + n.size + 32 > anmf.size {
                return Ok(a);
            }
            a + vp8(r, n.data, n.size, file_len)? + 4 * fw * fh
        }
        _ => return Ok(0),
    };
    Ok(frame.saturating_add(canvas))
}

/// An ALPH chunk decoded at `w` x `h`.
fn alph<R: Read + Seek>(
    r: &mut R,
    c: Chunk,
    w: u64,
    h: u64,
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    let mut info = [0u8; 1];
    if c.size == 0 || !read_at(r, c.data, &mut info, file_len)? {
        return Ok(0);
    }
    if (info[0] >> 4) & 3 > 1 {
        return Ok(0);
    }
    match info[0] & 3 {
        0 => Ok(w * h),
        1 => {
            let end = c.data.saturating_add(c.size).min(file_len);
            Ok(5 * w * h + lossless(r, c.data + 1, end, w, h, true, budget)?)
        }
        _ => Ok(0),
    }
}

/// What `Vp8Decoder::decode_frame` allocates for the VP8 stream at `at`, `size` bytes long.
fn vp8<R: Read + Seek>(r: &mut R, at: u64, size: u64, file_len: u64) -> Result<u64, Preflight> {
    let stored = size.min(file_len.saturating_sub(at));
    let mut h = [0u8; 10];
    let n = h.len().min(stored as usize);
    if n < 3 || !read_at(r, at, &mut h[..n], file_len)? {
        return Ok(0);
    }
    let tag = u24(&h);
    let first_partition = tag >> 5;
    let keyframe = tag & 1 == 0;
    let mut cost = 64 * KIB;
    let mut header = 3;
    if keyframe {
        if n < 10 || h[3..6] != [0x9d, 0x01, 0x2a] {
            return Ok(0);
        }
        header = 10;
        let w = u64::from(u16::from_le_bytes([h[6], h[7]]) & 0x3FFF);
        let hgt = u64::from(u16::from_le_bytes([h[8], h[9]]) & 0x3FFF);
        let (mbw, mbh) = (w.div_ceil(16), hgt.div_ceil(16));
        // planes + macroblock records (grown one at a time) + top row + borders
        cost += 384 * mbw * mbh + 90 * mbw * mbh + 30 * mbw + w + 20 + 16 * mbw + 64;
    }
    cost += first_partition;
    // The other partitions' sizes follow the first partition (3 bytes for each but the last);
    // their number is coded in the first partition's header.
    let mut first = [0u8; 64];
    let fp = first_partition.min(64).min(stored.saturating_sub(header)) as usize;
    let partitions = if read_at(r, at + header, &mut first[..fp], file_len)? {
        partition_count(&first[..fp], keyframe)
    } else {
        None
    };
    let table = at + header + first_partition;
    let mut sizes = [0u8; 21];
    // Unknown (header cut short): as many as there could be.
    let wanted = 3 * (partitions.unwrap_or(8) - 1);
    let avail = (at + stored).saturating_sub(table).min(wanted as u64) as usize;
    if avail == wanted && avail > 0 && read_at(r, table, &mut sizes[..avail], file_len)? {
        for s in sizes[..avail].chunks_exact(3) {
            cost += u24(s) + 4;
        }
    }
    Ok(cost + 3 * stored)
}

/// The number of DCT partitions a VP8 first partition declares (RFC 6386 9.2-9.5), or `None`
/// when `data` ends before it does.
fn partition_count(data: &[u8], keyframe: bool) -> Option<usize> {
    let mut d = BoolDecoder::new(data);
    if keyframe {
        d.literal(2); // colour space, clamping
    }
    if d.flag() {
        // segmentation
        let update_map = d.flag();
        if d.flag() {
            d.flag();
            for _ in 0..4 {
                d.optional_signed(7);
            }
            for _ in 0..4 {
                d.optional_signed(6);
            }
        }
        if update_map {
            for _ in 0..3 {
                if d.flag() {
                    d.literal(8);
                }
            }
        }
    }
    d.literal(1 + 6 + 3); // filter type, level, sharpness
    if d.flag() && d.flag() {
        for _ in 0..8 {
            d.optional_signed(6);
        }
    }
    let n = 1 << d.literal(2);
    (!d.overrun).then_some(n)
}

/// The VP8 boolean decoder (RFC 6386 section 7), over a short slice; reading past its end
/// sets `overrun`.
struct BoolDecoder<'a> {
    data: &'a [u8],
    pos: usize,
    value: u32,
    range: u32,
    bits: u32,
    overrun: bool,
}

impl<'a> BoolDecoder<'a> {
    fn new(data: &'a [u8]) -> Self {
        let mut d = BoolDecoder {
            data,
            pos: 0,
            value: 0,
            range: 255,
            bits: 0,
            overrun: false,
        };
        d.value = u32::from(d.byte()) << 8 | u32::from(d.byte());
        d
    }
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied();
        self.pos += 1;
        self.overrun |= b.is_none();
        b.unwrap_or(0)
    }
    fn bool(&mut self, prob: u32) -> bool {
        let split = 1 + (((self.range - 1) * prob) >> 8);
        let big = split << 8;
        let bit = self.value >= big;
        if bit {
            self.range -= split;
            self.value -= big;
        } else {
            self.range = split;
        }
        while self.range < 128 {
            self.value <<= 1;
            self.range <<= 1;
            self.bits += 1;
            if self.bits == 8 {
                self.bits = 0;
                self.value |= u32::from(self.byte());
            }
        }
        bit
    }
    fn flag(&mut self) -> bool {
        self.bool(128)
    }
    fn literal(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |v, _| v << 1 | u32::from(self.flag()))
    }
    fn optional_signed(&mut self, n: u32) {
        if self.flag() {
            self.literal(n);
            self.flag();
        }
    }
}

/// Why the lossless walk stopped early.
enum Halt {
    /// The decoder fails here too (end of data, invalid code): nothing more is allocated.
    Fail,
    Out(Preflight),
}

impl From<std::io::Error> for Halt {
    fn from(e: std::io::Error) -> Self {
        Halt::Out(Preflight::Io(e))
    }
}

type W<T> = Result<T, Halt>;

/// What `LosslessDecoder::decode_frame` allocates for the VP8L stream at `at..end` decoded at
/// `w` x `h` (besides the caller's buffer): a sum in decoding order, stopped where the decoder
/// would stop.
fn lossless<R: Read + Seek>(
    r: &mut R,
    at: u64,
    end: u64,
    w: u64,
    h: u64,
    implicit: bool,
    budget: u64,
) -> Result<u64, Preflight> {
    let mut b = Bits {
        r,
        next: at,
        end,
        buf: [0; 512],
        pos: 0,
        len: 0,
        acc: 0,
        n: 0,
    };
    // constants: transform list, temporaries, the colour-indexing row and tables
    let mut total = 64 * KIB + w;
    match frame(&mut b, w, h, implicit, budget, &mut total) {
        Ok(()) | Err(Halt::Fail) => Ok(total),
        Err(Halt::Out(e)) => Err(e),
    }
}

fn subsample(size: u64, bits: u32) -> u64 {
    (size + (1 << bits) - 1) >> bits
}

fn frame<R: Read + Seek>(
    b: &mut Bits<'_, R>,
    w: u64,
    h: u64,
    implicit: bool,
    budget: u64,
    total: &mut u64,
) -> W<()> {
    if !implicit {
        if b.bits(8)? != 0x2f {
            return Err(Halt::Fail);
        }
        let (fw, fh) = (u64::from(b.bits(14)?) + 1, u64::from(b.bits(14)?) + 1);
        if (fw, fh) != (w, h) {
            return Err(Halt::Fail);
        }
        b.bits(1)?;
        if b.bits(3)? != 0 {
            return Err(Halt::Fail);
        }
    }
    let mut xsize = w;
    let mut seen = [false; 4];
    // At most 4 transforms.
    while b.bits(1)? == 1 {
        let t = b.bits(2)? as usize;
        if seen[t] {
            return Err(Halt::Fail);
        }
        seen[t] = true;
        match t {
            0 | 1 => {
                let bits = b.bits(3)? + 2;
                let (bx, by) = (subsample(xsize, bits), subsample(h, bits));
                *total += 4 * bx * by;
                sub_image(b, bx, by, false, total)?;
            }
            3 => {
                let size = u64::from(b.bits(8)?) + 1;
                *total += 4 * size;
                sub_image(b, size, 1, false, total)?;
                let bits = match size {
                    0..=2 => 3,
                    3..=4 => 2,
                    5..=16 => 1,
                    _ => 0,
                };
                xsize = subsample(xsize, bits);
            }
            _ => {}
        }
    }
    // The main image: colour cache, entropy image, then every group's five codes.
    let cache = color_cache(b, total)?;
    let mut groups = 1u64;
    if b.bits(1)? == 1 {
        let bits = b.bits(3)? + 2;
        let (hx, hy) = (subsample(xsize, bits), subsample(h, bits));
        *total += 4 * hx * hy;
        let max = sub_image(b, hx, hy, true, total)?;
        *total += 2 * hx * hy;
        groups = u64::from(max) + 1;
    }
    let alphabets = [280 + cache, 256, 256, 256, 40];
    for g in 0..groups {
        // the group in `Vec<HuffmanCodeGroup>` (5 trees of at most 64 bytes), as it grows
        *total += 3 * 5 * 64;
        for &n in &alphabets {
            let (mem, _) = code(b, n, false)?;
            *total += mem;
        }
        if *total > budget {
            return Err(Halt::Out(Preflight::Refused(format!(
                "the WebP lossless stream declares {groups} Huffman groups; the first {} \
                 alone need {} bytes, over the budget of {budget}",
                g + 1,
                *total
            ))));
        }
    }
    Ok(())
}

/// Reads a colour cache declaration; its size in symbols (0 without a cache).
fn color_cache<R: Read + Seek>(b: &mut Bits<'_, R>, total: &mut u64) -> W<u64> {
    if b.bits(1)? == 0 {
        return Ok(0);
    }
    let bits = b.bits(4)?;
    if !(1..=11).contains(&bits) {
        return Err(Halt::Fail);
    }
    *total += 4 << bits;
    Ok(1 << bits)
}

/// Walks a sub-image (transform, colour table, entropy image) of `xs` x `ys` pixels with a
/// single group of codes; returns the largest `red << 8 | green` of its pixels (the meta codes
/// of an entropy image) when `want_max`.
fn sub_image<R: Read + Seek>(
    b: &mut Bits<'_, R>,
    xs: u64,
    ys: u64,
    want_max: bool,
    total: &mut u64,
) -> W<u32> {
    let cache = color_cache(b, total)?;
    let alphabets = [280 + cache, 256, 256, 256, 40];
    let mut trees: [Tree; 5] = Default::default();
    for (t, &n) in trees.iter_mut().zip(&alphabets) {
        let (mem, tree) = code(b, n, true)?;
        *total += mem + 64;
        *t = tree.unwrap_or_default();
    }
    let [g, red, blue, alpha, dist] = &trees;
    let pixels = xs * ys;
    let mut max = 0u32;
    // All four pixel codes single: the decoder fills the image with one value, no bits read.
    if let (Tree::Single(gs @ 0..=255), Tree::Single(rs), Tree::Single(_), Tree::Single(_)) =
        (g, red, blue, alpha)
    {
        return Ok(u32::from(*rs) << 8 | u32::from(*gs));
    }
    let mut index = 0u64;
    // Each step covers at least one pixel.
    while index < pixels {
        let code = b.decode(g)?;
        if code < 256 {
            let rv = b.decode(red)?;
            b.decode(blue)?;
            b.decode(alpha)?;
            if want_max {
                max = max.max(u32::from(rv) << 8 | u32::from(code));
            }
            index += 1;
        } else if code < 280 {
            let length = b.copy_distance(u32::from(code) - 256)?;
            let d = b.decode(dist)?;
            b.copy_distance(u32::from(d))?;
            if pixels - index < length {
                return Err(Halt::Fail);
            }
            index += length;
        } else {
            if cache == 0 {
                return Err(Halt::Fail);
            }
            index += 1;
        }
    }
    Ok(max)
}

/// A prefix code as the walk needs it.
#[derive(Default)]
enum Tree {
    Single(u16),
    /// Canonical: symbols per length, symbols sorted by (length, symbol).
    Canon {
        count: [u16; 16],
        symbols: Vec<u16>,
    },
    #[default]
    None,
}

const CODE_LENGTH_ORDER: [usize; 19] = [
    17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
];

/// Reads one prefix code of `alphabet` symbols as `read_huffman_code` does. Returns the bytes
/// `HuffmanTree` allocates for it and, if `want_tree`, the code for decoding.
fn code<R: Read + Seek>(
    b: &mut Bits<'_, R>,
    alphabet: u64,
    want_tree: bool,
) -> W<(u64, Option<Tree>)> {
    if b.bits(1)? == 1 {
        // simple code: one or two symbols
        let two = b.bits(1)? == 1;
        let first8 = b.bits(1)?;
        let s0 = b.bits(1 + 7 * first8)? as u16;
        if u64::from(s0) >= alphabet {
            return Err(Halt::Fail);
        }
        if !two {
            return Ok((0, Some(Tree::Single(s0))));
        }
        let s1 = b.bits(8)? as u16;
        if u64::from(s1) >= alphabet {
            return Err(Halt::Fail);
        }
        let mut count = [0u16; 16];
        count[1] = 2;
        return Ok((
            3 * 16 + 2 * 4,
            Some(Tree::Canon {
                count,
                symbols: vec![s0, s1],
            }),
        ));
    }
    // the code-length code
    let mut cl = [0u8; 19];
    let n = 4 + b.bits(4)? as usize;
    for &i in &CODE_LENGTH_ORDER[..n] {
        cl[i] = b.bits(3)? as u8;
    }
    let cl_code = build(&cl, true)?.1.unwrap_or_default();
    let mut max_symbol = alphabet;
    if b.bits(1)? == 1 {
        let nbits = 2 + 2 * b.bits(3)?;
        let mm = u64::from(b.bits(nbits)?);
        if mm > alphabet - 2 {
            return Err(Halt::Fail);
        }
        max_symbol = 2 + mm;
    }
    let mut lengths = vec![0u8; alphabet as usize];
    let mut symbol = 0u64;
    if let Tree::Single(s @ 0..=15) = cl_code {
        // No bits per symbol: the first `max_symbol` lengths are all `s`.
        symbol = max_symbol.min(alphabet);
        lengths[..symbol as usize].fill(s as u8);
    } else {
        let mut prev = 8u8;
        // Each step reads at least one bit or repeats at least 3 symbols.
        while symbol < alphabet && max_symbol > 0 {
            max_symbol -= 1;
            let c = b.decode(&cl_code)?;
            if c < 16 {
                lengths[symbol as usize] = c as u8;
                symbol += 1;
                if c != 0 {
                    prev = c as u8;
                }
            } else {
                let (extra, base) = match c {
                    16 => (2, 3),
                    17 => (3, 3),
                    18 => (7, 11),
                    _ => return Err(Halt::Fail),
                };
                let repeat = u64::from(b.bits(extra)?) + base;
                if symbol + repeat > alphabet {
                    return Err(Halt::Fail);
                }
                let v = if c == 16 { prev } else { 0 };
                lengths[symbol as usize..(symbol + repeat) as usize].fill(v);
                symbol += repeat;
            }
        }
    }
    // Only the first `symbol` lengths can be non-zero.
    build(&lengths[..symbol as usize], want_tree)
}

/// `HuffmanTree::build_implicit`: validity (with its u16 arithmetic), and the bytes it
/// allocates: a table of `4 << min(max_len, 10)` bytes and `2 * (codes longer than 10 bits)`
/// 16-byte tree nodes.
fn build(lengths: &[u8], want_tree: bool) -> W<(u64, Option<Tree>)> {
    let mut count = [0u16; 16];
    let mut last = 0u16;
    for (s, &l) in lengths.iter().enumerate() {
        if l != 0 {
            count[usize::from(l)] += 1;
            last = s as u16;
        }
    }
    let symbols: u32 = count[1..].iter().map(|&c| u32::from(c)).sum();
    match symbols {
        0 => return Err(Halt::Fail),
        1 => return Ok((0, Some(Tree::Single(last)))),
        _ => {}
    }
    let max_len = (1..16).rev().find(|&l| count[l] != 0).unwrap_or(1);
    let mut code = 0u16;
    let mut exact = 0u64;
    for &c in &count[1..=max_len] {
        code = code.wrapping_add(c) << 1;
        exact = (exact + u64::from(c)) << 1;
    }
    if code != 2u16.wrapping_shl(max_len as u32) {
        return Err(Halt::Fail);
    }
    if exact != 2 << max_len {
        // Accepted by the decoder's wrapping arithmetic, yet over-subscribed: garbage that
        // cannot be followed reliably.
        return Err(Halt::Out(Preflight::Refused(
            "a WebP lossless prefix code is over-subscribed".into(),
        )));
    }
    let table_bits = max_len.min(10);
    let long: u64 = count[table_bits + 1..=max_len]
        .iter()
        .map(|&c| u64::from(c))
        .sum();
    let mem = (4u64 << table_bits) + 32 * long;
    if !want_tree {
        return Ok((mem, None));
    }
    let mut offs = [0usize; 16];
    for l in 1..15 {
        offs[l + 1] = offs[l] + usize::from(count[l]);
    }
    let mut sorted = vec![0u16; symbols as usize];
    for (s, &l) in lengths.iter().enumerate() {
        if l != 0 {
            sorted[offs[usize::from(l)]] = s as u16;
            offs[usize::from(l)] += 1;
        }
    }
    Ok((
        mem,
        Some(Tree::Canon {
            count,
            symbols: sorted,
        }),
    ))
}

/// LSB-first bits of `next..end` of the file, through a small buffer.
struct Bits<'a, R> {
    r: &'a mut R,
    next: u64,
    end: u64,
    buf: [u8; 512],
    pos: usize,
    len: usize,
    acc: u64,
    n: u32,
}

impl<R: Read + Seek> Bits<'_, R> {
    fn byte(&mut self) -> W<u8> {
        if self.pos == self.len {
            let want = (self.end.saturating_sub(self.next)).min(self.buf.len() as u64) as usize;
            if want == 0 {
                return Err(Halt::Fail);
            }
            self.r.seek(SeekFrom::Start(self.next))?;
            let got = self.r.read(&mut self.buf[..want])?;
            if got == 0 {
                return Err(Halt::Fail);
            }
            self.next += got as u64;
            self.pos = 0;
            self.len = got;
        }
        self.pos += 1;
        Ok(self.buf[self.pos - 1])
    }

    /// `k` bits (at most 32); `Fail` at the end of the data.
    fn bits(&mut self, k: u32) -> W<u32> {
        while self.n < k {
            let v = self.byte()?;
            self.acc |= u64::from(v) << self.n;
            self.n += 8;
        }
        let v = (self.acc & ((1u64 << k) - 1)) as u32;
        self.acc >>= k;
        self.n -= k;
        Ok(v)
    }

    /// One symbol of `t`, reading its code one bit at a time (puff-style canonical decoding).
    fn decode(&mut self, t: &Tree) -> W<u16> {
        match t {
            Tree::Single(s) => Ok(*s),
            Tree::None => Err(Halt::Fail),
            Tree::Canon { count, symbols } => {
                let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
                for &c in &count[1..] {
                    code |= self.bits(1)? as i32;
                    let c = i32::from(c);
                    if code - first < c {
                        return symbols
                            .get((index + code - first) as usize)
                            .copied()
                            .ok_or(Halt::Fail);
                    }
                    index += c;
                    first = (first + c) << 1;
                    code <<= 1;
                }
                Err(Halt::Fail)
            }
        }
    }

    /// `get_copy_distance`: a length or distance from its prefix symbol and extra bits.
    fn copy_distance(&mut self, prefix: u32) -> W<u64> {
        if prefix < 4 {
            return Ok(u64::from(prefix) + 1);
        }
        let extra = (prefix - 2) >> 1;
        let offset = u64::from(2 + (prefix & 1)) << extra;
        Ok(offset + u64::from(self.bits(extra)?) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const MIB: u64 = 1 << 20;

    fn run(bytes: &[u8], budget: u64) -> Result<u64, String> {
        super::super::outcome(overhead(
            &mut Cursor::new(bytes),
            bytes.len() as u64,
            budget,
        ))
    }

    fn encoded(w: u32, h: u32, alpha: bool) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(w, h, |x, y| {
            image::Rgba([
                (x * 3) as u8,
                (y * 5) as u8,
                (x ^ y) as u8,
                if alpha { x as u8 } else { 255 },
            ])
        });
        let img = if alpha {
            image::DynamicImage::ImageRgba8(img)
        } else {
            image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(img).to_rgb8())
        };
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::WebP).unwrap();
        out.into_inner()
    }

    fn riff(chunks: &[(&[u8; 4], Vec<u8>)]) -> Vec<u8> {
        let mut body = b"WEBP".to_vec();
        for (f, d) in chunks {
            body.extend_from_slice(*f);
            body.extend_from_slice(&(d.len() as u32).to_le_bytes());
            body.extend_from_slice(d);
            if d.len() % 2 == 1 {
                body.push(0);
            }
        }
        let mut v = b"RIFF".to_vec();
        v.extend_from_slice(&(body.len() as u32).to_le_bytes());
        v.extend_from_slice(&body);
        v
    }

    fn vp8x(flags: u8, w: u32, h: u32) -> Vec<u8> {
        let mut d = vec![flags, 0, 0, 0];
        d.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        d.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        d
    }

    /// A VP8 keyframe header of `w` x `h` with a 10-byte first partition.
    fn vp8_frame(w: u16, h: u16) -> Vec<u8> {
        let tag: u32 = 10 << 5 | 1 << 4; // keyframe, shown, partition of 10 bytes
        let mut d = tag.to_le_bytes()[..3].to_vec();
        d.extend_from_slice(&[0x9d, 0x01, 0x2a]);
        d.extend_from_slice(&w.to_le_bytes());
        d.extend_from_slice(&h.to_le_bytes());
        d.extend_from_slice(&[0; 12]);
        d
    }

    #[test]
    fn real_lossless_files() {
        for alpha in [false, true] {
            let webp = encoded(64, 48, alpha);
            let n = run(&webp, 1 << 30).unwrap();
            let rgba = if alpha { 0 } else { 4 * 64 * 48 };
            assert!((rgba..rgba + 4 * MIB).contains(&n), "{n}");
            assert!(image::load_from_memory(&webp).is_ok());
        }
    }

    #[test]
    fn a_huge_vp8_frame_in_a_one_pixel_canvas_is_counted() {
        let webp = riff(&[(b"VP8X", vp8x(0, 1, 1)), (b"VP8 ", vp8_frame(16383, 16383))]);
        let planes = 384 * 1024 * 1024;
        let why = run(&webp, 256 << 20).unwrap_err();
        assert!(why.contains("over the budget"), "{why}");
        let n = run(&webp, u64::MAX).unwrap();
        assert!(n >= planes, "{n}");
    }

    #[test]
    fn simple_lossy_files_count_planes() {
        let webp = riff(&[(b"VP8 ", vp8_frame(1000, 1000))]);
        let n = run(&webp, 1 << 30).unwrap();
        assert!((384 * 63 * 63..384 * 63 * 63 + 2 * MIB).contains(&n), "{n}");
    }

    #[test]
    fn animations_pay_for_the_canvas_and_the_frame() {
        let mut anmf = vec![0u8; 16];
        anmf[6..9].copy_from_slice(&(99u32).to_le_bytes()[..3]); // 100 x 50 frame
        anmf[9..12].copy_from_slice(&(49u32).to_le_bytes()[..3]);
        let frame = vp8_frame(100, 50);
        anmf.extend_from_slice(b"VP8 ");
        anmf.extend_from_slice(&(frame.len() as u32).to_le_bytes());
        anmf.extend_from_slice(&frame);
        let webp = riff(&[
            (b"VP8X", vp8x(0x02, 400, 300)),
            (b"ANIM", vec![0; 6]),
            (b"ANMF", anmf),
        ]);
        let n = run(&webp, 1 << 30).unwrap();
        assert!(n >= 4 * 400 * 300 + 3 * 100 * 50 + 384 * 7 * 4, "{n}");
    }

    /// LSB-first bit writer for hand-made lossless streams.
    struct Writer(Vec<u8>, u32);
    impl Writer {
        fn put(&mut self, v: u32, k: u32) {
            for i in 0..k {
                if self.1 == 0 {
                    self.0.push(0);
                }
                let last = self.0.len() - 1;
                self.0[last] |= (((v >> i) & 1) as u8) << self.1;
                self.1 = (self.1 + 1) % 8;
            }
        }
    }

    /// A VP8L header of `w` x `h`, no transforms, a colour cache of 11 bits, and an entropy
    /// image of one constant pixel naming `groups - 1`, then `groups` groups whose green code
    /// gives 2048 symbols 11 bits each (a 4 KiB table and 4096 tree nodes) and whose others
    /// are single symbols: ~70 KiB per ~6 bytes.
    fn huffman_bomb(w: u32, h: u32, groups: u32) -> Vec<u8> {
        let mut b = Writer(vec![], 0);
        b.put(0x2f, 8);
        b.put(w - 1, 14);
        b.put(h - 1, 14);
        b.put(0, 1);
        b.put(0, 3);
        b.put(0, 1); // no transforms
        b.put(1, 1); // colour cache
        b.put(11, 4);
        b.put(1, 1); // meta codes
        b.put(7, 3); // huffman bits = 9
        b.put(0, 1); // entropy image: no cache
        let single = |b: &mut Writer, s: u32| {
            b.put(1, 1);
            b.put(0, 1);
            b.put(1, 1);
            b.put(s, 8);
        };
        let m = groups - 1;
        single(b.by_ref(), m & 0xFF); // green: low byte
        single(b.by_ref(), m >> 8); // red: high byte
        single(b.by_ref(), 0);
        single(b.by_ref(), 0);
        single(b.by_ref(), 0);
        for _ in 0..groups {
            // green: normal code; code-length code with only symbol 11 (length 1) -> single
            b.put(0, 1);
            b.put(15, 4); // 19 code lengths
            for &i in &CODE_LENGTH_ORDER {
                b.put(if i == 11 { 1 } else { 0 }, 3);
            }
            b.put(1, 1); // max_symbol given
            b.put(5, 3); // length_nbits = 12
            b.put(2046, 12); // max_symbol = 2048
            for _ in 0..4 {
                single(b.by_ref(), 0);
            }
        }
        b.0.extend_from_slice(&[0; 16]);
        b.0
    }

    impl Writer {
        fn by_ref(&mut self) -> &mut Self {
            self
        }
    }

    #[test]
    fn huffman_groups_are_counted_exactly_enough() {
        let stream = huffman_bomb(64, 64, 300);
        let webp = riff(&[(b"VP8L", stream)]);
        let n = run(&webp, u64::MAX).unwrap();
        // each group: a 4 KiB table and 4096 nodes of 16 bytes
        assert!(n >= 300 * (4096 + 4096 * 16), "{n}");
        let why = run(&webp, 4 << 20).unwrap_err();
        assert!(why.contains("300 Huffman groups"), "{why}");
    }

    /// A 64x64 VP8L stream whose entropy image (16x16) is coded with literals, backward
    /// references and colour-cache hits, naming meta code 261 in its first pixel; then 262
    /// groups of single-symbol codes, or with a 256-symbol green code if `big_groups`.
    pub(super) fn entropy_walk_stream(big_groups: bool) -> Vec<u8> {
        let mut b = Writer(vec![], 0);
        b.put(0x2f, 8);
        b.put(63, 14);
        b.put(63, 14);
        b.put(0, 1);
        b.put(0, 3);
        b.put(0, 1); // no transforms
        b.put(0, 1); // no main colour cache
        b.put(1, 1); // meta codes
        b.put(0, 3); // huffman bits 2: a 16x16 entropy image
        b.put(1, 1); // entropy image colour cache of 1 bit: 2 entries
        b.put(1, 4);
        // green (282 symbols): 5 -> "0", 257 -> "10", 280 -> "11"
        b.put(0, 1);
        b.put(1, 4); // 5 code lengths: 17, 18, 0, 1, 2
        for v in [0, 2, 2, 2, 2] {
            b.put(v, 3);
        }
        b.put(0, 1); // all 282 lengths
        // code-length code: 0 = 00, 1 = 01, 2 = 10, 18 = 11 (MSB first)
        let cl = |b: &mut Writer, sym: u32| {
            let code = match sym {
                0 => 0b00,
                1 => 0b01,
                2 => 0b10,
                _ => 0b11,
            };
            b.put(code >> 1, 1);
            b.put(code & 1, 1);
        };
        for _ in 0..5 {
            cl(&mut b, 0);
        }
        cl(&mut b, 1); // symbol 5
        cl(&mut b, 18);
        b.put(138 - 11, 7); // 6..144
        cl(&mut b, 18);
        b.put(113 - 11, 7); // 144..257
        cl(&mut b, 2); // symbol 257
        cl(&mut b, 18);
        b.put(22 - 11, 7); // 258..280
        cl(&mut b, 2); // symbol 280
        cl(&mut b, 0); // symbol 281
        // red: two symbols, 0 and 1
        b.put(1, 1);
        b.put(1, 1);
        b.put(0, 1);
        b.put(0, 1);
        b.put(1, 8);
        let single = |b: &mut Writer, s: u32| {
            b.put(1, 1);
            b.put(0, 1);
            b.put(1, 1);
            b.put(s, 8);
        };
        single(&mut b, 0); // blue
        single(&mut b, 0); // alpha
        single(&mut b, 1); // distance code 2: (1, 0), the previous pixel
        // pixels: literal (green 5, red 1), a copy of 2, a cache hit, then copies of 2
        b.put(0, 1);
        b.put(1, 1);
        b.put(1, 1);
        b.put(0, 1);
        b.put(1, 1);
        b.put(1, 1);
        for _ in 0..126 {
            b.put(1, 1);
            b.put(0, 1);
        }
        for _ in 0..262 {
            if big_groups {
                // green: 256 symbols of 8 bits (a 1 KiB table)
                b.put(0, 1);
                b.put(15, 4);
                for &i in &CODE_LENGTH_ORDER {
                    b.put(if i == 8 { 1 } else { 0 }, 3);
                }
                b.put(1, 1);
                b.put(3, 3);
                b.put(254, 8);
            } else {
                single(&mut b, 0);
            }
            for _ in 0..4 {
                single(&mut b, 0);
            }
        }
        b.0.extend_from_slice(&[0; 16]);
        b.0
    }

    #[test]
    fn the_entropy_image_walk_follows_copies_and_cache_hits() {
        for big in [false, true] {
            let webp = riff(&[(b"VP8L", entropy_walk_stream(big))]);
            let why = run(&webp, 128 << 10).unwrap_err();
            assert!(why.contains("262 Huffman groups"), "{why}");
        }
        // The stream as image-webp sees it: all 262 groups read (the pixels then fail).
        let webp = riff(&[(b"VP8L", entropy_walk_stream(false))]);
        let n = run(&webp, 1 << 30).unwrap();
        assert!(n >= 262 * 3 * 5 * 64, "{n}");
    }

    #[test]
    fn the_partition_count_is_read_from_the_first_partition() {
        // RFC 6386 boolean encoder.
        struct Enc(Vec<u8>, u32, u32, i32);
        impl Enc {
            fn put(&mut self, prob: u32, v: bool) {
                let split = 1 + (((self.1 - 1) * prob) >> 8);
                if v {
                    self.2 = self.2.wrapping_add(split);
                    self.1 -= split;
                } else {
                    self.1 = split;
                }
                while self.1 < 128 {
                    self.1 <<= 1;
                    if self.2 & (1 << 31) != 0 {
                        let mut i = self.0.len();
                        while i > 0 && self.0[i - 1] == 255 {
                            self.0[i - 1] = 0;
                            i -= 1;
                        }
                        if i > 0 {
                            self.0[i - 1] += 1;
                        }
                    }
                    self.2 <<= 1;
                    self.3 -= 1;
                    if self.3 == 0 {
                        self.0.push((self.2 >> 24) as u8);
                        self.2 &= (1 << 24) - 1;
                        self.3 = 8;
                    }
                }
            }
            fn lit(&mut self, v: u32, n: u32) {
                for i in (0..n).rev() {
                    self.put(128, (v >> i) & 1 == 1);
                }
            }
        }
        for log2 in 0..4 {
            for segments in [false, true] {
                let mut e = Enc(vec![], 255, 0, 24);
                e.lit(0, 2);
                e.lit(u32::from(segments), 1);
                if segments {
                    e.lit(1, 1); // update map
                    e.lit(1, 1); // update data
                    e.lit(0, 1);
                    for bits in [7, 7, 7, 7, 6, 6, 6, 6] {
                        e.lit(1, 1);
                        e.lit(5, bits);
                        e.lit(1, 1);
                    }
                    for _ in 0..3 {
                        e.lit(1, 1);
                        e.lit(200, 8);
                    }
                }
                e.lit(0, 10);
                e.lit(1, 1); // loop filter adjustments
                e.lit(1, 1);
                for _ in 0..8 {
                    e.lit(0, 1);
                }
                e.lit(log2, 2);
                for _ in 0..64 {
                    e.put(128, false);
                }
                let n = partition_count(&e.0, true);
                assert_eq!(n, Some(1 << log2), "{log2} {segments}");
                assert_eq!(partition_count(&e.0[..2], true), None);
            }
        }
    }

    #[test]
    fn truncated_and_garbled_files_never_panic() {
        let webp = encoded(40, 30, true);
        for cut in 0..webp.len() {
            let _ = run(&webp[..cut], 1 << 30);
        }
        let mut bad = webp.clone();
        for i in (20..bad.len()).step_by(7) {
            bad[i] ^= 0x5A;
            let _ = run(&bad, 1 << 30);
        }
        assert!(run(b"RIFF\0\0\0\0WEBP", 1 << 20).unwrap() < 1 << 20);
    }
}
