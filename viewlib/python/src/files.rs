//! Files: `viewlib.load`, `viewlib.open_mapped` and what `Image.save`/`Image.copy` do, the
//! GIL released while they work.

use crate::buffer::export::Image;
use crate::errors::{file_error, view_error};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use std::path::{Path, PathBuf};
use viewlib::io::{self, SaveOptions};
use viewlib::mapped::{MappedImage, MappedImageMut};
use viewlib::{DynStridedImage, ImageBuf, Sample, StridedImage, ViewError};

/// Loads an image file (PNG, JPEG, TIFF, WebP, BMP, GIF, PNM, EXR, ...) into memory, keeping
/// its bit depth: 8-bit (`'B'`), 16-bit (`'H'`) or float (`'f'`) samples, shape `(height,
/// width, channels)`. Decoding is bounded (256 megapixels, 1 GiB) and releases the GIL.
#[pyfunction]
pub fn load(py: Python<'_>, path: PathBuf) -> PyResult<Image> {
    let image = py.detach(|| io::load(&path)).map_err(file_error)?;
    Ok(Image::new(DynStridedImage::from(image)))
}

/// Maps a binary PNM (P5/P6, 8 or 16-bit) or farbfeld file as an image without reading it:
/// its buffer is the file's bytes (16-bit samples stay big-endian, format `'>H'`), like
/// `numpy.memmap` with the header checked. With `writable=True` the image's buffer writes the
/// file in place. Another program truncating the file meanwhile ends this process (`SIGBUS`):
/// map only files you control.
#[pyfunction]
#[pyo3(signature = (path, writable = false))]
pub fn open_mapped(py: Python<'_>, path: PathBuf, writable: bool) -> PyResult<Image> {
    let image = py.detach(|| {
        if writable {
            DynStridedImage::try_from(MappedImageMut::open(&path)?)
        } else {
            DynStridedImage::try_from(MappedImage::open(&path)?)
        }
    });
    Ok(Image::new(image.map_err(file_error)?))
}

/// A C-contiguous copy of `image` in new memory.
pub fn contiguous_copy(image: &DynStridedImage) -> Result<DynStridedImage, ViewError> {
    fn copy<T: Sample>(image: &StridedImage<T>) -> Result<StridedImage<T>, ViewError> {
        Ok(StridedImage::from(image.to_image_buf()?))
    }
    Ok(match image {
        DynStridedImage::U8(i) => copy(i)?.into(),
        DynStridedImage::U16(i) => copy(i)?.into(),
        DynStridedImage::U16Be(i) => copy(i)?.into(),
        DynStridedImage::F32(i) => copy(i)?.into(),
        other => {
            return Err(ViewError::UnsupportedSampleType {
                format: other.format(),
            });
        }
    })
}

/// Saves `image` at `path` in the format its extension names, atomically.
pub fn save(image: &DynStridedImage, path: &Path, overwrite: bool) -> PyResult<()> {
    let options = SaveOptions {
        overwrite,
        ..SaveOptions::default()
    };
    let png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    match image {
        DynStridedImage::U8(i) => io::save(path, i.view(), &options),
        DynStridedImage::U16(i) => io::save(path, i.view(), &options),
        DynStridedImage::F32(i) => io::save(path, i.view(), &options),
        // PNG takes big-endian samples as they are; other encoders take native ones.
        DynStridedImage::U16Be(i) if png => io::save_png(path, i.view(), &options),
        DynStridedImage::U16Be(i) => {
            let [h, w, c] = i.shape();
            let native =
                ImageBuf::from_vec(h, w, c, i.view().values().collect()).map_err(view_error)?;
            io::save(path, native.view(), &options)
        }
        other => {
            return Err(PyTypeError::new_err(format!(
                "cannot save samples of format '{}'",
                other.format()
            )));
        }
    }
    .map_err(file_error)
}
