//! PNG samples as stored: 16-bit data stays big-endian and is viewed, not byte-swapped.

use super::load::contain_panics;
use super::{FileErrorKind, ImageFileError, Limits};
use crate::{U16Be, View};
use std::io::BufReader;
use std::path::Path;

/// A PNG's samples in file order and byte order, after palette and low-bit-depth expansion:
/// 8-bit, or 16-bit big-endian exactly as the file stores them.
///
/// Decoding through `image` converts 16-bit samples to native order, one pass over the pixels;
/// this keeps the bytes and hands out a [`U16Be`] view that decodes on read, like a
/// `memoryview` with format `">H"`.
#[derive(Clone, PartialEq, Eq)]
pub struct PngSamples {
    bytes: Vec<u8>,
    shape: [usize; 3],
    bit_depth: u8,
}

/// A view of [`PngSamples`] in their stored type.
#[derive(Debug, Clone, Copy)]
pub enum PngSamplesView<'a> {
    /// 8-bit samples (palette, 1/2/4-bit gray and 8-bit files).
    U8(View<'a, u8, 3>),
    /// 16-bit samples, big-endian in memory.
    U16Be(View<'a, U16Be, 3>),
}

impl PngSamples {
    /// `[height, width, channels]`.
    #[must_use]
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// 8 or 16.
    #[must_use]
    pub fn bit_depth(&self) -> u8 {
        self.bit_depth
    }

    /// The samples' bytes, rows top to bottom, big-endian for 16-bit.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Gives the bytes back without copying.
    #[must_use]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// A view of the samples in their stored type; no copy, no byte swap.
    ///
    /// ```
    /// use viewlib::io::{load_png_samples, Limits, PngSamplesView};
    /// let raw = load_png_samples("assets/testcard16.png", Limits::default())?;
    /// let PngSamplesView::U16Be(view) = raw.view() else { panic!("a 16-bit file") };
    /// assert_eq!(view.format(), ">H");
    /// // The same values `image` produces after its byte-swap pass.
    /// let decoded = image::open("assets/testcard16.png")?.into_rgb16();
    /// assert_eq!(view.get([5, 100, 0]), Some(decoded.get_pixel(100, 5)[0]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn view(&self) -> PngSamplesView<'_> {
        let [h, w, c] = self.shape;
        if self.bit_depth == 16 {
            let samples: &[U16Be] = bytemuck::cast_slice(&self.bytes);
            PngSamplesView::U16Be(View::from_slice(samples, [h, w, c]).expect("sized at decode"))
        } else {
            PngSamplesView::U8(View::from_slice(&self.bytes, [h, w, c]).expect("sized at decode"))
        }
    }
}

impl From<PngSamples> for crate::DynStridedImage {
    /// Moves the bytes in, without copying or swapping: 16-bit samples stay big-endian
    /// ([`DynStridedImage::U16Be`](crate::DynStridedImage::U16Be)).
    ///
    /// ```
    /// use viewlib::{io::{load_png_samples, Limits}, DynStridedImage, SampleType};
    /// let raw = load_png_samples("assets/testcard16.png", Limits::default())?;
    /// let image = DynStridedImage::from(raw);
    /// assert_eq!((image.sample_type(), image.format()), (SampleType::U16Be, ">H"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn from(samples: PngSamples) -> Self {
        let layout = crate::Layout::c_order(samples.shape).expect("sized at decode");
        let memory = std::sync::Arc::new(samples.bytes);
        if samples.bit_depth == 16 {
            crate::StridedImage::<U16Be>::from_memory(memory, 0, layout)
                .expect("sized at decode")
                .into()
        } else {
            crate::StridedImage::<u8>::from_memory(memory, 0, layout)
                .expect("sized at decode")
                .into()
        }
    }
}

impl core::fmt::Debug for PngSamples {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PngSamples")
            .field("shape", &self.shape)
            .field("bit_depth", &self.bit_depth)
            .finish_non_exhaustive()
    }
}

/// Reads a PNG's samples without converting 16-bit data to native byte order. Palette images
/// become RGB or RGBA, 1/2/4-bit gray becomes 8-bit, and transparency chunks become alpha,
/// as with `image`; only the byte order differs.
///
/// ```
/// use viewlib::io::{load_png_samples, Limits};
/// let raw = load_png_samples("assets/testcard.png", Limits::default())?;
/// assert_eq!((raw.bit_depth(), raw.shape()[2]), (8, 4));
/// # Ok::<(), viewlib::io::ImageFileError>(())
/// ```
pub fn load_png_samples(
    path: impl AsRef<Path>,
    limits: Limits,
) -> Result<PngSamples, ImageFileError> {
    let path = path.as_ref();
    decode(path, limits).map_err(|kind| ImageFileError::new(path, kind))
}

fn decode(path: &Path, limits: Limits) -> Result<PngSamples, FileErrorKind> {
    let mut file = super::open_regular(path, false)?;
    super::preflight::check_png_file(&mut file)?;
    let max_bytes = usize::try_from(limits.max_bytes).unwrap_or(usize::MAX);
    let mut decoder =
        png::Decoder::new_with_limits(BufReader::new(file), png::Limits { bytes: max_bytes });
    decoder.set_transformations(png::Transformations::EXPAND);
    let decode_error = |e| match e {
        png::DecodingError::LimitsExceeded => FileErrorKind::MemoryLimit {
            max_bytes: limits.max_bytes,
        },
        e => FileErrorKind::DecodePng(e),
    };
    contain_panics("Png", || {
        let mut reader = decoder.read_info().map_err(decode_error)?;
        let (width, height) = reader.info().size();
        let size = reader
            .output_buffer_size()
            .ok_or(FileErrorKind::TooManyBytes {
                needed: u64::MAX,
                max_bytes: limits.max_bytes,
            })?;
        let working =
            super::preflight::after_header(image::ImageFormat::Png, height, size as u64, 0);
        limits.check(
            width.into(),
            height.into(),
            (size as u64).saturating_add(working),
        )?;
        let mut bytes = crate::alloc::zeroed_vec(size)?;
        let frame = reader.next_frame(&mut bytes).map_err(decode_error)?;
        bytes.truncate(frame.buffer_size());
        let channels = frame.color_type.samples();
        let bit_depth = frame.bit_depth as u8;
        if frame.line_size != frame.width as usize * channels * usize::from(bit_depth / 8) {
            return Err(FileErrorKind::Unsupported {
                what: format!("{bit_depth}-bit {:?} rows", frame.color_type),
                format: "PNG samples".into(),
            });
        }
        Ok(PngSamples {
            bytes,
            shape: [frame.height as usize, frame.width as usize, channels],
            bit_depth,
        })
    })
}
