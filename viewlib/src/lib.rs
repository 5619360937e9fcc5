//! # viewlib: zero-copy strided views over pixel buffers
//!
//! Python's `memoryview` and buffer protocol, for Rust image processing, with the run-time
//! failures moved to compile time. A [`View`] (read-only) or [`ViewMut`] (writable) is a
//! pointer, a shape and strides over a buffer it borrows: slicing, cropping, flipping,
//! transposing, taking a channel and reinterpreting the sample type all make new views in O(1)
//! without copying a pixel. Copies happen only when asked for ([`View::to_vec`],
//! [`View::to_bytes`], [`View::to_image_buf`]).
//!
//! ```
//! use viewlib::{s, ViewMut};
//! // A 4x6 RGB image in a flat buffer, as decoders hand it out.
//! let mut pixels = vec![0u8; 4 * 6 * 3];
//! let mut image = ViewMut::from_slice(&mut pixels, [4, 6, 3])?; // height, width, channels
//! // Crop by slicing (no copy), then take its red channel (a strided view) and paint it.
//! image.reborrow().crop(1, 1, 3, 2)?.channel(0)?.fill(255);
//! let view = image.view();
//! assert_eq!(view.get([1, 1, 0]), Some(255));
//! assert_eq!(view.get([1, 0, 0]), Some(0));
//! // NumPy-style slicing: every other row, columns reversed.
//! let odd = view.slice(s![1..;2, ..;-1, ..])?;
//! assert_eq!(odd.shape(), [2, 6, 3]);
//! assert_eq!(odd.byte_strides(), [36, -3, 1]);
//! # Ok::<(), viewlib::ViewError>(())
//! ```
//!
//! ## Map of the API
//!
//! | concept | where |
//! |---|---|
//! | read-only / writable view | [`View`], [`ViewMut`] (`view()`, `into_view()`, `reborrow()`) |
//! | build from a buffer | `from_slice(buf, shape)`, `from_slice_with_strides(buf, shape, strides, offset)`, [`View::new`] |
//! | inspect | `shape`, `strides`, `byte_strides`, `ndim`, `itemsize`, `format`, `len`, `nbytes`, `offset_bytes`, `is_c_contiguous` |
//! | index | `get`, `try_get`, `[[y, x, c]]`, `set`, `try_set` |
//! | slice (NumPy) | [`Slice`], [`s!`], `slice`, `slice_along`, `flip`, `split_at` |
//! | image axes | `crop`, `channel`, `channel_range`, `row`, `pixel`, `flip_horizontal`, `flip_vertical`, `transpose` |
//! | reinterpret | `cast`, `cast_shape`, `as_bytes`, `reshape`; sample types in [`Sample`] incl. [`U16Be`] |
//! | split for threads | `bands`, `tiles`, `rows`, `split_channels`, `axis_chunks`, `lanes_mut`; rayon: `into_par_iter()` on bands, tiles and chunks, `par_tiles`, `par_rows`, `par_split_channels` |
//! | copy out | `to_vec`, `to_list`, `to_bytes`, `hex`, `hex_dump`, `to_image_buf` |
//! | write | `copy_from`, `fill`, `iter_mut` |
//! | owned | [`ImageBuf`], [`DynImageBuf`] (C order); [`StridedImage`], [`DynStridedImage`] (any layout over shared [`Memory`]: derivations without borrows, layout questions: `byte_offset_of`, `index_at_byte`, `byte_runs`) |
//! | provenance through views and copies | [`Lineage`]: the source pixel behind a result pixel and back (`source_pixel`, `result_pixel`) |
//! | sample types at run time | [`SampleType`] (NumPy dtypes: `u1`, `>u2`, `<f4`, ...), `SampleType::of::<T>()` |
//! | files | [`io`]: `load` (keeps 8/16-bit/float), `save_png` (any view, 8/16-bit), `save`, `load_png_samples` (big-endian view), `PngRowReader`/`PngRowWriter` (by rows), `Limits` |
//! | files larger than memory | [`mapped`]: `MappedImage` (read-only view of a PNM, farbfeld or raw file), `MappedImageMut` (in place), `MappedOutput` (new file), `FileLayout`, `SampleType` |
//! | interop | `image` (default feature): `View::from_image`, `ImageBuf: From<ImageBuffer>`; `ndarray` (feature): `From`/`TryFrom` array views; `fast_image_resize` (feature): `as_fir_image`, `as_fir_image_mut` ([`FirImage`], [`FirImageMut`]) |
//! | named operations | [`pipeline`]: `Op` (`crop=X,Y,W,H`, `flip=h`, `invert`, ...) parsed from text, applied as views and in-place kernels |
//! | layout math | [`Layout`]; errors in [`ViewError`] |
//!
//! Coming from Python? See [`for_memoryview_users`].
//!
//! ## Guarantees
//!
//! - A view never outlives its buffer, and a `View` cannot be written through: compile errors.
//! - Every layout is checked once when a view is built: it fits the buffer, its arithmetic
//!   cannot overflow, and a writable one reaches no element twice. Derivations keep those
//!   properties, and are re-checked in O(ndim) anyway.
//! - Bad requests return a [`ViewError`] naming the offending numbers; nothing panics except
//!   the methods documented to (`set`, indexing with `[]`), each with a `try_` twin.
//! - `unsafe` is confined to three modules (the views, the memory maps of [`mapped`], and the
//!   run-time dispatch of [`simd`]), each block with the invariant it relies on. The one
//!   other `unsafe` is a promise, not an operation: the `fast_image_resize` adapters implement
//!   that crate's `unsafe` image traits, whose one requirement they meet by construction.
//! - Kernels whose inner loops need byte shuffles (3-byte RGB pixels, grayscale, 8-bit lookup
//!   tables) pick AVX2 or AVX-512 code at run time ([`simd::instruction_set`]); the portable
//!   loops stay the reference, and `VIEWLIB_SIMD=portable` forces them.
//!
//! ## Cargo features
//!
//! - `io` (default): [`io`], loading and saving files; implies `image`.
//! - `mmap` (default): [`mapped`], files as views through memory maps (`memmap2`); implies `io`.
//! - `image`: conversions with `image::ImageBuffer` and `DynamicImage`.
//! - `ndarray`: zero-copy conversions with `ndarray` array views.
//! - `fast_image_resize`: views as its images ([`FirImage`], [`FirImageMut`]), to resize from a
//!   view into a (cropped, flipped) view without copying, on every core.
#![forbid(unsafe_op_in_unsafe_fn)]
// docs.rs builds with `--cfg docsrs` on nightly: items show the features they need.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
// A value computed and dropped is a bug; every such method says so (see `View`'s docs).
#![warn(clippy::must_use_candidate)]

mod alloc;
mod dyn_strided_image;
mod error;
mod export;
mod image_axes;
#[cfg(feature = "image")]
mod image_pixels;
#[cfg(feature = "fast_image_resize")]
mod interop_fir;
#[cfg(feature = "image")]
mod interop_image;
#[cfg(feature = "ndarray")]
mod interop_ndarray;
#[cfg(feature = "io")]
pub mod io;
mod layout;
mod lineage;
#[cfg(feature = "mmap")]
pub mod mapped;
pub mod ops;
mod owned;
mod par;
pub mod pipeline;
mod raw;
mod sample;
mod sample_type;
pub mod simd;
mod slice;
mod split;
mod strided_image;
mod view;

#[doc = include_str!("doc/for_memoryview_users.md")]
pub mod for_memoryview_users {}

/// The crate README's example, compiled and run as a doctest so it stays true (the
/// workspace README's are run by the `tests` crate, so the packaged crate needs no file
/// outside it).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct CrateReadmeExample;

pub use dyn_strided_image::DynStridedImage;
pub use error::{Result, ViewError};
pub use export::Order;
#[cfg(feature = "image")]
pub use image_pixels::{PixelView, PixelViewMut};
#[cfg(feature = "fast_image_resize")]
pub use interop_fir::{FirImage, FirImageMut};
pub use layout::{ElementRuns, Layout};
pub use lineage::Lineage;
pub use owned::{DynImageBuf, ImageBuf};
pub use par::{ParAxisChunks, ParTiles};
pub use raw::{LanesMut, View, ViewMut};
pub use sample::{
    F32Be, F32Le, F64Be, F64Le, I16Be, I16Le, I32Be, I32Le, Sample, U16Be, U16Le, U32Be, U32Le,
};
pub use sample_type::SampleType;
pub use slice::{ParseSliceError, Slice};
pub use split::{AxisChunks, Splittable, Tiles};
pub use strided_image::{ByteRuns, Memory, StridedImage};
pub use view::Lanes;
