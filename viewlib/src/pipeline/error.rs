//! Why an operation does not apply to an image, as data: callers match on the kind.

use super::op::{Channel, Op, describe};
use crate::error::ViewError;

/// An operation that does not apply to this image.
///
/// ```
/// use viewlib::pipeline::{Op, OpErrorKind, RowPlan};
/// let ops: [Op; 2] = ["invert".parse()?, "channel=A".parse()?];
/// let err = RowPlan::new(&ops, [10, 10, 3]).unwrap_err();
/// assert_eq!(err.position, 2);
/// assert!(matches!(err.kind, OpErrorKind::NoSuchChannel { channels: 3, .. }));
/// assert_eq!(err.to_string(), "operation 2 `channel=A`: the image has no A channel (it is RGB)");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("operation {position} `{op}`: {kind}")]
pub struct OpError {
    /// 1-based position in the pipeline.
    pub position: usize,
    /// The operation (boxed: a slice's three subscripts make `Op` large, and errors travel
    /// in every `Result` of the pipeline).
    pub op: Box<Op>,
    /// Why it does not apply.
    pub kind: OpErrorKind,
}

/// What [`OpError`] says went wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OpErrorKind {
    /// The view library refused the derivation or the buffer: a crop or slice out of
    /// bounds, a cast of samples that are not contiguous or do not fill whole new samples,
    /// a buffer that cannot be allocated.
    #[error(transparent)]
    View(#[from] ViewError),
    /// `channel=` names a channel the image does not have.
    #[error("the image has no {channel:?} channel (it is {})", describe(*.channels))]
    NoSuchChannel {
        /// The channel asked for.
        channel: Channel,
        /// The image's channel count.
        channels: usize,
    },
    /// The operation has no kernel for these samples (tone curves on floats, anything but
    /// views on 32-bit words).
    #[error("not defined for samples of format `{format}` (cast back first)")]
    UnsupportedSampleType {
        /// The samples' format, as `memoryview.format`.
        format: &'static str,
    },
    /// The run writes the image in place, and the operation would change its shape (a
    /// file's shape cannot change).
    #[error("changes the image's shape, which an in-place run cannot (write a new file instead)")]
    ChangesShapeInPlace,
    /// The run is typed to one sample type ([`apply`](super::apply),
    /// [`apply_in_place`](super::apply_in_place)), and a cast would change it.
    #[error(
        "changes the sample type from `{from}` to `{to}`, which this run cannot (it holds one \
         sample type; apply_dyn runs casts)"
    )]
    ChangesSampleType {
        /// Format before.
        from: &'static str,
        /// Format after.
        to: &'static str,
    },
}

impl OpErrorKind {
    /// The error at `position` in the pipeline, for `op`.
    #[must_use]
    pub fn at(self, position: usize, op: Op) -> OpError {
        OpError {
            position,
            op: Box::new(op),
            kind: self,
        }
    }
}
