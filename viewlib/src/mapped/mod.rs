//! Image files as views without reading them into memory (feature `mmap`, on by default):
//! the articles' "chunk-read a huge file and create many sub-slices without copying", for
//! scanner output, microscopy and satellite mosaics, raw camera dumps.
//!
//! - [`RowFile`] reads and writes the same files a band of rows at a time with positioned
//!   I/O, into buffers you own: no map, so no `SIGBUS` when another program truncates the file.
//! - [`MappedImage`] maps a file read-only and hands out [`View`](crate::View)s;
//!   [`MappedImageMut`] maps it for writing, and kernels run on its
//!   [`ViewMut`](crate::ViewMut) in place, changing the file; [`MappedOutput`] creates a new
//!   file of a given layout and writes it through a map, then puts it in place atomically.
//! - Formats: binary PNM (`P5` gray, `P6` RGB; 8-bit, or 16-bit big-endian read as
//!   [`U16Be`](crate::U16Be)), farbfeld (16-bit big-endian RGBA), and raw samples whose shape,
//!   [`SampleType`] and offset the caller states ([`FileLayout::raw`], like `numpy.memmap`).
//! - Headers are checked before anything is mapped: zero or overflowing sizes, a `maxval`
//!   outside `1..=65535`, or a file shorter than its header declares are
//!   [`ImageFileError`](crate::io::ImageFileError)s naming the values.
//! - Pages are read when first touched and stay resident until the kernel needs the memory;
//!   [`for_each_band`](MappedImage::for_each_band) and
//!   [`for_each_band_mut`](MappedImageMut::for_each_band_mut) release each band after use, so a
//!   pass over a file larger than memory keeps about one band resident.
//!
//! ```
//! use viewlib::{mapped::{FileLayout, MappedImage, MappedImageMut, MappedOutput, SampleType}, ops::Alpha};
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("scan.ppm");
//! // A new 8-bit 300x200 RGB file, written through its map.
//! let mut out = MappedOutput::create(&path, FileLayout::pnm(300, 200, 3, SampleType::U8)?, false)?;
//! out.view_mut::<u8>()?.channel(0)?.fill(200);
//! out.commit()?;
//! // Invert its top-left quarter in place: the file changes, nothing is loaded.
//! let mut image = MappedImageMut::open(&path)?;
//! image.view_mut::<u8>()?.crop(0, 0, 150, 100)?.invert_in_place(Alpha::Keep);
//! image.flush()?;
//! drop(image);
//! let view_of_file = MappedImage::open(&path)?;
//! let view = view_of_file.view::<u8>()?;
//! assert_eq!((view.get([0, 0, 0]), view.get([0, 0, 1]), view.get([199, 299, 0])), (Some(55), Some(255), Some(200)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Hazards
//!
//! A map is a window onto the file, not a copy. If another process truncates a mapped file,
//! the next access to a lost page raises `SIGBUS` and ends this process; if it writes the
//! file, samples change under a live view. viewlib holds an advisory lock for as long as a map
//! lives (shared for [`MappedImage`], exclusive for [`MappedImageMut`]), so cooperating
//! programs, viewlib ones included, never collide; programs that ignore advisory locks are not
//! stopped. Do not map files that other programs are rewriting.
//!
//! **The safe pattern** for files you do not control (a batch job over users' folders, a
//! server): read and write them a band of rows at a time with [`RowFile`], which uses
//! positioned I/O instead of a map. A file truncated under it is then an
//! [`ImageFileError`](crate::io::ImageFileError)
//! ([`ShrankWhileOpen`](crate::io::FileErrorKind::ShrankWhileOpen)) for that file alone,
//! never a signal; `imgdemo batch` reads and changes files this way. Keep the maps for random
//! access to files your own program owns. Changes made through
//! [`MappedImageMut`] reach the file whether or not [`flush`](MappedImageMut::flush) is called;
//! a crash before they are written back (or before `flush` returns) can leave the file with
//! some of them, so an in-place operation is not atomic the way [`MappedOutput`] is.

mod header;
mod image;
mod map;
mod rows;
mod strided;

pub use header::{FileKind, FileLayout, MAX_HEADER_BYTES, SampleType};
pub use image::{MappedImage, MappedImageMut, MappedOutput};
pub use rows::RowFile;
