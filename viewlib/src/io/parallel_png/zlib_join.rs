//! One zlib stream from strips that `fdeflate` compressed independently, so the strips of one
//! image can be compressed on several cores.
//!
//! `fdeflate` writes each strip as a zlib header, one dynamic-Huffman block with BFINAL set, and
//! the strip's Adler-32. Its only back-references are runs at distance 1 that start inside the
//! strip, so a strip never refers to an earlier one, and joining needs three edits from outside:
//! - clear BFINAL in every strip but the last;
//! - after each of those, end the bit stream on a byte boundary with an empty stored block
//!   (zlib's sync flush), so the next strip's block can start at its first byte. The block
//!   needs the end-of-block code's bit position, which `fdeflate` does not report: its
//!   end-of-block code ends with a 1 bit followed by zero padding, so the last byte's highest
//!   set bit marks it;
//! - combine the strips' Adler-32s.
//!
//! The edits are made in place, so the joined stream is the strips' own buffers in order
//! ([`pieces`]), with no copy. The layout assumptions are checked on every strip and, once per
//! process, by joining and inflating sample strips ([`joining_works`]); where either fails the
//! caller encodes serially.

use std::io;
use std::sync::OnceLock;

const ZLIB_HEADER: [u8; 2] = [0x78, 0x01];
/// Adler-32's modulus.
const ADLER_BASE: u64 = 65_521;

/// One strip's compressed stream, as `fdeflate` wrote it.
pub(crate) struct CompressedStrip {
    zlib: Vec<u8>,
    data_len: u64,
}

impl CompressedStrip {
    /// The deflate blocks between the zlib header and the Adler-32, if the stream has the
    /// layout joining relies on: the zlib header, one dynamic block with BFINAL set, and a
    /// non-zero last byte holding the end-of-block code.
    fn blocks(&self) -> Option<&[u8]> {
        let blocks = self
            .zlib
            .strip_prefix(&ZLIB_HEADER)?
            .get(..self.zlib.len().checked_sub(ZLIB_HEADER.len() + 4)?)?;
        let first = *blocks.first()?;
        let (is_final, block_type) = (first & 1, (first >> 1) & 0b11);
        (is_final == 1 && block_type == 0b10 && blocks.last() != Some(&0)).then_some(blocks)
    }

    fn adler32(&self) -> Option<u32> {
        let tail = self.zlib.last_chunk::<4>()?;
        Some(u32::from_be_bytes(*tail))
    }
}

/// Compresses one strip with `fdeflate`, counting its bytes for the Adler-32 combination.
pub(crate) struct StripCompressor {
    inner: fdeflate::Compressor<Vec<u8>>,
    data_len: u64,
}

impl StripCompressor {
    /// A compressor whose output buffer is reserved for `expected_len` bytes, fallibly.
    pub(crate) fn new(expected_len: usize) -> io::Result<Self> {
        let mut out = Vec::new();
        out.try_reserve(expected_len)
            .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
        Ok(Self {
            inner: fdeflate::Compressor::new(out)?,
            data_len: 0,
        })
    }

    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        self.data_len += data.len() as u64;
        self.inner.write_data(data)
    }

    pub(crate) fn finish(self) -> io::Result<CompressedStrip> {
        Ok(CompressedStrip {
            zlib: self.inner.finish()?,
            data_len: self.data_len,
        })
    }
}

/// Edits the strips in place so that their [`pieces`], in order, form one zlib stream.
/// Returns `false`, leaving every strip as it was, if one does not have the layout joining
/// relies on (or there are none).
pub(crate) fn join(strips: &mut [CompressedStrip]) -> io::Result<bool> {
    let mut adler = 1u32;
    for strip in strips.iter() {
        let (Some(_), Some(strip_adler)) = (strip.blocks(), strip.adler32()) else {
            return Ok(false);
        };
        adler = adler32_combine(adler, strip_adler, strip.data_len);
    }
    let Some((last, init)) = strips.split_last_mut() else {
        return Ok(false);
    };
    for strip in init {
        let zlib = &mut strip.zlib;
        let end = zlib.len() - 4; // the strip's own Adler-32 goes
        let padding_bits = zlib[end - 1].leading_zeros();
        zlib[ZLIB_HEADER.len()] &= !1; // not the final block
        zlib.truncate(end);
        zlib.try_reserve_exact(5)
            .map_err(|e| io::Error::new(io::ErrorKind::OutOfMemory, e))?;
        // The empty stored block: 3 header bits (not final, type 00) in the end-of-block code's
        // padding if they fit there, else in a byte of their own; then LEN 0 and NLEN !0.
        if padding_bits < 3 {
            zlib.push(0);
        }
        zlib.extend_from_slice(&[0x00, 0x00, 0xff, 0xff]);
    }
    let end = last.zlib.len() - 4;
    last.zlib[end..].copy_from_slice(&adler.to_be_bytes());
    Ok(true)
}

/// The joined stream, in pieces that follow each other: the first strip whole, the others
/// without their zlib headers.
pub(crate) fn pieces(strips: &[CompressedStrip]) -> impl Iterator<Item = &[u8]> {
    strips.iter().enumerate().map(|(index, strip)| {
        let skip = if index == 0 { 0 } else { ZLIB_HEADER.len() };
        &strip.zlib[skip..]
    })
}

/// The Adler-32 of `a`'s bytes followed by `b_len` bytes whose Adler-32 is `b` (zlib's
/// `adler32_combine`).
fn adler32_combine(a: u32, b: u32, b_len: u64) -> u32 {
    let (a_sum, a_weighted) = (u64::from(a & 0xffff), u64::from(a >> 16));
    let (b_sum, b_weighted) = (u64::from(b & 0xffff), u64::from(b >> 16));
    let rem = b_len % ADLER_BASE;
    // Every byte of b adds (a_sum - 1) more to the weighted sum than it did alone.
    let sum = (a_sum + b_sum + ADLER_BASE - 1) % ADLER_BASE;
    let weighted = (a_weighted + b_weighted + rem * a_sum + ADLER_BASE - rem) % ADLER_BASE;
    (weighted << 16 | sum) as u32
}

/// Whether joined `fdeflate` strips inflate to what went in, checked once per process on
/// sample strips of every length from 1 to 24 bytes (so the end-of-block code ends at every
/// bit position) and on runs of zeros.
pub(crate) fn joining_works() -> bool {
    static WORKS: OnceLock<bool> = OnceLock::new();
    *WORKS.get_or_init(|| {
        let samples: Vec<Vec<u8>> = (1..=24u8)
            .map(|len| (0..len).map(|i| i.wrapping_mul(37) ^ len).collect())
            .chain([vec![0; 1000], vec![7; 3]])
            .collect();
        round_trips(&samples).unwrap_or(false)
    })
}

fn round_trips(samples: &[Vec<u8>]) -> io::Result<bool> {
    let strips = samples
        .iter()
        .map(|data| {
            let mut strip = StripCompressor::new(data.len())?;
            strip.write(data)?;
            strip.finish()
        })
        .collect::<io::Result<Vec<_>>>()?;
    let mut strips = strips;
    if !join(&mut strips)? {
        return Ok(false);
    }
    let joined = pieces(&strips).collect::<Vec<_>>().concat();
    Ok(fdeflate::decompress_to_vec(&joined).is_ok_and(|data| data == samples.concat()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn naive_adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u64, 0u64);
        for &byte in data {
            a = (a + u64::from(byte)) % ADLER_BASE;
            b = (b + a) % ADLER_BASE;
        }
        (b << 16 | a) as u32
    }

    fn strip(data: &[u8]) -> CompressedStrip {
        let mut s = StripCompressor::new(0).unwrap();
        // Written in two pieces, as rows are.
        let (head, tail) = data.split_at(data.len() / 3);
        s.write(head).unwrap();
        s.write(tail).unwrap();
        s.finish().unwrap()
    }

    fn inflate_with_miniz(zlib: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(zlib)
            .read_to_end(&mut out)
            .expect("miniz inflates the joined stream");
        out
    }

    #[test]
    fn adler32_combine_matches_the_checksum_of_the_concatenation() {
        let data: Vec<u8> = (0..200_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
            .collect();
        for split in [
            0, 1, 2, 100, 65_520, 65_521, 65_522, 131_043, 199_999, 200_000,
        ] {
            let (a, b) = data.split_at(split);
            let combined = adler32_combine(naive_adler32(a), naive_adler32(b), b.len() as u64);
            assert_eq!(combined, naive_adler32(&data), "split at {split}");
        }
        // 255s make the sums wrap the modulus quickly.
        let ones = vec![255u8; 300_000];
        let (a, b) = ones.split_at(123_457);
        let combined = adler32_combine(naive_adler32(a), naive_adler32(b), b.len() as u64);
        assert_eq!(combined, naive_adler32(&ones));
    }

    #[test]
    fn joined_strips_inflate_with_fdeflate_and_miniz_at_every_end_bit_position() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut padding_seen = [false; 8];
        for round in 0..200 {
            let count = 1 + round % 7;
            let samples: Vec<Vec<u8>> = (0..count)
                .map(|_| {
                    let len = (next() % 700) as usize;
                    let zeros = next() % 3 == 0;
                    (0..len)
                        .map(|_| {
                            if zeros && next() % 4 != 0 {
                                0
                            } else {
                                (next() >> 56) as u8
                            }
                        })
                        .collect()
                })
                .collect();
            let mut strips: Vec<_> = samples.iter().map(|s| strip(s)).collect();
            for (s, data) in strips.iter().zip(&samples) {
                let blocks = s.blocks().expect("fdeflate's layout");
                padding_seen[blocks.last().unwrap().leading_zeros() as usize] = true;
                assert_eq!(s.adler32().unwrap(), naive_adler32(data));
            }
            assert!(join(&mut strips).unwrap(), "joinable");
            let joined = pieces(&strips).collect::<Vec<_>>().concat();
            let whole = samples.concat();
            assert_eq!(fdeflate::decompress_to_vec(&joined).unwrap(), whole);
            assert_eq!(inflate_with_miniz(&joined), whole);
            assert_eq!(
                joined.last_chunk::<4>().unwrap(),
                &naive_adler32(&whole).to_be_bytes()
            );
        }
        assert_eq!(
            padding_seen, [true; 8],
            "the end-of-block code ended at every bit"
        );
    }

    #[test]
    fn a_single_strip_joins_to_fdeflates_own_stream() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let alone = strip(&data).zlib;
        let mut strips = [strip(&data)];
        assert!(join(&mut strips).unwrap());
        assert_eq!(pieces(&strips).collect::<Vec<_>>(), [&alone[..]]);
    }

    #[test]
    fn unexpected_layouts_are_refused_not_joined() {
        let mut odd = strip(b"some bytes");
        odd.zlib[2] &= !1; // BFINAL cleared: not the layout joining relies on
        let mut strips = [strip(b"good"), odd];
        let before: Vec<Vec<u8>> = strips.iter().map(|s| s.zlib.clone()).collect();
        assert!(!join(&mut strips).unwrap());
        let after: Vec<Vec<u8>> = strips.iter().map(|s| s.zlib.clone()).collect();
        assert_eq!(after, before, "left as they were");
        assert!(!join(&mut []).unwrap());
        let short = CompressedStrip {
            zlib: vec![0x78, 0x01, 1],
            data_len: 0,
        };
        assert!(short.blocks().is_none());
    }

    #[test]
    fn the_self_check_passes_on_this_fdeflate() {
        assert!(joining_works());
    }
}
