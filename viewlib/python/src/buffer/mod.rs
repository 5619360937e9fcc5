//! The buffer protocol (PEP 3118), both ways: the only module with `unsafe` code.
//!
//! - [`import`]: acquiring any exporter's buffer (`PyObject_GetBuffer`), checking what it
//!   says (format, itemsize, shape, strides, read-only flag, suboffsets), and running a kernel
//!   on a viewlib view over it with the GIL released, the buffer held until the kernel
//!   returns.
//! - [`export`]: [`Image`](export::Image), whose `__getbuffer__`/`__releasebuffer__` hand its
//!   pixels to NumPy, `memoryview` and anything else without a copy.
//!
//! Everything else in the crate is safe code over these two.

pub mod export;
pub mod import;
