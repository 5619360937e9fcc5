//! Kernels: operations that mutate views in place or copy between views, in parallel with
//! rayon over disjoint parts cut by the splitting API, on any layout (contiguous, cropped,
//! channel-strided, flipped, transposed).
//!
//! Each kernel also has a plain sequential reference, which the tests compare it against on
//! odd sizes and every layout: `ops::reference`, public with the feature `reference` (off by
//! default) for checking other kernels the same way.

mod calling_thread;
mod channels;
mod copy;
mod geometry;
mod invert;
mod lut;
mod pieces;
#[cfg(any(test, feature = "reference"))]
pub mod reference;
mod transposed;
mod traverse;

pub(crate) use calling_thread::{Place, in_threads_pool, place, threads};
pub use calling_thread::{on_this_thread, on_this_thread_and};
pub(crate) use copy::copy;
pub use invert::{Alpha, Invert};
pub use lut::{Luma, LumaWeights, Lut, LutSample};
pub use traverse::PARALLEL_MIN_BYTES;
pub(crate) use traverse::for_each_run;
