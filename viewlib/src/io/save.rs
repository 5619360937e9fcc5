//! Encoding views into files: PNG through the `png` crate, other formats through `image`.

use super::atomic::{PendingFile, write_atomically, write_pending};
use super::parallel_png::{self, RowFilters};
use super::{FileErrorKind, ImageFileError};
use crate::{DynImageBuf, DynStridedImage, Order, Sample, U16Be, U16Le, View};
use image::{ExtendedColorType, ImageFormat};
use std::borrow::Cow;
use std::io::{Seek, Write};
use std::path::Path;

/// How hard the PNG encoder compresses. Every level is lossless; they trade time for size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PngCompression {
    /// Stored, not compressed: fastest, largest.
    None,
    /// Every row filtered `Up`, then `fdeflate`: a little faster than `Fast`, larger files.
    /// On every core for large images, like `Fast`.
    Fastest,
    /// Adaptive row filters and `fdeflate`, the default (also the `image` crate's PNG
    /// default): on a 1920x1080 RGB photo it encodes in about 14 ms on one core where
    /// `Balanced` takes about 570 ms (BENCHMARKS.md). Images of 2 MiB or more use every
    /// thread of the rayon pool ([`write_png`]).
    #[default]
    Fast,
    /// zlib level 6, the `png` crate's default: files about 5% smaller than `Fast` on
    /// photographs, about 40 times slower, on one core.
    Balanced,
    /// zlib's best: slowest, smallest, on one core.
    High,
}

impl PngCompression {
    pub(super) fn to_png(self) -> png::Compression {
        match self {
            PngCompression::None => png::Compression::NoCompression,
            PngCompression::Fastest => png::Compression::Fastest,
            PngCompression::Fast => png::Compression::Fast,
            PngCompression::Balanced => png::Compression::Balanced,
            PngCompression::High => png::Compression::High,
        }
    }
}

/// How [`save`] and [`save_png`] write.
///
/// ```
/// use viewlib::io::{PngCompression, SaveOptions};
/// let batch = SaveOptions { compression: PngCompression::Fast, ..SaveOptions::default() };
/// assert!(!batch.overwrite); // an existing file is an error unless asked for
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveOptions {
    /// PNG compression level (ignored by other formats).
    pub compression: PngCompression,
    /// Replace an existing file. Without it, saving over a file is [`FileErrorKind::Exists`].
    pub overwrite: bool,
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for u16 {}
    impl Sealed for f32 {}
    impl Sealed for crate::U16Be {}
    impl Sealed for crate::U16Le {}
}

/// Sample types PNG stores directly: `u8` (8-bit) and the 16-bit types `u16`, [`U16Be`],
/// [`U16Le`]. Big-endian data that is contiguous goes to the encoder without a copy.
pub trait PngSample: Sample + sealed::Sealed {
    /// Bits per sample in the file.
    const BIT_DEPTH: u8;
    /// Whether the sample's bytes in memory are already PNG's big-endian order.
    const STORED_BIG_ENDIAN: bool;
}

impl PngSample for u8 {
    const BIT_DEPTH: u8 = 8;
    const STORED_BIG_ENDIAN: bool = true;
}
impl PngSample for u16 {
    const BIT_DEPTH: u8 = 16;
    const STORED_BIG_ENDIAN: bool = cfg!(target_endian = "big");
}
impl PngSample for U16Be {
    const BIT_DEPTH: u8 = 16;
    const STORED_BIG_ENDIAN: bool = true;
}
impl PngSample for U16Le {
    const BIT_DEPTH: u8 = 16;
    const STORED_BIG_ENDIAN: bool = false;
}

/// Sample types [`save`] accepts: `u8`, `u16`, the 16-bit types in a stated byte order
/// ([`U16Be`], [`U16Le`]) and `f32`. Float images go to PNG as 16-bit, clamped to
/// `0.0..=1.0` (PNG has no float samples); other formats take them as they are where the
/// format can (OpenEXR, Radiance HDR, TIFF). PNG takes 16-bit samples in either byte order
/// as they are; the other encoders take them as native `u16` values.
pub trait ImageSample: Sample + sealed::Sealed {
    #[doc(hidden)]
    fn encode_png<W: Write>(
        view: View<'_, Self, 3>,
        writer: W,
        compression: PngCompression,
    ) -> Result<(), FileErrorKind>;
    #[doc(hidden)]
    fn color_type(channels: usize) -> Option<ExtendedColorType>;
    /// The samples in C order as the `image` crate's encoders take them (native byte order),
    /// borrowed when the view already is that.
    #[doc(hidden)]
    fn encoder_bytes(view: View<'_, Self, 3>) -> Result<Cow<'_, [u8]>, FileErrorKind> {
        Ok(match view.as_slice() {
            Some(samples) => Cow::Borrowed(bytemuck::cast_slice(samples)),
            None => Cow::Owned(view.to_bytes(Order::C)),
        })
    }
}

impl ImageSample for u8 {
    fn encode_png<W: Write>(
        view: View<'_, u8, 3>,
        writer: W,
        compression: PngCompression,
    ) -> Result<(), FileErrorKind> {
        write_png(writer, view, compression)
    }
    fn color_type(channels: usize) -> Option<ExtendedColorType> {
        use ExtendedColorType::*;
        [L8, La8, Rgb8, Rgba8]
            .get(channels.wrapping_sub(1))
            .copied()
    }
}

impl ImageSample for u16 {
    fn encode_png<W: Write>(
        view: View<'_, u16, 3>,
        writer: W,
        compression: PngCompression,
    ) -> Result<(), FileErrorKind> {
        write_png(writer, view, compression)
    }
    fn color_type(channels: usize) -> Option<ExtendedColorType> {
        use ExtendedColorType::*;
        [L16, La16, Rgb16, Rgba16]
            .get(channels.wrapping_sub(1))
            .copied()
    }
}

impl ImageSample for f32 {
    fn encode_png<W: Write>(
        view: View<'_, f32, 3>,
        writer: W,
        compression: PngCompression,
    ) -> Result<(), FileErrorKind> {
        let samples = view.to_u16_image()?;
        let view = samples.view();
        write_png(writer, view, compression)
    }
    fn color_type(channels: usize) -> Option<ExtendedColorType> {
        use ExtendedColorType::*;
        match channels {
            3 => Some(Rgb32F),
            4 => Some(Rgba32F),
            _ => None,
        }
    }
}

/// `ImageSample` for a 16-bit type stored in a stated byte order: PNG takes its bytes as they
/// are (a big-endian contiguous view without a copy); other encoders get native values.
macro_rules! ordered_u16_image_sample {
    ($($t:ty),*) => {$(
        impl ImageSample for $t {
            fn encode_png<W: Write>(
                view: View<'_, $t, 3>,
                writer: W,
                compression: PngCompression,
            ) -> Result<(), FileErrorKind> {
                write_png(writer, view, compression)
            }
            fn color_type(channels: usize) -> Option<ExtendedColorType> {
                u16::color_type(channels)
            }
            fn encoder_bytes(view: View<'_, $t, 3>) -> Result<Cow<'_, [u8]>, FileErrorKind> {
                let len = crate::layout::checked_byte_size(&[view.len()], 2)?;
                let bytes = view.values().flat_map(u16::to_ne_bytes);
                Ok(Cow::Owned(crate::alloc::collect_exact(len, bytes)?))
            }
        }
    )*};
}
ordered_u16_image_sample!(U16Be, U16Le);

/// PNG's colour type for 1 to 4 channels: gray, gray+alpha, RGB, RGBA.
pub(super) fn png_color(channels: usize) -> Option<png::ColorType> {
    Some(match channels {
        1 => png::ColorType::Grayscale,
        2 => png::ColorType::GrayscaleAlpha,
        3 => png::ColorType::Rgb,
        4 => png::ColorType::Rgba,
        _ => return None,
    })
}

/// Encodes a `[height, width, channels]` view (1 to 4 channels: gray, gray+alpha, RGB, RGBA)
/// as PNG into `writer`, at the sample type's bit depth. Any layout works (crops, flips,
/// transposes, channel subsets); a contiguous big-endian view is encoded without a copy.
///
/// With [`PngCompression::Fast`] or [`PngCompression::Fastest`], an image of 2 MiB or more
/// on a rayon pool of more than one thread is filtered and compressed in horizontal strips
/// on every thread, and the strips are joined into the single zlib stream PNG requires. The
/// rows are filtered exactly as the `png` crate filters them, and the file is an ordinary
/// PNG, a few bytes per strip larger. On a 24 MP photograph two cores encode it in 0.55x of
/// one core's time (BENCHMARKS.md). Smaller images, and any image on a one-thread pool, are encoded by
/// the `png` crate on the calling thread.
///
/// ```
/// use viewlib::{io::{write_png, PngCompression}, View};
/// let px: Vec<u16> = (0..2 * 3).map(|i| i * 10_000).collect();
/// let mut file = Vec::new();
/// write_png(&mut file, View::from_slice(&px, [2, 3, 1])?, PngCompression::Fast)?;
/// let decoded = image::load_from_memory(&file)?.into_luma16();
/// assert_eq!(decoded.as_raw(), &px); // 16 bits survive
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_png<T: PngSample, W: Write>(
    writer: W,
    view: View<'_, T, 3>,
    compression: PngCompression,
) -> Result<(), FileErrorKind> {
    let [height, width, channels] = view.shape();
    let unsupported = |what: String| FileErrorKind::Unsupported {
        what,
        format: format!("{}-bit PNG", T::BIT_DEPTH),
    };
    let Some(color) = png_color(channels) else {
        return Err(unsupported(format!("a {channels}-channel image")));
    };
    let dims = (u32::try_from(width), u32::try_from(height));
    let (Ok(w), Ok(h)) = dims else {
        return Err(unsupported(format!("a {width}x{height} image")));
    };
    if w == 0 || h == 0 || w > i32::MAX as u32 || h > i32::MAX as u32 {
        return Err(unsupported(format!("a {width}x{height} image")));
    }
    let mut encoder = png::Encoder::new(writer, w, h);
    encoder.set_color(color);
    encoder.set_depth(if T::BIT_DEPTH == 8 {
        png::BitDepth::Eight
    } else {
        png::BitDepth::Sixteen
    });
    encoder.set_compression(compression.to_png());
    let encode_error = |e: png::EncodingError| match e {
        png::EncodingError::IoError(e) => FileErrorKind::Write(e),
        e => FileErrorKind::Encode {
            format: "PNG".into(),
            message: e.to_string(),
        },
    };
    let mut writer = encoder.write_header().map_err(encode_error)?;
    let contiguous = view
        .as_slice()
        .filter(|_| T::STORED_BIG_ENDIAN)
        .map(bytemuck::cast_slice::<T, u8>);
    let copied;
    let bytes = match contiguous {
        Some(bytes) => bytes,
        None => {
            // One C-order copy in PNG's byte order; the encoder's whole-image path compresses
            // better and faster than feeding it rows.
            let mut bytes = view.to_bytes(Order::C);
            if !T::STORED_BIG_ENDIAN {
                for pair in bytes.as_chunks_mut::<2>().0 {
                    pair.swap(0, 1);
                }
            }
            copied = bytes;
            &copied
        }
    };
    let filters = match compression {
        PngCompression::Fast => Some(RowFilters::Adaptive),
        PngCompression::Fastest => Some(RowFilters::Up),
        _ => None,
    };
    let bytes_per_pixel = channels * usize::from(T::BIT_DEPTH / 8);
    let on_every_core = match filters {
        Some(filters) => {
            parallel_png::image_data(bytes, width * bytes_per_pixel, bytes_per_pixel, filters)
                .map_err(|e| FileErrorKind::Encode {
                    format: "PNG".into(),
                    message: format!("compressing the image data: {e}"),
                })?
        }
        None => None,
    };
    match on_every_core {
        Some(image_data) => {
            // One IDAT chunk per piece; PNG caps a chunk at 2^31 - 1 bytes.
            for piece in image_data.pieces() {
                for chunk in piece.chunks(i32::MAX as usize) {
                    writer
                        .write_chunk(png::chunk::IDAT, chunk)
                        .map_err(encode_error)?;
                }
            }
        }
        None => writer.write_image_data(bytes).map_err(encode_error)?,
    }
    writer.finish().map_err(encode_error)
}

/// Saves a view as PNG at `path` (8-bit for `u8`, 16-bit for the 16-bit types), atomically:
/// the file appears complete or not at all.
///
/// ```
/// use viewlib::io::{load, save_png, SaveOptions};
/// let dir = tempfile::tempdir()?;
/// let card = load("assets/testcard.png")?;
/// let viewlib::DynImageBuf::U8(card) = card else { unreachable!() };
/// // Save the top-left quarter, mirrored: a strided view, written without materialising it.
/// let quarter = card.view().crop(0, 0, 640, 360)?.flip_horizontal();
/// let path = dir.path().join("quarter.png");
/// save_png(&path, quarter, &SaveOptions::default())?;
/// let back = load(&path)?;
/// assert_eq!(back.shape(), [360, 640, 4]);
/// // Saving again without `overwrite` keeps the file and says why.
/// let err = save_png(&path, quarter, &SaveOptions::default()).unwrap_err();
/// assert!(matches!(err.kind(), viewlib::io::FileErrorKind::Exists));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save_png<T: PngSample>(
    path: impl AsRef<Path>,
    view: View<'_, T, 3>,
    options: &SaveOptions,
) -> Result<(), ImageFileError> {
    write_atomically(path.as_ref(), options.overwrite, |w| {
        write_png(w, view, options.compression)
    })
}

/// [`save_png`] in two steps: the PNG is written beside `path` now, and put in place by
/// [`PendingFile::commit`].
pub fn save_png_pending<T: PngSample>(
    path: impl AsRef<Path>,
    view: View<'_, T, 3>,
    options: &SaveOptions,
) -> Result<PendingFile, ImageFileError> {
    write_pending(path.as_ref(), options.overwrite, |w| {
        write_png(w, view, options.compression)
    })
}

/// Saves a view at `path` in the format its extension names (`.png`, `.jpg`, `.bmp`, `.tiff`,
/// `.webp`, `.exr`, ...), atomically. PNG goes through [`write_png`] with the options'
/// compression; other formats through the `image` crate's encoders, which refuse what the
/// format cannot hold (JPEG has no alpha, no 16 bits) with an error.
///
/// ```
/// use viewlib::{io::{load, save, SaveOptions}, View};
/// let dir = tempfile::tempdir()?;
/// let rgb: Vec<u8> = (0..4 * 4 * 3).map(|i| (i * 5) as u8).collect();
/// let path = dir.path().join("small.bmp");
/// save(&path, View::from_slice(&rgb, [4, 4, 3])?, &SaveOptions::default())?;
/// let viewlib::DynImageBuf::U8(back) = load(&path)? else { unreachable!() };
/// assert_eq!(back.as_slice(), rgb); // BMP is lossless
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn save<T: ImageSample>(
    path: impl AsRef<Path>,
    view: View<'_, T, 3>,
    options: &SaveOptions,
) -> Result<(), ImageFileError> {
    let path = path.as_ref();
    let format = ImageFormat::from_path(path).map_err(|_| {
        ImageFileError::new(
            path,
            FileErrorKind::Unsupported {
                what: "an image".into(),
                format: format!(
                    "`{}` (no known image extension)",
                    path.extension().unwrap_or_default().to_string_lossy()
                ),
            },
        )
    })?;
    if format == ImageFormat::Png {
        return write_atomically(path, options.overwrite, |w| {
            T::encode_png(view, w, options.compression)
        });
    }
    write_atomically(path, options.overwrite, |w| {
        encode_with_image(w, view, format)
    })
}

fn encode_with_image<T: ImageSample, W: Write + Seek>(
    mut writer: W,
    view: View<'_, T, 3>,
    format: ImageFormat,
) -> Result<(), FileErrorKind> {
    let [height, width, channels] = view.shape();
    let format_name = format!("{format:?}");
    let unsupported = |what: String| FileErrorKind::Unsupported {
        what,
        format: format_name.clone(),
    };
    let color = T::color_type(channels).ok_or_else(|| {
        unsupported(format!(
            "a {channels}-channel image of {}-bit samples",
            8 * size_of::<T>()
        ))
    })?;
    let (Ok(w), Ok(h)) = (u32::try_from(width), u32::try_from(height)) else {
        return Err(unsupported(format!("a {width}x{height} image")));
    };
    let bytes = T::encoder_bytes(view)?;
    image::write_buffer_with_format(&mut writer, &bytes, w, h, color, format).map_err(|e| match e {
        image::ImageError::IoError(e) => FileErrorKind::Write(e),
        e => FileErrorKind::Encode {
            format: format_name.clone(),
            message: e.to_string(),
        },
    })
}

impl DynImageBuf {
    /// Saves the image at `path` in the format its extension names; see [`save`].
    ///
    /// ```
    /// use viewlib::io::{load, SaveOptions};
    /// let dir = tempfile::tempdir()?;
    /// let card16 = load("assets/testcard16.png")?;
    /// assert_eq!(card16.bits_per_sample(), 16);
    /// let path = dir.path().join("copy.png");
    /// card16.save(&path, &SaveOptions::default())?;
    /// assert_eq!(load(&path)?, card16); // 16 bits kept
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(
        &self,
        path: impl AsRef<Path>,
        options: &SaveOptions,
    ) -> Result<(), ImageFileError> {
        match self {
            DynImageBuf::U8(b) => save(path, b.view(), options),
            DynImageBuf::U16(b) => save(path, b.view(), options),
            DynImageBuf::F32(b) => save(path, b.view(), options),
        }
    }
}

impl DynStridedImage {
    /// Saves the image at `path` in the format its extension names, read from its layout
    /// directly (a crop, flip or channel of a larger image is not copied first); see [`save`].
    /// 16-bit samples keep their values in either byte order. PNG and the other formats hold
    /// no 32-bit words: a `u32` image is [`FileErrorKind::Unsupported`] (cast it to `u8`
    /// first to save the same bytes).
    ///
    /// ```
    /// use viewlib::{io::{load, FileErrorKind, SaveOptions}, DynImageBuf, DynStridedImage, SampleType};
    /// let dir = tempfile::tempdir()?;
    /// let values = |image: &DynStridedImage| match image {
    ///     DynStridedImage::U16(i) => i.view().values().collect::<Vec<u16>>(),
    ///     DynStridedImage::U16Be(i) => i.view().values().collect(),
    ///     _ => unreachable!(),
    /// };
    /// let card = DynStridedImage::from(load("assets/testcard16.png")?);
    /// for image in [card.flip_horizontal(), card.cast(SampleType::U16Be)?.crop(5, 0, 7, 3)?] {
    ///     for name in ["out.png", "out.tiff"] {
    ///         let path = dir.path().join(name);
    ///         image.save(&path, &SaveOptions { overwrite: true, ..SaveOptions::default() })?;
    ///         let DynImageBuf::U16(back) = load(&path)? else { unreachable!() };
    ///         assert_eq!(back.view().values().collect::<Vec<_>>(), values(&image));
    ///     }
    /// }
    /// let card8 = DynStridedImage::from(load("assets/testcard.png")?);
    /// let words = card8.cast(SampleType::of::<u32>().unwrap())?;
    /// let refused = words.save(dir.path().join("words.png"), &SaveOptions::default());
    /// assert!(matches!(refused.unwrap_err().kind(), FileErrorKind::Unsupported { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn save(
        &self,
        path: impl AsRef<Path>,
        options: &SaveOptions,
    ) -> Result<(), ImageFileError> {
        match self {
            DynStridedImage::U8(i) => save(path, i.view(), options),
            DynStridedImage::U16(i) => save(path, i.view(), options),
            DynStridedImage::U16Be(i) => save(path, i.view(), options),
            DynStridedImage::F32(i) => save(path, i.view(), options),
            DynStridedImage::U32(_) => Err(ImageFileError::new(
                path.as_ref(),
                FileErrorKind::Unsupported {
                    what: "32-bit words (format `I`)".into(),
                    format: "an image file (cast to u8 to save the same bytes)".into(),
                },
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ImageBuf;

    fn decode(png: &[u8]) -> image::DynamicImage {
        image::load_from_memory_with_format(png, ImageFormat::Png).unwrap()
    }

    #[test]
    fn every_channel_count_and_depth_round_trips_through_image() {
        for channels in 1..=4 {
            let px8: Vec<u8> = (0..5 * 7 * channels)
                .map(|i| (i * 37 % 251) as u8)
                .collect();
            let px16: Vec<u16> = px8.iter().map(|&v| u16::from(v) * 257 + 3).collect();
            let mut file = Vec::new();
            write_png(
                &mut file,
                View::from_slice(&px8, [5, 7, channels]).unwrap(),
                PngCompression::Fast,
            )
            .unwrap();
            let back = crate::DynImageBuf::from(decode(&file));
            assert_eq!(
                back,
                DynImageBuf::U8(ImageBuf::from_vec(5, 7, channels, px8).unwrap())
            );
            let mut file = Vec::new();
            let view = View::from_slice(&px16, [5, 7, channels]).unwrap();
            write_png(&mut file, view, PngCompression::High).unwrap();
            let back = crate::DynImageBuf::from(decode(&file));
            assert_eq!(
                back,
                DynImageBuf::U16(ImageBuf::from_vec(5, 7, channels, px16).unwrap())
            );
        }
    }

    #[test]
    fn byte_order_types_and_strided_views_encode_their_values() {
        let values: Vec<u16> = (0..4 * 6 * 3).map(|i| i * 900 + 1).collect();
        let be: Vec<U16Be> = values.iter().map(|&v| U16Be::new(v)).collect();
        let le: Vec<U16Le> = values.iter().map(|&v| U16Le::new(v)).collect();
        let native = View::from_slice(&values, [4, 6, 3]).unwrap();
        let expected = native
            .flip_vertical()
            .transpose()
            .crop(1, 1, 2, 3)
            .unwrap()
            .to_image_buf()
            .unwrap();
        fn encode<T: PngSample>(view: View<'_, T, 3>) -> Vec<u16> {
            let mut file = Vec::new();
            let derived = view.flip_vertical().transpose().crop(1, 1, 2, 3).unwrap();
            write_png(&mut file, derived, PngCompression::Fast).unwrap();
            decode(&file).into_rgb16().into_raw()
        }
        assert_eq!(encode(native), expected.as_slice());
        assert_eq!(
            encode(View::from_slice(&be, [4, 6, 3]).unwrap()),
            expected.as_slice()
        );
        assert_eq!(
            encode(View::from_slice(&le, [4, 6, 3]).unwrap()),
            expected.as_slice()
        );
    }

    #[test]
    fn shapes_png_cannot_hold_are_errors() {
        let px = [0u8; 10];
        let five = View::from_slice(&px, [1, 2, 5]).unwrap();
        let err = write_png(Vec::new(), five, PngCompression::Fast).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot store a 5-channel image as 8-bit PNG"
        );
        let empty = View::from_slice(&px[..0], [0, 3, 1]).unwrap();
        let err = write_png(Vec::new(), empty, PngCompression::Fast).unwrap_err();
        assert_eq!(err.to_string(), "cannot store a 3x0 image as 8-bit PNG");
    }

    #[test]
    fn float_images_become_16_bit_png_and_stay_float_in_exr() {
        let px = [0.0f32, 0.5, 1.0, -1.0, 2.0, 0.25];
        let view = View::from_slice(&px, [1, 2, 3]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("f.png");
        save(&png, view, &SaveOptions::default()).unwrap();
        let back = crate::io::load(&png).unwrap();
        let DynImageBuf::U16(back) = back else {
            panic!("{back:?}")
        };
        assert_eq!(back.as_slice(), [0, 32768, 65535, 0, 65535, 16384]);
        let exr = dir.path().join("f.exr");
        save(&exr, view, &SaveOptions::default()).unwrap();
        let DynImageBuf::F32(back) = crate::io::load(&exr).unwrap() else {
            panic!()
        };
        assert_eq!(back.as_slice(), px);
    }

    #[test]
    fn formats_that_cannot_hold_the_image_say_so_and_write_nothing() {
        let px = [0u8; 2 * 2 * 4];
        let rgba = View::from_slice(&px, [2, 2, 4]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let jpg = dir.path().join("a.jpg");
        let err = save(&jpg, rgba, &SaveOptions::default()).unwrap_err();
        assert!(
            matches!(err.kind(), FileErrorKind::Encode { format, .. } if format == "Jpeg"),
            "{err}"
        );
        let unknown = dir.path().join("a.xyz");
        let err = save(&unknown, rgba, &SaveOptions::default()).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("cannot store an image as `xyz` (no known image extension)"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
