//! viewlib: zero-copy strided views over pixel buffers.
#![forbid(unsafe_op_in_unsafe_fn)]

mod error;
mod export;
mod image_axes;
#[cfg(feature = "image")]
mod interop_image;
#[cfg(feature = "ndarray")]
mod interop_ndarray;
mod layout;
mod owned;
mod raw;
mod sample;
mod slice;
mod split;
mod view;

pub use error::{Result, ViewError};
pub use export::Order;
pub use layout::Layout;
pub use owned::{DynImageBuf, ImageBuf};
pub use raw::{LanesMut, View, ViewMut};
pub use sample::*;
pub use slice::Slice;
pub use split::{AxisChunks, Splittable, Tiles};
pub use view::Lanes;
