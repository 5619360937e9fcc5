//! Consuming buffers: any object with the buffer protocol becomes a viewlib view, without a
//! copy, for as long as a kernel runs on it.
//!
//! [`Buffer::acquire`] asks the exporter for its buffer (strides and format, writable when
//! the kernel writes) and checks it into a [`BufferLayout`]: plain numbers, `Send`, that
//! describe the bytes the elements occupy. [`Buffer::run_mut`], [`Buffer::run_ref`] and
//! [`run_pair`] then release the GIL and build the viewlib views over those bytes on the
//! calling thread; the kernel runs on the rayon pool. The [`Buffer`] guard releases the
//! buffer when it is dropped, which can only happen with the GIL held (it is not `Send`, and
//! the closures that run without the GIL must be).
//!
//! What the views rely on, and where it is checked:
//! - the bytes stay allocated and in place while the kernel runs: the buffer is held
//!   (`PyObject_GetBuffer` until `PyBuffer_Release`), so its exporter refuses to resize or
//!   free them (`bytearray`, `array.array` and NumPy raise `BufferError`);
//! - the elements lie inside the bytes and a writable view reaches none twice: viewlib checks
//!   the layout when the view is built (`OutOfBuffer`, `Aliasing`);
//! - the slice is aligned for its sample type: checked here before the slice is made;
//! - no `&`/`&mut` pair overlaps: [`run_pair`] refuses an output whose bytes overlap the
//!   input's (NumPy's `may_share_memory` bounds test).
//!
//! What Python code in other threads does to the same memory while the GIL is released is
//! its own affair, as for NumPy's own kernels: another array over the same bytes may be
//! written meanwhile, which changes samples but cannot make a kernel leave its buffer.

use crate::errors::view_error;
use crate::threads;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::ffi;
use pyo3::prelude::*;
use std::ffi::CStr;
use std::fmt;
use viewlib::{Sample, View, ViewMut};

/// The sample types the kernels take, as buffer format codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `B`: `u8`.
    U8,
    /// `H`: `u16` in the machine's byte order, aligned.
    U16,
    /// `<H`: little-endian `u16`, any alignment ([`viewlib::U16Le`]).
    U16Le,
    /// `>H`: big-endian `u16`, any alignment ([`viewlib::U16Be`]).
    U16Be,
    /// `f`: `f32` in the machine's byte order, aligned.
    F32,
}

impl Format {
    /// What the buffer-protocol format string `code` holds, if a kernel takes it: `B` with
    /// any prefix, `H` native (`@`, none), little-endian (`<`, `=` on little-endian
    /// machines) or big-endian (`>`, `!`), `f` in the machine's byte order.
    fn parse(code: &str) -> Option<Format> {
        let native_le = cfg!(target_endian = "little");
        let (prefix, letter) = match code.as_bytes() {
            [letter] => (b'@', *letter),
            [prefix @ (b'@' | b'=' | b'<' | b'>' | b'!'), letter] => (*prefix, *letter),
            _ => return None,
        };
        let little = match prefix {
            b'<' => Some(true),
            b'>' | b'!' => Some(false),
            b'=' => Some(native_le),
            _ => None, // native order, native alignment
        };
        Some(match (letter, little) {
            (b'B', _) => Format::U8,
            (b'H', None) => Format::U16,
            (b'H', Some(true)) => Format::U16Le,
            (b'H', Some(false)) => Format::U16Be,
            (b'f', None) => Format::F32,
            (b'f', Some(little)) if little == native_le => Format::F32,
            _ => return None,
        })
    }

    /// The format code viewlib's sample type reports (`Sample::FORMAT`).
    pub fn code(self) -> &'static str {
        match self {
            Format::U8 => u8::FORMAT,
            Format::U16 => u16::FORMAT,
            Format::U16Le => viewlib::U16Le::FORMAT,
            Format::U16Be => viewlib::U16Be::FORMAT,
            Format::F32 => f32::FORMAT,
        }
    }

    /// The NumPy dtype of the same samples.
    pub fn numpy_dtype(self) -> &'static str {
        match self {
            Format::U8 => "u1",
            Format::U16 => "=u2",
            Format::U16Le => "<u2",
            Format::U16Be => ">u2",
            Format::F32 => "=f4",
        }
    }

    fn itemsize(self) -> usize {
        match self {
            Format::U8 => 1,
            Format::U16 | Format::U16Le | Format::U16Be => 2,
            Format::F32 => 4,
        }
    }

    /// Whether viewlib's sample type `T` is this format.
    fn is<T: Sample>(self) -> bool {
        T::FORMAT == self.code()
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.code())
    }
}

/// Whether a kernel reads or writes the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The kernel reads the buffer.
    Read,
    /// The kernel writes the buffer (a read-only one is a `TypeError`).
    Write,
}

/// A checked buffer layout: plain numbers, so it crosses into the code that runs without the
/// GIL.
#[derive(Clone, Copy, Debug)]
pub struct BufferLayout {
    /// The sample type.
    pub format: Format,
    /// Dimensions as exported (1 to 3).
    pub ndim: usize,
    /// The shape as exported, padded to `ndim` entries with zeros.
    pub exported_shape: [usize; 3],
    /// `[height, width, channels]`: `(h, w)` is one channel, `(n,)` one row of `n`.
    pub shape: [usize; 3],
    /// Byte strides of `shape`'s axes.
    byte_strides: [isize; 3],
    /// Address of the lowest byte an element occupies.
    start: usize,
    /// One past the highest byte an element occupies.
    end: usize,
    /// Address of element `[0, 0, 0]`.
    first: usize,
}

impl BufferLayout {
    /// Whether the bytes of `self` and `other` overlap anywhere between their lowest and
    /// highest byte (NumPy's `may_share_memory`: conservative for interleaved layouts).
    pub fn overlaps(&self, other: &BufferLayout) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The shape as Python shows it.
    pub fn shape_text(&self) -> String {
        let dims: Vec<String> = self.exported_shape[..self.ndim]
            .iter()
            .map(usize::to_string)
            .collect();
        if self.ndim == 1 {
            format!("({},)", dims[0])
        } else {
            format!("({})", dims.join(", "))
        }
    }

    /// Bytes of the elements (not of the gaps between them): the size viewlib's kernels
    /// decide on splitting by. Saturating: a read-only layout with zero strides may name
    /// more elements than memory holds.
    pub fn bytes(&self) -> usize {
        self.shape
            .iter()
            .fold(self.format.itemsize(), |n, &d| n.saturating_mul(d))
    }

    fn bounds_text(&self) -> String {
        format!("bytes {:#x}..{:#x}", self.start, self.end)
    }

    /// Element strides for `T`, with element `[0, 0, 0]`'s index in the slice of elements
    /// from `start`; checked when the buffer was acquired (strides are multiples of the
    /// itemsize, the start is aligned).
    fn elements<T: Sample>(&self) -> ([isize; 3], usize, usize) {
        let size = size_of::<T>();
        let strides = self.byte_strides.map(|s| s / size as isize);
        let origin = (self.first - self.start) / size;
        let len = (self.end - self.start) / size;
        (strides, origin, len)
    }

    /// Reads an exporter's buffer into a layout, refusing what the kernels cannot take.
    fn from_raw(raw: &ffi::Py_buffer, what: &str) -> PyResult<BufferLayout> {
        if !raw.suboffsets.is_null() {
            return Err(PyTypeError::new_err(format!(
                "{what}: indirect buffers (suboffsets, as in PIL's own buffer) are not \
                 supported; pass numpy.asarray(image)"
            )));
        }
        let code = if raw.format.is_null() {
            "B".to_owned()
        } else {
            // SAFETY: a non-NULL `format` is a NUL-terminated string the exporter keeps
            // until the buffer is released (PEP 3118); it is copied here.
            unsafe { CStr::from_ptr(raw.format) }
                .to_string_lossy()
                .into_owned()
        };
        let format = Format::parse(&code).ok_or_else(|| {
            PyTypeError::new_err(format!(
                "{what}: buffer format '{code}' is not supported; formats are 'B' (uint8), \
                 'H', '<H', '>H' (uint16, any byte order) and 'f' (float32)"
            ))
        })?;
        let itemsize = format.itemsize();
        if usize::try_from(raw.itemsize) != Ok(itemsize) {
            return Err(PyValueError::new_err(format!(
                "{what}: buffer format '{code}' with itemsize {} (expected {itemsize})",
                raw.itemsize
            )));
        }
        let ndim = usize::try_from(raw.ndim).unwrap_or(0);
        if !(1..=3).contains(&ndim) || raw.shape.is_null() {
            return Err(PyValueError::new_err(format!(
                "{what}: expected an image of shape (h, w, c) or (h, w), or a flat (n,) \
                 buffer; got {} dimensions",
                raw.ndim
            )));
        }
        // SAFETY: with PyBUF_ND requested, a non-NULL `shape` has `ndim` entries the exporter
        // keeps until release (PEP 3118); copied here.
        let shape_raw = unsafe { std::slice::from_raw_parts(raw.shape, ndim) };
        let mut exported_shape = [0usize; 3];
        for (axis, &n) in shape_raw.iter().enumerate() {
            exported_shape[axis] = usize::try_from(n).map_err(|_| {
                PyValueError::new_err(format!("{what}: negative length {n} on axis {axis}"))
            })?;
        }
        let mut strides_raw = [0isize; 3];
        if raw.strides.is_null() {
            // C-contiguous by definition.
            let mut stride = itemsize as isize;
            for axis in (0..ndim).rev() {
                strides_raw[axis] = stride;
                stride = stride.saturating_mul(exported_shape[axis] as isize);
            }
        } else {
            // SAFETY: as for `shape`: PyBUF_STRIDES was requested, `ndim` entries.
            let s = unsafe { std::slice::from_raw_parts(raw.strides, ndim) };
            strides_raw[..ndim].copy_from_slice(s);
        }
        let (shape, byte_strides) = match ndim {
            1 => (
                [1, exported_shape[0], 1],
                [0, strides_raw[0], itemsize as isize],
            ),
            2 => (
                [exported_shape[0], exported_shape[1], 1],
                [strides_raw[0], strides_raw[1], itemsize as isize],
            ),
            _ => (exported_shape, strides_raw),
        };
        let shown = BufferLayout {
            format,
            ndim,
            exported_shape,
            shape,
            byte_strides,
            start: 0,
            end: 0,
            first: 0,
        };
        if shape.contains(&0) {
            return Err(PyValueError::new_err(format!(
                "{what}: zero-size buffer of shape {}",
                shown.shape_text()
            )));
        }
        // The bytes the elements occupy: [first + Σ min(0, (n-1)·s), first + Σ max(0,
        // (n-1)·s) + itemsize), in i128 so no product or sum overflows.
        let first = raw.buf as usize;
        let (mut low, mut high) = (first as i128, first as i128 + itemsize as i128);
        for (&n, &s) in shape.iter().zip(&byte_strides) {
            let reach = (n as i128 - 1) * s as i128;
            if reach < 0 {
                low += reach;
            } else {
                high += reach;
            }
        }
        let too_large = low < 0 || high > isize::MAX as i128 || high - low > isize::MAX as i128;
        if too_large {
            return Err(PyValueError::new_err(format!(
                "{what}: a buffer of shape {} with strides {:?} spans {} bytes from address \
                 {first:#x}, more than the address space holds",
                shown.shape_text(),
                &strides_raw[..ndim],
                high - low
            )));
        }
        let (start, end) = (low as usize, high as usize);
        if let Some(axis) = (0..3).find(|&a| byte_strides[a] % itemsize as isize != 0) {
            return Err(PyValueError::new_err(format!(
                "{what}: stride {} bytes on axis {axis} is not a multiple of the itemsize \
                 {itemsize}",
                byte_strides[axis]
            )));
        }
        let align = match format {
            Format::U8 | Format::U16Le | Format::U16Be => 1,
            Format::U16 => align_of::<u16>(),
            Format::F32 => align_of::<f32>(),
        };
        if !first.is_multiple_of(align) {
            return Err(PyValueError::new_err(format!(
                "{what}: buffer of format '{code}' at address {first:#x} is not aligned to \
                 {align} bytes (native formats need aligned samples; '<H'/'>H' take any)"
            )));
        }
        Ok(BufferLayout {
            start,
            end,
            first,
            ..shown
        })
    }
}

/// A buffer as an exporter filled it, released exactly once when dropped.
struct Held {
    /// Boxed: exporters may point into the struct itself (`shape = &view->len`).
    raw: Box<ffi::Py_buffer>,
}

impl Held {
    fn get(obj: &Bound<'_, PyAny>, flags: std::ffi::c_int) -> PyResult<Held> {
        let mut raw = Box::new(ffi::Py_buffer::new());
        // SAFETY: `obj` is a live object (we hold a reference and the GIL); `raw` is a valid,
        // boxed Py_buffer the exporter fills. On success it is released exactly once, by
        // `Held`'s `Drop`.
        if unsafe { ffi::PyObject_GetBuffer(obj.as_ptr(), &mut *raw, flags) } != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        Ok(Held { raw })
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        // SAFETY: filled by a successful PyObject_GetBuffer in `get`, released exactly once,
        // here. The GIL is held: a `Held` lives only inside a `Buffer<'py>` (bound to the GIL
        // lifetime and not `Send`, so never dropped inside `detach`) or on the stack of
        // `Buffer::acquire`.
        unsafe { ffi::PyBuffer_Release(&mut *self.raw) };
    }
}

/// A buffer acquired from an exporter and checked, released when dropped (with the GIL: a
/// `Buffer` is tied to the GIL lifetime `'py`, and `Python<'py>` is not `Send`).
pub struct Buffer<'py> {
    held: Held,
    layout: BufferLayout,
    py: Python<'py>,
}

impl<'py> Buffer<'py> {
    /// Acquires `obj`'s buffer for `access`, `what` naming the argument in errors.
    ///
    /// A read-only buffer asked for writing is a `TypeError` (as `memoryview` raises it
    /// when written), whichever error its exporter raised (NumPy a `ValueError`, `bytes` a
    /// `BufferError`).
    pub fn acquire(obj: &Bound<'py, PyAny>, access: Access, what: &str) -> PyResult<Self> {
        let held = match access {
            Access::Read => Held::get(obj, ffi::PyBUF_RECORDS_RO)?,
            Access::Write => match Held::get(obj, ffi::PyBUF_RECORDS) {
                Ok(held) if held.raw.readonly != 0 => {
                    // An exporter that ignored PyBUF_WRITABLE.
                    return Err(read_only_error(obj, what, None));
                }
                Ok(held) => held,
                // Was it refused for being read-only? Ask again without writing.
                Err(error) => match Held::get(obj, ffi::PyBUF_RECORDS_RO) {
                    Ok(read_only) if read_only.raw.readonly != 0 => {
                        return Err(read_only_error(obj, what, Some(&error)));
                    }
                    _ => return Err(error),
                },
            },
        };
        let layout = BufferLayout::from_raw(&held.raw, what)?;
        Ok(Buffer {
            held,
            layout,
            py: obj.py(),
        })
    }

    /// The checked layout.
    pub fn layout(&self) -> &BufferLayout {
        &self.layout
    }

    /// Checks that the buffer holds samples of `T`.
    fn check_type<T: Sample>(&self, what: &str) -> PyResult<()> {
        if self.layout.format.is::<T>() {
            Ok(())
        } else {
            Err(PyTypeError::new_err(format!(
                "{what}: expected samples of format '{}', got {}",
                T::FORMAT,
                self.layout.format
            )))
        }
    }

    /// Runs `kernel` on a writable view of the buffer (acquired for [`Access::Write`]), with
    /// the GIL released.
    pub fn run_mut<T: Sample, R: Send>(
        &mut self,
        kernel: impl FnOnce(ViewMut<'_, T, 3>) -> Result<R, viewlib::ViewError> + Send,
    ) -> PyResult<R> {
        self.check_type::<T>("buffer")?;
        debug_assert_eq!(self.held.raw.readonly, 0, "acquired for writing");
        let layout = self.layout;
        self.py
            .detach(move || {
                threads::run(layout.bytes(), move || {
                    kernel(layout_view_mut::<T>(&layout)?)
                })
            })?
            .map_err(view_error)
    }

    /// Runs `kernel` on a read-only view of the buffer, with the GIL released.
    pub fn run_ref<T: Sample, R: Send>(
        &self,
        kernel: impl FnOnce(View<'_, T, 3>) -> Result<R, viewlib::ViewError> + Send,
    ) -> PyResult<R> {
        self.check_type::<T>("buffer")?;
        let layout = self.layout;
        self.py
            .detach(move || {
                threads::run(layout.bytes(), move || kernel(layout_view::<T>(&layout)?))
            })?
            .map_err(view_error)
    }
}

/// Runs `kernel` reading `src` and writing `dst` (acquired for [`Access::Write`]), with the
/// GIL released; a `dst` whose bytes overlap `src`'s is a `ValueError`.
pub fn run_pair<S: Sample, D: Sample, R: Send>(
    src: &Buffer<'_>,
    dst: &mut Buffer<'_>,
    kernel: impl FnOnce(View<'_, S, 3>, ViewMut<'_, D, 3>) -> Result<R, viewlib::ViewError> + Send,
) -> PyResult<R> {
    src.check_type::<S>("input")?;
    dst.check_type::<D>("out")?;
    let (s, d) = (src.layout, dst.layout);
    if s.overlaps(&d) {
        return Err(PyValueError::new_err(format!(
            "out overlaps the input in memory ({} and {}): pass an array that shares no \
             memory with it",
            d.bounds_text(),
            s.bounds_text()
        )));
    }
    src.py
        .detach(move || {
            threads::run(s.bytes().max(d.bytes()), move || {
                kernel(layout_view::<S>(&s)?, layout_view_mut::<D>(&d)?)
            })
        })?
        .map_err(view_error)
}

/// The read-only view over the bytes of an acquired buffer (called without the GIL, while
/// the buffer is held by a [`Buffer`] the caller borrows).
fn layout_view<T: Sample>(layout: &BufferLayout) -> Result<View<'_, T, 3>, viewlib::ViewError> {
    let (strides, origin, len) = layout.elements::<T>();
    // SAFETY: `start..end` are the bytes the elements occupy in a buffer that stays acquired
    // while the returned view lives (its lifetime is the borrow of the `Buffer`'s layout,
    // held across the kernel by the callers). `start` is aligned for `T` and the span is a
    // multiple of `size_of::<T>()` no larger than isize::MAX (checked in `from_raw`); the
    // bytes are initialised memory of the exporter and any bit pattern is a valid `T`
    // (`Sample: Pod`). viewlib reads only the layout's elements.
    let samples = unsafe { std::slice::from_raw_parts(layout.start as *const T, len) };
    View::from_slice_with_strides(samples, layout.shape, strides, origin)
}

/// The writable view over the bytes of a buffer acquired for writing.
fn layout_view_mut<T: Sample>(
    layout: &BufferLayout,
) -> Result<ViewMut<'_, T, 3>, viewlib::ViewError> {
    let (strides, origin, len) = layout.elements::<T>();
    // SAFETY: as in `layout_view`, and the exporter granted writing (PyBUF_WRITABLE, and
    // `readonly == 0` checked). No other view made here covers these bytes meanwhile:
    // `run_pair` refuses overlapping input and output, and one `Buffer` makes one view at a
    // time (`run_mut` borrows it mutably). viewlib refuses layouts that reach an element
    // twice, and writes only the layout's elements, never the gaps between them.
    let samples = unsafe { std::slice::from_raw_parts_mut(layout.start as *mut T, len) };
    ViewMut::from_slice_with_strides(samples, layout.shape, strides, origin)
}

/// The `TypeError` for a read-only buffer passed where a kernel writes.
fn read_only_error(obj: &Bound<'_, PyAny>, what: &str, cause: Option<&PyErr>) -> PyErr {
    let kind = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "object".into());
    let because = cause
        .map(|e| format!(" ({})", e.value(obj.py())))
        .unwrap_or_default();
    PyTypeError::new_err(format!(
        "{what} must be writable, but this {kind} is read-only{because}"
    ))
}
