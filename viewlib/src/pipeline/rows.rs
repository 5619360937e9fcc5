//! Plans that run a pipeline a band of rows at a time (images larger than memory), and runs
//! in place (a file's own pixels), decided from the shape before any pixel is touched.

use super::error::{OpError, OpErrorKind};
use super::op::{Flip, Op, Subscript};
use super::run::{map_colour, tone_lut};
use crate::ViewMut;
use crate::ops::{Invert, LutSample};
use crate::sample_type::SampleType;
use std::ops::Range;

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
    /// one [`apply`](super::apply) would give, when an operation does not apply.
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
    /// // Every other row is not a band of consecutive rows; rows 2..6 are.
    /// assert!(RowPlan::new(&["slice=::2".parse()?], [10, 10, 3])?.is_none());
    /// assert_eq!(RowPlan::new(&["slice=2:6,::-1".parse()?], [10, 10, 3])?.unwrap().first_row, 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(ops: &[Op], shape: [usize; 3]) -> Result<Option<RowPlan>, OpError> {
        let mut current = shape;
        let mut first_row = 0;
        for (i, &op) in ops.iter().enumerate() {
            if matches!(op, Op::Flip(Flip::Vertical) | Op::Transpose | Op::Cast(_)) {
                return Ok(None);
            }
            // 8 and 16-bit samples have the same rules (casts are planned whole, above).
            let next = op
                .output_shape(current, SampleType::U8)
                .map_err(|kind| kind.at(i + 1, op))?;
            match op {
                Op::Crop { y, .. } => first_row += y,
                Op::Slice([rows, ..]) => match row_step(&rows, current[0]) {
                    Some(start) => first_row += start,
                    None => return Ok(None),
                },
                _ => {}
            }
            current = next;
        }
        Ok(Some(RowPlan {
            first_row,
            source_shape: shape,
            output_shape: current,
            ops: ops.to_vec(),
        }))
    }

    /// The operations for a band of `rows` consecutive source rows starting at row
    /// `first_row + k`: each crop keeps its columns and every row of the band.
    #[must_use]
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
        rows: Range<usize>,
        /// The pipeline, its crops rewritten per band by [`InPlaceBands::band_ops`].
        ops: Vec<Op>,
    },
    /// A crop after `flip=v` picks rows of the mirrored image: the source rows `rows` are
    /// processed at once.
    Whole {
        /// The source rows the pipeline reads and writes.
        rows: Range<usize>,
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
    /// use viewlib::SampleType;
    /// let ops: Vec<Op> = ["crop=0,10,4,80", "flip=v", "invert"].iter().map(|s| s.parse().unwrap()).collect();
    /// let InPlaceBands::Mirrored { rows, .. } = InPlaceBands::new(&ops, [100, 4, 3], SampleType::U8)? else { panic!() };
    /// assert_eq!(rows, 10..90);
    /// // A band of 2 top and 2 bottom rows: crops keep their columns, span the stack.
    /// let plan = InPlaceBands::new(&ops, [100, 4, 3], SampleType::U8)?;
    /// assert_eq!(plan.band_ops(4)[0].to_string(), "crop=0,0,4,4");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        ops: &[Op],
        shape: [usize; 3],
        sample_type: SampleType,
    ) -> Result<InPlaceBands, OpError> {
        check_in_place(ops, shape, sample_type)?;
        if let Some(plan) = RowPlan::new(ops, shape)? {
            return Ok(InPlaceBands::Rows(plan));
        }
        // The first operation that reorders rows (a flip, a slice stepping through rows),
        // and the band of source rows the ones before it select.
        let reorder = (0..ops.len())
            .find(|&k| matches!(RowPlan::new(&ops[..=k], shape), Ok(None)))
            .expect("a pipeline with no row plan has an operation that reorders rows");
        let (leading, rest) = ops.split_at(reorder);
        let region = RowPlan::new(leading, shape)?.expect("nothing before reorders rows");
        let height = region.output_shape[0];
        let rows = region.first_row..region.first_row + height;
        let keeps_rows = |op: &Op| match op {
            Op::Crop { y, height: h, .. } => *y == 0 && *h == height,
            // Every row, top to bottom.
            Op::Slice([rows, ..]) => rows
                .to_slice()
                .resolve(0, height)
                .is_ok_and(|r| r.start == 0 && r.len == height && (r.step == 1 || r.len <= 1)),
            _ => true,
        };
        let mirror_only =
            matches!(rest[0], Op::Flip(Flip::Vertical)) && rest.iter().all(keeps_rows);
        if !mirror_only {
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
    #[must_use]
    pub fn band_ops(&self, rows: usize) -> Vec<Op> {
        match self {
            InPlaceBands::Rows(plan) => plan.band_ops(rows),
            InPlaceBands::Mirrored { ops, .. } => rows_of_band(ops, rows),
            InPlaceBands::Whole { ops, .. } => ops.clone(),
        }
    }
}

/// `ops` with every crop and slice keeping its columns and channels and spanning `rows` rows
/// from the top.
fn rows_of_band(ops: &[Op], rows: usize) -> Vec<Op> {
    ops.iter()
        .map(|&op| match op {
            Op::Crop { x, width, .. } => Op::Crop {
                x,
                y: 0,
                width,
                height: rows,
            },
            Op::Slice([_, columns, channels]) => Op::Slice([Subscript::FULL, columns, channels]),
            op => op,
        })
        .collect()
}

/// Checks that `ops` can run in place on a `[height, width, channels]` image of
/// `sample_type` samples ([`apply_in_place`]), before anything is written: every operation
/// must keep the image's shape and sample type (flips are fine: they mirror in place).
///
/// ```
/// use viewlib::pipeline::{check_in_place, Op, OpErrorKind};
/// use viewlib::SampleType;
/// let ops = ["slice=::2,::-1".parse::<Op>()?, "invert".parse()?, "gray".parse()?];
/// let err = check_in_place(&ops, [10, 10, 3], SampleType::U8).unwrap_err();
/// assert_eq!((err.position, err.kind), (3, OpErrorKind::ChangesShapeInPlace));
/// assert!(check_in_place(&ops[..2], [10, 10, 3], SampleType::U8).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_in_place(
    ops: &[Op],
    shape: [usize; 3],
    sample_type: SampleType,
) -> Result<(), OpError> {
    let mut current = shape;
    for (i, &op) in ops.iter().enumerate() {
        let fail = |kind: OpErrorKind| kind.at(i + 1, op);
        match op {
            Op::Transpose | Op::Gray => return Err(fail(OpErrorKind::ChangesShapeInPlace)),
            Op::Cast(to) if to != sample_type => {
                return Err(fail(OpErrorKind::ChangesSampleType {
                    from: sample_type.format(),
                    to: to.format(),
                }));
            }
            _ => {}
        }
        current = op.output_shape(current, sample_type).map_err(fail)?;
    }
    Ok(())
}

/// Where a slice's rows start, when it takes consecutive rows top to bottom (`None` when it
/// steps or reverses through them; a bad bound is reported by `output_shape`).
fn row_step(rows: &Subscript, height: usize) -> Option<usize> {
    let resolved = rows.to_slice().resolve(0, height).ok()?;
    (resolved.step == 1 || resolved.len <= 1).then_some(resolved.start)
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
    let sample_type = SampleType::of::<S>().expect("every sample type with a kernel has a name");
    check_in_place(ops, image.shape(), sample_type)?;
    for &op in ops {
        match op {
            Op::Invert(alpha) => image.reborrow().invert_in_place(alpha),
            Op::Crop {
                x,
                y,
                width,
                height,
            } => image = image.crop(x, y, width, height).expect("checked"),
            Op::Channel(channel) => {
                let index = channel.require_in(image.channels()).expect("checked");
                image = image.channel_range(index..index + 1).expect("checked");
            }
            Op::Slice(subscripts) => {
                image = image
                    .slice(subscripts.map(|s| s.to_slice()))
                    .expect("checked");
            }
            Op::Cast(_) => {} // to the type it has: checked
            Op::Flip(Flip::Horizontal) => image.reborrow().flip_horizontal_in_place(),
            Op::Flip(Flip::Vertical) => image.reborrow().flip_vertical_in_place(),
            Op::Transpose | Op::Gray => unreachable!("refused by check_in_place"),
            tone => {
                let lut = tone_lut::<S::Value>(tone).expect("the tone operations are left");
                map_colour(&mut image, &lut);
            }
        }
    }
    Ok(())
}
