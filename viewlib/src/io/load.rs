//! Decoding files into owned buffers that keep their sample type.

use super::preflight;
use super::{FileErrorKind, ImageFileError, Limits};
use crate::{DynImageBuf, Sample};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::{BufRead, BufReader, Seek, SeekFrom};
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
/// let image = viewlib::io::load("assets/testcard.png")?;
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
/// let err = load_with("assets/testcard.png", tiny).unwrap_err();
/// assert!(matches!(err.kind(), FileErrorKind::TooManyPixels { max_pixels: 100, .. }));
/// ```
pub fn load_with(path: impl AsRef<Path>, limits: Limits) -> Result<DynImageBuf, ImageFileError> {
    load_with_orientation(path, limits).map(|(image, _)| image)
}

/// [`load_with`], and how the file's EXIF data says to show the image (JPEG, PNG, TIFF and
/// WebP carry it; a camera held upright writes a quarter turn). The pixels are as stored;
/// `oriented` on a view of them shows the image upright without moving a pixel. Missing or
/// unreadable EXIF data means `NoTransforms`, as photo viewers treat it.
///
/// ```
/// use image::metadata::Orientation;
/// use viewlib::io::{load_with_orientation, Limits};
/// let (card, orientation) = load_with_orientation("assets/testcard.png", Limits::default())?;
/// assert_eq!(orientation, Orientation::NoTransforms); // no EXIF data
/// let viewlib::DynImageBuf::U8(card) = card else { unreachable!() };
/// let upright = card.view().oriented(orientation);
/// assert_eq!(upright.shape(), [720, 1280, 4]);
/// # Ok::<(), viewlib::io::ImageFileError>(())
/// ```
pub fn load_with_orientation(
    path: impl AsRef<Path>,
    limits: Limits,
) -> Result<(DynImageBuf, Orientation), ImageFileError> {
    let path = path.as_ref();
    decode(path, limits).map_err(|kind| ImageFileError::new(path, kind))
}

/// Decodes an image held in memory (a download, an archive member, a database blob) with the
/// default [`Limits`]. The format is recognised from the content alone; TGA, which has no
/// signature, cannot be loaded this way. Errors are what [`load`] reports, without a path.
///
/// ```
/// let bytes = std::fs::read("assets/testcard.png")?;
/// let image = viewlib::io::load_from_memory(&bytes)?;
/// assert_eq!(image.shape(), [720, 1280, 4]);
/// let err = viewlib::io::load_from_memory(&bytes[..100]).unwrap_err(); // cut short
/// assert!(matches!(err, viewlib::io::FileErrorKind::Decode { .. }), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_from_memory(bytes: &[u8]) -> Result<DynImageBuf, FileErrorKind> {
    load_from_reader(std::io::Cursor::new(bytes), Limits::default())
}

/// Decodes an image from any buffered, seekable reader within `limits`, exactly as
/// [`load_with`] decodes a file: the format from the content, and memory bounded from the
/// headers before anything large is allocated. The image must start at the reader's first
/// byte: the reader is rewound, because decoders (TIFF's offsets, for one) seek to positions
/// counted from there; for an image inside a larger stream, pass its bytes to
/// [`load_from_memory`]. Wrap a plain [`Read`](std::io::Read) + [`Seek`] (a `File`) in a
/// [`BufReader`]; a `Cursor` over bytes is already buffered.
///
/// ```
/// use viewlib::io::{load_from_reader, FileErrorKind, Limits};
/// let file = std::fs::File::open("assets/testcard.png")?;
/// let image = load_from_reader(std::io::BufReader::new(file), Limits::default())?;
/// assert_eq!(image.shape(), [720, 1280, 4]);
/// let tiny = Limits { max_pixels: 100, ..Limits::default() };
/// let bytes = std::fs::read("assets/testcard.png")?;
/// let err = load_from_reader(std::io::Cursor::new(bytes), tiny).unwrap_err();
/// assert!(matches!(err, FileErrorKind::TooManyPixels { max_pixels: 100, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_from_reader<R: BufRead + Seek>(
    mut reader: R,
    limits: Limits,
) -> Result<DynImageBuf, FileErrorKind> {
    let len = reader.seek(SeekFrom::End(0)).map_err(FileErrorKind::Read)?;
    reader.rewind().map_err(FileErrorKind::Read)?;
    decode_from(reader, len, None, limits).map(|(image, _)| image)
}

fn decode(path: &Path, limits: Limits) -> Result<(DynImageBuf, Orientation), FileErrorKind> {
    let file = super::open_regular(path, false)?;
    let file_len = file.metadata().map_err(FileErrorKind::Read)?.len();
    decode_from(BufReader::new(file), file_len, Some(path), limits)
}

/// Decodes `len` bytes from `reader`; `path`, if the bytes are a file's, lends its extension
/// to formats without a signature and to the error.
fn decode_from<R: BufRead + Seek>(
    reader: R,
    file_len: u64,
    path: Option<&Path>,
    limits: Limits,
) -> Result<(DynImageBuf, Orientation), FileErrorKind> {
    let mut reader = ImageReader::new(reader)
        .with_guessed_format()
        .map_err(FileErrorKind::Read)?;
    if reader.format().is_none() {
        // No signature: the extension decides, as `ImageReader::open` does.
        if let Some(Ok(format)) = path.map(ImageFormat::from_path) {
            reader.set_format(format);
        }
    }
    let Some(format) = reader.format() else {
        return Err(FileErrorKind::UnknownFormat {
            extension: path
                .and_then(Path::extension)
                .map(|e| e.to_string_lossy().into_owned()),
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
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        let image = read_pixels(decoder).map_err(|e| match e {
            Pixels::Buffer(e) => e.into(),
            Pixels::Decoder(e) => decode_error(e),
        })?;
        Ok((image, orientation))
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
        let png = std::fs::read("assets/testcard.png").unwrap();
        let (_dir, path) = write_temp(&png, "misnamed.jpg");
        assert_eq!(load(&path).unwrap(), load("assets/testcard.png").unwrap());
    }

    #[test]
    fn truncated_files_are_errors_naming_the_format() {
        let png = std::fs::read("assets/testcard.png").unwrap();
        for cut in [8, 33, 100, png.len() / 2, png.len() - 13] {
            let (_dir, path) = write_temp(&png[..cut], "cut.png");
            let err = load(&path).unwrap_err();
            assert!(
                matches!(err.kind(), FileErrorKind::Decode { format, .. } if format == "Png"),
                "cut at {cut}: {err}"
            );
        }
    }

    #[test]
    fn memory_and_readers_decode_as_files_do_with_the_same_limits() {
        let rgb =
            image::RgbImage::from_fn(37, 23, |x, y| image::Rgb([x as u8 * 6, y as u8 * 9, 7]));
        let formats = [
            ImageFormat::Png,
            ImageFormat::Jpeg,
            ImageFormat::Bmp,
            ImageFormat::Tiff,
            ImageFormat::WebP,
            ImageFormat::Gif,
            ImageFormat::Pnm,
            ImageFormat::Qoi,
        ];
        for format in formats {
            let mut bytes = std::io::Cursor::new(Vec::new());
            rgb.write_to(&mut bytes, format).unwrap();
            let bytes = bytes.into_inner();
            let name = format!("image.{}", format.extensions_str()[0]);
            let (_dir, path) = write_temp(&bytes, &name);
            let from_file = load(&path).unwrap();
            assert_eq!(load_from_memory(&bytes).unwrap(), from_file, "{format:?}");
            let reader = std::io::Cursor::new(&bytes);
            assert_eq!(
                load_from_reader(reader, Limits::default()).unwrap(),
                from_file
            );
            // A reader left part-way is rewound: the image starts at its first byte.
            let mut reader = std::io::Cursor::new(&bytes);
            reader.set_position(5);
            assert_eq!(
                load_from_reader(reader, Limits::default()).unwrap(),
                from_file
            );
            let tiny = Limits {
                max_pixels: 100,
                ..Limits::default()
            };
            let err = load_from_reader(std::io::Cursor::new(&bytes), tiny).unwrap_err();
            assert!(
                matches!(err, FileErrorKind::TooManyPixels { .. }),
                "{format:?}: {err}"
            );
        }
        // Content with no signature is unknown, with no extension to name.
        let err = load_from_memory(b"just some notes").unwrap_err();
        assert!(
            matches!(err, FileErrorKind::UnknownFormat { extension: None }),
            "{err}"
        );
        assert!(matches!(
            load_from_memory(&[]).unwrap_err(),
            FileErrorKind::UnknownFormat { .. }
        ));
    }

    #[test]
    fn the_exif_orientation_comes_with_the_pixels() {
        // A TIFF-structured EXIF block whose one entry is Orientation (0x0112) = 6.
        let exif = [
            b"MM\0*".as_slice(),
            &[0, 0, 0, 8, 0, 1],
            &[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0],
            &[0, 0, 0, 0],
        ]
        .concat();
        let rgb = image::RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8, y as u8, 0]));
        let mut bytes = Vec::new();
        let mut encoder = image::codecs::png::PngEncoder::new(&mut bytes);
        image::ImageEncoder::set_exif_metadata(&mut encoder, exif).unwrap();
        image::ImageEncoder::write_image(encoder, &rgb, 5, 3, image::ExtendedColorType::Rgb8)
            .unwrap();
        let (_dir, path) = write_temp(&bytes, "turned.png");
        let (image, orientation) = load_with_orientation(&path, Limits::default()).unwrap();
        assert_eq!(orientation, Orientation::Rotate90);
        assert_eq!(image.shape(), [3, 5, 3], "the pixels as stored");
        let DynImageBuf::U8(image) = image else {
            panic!("8-bit")
        };
        assert_eq!(image.view().oriented(orientation).shape(), [5, 3, 3]);
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
