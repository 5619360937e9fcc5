//! # viewlib for Python
//!
//! The Python module `viewlib`: the buffer protocol (PEP 3118) both ways, zero copy.
//!
//! - **Kernels on any buffer** ([`kernels`]): `invert`, `flip_horizontal`, `flip_vertical`,
//!   `copy`, `extract_channel`, `to_luma` and `apply_lut` take NumPy arrays (strided,
//!   mirrored, transposed views included), `memoryview`, `bytearray`, `array.array` or any
//!   other exporter of `'B'`, `'H'`/`'<H'`/`'>H'` or `'f'` samples, build a viewlib view over
//!   its memory without copying, and run viewlib's kernel on the rayon pool with the GIL
//!   released. They run on a pool of the module's own ([`threads`]), sized by
//!   `viewlib.set_num_threads(n)`.
//! - **Images as buffers** ([`buffer::export::Image`]): `viewlib.load` and
//!   `viewlib.open_mapped` return images that NumPy and `memoryview` read (and write, when
//!   the image is its memory's only holder) without a copy; crops, channels, flips and
//!   rotations share the memory with the strides to match.
//! - **Files through the batch pipeline** ([`process`]): `viewlib.process_file(src, dst, ops)`
//!   does to one file what `imgdemo batch` does (load, EXIF orientation, the operations of
//!   `viewlib::pipeline`, an atomic save), for Dask or Ray workers and process pools.
//!
//! The binding is thin: conversions, errors and the GIL. The `unsafe` code is in one module,
//! [`buffer`] (acquiring, releasing and filling `Py_buffer`s), every block with the
//! invariant it relies on; the rest of the crate cannot use `unsafe` (`deny(unsafe_code)`).
//!
//! Built with maturin (`viewlib/python/pyproject.toml`); tested by the pytest suite in
//! `viewlib/python/tests`, which `viewlib/python/run-tests.sh` runs in a venv.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(unsafe_code)]

#[allow(unsafe_code)]
pub mod buffer;
pub mod errors;
pub mod files;
pub mod kernels;
pub mod lut;
pub mod process;
pub mod threads;

use pyo3::prelude::*;

/// Zero-copy strided views over pixel buffers: viewlib's kernels on any buffer-protocol
/// object (NumPy arrays with any strides, memoryview, bytearray, array.array), in place and
/// in parallel with the GIL released, and images whose pixels NumPy and memoryview share.
#[pymodule]
#[pyo3(name = "viewlib")]
fn viewlib_python(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<buffer::export::Image>()?;
    m.add_class::<lut::Lut>()?;
    m.add_function(wrap_pyfunction!(kernels::invert, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::flip_horizontal, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::flip_vertical, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::copy, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::extract_channel, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::to_luma, m)?)?;
    m.add_function(wrap_pyfunction!(kernels::apply_lut, m)?)?;
    m.add_function(wrap_pyfunction!(lut::lut_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(lut::lut_contrast, m)?)?;
    m.add_function(wrap_pyfunction!(lut::lut_brightness, m)?)?;
    m.add_function(wrap_pyfunction!(lut::lut_threshold, m)?)?;
    m.add_function(wrap_pyfunction!(files::load, m)?)?;
    m.add_function(wrap_pyfunction!(files::open_mapped, m)?)?;
    m.add_function(wrap_pyfunction!(process::process_file, m)?)?;
    m.add_function(wrap_pyfunction!(process::remove_abandoned_parts, m)?)?;
    m.add_function(wrap_pyfunction!(threads::set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(threads::get_num_threads, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
