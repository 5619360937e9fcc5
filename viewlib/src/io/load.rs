//! Decoding files into owned buffers that keep their sample type.

use super::preflight;
use super::{FileErrorKind, ImageFileError, Limits};
use crate::{DynImageBuf, Sample};
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::BufReader;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

/// Loads an image file with the default [`Limits`].
///
/// The format is recognised from the content (a PNG named `.jpg` loads as PNG); the extension
/// is the fallback for formats without a signature (TGA). The result keeps the file's sample
/// type and channel count: 8-bit and 16-bit gray, gray+alpha, RGB and RGBA, and 32-bit float
/// RGB(A) for HDR formats.
///
/// ```
/// let image = viewlib::io::load("../assets/testcard.png")?;
/// assert_eq!(image.shape()[2], 4); // RGBA
/// # Ok::<(), viewlib::io::ImageFileError>(())
/// ```
pub fn load(path: impl AsRef<Path>) -> Result<DynImageBuf, ImageFileError> {
    load_with(path, Limits::default())
}

/// Loads an image file within `limits`.
///
/// ```
/// use viewlib::io::{load_with, FileErrorKind, Limits};
/// let tiny = Limits { max_pixels: 100, ..Limits::default() };
/// let err = load_with("../assets/testcard.png", tiny).unwrap_err();
/// assert!(matches!(err.kind(), FileErrorKind::TooManyPixels { max_pixels: 100, .. }));
/// ```
pub fn load_with(path: impl AsRef<Path>, limits: Limits) -> Result<DynImageBuf, ImageFileError> {
    let path = path.as_ref();
    decode(path, limits).map_err(|kind| ImageFileError::new(path, kind))
}

fn decode(path: &Path, limits: Limits) -> Result<DynImageBuf, FileErrorKind> {
    let file = super::open_regular(path, false)?;
    let file_len = file.metadata().map_err(FileErrorKind::Read)?.len();
    let mut reader = ImageReader::new(BufReader::new(file))
        .with_guessed_format()
        .map_err(FileErrorKind::Read)?;
    if reader.format().is_none() {
        // No signature: the extension decides, as `ImageReader::open` does.
        if let Ok(format) = ImageFormat::from_path(path) {
            reader.set_format(format);
        }
    }
    let Some(format) = reader.format() else {
        return Err(FileErrorKind::UnknownFormat {
            extension: path.extension().map(|e| e.to_string_lossy().into_owned()),
        });
    };
    let name = format!("{format:?}");
    // Headers first, with small buffers: the TIFF decoder allocates while reading its
    // header, before any limit applies.
    let mut inner = reader.into_inner();
    let working = contain_panics(&name, || {
        preflight::before_decoder(format, &mut inner, file_len, limits.max_bytes)
            .map_err(|e| e.into_kind(&name))
    })?;
    let mut reader = ImageReader::with_format(inner, format);
    reader.limits(limits.to_image());
    let decode_error = |source| match source {
        image::ImageError::Limits(_) => FileErrorKind::MemoryLimit {
            max_bytes: limits.max_bytes,
        },
        source => FileErrorKind::Decode {
            format: name.clone(),
            source,
        },
    };
    contain_panics(&name, || {
        let mut decoder = reader.into_decoder().map_err(decode_error)?;
        let (width, height) = decoder.dimensions();
        let pixels = decoder.total_bytes();
        let working =
            working.saturating_add(preflight::after_header(format, height, pixels, file_len));
        limits.check(width.into(), height.into(), pixels.saturating_add(working))?;
        // What the decoder may allocate for itself is what the pixels leave of the limit, as
        // `ImageReader::decode` reserves it.
        let mut net = image::Limits::no_limits();
        net.max_alloc = Some(limits.max_bytes - pixels);
        decoder.set_limits(net).map_err(decode_error)?;
        read_pixels(decoder).map_err(|e| match e {
            Pixels::Buffer(e) => e.into(),
            Pixels::Decoder(e) => decode_error(e),
        })
    })
}

enum Pixels {
    Buffer(crate::ViewError),
    Decoder(image::ImageError),
}

/// Decodes into a buffer of the decoder's sample type and channel count, allocated fallibly
/// (`image`'s own `from_decoder` aborts the process when an allocation fails).
fn read_pixels(decoder: impl ImageDecoder) -> Result<DynImageBuf, Pixels> {
    use image::ColorType::*;
    fn read<T: Sample>(
        decoder: impl ImageDecoder,
        channels: usize,
    ) -> Result<crate::ImageBuf<T>, Pixels> {
        let (width, height) = decoder.dimensions();
        let mut image = crate::ImageBuf::<T>::new(height as usize, width as usize, channels)
            .map_err(Pixels::Buffer)?;
        decoder
            .read_image(bytemuck::cast_slice_mut(image.as_mut_slice()))
            .map_err(Pixels::Decoder)?;
        Ok(image)
    }
    Ok(match decoder.color_type() {
        L8 => DynImageBuf::U8(read(decoder, 1)?),
        La8 => DynImageBuf::U8(read(decoder, 2)?),
        Rgb8 => DynImageBuf::U8(read(decoder, 3)?),
        Rgba8 => DynImageBuf::U8(read(decoder, 4)?),
        L16 => DynImageBuf::U16(read(decoder, 1)?),
        La16 => DynImageBuf::U16(read(decoder, 2)?),
        Rgb16 => DynImageBuf::U16(read(decoder, 3)?),
        Rgba16 => DynImageBuf::U16(read(decoder, 4)?),
        Rgb32F => DynImageBuf::F32(read(decoder, 3)?),
        Rgba32F => DynImageBuf::F32(read(decoder, 4)?),
        // A colour type added by a later `image`: its own conversion.
        _ => DynamicImage::from_decoder(decoder)
            .map(DynImageBuf::from)
            .map_err(Pixels::Decoder)?,
    })
}

/// Runs a decoder, turning a panic into an error: a decoder bug must cost one file, not the
/// process (batch mode decodes many at once).
pub(super) fn contain_panics<R>(
    format: &str,
    decode: impl FnOnce() -> Result<R, FileErrorKind>,
) -> Result<R, FileErrorKind> {
    catch_unwind(AssertUnwindSafe(decode)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(FileErrorKind::DecoderPanicked {
            format: format.into(),
            message,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_temp(bytes: &[u8], name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    #[test]
    fn a_declared_gigantic_image_is_refused_before_allocating() {
        // 57 bytes: a valid PNG header declaring 100000 x 100000 RGBA8 (40 GB), and the
        // start of its data.
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |name: &[u8], data: &[u8]| {
            let mut body = name.to_vec();
            body.extend_from_slice(data);
            png.extend_from_slice(&(data.len() as u32).to_be_bytes());
            png.extend_from_slice(&body);
            png.extend_from_slice(&crc32(&body).to_be_bytes());
        };
        let mut ihdr = [100_000u32.to_be_bytes(), 100_000u32.to_be_bytes()].concat();
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        chunk(b"IHDR", &ihdr);
        chunk(b"IDAT", &[0x78, 0x9c]);
        let (_dir, path) = write_temp(&png, "bomb.png");
        let err = load(&path).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                FileErrorKind::TooManyPixels {
                    width: 100_000,
                    height: 100_000,
                    pixels: 10_000_000_000,
                    ..
                }
            ),
            "{err}"
        );
        let bytes = Limits {
            max_pixels: u64::MAX,
            max_bytes: 1 << 30,
        };
        let err = load_with(&path, bytes).unwrap_err();
        assert!(
            matches!(
                err.kind(),
                // The pixels, and the decoder's 10 rows of 400,000 bytes and 512 KiB.
                FileErrorKind::TooManyBytes {
                    needed: 40_004_524_288,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn content_decides_the_format_and_unknown_content_is_named() {
        let (_dir, path) = write_temp(b"just some notes", "notes.txt");
        let err = load(&path).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: not an image in a format this build decodes (content not recognised, \
                 extension `.txt` unknown)",
                path.display()
            )
        );
        // A PNG named .jpg still loads.
        let png = std::fs::read("../assets/testcard.png").unwrap();
        let (_dir, path) = write_temp(&png, "misnamed.jpg");
        assert_eq!(
            load(&path).unwrap(),
            load("../assets/testcard.png").unwrap()
        );
    }

    #[test]
    fn truncated_files_are_errors_naming_the_format() {
        let png = std::fs::read("../assets/testcard.png").unwrap();
        for cut in [8, 33, 100, png.len() / 2, png.len() - 13] {
            let (_dir, path) = write_temp(&png[..cut], "cut.png");
            let err = load(&path).unwrap_err();
            assert!(
                matches!(err.kind(), FileErrorKind::Decode { format, .. } if format == "Png"),
                "cut at {cut}: {err}"
            );
        }
    }

    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    }
}
