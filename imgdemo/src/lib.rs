//! imgdemo: viewlib's demo program, as a library so its parts are tested and benchmarked.
//!
//! - [`pipeline`]: viewlib's named operations (`invert`, `crop=X,Y,W,H`, `channel=R`, ...),
//!   which the batch mode and the desktop app share, re-exported.
//! - [`batch`]: `imgdemo batch`, processing files and folders in parallel with bounded memory.
//! - [`gui`]: the desktop app (eframe/egui): a live pipeline over the same operations, with
//!   the views' layout in memory on show.
//! - [`testcard`]: the bundled images in `assets/`.
// No unsafe: everything that needs it is in viewlib, behind checked types.
#![forbid(unsafe_code)]

pub mod batch;
pub mod gui;
pub mod testcard;

pub use viewlib::pipeline;
