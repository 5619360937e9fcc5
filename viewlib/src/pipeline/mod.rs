//! Named operations on images, as text (`crop=10,20,300,200`, `flip=h`, `slice=::2,::-1`,
//! `cast=u32`, `invert`, `gamma=2.2`) and as values ([`Op`]), applied to views with as few
//! copies as the chain allows: `imgdemo batch`, the desktop app and the Python module's
//! `process_file` share this one grammar and one model of an operation.
//!
//! Geometry (`crop`, `flip`, `transpose`, `slice`), `channel` and `cast` only change the
//! view: no pixel is copied ([`Effect::View`]). `invert` and the tone operations rewrite the
//! pixels the view covers, in place ([`Effect::InPlace`]). Only `gray` makes a new buffer
//! ([`Effect::NewBuffer`]: its output has fewer channels).
//!
//! - [`Op::output_shape`] answers, from the shape alone, what an operation makes or why it
//!   does not apply ([`OpErrorKind`]); the planners and checks below are built on it.
//! - [`Op::output_layout`] and [`dry_run`] answer from the strides and offset too
//!   ([`StepLayout`]): the run's own refusals (a cast of pixels whose bytes are not in
//!   order, or at a misaligned address) before any pixel is touched.
//! - [`apply`] (a borrowed writable view), [`apply_owned`] (a [`StridedImage`]) and
//!   [`apply_dyn`] (a [`DynStridedImage`], the only run in which casts change the sample
//!   type) run a pipeline; [`apply_in_place`] runs one on a file's own pixels.
//! - [`RowPlan`] and [`InPlaceBands`] run a pipeline a band of rows at a time.
//!
//! ```
//! use viewlib::pipeline::{apply_dyn, Op};
//! use viewlib::{DynStridedImage, ImageBuf};
//! // A 2x2 RGBA image: every other column, mirrored; then each pixel as one u32 word.
//! let rgba = ImageBuf::from_vec(2, 2, 4, (0..16u8).collect())?;
//! let ops: Vec<Op> = ["slice=:,::-1", "cast=u32"].iter().map(|s| s.parse()).collect::<Result<_, _>>()?;
//! let mut report = Vec::new();
//! let DynStridedImage::U32(words) = apply_dyn(rgba.into(), &ops, &mut report)? else { panic!() };
//! assert_eq!(words.shape(), [2, 2, 1]);
//! assert_eq!(words.view().get([0, 0, 0]), Some(u32::from_ne_bytes([4, 5, 6, 7])));
//! assert_eq!(report.iter().map(|s| s.bytes_copied).sum::<usize>(), 0); // views only
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`StridedImage`]: crate::StridedImage
//! [`DynStridedImage`]: crate::DynStridedImage

mod dry_run;
mod error;
mod op;
mod rows;
mod run;
mod run_dyn;

pub use dry_run::{StepLayout, dry_run};
pub use error::{OpError, OpErrorKind};
pub use op::{Channel, Effect, Flip, OP_SYNTAX, Op, ParseOpError, Subscript};
pub use rows::{InPlaceBands, RowPlan, apply_in_place, check_in_place};
pub use run::{PipelineSample, StepReport, apply, apply_owned};
pub use run_dyn::apply_dyn;
