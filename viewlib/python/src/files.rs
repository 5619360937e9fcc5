//! Files: `viewlib.load`, `viewlib.open_mapped` and what `Image.save`/`Image.copy` do, the
//! GIL released while they work.

use crate::buffer::export::Image;
use crate::errors::{file_error, raw_file_error};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::path::{Path, PathBuf};
use viewlib::io::{self, ImageFileError, SaveOptions};
use viewlib::mapped::{FileLayout, MappedImage, MappedImageMut, SampleType};
use viewlib::{DynStridedImage, Sample, StridedImage, ViewError};

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
/// file in place.
///
/// With `shape` (`(h, w)` or `(h, w, c)`) and `dtype` the file is raw: headerless samples
/// from byte `offset`, as `numpy.memmap(path, dtype, mode="r" or "r+", offset, shape)` reads
/// them, but checked: a file too short for the layout, an offset past its end, a zero
/// dimension or a dtype the images do not hold (`'u1'`, `'>u2'`, native `'u2'`, native
/// `'f4'`) is a `ValueError` naming the file and the numbers. `(h, w)` maps as `(h, w, 1)`,
/// the shape every image has. `dtype` is what NumPy takes (`'u1'`, `'uint16'`, `'<u2'`,
/// `np.uint16`, `np.dtype('>u2')`, ...).
///
/// Another program truncating the file meanwhile ends this process (`SIGBUS`): map only
/// files you control.
#[pyfunction]
#[pyo3(signature = (path, writable = false, *, shape = None, dtype = None, offset = 0))]
pub fn open_mapped(
    py: Python<'_>,
    path: PathBuf,
    writable: bool,
    shape: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    offset: i64,
) -> PyResult<Image> {
    let raw = match (shape, dtype) {
        (None, None) if offset == 0 => None,
        (None, None) => {
            return Err(PyTypeError::new_err(format!(
                "offset={offset} is for raw files: pass shape= and dtype= too (PNM and \
                 farbfeld files say where their samples start)"
            )));
        }
        (Some(_), None) => {
            return Err(PyTypeError::new_err(
                "shape= maps a raw file, which also needs dtype= (e.g. 'u1', '<u2', 'f4')",
            ));
        }
        (None, Some(_)) => {
            return Err(PyTypeError::new_err(
                "dtype= maps a raw file, which also needs shape= ((height, width) or \
                 (height, width, channels))",
            ));
        }
        (Some(shape), Some(dtype)) => {
            let offset = u64::try_from(offset).map_err(|_| {
                PyValueError::new_err(format!("offset must be 0 or more, not {offset}"))
            })?;
            Some((image_shape(shape)?, sample_type(dtype)?, offset))
        }
    };
    let image = py.detach(|| match raw {
        None if writable => DynStridedImage::try_from(MappedImageMut::open(&path)?),
        None => DynStridedImage::try_from(MappedImage::open(&path)?),
        Some((shape, sample, offset)) => {
            let layout = FileLayout::raw(shape, sample, offset)
                .map_err(|kind| ImageFileError::new(&path, kind))?;
            if writable {
                DynStridedImage::try_from(MappedImageMut::open_raw(&path, layout)?)
            } else {
                DynStridedImage::try_from(MappedImage::open_raw(&path, layout)?)
            }
        }
    });
    let error = if raw.is_some() {
        raw_file_error
    } else {
        file_error
    };
    Ok(Image::new(image.map_err(error)?))
}

/// `shape=` of a raw file: `(h, w)` or `(h, w, c)`, as `[h, w, c]`.
fn image_shape(shape: &Bound<'_, PyAny>) -> PyResult<[usize; 3]> {
    let dims: Vec<i64> = if shape.is_instance_of::<PyString>() {
        Vec::new() // a str is a sequence, but not of numbers
    } else {
        shape.extract().unwrap_or_default()
    };
    let dims = match dims[..] {
        [h, w] => [h, w, 1],
        [h, w, c] => [h, w, c],
        _ => {
            return Err(PyTypeError::new_err(format!(
                "shape must be (height, width) or (height, width, channels), not {}",
                shape.repr()?
            )));
        }
    };
    dims.iter()
        .map(|&n| usize::try_from(n))
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .and_then(|d| <[usize; 3]>::try_from(d).ok())
        .ok_or_else(|| PyValueError::new_err(format!("shape {dims:?} has a negative dimension")))
}

/// `dtype=` of a raw file: a string NumPy understands for the sample types viewlib names
/// (`'u1'`, `'uint16'`, `'<u2'`, `'>H'`, `'f4'`, ...; no byte order means the machine's), or
/// anything `numpy.dtype` takes (`np.uint16`, `np.dtype('>u2')`).
fn sample_type(dtype: &Bound<'_, PyAny>) -> PyResult<SampleType> {
    let text: String = match dtype.cast::<PyString>() {
        Ok(text) => text.to_str()?.to_owned(),
        Err(_) => {
            let numpy = dtype.py().import("numpy").map_err(|e| {
                PyTypeError::new_err(format!(
                    "dtype {} is not a string, and NumPy, which would read it, cannot be \
                     imported ({e}); pass a string such as '<u2'",
                    dtype.repr().map(|r| r.to_string()).unwrap_or_default()
                ))
            })?;
            numpy
                .call_method1("dtype", (dtype,))?
                .getattr("str")?
                .extract()?
        }
    };
    parse_dtype(&text).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "data type {text:?} not understood; raw files take 'u1' (uint8), 'u2' (uint16), \
             'f4' (float32) with '<' (little-endian), '>' (big-endian) or no prefix (the \
             machine's order), their NumPy names, or a numpy.dtype"
        ))
    })
}

/// NumPy's spelling of a sample type: a short code (`u2`, `H`, `f4`, `f`, ...) with an
/// optional byte order (`<`, `>`, `=`, `|`), or a name without one (`uint16`, `float32`).
fn parse_dtype(text: &str) -> Option<SampleType> {
    const CODES: [(&str, &str, &str); 8] = [
        // (dtype code, struct code, name)
        ("u1", "B", "uint8"),
        ("i1", "b", "int8"),
        ("u2", "H", "uint16"),
        ("i2", "h", "int16"),
        ("u4", "I", "uint32"),
        ("i4", "i", "int32"),
        ("f4", "f", "float32"),
        ("f8", "d", "float64"),
    ];
    const ALIASES: [(&str, &str); 6] = [
        ("ubyte", "u1"),
        ("byte", "i1"),
        ("ushort", "u2"),
        ("short", "i2"),
        ("single", "f4"),
        ("double", "f8"),
    ];
    let (order, rest) = match text.trim().split_at_checked(1) {
        Some((o @ ("<" | ">" | "=" | "|"), rest)) => (o, rest),
        _ => ("", text.trim()),
    };
    let code = if let Some(&(code, ..)) = CODES.iter().find(|c| c.0 == rest || c.1 == rest) {
        code
    } else if let (Some(&(code, ..)), "") = (CODES.iter().find(|c| c.2 == rest), order) {
        code
    } else if let (Some(&(_, code)), "") = (ALIASES.iter().find(|a| a.0 == rest), order) {
        code
    } else {
        return None;
    };
    let little = match order {
        "<" => true,
        ">" => false,
        _ => cfg!(target_endian = "little"),
    };
    let ordered = match (code.ends_with('1'), little) {
        (true, _) => code.to_owned(),
        (false, true) => format!("<{code}"),
        (false, false) => format!(">{code}"),
    };
    ordered.parse().ok()
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
    image.save(path, &options).map_err(file_error)
}
