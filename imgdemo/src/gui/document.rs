//! What the app works on, with no UI in it: the source image and the result of running the
//! pipeline on a copy of it.

use super::anatomy::{Lineage, ViewLayout};
use super::preview::{DisplayMode, DisplaySample, Preview, preview};
use crate::pipeline::{self, Op, OpError, StepReport};
use image::metadata::Orientation;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use viewlib::io::{self, ImageFileError, SaveOptions};
use viewlib::{DynImageBuf, ImageBuf, View, ViewError};

/// Pixels of 8 or 16 bits: what the pipeline runs on.
#[derive(Debug, Clone, PartialEq)]
pub enum Pixels {
    /// 8-bit samples.
    U8(Arc<ImageBuf<u8>>),
    /// 16-bit samples.
    U16(Arc<ImageBuf<u16>>),
}

impl Pixels {
    /// `[height, width, channels]`.
    pub fn shape(&self) -> [usize; 3] {
        match self {
            Pixels::U8(b) => b.shape(),
            Pixels::U16(b) => b.shape(),
        }
    }

    /// Bytes per sample.
    pub fn itemsize(&self) -> usize {
        match self {
            Pixels::U8(_) => 1,
            Pixels::U16(_) => 2,
        }
    }

    /// The samples at element offset `offset`, `count` of them `stride` apart, as numbers.
    pub fn values(&self, offset: usize, stride: isize, count: usize) -> Vec<u32> {
        fn read<T: DisplaySample>(s: &[T], offset: usize, stride: isize, count: usize) -> Vec<u32> {
            (0..count)
                .filter_map(|k| {
                    let i = usize::try_from(offset as isize + k as isize * stride).ok()?;
                    s.get(i).map(|v| v.value())
                })
                .collect()
        }
        match self {
            Pixels::U8(b) => read(b.as_slice(), offset, stride, count),
            Pixels::U16(b) => read(b.as_slice(), offset, stride, count),
        }
    }
}

/// An opened image.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where it came from: a path, or the bundled image's name.
    pub name: String,
    /// The file, if it came from one.
    pub path: Option<PathBuf>,
    /// The decoded pixels (float images become 16-bit).
    pub pixels: Pixels,
    /// What the file held, e.g. `RGBA, 8 bits` or `RGB, 32-bit float (shown as 16 bits)`.
    pub format: String,
    /// A picture of the whole image within the texture limit.
    pub preview: Preview,
    /// Time to read and decode the file.
    pub decode: Duration,
}

fn colour_name(channels: usize) -> &'static str {
    match channels {
        1 => "gray",
        2 => "gray+alpha",
        3 => "RGB",
        4 => "RGBA",
        _ => "multi-channel",
    }
}

impl Source {
    /// Decodes `path` (within viewlib's default limits), upright: a photo whose EXIF data
    /// says the camera was turned is shown turned back, as photo viewers show it (the
    /// library's `oriented` view, copied once into the app's source buffer).
    pub fn open(path: &Path, max_side: usize) -> Result<Source, ImageFileError> {
        let start = Instant::now();
        let (image, orientation) = io::load_with_orientation(path, io::Limits::default())?;
        let image = upright(image, orientation).map_err(|e| ImageFileError::new(path, e.into()))?;
        let decode = start.elapsed();
        let mut source = Source::from_image(path.display().to_string(), image, max_side)
            .map_err(|e| ImageFileError::new(path, e.into()))?;
        if orientation != Orientation::NoTransforms {
            source.format += &format!(
                ", turned upright (EXIF orientation {})",
                orientation.to_exif()
            );
        }
        source.path = Some(path.to_path_buf());
        source.decode = decode;
        Ok(source)
    }

    /// The image `image`, named `name`. Fails only when a float image's 16-bit working copy
    /// cannot be allocated.
    pub fn from_image(
        name: String,
        image: DynImageBuf,
        max_side: usize,
    ) -> Result<Source, ViewError> {
        let [_, _, c] = image.shape();
        let (pixels, format) = match image {
            DynImageBuf::U8(b) => (
                Pixels::U8(Arc::new(b)),
                format!("{}, 8 bits", colour_name(c)),
            ),
            DynImageBuf::U16(b) => (
                Pixels::U16(Arc::new(b)),
                format!("{}, 16 bits", colour_name(c)),
            ),
            DynImageBuf::F32(b) => (
                Pixels::U16(Arc::new(b.view().to_u16_image()?)),
                format!(
                    "{}, 32-bit float (shown and processed as 16 bits, 0..1 clamped)",
                    colour_name(c)
                ),
            ),
            other => {
                let shape = other.shape();
                let blank = ImageBuf::new(shape[0], shape[1], shape[2]).unwrap_or_else(|_| {
                    ImageBuf::new(1, 1, 1).expect("a 1x1 image fits in memory")
                });
                (
                    Pixels::U8(Arc::new(blank)),
                    "unsupported sample type".into(),
                )
            }
        };
        let layout = super::anatomy::ViewLayout::whole(pixels.shape(), pixels.itemsize());
        let preview = match &pixels {
            Pixels::U8(b) => preview(b.as_slice(), &layout, DisplayMode::Natural, max_side),
            Pixels::U16(b) => preview(b.as_slice(), &layout, DisplayMode::Natural, max_side),
        };
        Ok(Source {
            name,
            path: None,
            pixels,
            format,
            preview,
            decode: Duration::ZERO,
        })
    }

    /// The bundled test card (1280x720 RGBA, 8 bits), drawn by [`crate::testcard`]: the same
    /// pixels as `assets/testcard.png`.
    pub fn testcard(max_side: usize) -> Source {
        Source::from_image(
            "test card (bundled, assets/testcard.png)".into(),
            DynImageBuf::U8(crate::testcard::testcard()),
            max_side,
        )
        .expect("an 8-bit image needs no working copy")
    }

    /// The bundled 16-bit gradient (1024x256 RGB), `assets/testcard16.png`.
    pub fn gradient16(max_side: usize) -> Source {
        Source::from_image(
            "16-bit gradient (bundled, assets/testcard16.png)".into(),
            DynImageBuf::U16(crate::testcard::gradient16()),
            max_side,
        )
        .expect("a 16-bit image needs no working copy")
    }
}

/// `image` as `orientation` says to show it: the oriented view, copied in C order (the app's
/// source is a plain buffer); untouched when nothing turns.
fn upright(image: DynImageBuf, orientation: Orientation) -> Result<DynImageBuf, ViewError> {
    if orientation == Orientation::NoTransforms {
        return Ok(image);
    }
    Ok(match image {
        DynImageBuf::U8(b) => DynImageBuf::U8(b.view().oriented(orientation).to_image_buf()?),
        DynImageBuf::U16(b) => DynImageBuf::U16(b.view().oriented(orientation).to_image_buf()?),
        DynImageBuf::F32(b) => DynImageBuf::F32(b.view().oriented(orientation).to_image_buf()?),
        other => other,
    })
}

/// Where the time of one pipeline run went.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Copying the source into the working buffer (so the source stays untouched).
    pub copy: Duration,
    /// The operations.
    pub ops: Duration,
    /// Painting the preview from the result view.
    pub preview: Duration,
}

/// The result of running the pipeline on the source.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The buffer the result view reads: the working copy, or the buffer the last `gray`
    /// made.
    pub base: Pixels,
    /// How the result view reads `base`, and how it maps back to the source.
    pub lineage: Lineage,
    /// What each step did.
    pub reports: Vec<StepReport>,
    /// A picture of the result.
    pub preview: Preview,
    /// The display mode the preview was painted with.
    pub mode: DisplayMode,
    /// Bytes of the working copy.
    pub working_bytes: usize,
    /// Where the time went.
    pub timings: Timings,
}

impl Processed {
    /// The result's samples at `[y, x]`, all channels.
    pub fn values_at(&self, y: usize, x: usize) -> Option<Vec<u32>> {
        let layout = self.lineage.result();
        let offset = layout.element_offset(y, x, 0)?;
        Some(self.base.values(offset, layout.strides[2], layout.shape[2]))
    }

    /// The result as a C-order image (a copy), for tests and for comparing with kernels.
    pub fn to_dyn_image(&self) -> Result<DynImageBuf, ViewError> {
        Ok(match &self.base {
            Pixels::U8(b) => DynImageBuf::U8(result_view(b, &self.lineage).to_image_buf()?),
            Pixels::U16(b) => DynImageBuf::U16(result_view(b, &self.lineage).to_image_buf()?),
        })
    }

    /// Saves the result as PNG at its own bit depth, reading the result view directly.
    pub fn save_png(&self, path: &Path, overwrite: bool) -> Result<(), ImageFileError> {
        let options = SaveOptions {
            overwrite,
            ..SaveOptions::default()
        };
        match &self.base {
            Pixels::U8(b) => io::save_png(path, result_view(b, &self.lineage), &options),
            Pixels::U16(b) => io::save_png(path, result_view(b, &self.lineage), &options),
        }
    }
}

fn result_view<'a, T: viewlib::Sample>(base: &'a ImageBuf<T>, lineage: &Lineage) -> View<'a, T, 3> {
    let layout = lineage.result();
    View::from_slice_with_strides(base.as_slice(), layout.shape, layout.strides, layout.offset)
        .expect("the lineage was taken from a view of this buffer")
}

/// A full-resolution picture of the part `[x, y, width, height]` of the view `layout` of
/// `base`: what the window shows when zoomed in past the preview's resolution.
///
/// ```
/// use imgdemo::gui::anatomy::ViewLayout;
/// use imgdemo::gui::document::{region_preview, Source};
/// use imgdemo::gui::preview::DisplayMode;
/// let card = Source::testcard(4096);
/// let layout = ViewLayout::whole([720, 1280, 4], 1);
/// let detail = region_preview(&card.pixels, &layout, [10, 20, 30, 40], DisplayMode::Natural, 4096).unwrap();
/// assert_eq!((detail.image.size, detail.scale), ([30, 40], 1));
/// assert!(region_preview(&card.pixels, &layout, [1270, 0, 20, 1], DisplayMode::Natural, 4096).is_none());
/// ```
pub fn region_preview(
    base: &Pixels,
    layout: &ViewLayout,
    [x, y, width, height]: [usize; 4],
    mode: DisplayMode,
    max_side: usize,
) -> Option<Preview> {
    let [h, w, c] = layout.shape;
    if width == 0 || height == 0 || x.checked_add(width)? > w || y.checked_add(height)? > h {
        return None;
    }
    let region = ViewLayout {
        shape: [height, width, c],
        offset: layout.element_offset(y, x, 0)?,
        ..*layout
    };
    Some(match base {
        Pixels::U8(b) => preview(b.as_slice(), &region, mode, max_side),
        Pixels::U16(b) => preview(b.as_slice(), &region, mode, max_side),
    })
}

/// Why the result could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProcessError {
    /// An operation does not apply to the image reaching it.
    #[error(transparent)]
    Op(#[from] OpError),
    /// The pipeline panicked: a bug in the app or the library, reported instead of taking
    /// the app down.
    #[error("the pipeline stopped on a bug (a panic in {what}); the steps are kept")]
    Panicked {
        /// What panicked.
        what: &'static str,
    },
}

impl ProcessError {
    /// The operation that does not apply, when that is the failure.
    pub fn op_error(&self) -> Option<&OpError> {
        match self {
            ProcessError::Op(e) => Some(e),
            ProcessError::Panicked { .. } => None,
        }
    }
}

/// Runs `ops` on a copy of `source` and paints the result.
///
/// ```
/// use imgdemo::gui::document::{process, Source};
/// use imgdemo::gui::preview::DisplayMode;
/// let source = Source::testcard(4096);
/// let ops = ["crop=0,0,64,32".parse()?, "channel=G".parse()?];
/// let result = process(&source, &ops, DisplayMode::Natural, 4096)?;
/// assert_eq!(result.lineage.result().shape, [32, 64, 1]);
/// assert_eq!(result.reports.iter().map(|r| r.bytes_copied).sum::<usize>(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn process(
    source: &Source,
    ops: &[Op],
    mode: DisplayMode,
    max_side: usize,
) -> Result<Processed, ProcessError> {
    process_reusing(source, ops, mode, max_side, None)
}

/// [`process`], copying the source into `spare`'s buffer when it is a result nobody else
/// holds, of the source's type and size: writing into memory already mapped is several
/// times faster than into a fresh allocation, whose every page faults on first touch.
pub fn process_reusing(
    source: &Source,
    ops: &[Op],
    mode: DisplayMode,
    max_side: usize,
    spare: Option<Processed>,
) -> Result<Processed, ProcessError> {
    let spare = spare.map(|p| p.base);
    match &source.pixels {
        Pixels::U8(b) => process_typed(b, ops, mode, max_side, spare),
        Pixels::U16(b) => process_typed(b, ops, mode, max_side, spare),
    }
}

/// The sample types a [`Pixels`] holds.
trait PixelType: DisplaySample {
    fn wrap(buffer: Arc<ImageBuf<Self>>) -> Pixels;
    fn unwrap(pixels: Pixels) -> Option<Arc<ImageBuf<Self>>>;
}

impl PixelType for u8 {
    fn wrap(buffer: Arc<ImageBuf<u8>>) -> Pixels {
        Pixels::U8(buffer)
    }
    fn unwrap(pixels: Pixels) -> Option<Arc<ImageBuf<u8>>> {
        match pixels {
            Pixels::U8(b) => Some(b),
            Pixels::U16(_) => None,
        }
    }
}

impl PixelType for u16 {
    fn wrap(buffer: Arc<ImageBuf<u16>>) -> Pixels {
        Pixels::U16(buffer)
    }
    fn unwrap(pixels: Pixels) -> Option<Arc<ImageBuf<u16>>> {
        match pixels {
            Pixels::U16(b) => Some(b),
            Pixels::U8(_) => None,
        }
    }
}

fn process_typed<T: PixelType>(
    source: &ImageBuf<T>,
    ops: &[Op],
    mode: DisplayMode,
    max_side: usize,
    spare: Option<Pixels>,
) -> Result<Processed, ProcessError> {
    let start = Instant::now();
    // In-place steps write to this copy; the source stays as loaded for the next run.
    let [h, w, c] = source.shape();
    let reusable = spare
        .and_then(T::unwrap)
        .and_then(|b| Arc::try_unwrap(b).ok())
        .map(ImageBuf::into_vec)
        .filter(|v| v.len() == source.as_slice().len());
    let working = match reusable {
        Some(mut samples) => {
            samples.copy_from_slice(source.as_slice());
            ImageBuf::from_vec(h, w, c, samples).expect("the source's shape fits its samples")
        }
        None => source.clone(),
    };
    let working_bytes = size_of_val(working.as_slice());
    let copy = start.elapsed();
    let mut reports = Vec::new();
    let start = Instant::now();
    let result = pipeline::apply_owned(working.into(), ops, &mut reports)?;
    let ops_time = start.elapsed();
    let lineage = Lineage::new(source.shape(), size_of::<T>(), &reports);
    // The result's memory is the whole working buffer, or the whole buffer `gray` made.
    let [bh, bw, bc] = lineage.result().base_shape;
    let samples = result
        .into_samples()
        .expect("the pipeline's result holds its buffer alone");
    let buffer = ImageBuf::from_vec(bh, bw, bc, samples).expect("the buffer has its shape");
    let start = Instant::now();
    let preview = preview(buffer.as_slice(), lineage.result(), mode, max_side);
    let preview_time = start.elapsed();
    Ok(Processed {
        base: T::wrap(Arc::new(buffer)),
        lineage,
        reports,
        preview,
        mode,
        working_bytes,
        timings: Timings {
            copy,
            ops: ops_time,
            preview: preview_time,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Photos the camera took turned open upright, whatever the format carries the EXIF data.
    #[test]
    fn sources_open_upright_as_their_exif_orientation_says() {
        let dir = tempfile::tempdir().unwrap();
        let set = viewlib_e2e::conformance::write_set(dir.path());
        for (path, orientation) in &set.oriented {
            let source = Source::open(path, 4096).unwrap();
            let (stored, _) = io::load_with_orientation(path, io::Limits::default()).unwrap();
            let DynImageBuf::U8(stored) = stored else {
                panic!("8-bit")
            };
            let expected = stored.view().oriented(*orientation).to_image_buf().unwrap();
            let Pixels::U8(shown) = &source.pixels else {
                panic!("8-bit")
            };
            assert_eq!(shown.shape(), expected.shape(), "{}", path.display());
            assert_eq!(shown.as_slice(), expected.as_slice(), "{}", path.display());
            let turned = *orientation != Orientation::NoTransforms;
            assert_eq!(
                source.format.contains("EXIF orientation"),
                turned,
                "{}",
                source.format
            );
        }
    }
}
