//! Exporting buffers: [`Image`], a viewlib [`DynStridedImage`] that NumPy, `memoryview`,
//! Pillow and any other consumer read (and write) without a copy.
//!
//! The rule is Rust's own, checked at run time as `RefCell` checks it: one writer or many
//! readers.
//! - A buffer is exported writable only when the image's memory is writable (not a file
//!   mapped read-only) and this image is its only holder (`StridedImage::view_mut`); otherwise
//!   it is read-only, and a request for writing is a `BufferError`.
//! - While a writable buffer is exported, deriving an image that would share the memory
//!   (`crop`, `channel`, flips, ...) is a `BufferError`, as is `close()` while any buffer is
//!   exported (`mmap.close()` raises the same).
//! - Each export holds a reference to the image (`Py_buffer.obj`), so the memory outlives
//!   every array made from it, whatever happens to the Python name of the image.

use crate::errors::view_error;
use crate::files;
use crate::threads;
use pyo3::exceptions::{PyBufferError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::{CStr, c_int, c_void};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use viewlib::{DynStridedImage, ViewError};

/// What an image holds besides its pixels: how many buffers it has exported.
struct State {
    /// `None` once closed.
    image: Option<DynStridedImage>,
    /// Buffers exported and not yet released.
    exports: usize,
    /// Of those, the writable ones.
    writable_exports: usize,
}

/// An image: pixels in memory (decoded, or a mapped file) with any strides, shape `(height,
/// width, channels)`. Supports the buffer protocol: `numpy.asarray(image)` and
/// `memoryview(image)` share its pixels.
///
/// Images come from `viewlib.load` and `viewlib.open_mapped`; `crop`, `channel`, the flips,
/// `transpose` and the rotations return new images sharing the same memory (their buffers
/// have the strides to match, negative ones included). The buffer is writable when the image
/// is its memory's only holder and the memory is writable; while a writable buffer is
/// exported, deriving a sharing image raises `BufferError`.
#[pyclass(module = "viewlib", frozen)]
pub struct Image {
    state: Mutex<State>,
}

/// The layout one export hands out, kept in `Py_buffer.internal` until it is released.
struct Exported {
    /// Shape, then byte strides.
    dims: [ffi::Py_ssize_t; 6],
    writable: bool,
}

/// One export, as `__getbuffer__` writes it into the consumer's `Py_buffer`.
struct Export {
    /// Element `[0, 0, 0]`.
    pointer: *mut c_void,
    exported: Box<Exported>,
    format: &'static CStr,
    itemsize: usize,
    /// Bytes of the samples.
    len: usize,
}

/// The format strings exports point at (static: they outlive every export).
fn format_cstr(format: &str) -> &'static CStr {
    match format {
        "B" => c"B",
        "H" => c"H",
        ">H" => c">H",
        "<H" => c"<H",
        "f" => c"f",
        _ => c"B",
    }
}

impl Image {
    /// An image over `image`, no buffer exported.
    pub fn new(image: DynStridedImage) -> Self {
        Image {
            state: Mutex::new(State {
                image: Some(image),
                exports: 0,
                writable_exports: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The lock is never held across Python code or a panic that could poison it; recover
        // the counts anyway rather than refuse every later call.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A handle on the pixels (another holder of the memory while it lives).
    fn image(&self) -> PyResult<DynStridedImage> {
        self.lock().image.clone().ok_or_else(closed)
    }

    /// A new image sharing this one's memory.
    fn derive(
        &self,
        derive: impl FnOnce(&DynStridedImage) -> Result<DynStridedImage, ViewError>,
    ) -> PyResult<Image> {
        let state = self.lock();
        let image = state.image.as_ref().ok_or_else(closed)?;
        if state.writable_exports > 0 {
            return Err(PyBufferError::new_err(format!(
                "cannot derive an image sharing the memory while {} writable buffer(s) of \
                 this image are exported (NumPy arrays, memoryviews): release them first \
                 (del the array, memoryview.release())",
                state.writable_exports
            )));
        }
        Ok(Image::new(derive(image).map_err(view_error)?))
    }

    /// The buffer for a consumer's `flags`: where element `[0, 0, 0]` is, whether it may be
    /// written, and its layout.
    fn export(&self, flags: c_int) -> PyResult<Export> {
        let mut state = self.lock();
        let image = state.image.as_mut().ok_or_else(closed)?;
        let itemsize = image.itemsize();
        let shape = image.shape();
        let strides = image.byte_strides();
        let contiguous = |order: [usize; 3]| {
            // CPython's rule: axes of length 1 may have any stride.
            let mut expected = itemsize as isize;
            order.iter().all(|&axis| {
                let ok = shape[axis] <= 1 || strides[axis] == expected;
                expected *= shape[axis] as isize;
                ok
            }) || shape.contains(&0)
        };
        let (c_order, f_order) = (contiguous([2, 1, 0]), contiguous([0, 1, 2]));
        let wants = |flag: c_int| flags & flag == flag;
        let refuse = |why: &str| Err(PyBufferError::new_err(format!("viewlib.Image: {why}")));
        if wants(ffi::PyBUF_C_CONTIGUOUS) && !c_order
            || wants(ffi::PyBUF_F_CONTIGUOUS) && !f_order
            || wants(ffi::PyBUF_ANY_CONTIGUOUS) && !(c_order || f_order)
            || !wants(ffi::PyBUF_STRIDES) && !c_order
        {
            return refuse(&format!(
                "the image is not contiguous as asked (shape {shape:?}, strides {strides:?}); \
                 consumers that take strides (NumPy, memoryview) read it as it is, or copy it \
                 first with Image.copy()"
            ));
        }
        // Writable when the image may write its memory; a pointer from a writable view then
        // (its provenance allows writing), from the read-only one otherwise.
        let writable = writable_view_ptr(image);
        let pointer = match writable {
            Ok(ptr) => ptr,
            Err(why) if wants(ffi::PyBUF_WRITABLE) => {
                return refuse(&format!("the buffer is read-only: {why}"));
            }
            Err(_) => read_only_ptr(image),
        };
        let dims = [
            shape[0] as ffi::Py_ssize_t,
            shape[1] as ffi::Py_ssize_t,
            shape[2] as ffi::Py_ssize_t,
            strides[0],
            strides[1],
            strides[2],
        ];
        let exported = Box::new(Exported {
            dims,
            writable: writable.is_ok(),
        });
        let export = Export {
            pointer,
            exported,
            format: format_cstr(image.format()),
            itemsize,
            len: shape.iter().product::<usize>() * itemsize,
        };
        state.exports += 1;
        state.writable_exports += usize::from(export.exported.writable);
        Ok(export)
    }

    fn release(&self, exported: &Exported) {
        let mut state = self.lock();
        state.exports = state.exports.saturating_sub(1);
        if exported.writable {
            state.writable_exports = state.writable_exports.saturating_sub(1);
        }
    }
}

/// Element `[0, 0, 0]` through a writable view, or why the image cannot be written.
fn writable_view_ptr(image: &mut DynStridedImage) -> Result<*mut c_void, ViewError> {
    fn ptr<T: viewlib::Sample>(
        image: &mut viewlib::StridedImage<T>,
    ) -> Result<*mut c_void, ViewError> {
        // The view's pointer comes from the memory's `&mut [u8]` (`Memory::bytes_mut`).
        Ok(image.view_mut()?.as_ptr().cast_mut().cast())
    }
    match image {
        DynStridedImage::U8(i) => ptr(i),
        DynStridedImage::U16(i) => ptr(i),
        DynStridedImage::U16Be(i) => ptr(i),
        DynStridedImage::F32(i) => ptr(i),
        _ => Err(ViewError::ReadOnlyMemory),
    }
}

/// Element `[0, 0, 0]` through a read-only view.
fn read_only_ptr(image: &DynStridedImage) -> *mut c_void {
    fn ptr<T: viewlib::Sample>(image: &viewlib::StridedImage<T>) -> *mut c_void {
        image.view().as_ptr().cast_mut().cast()
    }
    match image {
        DynStridedImage::U8(i) => ptr(i),
        DynStridedImage::U16(i) => ptr(i),
        DynStridedImage::U16Be(i) => ptr(i),
        DynStridedImage::F32(i) => ptr(i),
        _ => image.memory_bytes().as_ptr().cast_mut().cast(),
    }
}

fn closed() -> PyErr {
    PyValueError::new_err("operation on a closed viewlib.Image")
}

#[pymethods]
impl Image {
    /// `(height, width, channels)`.
    #[getter]
    fn shape(&self) -> PyResult<(usize, usize, usize)> {
        let [h, w, c] = self.image()?.shape();
        Ok((h, w, c))
    }

    /// Byte strides, as the buffer reports them (negative for mirrored axes).
    #[getter]
    fn strides(&self) -> PyResult<(isize, isize, isize)> {
        let [a, b, c] = self.image()?.byte_strides();
        Ok((a, b, c))
    }

    /// The buffer format: `'B'`, `'H'`, `'>H'` (16-bit big-endian, as PNG and PNM store
    /// them) or `'f'`.
    #[getter]
    fn format(&self) -> PyResult<&'static str> {
        Ok(self.image()?.format())
    }

    /// The NumPy dtype string of the samples (`'u1'`, `'<u2'`, `'>u2'`, `'<f4'`).
    #[getter]
    fn dtype(&self) -> PyResult<String> {
        Ok(self.image()?.sample_type().to_string())
    }

    /// Bytes per sample.
    #[getter]
    fn itemsize(&self) -> PyResult<usize> {
        Ok(self.image()?.itemsize())
    }

    /// Always 3.
    #[getter]
    fn ndim(&self) -> usize {
        3
    }

    /// Bytes the samples take: `height * width * channels * itemsize`.
    #[getter]
    fn nbytes(&self) -> PyResult<usize> {
        let image = self.image()?;
        Ok(image.shape().iter().product::<usize>() * image.itemsize())
    }

    /// Byte offset of sample `[0, 0, 0]` in the memory the image shares with the images it
    /// was derived from.
    #[getter]
    fn offset(&self) -> PyResult<usize> {
        Ok(self.image()?.offset_bytes())
    }

    /// Whether the samples follow each other in C order without gaps.
    #[getter]
    fn c_contiguous(&self) -> PyResult<bool> {
        Ok(self.image()?.is_c_contiguous())
    }

    /// Whether a buffer exported now would be writable: the memory is writable and no other
    /// image shares it.
    #[getter]
    fn writable(&self) -> PyResult<bool> {
        let mut state = self.lock();
        let image = state.image.as_mut().ok_or_else(closed)?;
        Ok(writable_view_ptr(image).is_ok())
    }

    /// Buffers exported and not yet released.
    #[getter]
    fn exports(&self) -> usize {
        self.lock().exports
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.lock().image.is_none()
    }

    /// The `width x height` rectangle whose top-left pixel is `(x, y)`, sharing memory.
    fn crop(&self, x: usize, y: usize, width: usize, height: usize) -> PyResult<Image> {
        self.derive(|i| i.crop(x, y, width, height))
    }

    /// Channel `channel` alone, shape `(height, width, 1)`, sharing memory.
    fn channel(&self, channel: usize) -> PyResult<Image> {
        self.derive(|i| i.channel(channel))
    }

    /// Mirrored left to right (negative column stride), sharing memory.
    fn flip_horizontal(&self) -> PyResult<Image> {
        self.derive(|i| Ok(i.flip_horizontal()))
    }

    /// Mirrored top to bottom (negative row stride), sharing memory.
    fn flip_vertical(&self) -> PyResult<Image> {
        self.derive(|i| Ok(i.flip_vertical()))
    }

    /// Rows as columns, sharing memory.
    fn transpose(&self) -> PyResult<Image> {
        self.derive(|i| Ok(i.transpose()))
    }

    /// Turned a quarter clockwise, sharing memory.
    fn rotate90(&self) -> PyResult<Image> {
        self.derive(|i| Ok(i.rotate90()))
    }

    /// Turned half a turn, sharing memory.
    fn rotate180(&self) -> PyResult<Image> {
        self.derive(|i| Ok(i.rotate180()))
    }

    /// Turned a quarter counter-clockwise, sharing memory.
    fn rotate270(&self) -> PyResult<Image> {
        self.derive(|i| Ok(i.rotate270()))
    }

    /// A C-contiguous copy in new memory (the one explicit copy), writable.
    fn copy(&self, py: Python<'_>) -> PyResult<Image> {
        let image = self.image()?;
        let copied = py.detach(move || threads::run_in_pool(|| files::contiguous_copy(&image)))?;
        Ok(Image::new(copied.map_err(view_error)?))
    }

    /// Saves the image at `path` in the format its extension names (`.png`, `.jpg`,
    /// `.tiff`, `.ppm`, ...), atomically: the file appears whole or not at all. An existing
    /// file is `FileExistsError` unless `overwrite`.
    #[pyo3(signature = (path, overwrite = false))]
    fn save(&self, py: Python<'_>, path: PathBuf, overwrite: bool) -> PyResult<()> {
        let image = self.image()?;
        py.detach(move || files::save(&image, &path, overwrite))
    }

    /// Lets go of the pixels (a mapped file is unmapped once no image shares it).
    /// `BufferError` while buffers are exported; later calls on the image raise
    /// `ValueError`.
    fn close(&self) -> PyResult<()> {
        let mut state = self.lock();
        if state.exports > 0 {
            return Err(PyBufferError::new_err(format!(
                "cannot close a viewlib.Image while {} buffer(s) of it are exported",
                state.exports
            )));
        }
        state.image = None;
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        _kind: Option<Bound<'_, PyAny>>,
        _value: Option<Bound<'_, PyAny>>,
        _traceback: Option<Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.close()
    }

    fn __repr__(&self) -> String {
        let state = self.lock();
        match &state.image {
            None => "<viewlib.Image closed>".into(),
            Some(i) => {
                let ([h, w, c], [a, b, d]) = (i.shape(), i.byte_strides());
                format!(
                    "<viewlib.Image shape={:?} format='{}' strides={:?} exports={}>",
                    (h, w, c),
                    i.format(),
                    (a, b, d),
                    state.exports
                )
            }
        }
    }

    /// Fills `view` for a consumer (PEP 3118).
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("viewlib.Image: NULL Py_buffer"));
        }
        let export = slf.get().export(flags)?;
        let wants = |flag: c_int| flags & flag == flag;
        let internal = Box::into_raw(export.exported);
        // SAFETY: `view` is the non-NULL Py_buffer CPython passes to bf_getbuffer, ours to
        // fill. `internal` (shape and strides) stays allocated until `__releasebuffer__`
        // frees it; the format strings are static. `pointer` addresses element [0, 0, 0] of
        // memory the image keeps alive, and `obj` holds a reference to the image (set last,
        // a new reference that PyBuffer_Release drops) so the memory outlives the export.
        unsafe {
            let dims = &mut (*internal).dims;
            (*view).buf = export.pointer;
            (*view).len = export.len as ffi::Py_ssize_t;
            (*view).itemsize = export.itemsize as ffi::Py_ssize_t;
            (*view).readonly = c_int::from(!(*internal).writable);
            (*view).format = if wants(ffi::PyBUF_FORMAT) {
                export.format.as_ptr().cast_mut()
            } else {
                std::ptr::null_mut()
            };
            if wants(ffi::PyBUF_ND) {
                (*view).ndim = 3;
                (*view).shape = dims.as_mut_ptr();
            } else {
                (*view).ndim = 1;
                (*view).shape = std::ptr::null_mut();
            }
            (*view).strides = if wants(ffi::PyBUF_STRIDES) {
                dims.as_mut_ptr().add(3)
            } else {
                std::ptr::null_mut()
            };
            (*view).suboffsets = std::ptr::null_mut();
            (*view).internal = internal.cast();
            (*view).obj = slf.into_any().into_ptr();
        }
        Ok(())
    }

    /// Forgets an export (PEP 3118); CPython drops `obj`'s reference itself.
    unsafe fn __releasebuffer__(&self, view: *mut ffi::Py_buffer) {
        if view.is_null() {
            return;
        }
        // SAFETY: `view` is a Py_buffer `__getbuffer__` filled, released once by CPython:
        // `internal` is the `Box<Exported>` leaked there, taken back exactly once here.
        let exported = unsafe { Box::from_raw((*view).internal.cast::<Exported>()) };
        self.release(&exported);
    }
}
