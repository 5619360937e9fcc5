//! PNG: the chunks before the image data, checked for what the `png` crate (0.18) panics on
//! instead of refusing: a palette (PLTE) whose length is not a whole number of RGB entries,
//! or is longer than 256 of them.

use super::{Preflight, read_up_to};
use std::io::{Read, Seek, SeekFrom};

/// Walks the chunks from the signature to the first IDAT (or the end), refusing a malformed
/// PLTE. Nothing is allocated; the walk is bounded by the file's length.
pub(crate) fn check<R: Read + Seek>(r: &mut R, file_len: u64) -> Result<(), Preflight> {
    let mut at = 8u64;
    r.seek(SeekFrom::Start(at))?;
    let mut head = [0u8; 8];
    while at.saturating_add(8) <= file_len {
        if read_up_to(r, &mut head)? < 8 {
            break;
        }
        let len = u64::from(u32::from_be_bytes([head[0], head[1], head[2], head[3]]));
        let kind = &head[4..8];
        if kind == b"IDAT" || kind == b"IEND" {
            break;
        }
        if kind == b"PLTE" && (len == 0 || len % 3 != 0 || len > 3 * 256) {
            return Err(Preflight::Corrupt(format!(
                "its PLTE chunk has {len} bytes, not 1 to 256 RGB entries of 3 bytes"
            )));
        }
        // Data and CRC.
        at = at.saturating_add(12).saturating_add(len);
        r.seek(SeekFrom::Start(at.min(file_len)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn png_with_palette(entries_bytes: usize) -> Vec<u8> {
        let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
        for (kind, data) in [
            (&b"IHDR"[..], vec![0, 0, 0, 1, 0, 0, 0, 1, 8, 3, 0, 0, 0]),
            (b"PLTE", vec![7; entries_bytes]),
            (b"IDAT", vec![0; 4]),
        ] {
            p.extend_from_slice(&(data.len() as u32).to_be_bytes());
            p.extend_from_slice(kind);
            p.extend_from_slice(&data);
            p.extend_from_slice(&[0; 4]);
        }
        p
    }

    #[test]
    fn palettes_must_hold_whole_entries() {
        for (bytes, ok) in [
            (3, true),
            (768, true),
            (49, false),
            (0, false),
            (771, false),
        ] {
            let png = png_with_palette(bytes);
            let result = check(&mut Cursor::new(&png), png.len() as u64);
            assert_eq!(result.is_ok(), ok, "{bytes} bytes");
        }
        // A truncated file is the decoder's to report.
        let png = png_with_palette(3);
        assert!(check(&mut Cursor::new(&png[..20]), 20).is_ok());
    }
}
