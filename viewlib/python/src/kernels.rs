//! The kernels on any buffer: argument checks and dispatch on the sample type; the work is
//! viewlib's, on the rayon pool with the GIL released.

use crate::buffer::import::{Access, Buffer, BufferLayout, Format, run_pair};
use crate::lut::{Lut, Table};
use pyo3::exceptions::{PyImportError, PyIndexError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use viewlib::ops::{Alpha, LumaWeights};

/// `$body` with `$T` the viewlib sample type of `$format`.
macro_rules! by_format {
    ($format:expr, $T:ident => $body:expr) => {
        match $format {
            Format::U8 => {
                type $T = u8;
                $body
            }
            Format::U16 => {
                type $T = u16;
                $body
            }
            Format::U16Le => {
                type $T = viewlib::U16Le;
                $body
            }
            Format::U16Be => {
                type $T = viewlib::U16Be;
                $body
            }
            Format::F32 => {
                type $T = f32;
                $body
            }
        }
    };
}

/// Acquires the buffer `$a` for writing and runs `$kernel` on its view `$v`, whatever its
/// sample type.
macro_rules! in_place {
    ($a:expr, $v:ident => $kernel:expr) => {{
        let mut a = Buffer::acquire($a, Access::Write, "a")?;
        by_format!(a.layout().format, T => a.run_mut::<T, _>(|$v| {
            $kernel;
            Ok(())
        }))
    }};
}

/// The array a kernel writes its `(h, w)` result into: `out`, or a new NumPy array of
/// the input's dtype and shape without its channel axis.
fn output<'py>(
    py: Python<'py>,
    out: Option<Bound<'py, PyAny>>,
    src: &BufferLayout,
) -> PyResult<Bound<'py, PyAny>> {
    if let Some(out) = out {
        return Ok(out);
    }
    let shape = if src.ndim == 3 {
        &src.exported_shape[..2]
    } else {
        &src.exported_shape[..src.ndim]
    };
    let numpy = py.import("numpy").map_err(|e| {
        PyImportError::new_err(format!(
            "out=None allocates the result with NumPy, which cannot be imported ({e}); \
             pass out= instead"
        ))
    })?;
    numpy.call_method1(
        "empty",
        (PyTuple::new(py, shape)?, src.format.numpy_dtype()),
    )
}

/// Checks that `out` is one channel of `src`'s height and width.
fn check_plane(src: &BufferLayout, out: &BufferLayout) -> PyResult<()> {
    let [h, w, _] = src.shape;
    if out.shape != [h, w, 1] {
        return Err(PyValueError::new_err(format!(
            "out has shape {}; expected ({h}, {w}) or ({h}, {w}, 1)",
            out.shape_text()
        )));
    }
    Ok(())
}

/// Inverts `a` in place: `255 - v` for `'B'`, `65535 - v` for 16-bit samples (any byte
/// order), `1.0 - v` for `'f'`. With `alpha="keep"` (the default) the last channel of a
/// 2- or 4-channel image (gray+alpha, RGBA) is left as it is; `alpha="all"` inverts it too.
///
/// `a` is any writable buffer of shape `(h, w, c)`, `(h, w)` or `(n,)`, with any strides:
/// `viewlib.invert(a[100:400, ::-1, 1])` inverts that mirrored strided channel of `a`.
#[pyfunction]
#[pyo3(signature = (a, alpha = "keep"))]
pub fn invert(a: &Bound<'_, PyAny>, alpha: &str) -> PyResult<()> {
    let alpha = match alpha {
        "keep" => Alpha::Keep,
        "all" => Alpha::Invert,
        other => {
            return Err(PyValueError::new_err(format!(
                "alpha must be \"keep\" or \"all\", not {other:?}"
            )));
        }
    };
    in_place!(a, v => v.invert_in_place(alpha))
}

/// Mirrors `a` left to right in place (each row's pixels reversed).
#[pyfunction]
pub fn flip_horizontal(a: &Bound<'_, PyAny>) -> PyResult<()> {
    in_place!(a, v => v.flip_horizontal_in_place())
}

/// Mirrors `a` top to bottom in place (rows swapped pairwise).
#[pyfunction]
pub fn flip_vertical(a: &Bound<'_, PyAny>) -> PyResult<()> {
    in_place!(a, v => v.flip_vertical_in_place())
}

/// Copies `src` into `out`: same format, same shape (`(h, w)` and `(h, w, 1)` are the
/// same), any strides; `out` must not overlap `src` in memory.
#[pyfunction]
pub fn copy(src: &Bound<'_, PyAny>, out: &Bound<'_, PyAny>) -> PyResult<()> {
    let src = Buffer::acquire(src, Access::Read, "src")?;
    let mut out = Buffer::acquire(out, Access::Write, "out")?;
    if src.layout().shape != out.layout().shape {
        return Err(PyValueError::new_err(format!(
            "out has shape {}, src {}",
            out.layout().shape_text(),
            src.layout().shape_text()
        )));
    }
    by_format!(src.layout().format, T => run_pair::<T, T, _>(&src, &mut out, |s, mut d| d.copy_from(s)))
}

/// Copies channel `channel` of `src` (`(h, w, c)`; negative counts from the last) into
/// `out` (`(h, w)` or `(h, w, 1)`, same format), or into a new NumPy array `(h, w)`, which
/// is returned.
#[pyfunction]
#[pyo3(signature = (src, channel, out = None))]
pub fn extract_channel<'py>(
    py: Python<'py>,
    src: &Bound<'py, PyAny>,
    channel: isize,
    out: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let src = Buffer::acquire(src, Access::Read, "src")?;
    let channels = src.layout().shape[2];
    let c = if channel < 0 {
        channel + channels as isize
    } else {
        channel
    };
    let c = usize::try_from(c)
        .ok()
        .filter(|&c| c < channels)
        .ok_or_else(|| {
            PyIndexError::new_err(format!(
                "channel {channel} is out of range for {channels} channel(s)"
            ))
        })?;
    let out = output(py, out, src.layout())?;
    let mut dst = Buffer::acquire(&out, Access::Write, "out")?;
    check_plane(src.layout(), dst.layout())?;
    by_format!(src.layout().format, T => run_pair::<T, T, _>(&src, &mut dst, |s, d| {
        s.extract_channel_into(c, d.channel(0)?)
    }))?;
    drop(dst);
    Ok(out)
}

/// Grayscale of `src` into `out` (`(h, w)` or `(h, w, 1)`, same format) or a new NumPy array
/// `(h, w)`, which is returned: the luma of RGB or RGBA pixels (alpha dropped), channel 0
/// of gray and gray+alpha ones. `weights="rec709"` (the default) matches the `image` crate's
/// `to_luma8`/`to_luma16` byte for byte; `"bt601"` uses OpenCV's classic 14-bit fixed-point
/// weights (OpenCV 5.0's `COLOR_RGB2GRAY` differs from them by 1 on about 0.3% of pixels).
/// An OpenCV BGR array passed as `bgr[..., ::-1]` is read in place, as fast as an RGB one.
#[pyfunction]
#[pyo3(signature = (src, out = None, weights = "rec709"))]
pub fn to_luma<'py>(
    py: Python<'py>,
    src: &Bound<'py, PyAny>,
    out: Option<Bound<'py, PyAny>>,
    weights: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let weights = match weights {
        "rec709" => LumaWeights::Rec709,
        "bt601" => LumaWeights::Bt601,
        other => {
            return Err(PyValueError::new_err(format!(
                "weights must be \"rec709\" or \"bt601\", not {other:?}"
            )));
        }
    };
    let src = Buffer::acquire(src, Access::Read, "src")?;
    let out = output(py, out, src.layout())?;
    let mut dst = Buffer::acquire(&out, Access::Write, "out")?;
    check_plane(src.layout(), dst.layout())?;
    by_format!(src.layout().format, T => run_pair::<T, T, _>(&src, &mut dst, |s, d| {
        s.luma_into_with(d.channel(0)?, weights)
    }))?;
    drop(dst);
    Ok(out)
}

/// Replaces every sample `v` of `a` with `lut[v]`, in place: an 8-bit table on `'B'`
/// samples, a 16-bit one on `'H'`, `'<H'` or `'>H'`. Every channel is mapped; leave alpha
/// out with `a[..., :3]`.
#[pyfunction]
pub fn apply_lut(a: &Bound<'_, PyAny>, lut: &Lut) -> PyResult<()> {
    let mut a = Buffer::acquire(a, Access::Write, "a")?;
    let format = a.layout().format;
    match (&lut.table, format) {
        (Table::U8(t), Format::U8) => a.run_mut::<u8, _>(|v| {
            v.map_in_place(t);
            Ok(())
        }),
        (Table::U16(t), Format::U16) => a.run_mut::<u16, _>(|v| {
            v.map_in_place(t);
            Ok(())
        }),
        (Table::U16(t), Format::U16Le) => a.run_mut::<viewlib::U16Le, _>(|v| {
            v.map_in_place(t);
            Ok(())
        }),
        (Table::U16(t), Format::U16Be) => a.run_mut::<viewlib::U16Be, _>(|v| {
            v.map_in_place(t);
            Ok(())
        }),
        (_, Format::F32) => Err(PyTypeError::new_err(
            "a lookup table maps 8 or 16-bit integer samples, not 'f' (float32)",
        )),
        (table, format) => Err(PyTypeError::new_err(format!(
            "a {}-bit table cannot map samples of format {format}",
            if matches!(table, Table::U8(_)) { 8 } else { 16 }
        ))),
    }
}
