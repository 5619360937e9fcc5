//! Running operations on a typed image: through a borrowed writable view ([`apply`]), or
//! owning the pixels ([`apply_owned`]).

use super::error::{OpError, OpErrorKind};
use super::op::{Flip, Op, gray_channels};
use crate::ops::{Invert, Luma, Lut, LutSample};
use crate::sample_type::SampleType;
use crate::{ImageBuf, Layout, Sample, StridedImage, View, ViewMut};
use std::time::{Duration, Instant};

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
    /// new buffer of the last step that copied (`bytes_copied > 0`). In whole elements of
    /// this step's sample type; `offset_bytes` is exact when a cast put it between two.
    pub offset: usize,
    /// Byte offset of the view's first sample in its buffer.
    pub offset_bytes: usize,
    /// The samples' format after the step (`memoryview.format`: `B`, `<H`, `>H`, ...).
    pub format: &'static str,
    /// The samples' type after the step: its [`size`](SampleType::size) is the itemsize
    /// that `strides` and `offset` count in, which a cast changes.
    pub sample_type: SampleType,
}

impl StepReport {
    /// The report of a step that left `image` as its result.
    pub(crate) fn of<T: Sample>(
        op: Op,
        start: Instant,
        bytes_copied: usize,
        image: View<'_, T, 3>,
    ) -> Self {
        StepReport::new(
            op,
            start,
            bytes_copied,
            image.layout(),
            image.offset_bytes(),
            (
                SampleType::of::<T>().expect("the pipeline's sample types have run-time names"),
                T::FORMAT,
            ),
        )
    }

    /// Byte strides of the view after the step, as `memoryview.strides` reports them: the
    /// element strides in this step's itemsize.
    ///
    /// ```
    /// use viewlib::pipeline::{apply_dyn, Op};
    /// use viewlib::ImageBuf;
    /// let rgba = ImageBuf::<u8>::new(2, 3, 4)?;
    /// let ops: Vec<Op> = ["flip=h", "cast=u32"].iter().map(|s| s.parse().unwrap()).collect();
    /// let mut reports = Vec::new();
    /// apply_dyn(rgba.into(), &ops, &mut reports)?;
    /// assert_eq!(reports[0].byte_strides(), [12, -4, 1]);
    /// assert_eq!((reports[1].strides, reports[1].byte_strides()), ([3, -1, 1], [12, -4, 4]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn byte_strides(&self) -> [isize; 3] {
        // Fits: the step's view was a valid layout of its memory, whose bytes fit `isize`,
        // and an itemsize is at most 8.
        self.strides.map(|s| s * self.sample_type.size() as isize)
    }

    pub(crate) fn new(
        op: Op,
        start: Instant,
        bytes_copied: usize,
        layout: Layout<3>,
        offset_bytes: usize,
        (sample_type, format): (SampleType, &'static str),
    ) -> Self {
        StepReport {
            op,
            elapsed: start.elapsed(),
            bytes_copied,
            shape: layout.shape(),
            strides: layout.strides(),
            offset: offset_bytes / sample_type.size(),
            offset_bytes,
            format,
            sample_type,
        }
    }
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
        let fail = |kind: OpErrorKind| kind.at(position, op);
        let start = Instant::now();
        let channels = image.channels();
        match op {
            Op::Invert(alpha) => image.reborrow().invert_in_place(alpha),
            Op::Crop {
                x,
                y,
                width,
                height,
            } => {
                image = image
                    .crop(x, y, width, height)
                    .map_err(|e| fail(e.into()))?
            }
            Op::Channel(channel) => {
                let index = channel.require_in(channels).map_err(fail)?;
                image = image
                    .channel_range(index..index + 1)
                    .map_err(|e| fail(e.into()))?;
            }
            Op::Flip(Flip::Horizontal) => image = image.flip_horizontal(),
            Op::Flip(Flip::Vertical) => image = image.flip_vertical(),
            Op::Transpose => image = image.transpose(),
            Op::Slice(subscripts) => {
                image = image
                    .slice(subscripts.map(|s| s.to_slice()))
                    .map_err(|e| fail(e.into()))?;
            }
            Op::Cast(to) => check_same_type::<T>(to).map_err(fail)?,
            Op::Gray => {
                let mut gray = gray_step(image.view(), position, start, report)?;
                return run(gray.view_mut(), &ops[i + 1..], position, report, finish);
            }
            Op::Brightness(_) | Op::Contrast(_) | Op::Gamma(_) | Op::Threshold(_) => {
                let lut = tone_lut::<T>(op).expect("a tone operation");
                map_colour(&mut image, &lut);
            }
        }
        report.push(StepReport::of(op, start, 0, image.view()));
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
    image: View<'_, T, 3>,
    position: usize,
    start: Instant,
    report: &mut Vec<StepReport>,
) -> Result<ImageBuf<T>, OpError> {
    let gray = to_gray(image).map_err(|e| OpErrorKind::from(e).at(position, Op::Gray))?;
    report.push(StepReport::of(
        Op::Gray,
        start,
        size_of_val(gray.as_slice()),
        gray.view(),
    ));
    Ok(gray)
}

/// Maps the colour samples of `image` (not alpha) through `lut`.
pub(crate) fn map_colour<S: Sample>(image: &mut ViewMut<'_, S, 3>, lut: &Lut<S::Value>)
where
    S::Value: LutSample,
{
    let all = image.channels();
    let colour = colour_channels(all);
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

pub(crate) fn tone_lut<V: LutSample>(op: Op) -> Option<Lut<V>> {
    Some(match op {
        Op::Brightness(d) => Lut::brightness(d),
        Op::Contrast(f) => Lut::contrast(f),
        Op::Gamma(g) => Lut::gamma(g),
        Op::Threshold(t) => Lut::threshold(V::from_f64((t * V::MAX).round())),
        _ => return None,
    })
}

/// Luma of RGB(A), alpha kept: gray, gray+alpha stay as they are; RGB becomes gray and RGBA
/// gray+alpha, like `image`'s `DynamicImage::grayscale`.
pub(crate) fn to_gray<T: Luma>(image: View<'_, T, 3>) -> crate::Result<ImageBuf<T>> {
    let [h, w, c] = image.shape();
    if gray_channels(c) == c {
        return image.to_image_buf();
    }
    if c == 4 {
        let mut out = ImageBuf::new(h, w, 2)?;
        image.luma_alpha_into(out.view_mut())?;
        return Ok(out);
    }
    image.to_luma()
}

/// A cast inside a typed run: only to the type the run already holds.
fn check_same_type<T: Sample>(to: SampleType) -> Result<(), OpErrorKind> {
    let from = SampleType::of::<T>();
    if from == Some(to) {
        Ok(())
    } else {
        Err(OpErrorKind::ChangesSampleType {
            from: T::FORMAT,
            to: to.format(),
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Channel;

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
            "slice=100:400:2,::-1,1",
            "slice=:,:,:",
            "slice=-1,-3:,::3",
            "cast=u8",
            "cast=u16be",
            "cast=u16le",
            "cast=u32",
            "cast=f32",
        ] {
            let op: Op = text.parse().unwrap();
            assert_eq!(op.to_string(), text);
        }
        assert_eq!("CHANNEL=b".parse::<Op>(), Ok(Op::Channel(Channel::B)));
        assert_eq!("grey".parse::<Op>(), Ok(Op::Gray));
    }

    #[test]
    fn malformed_ops_say_what_is_wrong() {
        let reason = |s: &str| s.parse::<Op>().unwrap_err().reason().to_string();
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
        assert_eq!(
            reason("slice=1,2,3,4"),
            "an image has 3 axes (rows, columns, channels); 4 subscripts given"
        );
        assert_eq!(
            reason("slice=::0"),
            "`::0` is not a slice start:stop:step: the step cannot be zero"
        );
        assert_eq!(reason("slice=[1:2"), "a `[` needs its `]`");
        assert_eq!(
            reason("slice=a"),
            "`a` is neither an index nor start:stop:step"
        );
        assert_eq!(
            reason("slice=1,,2"),
            "subscript 2 is empty (`:` takes the whole axis)"
        );
        assert!(reason("cast=u64").starts_with("cast is to one of u8, u16"));
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

#[cfg(test)]
mod slice_and_cast_tests {
    use super::*;
    use crate::pipeline::{Effect, OpErrorKind, Subscript, apply_dyn};
    use crate::{DynStridedImage, ViewError};
    use proptest::prelude::*;

    fn ops(list: &[&str]) -> Vec<Op> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    /// NumPy's `a[rows, cols, channels]` on a C-order `[h, w, c]` array, with an index
    /// keeping its axis: the reference the slice step is checked against.
    fn numpy_slice(data: &[u8], shape: [usize; 3], subs: [Subscript; 3]) -> Vec<u8> {
        let picks: Vec<Vec<usize>> = (0..3)
            .map(|axis| crate::slice::tests::python(shape[axis], subs[axis].to_slice()))
            .collect();
        let [_, w, c] = shape;
        let mut out = vec![];
        for &y in &picks[0] {
            for &x in &picks[1] {
                for &k in &picks[2] {
                    out.push(data[(y * w + x) * c + k]);
                }
            }
        }
        out
    }

    fn subscript() -> impl Strategy<Value = Subscript> {
        let bound = proptest::option::of(-7isize..7);
        prop_oneof![
            (-6isize..6).prop_map(Subscript::Index),
            (bound.clone(), bound, prop_oneof![-3isize..0, 1isize..4])
                .prop_map(|(a, b, s)| Subscript::Slice(crate::Slice::new(a, b, s))),
        ]
    }

    proptest! {
        /// The slice step gives NumPy's elements (or an error where NumPy would clamp or
        /// raise), its shape is what `output_shape` predicted, and it copies nothing.
        #[test]
        fn slice_matches_numpy(h in 1usize..6, w in 1usize..6, c in 1usize..5,
                               subs in proptest::array::uniform3(subscript())) {
            let shape = [h, w, c];
            let data: Vec<u8> = (0..h * w * c).map(|i| i as u8).collect();
            let op = Op::Slice(subs);
            let predicted = op.output_shape(shape, SampleType::U8);
            let image = ImageBuf::from_vec(h, w, c, data.clone()).unwrap();
            let mut report = Vec::new();
            match apply_dyn(image.into(), &[op], &mut report) {
                Ok(DynStridedImage::U8(out)) => {
                    prop_assert_eq!(out.view().to_vec(), numpy_slice(&data, shape, subs));
                    prop_assert_eq!(Ok(out.shape()), predicted);
                    prop_assert_eq!(report[0].bytes_copied, 0);
                    prop_assert_eq!(op.effect(), Effect::View);
                }
                Ok(other) => prop_assert!(false, "slice changed the type: {}", other.format()),
                Err(e) => {
                    prop_assert!(matches!(e.kind, OpErrorKind::View(ViewError::SliceOutOfRange { .. })), "{e}");
                    prop_assert_eq!(Err(e.kind), predicted);
                    // Python clamps bounds outside the axis, which viewlib refuses; a slice
                    // within the axis never fails.
                    let in_range = subs.iter().zip(shape).all(|(s, n)| {
                        let s = s.to_slice();
                        [s.start, s.stop].iter().flatten().all(|&b| b.unsigned_abs() < n)
                    });
                    prop_assert!(!in_range, "an in-range slice failed: {}", op);
                }
            }
        }
    }

    #[test]
    fn casts_reinterpret_bytes_without_copying() {
        let rgba: Vec<u8> = (0..2 * 3 * 4).map(|i| i as u8).collect();
        let image = ImageBuf::from_vec(2, 3, 4, rgba.clone()).unwrap();
        let mut report = Vec::new();
        let out = apply_dyn(image.into(), &ops(&["cast=u32"]), &mut report).unwrap();
        let DynStridedImage::U32(words) = &out else {
            panic!("{}", out.format())
        };
        let expected: Vec<u32> = rgba
            .chunks(4)
            .map(|p| u32::from_ne_bytes(p.try_into().unwrap()))
            .collect();
        assert_eq!(words.view().to_vec(), expected);
        assert_eq!(
            (report[0].shape, report[0].strides, report[0].format),
            ([2, 3, 1], [3, 1, 1], "I")
        );
        assert_eq!(report[0].bytes_copied, 0);
        // And back: the same bytes as they were.
        let back = apply_dyn(out, &ops(&["cast=u8"]), &mut report).unwrap();
        let DynStridedImage::U8(bytes) = back else {
            panic!()
        };
        assert_eq!(bytes.view().to_vec(), rgba);

        // Two 8-bit channels as one 16-bit sample, in either byte order.
        let pairs = ImageBuf::from_vec(1, 2, 2, vec![0x12u8, 0x34, 0x56, 0x78]).unwrap();
        let be = apply_dyn(pairs.clone().into(), &ops(&["cast=u16be"]), &mut report).unwrap();
        let DynStridedImage::U16Be(be) = be else {
            panic!()
        };
        assert_eq!(be.view().to_vec(), [0x1234, 0x5678]);
        let le = apply_dyn(pairs.into(), &ops(&["cast=u16le"]), &mut report).unwrap();
        assert_eq!(
            le.format(),
            "<H".trim_start_matches(if cfg!(target_endian = "little") {
                "<"
            } else {
                ""
            })
        );
        let DynStridedImage::U16(le) = le else {
            panic!()
        };
        assert_eq!(le.view().to_vec(), [0x3412, 0x7856]);
    }

    #[test]
    fn refused_casts_and_kernels_name_the_library_reason() {
        let rgb = ImageBuf::from_vec(2, 2, 3, vec![7u8; 12]).unwrap();
        // Three bytes per pixel do not make whole 16-bit samples.
        let err = apply_dyn(rgb.clone().into(), &ops(&["cast=u16"]), &mut Vec::new()).unwrap_err();
        assert!(
            matches!(
                err.kind,
                OpErrorKind::View(ViewError::ItemSizeMismatch {
                    bytes: 3,
                    itemsize: 2,
                    ..
                })
            ),
            "{err}"
        );
        assert_eq!(
            Op::Cast(SampleType::of::<u16>().unwrap()).output_shape([2, 2, 3], SampleType::U8),
            Err(err.kind.clone())
        );
        // A flipped channel axis is not contiguous.
        let err = apply_dyn(
            ImageBuf::from_vec(1, 1, 4, vec![0u8; 4]).unwrap().into(),
            &ops(&["slice=:,:,::-1", "cast=u32"]),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(
            matches!(err.kind, OpErrorKind::View(ViewError::NotContiguous { .. })),
            "{err}"
        );
        assert_eq!(err.position, 2);
        // Kernels have no 32-bit word version: the error says to cast back.
        let err = apply_dyn(
            ImageBuf::from_vec(1, 1, 4, vec![0u8; 4]).unwrap().into(),
            &ops(&["cast=u32", "invert"]),
            &mut Vec::new(),
        )
        .unwrap_err();
        let words = SampleType::of::<u32>().unwrap().format(); // `<I` here
        assert_eq!(
            err.kind,
            OpErrorKind::UnsupportedSampleType { format: words }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "operation 2 `invert`: not defined for samples of format `{words}` (cast back first)"
            )
        );
        // A typed run cannot change its sample type.
        let mut px = vec![0u8; 4];
        let err = apply(
            ViewMut::from_slice(&mut px, [1, 1, 4]).unwrap(),
            &ops(&["cast=u32"]),
            &mut Vec::new(),
            |_| (),
        )
        .unwrap_err();
        assert_eq!(
            err.kind,
            OpErrorKind::ChangesSampleType {
                from: "B",
                to: words
            }
        );
    }

    #[test]
    fn apply_dyn_equals_the_typed_run_on_every_chain_without_casts() {
        let chains = [
            vec!["invert", "slice=1:,::-1", "gray", "threshold=0.4"],
            vec!["slice=::2,::-2,:3", "gamma=2", "transpose", "gray"],
            vec!["crop=1,1,3,2", "channel=G", "gray", "invert=all"],
            vec!["flip=v", "contrast=1.5", "slice=-1"],
        ];
        for chain in chains {
            let px: Vec<u16> = (0..4 * 5 * 4).map(|i| (i * 911) as u16).collect();
            let mut copy = px.clone();
            let mut typed_report = Vec::new();
            let expected = apply(
                ViewMut::from_slice(&mut copy, [4, 5, 4]).unwrap(),
                &ops(&chain),
                &mut typed_report,
                |v| (v.shape(), v.view().to_vec()),
            )
            .unwrap();
            let mut report = Vec::new();
            let image = ImageBuf::from_vec(4, 5, 4, px).unwrap();
            let DynStridedImage::U16(out) =
                apply_dyn(image.into(), &ops(&chain), &mut report).unwrap()
            else {
                panic!()
            };
            assert_eq!((out.shape(), out.view().to_vec()), expected, "{chain:?}");
            let strip = |r: &[StepReport]| -> Vec<_> {
                r.iter()
                    .map(|s| {
                        (
                            s.op,
                            s.bytes_copied,
                            s.shape,
                            s.strides,
                            s.offset_bytes,
                            s.format,
                        )
                    })
                    .collect()
            };
            assert_eq!(strip(&report), strip(&typed_report), "{chain:?}");
        }
    }

    #[test]
    fn in_place_steps_on_shared_memory_say_so() {
        let image = crate::StridedImage::from(ImageBuf::from_vec(1, 2, 3, vec![1u8; 6]).unwrap());
        let other_holder = image.clone();
        let err =
            apply_dyn(image.into(), &ops(&["flip=h", "invert"]), &mut Vec::new()).unwrap_err();
        assert_eq!(err.position, 2);
        assert!(
            matches!(err.kind, OpErrorKind::View(ViewError::SharedMemory { .. })),
            "{err}"
        );
        assert_eq!(other_holder.view().to_vec(), [1; 6]);
    }
}
