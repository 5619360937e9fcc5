//! Operations, as the batch mode and the desktop app name them, applied to views.
//!
//! Geometry (`crop`, `flip`, `transpose`) and `channel` only change the view: no pixel is
//! copied, and the encoder reads the final strided view directly. `invert` and the tone
//! operations rewrite the pixels the view covers, in place. Only `gray` makes a new buffer
//! (its output has fewer channels).

use crate::ops::{Alpha, Invert, Luma, Lut, LutSample};
use crate::{ImageBuf, Sample, StridedImage, ViewError, ViewMut};
use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

/// Which way to mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flip {
    /// Left to right (`flip=h`).
    Horizontal,
    /// Top to bottom (`flip=v`).
    Vertical,
}

/// A channel by name: `R`, `G`, `B`, `A` (alpha of RGBA or gray+alpha), or `L` (gray).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// Red.
    R,
    /// Green.
    G,
    /// Blue.
    B,
    /// Alpha.
    A,
    /// Luminance, the gray channel of a gray image.
    L,
}

impl Channel {
    /// The channel's index in an image with `channels` channels, if it has it.
    ///
    /// ```
    /// use viewlib::pipeline::Channel;
    /// assert_eq!(Channel::A.index_in(4), Some(3));
    /// assert_eq!(Channel::A.index_in(2), Some(1)); // gray + alpha
    /// assert_eq!(Channel::R.index_in(1), None);    // a gray image has no red
    /// ```
    pub fn index_in(self, channels: usize) -> Option<usize> {
        match (self, channels) {
            (Channel::L, 1 | 2) => Some(0),
            (Channel::A, 2) => Some(1),
            (Channel::R, 3 | 4) => Some(0),
            (Channel::G, 3 | 4) => Some(1),
            (Channel::B, 3 | 4) => Some(2),
            (Channel::A, 4) => Some(3),
            _ => None,
        }
    }
}

/// One step of a pipeline. Parses from and displays as the command-line form.
///
/// ```
/// use viewlib::pipeline::Op;
/// let op: Op = "crop=10,20,300,200".parse()?;
/// assert_eq!(op, Op::Crop { x: 10, y: 20, width: 300, height: 200 });
/// assert_eq!(op.to_string(), "crop=10,20,300,200");
/// assert!("crop=10,20".parse::<Op>().is_err());
/// # Ok::<(), viewlib::pipeline::ParseOpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    /// `invert` (colour only, alpha kept) or `invert=all` (alpha too).
    Invert(Alpha),
    /// `crop=X,Y,W,H`: the `W x H` rectangle whose top-left pixel is `(X, Y)`.
    Crop {
        /// Left column.
        x: usize,
        /// Top row.
        y: usize,
        /// Columns kept.
        width: usize,
        /// Rows kept.
        height: usize,
    },
    /// `channel=R|G|B|A|L`: keep one channel, as a single-channel (gray) image.
    Channel(Channel),
    /// `flip=h` or `flip=v`.
    Flip(Flip),
    /// `transpose`: rows become columns.
    Transpose,
    /// `gray`: luma of RGB (Rec. 709, as the `image` crate); alpha is kept.
    Gray,
    /// `brightness=D`: add `D` of the full range (`-1..=1`) to colour samples.
    Brightness(f64),
    /// `contrast=F`: scale the distance from mid-gray by `F`.
    Contrast(f64),
    /// `gamma=G`: `v^G` on the unit range.
    Gamma(f64),
    /// `threshold=T`: colour samples at or above `T` of the range become maximum, others 0.
    Threshold(f64),
}

/// The operations' command-line forms, for help texts and error messages.
pub const OP_SYNTAX: &str = "invert, invert=all, crop=X,Y,W,H, channel=R|G|B|A|L, flip=h|v, \
transpose, gray, brightness=D (-1..1), contrast=F (>0), gamma=G (>0), threshold=T (0..1)";

/// A malformed operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}`: {reason} (operations: {OP_SYNTAX})")]
pub struct ParseOpError {
    given: String,
    reason: String,
}

impl FromStr for Op {
    type Err = ParseOpError;

    fn from_str(s: &str) -> Result<Op, ParseOpError> {
        let fail = |reason: &str| ParseOpError {
            given: s.to_string(),
            reason: reason.to_string(),
        };
        let (name, arg) = match s.split_once('=') {
            Some((name, arg)) => (name.trim(), Some(arg.trim())),
            None => (s.trim(), None),
        };
        let number = |what: &str, range: std::ops::RangeInclusive<f64>| {
            let arg = arg.ok_or_else(|| fail(&format!("{name} needs a value: {name}=N")))?;
            arg.parse::<f64>()
                .ok()
                .filter(|v| range.contains(v))
                .ok_or_else(|| {
                    fail(&format!(
                        "{what} must be a number in {}..={}",
                        range.start(),
                        range.end()
                    ))
                })
        };
        let op = match (name.to_ascii_lowercase().as_str(), arg) {
            ("invert", None) => Op::Invert(Alpha::Keep),
            ("invert", Some("all")) => Op::Invert(Alpha::Invert),
            ("invert", Some(_)) => return Err(fail("invert takes no value, or `all`")),
            ("crop", Some(arg)) => {
                let parts: Vec<_> = arg.split(',').map(|p| p.trim().parse::<usize>()).collect();
                match parts[..] {
                    [Ok(x), Ok(y), Ok(width), Ok(height)] if width > 0 && height > 0 => Op::Crop {
                        x,
                        y,
                        width,
                        height,
                    },
                    [Ok(_), Ok(_), Ok(_), Ok(_)] => {
                        return Err(fail("crop width and height must be at least 1"));
                    }
                    _ => return Err(fail("crop takes four whole numbers: crop=X,Y,W,H")),
                }
            }
            ("channel", Some(arg)) => Op::Channel(match arg.to_ascii_uppercase().as_str() {
                "R" => Channel::R,
                "G" => Channel::G,
                "B" => Channel::B,
                "A" => Channel::A,
                "L" => Channel::L,
                _ => return Err(fail("channel is one of R, G, B, A, L")),
            }),
            ("flip", Some(arg)) => Op::Flip(match arg.to_ascii_lowercase().as_str() {
                "h" | "horizontal" => Flip::Horizontal,
                "v" | "vertical" => Flip::Vertical,
                _ => return Err(fail("flip is h (left-right) or v (top-bottom)")),
            }),
            ("transpose", None) => Op::Transpose,
            ("gray" | "grey", None) => Op::Gray,
            ("brightness", _) => Op::Brightness(number("brightness", -1.0..=1.0)?),
            ("contrast", _) => Op::Contrast(number("contrast", 0.0..=100.0)?),
            ("gamma", _) => Op::Gamma(number("gamma", 0.01..=100.0)?),
            ("threshold", _) => Op::Threshold(number("threshold", 0.0..=1.0)?),
            ("crop" | "channel" | "flip", None) => {
                return Err(fail(&format!("{name} needs a value")));
            }
            ("transpose" | "gray" | "grey", Some(_)) => {
                return Err(fail(&format!("{name} takes no value")));
            }
            _ => return Err(fail("unknown operation")),
        };
        Ok(op)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Invert(Alpha::Keep) => write!(f, "invert"),
            Op::Invert(Alpha::Invert) => write!(f, "invert=all"),
            Op::Crop {
                x,
                y,
                width,
                height,
            } => write!(f, "crop={x},{y},{width},{height}"),
            Op::Channel(c) => write!(f, "channel={c:?}"),
            Op::Flip(Flip::Horizontal) => write!(f, "flip=h"),
            Op::Flip(Flip::Vertical) => write!(f, "flip=v"),
            Op::Transpose => write!(f, "transpose"),
            Op::Gray => write!(f, "gray"),
            Op::Brightness(v) => write!(f, "brightness={v}"),
            Op::Contrast(v) => write!(f, "contrast={v}"),
            Op::Gamma(v) => write!(f, "gamma={v}"),
            Op::Threshold(v) => write!(f, "threshold={v}"),
        }
    }
}

/// An operation that does not apply to this image.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("operation {position} `{op}`: {reason}")]
pub struct OpError {
    /// 1-based position in the pipeline.
    pub position: usize,
    /// The operation.
    pub op: Op,
    /// Why it does not apply.
    pub reason: String,
}

/// What one step did: for the summary in batch mode and the panel in the desktop app.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    /// The operation.
    pub op: Op,
    /// Wall time of the step.
    pub elapsed: Duration,
    /// Bytes of pixel data the step copied or allocated (0 for view changes and in-place
    /// kernels).
    pub bytes_copied: usize,
    /// `[height, width, channels]` after the step.
    pub shape: [usize; 3],
    /// Element strides of the view after the step.
    pub strides: [isize; 3],
    /// Element offset of the view's first sample in its buffer: the working buffer, or the
    /// new buffer of the last step that copied (`bytes_copied > 0`).
    pub offset: usize,
}

/// Sample types the pipeline runs on: 8 and 16-bit integers.
pub trait PipelineSample: Invert + Luma + LutSample {}
impl<T: Invert + Luma + LutSample> PipelineSample for T {}

/// Applies `ops` to `image` in order, then hands the resulting view to `finish` (to encode it,
/// display it, copy it out). Step reports are appended to `report`.
///
/// `image` is the working buffer: in-place steps change the pixels it covers.
///
/// ```
/// use viewlib::pipeline::{apply, Op};
/// use viewlib::ViewMut;
/// let mut rgb: Vec<u8> = (0..2 * 3 * 3).collect(); // 2 rows, 3 columns
/// let ops: Vec<Op> = ["crop=1,0,2,2", "flip=h", "channel=R", "invert"]
///     .iter().map(|s| s.parse().unwrap()).collect();
/// let mut report = Vec::new();
/// let red = apply(ViewMut::from_slice(&mut rgb, [2, 3, 3])?, &ops, &mut report, |v| v.view().to_vec())?;
/// assert_eq!(red, [255 - 6, 255 - 3, 255 - 15, 255 - 12]);
/// assert_eq!(report.iter().map(|s| s.bytes_copied).sum::<usize>(), 0); // all views, in place
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply<T: PipelineSample, R>(
    image: ViewMut<'_, T, 3>,
    ops: &[Op],
    report: &mut Vec<StepReport>,
    finish: impl FnOnce(ViewMut<'_, T, 3>) -> R,
) -> Result<R, OpError> {
    run(image, ops, 0, report, finish)
}

fn run<T: PipelineSample, R, F: FnOnce(ViewMut<'_, T, 3>) -> R>(
    mut image: ViewMut<'_, T, 3>,
    ops: &[Op],
    done: usize,
    report: &mut Vec<StepReport>,
    finish: F,
) -> Result<R, OpError> {
    for (i, &op) in ops.iter().enumerate() {
        let position = done + i + 1;
        let fail = |reason: String| OpError {
            position,
            op,
            reason,
        };
        let view_error = |e: ViewError| fail(e.to_string());
        let start = Instant::now();
        let channels = image.channels();
        // Tone operations leave alpha alone.
        let colour = colour_channels(channels);
        match op {
            Op::Invert(alpha) => image.reborrow().invert_in_place(alpha),
            Op::Crop {
                x,
                y,
                width,
                height,
            } => image = image.crop(x, y, width, height).map_err(view_error)?,
            Op::Channel(channel) => {
                let index = channel.index_in(channels).ok_or_else(|| {
                    fail(format!(
                        "the image has no {channel:?} channel (it is {})",
                        describe(channels)
                    ))
                })?;
                image = image.channel_range(index..index + 1).map_err(view_error)?;
            }
            Op::Flip(Flip::Horizontal) => image = image.flip_horizontal(),
            Op::Flip(Flip::Vertical) => image = image.flip_vertical(),
            Op::Transpose => image = image.transpose(),
            Op::Gray => {
                let mut gray = gray_step(image.view(), position, start, report)?;
                return run(gray.view_mut(), &ops[i + 1..], position, report, finish);
            }
            Op::Brightness(_) | Op::Contrast(_) | Op::Gamma(_) | Op::Threshold(_) => {
                let lut = tone_lut::<T>(op).expect("a tone operation");
                map_colour(&mut image, colour, &lut);
            }
        }
        report.push(StepReport {
            op,
            elapsed: start.elapsed(),
            bytes_copied: 0,
            shape: image.shape(),
            strides: image.strides(),
            offset: image.offset_bytes() / size_of::<T>(),
        });
    }
    Ok(finish(image))
}

/// Like [`apply`], but owns the pixels and returns the result as an image over the buffer the
/// result view reads (the working buffer, or the one the last `gray` made), so the caller
/// can keep it (the desktop app displays, inspects and saves it) without copying it out of
/// the view. `image` must hold its memory alone: in-place steps write to it.
///
/// ```
/// use viewlib::pipeline::{apply_owned, Op};
/// use viewlib::{ImageBuf, StridedImage};
/// let image = StridedImage::from(ImageBuf::from_vec(2, 3, 3, (0..18u8).collect())?);
/// let ops: Vec<Op> = ["flip=h", "gray", "transpose"].iter().map(|s| s.parse().unwrap()).collect();
/// let mut report = Vec::new();
/// let result = apply_owned(image, &ops, &mut report)?;
/// assert_eq!((result.shape(), result.strides()), ([3, 2, 1], [1, 3, 1]));
/// assert_eq!(result.memory_bytes().len(), 6); // the buffer gray made
/// assert_eq!(report[1].bytes_copied, 6);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply_owned<T: PipelineSample>(
    mut image: StridedImage<T>,
    ops: &[Op],
    report: &mut Vec<StepReport>,
) -> Result<StridedImage<T>, OpError> {
    let mut done = 0;
    for segment in ops.split_inclusive(|op| matches!(op, Op::Gray)) {
        let (views, gray) = match segment.split_last() {
            Some((Op::Gray, rest)) => (rest, true),
            _ => (segment, false),
        };
        let memory_start = image.memory_bytes().as_ptr() as usize;
        let view = image
            .view_mut()
            .expect("the pipeline's image holds its memory alone");
        let (offset, layout) = run(view, views, done, report, |v| {
            ((v.as_ptr() as usize).wrapping_sub(memory_start), v.layout())
        })?;
        image = image
            .with_layout(offset, layout)
            .expect("the layout of a view of this memory");
        done += views.len();
        if gray {
            done += 1;
            image = gray_step(image.view(), done, Instant::now(), report)?.into();
        }
    }
    Ok(image)
}

/// The `gray` step at `position`: a new buffer, reported.
fn gray_step<T: PipelineSample>(
    image: crate::View<'_, T, 3>,
    position: usize,
    start: Instant,
    report: &mut Vec<StepReport>,
) -> Result<ImageBuf<T>, OpError> {
    let gray = to_gray(image).map_err(|e| OpError {
        position,
        op: Op::Gray,
        reason: e.to_string(),
    })?;
    report.push(StepReport {
        op: Op::Gray,
        elapsed: start.elapsed(),
        bytes_copied: size_of_val(gray.as_slice()),
        shape: gray.shape(),
        strides: gray.view().strides(),
        offset: 0,
    });
    Ok(gray)
}

fn describe(channels: usize) -> String {
    match channels {
        1 => "gray".into(),
        2 => "gray+alpha".into(),
        3 => "RGB".into(),
        4 => "RGBA".into(),
        n => format!("{n}-channel"),
    }
}

fn map_colour<S: Sample>(image: &mut ViewMut<'_, S, 3>, colour: usize, lut: &Lut<S::Value>)
where
    S::Value: LutSample,
{
    let all = image.channels();
    let target = image.reborrow();
    if colour == all {
        target.map_in_place(lut);
    } else {
        target
            .channel_range(..colour)
            .expect("colour channels exist")
            .map_in_place(lut);
    }
}

/// Channels the tone operations change: alpha (the last of 2 or 4) is left alone.
fn colour_channels(channels: usize) -> usize {
    if channels == 2 || channels == 4 {
        channels - 1
    } else {
        channels
    }
}

fn tone_lut<V: LutSample>(op: Op) -> Option<Lut<V>> {
    Some(match op {
        Op::Brightness(d) => Lut::brightness(d),
        Op::Contrast(f) => Lut::contrast(f),
        Op::Gamma(g) => Lut::gamma(g),
        Op::Threshold(t) => Lut::threshold(V::from_f64((t * V::MAX).round())),
        _ => return None,
    })
}

/// A pipeline in which every output row comes from one source row, in order (no `flip=v`,
/// no `transpose`): it can run a band of rows at a time, on images larger than memory.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPlan {
    /// The first source row that reaches the output; output row `k` comes from source row
    /// `first_row + k`.
    pub first_row: usize,
    /// `[height, width, channels]` of the source.
    pub source_shape: [usize; 3],
    /// `[height, width, channels]` of the result.
    pub output_shape: [usize; 3],
    ops: Vec<Op>,
}

impl RowPlan {
    /// Plans `ops` on a `[height, width, channels]` image without touching pixels. `Ok(None)`
    /// when an operation needs the whole image at once (`flip=v`, `transpose`); an error, the
    /// one [`apply`] would give, when an operation does not apply.
    ///
    /// ```
    /// use viewlib::pipeline::{Op, RowPlan};
    /// let ops: Vec<Op> = ["crop=10,100,50,20", "channel=G", "invert"].iter().map(|s| s.parse().unwrap()).collect();
    /// let plan = RowPlan::new(&ops, [1000, 800, 3])?.unwrap();
    /// assert_eq!((plan.first_row, plan.output_shape), (100, [20, 50, 1]));
    /// // A band of 8 source rows keeps the crop's columns and all 8 rows.
    /// assert_eq!(plan.band_ops(8)[0].to_string(), "crop=10,0,50,8");
    /// assert!(RowPlan::new(&["flip=v".parse()?], [10, 10, 3])?.is_none());
    /// assert!(RowPlan::new(&["crop=0,0,5,50".parse()?], [10, 10, 3]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(ops: &[Op], shape: [usize; 3]) -> Result<Option<RowPlan>, OpError> {
        let [mut height, mut width, mut channels] = shape;
        let mut first_row = 0;
        for (i, &op) in ops.iter().enumerate() {
            let fail = |reason: String| OpError {
                position: i + 1,
                op,
                reason,
            };
            match op {
                Op::Flip(Flip::Vertical) | Op::Transpose => return Ok(None),
                Op::Crop {
                    x,
                    y,
                    width: w,
                    height: h,
                } => {
                    let fits = |start: usize, len: usize, total: usize| {
                        start.checked_add(len).is_some_and(|end| end <= total)
                    };
                    if !fits(x, w, width) || !fits(y, h, height) {
                        return Err(fail(
                            ViewError::CropOutOfBounds {
                                x,
                                y,
                                width: w,
                                height: h,
                                image_width: width,
                                image_height: height,
                            }
                            .to_string(),
                        ));
                    }
                    first_row += y;
                    (height, width) = (h, w);
                }
                Op::Channel(channel) => {
                    channel.index_in(channels).ok_or_else(|| {
                        fail(format!(
                            "the image has no {channel:?} channel (it is {})",
                            describe(channels)
                        ))
                    })?;
                    channels = 1;
                }
                Op::Gray => {
                    channels = match channels {
                        3 => 1,
                        4 => 2,
                        c => c,
                    }
                }
                Op::Invert(_)
                | Op::Flip(Flip::Horizontal)
                | Op::Brightness(_)
                | Op::Contrast(_)
                | Op::Gamma(_)
                | Op::Threshold(_) => {}
            }
        }
        Ok(Some(RowPlan {
            first_row,
            source_shape: shape,
            output_shape: [height, width, channels],
            ops: ops.to_vec(),
        }))
    }

    /// The operations for a band of `rows` consecutive source rows starting at row
    /// `first_row + k`: each crop keeps its columns and every row of the band.
    pub fn band_ops(&self, rows: usize) -> Vec<Op> {
        rows_of_band(&self.ops, rows)
    }
}

/// How an in-place pipeline ([`apply_in_place`]) runs over a file a band of rows at a time,
/// so that memory stays at about two bands whatever the image size.
#[derive(Debug, Clone, PartialEq)]
pub enum InPlaceBands {
    /// Every row is changed from itself alone (no `flip=v`): bands in any order.
    Rows(RowPlan),
    /// `flip=v` mirrors the source rows `rows` (and nothing later crops rows): a band of top
    /// rows and the matching band of bottom rows, stacked, are processed together, since
    /// mirroring the stack swaps exactly the rows that mirroring the whole range swaps.
    /// Rows left in the middle form one last band, symmetric about the centre.
    Mirrored {
        /// The source rows the mirror spans.
        rows: std::ops::Range<usize>,
        /// The pipeline, its crops rewritten per band by [`InPlaceBands::band_ops`].
        ops: Vec<Op>,
    },
    /// A crop after `flip=v` picks rows of the mirrored image: the source rows `rows` are
    /// processed at once.
    Whole {
        /// The source rows the pipeline reads and writes.
        rows: std::ops::Range<usize>,
        /// The pipeline for a buffer holding exactly those rows.
        ops: Vec<Op>,
    },
}

impl InPlaceBands {
    /// Plans `ops` in place on a `[height, width, channels]` image, with the checks of
    /// [`check_in_place`].
    ///
    /// ```
    /// use viewlib::pipeline::{InPlaceBands, Op};
    /// let ops: Vec<Op> = ["crop=0,10,4,80", "flip=v", "invert"].iter().map(|s| s.parse().unwrap()).collect();
    /// let InPlaceBands::Mirrored { rows, .. } = InPlaceBands::new(&ops, [100, 4, 3])? else { panic!() };
    /// assert_eq!(rows, 10..90);
    /// // A band of 2 top and 2 bottom rows: crops keep their columns, span the stack.
    /// let plan = InPlaceBands::new(&ops, [100, 4, 3])?;
    /// assert_eq!(plan.band_ops(4)[0].to_string(), "crop=0,0,4,4");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(ops: &[Op], shape: [usize; 3]) -> Result<InPlaceBands, OpError> {
        check_in_place(ops, shape)?;
        let Some(first_flip) = ops
            .iter()
            .position(|op| matches!(op, Op::Flip(Flip::Vertical)))
        else {
            let plan = RowPlan::new(ops, shape)?.expect("no flip=v, no transpose");
            return Ok(InPlaceBands::Rows(plan));
        };
        let (leading, rest) = ops.split_at(first_flip);
        let region = RowPlan::new(leading, shape)?.expect("no flip=v before the first");
        let height = region.output_shape[0];
        let rows = region.first_row..region.first_row + height;
        let crops_rows_later = rest
            .iter()
            .any(|op| matches!(op, Op::Crop { y, height: h, .. } if *y != 0 || *h != height));
        if crops_rows_later {
            let mut ops = region.band_ops(height);
            ops.extend_from_slice(rest);
            return Ok(InPlaceBands::Whole { rows, ops });
        }
        Ok(InPlaceBands::Mirrored {
            rows,
            ops: ops.to_vec(),
        })
    }

    /// The operations for a band of `rows` rows: for [`Rows`](Self::Rows) and
    /// [`Mirrored`](Self::Mirrored) every crop keeps its columns and spans the band; for
    /// [`Whole`](Self::Whole), the planned pipeline (`rows` is its height).
    pub fn band_ops(&self, rows: usize) -> Vec<Op> {
        match self {
            InPlaceBands::Rows(plan) => plan.band_ops(rows),
            InPlaceBands::Mirrored { ops, .. } => rows_of_band(ops, rows),
            InPlaceBands::Whole { ops, .. } => ops.clone(),
        }
    }
}

/// `ops` with every crop keeping its columns and spanning `rows` rows from the top.
fn rows_of_band(ops: &[Op], rows: usize) -> Vec<Op> {
    ops.iter()
        .map(|&op| match op {
            Op::Crop { x, width, .. } => Op::Crop {
                x,
                y: 0,
                width,
                height: rows,
            },
            op => op,
        })
        .collect()
}

/// Checks that `ops` can run in place on a `[height, width, channels]` image
/// ([`apply_in_place`]), before anything is written.
pub fn check_in_place(ops: &[Op], shape: [usize; 3]) -> Result<(), OpError> {
    for (i, &op) in ops.iter().enumerate() {
        if matches!(op, Op::Transpose | Op::Gray) {
            return Err(OpError {
                position: i + 1,
                op,
                reason: "changes the image's shape, which an in-place run cannot (write a new \
                         file instead)"
                    .into(),
            });
        }
    }
    // The same bounds and channel checks as a normal run; flips are fine in place.
    let planned: Vec<Op> = ops
        .iter()
        .map(|&op| match op {
            Op::Flip(_) => Op::Invert(Alpha::Keep),
            op => op,
        })
        .collect();
    RowPlan::new(&planned, shape).map(drop)
}

/// Runs `ops` through a writable view of an image in place, such as a mapped file: `crop`
/// and `channel` choose which samples the later steps change (as slicing a `memoryview`
/// and assigning through it does), `invert` and the tone operations rewrite them, and flips
/// mirror them in place. `transpose` and `gray` change the shape and are refused; call
/// [`check_in_place`] first so that nothing is written when a step would fail.
///
/// ```
/// use viewlib::pipeline::{apply_in_place, Op};
/// use viewlib::ViewMut;
/// let mut rgb: Vec<u8> = vec![10; 2 * 3 * 3];
/// let ops: Vec<Op> = ["crop=1,0,2,1", "channel=R", "invert"].iter().map(|s| s.parse().unwrap()).collect();
/// apply_in_place(ViewMut::from_slice(&mut rgb, [2, 3, 3])?, &ops)?;
/// assert_eq!(rgb[..9], [10, 10, 10, 245, 10, 10, 245, 10, 10]); // red of 2 pixels in row 0
/// assert!(rgb[9..].iter().all(|&v| v == 10));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply_in_place<S: Invert>(mut image: ViewMut<'_, S, 3>, ops: &[Op]) -> Result<(), OpError>
where
    S::Value: LutSample,
{
    check_in_place(ops, image.shape())?;
    for &op in ops {
        let colour = colour_channels(image.channels());
        match op {
            Op::Invert(alpha) => image.reborrow().invert_in_place(alpha),
            Op::Crop {
                x,
                y,
                width,
                height,
            } => image = image.crop(x, y, width, height).expect("checked"),
            Op::Channel(channel) => {
                let index = channel.index_in(image.channels()).expect("checked");
                image = image.channel_range(index..index + 1).expect("checked");
            }
            Op::Flip(Flip::Horizontal) => image.reborrow().flip_horizontal_in_place(),
            Op::Flip(Flip::Vertical) => image.reborrow().flip_vertical_in_place(),
            Op::Transpose | Op::Gray => unreachable!("refused by check_in_place"),
            tone => {
                let lut = tone_lut::<S::Value>(tone).expect("the tone operations are left");
                map_colour(&mut image, colour, &lut);
            }
        }
    }
    Ok(())
}

/// Luma of RGB(A), alpha kept: gray, gray+alpha stay as they are; RGB becomes gray and RGBA
/// gray+alpha, like `image`'s `DynamicImage::grayscale`.
fn to_gray<T: PipelineSample>(image: crate::View<'_, T, 3>) -> crate::Result<ImageBuf<T>> {
    let [h, w, c] = image.shape();
    if c < 3 {
        return image.to_image_buf();
    }
    if c == 4 {
        let mut out = ImageBuf::new(h, w, 2)?;
        image.luma_alpha_into(out.view_mut())?;
        return Ok(out);
    }
    image.to_luma()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(list: &[&str]) -> Vec<Op> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn every_op_round_trips_through_its_text_form() {
        for text in [
            "invert",
            "invert=all",
            "crop=0,5,7,9",
            "channel=R",
            "channel=L",
            "flip=h",
            "flip=v",
            "transpose",
            "gray",
            "brightness=-0.25",
            "contrast=1.5",
            "gamma=2.2",
            "threshold=0.5",
        ] {
            let op: Op = text.parse().unwrap();
            assert_eq!(op.to_string(), text);
        }
        assert_eq!("CHANNEL=b".parse::<Op>(), Ok(Op::Channel(Channel::B)));
        assert_eq!("grey".parse::<Op>(), Ok(Op::Gray));
    }

    #[test]
    fn malformed_ops_say_what_is_wrong() {
        let reason = |s: &str| s.parse::<Op>().unwrap_err().reason;
        assert_eq!(
            reason("crop=1,2,3"),
            "crop takes four whole numbers: crop=X,Y,W,H"
        );
        assert_eq!(
            reason("crop=1,2,0,3"),
            "crop width and height must be at least 1"
        );
        assert_eq!(
            reason("crop=-1,2,3,4"),
            "crop takes four whole numbers: crop=X,Y,W,H"
        );
        assert_eq!(reason("channel=X"), "channel is one of R, G, B, A, L");
        assert_eq!(reason("flip=d"), "flip is h (left-right) or v (top-bottom)");
        assert_eq!(reason("blur"), "unknown operation");
        assert_eq!(reason("gamma"), "gamma needs a value: gamma=N");
        assert_eq!(reason("gamma=0"), "gamma must be a number in 0.01..=100");
        assert_eq!(reason("gray=1"), "gray takes no value");
        assert_eq!(reason("crop"), "crop needs a value");
        let err = "blur".parse::<Op>().unwrap_err().to_string();
        assert!(
            err.starts_with("`blur`: unknown operation (operations: invert, "),
            "{err}"
        );
    }

    #[test]
    fn ops_that_do_not_fit_the_image_name_the_step_and_the_image() {
        let mut px = vec![0u8; 4 * 5 * 3];
        let image = ViewMut::from_slice(&mut px, [4, 5, 3]).unwrap();
        let err = apply(
            image,
            &ops(&["invert", "crop=3,0,3,2"]),
            &mut Vec::new(),
            |_| (),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "operation 2 `crop=3,0,3,2`: crop 3x2 at (3, 0) does not fit in a 5x4 image"
        );
        let image = ViewMut::from_slice(&mut px, [4, 5, 3]).unwrap();
        let err = apply(image, &ops(&["channel=A"]), &mut Vec::new(), |_| ()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "operation 1 `channel=A`: the image has no A channel (it is RGB)"
        );
        let image = ViewMut::from_slice(&mut px, [4, 5, 3]).unwrap();
        let err = apply(image, &ops(&["gray", "channel=G"]), &mut Vec::new(), |_| ()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "operation 2 `channel=G`: the image has no G channel (it is gray)"
        );
    }

    #[cfg(feature = "image")]
    #[test]
    fn gray_keeps_alpha_like_image_and_reports_its_copy() {
        let rgba: Vec<u16> = (0..3 * 2 * 4).map(|i| (i * 2741) as u16).collect();
        let expected = image::DynamicImage::ImageRgba16(
            image::ImageBuffer::from_raw(2, 3, rgba.clone()).unwrap(),
        )
        .grayscale()
        .into_luma_alpha16()
        .into_raw();
        let mut px = rgba;
        let mut report = Vec::new();
        let image = ViewMut::from_slice(&mut px, [3, 2, 4]).unwrap();
        let gray = apply(image, &ops(&["gray"]), &mut report, |v| v.view().to_vec()).unwrap();
        assert_eq!(gray, expected);
        assert_eq!(
            (report[0].bytes_copied, report[0].shape),
            (3 * 2 * 2 * 2, [3, 2, 2])
        );
    }

    #[test]
    fn apply_owned_gives_the_same_result_and_reports_as_apply() {
        let chains = [
            vec!["invert"],
            vec!["gray", "flip=h", "gray", "transpose"],
            vec!["crop=1,1,3,2", "channel=G", "gray", "invert"],
            vec![
                "transpose",
                "gray",
                "crop=0,1,2,2",
                "brightness=0.1",
                "gray",
            ],
            vec![],
        ];
        for chain in chains {
            let px: Vec<u16> = (0..4 * 5 * 4).map(|i| (i * 911) as u16).collect();
            let mut copy = px.clone();
            let mut expected_report = Vec::new();
            let expected = apply(
                ViewMut::from_slice(&mut copy, [4, 5, 4]).unwrap(),
                &ops(&chain),
                &mut expected_report,
                |v| (v.shape(), v.view().to_vec()),
            )
            .unwrap();
            let mut report = Vec::new();
            let image = ImageBuf::from_vec(4, 5, 4, px).unwrap();
            let applied = apply_owned(image.into(), &ops(&chain), &mut report).unwrap();
            assert_eq!(
                (applied.shape(), applied.view().to_vec()),
                expected,
                "{chain:?}"
            );
            let strip = |r: &[StepReport]| -> Vec<_> {
                r.iter()
                    .map(|s| (s.op, s.bytes_copied, s.shape, s.strides, s.offset))
                    .collect()
            };
            assert_eq!(strip(&report), strip(&expected_report), "{chain:?}");
        }
    }

    #[test]
    fn tone_ops_leave_alpha_alone() {
        let mut px = vec![10u8, 200, 30, 77, 250, 5, 128, 77];
        let image = ViewMut::from_slice(&mut px, [1, 2, 4]).unwrap();
        let out = apply(
            image,
            &ops(&["threshold=0.5", "brightness=0.1"]),
            &mut Vec::new(),
            |v| v.view().to_vec(),
        )
        .unwrap();
        assert_eq!(out, [26, 255, 26, 77, 255, 26, 255, 77]);
    }
}
