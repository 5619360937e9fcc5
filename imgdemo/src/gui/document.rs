//! What the app works on, with no UI in it: the source image and the result of running the
//! pipeline on a copy of it, both the library's owned strided images.

use super::footprint::{Footprint, footprint};
use super::preview::{
    DisplayMode, DisplaySample, Preview, SampleValue, preview_reusing, word_picture_reusing,
};
use super::steps::Steps;
use crate::pipeline::{self, Channel, Op, OpError, StepLayout, StepReport, dry_run};
use egui::Color32;
use image::metadata::Orientation;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use viewlib::io::{self, ImageFileError, SaveOptions};
use viewlib::{DynImageBuf, DynStridedImage, ImageBuf, Lineage, Sample, StridedImage, ViewError};

/// `$body` with `$typed` bound to the typed image inside `$image`: any sample type a
/// pipeline result can have (a source is 8 or 16 bits; casts make the others).
macro_rules! typed {
    ($image:expr, $typed:ident => $body:expr) => {
        match $image {
            DynStridedImage::U8($typed) => $body,
            DynStridedImage::U16($typed) => $body,
            DynStridedImage::U16Be($typed) => $body,
            DynStridedImage::F32($typed) => $body,
            DynStridedImage::U32($typed) => $body,
            other => unreachable!(
                "viewlib has no sample type {} for apply_dyn",
                other.format()
            ),
        }
    };
}

/// The samples of pixel `[y, x]` of `image`, all channels, as the inspector shows them
/// (numbers, floats or words).
///
/// ```
/// use imgdemo::gui::document::{values_at, Source};
/// let card = Source::testcard(4096);
/// assert_eq!(values_at(card.image(), [0, 0]).map(|v| v.len()), Some(4));
/// assert_eq!(values_at(card.image(), [720, 0]), None);
/// let words = card.image().cast(viewlib::SampleType::of::<u32>().unwrap())?;
/// assert!(values_at(&words, [0, 0]).unwrap()[0].to_string().starts_with("0x"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn values_at(image: &DynStridedImage, [y, x]: [usize; 2]) -> Option<Vec<SampleValue>> {
    typed!(image, i => {
        let view = i.view();
        (0..view.channels()).map(|k| view.get_ref([y, x, k]).map(|s| s.value())).collect()
    })
}

/// Values as the inspector lists them: `[12, 34, 56, 255]`, `[0xFF204080]`, `[0.25]`.
///
/// ```
/// use imgdemo::gui::document::values_text;
/// use imgdemo::gui::preview::SampleValue;
/// assert_eq!(values_text(&[SampleValue::Int(1), SampleValue::Word(0xAB)]), "[1, 0x000000AB]");
/// ```
pub fn values_text(values: &[SampleValue]) -> String {
    let listed: Vec<String> = values.iter().map(ToString::to_string).collect();
    format!("[{}]", listed.join(", "))
}

/// Paints any result: each sample type as [`DisplaySample`] says, and `u32` words (unless
/// shown channel by channel) as a false-colour map: each word's three most significant
/// bytes as red, green and blue. RGBA8 pixels cast to this machine's little-endian words
/// show alpha as red, blue as green and green as blue: the byte order made visible. Of
/// several words per pixel, the first is shown.
///
/// ```
/// use imgdemo::gui::document::{picture, Source};
/// use imgdemo::gui::preview::DisplayMode;
/// let card = Source::testcard(4096);
/// let words = card.image().cast(viewlib::SampleType::of::<u32>().unwrap())?;
/// let shown = picture(&words, DisplayMode::Natural, 4096, Vec::new());
/// let [r, g, b, a]: [u8; 4] = card.image().memory_bytes()[..4].try_into()?;
/// let expected = if cfg!(target_endian = "little") { [a, b, g] } else { [r, g, b] };
/// assert_eq!(shown.image.pixels[0], egui::Color32::from_rgb(expected[0], expected[1], expected[2]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn picture(
    image: &DynStridedImage,
    mode: DisplayMode,
    max_side: usize,
    spare: Vec<Color32>,
) -> Preview {
    if let DynStridedImage::U32(words) = image
        && mode != DisplayMode::ChannelsSideBySide
    {
        return word_picture_reusing(words.view(), max_side, spare);
    }
    typed!(image, i => preview_reusing(i.view(), mode, max_side, spare))
}

/// An opened image.
#[derive(Debug, Clone)]
pub struct Source {
    /// Where it came from: a path, or the bundled image's name.
    pub name: String,
    /// The file, if it came from one.
    pub path: Option<PathBuf>,
    /// The pixels: 8 or 16-bit; a turned photo is an oriented view of the decoded buffer.
    image: DynStridedImage,
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

/// `image` in a sample type the pipeline runs on, and what it was: 8 and 16-bit images as
/// they are, float and big-endian 16-bit samples converted to native 16 bits (a copy).
fn working_type(image: DynStridedImage) -> Result<(DynStridedImage, &'static str), ViewError> {
    Ok(match image {
        DynStridedImage::U8(i) => (i.into(), "8 bits"),
        DynStridedImage::U16(i) => (i.into(), "16 bits"),
        DynStridedImage::F32(i) => (
            StridedImage::from(i.view().to_u16_image()?).into(),
            "32-bit float (shown and processed as 16 bits, 0..1 clamped)",
        ),
        DynStridedImage::U16Be(i) => {
            let [h, w, c] = i.shape();
            let native = ImageBuf::from_vec(h, w, c, i.view().values().collect())?;
            (
                StridedImage::from(native).into(),
                "16 bits big-endian (processed in the machine's byte order)",
            )
        }
        other => {
            return Err(ViewError::UnsupportedSampleType {
                format: other.format(),
            });
        }
    })
}

impl Source {
    /// Decodes `path` (within viewlib's default limits), upright: a photo whose EXIF data
    /// says the camera was turned is shown turned back, as photo viewers show it (the
    /// library's `oriented` view of the decoded buffer: no pixel is copied).
    pub fn open(path: &Path, max_side: usize) -> Result<Source, ImageFileError> {
        let start = Instant::now();
        let (image, orientation) = io::load_with_orientation(path, io::Limits::default())?;
        let decode = start.elapsed();
        let fail = |e: ViewError| ImageFileError::new(path, e.into());
        let (image, bits) = working_type(image.into()).map_err(fail)?;
        let mut format = format!("{}, {bits}", colour_name(image.shape()[2]));
        if orientation != Orientation::NoTransforms {
            format += &format!(
                ", turned upright (EXIF orientation {})",
                orientation.to_exif()
            );
        }
        let mut source = Source::new(
            path.display().to_string(),
            image.oriented(orientation),
            format,
            max_side,
        );
        source.path = Some(path.to_path_buf());
        source.decode = decode;
        Ok(source)
    }

    /// The image `image`, named `name`. Float and big-endian images are converted to
    /// 16-bit samples (the one copy); fails when that copy cannot be allocated, or for
    /// sample types the app cannot show.
    ///
    /// ```
    /// use imgdemo::gui::document::Source;
    /// use viewlib::{DynStridedImage, ImageBuf, SampleType, StridedImage};
    /// let floats = StridedImage::from(ImageBuf::from_vec(1, 2, 1, vec![0.0f32, 1.0])?);
    /// let source = Source::from_image("floats".into(), floats.into(), 4096)?;
    /// assert_eq!(source.image().sample_type(), SampleType::of::<u16>().unwrap());
    /// assert!(source.format.contains("32-bit float"));
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn from_image(
        name: String,
        image: DynStridedImage,
        max_side: usize,
    ) -> Result<Source, ViewError> {
        let (image, bits) = working_type(image)?;
        let format = format!("{}, {bits}", colour_name(image.shape()[2]));
        Ok(Source::new(name, image, format, max_side))
    }

    /// `image` (8 or 16 bits), with its preview.
    fn new(name: String, image: DynStridedImage, format: String, max_side: usize) -> Source {
        let preview = picture(&image, DisplayMode::Natural, max_side, Vec::new());
        Source {
            name,
            path: None,
            image,
            format,
            preview,
            decode: Duration::ZERO,
        }
    }

    /// The pixels, 8 or 16 bits, as shown (upright).
    pub fn image(&self) -> &DynStridedImage {
        &self.image
    }

    /// The bundled test card (1280x720 RGBA, 8 bits), drawn by [`crate::testcard`]: the same
    /// pixels as `assets/testcard.png`.
    pub fn testcard(max_side: usize) -> Source {
        Source::from_image(
            "test card (bundled, assets/testcard.png)".into(),
            DynImageBuf::U8(crate::testcard::testcard()).into(),
            max_side,
        )
        .expect("an 8-bit image needs no working copy")
    }

    /// The bundled 16-bit gradient (1024x256 RGB), `assets/testcard16.png`.
    pub fn gradient16(max_side: usize) -> Source {
        Source::from_image(
            "16-bit gradient (bundled, assets/testcard16.png)".into(),
            DynImageBuf::U16(crate::testcard::gradient16()).into(),
            max_side,
        )
        .expect("a 16-bit image needs no working copy")
    }
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
    /// The result: a view of the working copy, or of the buffer the last `gray` made.
    image: DynStridedImage,
    /// How result pixels map to source pixels, through the copies `gray` made.
    pub lineage: Lineage,
    /// What each step did.
    pub reports: Vec<StepReport>,
    /// A picture of the result.
    pub preview: Preview,
    /// The bytes of its memory the result reads.
    pub footprint: Footprint,
    /// The display mode the preview was painted with.
    pub mode: DisplayMode,
    /// Bytes of the working copy.
    pub working_bytes: usize,
    /// Where the time went.
    pub timings: Timings,
}

impl Processed {
    /// The result image, over the buffer it reads.
    pub fn image(&self) -> &DynStridedImage {
        &self.image
    }

    /// The result's samples at `[y, x]`, all channels.
    pub fn values_at(&self, y: usize, x: usize) -> Option<Vec<SampleValue>> {
        values_at(&self.image, [y, x])
    }

    /// The result as a C-order image (a copy), for tests and for comparing with kernels:
    /// big-endian 16-bit samples by their values (native `u16`); `u32` words, which
    /// [`DynImageBuf`] does not hold, are [`ViewError::UnsupportedSampleType`] (compare
    /// [`image`](Self::image) instead).
    pub fn to_dyn_image(&self) -> Result<DynImageBuf, ViewError> {
        Ok(match &self.image {
            DynStridedImage::U8(i) => DynImageBuf::U8(i.to_image_buf()?),
            DynStridedImage::U16(i) => DynImageBuf::U16(i.to_image_buf()?),
            DynStridedImage::U16Be(i) => {
                let [h, w, c] = i.shape();
                DynImageBuf::U16(ImageBuf::from_vec(h, w, c, i.view().values().collect())?)
            }
            DynStridedImage::F32(i) => DynImageBuf::F32(i.to_image_buf()?),
            other => {
                return Err(ViewError::UnsupportedSampleType {
                    format: other.format(),
                });
            }
        })
    }

    /// Whether PNG holds the result's samples (8 or 16 bits in either byte order): `u32`
    /// words and floats need a cast to `u8` or `u16` first.
    pub fn saves_as_png(&self) -> bool {
        png_bits(&self.image).is_some()
    }

    /// Saves the result at its own bit depth, reading the result view directly, in the
    /// format the path's extension names (the app offers PNG); [`SaveError::NotPngSamples`]
    /// for words and floats, which are reinterpreted bytes here, not pictures.
    pub fn save_png(&self, path: &Path, overwrite: bool) -> Result<(), SaveError> {
        if !self.saves_as_png() {
            return Err(SaveError::NotPngSamples {
                format: self.image.format(),
            });
        }
        let options = SaveOptions {
            overwrite,
            ..SaveOptions::default()
        };
        Ok(self.image.save(path, &options)?)
    }
}

/// Bits per sample of a PNG holding `image`'s samples, if PNG holds them.
///
/// ```
/// use imgdemo::gui::document::{png_bits, Source};
/// let card = Source::testcard(4096);
/// assert_eq!(png_bits(card.image()), Some(8));
/// assert_eq!(png_bits(&card.image().cast(viewlib::SampleType::U16Be)?), Some(16));
/// assert_eq!(png_bits(&card.image().cast(viewlib::SampleType::of::<f32>().unwrap())?), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn png_bits(image: &DynStridedImage) -> Option<usize> {
    match image {
        DynStridedImage::U8(_) | DynStridedImage::U16(_) | DynStridedImage::U16Be(_) => {
            Some(image.itemsize() * 8)
        }
        _ => None,
    }
}

/// Why the result was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// PNG holds 8 and 16-bit samples; the result has 32-bit words or floats.
    #[error(
        "PNG holds 8 or 16-bit samples, not format {format:?} (32-bit words or floats): add a cast to u8 or u16 to save the same bytes"
    )]
    NotPngSamples {
        /// The result's format code.
        format: &'static str,
    },
    /// Writing the file failed.
    #[error(transparent)]
    File(#[from] ImageFileError),
}

/// A full-resolution picture of the part `[x, y, width, height]` of `image` (an app image):
/// what the window shows when zoomed in past the preview's resolution. `None` when the part
/// is not inside the image.
///
/// ```
/// use imgdemo::gui::document::{region_preview, Source};
/// use imgdemo::gui::preview::DisplayMode;
/// let card = Source::testcard(4096);
/// let detail = region_preview(card.image(), [10, 20, 30, 40], DisplayMode::Natural, 4096).unwrap();
/// assert_eq!((detail.image.size, detail.scale), ([30, 40], 1));
/// assert!(region_preview(card.image(), [1270, 0, 20, 1], DisplayMode::Natural, 4096).is_none());
/// ```
pub fn region_preview(
    image: &DynStridedImage,
    [x, y, width, height]: [usize; 4],
    mode: DisplayMode,
    max_side: usize,
) -> Option<Preview> {
    let part = image.crop(x, y, width, height).ok()?;
    Some(picture(&part, mode, max_side, Vec::new()))
}

/// Why the result could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProcessError {
    /// An operation does not apply to the image reaching it.
    #[error(transparent)]
    Op(#[from] OpError),
    /// No working copy of the source could be made: the system refused the memory for it
    /// (the source itself stays loaded and shown).
    #[error("no working copy of the source: {0}")]
    WorkingCopy(ViewError),
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
            ProcessError::WorkingCopy(_) | ProcessError::Panicked { .. } => None,
        }
    }
}

/// What the app works on: the source, the pipeline as edited, the step selected for editing,
/// and the last run's result or failure. No UI in it: the panels read it and edit it through
/// its methods, and the app sends the runs it asks for ([`Document::next_run`]) to the worker
/// and gives the replies back ([`Document::take_run`]).
///
/// Its rules:
/// 1. Every change (an edit of the steps, a new source, [`changed`](Document::changed)) makes
///    it dirty until the run for it is taken; a run is asked for only with a source.
/// 2. Each run has a new generation; a reply is taken only when it answers the newest one,
///    so a slow reply to an older pipeline never overwrites a newer result.
/// 3. A new source drops the result and the failure of the old one, and the replies to runs
///    on the old one are stale.
/// 4. A reply that fails keeps the last result (the window shows it dimmed under the reason).
///
/// ```
/// use imgdemo::gui::Document;
/// use imgdemo::gui::document::{process, Source};
/// use imgdemo::gui::preview::DisplayMode;
/// use std::sync::Arc;
/// let mut doc = Document::new(Default::default());
/// doc.set_source(Arc::new(Source::testcard(256)));
/// doc.push_step("flip=h".parse()?);
/// let run = doc.next_run().expect("a change with a source");
/// assert!(!doc.is_dirty());
/// let result = process(&run.source, &run.ops, DisplayMode::Natural, 256)?;
/// assert!(doc.take_run(run.generation, Ok(Arc::new(result))).is_some());
/// assert_eq!(doc.result().map(|r| r.reports.len()), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct Document {
    source: Option<Arc<Source>>,
    steps: Steps,
    /// The step whose editor is open.
    selected: Option<usize>,
    result: Option<Arc<Processed>>,
    failure: Option<ProcessError>,
    /// The newest run asked for (rule 2).
    generation: u64,
    /// Changed in a way the steps' revision does not show (rule 1).
    dirty: bool,
    /// The steps' revision when the last run was asked for.
    revision_run: u64,
}

/// A pipeline run [`Document::next_run`] asks for.
#[derive(Debug, Clone)]
pub struct Run {
    /// Names the run; its reply is taken only while it is the newest.
    pub generation: u64,
    /// The image to run on.
    pub source: Arc<Source>,
    /// The enabled operations, in order.
    pub ops: Vec<Op>,
}

impl Document {
    /// A document with `steps` and no source yet.
    pub fn new(steps: Steps) -> Document {
        Document {
            revision_run: steps.revision(),
            steps,
            ..Document::default()
        }
    }

    /// The opened image.
    pub fn source(&self) -> Option<&Source> {
        self.source.as_deref()
    }

    /// The opened image, to share with the worker.
    pub fn shared_source(&self) -> Option<&Arc<Source>> {
        self.source.as_ref()
    }

    /// Replaces the image: the old one's result and failure go, and the replies to runs on it
    /// will be ignored (rule 3); the steps stay and run on the new one.
    pub fn set_source(&mut self, source: Arc<Source>) {
        self.source = Some(source);
        self.result = None;
        self.failure = None;
        self.generation += 1;
        self.dirty = true;
    }

    /// The pipeline as edited.
    pub fn steps(&self) -> &Steps {
        &self.steps
    }

    /// The step whose editor is open.
    pub fn selected(&self) -> Option<usize> {
        self.selected
    }

    /// Opens the editor of step `index` (`None` closes it).
    pub fn select(&mut self, index: Option<usize>) {
        self.selected = index;
    }

    /// Appends a step and opens its editor.
    pub fn push_step(&mut self, op: Op) {
        self.steps.push(op);
        self.selected = Some(self.steps.len() - 1);
    }

    /// Sets the operation of step `index` (an edit only if it differs).
    pub fn set_op(&mut self, index: usize, op: Op) {
        self.steps.set_op(index, op);
    }

    /// Switches step `index` on or off.
    pub fn toggle_step(&mut self, index: usize) {
        self.steps.toggle(index);
    }

    /// Removes step `index`; no editor stays open.
    pub fn remove_step(&mut self, index: usize) {
        self.steps.remove(index);
        self.selected = None;
    }

    /// Moves step `index` one place earlier (the first stays); an open editor stays with its
    /// step, whichever of the two swapped it is.
    pub fn move_step_up(&mut self, index: usize) {
        let seen = self.steps.revision();
        self.steps.move_up(index);
        if self.steps.revision() != seen {
            self.swap_selection(index - 1, index);
        }
    }

    /// Moves step `index` one place later (the last stays); an open editor stays with its
    /// step, whichever of the two swapped it is.
    pub fn move_step_down(&mut self, index: usize) {
        let seen = self.steps.revision();
        self.steps.move_down(index);
        if self.steps.revision() != seen {
            self.swap_selection(index, index + 1);
        }
    }

    /// Steps `a` and `b` have swapped: so does the selection, if it is one of them.
    fn swap_selection(&mut self, a: usize, b: usize) {
        self.selected = self.selected.map(|s| match s {
            s if s == a => b,
            s if s == b => a,
            s => s,
        });
    }

    /// Removes every step.
    pub fn clear_steps(&mut self) {
        self.steps.clear();
        self.selected = None;
    }

    /// Applies a crop given in source coordinates: it updates the first crop step if no step
    /// before it moves pixels around (crop, flip, transpose), or becomes a new first step.
    /// The step's editor opens.
    pub fn set_source_crop(&mut self, crop: Op) {
        let first_crop = self
            .steps
            .as_slice()
            .iter()
            .position(|s| matches!(s.op, Op::Crop { .. } | Op::Flip(_) | Op::Transpose));
        match first_crop {
            Some(i) if matches!(self.steps.as_slice()[i].op, Op::Crop { .. }) => {
                self.steps.set_op(i, crop);
                self.selected = Some(i);
            }
            _ => {
                self.steps.insert(0, crop);
                self.selected = Some(0);
            }
        }
    }

    /// The latest result taken.
    pub fn result(&self) -> Option<&Processed> {
        self.result.as_deref()
    }

    /// The latest result taken, to share with the worker (to save it).
    pub fn shared_result(&self) -> Option<&Arc<Processed>> {
        self.result.as_ref()
    }

    /// Why the newest run failed, when it did.
    pub fn failure(&self) -> Option<&ProcessError> {
        self.failure.as_ref()
    }

    /// Marks a change the steps do not show (how the result is painted): it runs again.
    pub fn changed(&mut self) {
        self.dirty = true;
    }

    /// Whether a change waits for its run (rule 1).
    pub fn is_dirty(&self) -> bool {
        self.dirty || self.steps.revision() != self.revision_run
    }

    /// The run the latest change asks for, once: `None` when nothing changed since the last
    /// one, or when there is no source yet (the change waits for it).
    pub fn next_run(&mut self) -> Option<Run> {
        let source = self.source.as_ref()?;
        if !self.is_dirty() {
            return None;
        }
        self.dirty = false;
        self.revision_run = self.steps.revision();
        self.generation += 1;
        Some(Run {
            generation: self.generation,
            source: Arc::clone(source),
            ops: self.steps.enabled_ops(),
        })
    }

    /// Takes the reply to run `generation`: the result, or the failure (the last result
    /// stays, rule 4). A reply to an older run is ignored and `None` returned (rule 2).
    pub fn take_run(
        &mut self,
        generation: u64,
        reply: Result<Arc<Processed>, ProcessError>,
    ) -> Option<Result<&Processed, &ProcessError>> {
        if generation != self.generation {
            return None;
        }
        match reply {
            Ok(result) => {
                self.failure = None;
                let result: &Processed = self.result.insert(result);
                Some(Ok(result))
            }
            Err(e) => {
                let failure: &ProcessError = self.failure.insert(e);
                Some(Err(failure))
            }
        }
    }

    /// The channel the last enabled `channel=` step extracts, if the pipeline ends in one
    /// channel.
    pub fn last_channel(&self) -> Option<Channel> {
        // Asked every frame (by the toolbar): walks the steps rather than collecting them.
        let enabled = self.steps.as_slice().iter().filter(|s| s.enabled);
        enabled.rev().find_map(|s| match s.op {
            Op::Channel(c) => Some(c),
            _ => None,
        })
    }

    /// Whether the last enabled cast leaves samples of another type than the source's, other
    /// than `u32` words: channels that are not colours, shown apart.
    pub fn cast_changes_meaning(&self) -> bool {
        let Some(source) = &self.source else {
            return false;
        };
        let enabled = self.steps.as_slice().iter().filter(|s| s.enabled);
        let last_cast = enabled.rev().find_map(|s| match s.op {
            Op::Cast(to) => Some(to),
            _ => None,
        });
        last_cast.is_some_and(|to| {
            to != source.image().sample_type() && Some(to) != viewlib::SampleType::of::<u32>()
        })
    }

    /// Where the elements of the image step `index` receives lie, from the library's dry run
    /// of the enabled steps before it on the working copy of the source (no pixel touched):
    /// `None` without a source, the step's error when one before it does not apply.
    ///
    /// ```
    /// use imgdemo::gui::document::{Document, Source};
    /// use std::sync::Arc;
    /// let mut doc = Document::new(Default::default());
    /// doc.set_source(Arc::new(Source::testcard(256)));
    /// doc.push_step("slice=:,:,::-1".parse()?);
    /// let reaching = doc.input_layout(1).expect("a source")?;
    /// assert_eq!(reaching.layout.strides(), [1280 * 4, 4, -1]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn input_layout(&self, index: usize) -> Option<Result<StepLayout, OpError>> {
        let source = self.source.as_ref()?.image();
        let steps = &self.steps.as_slice()[..index.min(self.steps.len())];
        let before: Vec<Op> = steps.iter().filter(|s| s.enabled).map(|s| s.op).collect();
        // The run copies the source into a working buffer with its layout (`detached`).
        let working = StepLayout::of_dyn(source).detached();
        Some(dry_run(working, &before).map(|layouts| layouts.last().copied().unwrap_or(working)))
    }

    /// A name for a file holding the result: the source's file name with `-result.png`.
    pub fn suggested_name(&self) -> String {
        let stem = self
            .source
            .as_ref()
            .and_then(|s| s.path.as_ref())
            .and_then(|p| p.file_stem())
            .map_or_else(|| "testcard".into(), |s| s.to_string_lossy().into_owned());
        format!("{stem}-result.png")
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
/// assert_eq!(result.image().shape(), [32, 64, 1]);
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
/// holds, of the source's type and size (writing into memory already mapped is several
/// times faster than into a fresh allocation, whose every page faults on first touch), and
/// painting the preview into its preview's pixels. The buffer is reused whatever the
/// result's sample type: a cast reads the same memory (`u32` words over the `Vec<u8>`).
pub fn process_reusing(
    source: &Source,
    ops: &[Op],
    mode: DisplayMode,
    max_side: usize,
    spare: Option<Processed>,
) -> Result<Processed, ProcessError> {
    match &source.image {
        DynStridedImage::U8(i) => process_from(i, ops, mode, max_side, spare),
        DynStridedImage::U16(i) => process_from(i, ops, mode, max_side, spare),
        other => unreachable!("a source is 8 or 16 bits, not {}", other.format()),
    }
}

/// [`process_reusing`] from a source of samples `T`.
fn process_from<T: Sample>(
    source: &StridedImage<T>,
    ops: &[Op],
    mode: DisplayMode,
    max_side: usize,
    spare: Option<Processed>,
) -> Result<Processed, ProcessError>
where
    DynStridedImage: From<StridedImage<T>>,
{
    let start = Instant::now();
    let (spare_samples, spare_pixels) = match spare {
        Some(p) => (p.image.into_memory::<T>().ok(), p.preview.into_pixels()),
        None => (None, None),
    };
    // In-place steps write to this copy, which keeps the source's layout (an upright photo
    // stays a turned view); the source stays as loaded for the next run.
    let working = source
        .detached(spare_samples.unwrap_or_default())
        .map_err(ProcessError::WorkingCopy)?;
    let working_bytes = working.memory_bytes().len();
    let mut lineage = Lineage::of(&working);
    let copy = start.elapsed();
    let mut reports = Vec::new();
    let start = Instant::now();
    let result = pipeline::apply_dyn(working.into(), ops, &mut reports)?;
    let ops_time = start.elapsed();
    for report in &reports {
        lineage
            .follow(report)
            .expect("a step's layout was valid when it ran");
    }
    let start = Instant::now();
    let preview = picture(&result, mode, max_side, spare_pixels.unwrap_or_default());
    let preview_time = start.elapsed();
    Ok(Processed {
        footprint: footprint(&result),
        image: result,
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
    use crate::pipeline::OpErrorKind;

    fn op(text: &str) -> Op {
        text.parse().expect("an operation")
    }

    /// A document on the test card whose first run has been asked for.
    fn running(ops: &[&str]) -> (Document, Run) {
        let mut doc = Document::new(Steps::from_ops(ops.iter().map(|o| op(o))));
        assert_eq!(doc.next_run().map(|r| r.generation), None, "no source yet");
        doc.set_source(Arc::new(Source::testcard(256)));
        let run = doc.next_run().expect("a new source runs");
        (doc, run)
    }

    fn run(run: &Run) -> Result<Arc<Processed>, ProcessError> {
        process(&run.source, &run.ops, DisplayMode::Natural, 256).map(Arc::new)
    }

    #[test]
    fn a_change_is_run_once_and_only_with_a_source() {
        let mut doc = Document::new(Steps::default());
        doc.push_step(op("invert"));
        assert!(doc.is_dirty(), "an edit waits for its run");
        assert!(doc.next_run().is_none(), "nothing to run on yet");
        assert!(doc.is_dirty(), "the edit still waits");
        doc.set_source(Arc::new(Source::testcard(256)));
        let first = doc.next_run().expect("the source came");
        assert_eq!(first.ops, [op("invert")]);
        assert!(!doc.is_dirty());
        assert!(doc.next_run().is_none(), "nothing changed since");
        // An edit that changes nothing is no change.
        doc.set_op(0, op("invert"));
        doc.move_step_up(0);
        assert!(!doc.is_dirty());
        doc.toggle_step(0);
        let second = doc.next_run().expect("a step switched off");
        assert!(second.ops.is_empty());
        assert!(second.generation > first.generation);
        doc.changed();
        assert!(doc.next_run().is_some(), "a change the steps do not show");
    }

    #[test]
    fn a_stale_reply_is_ignored() {
        let (mut doc, first) = running(&["flip=h"]);
        doc.push_step(op("gray"));
        let second = doc.next_run().expect("a new step");
        let late = run(&first);
        assert!(doc.take_run(first.generation, late).is_none());
        assert!(
            doc.result().is_none(),
            "the older pipeline's result is not shown"
        );
        let taken = doc.take_run(second.generation, run(&second));
        assert!(matches!(taken, Some(Ok(r)) if r.reports.len() == 2));
        // The first run's reply, later still: the result stays the newest pipeline's.
        assert!(doc.take_run(first.generation, run(&first)).is_none());
        assert_eq!(doc.result().map(|r| r.reports.len()), Some(2));
    }

    #[test]
    fn a_failure_keeps_the_last_result_and_a_success_clears_it() {
        let (mut doc, first) = running(&["channel=G"]);
        assert!(doc.take_run(first.generation, run(&first)).is_some());
        doc.push_step(op("channel=R"));
        let failing = doc.next_run().expect("a new step");
        let taken = doc.take_run(failing.generation, run(&failing));
        assert!(matches!(taken, Some(Err(ProcessError::Op(e))) if e.position == 2));
        assert!(doc.failure().is_some());
        assert_eq!(doc.result().map(|r| r.image().shape()[2]), Some(1), "kept");
        doc.remove_step(1);
        let fixed = doc.next_run().expect("the step removed");
        assert!(matches!(
            doc.take_run(fixed.generation, run(&fixed)),
            Some(Ok(_))
        ));
        assert!(doc.failure().is_none());
    }

    #[test]
    fn a_new_source_drops_the_old_result_failure_and_replies() {
        let (mut doc, first) = running(&["crop=0,0,64,32"]);
        assert!(doc.take_run(first.generation, run(&first)).is_some());
        doc.set_op(0, op("crop=0,0,9999,32"));
        let failing = doc.next_run().expect("an edit");
        assert!(matches!(
            doc.take_run(failing.generation, run(&failing)),
            Some(Err(_))
        ));
        doc.set_op(0, op("crop=0,0,64,32"));
        let pending = doc.next_run().expect("an edit");
        doc.set_source(Arc::new(Source::gradient16(256)));
        assert!(doc.result().is_none() && doc.failure().is_none());
        assert!(doc.is_dirty(), "the steps run on the new source");
        assert!(
            doc.take_run(pending.generation, run(&pending)).is_none(),
            "a reply about the old source"
        );
        let next = doc.next_run().expect("the new source");
        assert_eq!(
            Some(next.source.image().sample_type()),
            viewlib::SampleType::of::<u16>()
        );
        assert_eq!(next.ops, [op("crop=0,0,64,32")], "the steps stay");
    }

    #[test]
    fn the_selection_follows_its_step() {
        let mut doc = Document::new(Steps::from_ops([op("invert"), op("gray")]));
        doc.push_step(op("flip=v"));
        assert_eq!(doc.selected(), Some(2));
        doc.move_step_up(2);
        assert_eq!(doc.selected(), Some(1));
        doc.move_step_down(0);
        assert_eq!(doc.selected(), Some(0), "swapped with the step moved down");
        doc.move_step_up(0);
        doc.move_step_down(2);
        assert_eq!(doc.selected(), Some(0), "the first and the last stay");
        doc.remove_step(2);
        assert_eq!(doc.selected(), None);
        // A crop dragged on the source updates the first crop when nothing before it moves
        // pixels, and is a new first step otherwise.
        doc.set_source_crop(op("crop=1,2,3,4"));
        assert_eq!(doc.selected(), Some(0));
        assert_eq!(doc.steps().len(), 3, "before the flip");
        doc.set_source_crop(op("crop=5,6,7,8"));
        assert_eq!(doc.steps().len(), 3, "the same crop step");
        assert_eq!(doc.steps().as_slice()[0].op, op("crop=5,6,7,8"));
        doc.select(Some(3));
        doc.clear_steps();
        assert_eq!(doc.selected(), None);
        doc.push_step(op("transpose"));
        doc.push_step(op("crop=0,0,1,1"));
        doc.set_source_crop(op("crop=5,6,7,8"));
        assert_eq!(doc.steps().as_slice()[0].op, op("crop=5,6,7,8"));
        assert_eq!(
            doc.steps().as_slice()[2].op,
            op("crop=0,0,1,1"),
            "after a transpose"
        );
    }

    /// The working copy's buffer serves the next run even when the result is a cast of it
    /// (u32 words or byte pairs over the source's samples): no new allocation per change.
    #[test]
    fn the_working_buffer_is_reused_under_a_cast() {
        for (source, op) in [
            (Source::testcard(4096), "cast=u32"),
            (Source::gradient16(4096), "cast=u8"),
        ] {
            let ops = [op.parse().unwrap(), "flip=h".parse().unwrap()];
            // The result alone holds the working copy's samples, and gives them back.
            let probe = process(&source, &ops, DisplayMode::Natural, 4096).unwrap();
            let taken_bytes = match source.image() {
                DynStridedImage::U8(_) => probe.image.into_memory::<u8>().map(|v| v.len()),
                _ => probe.image.into_memory::<u16>().map(|v| v.len() * 2),
            };
            assert_eq!(taken_bytes.ok(), Some(source.image().memory_bytes().len()));
            let first = process(&source, &ops, DisplayMode::Natural, 4096).unwrap();
            assert_ne!(first.image().format(), source.image().format(), "{op}");
            let address = first.image().memory_bytes().as_ptr();
            let again =
                process_reusing(&source, &ops, DisplayMode::Natural, 4096, Some(first)).unwrap();
            assert_eq!(again.image().memory_bytes().as_ptr(), address, "{op}");
            assert_eq!(
                again.reports.iter().map(|r| r.bytes_copied).sum::<usize>(),
                0
            );
        }
    }

    /// `error` with a misaligned address counted from the start of its buffer: the dry run
    /// knows the working copy's layout but not where the allocator puts it (at a multiple
    /// of 16 bytes).
    fn within_buffer(error: OpError) -> OpError {
        match error.kind {
            OpErrorKind::View(ViewError::Misaligned { address, align }) => OpError {
                kind: OpErrorKind::View(ViewError::Misaligned {
                    address: address % 16,
                    align,
                }),
                ..error
            },
            _ => error,
        }
    }

    /// The layout the dry run predicts for each step's input is the one the run reaches, and
    /// where the run refuses a step, the dry run refuses it with the same error.
    #[test]
    fn the_dry_run_agrees_with_the_run_on_the_working_copy() {
        let source = Arc::new(Source::testcard(256));
        for chain in [
            vec!["flip=h", "cast=u32", "crop=10,20,30,40"],
            vec!["slice=:,:,::-1", "cast=u32"],
            vec!["slice=::2,1:,1:3", "cast=u16"],
            vec!["crop=1,1,100,50", "channel=G", "cast=u16be"],
            vec![
                "transpose",
                "gray",
                "slice=:,::-1",
                "cast=u16be",
                "cast=u8",
                "invert",
            ],
            vec!["cast=u32", "invert"],
        ] {
            let mut doc = Document::new(Steps::from_ops(chain.iter().map(|o| op(o))));
            doc.set_source(Arc::clone(&source));
            let run = process(
                &source,
                &doc.steps().enabled_ops(),
                DisplayMode::Natural,
                256,
            );
            let dry = doc.input_layout(chain.len()).expect("a source");
            match (run, dry) {
                (Ok(result), Ok(last)) => {
                    for (i, report) in result.reports.iter().enumerate() {
                        let reported = StepLayout::from_report(report, None).unwrap();
                        let predicted = doc.input_layout(i + 1).unwrap().unwrap();
                        assert_eq!(predicted, reported, "{chain:?} step {}", i + 1);
                    }
                    assert_eq!(last.layout, result.image().layout(), "{chain:?}");
                }
                (Err(ProcessError::Op(run)), Err(dry)) => {
                    assert_eq!(within_buffer(run), within_buffer(dry), "{chain:?}")
                }
                (run, dry) => panic!("{chain:?}: run {run:?}, dry run {dry:?}"),
            }
        }
    }

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
            let DynStridedImage::U8(shown) = source.image() else {
                panic!("8-bit")
            };
            assert_eq!(shown.shape(), expected.shape(), "{}", path.display());
            assert_eq!(
                shown.to_image_buf().unwrap(),
                expected,
                "{}",
                path.display()
            );
            // A turned view of the decoded buffer, not a copy of it in C order.
            let turned = *orientation != Orientation::NoTransforms;
            assert_eq!(shown.is_c_contiguous(), !turned, "{}", path.display());
            assert_eq!(
                source.format.contains("EXIF orientation"),
                turned,
                "{}",
                source.format
            );
        }
    }
}
