//! imgdemo: viewlib's demo program, as a library so its parts are tested and benchmarked.
//!
//! - [`pipeline`]: the operations (`invert`, `crop=X,Y,W,H`, `channel=R`, ...) shared by the
//!   batch mode and the desktop app, applied to views with as few copies as the chain allows.
//! - [`batch`]: `imgdemo batch`, processing files and folders in parallel with bounded memory.
//! - [`gui`]: the desktop app (eframe/egui): a live pipeline over the same operations, with
//!   the views' layout in memory on show.
//! - [`testcard`]: the bundled images in `assets/`.

pub mod batch;
pub mod gui;
pub mod pipeline;
pub mod testcard;
