//! JPEG preflight: what zune-jpeg 0.5.15 (through `image` 0.25.10) allocates beyond the output.
//!
//! The markers are walked exactly as `zune_jpeg::JpegDecoder::decode_headers` walks them, up to
//! the first SOS:
//!
//! - only SOF0, SOF1 and SOF2 declare a frame to zune; every other SOFn, like APPn, COM, DQT,
//!   DHT, RSTn and unknown markers, is skipped by its length (a later SOF replaces an earlier
//!   one; SOF2 makes the decode progressive for good);
//! - DAC, DNL and EOI before the first SOS end the header walk with an error, so nothing large
//!   is allocated;
//! - fill bytes: `FF FF .. FF xx` is the marker `xx`; `FF 00 .. xx` is not a marker at all
//!   (zune's quirk, mirrored so the walk cannot be steered elsewhere).
//!
//! What decoding allocates besides the caller's buffer:
//!
//! - `JpegDecoder::new` reads the whole file into a `Vec` (up to twice its length while it
//!   grows), and each `decode_headers` (there are two) copies the EXIF, XMP, ICC and IPTC
//!   segments: at most the file again. Bound: `3 * file_len`.
//! - i16 coefficient planes, `64 * Hc * Vc * mcu_x * mcu_y` per component (first 4 components)
//!   when the frame is progressive (SOF2) or when the first scan does not cover every frame
//!   component (`zune-jpeg` `mcu_prog.rs` 101-106, `mcu.rs` 173-185).
//! - per-component row buffers of `width_stride = 8 * Hmax * mcu_x` samples: `raw_coeff`
//!   (`8 * Vc` rows, doubled by the H upsampler's resize), `row`/`row_up`, the upsampler
//!   destinations (`Vc * S` and `16 * S` rows, `S = Hmax * Vmax`) and scratch (`components.rs`
//!   190-197, `worker.rs` 508-511): `2 * ws * (26 * Vmax + Vmax * S + 16 * S + 8)` bytes each.
//! - Huffman and quantisation tables and the like: under 64 KiB.

use super::Preflight;
use std::io::{Read, Seek, SeekFrom};

/// Bytes for tables, the decoder struct and other small allocations.
const SMALL: u64 = 64 << 10;

/// The headers up to the first SOS, as zune-jpeg sees them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct JpegFrame {
    /// Width and height of the last SOF0/1/2 before the first SOS.
    pub(crate) width: u16,
    pub(crate) height: u16,
    /// Components declared by that SOF (zune accepts 1 to 4).
    pub(crate) components: u8,
    /// (H, V) sampling factors of the first 4 components.
    pub(crate) sampling: [(u8, u8); 4],
    /// An SOF2 was seen: zune decodes progressively.
    pub(crate) progressive: bool,
    /// Components in the first SOS, if one was reached.
    pub(crate) first_scan_components: Option<u8>,
}

/// An upper bound of what decoding the file through `image` allocates beyond the output buffer.
pub(crate) fn overhead<R: Read + Seek>(
    r: &mut R,
    file_len: u64,
    budget: u64,
) -> Result<u64, Preflight> {
    r.seek(SeekFrom::Start(0))?;
    let input = file_len.saturating_mul(3).saturating_add(SMALL);
    // Without a frame, zune fails before it allocates anything sized by the image.
    let Some(frame) = scan(r, file_len)? else {
        return Ok(input);
    };
    let decode = decode_overhead(&frame)?;
    let total = input.saturating_add(decode);
    if decode > budget {
        return Err(Preflight::Refused(format!(
            "JPEG {}x{} ({} components{}) needs {decode} bytes of decoder buffers, over the \
             budget of {budget}",
            frame.width,
            frame.height,
            frame.components,
            if frame.progressive {
                ", progressive"
            } else {
                ""
            },
        )));
    }
    Ok(total)
}

/// Bytes zune-jpeg allocates for `frame` besides its output and its input: coefficient planes
/// (when needed), row buffers and tables. `Refused` only on arithmetic overflow, which cannot
/// happen for 16-bit dimensions and factors up to 4.
pub(crate) fn decode_overhead(frame: &JpegFrame) -> Result<u64, Preflight> {
    let n = usize::from(frame.components.min(4));
    let comps = &frame.sampling[..n];
    let hmax = u64::from(comps.iter().map(|c| c.0).max().unwrap_or(1).max(1));
    let vmax = u64::from(comps.iter().map(|c| c.1).max().unwrap_or(1).max(1));
    let (w, h) = (u64::from(frame.width), u64::from(frame.height));
    let mcu_x = w.div_ceil(8 * hmax);
    let mcu_y = h.div_ceil(8 * vmax);
    // zune stretches the MCU rows by Vmax/Hmax when it converts to one output component
    // (`mcu_prog.rs` 82-99); `image` never asks for that, but it costs nothing to cover.
    let mcu_y_eff = mcu_y.max((mcu_y * vmax).div_ceil(hmax));
    let all_in_first_scan = frame.first_scan_components == Some(frame.components);
    let mut planes = 0u64;
    if frame.progressive || !all_in_first_scan {
        for &(hc, vc) in comps {
            planes = planes.saturating_add(
                128 * u64::from(hc) * u64::from(vc) * mcu_x * mcu_y_eff, // i16 = 2 bytes
            );
        }
    }
    let ws = 8 * hmax * mcu_x;
    let s = hmax * vmax;
    let rows = 2 * n as u64 * ws * (26 * vmax + vmax * s + 16 * s + 8);
    Ok(planes.saturating_add(rows).saturating_add(SMALL))
}

/// Walks the markers from SOI to the first SOS as zune-jpeg does. `None`: no frame was declared
/// (or the SOF is one zune rejects), so zune fails without large allocations. At most `limit`
/// bytes are read.
pub(crate) fn scan<R: Read + Seek>(r: &mut R, limit: u64) -> Result<Option<JpegFrame>, Preflight> {
    let mut s = Bytes::new(r, limit);
    if s.u16()? != Some(0xFFD8) {
        return Ok(None);
    }
    let mut frame: Option<JpegFrame> = None;
    let mut progressive = false;
    let mut last = 0u8;
    // Every iteration consumes at least one byte, so the loop ends within `limit` bytes.
    loop {
        let Some(mut m) = s.u8()? else {
            return Ok(None); // no SOS: zune fails
        };
        if (m == 0xFF || m == 0) && last == 0xFF {
            while m == 0xFF || m == 0 {
                last = m;
                m = match s.u8()? {
                    Some(b) => b,
                    None => return Ok(None),
                };
            }
        }
        if last == 0xFF {
            match m {
                0xC0..=0xC2 => {
                    match read_sof(&mut s)? {
                        Some(mut f) => {
                            progressive |= m == 0xC2;
                            f.progressive = progressive;
                            frame = Some(f);
                        }
                        None => return Ok(None), // zune rejects this SOF
                    }
                }
                0xDA => {
                    let (Some(_len), Some(ns)) = (s.u16()?, s.u8()?) else {
                        return Ok(None);
                    };
                    return Ok(frame.map(|mut f| {
                        f.first_scan_components = Some(ns);
                        f.progressive = progressive;
                        f
                    }));
                }
                // Premature EOI, arithmetic coding tables, DNL: zune stops with an error.
                0xD9 | 0xCC | 0xDC => return Ok(None),
                0xDD => {
                    if s.u16()? != Some(4) {
                        return Ok(None);
                    }
                    if s.u16()?.is_none() {
                        return Ok(None);
                    }
                }
                _ => {
                    let Some(len) = s.u16()? else { return Ok(None) };
                    if len < 2 {
                        return Ok(None);
                    }
                    if !s.skip(u64::from(len - 2))? {
                        return Ok(None);
                    }
                }
            }
        }
        last = m;
    }
}

/// Parses an SOF segment after its marker; `None` where zune-jpeg rejects it
/// (`headers.rs` `parse_start_of_frame`, `components.rs` `Components::from`).
fn read_sof<R: Read + Seek>(s: &mut Bytes<'_, R>) -> Result<Option<JpegFrame>, Preflight> {
    let mut head = [0u8; 8];
    if !s.exact(&mut head)? {
        return Ok(None);
    }
    let len = u16::from_be_bytes([head[0], head[1]]);
    let height = u16::from_be_bytes([head[3], head[4]]);
    let width = u16::from_be_bytes([head[5], head[6]]);
    let n = head[7];
    if width == 0 || height == 0 || n == 0 || len != 8 + 3 * u16::from(n) || n > 4 {
        return Ok(None);
    }
    let mut f = JpegFrame {
        width,
        height,
        components: n,
        ..JpegFrame::default()
    };
    for i in 0..usize::from(n) {
        let mut c = [0u8; 3];
        if !s.exact(&mut c)? {
            return Ok(None);
        }
        let (hs, vs) = (c[1] >> 4, c[1] & 15);
        if hs > 4 || vs > 4 || !hs.is_power_of_two() || vs == 0 || c[2] >= 4 {
            return Ok(None);
        }
        f.sampling[i] = (hs, vs);
    }
    Ok(Some(f))
}

/// Big-endian reads through a small buffer, at most `limit` bytes from the start.
struct Bytes<'a, R> {
    r: &'a mut R,
    buf: [u8; 512],
    pos: usize,
    len: usize,
    left: u64,
}

impl<'a, R: Read + Seek> Bytes<'a, R> {
    fn new(r: &'a mut R, limit: u64) -> Self {
        Bytes {
            r,
            buf: [0; 512],
            pos: 0,
            len: 0,
            left: limit,
        }
    }

    /// Next byte; `None` at the end of the stream or of the limit.
    fn u8(&mut self) -> Result<Option<u8>, Preflight> {
        if self.pos == self.len {
            let want = self
                .buf
                .len()
                .min(usize::try_from(self.left).unwrap_or(usize::MAX));
            if want == 0 {
                return Ok(None);
            }
            let n = loop {
                match self.r.read(&mut self.buf[..want]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e.into()),
                }
            };
            if n == 0 {
                return Ok(None);
            }
            self.left -= n as u64;
            self.pos = 0;
            self.len = n;
        }
        self.pos += 1;
        Ok(Some(self.buf[self.pos - 1]))
    }

    fn u16(&mut self) -> Result<Option<u16>, Preflight> {
        let (Some(a), Some(b)) = (self.u8()?, self.u8()?) else {
            return Ok(None);
        };
        Ok(Some(u16::from_be_bytes([a, b])))
    }

    /// `false` when the stream ends first.
    fn exact(&mut self, out: &mut [u8]) -> Result<bool, Preflight> {
        for b in out {
            match self.u8()? {
                Some(v) => *b = v,
                None => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Skips `n` bytes, seeking past whatever is not buffered; `false` when the stream or the
    /// limit ends first.
    fn skip(&mut self, n: u64) -> Result<bool, Preflight> {
        let buffered = (self.len - self.pos) as u64;
        if n <= buffered {
            self.pos += n as usize;
            return Ok(true);
        }
        let rest = n - buffered;
        self.pos = self.len;
        if rest > self.left {
            return Ok(false);
        }
        let here = self.r.stream_position()?;
        let end = self.r.seek(SeekFrom::End(0))?;
        let Some(target) = here.checked_add(rest).filter(|&t| t <= end) else {
            return Ok(false);
        };
        self.r.seek(SeekFrom::Start(target))?;
        self.left -= rest;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Width and height of the frame zune-jpeg would decode (the last SOF0/1/2 before the
    /// first SOS), from [`scan`].
    fn frame_size<R: Read + Seek>(r: &mut R) -> Result<Option<(u32, u32)>, Preflight> {
        Ok(scan(r, u64::MAX)?.map(|f| (u32::from(f.width), u32::from(f.height))))
    }
    use std::io::Cursor;

    fn run(bytes: &[u8], budget: u64) -> Result<u64, String> {
        super::super::outcome(overhead(
            &mut Cursor::new(bytes),
            bytes.len() as u64,
            budget,
        ))
    }

    fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(body);
    }

    /// SOI, DQT, an SOF of `kind`, DHT, an SOS naming `scan` components, a few data bytes.
    fn crafted(kind: u8, w: u16, h: u16, comps: &[(u8, u8)], scan: u8) -> Vec<u8> {
        let mut v = vec![0xFF, 0xD8];
        segment(&mut v, 0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        let mut dqt = vec![0u8];
        dqt.extend_from_slice(&[1u8; 64]);
        segment(&mut v, 0xDB, &dqt);
        let mut sof = vec![8];
        sof.extend_from_slice(&h.to_be_bytes());
        sof.extend_from_slice(&w.to_be_bytes());
        sof.push(comps.len() as u8);
        for (i, &(hs, vs)) in comps.iter().enumerate() {
            sof.extend_from_slice(&[i as u8 + 1, hs << 4 | vs, 0]);
        }
        segment(&mut v, kind, &sof);
        let mut dht = vec![0u8, 1];
        dht.extend_from_slice(&[0u8; 15]);
        dht.push(0);
        segment(&mut v, 0xC4, &dht);
        let mut sos = vec![scan];
        for i in 0..scan {
            sos.extend_from_slice(&[i + 1, 0]);
        }
        sos.extend_from_slice(&[0, 0, 0]);
        segment(&mut v, 0xDA, &sos);
        v.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
        v
    }

    fn encoded(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    #[test]
    fn a_baseline_file_needs_little_more_than_its_input() {
        let jpg = encoded(64, 48);
        let frame = scan(&mut Cursor::new(&jpg), u64::MAX)
            .ok()
            .flatten()
            .unwrap();
        assert_eq!((frame.width, frame.height, frame.components), (64, 48, 3));
        assert!(!frame.progressive);
        assert_eq!(frame.first_scan_components, Some(3));
        assert_eq!(
            frame_size(&mut Cursor::new(&jpg)).ok().flatten(),
            Some((64, 48))
        );
        let n = run(&jpg, 1 << 30).unwrap();
        let input = 3 * jpg.len() as u64;
        assert!((input..input + (1 << 20)).contains(&n), "{n}");
    }

    #[test]
    fn the_bound_covers_what_decoding_really_needs() {
        // Peak bookkeeping is done by the dev crate; here: decoding succeeds and the bound is
        // at least the input copy.
        let jpg = encoded(300, 200);
        let img = image::load_from_memory(&jpg).unwrap();
        assert_eq!((img.width(), img.height()), (300, 200));
        assert!(run(&jpg, 1 << 30).unwrap() >= 2 * jpg.len() as u64);
    }

    #[test]
    fn progressive_frames_pay_for_coefficient_planes() {
        for comps in [&[(1, 1), (1, 1), (1, 1)][..], &[(1, 1); 4][..]] {
            let jpg = crafted(0xC2, 16000, 16000, comps, 1);
            let n = run(&jpg, u64::MAX).unwrap();
            let planes = 2 * comps.len() as u64 * 16000 * 16000;
            assert!(n >= planes, "{n} < {planes}");
            // And a modest budget refuses it.
            let why = run(&jpg, 1 << 30).unwrap_err();
            assert!(
                why.contains("16000x16000") && why.contains("progressive"),
                "{why}"
            );
        }
    }

    #[test]
    fn subsampled_progressive_planes_follow_the_mcu_grid() {
        // 4:2:0: Y is 2x2, Cb and Cr 1x1; MCUs of 16x16.
        let jpg = crafted(0xC2, 1000, 1000, &[(2, 2), (1, 1), (1, 1)], 1);
        let f = scan(&mut Cursor::new(&jpg), u64::MAX)
            .ok()
            .flatten()
            .unwrap();
        let mcus = 63 * 63; // ceil(1000 / 16)
        let planes = 128 * (4 + 1 + 1) * mcus;
        let d = decode_overhead(&f).ok().unwrap();
        assert!(d >= planes && d < planes + (4 << 20), "{d}");
    }

    #[test]
    fn a_first_scan_without_every_component_needs_planes_too() {
        let seq = crafted(0xC0, 4000, 3000, &[(1, 1); 3], 3);
        let split = crafted(0xC0, 4000, 3000, &[(1, 1); 3], 1);
        let a = run(&seq, u64::MAX).unwrap();
        let b = run(&split, u64::MAX).unwrap();
        assert!(a < 16 << 20, "{a}");
        assert!(b >= 2 * 3 * 4000 * 3000, "{b}");
    }

    #[test]
    fn other_sof_types_are_skipped_like_zune_does() {
        // SOF9 (arithmetic) is not a frame to zune: no frame, only the input bound.
        let jpg = crafted(0xC9, 16000, 16000, &[(1, 1); 3], 1);
        assert_eq!(scan(&mut Cursor::new(&jpg), u64::MAX).ok().flatten(), None);
        assert!(run(&jpg, 1 << 20).unwrap() < 1 << 20);
    }

    #[test]
    fn fill_bytes_and_garbage_do_not_confuse_the_walk() {
        let mut jpg = crafted(0xC2, 5000, 5000, &[(1, 1)], 1);
        // Extra fill bytes before the SOF marker: FF FF FF C2 is still SOF2.
        let at = jpg.windows(2).position(|p| p == [0xFF, 0xC2]).unwrap();
        jpg.splice(at..at, [0xFF, 0xFF]);
        let f = scan(&mut Cursor::new(&jpg), u64::MAX)
            .ok()
            .flatten()
            .unwrap();
        assert_eq!((f.width, f.height, f.progressive), (5000, 5000, true));
        // Truncated anywhere: never an error, never more than the input bound plus tables.
        for cut in 0..jpg.len() {
            let part = &jpg[..cut];
            assert!(run(part, 1 << 40).is_ok());
        }
        assert!(run(b"not a jpeg", 1 << 20).unwrap() < 1 << 20);
    }

    #[test]
    fn a_later_sof_replaces_an_earlier_one() {
        let mut jpg = crafted(0xC0, 10, 10, &[(1, 1)], 1);
        let second = crafted(0xC0, 3000, 2000, &[(1, 1)], 1);
        let sof = second.windows(2).position(|p| p == [0xFF, 0xC0]).unwrap();
        let sof_end = sof + 2 + 11;
        let at = jpg.windows(2).position(|p| p == [0xFF, 0xDA]).unwrap();
        jpg.splice(at..at, second[sof..sof_end].iter().copied());
        assert_eq!(
            frame_size(&mut Cursor::new(&jpg)).ok().flatten(),
            Some((3000, 2000))
        );
    }
}
