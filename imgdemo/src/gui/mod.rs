//! The desktop app: open an image, build a pipeline of operations, and watch what each one
//! does to the pixels and to the view's layout in memory.
//!
//! State is kept apart from I/O, and each part of the window owns its own: the
//! [`Document`] holds the image, the steps and the result, with its rules and no UI;
//! [`worker`] decodes, processes and saves on a background thread; the [`canvas`] keeps how
//! the images are framed and their textures, the pipeline panel what is being typed, and the
//! dialogs theirs. `DemoApp` only composes them: it hands each its part of the document and
//! carries what one asks of another (a crop dragged on the canvas becomes a step, a detail it
//! wants goes to the worker).

mod app;
pub mod canvas;
pub mod document;
mod file_dialog;
pub mod footprint;
mod memory_panel;
mod pipeline_panel;
pub mod preview;
mod screenshot;
pub mod steps;
pub mod worker;

pub use app::{DemoApp, Launch, Notice};
pub use canvas::{Camera, ChannelDisplay, Compare, Hover};
pub use document::Document;
pub use screenshot::{MIN_WINDOW_SIZE, WINDOW_SIZE, run};
pub use steps::{Step, Steps};

/// The longest side of the pictures the app uploads for a whole image (or the GPU's limit,
/// if smaller). Larger images are box-averaged down for the overview; zoomed in past that,
/// the visible part is painted at full resolution over it. Uploading a 12-megapixel picture
/// on every change would cost more than the operations themselves.
pub const PREVIEW_MAX_SIDE: usize = 2048;

/// The longest side of the pictures uploaded: [`PREVIEW_MAX_SIDE`], or the GPU's limit if
/// smaller.
fn max_side(ctx: &egui::Context) -> usize {
    PREVIEW_MAX_SIDE.min(ctx.input(|i| i.max_texture_side).max(256))
}
