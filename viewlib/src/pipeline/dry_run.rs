//! Running a pipeline on layouts alone: what each step would leave, or the error the run
//! would give, without a pixel. [`Op::output_shape`] answers from the shape; this answers
//! from the strides and the offset too, so refusals that depend on where the elements are
//! (a cast of a mirrored or cut pixel, a cast to a misaligned address) are known before the
//! run.

use super::error::{OpError, OpErrorKind};
use super::op::{Flip, Op};
use super::run::StepReport;
use crate::dyn_strided_image::cast_alignment;
use crate::error::{Result, ViewError};
use crate::image_axes::check_crop;
use crate::layout::Layout;
use crate::sample::Sample;
use crate::sample_type::SampleType;
use crate::slice::Slice;
use crate::{DynStridedImage, StridedImage};

/// Where an image's elements lie in its memory, with no pixels: the layout (shape and
/// element strides), the byte offset of element `[0, 0, 0]`, the sample type, and the
/// address of the memory's first byte (for the alignment a cast needs). What a step's
/// verdict depends on, and what [`Op::output_layout`] maps to the next step's.
///
/// Invariant: the layout is valid for the sample type at that offset in some memory (the
/// constructors take it from an image, or derive it with the library's own rules).
///
/// ```
/// use viewlib::pipeline::{Op, StepLayout};
/// use viewlib::{ImageBuf, StridedImage};
/// let rgba = StridedImage::from(ImageBuf::<u8>::new(2, 3, 4)?);
/// let before = StepLayout::of(&rgba);
/// let after = "crop=1,1,2,1".parse::<Op>()?.output_layout(&before)?;
/// assert_eq!((after.layout.shape(), after.offset_bytes), ([1, 2, 4], (3 + 1) * 4));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepLayout {
    /// Shape and element strides.
    pub layout: Layout<3>,
    /// Byte offset of element `[0, 0, 0]` from the memory's first byte.
    pub offset_bytes: usize,
    /// The samples' type, whose size the strides count in.
    pub sample_type: SampleType,
    /// Address of the memory's first byte; `None` for a buffer the run has yet to allocate,
    /// which is taken to be aligned for every sample type (the allocator's buffers are, on
    /// the platforms viewlib supports: 16 bytes). A misaligned cast then names its byte
    /// offset from the buffer's start as the address. An empty buffer is not allocated: its
    /// address is its sample type's alignment (a `Vec`'s dangling pointer).
    pub memory_address: Option<usize>,
}

impl StepLayout {
    /// The layout of `image`, at its memory's real address.
    #[must_use]
    pub fn of<T: Sample>(image: &StridedImage<T>) -> StepLayout {
        StepLayout {
            layout: image.layout(),
            offset_bytes: image.offset_bytes(),
            sample_type: SampleType::of::<T>()
                .expect("a StridedImage's sample type has a run-time name"),
            memory_address: Some(image.memory_bytes().as_ptr() as usize),
        }
    }

    /// [`of`](Self::of) for an image of any sample type.
    ///
    /// ```
    /// use viewlib::pipeline::StepLayout;
    /// use viewlib::{DynStridedImage, ImageBuf, SampleType};
    /// let image = DynStridedImage::from(ImageBuf::<u16>::new(2, 3, 1)?).flip_vertical();
    /// let placed = StepLayout::of_dyn(&image);
    /// assert_eq!((placed.layout.strides(), placed.offset_bytes), ([-3, 1, 1], 3 * 2));
    /// assert_eq!(Some(placed.sample_type), SampleType::of::<u16>());
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn of_dyn(image: &DynStridedImage) -> StepLayout {
        StepLayout {
            layout: image.layout(),
            offset_bytes: image.offset_bytes(),
            sample_type: image.sample_type(),
            memory_address: Some(image.memory_bytes().as_ptr() as usize),
        }
    }

    /// The layout of the copy [`StridedImage::detached`] makes: the same strides over a new
    /// buffer of just the bytes the elements span (so the offset is the first element's
    /// distance from the lowest), whose address is not known yet.
    ///
    /// ```
    /// use viewlib::pipeline::StepLayout;
    /// use viewlib::{ImageBuf, StridedImage};
    /// let image = StridedImage::from(ImageBuf::<u8>::new(4, 6, 3)?);
    /// let corner = image.crop(2, 1, 3, 2)?.flip_vertical();
    /// let copy = corner.detached(Vec::new())?;
    /// let predicted = StepLayout::of(&corner).detached();
    /// assert_eq!((predicted.layout, predicted.offset_bytes), (copy.layout(), copy.offset_bytes()));
    /// assert_eq!(predicted.memory_address, None);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn detached(self) -> StepLayout {
        // In range: the lowest element lies inside the image's memory, which fits `isize`.
        let lowest = self.layout.extent().map_or(0, |(low, _)| low);
        StepLayout {
            offset_bytes: lowest.unsigned_abs() * self.sample_type.size(),
            memory_address: new_buffer_address(&self.layout, self.sample_type),
            ..self
        }
    }

    /// What the run reported for a step: its layout, offset and sample type, in the memory
    /// at `memory_address` (the step's report does not carry the memory).
    ///
    /// ```
    /// use viewlib::pipeline::{apply_dyn, Op, StepLayout};
    /// use viewlib::{DynStridedImage, ImageBuf};
    /// let image = DynStridedImage::from(ImageBuf::<u8>::new(2, 3, 4)?);
    /// let before = StepLayout::of_dyn(&image);
    /// let ops: Vec<Op> = vec!["flip=h".parse()?];
    /// let mut reports = Vec::new();
    /// apply_dyn(image, &ops, &mut reports)?;
    /// let reported = StepLayout::from_report(&reports[0], before.memory_address)?;
    /// assert_eq!(ops[0].output_layout(&before)?, reported);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_report(report: &StepReport, memory_address: Option<usize>) -> Result<StepLayout> {
        Ok(StepLayout {
            layout: Layout::new(report.shape, report.strides)?,
            offset_bytes: report.offset_bytes,
            sample_type: report.sample_type,
            memory_address,
        })
    }

    /// The layout of the part `slices` selects, each axis as [`Layout`] slices it for a
    /// view, the offset moved to the first element taken.
    fn sliced(self, slices: [Slice; 3]) -> Result<StepLayout> {
        let mut out = self;
        for (axis, slice) in slices.into_iter().enumerate() {
            let (layout, moved) = out.layout.slice_axis(axis, slice)?;
            out.layout = layout;
            out.offset_bytes = out.moved_by(moved)?;
        }
        Ok(out)
    }

    /// The byte offset of the element `elements` samples from element `[0, 0, 0]`.
    fn moved_by(&self, elements: isize) -> Result<usize> {
        elements
            .checked_mul(self.sample_type.size() as isize)
            .and_then(|bytes| self.offset_bytes.checked_add_signed(bytes))
            .ok_or(ViewError::SizeOverflow {
                axis: 0,
                len: self.offset_bytes,
            })
    }

    /// The same bytes as samples of `to`: the layout rescaled as for a view's cast, and the
    /// first element's address checked for `to`'s alignment.
    fn cast(self, to: SampleType) -> Result<StepLayout> {
        let align = cast_alignment(to)?;
        let layout = self.layout.cast(self.sample_type.size(), to.size())?;
        let address = self.memory_address.unwrap_or(0) + self.offset_bytes;
        if !address.is_multiple_of(align) {
            return Err(ViewError::Misaligned { address, align });
        }
        Ok(StepLayout {
            layout,
            sample_type: to,
            ..self
        })
    }
}

impl Op {
    /// The layout this operation leaves on an image laid out as `input`, or the error the
    /// run ([`apply_dyn`](super::apply_dyn)) gives there, without touching a pixel: what a
    /// user interface asks before it offers a step. Refusals about the memory itself (shared
    /// with another holder, read-only, or too large to allocate a copy) are the run's alone.
    ///
    /// ```
    /// use viewlib::pipeline::{Op, OpErrorKind, StepLayout};
    /// use viewlib::{ImageBuf, StridedImage, ViewError};
    /// let rgba = StepLayout::of(&StridedImage::from(ImageBuf::<u8>::new(2, 3, 4)?));
    /// let words: Op = "cast=u32".parse()?;
    /// assert_eq!(words.output_layout(&rgba)?.layout.shape(), [2, 3, 1]);
    /// // Mirrored, a pixel's four bytes are still in order; with its channels reversed not.
    /// let mirrored = "flip=h".parse::<Op>()?.output_layout(&rgba)?;
    /// assert!(words.output_layout(&mirrored).is_ok());
    /// let reversed = "slice=:,:,::-1".parse::<Op>()?.output_layout(&rgba)?;
    /// assert!(matches!(
    ///     words.output_layout(&reversed),
    ///     Err(OpErrorKind::View(ViewError::NotContiguous { .. }))
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn output_layout(&self, input: &StepLayout) -> Result<StepLayout, OpErrorKind> {
        self.check_sample_type(input.sample_type)?;
        let [height, width, channels] = input.layout.shape();
        let whole = Slice::FULL;
        Ok(match *self {
            Op::Crop {
                x,
                y,
                width: w,
                height: h,
            } => {
                check_crop([height, width], x, y, w, h)?;
                input.sliced([Slice::from(y..y + h), Slice::from(x..x + w), whole])?
            }
            Op::Channel(channel) => {
                let k = channel.require_in(channels)?;
                input.sliced([whole, whole, Slice::from(k..k + 1)])?
            }
            Op::Flip(Flip::Horizontal) => input.sliced([whole, Slice::REVERSED, whole])?,
            Op::Flip(Flip::Vertical) => input.sliced([Slice::REVERSED, whole, whole])?,
            Op::Transpose => StepLayout {
                layout: input.layout.permuted([1, 0, 2])?,
                ..*input
            },
            Op::Slice(subscripts) => input.sliced(subscripts.map(|s| s.to_slice()))?,
            Op::Cast(to) => input.cast(to)?,
            Op::Gray => {
                let layout =
                    Layout::c_order(self.output_shape(input.layout.shape(), input.sample_type)?)?;
                StepLayout {
                    layout,
                    offset_bytes: 0,
                    sample_type: input.sample_type,
                    memory_address: new_buffer_address(&layout, input.sample_type),
                }
            }
            Op::Invert(_)
            | Op::Brightness(_)
            | Op::Contrast(_)
            | Op::Gamma(_)
            | Op::Threshold(_) => *input,
        })
    }
}

/// The address [`StepLayout::memory_address`] gives a buffer the run will allocate for
/// `layout`: unknown (`None`, taken as aligned) while it holds an element, but an empty
/// buffer is no allocation: a `Vec`'s dangling address, its sample type's alignment, which
/// a cast to a wider type must refuse as the run does.
fn new_buffer_address(layout: &Layout<3>, sample_type: SampleType) -> Option<usize> {
    if layout.shape().contains(&0) {
        cast_alignment(sample_type).ok()
    } else {
        None
    }
}

/// [`apply_dyn`](super::apply_dyn) on layouts alone: the layout after each of `ops` on an
/// image laid out as `input`, or the first step's error the run would give (position and
/// all), with no pixel read, written or copied.
///
/// ```
/// use viewlib::pipeline::{dry_run, Op, OpErrorKind, StepLayout};
/// use viewlib::{ImageBuf, StridedImage, ViewError};
/// let rgba = StepLayout::of(&StridedImage::from(ImageBuf::<u8>::new(4, 6, 4)?));
/// let ops = |list: &[&str]| list.iter().map(|s| s.parse::<Op>().unwrap()).collect::<Vec<_>>();
/// let layouts = dry_run(rgba, &ops(&["crop=1,1,4,2", "cast=u32"]))?;
/// assert_eq!(layouts[1].layout.shape(), [2, 4, 1]);
/// // Channels 1 and 2 of each pixel start at an odd byte: not a 16-bit sample's address.
/// let err = dry_run(rgba, &ops(&["slice=:,:,1:3", "cast=u16"])).unwrap_err();
/// assert_eq!(err.position, 2);
/// assert!(matches!(err.kind, OpErrorKind::View(ViewError::Misaligned { align: 2, .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn dry_run(input: StepLayout, ops: &[Op]) -> Result<Vec<StepLayout>, OpError> {
    let mut layouts: Vec<StepLayout> = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let before = layouts.last().unwrap_or(&input);
        let after = op
            .output_layout(before)
            .map_err(|kind| kind.at(i + 1, *op))?;
        layouts.push(after);
    }
    Ok(layouts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ImageBuf;
    use crate::pipeline::apply_dyn;
    use proptest::prelude::*;

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            Just("invert"),
            Just("flip=h"),
            Just("flip=v"),
            Just("transpose"),
            Just("gray"),
            Just("channel=R"),
            Just("channel=A"),
            Just("crop=1,0,2,2"),
            Just("crop=0,1,5,1"),
            Just("slice=::2,::-1"),
            Just("slice=:,1:,1:3"),
            Just("slice=:,:,::-1"),
            Just("slice=-1,:,0"),
            Just("cast=u8"),
            Just("cast=u16"),
            Just("cast=u16be"),
            Just("cast=u32"),
            Just("cast=f32"),
        ]
        .prop_map(|s| s.parse::<Op>().unwrap())
    }

    proptest! {
        /// On any chain, the dry run leaves each step's layout as the run reports it, and
        /// refuses where the run refuses, with the same error.
        #[test]
        fn the_dry_run_agrees_with_the_run(
            h in 1usize..5, w in 1usize..6, c in 1usize..5, sixteen in any::<bool>(),
            ops in prop::collection::vec(op(), 0..6),
        ) {
            let image: DynStridedImage = if sixteen {
                ImageBuf::<u16>::new(h, w, c).unwrap().into()
            } else {
                ImageBuf::<u8>::new(h, w, c).unwrap().into()
            };
            let input = StepLayout::of_dyn(&image);
            let dry = dry_run(input, &ops);
            let mut reports = Vec::new();
            let run = apply_dyn(image, &ops, &mut reports);
            // The copies `gray` makes are at addresses the dry run does not know: it takes
            // them as aligned (as the allocator's are, to 16 bytes), so a misaligned cast
            // after one names the address within the copy.
            let within = |e: &OpError| match e.kind {
                OpErrorKind::View(ViewError::Misaligned { address, align }) => OpError {
                    kind: OpErrorKind::View(ViewError::Misaligned { address: address % 16, align }),
                    ..e.clone()
                },
                _ => e.clone(),
            };
            match (&dry, &run) {
                (Ok(layouts), Ok(_)) => prop_assert_eq!(layouts.len(), reports.len()),
                (Err(d), Err(r)) if ops[..d.position].contains(&Op::Gray) => {
                    prop_assert_eq!(within(d), within(r))
                }
                (Err(d), Err(r)) => prop_assert_eq!(d, r),
                _ => prop_assert!(false, "dry run {:?}, run {:?}", dry, run.map(|i| i.shape())),
            }
            for (i, report) in reports.iter().enumerate() {
                let expected = StepLayout::from_report(report, None).unwrap();
                let got = match &dry {
                    Ok(layouts) => layouts[i],
                    Err(_) => dry_run(input, &ops[..=i]).unwrap()[i],
                };
                prop_assert_eq!(StepLayout { memory_address: None, ..got }, expected, "step {}", i + 1);
            }
        }
    }

    /// The case proptest found (CI, stop 24): a slice that empties the width, then `gray`
    /// (a copy). The copy of an empty image has C-order strides with the empty axis counted
    /// as length 1, as `Layout::c_order` and NumPy give, not a zero row stride.
    #[test]
    fn an_empty_copy_has_the_c_order_strides_the_dry_run_predicts() {
        let image = DynStridedImage::from(ImageBuf::<u8>::new(1, 1, 3).unwrap());
        let ops: Vec<Op> = ["slice=:,1:,1:3", "gray"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let input = StepLayout::of_dyn(&image);
        let dry = dry_run(input, &ops).unwrap();
        let mut reports = Vec::new();
        let gray = apply_dyn(image.clone(), &ops, &mut reports).unwrap();
        assert_eq!(
            (gray.shape(), gray.layout().strides()),
            ([1, 0, 2], [2, 2, 1])
        );
        assert_eq!(dry[1].layout, gray.layout());
        // The empty copy is no allocation: at a byte address, which a 16-bit cast refuses,
        // in the dry run as in the run.
        let ops = [ops, vec!["cast=u16".parse().unwrap()]].concat();
        let run = apply_dyn(image, &ops, &mut reports).unwrap_err();
        assert_eq!(dry_run(input, &ops).unwrap_err(), run);
    }

    #[test]
    fn each_refusal_of_a_cast_is_the_runs() {
        let rgba = || DynStridedImage::from(ImageBuf::<u8>::new(2, 3, 4).unwrap());
        let ops = |list: &[&str]| {
            list.iter()
                .map(|s| s.parse::<Op>().unwrap())
                .collect::<Vec<_>>()
        };
        for (chain, expected) in [
            (vec!["slice=:,:,::-1", "cast=u32"], "NotContiguous"),
            (vec!["slice=:,:,1:3", "cast=u16"], "Misaligned"),
            (vec!["slice=:,:,:3", "cast=u16"], "ItemSizeMismatch"),
            (vec!["slice=:,::2", "cast=u32"], "ok"),
            (
                vec!["transpose", "cast=u32", "invert"],
                "UnsupportedSampleType",
            ),
        ] {
            let image = rgba();
            let dry = dry_run(StepLayout::of_dyn(&image), &ops(&chain));
            let run = apply_dyn(image, &ops(&chain), &mut Vec::new());
            assert_eq!(dry.as_ref().err(), run.as_ref().err(), "{chain:?}");
            let got = match &dry {
                Ok(_) => "ok".to_string(),
                Err(e) => format!(
                    "{:?}",
                    match &e.kind {
                        OpErrorKind::View(v) => format!("{v:?}"),
                        other => format!("{other:?}"),
                    }
                ),
            };
            assert!(got.contains(expected), "{chain:?}: {got}");
        }
        // A copy the run has yet to make is taken as aligned: only the offset counts.
        let odd = StepLayout {
            offset_bytes: 1,
            ..StepLayout::of_dyn(&rgba()).detached()
        };
        assert_eq!(
            Op::Cast(SampleType::of::<u16>().unwrap()).output_layout(&StepLayout {
                layout: Layout::new([2, 3, 2], [12, 4, 1]).unwrap(),
                ..odd
            }),
            Err(OpErrorKind::View(ViewError::Misaligned {
                address: 1,
                align: 2
            }))
        );
    }
}
