//! Writing a view in a chosen file format, converted to what that format can hold.
//!
//! [`save`](super::save) picks the format from the extension and leaves the `image` crate's
//! encoders to refuse what a format cannot hold. A batch converting a folder to JPEG wants the
//! opposite: every image written, alpha dropped and 16 bits narrowed where the format has
//! neither. [`OutputFormat::stored_as`] states that rule once; [`save_pending_as`] applies it.

use super::atomic::write_pending;
use super::save::{PngSample, SaveOptions, write_png};
use super::{FileErrorKind, ImageFileError, PendingFile};
use crate::View;
use image::{ExtendedColorType, ImageEncoder, ImageFormat};
use std::io::{Seek, Write};
use std::path::Path;

/// A file format [`save_pending_as`] writes, with its setting where it has one.
///
/// ```
/// use viewlib::io::OutputFormat;
/// assert_eq!(OutputFormat::Jpeg { quality: 90 }.extension(), "jpg");
/// assert_eq!(OutputFormat::Tiff.name(), "TIFF");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OutputFormat {
    /// PNG at [`SaveOptions::compression`]: 8 and 16 bits, gray or RGB, with or without alpha.
    Png,
    /// Baseline JPEG at `quality` (1 to 100): 8-bit gray or RGB.
    Jpeg {
        /// 1 (smallest) to 100 (best).
        quality: u8,
    },
    /// Lossless WebP (the `image` crate has no lossy WebP encoder): 8-bit RGB or RGBA.
    WebP,
    /// TIFF: 8 and 16 bits, gray, RGB or RGBA (no gray with alpha).
    Tiff,
    /// BMP: 8-bit RGB or RGBA.
    Bmp,
    /// TGA: 8-bit, gray or RGB, with or without alpha.
    Tga,
    /// QOI: 8-bit RGB or RGBA.
    Qoi,
    /// Binary PPM (`P6`): 8 or 16-bit RGB.
    Ppm,
    /// Binary PGM (`P5`): 8 or 16-bit gray.
    Pgm,
}

/// How an image is stored in a file: channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA) and bits
/// per sample (8 or 16).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoredLayout {
    /// 1 to 4.
    pub channels: usize,
    /// 8 or 16.
    pub bit_depth: u8,
}

impl OutputFormat {
    /// The file extension outputs get, without the dot.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Jpeg { .. } => "jpg",
            OutputFormat::WebP => "webp",
            OutputFormat::Tiff => "tiff",
            OutputFormat::Bmp => "bmp",
            OutputFormat::Tga => "tga",
            OutputFormat::Qoi => "qoi",
            OutputFormat::Ppm => "ppm",
            OutputFormat::Pgm => "pgm",
        }
    }

    /// The format's usual name, for messages.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Png => "PNG",
            OutputFormat::Jpeg { .. } => "JPEG",
            OutputFormat::WebP => "WebP",
            OutputFormat::Tiff => "TIFF",
            OutputFormat::Bmp => "BMP",
            OutputFormat::Tga => "TGA",
            OutputFormat::Qoi => "QOI",
            OutputFormat::Ppm => "PPM",
            OutputFormat::Pgm => "PGM",
        }
    }

    /// Whether the format stores 16-bit samples.
    fn has_16_bits(self) -> bool {
        matches!(
            self,
            OutputFormat::Png | OutputFormat::Tiff | OutputFormat::Ppm | OutputFormat::Pgm
        )
    }

    /// The channel counts the format stores (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
    fn channel_counts(self) -> &'static [usize] {
        match self {
            OutputFormat::Png | OutputFormat::Tga => &[1, 2, 3, 4],
            OutputFormat::Jpeg { .. } => &[1, 3],
            OutputFormat::Tiff => &[1, 3, 4],
            // Lossless WebP has no gray, and `image` reads a gray BMP (a gray palette) back
            // as RGB: stated as what a reader gets.
            OutputFormat::WebP | OutputFormat::Bmp | OutputFormat::Qoi => &[3, 4],
            OutputFormat::Ppm => &[3],
            OutputFormat::Pgm => &[1],
        }
    }

    /// What an image of `channels` channels and `bit_depth`-bit samples is stored as: as it is
    /// where the format holds it; else 16 bits become 8, gray becomes RGB, and alpha is kept
    /// where the format has it and dropped where it has none. `None` for an image the format
    /// cannot take without choosing how to make it gray (colour as PGM), or that is not 1 to
    /// 4 channels of 8 or 16 bits.
    ///
    /// ```
    /// use viewlib::io::{OutputFormat, StoredLayout};
    /// let stored = |format: OutputFormat, channels, bit_depth| {
    ///     format.stored_as(channels, bit_depth).map(|s| (s.channels, s.bit_depth))
    /// };
    /// let jpeg = OutputFormat::Jpeg { quality: 90 };
    /// assert_eq!(stored(jpeg, 4, 16), Some((3, 8))); // RGBA 16-bit: alpha dropped, 8 bits
    /// assert_eq!(stored(OutputFormat::Tiff, 2, 16), Some((4, 16))); // gray+alpha as RGBA
    /// assert_eq!(stored(OutputFormat::Ppm, 2, 8), Some((3, 8))); // gray as RGB, no alpha
    /// assert_eq!(stored(OutputFormat::Png, 2, 16), Some((2, 16))); // PNG holds everything
    /// assert_eq!(stored(OutputFormat::Pgm, 3, 8), None); // which gray? not guessed
    /// ```
    #[must_use]
    pub fn stored_as(self, channels: usize, bit_depth: u8) -> Option<StoredLayout> {
        if !(1..=4).contains(&channels) || !matches!(bit_depth, 8 | 16) {
            return None;
        }
        let bit_depth = if self.has_16_bits() { bit_depth } else { 8 };
        let has_alpha = channels.is_multiple_of(2);
        let is_gray = channels <= 2;
        // As it is, else gray as RGB (keeping alpha), else without alpha, else that as RGB:
        // gray as RGB loses nothing, dropping alpha does. Colour never becomes gray.
        let candidates = [
            channels,
            if has_alpha { 4 } else { 3 },
            if is_gray { 1 } else { 3 },
            3,
        ];
        candidates
            .into_iter()
            .find(|c| self.channel_counts().contains(c))
            .map(|channels| StoredLayout {
                channels,
                bit_depth,
            })
    }

    /// Bytes [`save_pending_as`] may allocate beside the view for a `shape` image of
    /// `bit_depth`-bit samples in a format other than PNG: the converted copy and about as
    /// much again for the encoder, plus 1 MiB. (PNG's depend on the view's layout; see
    /// [`write_png`].) `None` where [`stored_as`](Self::stored_as) is.
    ///
    /// ```
    /// use viewlib::io::OutputFormat;
    /// // 100x100 RGBA 16-bit as JPEG: 8-bit RGB, 30,000 bytes, twice, and 1 MiB.
    /// let bytes = OutputFormat::Jpeg { quality: 90 }.working_bytes([100, 100, 4], 16);
    /// assert_eq!(bytes, Some(60_000 + (1 << 20)));
    /// ```
    #[must_use]
    pub fn working_bytes(self, shape: [usize; 3], bit_depth: u8) -> Option<u64> {
        let stored = self.stored_as(shape[2], bit_depth)?;
        let bytes = (shape[0] as u64)
            .saturating_mul(shape[1] as u64)
            .saturating_mul(stored.channels as u64)
            .saturating_mul(u64::from(stored.bit_depth / 8));
        Some(bytes.saturating_mul(2).saturating_add(1 << 20))
    }
}

/// Encodes `view` as `format` into a temporary file beside `path`, to be put in place by
/// [`PendingFile::commit`]. What the format cannot hold is converted first, as
/// [`OutputFormat::stored_as`] says: 16-bit samples are rounded to 8 bits, alpha is dropped,
/// gray is copied to R, G and B. An image the format cannot take is
/// [`FileErrorKind::Unsupported`], and nothing is written.
///
/// ```
/// use viewlib::io::{load, save_pending_as, OutputFormat, SaveOptions};
/// let dir = tempfile::tempdir()?;
/// let rgba: Vec<u16> = (0..4 * 4 * 4).map(|i| i * 1000).collect();
/// let view = viewlib::View::from_slice(&rgba, [4, 4, 4])?;
/// let path = dir.path().join("small.ppm");
/// save_pending_as(&path, view, OutputFormat::Ppm, &SaveOptions::default())?.commit()?;
/// let viewlib::DynImageBuf::U16(back) = load(&path)? else { unreachable!() };
/// assert_eq!(back.shape(), [4, 4, 3]); // 16 bits kept, alpha dropped
/// assert_eq!(back.as_slice()[..4], [0, 1000, 2000, 4000]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_pending_as<T: PngSample>(
    path: impl AsRef<Path>,
    view: View<'_, T, 3>,
    format: OutputFormat,
    options: &SaveOptions,
) -> Result<PendingFile, ImageFileError>
where
    T::Value: Into<u16>,
{
    let path = path.as_ref();
    let [height, width, channels] = view.shape();
    let stored = format
        .stored_as(channels, T::BIT_DEPTH)
        .ok_or_else(|| FileErrorKind::Unsupported {
            what: format!("a {channels}-channel image of {}-bit samples", T::BIT_DEPTH),
            format: if format == OutputFormat::Pgm {
                "PGM, which holds gray images only".into()
            } else {
                format.name().into()
            },
        })
        .map_err(|kind| ImageFileError::new(path, kind))?;
    if format == OutputFormat::Png {
        return write_pending(path, options.overwrite, |w| {
            write_png(w, view, options.compression)
        });
    }
    let unsupported = |what: String| FileErrorKind::Unsupported {
        what,
        format: format.name().into(),
    };
    let (Ok(w), Ok(h)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(ImageFileError::new(
            path,
            unsupported(format!("a {width}x{height} image")),
        ));
    };
    if w == 0 || h == 0 {
        return Err(ImageFileError::new(
            path,
            unsupported(format!("a {width}x{height} image")),
        ));
    }
    let big_endian = matches!(format, OutputFormat::Ppm | OutputFormat::Pgm);
    let bytes = stored_bytes(view, stored, big_endian).map_err(|e| ImageFileError::new(path, e))?;
    write_pending(path, options.overwrite, |writer| {
        encode(writer, &bytes, [w, h], stored, format)
    })
}

/// The samples of `view` converted to `stored`, in C order: one byte per 8-bit sample, two
/// per 16-bit sample in the machine's byte order (what `image`'s encoders take) or, with
/// `big_endian`, PNM's.
fn stored_bytes<T: PngSample>(
    view: View<'_, T, 3>,
    stored: StoredLayout,
    big_endian: bool,
) -> Result<Vec<u8>, FileErrorKind>
where
    T::Value: Into<u16>,
{
    let [height, width, channels] = view.shape();
    let source_alpha = (channels.is_multiple_of(2)).then_some(channels - 1);
    // Which source channel each stored channel takes: gray fans out to R, G and B.
    let map: Vec<usize> = (0..stored.channels)
        .map(|k| match (k, stored.channels) {
            (1, 2) | (3, 4) => source_alpha.unwrap_or(0),
            _ if channels < 3 => 0,
            _ => k,
        })
        .collect();
    let narrow = T::BIT_DEPTH == 16 && stored.bit_depth == 8;
    let len = crate::layout::checked_byte_size(
        &[height, width, stored.channels],
        usize::from(stored.bit_depth / 8),
    )?;
    let mut out = crate::alloc::vec_with_capacity::<u8>(len)?;
    let mut push_pixel = |values: &mut dyn Iterator<Item = u16>| {
        let mut pixel = [0u16; 4];
        for (slot, value) in pixel.iter_mut().zip(values) {
            *slot = value;
        }
        for &source in &map {
            let v = pixel[source];
            if stored.bit_depth == 8 {
                // 16 to 8 bits rounded to the nearest: 65535 maps to 255, 32896 to 128.
                let byte = if narrow {
                    ((u32::from(v) * 255 + 32767) / 65535) as u8
                } else {
                    v as u8
                };
                out.push(byte);
            } else if big_endian {
                out.extend_from_slice(&v.to_be_bytes());
            } else {
                out.extend_from_slice(&v.to_ne_bytes());
            }
        }
    };
    for y in 0..height {
        let row = view.row(y)?;
        match row.as_slice() {
            // Whole rows of whole pixels: plain slices, no per-pixel view.
            Some(samples) => {
                for pixel in samples.chunks_exact(channels) {
                    push_pixel(&mut pixel.iter().map(|s| s.to_value().into()));
                }
            }
            None => {
                for pixel in row.lanes() {
                    push_pixel(&mut pixel.values().map(Into::into));
                }
            }
        }
    }
    Ok(out)
}

fn encode<W: Write + Seek>(
    writer: &mut W,
    bytes: &[u8],
    [width, height]: [u32; 2],
    stored: StoredLayout,
    format: OutputFormat,
) -> Result<(), FileErrorKind> {
    use ExtendedColorType::*;
    let colors = if stored.bit_depth == 8 {
        [L8, La8, Rgb8, Rgba8]
    } else {
        [L16, La16, Rgb16, Rgba16]
    };
    let color = colors[stored.channels - 1];
    let encode_error = |e: image::ImageError| match e {
        image::ImageError::IoError(e) => FileErrorKind::Write(e),
        e => FileErrorKind::Encode {
            format: format.name().into(),
            message: e.to_string(),
        },
    };
    let image_format = match format {
        OutputFormat::Jpeg { quality } => {
            if !(1..=100).contains(&quality) {
                return Err(FileErrorKind::Unsupported {
                    what: format!("quality {quality} (1 to 100)"),
                    format: format.name().into(),
                });
            }
            return image::codecs::jpeg::JpegEncoder::new_with_quality(writer, quality)
                .write_image(bytes, width, height, color)
                .map_err(encode_error);
        }
        OutputFormat::Ppm | OutputFormat::Pgm => {
            // Written here: `image` writes PAM (`P7`) for every PNM, and its PPM and PGM
            // are 8-bit only.
            let magic = if stored.channels == 1 { "P5" } else { "P6" };
            let maxval = if stored.bit_depth == 8 { 255 } else { 65535 };
            let header = format!("{magic}\n{width} {height}\n{maxval}\n");
            return writer
                .write_all(header.as_bytes())
                .and_then(|()| writer.write_all(bytes))
                .map_err(FileErrorKind::Write);
        }
        OutputFormat::WebP => ImageFormat::WebP,
        OutputFormat::Tiff => ImageFormat::Tiff,
        OutputFormat::Bmp => ImageFormat::Bmp,
        OutputFormat::Tga => ImageFormat::Tga,
        OutputFormat::Qoi => ImageFormat::Qoi,
        OutputFormat::Png => ImageFormat::Png,
    };
    image::write_buffer_with_format(writer, bytes, width, height, color, image_format)
        .map_err(encode_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DynImageBuf;
    use crate::io::load;

    const FORMATS: [OutputFormat; 9] = [
        OutputFormat::Png,
        OutputFormat::Jpeg { quality: 100 },
        OutputFormat::WebP,
        OutputFormat::Tiff,
        OutputFormat::Bmp,
        OutputFormat::Tga,
        OutputFormat::Qoi,
        OutputFormat::Ppm,
        OutputFormat::Pgm,
    ];

    /// Sample `ch` of pixel `i` of the test images: distinct per channel, alpha varies.
    fn sample16(i: usize, ch: usize) -> u16 {
        ((i * 4099 + ch * 16411) % 65536) as u16
    }

    /// Every format, every channel count and both depths: decoded back, the file has the
    /// stored layout and, for lossless formats, the expected values.
    #[test]
    fn every_format_stores_what_stored_as_says_with_the_values() {
        let dir = tempfile::tempdir().unwrap();
        let (h, w) = (3, 5);
        for format in FORMATS {
            for channels in 1..=4 {
                for depth in [8u8, 16] {
                    let stored = format.stored_as(channels, depth);
                    let px16: Vec<u16> = (0..h * w * channels)
                        .map(|n| sample16(n / channels, n % channels))
                        .collect();
                    let px8: Vec<u8> = px16.iter().map(|&v| (v >> 8) as u8).collect();
                    let path = dir
                        .path()
                        .join(format!("{channels}-{depth}.{}", format.extension()));
                    let saved = if depth == 8 {
                        let view = View::from_slice(&px8, [h, w, channels]).unwrap();
                        save_pending_as(&path, view, format, &SaveOptions::default())
                    } else {
                        let view = View::from_slice(&px16, [h, w, channels]).unwrap();
                        save_pending_as(&path, view, format, &SaveOptions::default())
                    };
                    let context = format!("{format:?} {channels} channels {depth}-bit");
                    let Some(stored) = stored else {
                        let err = saved.unwrap_err();
                        assert!(
                            matches!(err.kind(), FileErrorKind::Unsupported { .. }),
                            "{context}: {err}"
                        );
                        assert!(!path.exists());
                        continue;
                    };
                    saved.unwrap().commit().unwrap();
                    let back = load(&path).unwrap();
                    assert_eq!(back.shape(), [h, w, stored.channels], "{context}");
                    assert_eq!(
                        back.bits_per_sample(),
                        u32::from(stored.bit_depth),
                        "{context}"
                    );
                    if matches!(format, OutputFormat::Jpeg { .. }) {
                        continue; // lossy
                    }
                    let expected = |i: usize, k: usize| -> u16 {
                        let source = match (k, stored.channels) {
                            (1, 2) | (3, 4) if channels.is_multiple_of(2) => channels - 1,
                            _ if channels < 3 => 0,
                            _ => k,
                        };
                        let v = if depth == 8 {
                            u16::from(px8[i * channels + source])
                        } else {
                            px16[i * channels + source]
                        };
                        match (depth, stored.bit_depth) {
                            (16, 8) => ((u32::from(v) * 255 + 32767) / 65535) as u16,
                            _ => v,
                        }
                    };
                    let values: Vec<u16> = match back {
                        DynImageBuf::U8(b) => b.as_slice().iter().map(|&v| v.into()).collect(),
                        DynImageBuf::U16(b) => b.as_slice().to_vec(),
                        other => panic!("{context}: {other:?}"),
                    };
                    for (n, &v) in values.iter().enumerate() {
                        let (i, k) = (n / stored.channels, n % stored.channels);
                        assert_eq!(v, expected(i, k), "{context}: pixel {i} channel {k}");
                    }
                }
            }
        }
    }

    #[test]
    fn strided_views_are_converted_in_view_order() {
        let px: Vec<u16> = (0..2 * 3 * 4).map(|v| v * 2000).collect();
        let view = View::from_slice(&px, [2, 3, 4])
            .unwrap()
            .flip_horizontal()
            .transpose();
        let stored = StoredLayout {
            channels: 3,
            bit_depth: 16,
        };
        let bytes = stored_bytes(view, stored, true).unwrap();
        let first: Vec<u16> = bytes
            .chunks(2)
            .take(3)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .collect();
        // Pixel (0, 0) of the transposed, mirrored view is pixel (2, 0) of the source.
        assert_eq!(first, [16000, 18000, 20000]);
    }

    #[test]
    fn a_bad_quality_and_an_empty_image_are_errors_that_write_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let px = [0u8; 12];
        let view = View::from_slice(&px, [2, 2, 3]).unwrap();
        let path = dir.path().join("a.jpg");
        let err = save_pending_as(
            &path,
            view,
            OutputFormat::Jpeg { quality: 0 },
            &SaveOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("quality 0 (1 to 100)"), "{err}");
        let empty = View::from_slice(&px[..0], [0, 2, 3]).unwrap();
        let err =
            save_pending_as(&path, empty, OutputFormat::Bmp, &SaveOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains("cannot store a 2x0 image as BMP"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
