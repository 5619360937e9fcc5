//! Running operations on an image whose sample type is known at run time, so that a cast
//! can change it: RGBA8 becomes one `u32` word per pixel, 16-bit samples byte pairs.

use super::error::{OpError, OpErrorKind};
use super::op::{Flip, Op};
use super::run::{StepReport, map_colour, to_gray, tone_lut};
use crate::ops::{Invert, Luma, LutSample};
use crate::{DynStridedImage, StridedImage};
use std::time::Instant;

/// Applies `ops` to `image` in order and returns the result: a view of `image`'s memory, or
/// of the buffer the last `gray` made. Step reports are appended to `report`.
///
/// Views (crops, flips, slices, channels, casts) share the memory; in-place steps write to
/// it, so `image` must hold its memory alone for them (an image derived from another that
/// is still alive, or a read-only mapped file, gives [`ViewError::SharedMemory`] or
/// [`ViewError::ReadOnlyMemory`] at the first such step). Casts change the sample type:
/// later steps run on the new one, and those without a kernel for it say so
/// ([`OpErrorKind::UnsupportedSampleType`]).
///
/// ```
/// use viewlib::pipeline::{apply_dyn, Op, OpErrorKind};
/// use viewlib::{DynStridedImage, ImageBuf, ViewError};
/// let ops = |list: &[&str]| list.iter().map(|s| s.parse::<Op>().unwrap()).collect::<Vec<_>>();
/// // 16-bit samples as byte pairs: one 16-bit RGB pixel has 6 bytes.
/// let rgb16 = ImageBuf::from_vec(1, 1, 3, vec![0x0102u16, 0x0304, 0x0506])?;
/// let bytes = apply_dyn(rgb16.into(), &ops(&["cast=u8"]), &mut Vec::new())?;
/// assert_eq!((bytes.shape(), bytes.format()), ([1, 1, 6], "B"));
/// // A cast needs each pixel's samples side by side: one channel of three is refused.
/// let rgb = ImageBuf::from_vec(1, 2, 3, vec![0u8; 6])?;
/// let err = apply_dyn(rgb.into(), &ops(&["channel=G", "cast=u16be"]), &mut Vec::new()).unwrap_err();
/// assert_eq!(err.position, 2);
/// assert!(matches!(err.kind, OpErrorKind::View(ViewError::ItemSizeMismatch { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`ViewError::SharedMemory`]: crate::ViewError::SharedMemory
/// [`ViewError::ReadOnlyMemory`]: crate::ViewError::ReadOnlyMemory
pub fn apply_dyn(
    mut image: DynStridedImage,
    ops: &[Op],
    report: &mut Vec<StepReport>,
) -> Result<DynStridedImage, OpError> {
    for (i, &op) in ops.iter().enumerate() {
        let fail = |kind: OpErrorKind| kind.at(i + 1, op);
        let start = Instant::now();
        op.check_sample_type(image.sample_type()).map_err(fail)?;
        let mut bytes_copied = 0;
        image = match op {
            Op::Crop {
                x,
                y,
                width,
                height,
            } => image
                .crop(x, y, width, height)
                .map_err(|e| fail(e.into()))?,
            Op::Channel(channel) => {
                let index = channel.require_in(image.shape()[2]).map_err(fail)?;
                image.channel(index).map_err(|e| fail(e.into()))?
            }
            Op::Flip(Flip::Horizontal) => image.flip_horizontal(),
            Op::Flip(Flip::Vertical) => image.flip_vertical(),
            Op::Transpose => image.transpose(),
            Op::Slice(subscripts) => image
                .slice(subscripts.map(|s| s.to_slice()))
                .map_err(|e| fail(e.into()))?,
            Op::Cast(to) => image.cast(to).map_err(|e| fail(e.into()))?,
            Op::Gray => {
                let gray = gray(&image).map_err(|e| fail(e.into()))?;
                bytes_copied = gray.memory_bytes().len();
                gray
            }
            Op::Invert(_)
            | Op::Brightness(_)
            | Op::Contrast(_)
            | Op::Gamma(_)
            | Op::Threshold(_) => {
                in_place(&mut image, op).map_err(|e| fail(e.into()))?;
                image
            }
        };
        report.push(StepReport::of_dyn(op, start, bytes_copied, &image));
    }
    Ok(image)
}

/// `gray` on any sample type with a luma; the caller checked the type.
fn gray(image: &DynStridedImage) -> crate::Result<DynStridedImage> {
    fn typed<T: Luma>(image: &StridedImage<T>) -> crate::Result<DynStridedImage>
    where
        StridedImage<T>: Into<DynStridedImage>,
    {
        Ok(StridedImage::from(to_gray(image.view())?).into())
    }
    match image {
        DynStridedImage::U8(i) => typed(i),
        DynStridedImage::U16(i) => typed(i),
        DynStridedImage::U16Be(i) => typed(i),
        DynStridedImage::F32(i) => typed(i),
        DynStridedImage::U32(_) => unreachable!("gray on u32 is refused by check_sample_type"),
    }
}

/// An in-place step (`invert`, a tone curve) on the samples `image` covers.
fn in_place(image: &mut DynStridedImage, op: Op) -> crate::Result<()> {
    fn invert<S: Invert>(image: &mut StridedImage<S>, op: Op) -> crate::Result<()> {
        let Op::Invert(alpha) = op else {
            unreachable!("tone curves on floats are refused by check_sample_type")
        };
        image.view_mut()?.invert_in_place(alpha);
        Ok(())
    }
    fn invert_or_tone<S: Invert>(image: &mut StridedImage<S>, op: Op) -> crate::Result<()>
    where
        S::Value: LutSample,
    {
        match tone_lut::<S::Value>(op) {
            Some(lut) => map_colour(&mut image.view_mut()?, &lut),
            None => invert(image, op)?,
        }
        Ok(())
    }
    match image {
        DynStridedImage::U8(i) => invert_or_tone(i, op),
        DynStridedImage::U16(i) => invert_or_tone(i, op),
        DynStridedImage::U16Be(i) => invert_or_tone(i, op),
        DynStridedImage::F32(i) => invert(i, op),
        DynStridedImage::U32(_) => unreachable!("kernels on u32 are refused by check_sample_type"),
    }
}

impl StepReport {
    /// The report of a step that left `image` as its result (offsets from the start of its
    /// memory).
    pub(crate) fn of_dyn(
        op: Op,
        start: Instant,
        bytes_copied: usize,
        image: &DynStridedImage,
    ) -> Self {
        StepReport::new(
            op,
            start,
            bytes_copied,
            image.layout(),
            image.offset_bytes(),
            (image.sample_type(), image.format()),
        )
    }
}
