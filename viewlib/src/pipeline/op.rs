//! One operation: its text form, and what it does to an image's shape and memory, decided
//! from the shape alone (no pixel touched), so that planners, checks and labels share one rule.

use super::error::OpErrorKind;
use crate::image_axes::check_crop;
use crate::layout::Layout;
use crate::ops::Alpha;
use crate::sample_type::SampleType;
use crate::slice::Slice;
use std::fmt;
use std::str::FromStr;

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
    #[must_use]
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

    /// [`index_in`](Self::index_in), or the pipeline's error naming the image's channels.
    pub(crate) fn require_in(self, channels: usize) -> Result<usize, OpErrorKind> {
        self.index_in(channels).ok_or(OpErrorKind::NoSuchChannel {
            channel: self,
            channels,
        })
    }
}

/// One axis of a [`Op::Slice`]: a NumPy index (`1`, `-1`) or slice (`100:400:2`, `::-1`).
///
/// An index keeps its axis, with length 1, where NumPy drops it: the pipeline's images stay
/// `[height, width, channels]`, so `slice=:,:,1` is the green channel as a gray image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subscript {
    /// One position; negative counts from the end.
    Index(isize),
    /// `start:stop:step`.
    Slice(Slice),
}

impl Subscript {
    /// The whole axis, `:`.
    pub const FULL: Subscript = Subscript::Slice(Slice::FULL);

    /// The slice that takes what this subscript takes: `i` is `i:i+1` (`-1` is `-1:`).
    ///
    /// ```
    /// use viewlib::pipeline::Subscript;
    /// use viewlib::Slice;
    /// assert_eq!(Subscript::Index(2).to_slice(), Slice::new(Some(2), Some(3), 1));
    /// assert_eq!(Subscript::Index(-1).to_slice(), Slice::new(Some(-1), None, 1));
    /// ```
    #[must_use]
    pub fn to_slice(self) -> Slice {
        match self {
            Subscript::Slice(slice) => slice,
            Subscript::Index(-1) => Slice::new(Some(-1), None, 1),
            Subscript::Index(i) => Slice::new(Some(i), Some(i.saturating_add(1)), 1),
        }
    }
}

impl fmt::Display for Subscript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subscript::Index(i) => write!(f, "{i}"),
            Subscript::Slice(s) => write!(f, "{s}"),
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
/// // NumPy's a[100:400:2, ::-1, 1], and memoryview.cast('I'):
/// assert_eq!("slice=[100:400:2, ::-1, 1]".parse::<Op>()?.to_string(), "slice=100:400:2,::-1,1");
/// assert_eq!("cast=u32".parse::<Op>()?.to_string(), "cast=u32");
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
    /// `slice=ROWS,COLUMNS,CHANNELS` (brackets optional, missing axes whole): NumPy's
    /// `a[100:400:2, ::-1, 1]`, steps and negative steps on every axis. A view.
    Slice([Subscript; 3]),
    /// `cast=u8|u16|u16le|u16be|u32|f32`: the same bytes as samples of another type
    /// (`memoryview.cast`): RGBA8 as one `u32` word per pixel, 16-bit samples as byte pairs,
    /// two 8-bit channels as one 16-bit sample. The channel count scales with the sample
    /// size. A view; refused where the pixel's samples are not contiguous.
    Cast(SampleType),
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

/// What an operation does to memory: the model the planners, the in-place check and the
/// labels share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Effect {
    /// A new view of the same bytes: new shape, strides or offset; nothing copied or written.
    View,
    /// Rewrites the samples the view covers, in place; the layout stays.
    InPlace,
    /// Makes a new buffer (its output cannot be a view of the input).
    NewBuffer,
}

/// The operations' command-line forms, for help texts and error messages.
pub const OP_SYNTAX: &str = "invert, invert=all, crop=X,Y,W,H, channel=R|G|B|A|L, flip=h|v, \
transpose, slice=ROWS,COLS,CHANNELS (NumPy start:stop:step or index per axis, e.g. \
slice=100:400:2,::-1,1), cast=u8|u16|u16le|u16be|u32|f32, gray, brightness=D (-1..1), \
contrast=F (>0), gamma=G (>0), threshold=T (0..1)";

/// The sample types a cast may name: those [`DynStridedImage`](crate::DynStridedImage) holds.
const CAST_TYPES: &str =
    "u8, u16 (native order), u16le, u16be, u32 (native order), f32 (native order)";

/// A malformed operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{given}`: {reason} (operations: {OP_SYNTAX})")]
pub struct ParseOpError {
    given: String,
    reason: String,
}

impl ParseOpError {
    /// What is wrong with it, without the list of operations.
    ///
    /// ```
    /// let err = "flip=d".parse::<viewlib::pipeline::Op>().unwrap_err();
    /// assert_eq!(err.reason(), "flip is h (left-right) or v (top-bottom)");
    /// ```
    #[must_use]
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

fn parse_subscripts(arg: &str) -> Result<[Subscript; 3], String> {
    let inner = arg.trim();
    let inner = match inner.strip_prefix('[') {
        Some(rest) => rest.strip_suffix(']').ok_or("a `[` needs its `]`")?.trim(),
        None => inner,
    };
    let parts: Vec<&str> = inner.split(',').map(str::trim).collect();
    if parts.len() > 3 {
        return Err(format!(
            "an image has 3 axes (rows, columns, channels); {} subscripts given",
            parts.len()
        ));
    }
    let mut subscripts = [Subscript::FULL; 3];
    for (axis, part) in parts.into_iter().enumerate() {
        subscripts[axis] = if part.contains(':') {
            Subscript::Slice(part.parse::<Slice>().map_err(|e| e.to_string())?)
        } else if part.is_empty() {
            return Err(format!(
                "subscript {} is empty (`:` takes the whole axis)",
                axis + 1
            ));
        } else {
            Subscript::Index(
                part.parse::<isize>()
                    .map_err(|_| format!("`{part}` is neither an index nor start:stop:step"))?,
            )
        };
    }
    Ok(subscripts)
}

fn parse_cast(arg: &str) -> Option<SampleType> {
    Some(match arg.to_ascii_lowercase().as_str() {
        "u8" | "u1" => SampleType::U8,
        "u16" => SampleType::of::<u16>()?,
        "u16le" => SampleType::U16Le,
        "u16be" => SampleType::U16Be,
        "u32" => SampleType::of::<u32>()?,
        "f32" => SampleType::of::<f32>()?,
        _ => return None,
    })
}

fn cast_name(to: SampleType) -> &'static str {
    match to {
        SampleType::U8 => "u8",
        SampleType::U16Le => "u16le",
        SampleType::U16Be => "u16be",
        t if Some(t) == SampleType::of::<u32>() => "u32",
        t if Some(t) == SampleType::of::<f32>() => "f32",
        t => t.format(),
    }
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
            ("slice", Some(arg)) => Op::Slice(parse_subscripts(arg).map_err(|r| fail(&r))?),
            ("cast", Some(arg)) => Op::Cast(
                parse_cast(arg).ok_or_else(|| fail(&format!("cast is to one of {CAST_TYPES}")))?,
            ),
            ("transpose", None) => Op::Transpose,
            ("gray" | "grey", None) => Op::Gray,
            ("brightness", _) => Op::Brightness(number("brightness", -1.0..=1.0)?),
            ("contrast", _) => Op::Contrast(number("contrast", 0.0..=100.0)?),
            ("gamma", _) => Op::Gamma(number("gamma", 0.01..=100.0)?),
            ("threshold", _) => Op::Threshold(number("threshold", 0.0..=1.0)?),
            ("crop" | "channel" | "flip" | "slice" | "cast", None) => {
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
            Op::Slice([rows, cols, channels]) => write!(f, "slice={rows},{cols},{channels}"),
            Op::Cast(to) => write!(f, "cast={}", cast_name(*to)),
            Op::Gray => write!(f, "gray"),
            Op::Brightness(v) => write!(f, "brightness={v}"),
            Op::Contrast(v) => write!(f, "contrast={v}"),
            Op::Gamma(v) => write!(f, "gamma={v}"),
            Op::Threshold(v) => write!(f, "threshold={v}"),
        }
    }
}

impl Op {
    /// What the operation does to memory.
    ///
    /// ```
    /// use viewlib::pipeline::{Effect, Op};
    /// assert_eq!("slice=::2".parse::<Op>()?.effect(), Effect::View);
    /// assert_eq!("invert".parse::<Op>()?.effect(), Effect::InPlace);
    /// assert_eq!("gray".parse::<Op>()?.effect(), Effect::NewBuffer);
    /// # Ok::<(), viewlib::pipeline::ParseOpError>(())
    /// ```
    #[must_use]
    pub fn effect(&self) -> Effect {
        match self {
            Op::Crop { .. }
            | Op::Channel(_)
            | Op::Flip(_)
            | Op::Transpose
            | Op::Slice(_)
            | Op::Cast(_) => Effect::View,
            Op::Invert(_)
            | Op::Brightness(_)
            | Op::Contrast(_)
            | Op::Gamma(_)
            | Op::Threshold(_) => Effect::InPlace,
            Op::Gray => Effect::NewBuffer,
        }
    }

    /// The sample type of the result on samples of type `input`: changed only by a cast.
    #[must_use]
    pub fn output_sample_type(&self, input: SampleType) -> SampleType {
        match self {
            Op::Cast(to) => *to,
            _ => input,
        }
    }

    /// `[height, width, channels]` of the result on an image of `shape` with samples of
    /// type `sample_type`, or why the operation does not apply: the rule of every check
    /// made before pixels are touched. Where the answer also depends on the strides (a cast
    /// needs each pixel's samples contiguous), applying the operation can still refuse it.
    ///
    /// ```
    /// use viewlib::pipeline::{Op, OpErrorKind};
    /// use viewlib::SampleType;
    /// let shape_after = |op: &str, shape| op.parse::<Op>().unwrap().output_shape(shape, SampleType::U8);
    /// assert_eq!(shape_after("slice=100:400:2,::-1,1", [1000, 800, 3]), Ok([150, 800, 1]));
    /// assert_eq!(shape_after("cast=u32", [10, 20, 4]), Ok([10, 20, 1]));
    /// assert_eq!(shape_after("gray", [10, 20, 4]), Ok([10, 20, 2]));
    /// assert!(matches!(shape_after("channel=A", [10, 20, 3]), Err(OpErrorKind::NoSuchChannel { .. })));
    /// assert!(matches!(shape_after("crop=0,0,30,5", [10, 20, 3]), Err(OpErrorKind::View(_))));
    /// ```
    pub fn output_shape(
        &self,
        shape: [usize; 3],
        sample_type: SampleType,
    ) -> Result<[usize; 3], OpErrorKind> {
        let [height, width, channels] = shape;
        self.check_sample_type(sample_type)?;
        Ok(match *self {
            Op::Invert(_)
            | Op::Flip(_)
            | Op::Brightness(_)
            | Op::Contrast(_)
            | Op::Gamma(_)
            | Op::Threshold(_) => shape,
            Op::Crop {
                x,
                y,
                width: w,
                height: h,
            } => {
                check_crop([height, width], x, y, w, h)?;
                [h, w, channels]
            }
            Op::Channel(channel) => {
                channel.require_in(channels)?;
                [height, width, 1]
            }
            Op::Transpose => [width, height, channels],
            Op::Slice(subscripts) => {
                let mut out = shape;
                for (axis, subscript) in subscripts.iter().enumerate() {
                    out[axis] = subscript.to_slice().resolve(axis, shape[axis])?.len;
                }
                out
            }
            Op::Cast(to) => Layout::c_order(shape)?
                .cast(sample_type.size(), to.size())?
                .shape(),
            Op::Gray => [height, width, gray_channels(channels)],
        })
    }

    /// Whether the operation is defined on samples of `sample_type`: the kernels cover 8-
    /// and 16-bit integers (either byte order), `invert` and `gray` floats too; views any.
    pub(crate) fn check_sample_type(&self, sample_type: SampleType) -> Result<(), OpErrorKind> {
        let integer = matches!(
            sample_type,
            SampleType::U8 | SampleType::U16Be | SampleType::U16Le
        );
        let float = Some(sample_type) == SampleType::of::<f32>();
        let defined = match self.effect() {
            Effect::View => true,
            Effect::InPlace | Effect::NewBuffer => {
                integer || (float && matches!(self, Op::Invert(_) | Op::Gray))
            }
        };
        if defined {
            Ok(())
        } else {
            Err(OpErrorKind::UnsupportedSampleType {
                format: sample_type.format(),
            })
        }
    }
}

/// Channels after `gray`: RGB becomes gray, RGBA gray+alpha; fewer channels stay.
pub(crate) fn gray_channels(channels: usize) -> usize {
    match channels {
        3 => 1,
        4 => 2,
        c => c,
    }
}

/// `gray`, `RGB`, ...: how the errors name an image's channels.
pub(crate) fn describe(channels: usize) -> String {
    match channels {
        1 => "gray".into(),
        2 => "gray+alpha".into(),
        3 => "RGB".into(),
        4 => "RGBA".into(),
        n => format!("{n}-channel"),
    }
}
