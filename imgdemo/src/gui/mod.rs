//! The desktop app: open an image, build a pipeline of operations, and watch what each one
//! does to the pixels and to the view's layout in memory.
//!
//! State is kept apart from I/O: [`document`] holds the image and results (no UI),
//! [`worker`] decodes, processes and saves on a background thread, and the panels only read
//! the state and record what the user changed.

pub mod anatomy;
mod app;
pub mod canvas;
pub mod document;
mod memory_panel;
mod pipeline_panel;
pub mod preview;
mod screenshot;
pub mod steps;
pub mod worker;

pub use app::{ChannelDisplay, DemoApp, Launch, Notice};
pub use canvas::{Camera, Compare, Hover};
pub use screenshot::{WINDOW_SIZE, run};
pub use steps::{Step, Steps};

/// The longest side the app asks of a texture, whatever the GPU allows: a 24-megapixel
/// photo is shown through a box-averaged preview of at most this size.
pub const PREVIEW_MAX_SIDE: usize = 4096;
