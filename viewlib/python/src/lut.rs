//! Lookup tables: `viewlib.Lut` and its constructors.

use pyo3::exceptions::{PyIndexError, PyValueError};
use pyo3::prelude::*;
use viewlib::ops;

/// A table of 8 or 16-bit values, as `viewlib.apply_lut` takes it.
#[derive(Clone, PartialEq)]
pub enum Table {
    /// 256 entries, for `'B'` samples.
    U8(ops::Lut<u8>),
    /// 65536 entries, for `'H'`, `'<H'` and `'>H'` samples.
    U16(ops::Lut<u16>),
}

/// A lookup table mapping every 8-bit (256 entries) or 16-bit (65536 entries) sample value to
/// a new one: `viewlib.apply_lut(array, lut)` replaces each sample `v` with `lut[v]` in one
/// pass. Build one with `lut_gamma`, `lut_contrast`, `lut_brightness`, `lut_threshold`, from
/// any sequence of 256 or 65536 integers (`Lut(range(255, -1, -1))`), and chain them with
/// `then` (still one table, one pass).
#[pyclass(module = "viewlib", frozen, eq)]
#[derive(Clone, PartialEq)]
pub struct Lut {
    /// The table, 8 or 16-bit.
    pub table: Table,
}

/// `$body` with `$T` the sample type of `bits`-bit tables, wrapped in the matching `Table`.
macro_rules! by_bits {
    ($bits:expr, $T:ident => $body:expr) => {
        match $bits {
            8 => {
                type $T = u8;
                Ok(Lut {
                    table: Table::U8($body),
                })
            }
            16 => {
                type $T = u16;
                Ok(Lut {
                    table: Table::U16($body),
                })
            }
            other => Err(PyValueError::new_err(format!(
                "bits must be 8 or 16, not {other}"
            ))),
        }
    };
}

fn finite(name: &str, value: f64) -> PyResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(PyValueError::new_err(format!(
            "{name} must be a finite number, not {value}"
        )))
    }
}

#[pymethods]
impl Lut {
    /// A table from a sequence of 256 (8-bit) or 65536 (16-bit) integers in range.
    #[new]
    fn new(values: Vec<i64>) -> PyResult<Self> {
        fn table<T: ops::LutSample + TryFrom<i64>>(values: &[i64]) -> PyResult<ops::Lut<T>> {
            if let Some((i, v)) = values
                .iter()
                .enumerate()
                .find(|&(_, &v)| T::try_from(v).is_err())
            {
                return Err(PyValueError::new_err(format!(
                    "entry {i} is {v}, outside 0..={}",
                    T::MAX
                )));
            }
            Ok(ops::Lut::from_fn(|v: T| {
                T::try_from(values[v.index()]).unwrap_or(v)
            }))
        }
        match values.len() {
            256 => Ok(Lut {
                table: Table::U8(table(&values)?),
            }),
            65536 => Ok(Lut {
                table: Table::U16(table(&values)?),
            }),
            n => Err(PyValueError::new_err(format!(
                "a table has 256 (8-bit) or 65536 (16-bit) entries, not {n}"
            ))),
        }
    }

    /// 8 or 16.
    #[getter]
    fn bits(&self) -> u32 {
        match self.table {
            Table::U8(_) => 8,
            Table::U16(_) => 16,
        }
    }

    fn __len__(&self) -> usize {
        match self.table {
            Table::U8(_) => 256,
            Table::U16(_) => 65536,
        }
    }

    /// The value `value` maps to.
    fn __getitem__(&self, value: i64) -> PyResult<u16> {
        let out_of_range = || {
            PyIndexError::new_err(format!(
                "{value} is outside the table's 0..{}",
                self.__len__()
            ))
        };
        match &self.table {
            Table::U8(t) => Ok(t
                .get(u8::try_from(value).map_err(|_| out_of_range())?)
                .into()),
            Table::U16(t) => Ok(t.get(u16::try_from(value).map_err(|_| out_of_range())?)),
        }
    }

    /// Every entry, in order.
    fn tolist(&self) -> Vec<u16> {
        match &self.table {
            Table::U8(t) => (0..=u8::MAX).map(|v| t.get(v).into()).collect(),
            Table::U16(t) => (0..=u16::MAX).map(|v| t.get(v)).collect(),
        }
    }

    /// This table followed by `next` (same bit depth): one table, one pass for both.
    fn then(&self, next: &Lut) -> PyResult<Lut> {
        match (&self.table, &next.table) {
            (Table::U8(a), Table::U8(b)) => Ok(Lut {
                table: Table::U8(a.then(b)),
            }),
            (Table::U16(a), Table::U16(b)) => Ok(Lut {
                table: Table::U16(a.then(b)),
            }),
            _ => Err(PyValueError::new_err(format!(
                "cannot chain a {}-bit table with a {}-bit one",
                self.bits(),
                next.bits()
            ))),
        }
    }

    fn __repr__(&self) -> String {
        format!("<viewlib.Lut {}-bit>", self.bits())
    }
}

/// `v ** gamma` on the unit range (`gamma < 1` brightens), rounded.
#[pyfunction]
#[pyo3(signature = (gamma, bits = 8))]
pub fn lut_gamma(gamma: f64, bits: u32) -> PyResult<Lut> {
    let gamma = finite("gamma", gamma)?;
    by_bits!(bits, T => ops::Lut::<T>::gamma(gamma))
}

/// Scales the distance from mid-gray by `factor` (`> 1` more contrast), clamped.
#[pyfunction]
#[pyo3(signature = (factor, bits = 8))]
pub fn lut_contrast(factor: f64, bits: u32) -> PyResult<Lut> {
    let factor = finite("factor", factor)?;
    by_bits!(bits, T => ops::Lut::<T>::contrast(factor))
}

/// Adds `delta`, a fraction of the full range (`-1.0..=1.0`), clamped.
#[pyfunction]
#[pyo3(signature = (delta, bits = 8))]
pub fn lut_brightness(delta: f64, bits: u32) -> PyResult<Lut> {
    let delta = finite("delta", delta)?;
    by_bits!(bits, T => ops::Lut::<T>::brightness(delta))
}

/// The maximum at and above `level`, zero below.
#[pyfunction]
#[pyo3(signature = (level, bits = 8))]
pub fn lut_threshold(level: i64, bits: u32) -> PyResult<Lut> {
    let max = if bits == 8 { 255 } else { 65535 };
    let level = u16::try_from(level)
        .ok()
        .filter(|&l| l <= max)
        .ok_or_else(|| PyValueError::new_err(format!("level {level} is outside 0..={max}")))?;
    by_bits!(bits, T => ops::Lut::<T>::threshold(level as T))
}
