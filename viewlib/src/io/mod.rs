//! Loading and saving image files (feature `io`, on by default).
//!
//! - [`load`] decodes any format the `image` crate reads, recognised by content (the extension
//!   is only a fallback), into a [`DynImageBuf`](crate::DynImageBuf) that keeps the file's sample
//!   type and channel count: 16-bit stays 16-bit. [`load_from_memory`] and [`load_from_reader`]
//!   decode bytes and streams the same way, within the same limits; [`load_with_orientation`]
//!   also returns the EXIF orientation, which `oriented` applies to a view without a copy.
//! - Decoding is bounded by [`Limits`] (on by default): a small file that declares a gigantic
//!   image is refused before anything large is allocated.
//! - [`save_png`] writes any 3-D view (cropped, flipped, strided) at 8 or 16 bits through the
//!   `png` crate with a choice of [`PngCompression`]; [`save`] picks the format from the
//!   extension. Every save writes a temporary file beside the target and renames it, so a crash
//!   or a full disk never leaves a truncated image, and an existing file is only replaced when
//!   [`SaveOptions::overwrite`] says so.
//! - [`save_pending_as`] writes an [`OutputFormat`] (PNG, JPEG with a quality, WebP, TIFF,
//!   PPM, ...) and converts what the format cannot hold instead of failing
//!   ([`OutputFormat::stored_as`]: 16 bits to 8, alpha dropped, gray as RGB).
//! - [`load_png_samples`] reads a PNG's samples as they are stored, without the byte-swap pass,
//!   for a zero-copy [`U16Be`](crate::U16Be) view of 16-bit data.
//!
//! - [`PngRowReader`] and [`PngRowWriter`] decode and encode PNG a band of rows at a time,
//!   with memory independent of the height, for PNGs larger than memory.
//!
//! Every failure is an [`ImageFileError`] naming the file and the cause. Corrupt and truncated
//! files are errors, never panics.

pub(crate) mod atomic;
mod error;
mod file;
mod limits;
mod load;
mod output_format;
mod parallel_png;
mod png_samples;
mod png_stream;
mod preflight;
mod save;

pub use atomic::{ABANDONED_AFTER, PendingFile, remove_abandoned_parts};
pub use error::{FileErrorKind, ImageFileError};
pub(crate) use file::open_regular;
pub use file::{display_path, file_type_name};
pub use limits::Limits;
pub use load::{load, load_from_memory, load_from_reader, load_with, load_with_orientation};
pub use output_format::{OutputFormat, StoredLayout, save_pending_as};
pub use png_samples::{PngSamples, PngSamplesView, load_png_samples};
pub use png_stream::{PngRowReader, PngRowWriter};
pub use save::{
    ImageSample, PngCompression, PngSample, SaveOptions, save, save_png, save_png_pending,
    write_png,
};
