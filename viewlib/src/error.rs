//! The one error type of viewlib. Every variant carries the numbers that made the request invalid,
//! so a message says what was asked and what was available, not just "invalid".

use thiserror::Error;

/// Why a view could not be built, derived, cast or written.
///
/// Nothing is changed when an error is returned: views are values, and a failed operation hands
/// back an error instead of a half-valid view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ViewError {
    /// A C-order view of this shape needs exactly `expected` elements, the buffer has `len`.
    #[error("buffer has {len} elements but the shape needs exactly {expected}")]
    LengthMismatch {
        /// Elements the shape needs.
        expected: usize,
        /// Elements in the buffer.
        len: usize,
    },
    /// The layout reaches elements `lowest..=highest` (relative to the buffer start) but the
    /// buffer holds `len` elements.
    #[error("view reaches elements {lowest}..={highest} but the buffer has {len} elements")]
    OutOfBuffer {
        /// Lowest element offset the layout addresses.
        lowest: i128,
        /// Highest element offset the layout addresses.
        highest: i128,
        /// Elements in the buffer.
        len: usize,
    },
    /// The number of elements, or a byte size, overflows `isize` at this axis.
    #[error("size overflows isize at axis {axis} (length {len})")]
    SizeOverflow {
        /// The axis where the running product overflowed.
        axis: usize,
        /// That axis' length.
        len: usize,
    },
    /// `len * stride` (or a derived stride) does not fit in `isize`.
    #[error("stride arithmetic overflows at axis {axis} (length {len}, stride {stride})")]
    StrideOverflow {
        /// The axis.
        axis: usize,
        /// Its length.
        len: usize,
        /// Its stride in elements.
        stride: isize,
    },
    /// A writable view would reach one element through two different indices.
    #[error(
        "writable view aliases: axis {axis} has stride {stride} but the axes inside it span {span} elements"
    )]
    Aliasing {
        /// The axis whose stride is too small.
        axis: usize,
        /// Its stride in elements (absolute value).
        stride: usize,
        /// How many elements the faster-varying axes already span.
        span: usize,
    },
    /// An axis number is not below the view's number of dimensions.
    #[error("axis {axis} is out of range for a view with {ndim} dimensions")]
    AxisOutOfRange {
        /// The axis asked for.
        axis: usize,
        /// Dimensions of the view.
        ndim: usize,
    },
    /// An axis appears twice in a permutation.
    #[error("axis {axis} appears more than once in the permutation")]
    DuplicateAxis {
        /// The repeated axis.
        axis: usize,
    },
    /// An index is outside its axis.
    #[error("index {index} is out of range for axis {axis} of length {len}")]
    IndexOutOfRange {
        /// The axis.
        axis: usize,
        /// The index asked for (negative indices count from the end).
        index: isize,
        /// The axis length.
        len: usize,
    },
    /// A slice bound is outside its axis. Python clamps such bounds silently; viewlib refuses.
    #[error("slice bound {bound} is out of range for axis {axis} of length {len}")]
    SliceOutOfRange {
        /// The axis.
        axis: usize,
        /// The offending bound as given (start or stop).
        bound: isize,
        /// The axis length.
        len: usize,
    },
    /// A slice step of zero.
    #[error("slice step is zero on axis {axis}")]
    ZeroStep {
        /// The axis.
        axis: usize,
    },
    /// Parts of size zero were asked for when splitting an axis.
    #[error("chunk size is zero on axis {axis}")]
    ZeroChunk {
        /// The axis being split.
        axis: usize,
    },
    /// A crop rectangle does not lie inside the image.
    #[error(
        "crop {width}x{height} at ({x}, {y}) does not fit in a {image_width}x{image_height} image"
    )]
    CropOutOfBounds {
        /// Left column of the crop.
        x: usize,
        /// Top row of the crop.
        y: usize,
        /// Width of the crop.
        width: usize,
        /// Height of the crop.
        height: usize,
        /// Width of the image.
        image_width: usize,
        /// Height of the image.
        image_height: usize,
    },
    /// The operation needs the elements to be laid out without gaps in C order.
    #[error("{operation} needs contiguous elements")]
    NotContiguous {
        /// The operation that needed it.
        operation: &'static str,
    },
    /// A cast would produce a misaligned pointer for the new sample type.
    #[error("address {address:#x} is not aligned to {align} bytes for the cast")]
    Misaligned {
        /// The address of the first element.
        address: usize,
        /// The alignment the new type needs.
        align: usize,
    },
    /// A cast cannot split or join samples evenly: `bytes` (the innermost axis' length, or a
    /// stride, in bytes) is not a multiple of the new itemsize.
    #[error("{bytes} bytes on axis {axis} is not a multiple of the new itemsize {itemsize}")]
    ItemSizeMismatch {
        /// The axis.
        axis: usize,
        /// The byte count that does not divide.
        bytes: usize,
        /// The itemsize of the target type.
        itemsize: usize,
    },
    /// A reshape that changes the number of elements.
    #[error("cannot reshape {from} elements into a shape of {to} elements")]
    ReshapeCount {
        /// Elements in the view.
        from: usize,
        /// Elements in the requested shape.
        to: usize,
    },
    /// Two views (or a view and a value sequence) differ in shape.
    #[error("shape mismatch on axis {axis}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// The first axis that differs.
        axis: usize,
        /// The length the destination has.
        expected: usize,
        /// The length the source has.
        found: usize,
    },
    /// Memory for `bytes` bytes could not be allocated: the request fits the address space,
    /// but the system refused it. Nothing was allocated and nothing aborted.
    #[error("cannot allocate {bytes} bytes")]
    AllocationFailed {
        /// Bytes asked for.
        bytes: usize,
    },
    /// The view is wider or taller than the `u32` dimensions of the `image` crate's images (or
    /// `fast_image_resize`'s).
    #[error("a {width}x{height} view does not fit an image's u32 dimensions")]
    TooLargeForImage {
        /// Width of the view.
        width: usize,
        /// Height of the view.
        height: usize,
    },
    /// Writing through an image needs its memory to itself, and other images share it.
    #[error(
        "the memory is shared by {holders} images; writing needs the only one (drop the others, or copy with to_image_buf)"
    )]
    SharedMemory {
        /// Images (this one included) holding the memory.
        holders: usize,
    },
    /// No image type here holds samples of this format.
    #[error("no image holds samples of format {format:?} here")]
    UnsupportedSampleType {
        /// The format code asked for.
        format: &'static str,
    },
    /// The memory cannot be written (a file mapped read-only).
    #[error("the memory is read-only")]
    ReadOnlyMemory,
    /// The `image` crate has no buffer type for this sample type and channel count.
    #[error("image::DynamicImage has no {bits}-bit variant with {channels} channels")]
    UnsupportedChannels {
        /// Channels of the image.
        channels: usize,
        /// Bits per sample.
        bits: u32,
    },
}

/// Result alias used throughout viewlib.
pub type Result<T, E = ViewError> = core::result::Result<T, E>;
