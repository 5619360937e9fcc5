//! The desktop app: open an image, build a pipeline of operations, and watch what each one
//! does to the pixels and to the view's layout in memory.
//!
//! State is kept apart from I/O: [`document`] holds the image and results (no UI),
//! [`worker`] decodes, processes and saves on a background thread, and the panels only read
//! the state and record what the user changed.

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

pub use app::{ChannelDisplay, DemoApp, Launch, Notice};
pub use canvas::{Camera, Compare, Hover};
pub use screenshot::{MIN_WINDOW_SIZE, WINDOW_SIZE, run};
pub use steps::{Step, Steps};

/// The longest side of the pictures the app uploads for a whole image (or the GPU's limit,
/// if smaller). Larger images are box-averaged down for the overview; zoomed in past that,
/// the visible part is painted at full resolution over it. Uploading a 12-megapixel picture
/// on every change would cost more than the operations themselves.
pub const PREVIEW_MAX_SIDE: usize = 2048;
