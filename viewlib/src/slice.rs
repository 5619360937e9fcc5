//! NumPy-style `start:stop:step` slices, resolved against an axis length.
//!
//! Semantics follow Python's, with one deliberate difference: a bound outside the axis is an
//! error ([`ViewError::SliceOutOfRange`]) where Python silently clamps it. `b"abc"[1:99]` is
//! `b"bc"` in Python; here `1..99` on an axis of 3 is an error naming 99, because a crop that
//! quietly comes out smaller than asked is a bug waiting to surface downstream.

use crate::error::{Result, ViewError};
use core::fmt;
use core::ops::{Range, RangeFrom, RangeFull, RangeInclusive, RangeTo, RangeToInclusive};
use core::str::FromStr;

/// A per-axis slice: Python's `start:stop:step`.
///
/// Negative `start`/`stop` count from the end of the axis (`-1` is the last element). `None`
/// means "from the beginning" / "to the end" in the direction of `step`, so `Slice::REVERSED`
/// (`::-1`) flips an axis.
///
/// ```
/// use viewlib::Slice;
/// assert_eq!(Slice::from(2..6), Slice::new(Some(2), Some(6), 1));
/// assert_eq!(Slice::from(..).step_by(-1), Slice::REVERSED);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Slice {
    /// First index taken; `None` is the first in the direction of `step`.
    pub start: Option<isize>,
    /// Index where taking stops (exclusive); `None` runs to the end in the direction of `step`.
    pub stop: Option<isize>,
    /// Distance between taken indices; negative walks backwards; never zero.
    pub step: isize,
}

/// Where a resolved slice starts and how many elements it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ResolvedSlice {
    pub start: usize,
    pub len: usize,
    pub step: isize,
}

impl Slice {
    /// The whole axis, `::`.
    pub const FULL: Slice = Slice {
        start: None,
        stop: None,
        step: 1,
    };
    /// The whole axis backwards, `::-1`.
    pub const REVERSED: Slice = Slice {
        start: None,
        stop: None,
        step: -1,
    };

    /// `start:stop:step`.
    ///
    /// ```
    /// use viewlib::{Slice, View};
    /// let v = View::from_slice(&[0u8, 1, 2, 3, 4, 5], [6])?;
    /// let odd = v.slice([Slice::new(Some(-5), None, 2)])?;
    /// assert_eq!(odd.to_vec(), [1, 3, 5]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub const fn new(start: Option<isize>, stop: Option<isize>, step: isize) -> Slice {
        Slice { start, stop, step }
    }

    /// The same bounds with another step.
    ///
    /// ```
    /// use viewlib::Slice;
    /// assert_eq!(Slice::from(1..).step_by(3), Slice::new(Some(1), None, 3));
    /// ```
    #[must_use]
    pub const fn step_by(self, step: isize) -> Slice {
        Slice { step, ..self }
    }

    /// Resolves against an axis of length `len`, or says which bound is out of range.
    pub(crate) fn resolve(self, axis: usize, len: usize) -> Result<ResolvedSlice> {
        let step = self.step;
        if step == 0 {
            return Err(ViewError::ZeroStep { axis });
        }
        let n = len as isize; // lengths are checked to fit isize when a layout is built
        let out = |bound| ViewError::SliceOutOfRange { axis, bound, len };
        let normalize = |b: isize| if b < 0 { b + n } else { b };
        if step > 0 {
            let start = match self.start {
                None => 0,
                Some(b) => Some(normalize(b))
                    .filter(|s| (0..=n).contains(s))
                    .ok_or(out(b))?,
            };
            let stop = match self.stop {
                None => n,
                Some(b) => Some(normalize(b))
                    .filter(|s| (0..=n).contains(s))
                    .ok_or(out(b))?,
            };
            let count = if stop > start {
                (stop - start - 1) / step + 1
            } else {
                0
            };
            Ok(ResolvedSlice {
                start: start as usize,
                len: count as usize,
                step,
            })
        } else {
            let start = match self.start {
                None => n - 1,
                Some(b) => Some(normalize(b))
                    .filter(|s| (0..n).contains(s))
                    .ok_or(out(b))?,
            };
            // `None` runs past index 0; an explicit stop must name an index of the axis.
            let stop = match self.stop {
                None => -1,
                Some(b) => Some(normalize(b))
                    .filter(|s| (0..n).contains(s))
                    .ok_or(out(b))?,
            };
            // `unsigned_abs`: `-step` overflows for `isize::MIN`.
            let count = if start > stop {
                (start - stop - 1) as usize / step.unsigned_abs() + 1
            } else {
                0
            };
            Ok(ResolvedSlice {
                start: start.max(0) as usize,
                len: count,
                step,
            })
        }
    }
}

impl Default for Slice {
    fn default() -> Self {
        Slice::FULL
    }
}

fn bound(i: usize) -> Option<isize> {
    // An index beyond isize::MAX cannot be in range; saturating keeps it out of range.
    Some(isize::try_from(i).unwrap_or(isize::MAX))
}

impl From<Range<usize>> for Slice {
    fn from(r: Range<usize>) -> Self {
        Slice::new(bound(r.start), bound(r.end), 1)
    }
}
impl From<RangeInclusive<usize>> for Slice {
    fn from(r: RangeInclusive<usize>) -> Self {
        Slice::new(
            bound(*r.start()),
            bound(*r.end()).map(|e| e.saturating_add(1)),
            1,
        )
    }
}
impl From<RangeFrom<usize>> for Slice {
    fn from(r: RangeFrom<usize>) -> Self {
        Slice::new(bound(r.start), None, 1)
    }
}
impl From<RangeTo<usize>> for Slice {
    fn from(r: RangeTo<usize>) -> Self {
        Slice::new(None, bound(r.end), 1)
    }
}
impl From<RangeToInclusive<usize>> for Slice {
    fn from(r: RangeToInclusive<usize>) -> Self {
        Slice::new(None, bound(r.end).map(|e| e.saturating_add(1)), 1)
    }
}
impl From<RangeFull> for Slice {
    fn from(_: RangeFull) -> Self {
        Slice::FULL
    }
}

/// Text that is not a `start:stop:step` slice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a slice start:stop:step: {reason}")]
pub struct ParseSliceError {
    text: String,
    reason: &'static str,
}

/// Python's slice syntax: `start:stop:step`, each part optional, at least one colon
/// (`1:`, `:5`, `::2`, `::-1`, `100:400:2`, `-3:`). A bare number is an index, not a slice.
///
/// ```
/// use viewlib::Slice;
/// assert_eq!("100:400:2".parse(), Ok(Slice::new(Some(100), Some(400), 2)));
/// assert_eq!("::-1".parse(), Ok(Slice::REVERSED));
/// assert_eq!(" : ".parse(), Ok(Slice::FULL));
/// assert!("::0".parse::<Slice>().is_err()); // Python: "slice step cannot be zero"
/// assert!("5".parse::<Slice>().is_err());
/// ```
impl FromStr for Slice {
    type Err = ParseSliceError;

    fn from_str(text: &str) -> core::result::Result<Slice, ParseSliceError> {
        let fail = |reason| ParseSliceError {
            text: text.to_string(),
            reason,
        };
        let parts: Vec<&str> = text.split(':').map(str::trim).collect();
        if parts.len() < 2 || parts.len() > 3 {
            return Err(fail("one or two colons"));
        }
        let number = |part: &str| -> core::result::Result<Option<isize>, ParseSliceError> {
            if part.is_empty() {
                return Ok(None);
            }
            part.parse::<isize>()
                .map(Some)
                .map_err(|_| fail("each part is a whole number or empty"))
        };
        let step = match parts.get(2) {
            Some(part) => number(part)?.unwrap_or(1),
            None => 1,
        };
        if step == 0 {
            return Err(fail("the step cannot be zero"));
        }
        Ok(Slice::new(number(parts[0])?, number(parts[1])?, step))
    }
}

/// The shortest Python form: `:`, `2:`, `:5`, `::-1`, `100:400:2`.
///
/// ```
/// use viewlib::Slice;
/// assert_eq!(Slice::from(2..).to_string(), "2:");
/// assert_eq!(Slice::REVERSED.to_string(), "::-1");
/// assert_eq!(Slice::new(Some(100), Some(400), 2).to_string(), "100:400:2");
/// ```
impl fmt::Display for Slice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(start) = self.start {
            write!(f, "{start}")?;
        }
        f.write_str(":")?;
        if let Some(stop) = self.stop {
            write!(f, "{stop}")?;
        }
        if self.step != 1 {
            write!(f, ":{}", self.step)?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn text_form_round_trips() {
        let bounds = [None, Some(-3), Some(-1), Some(0), Some(2), Some(10)];
        for start in bounds {
            for stop in bounds {
                for step in [-2, -1, 1, 3] {
                    let slice = Slice::new(start, stop, step);
                    assert_eq!(slice.to_string().parse(), Ok(slice), "{slice}");
                }
            }
        }
        for bad in ["", "1", "1:2:3:4", "a:", "1:b", "::x", "1.5:"] {
            assert!(bad.parse::<Slice>().is_err(), "{bad}");
        }
    }

    /// Python's own `range(len)[start:stop:step]`, for bounds Python would not clamp.
    pub(crate) fn python(len: usize, s: Slice) -> Vec<usize> {
        let n = len as isize;
        let norm = |b: isize| if b < 0 { b + n } else { b };
        let mut out = vec![];
        if s.step > 0 {
            let mut i = s.start.map_or(0, norm);
            let stop = s.stop.map_or(n, norm);
            while i < stop {
                out.push(i as usize);
                i += s.step;
            }
        } else {
            let mut i = s.start.map_or(n - 1, norm);
            let stop = s.stop.map_or(-1, norm);
            while i > stop {
                out.push(i as usize);
                i += s.step;
            }
        }
        out
    }

    fn taken(r: ResolvedSlice) -> Vec<usize> {
        (0..r.len)
            .map(|k| (r.start as isize + k as isize * r.step) as usize)
            .collect()
    }

    #[test]
    fn matches_python_for_every_in_range_slice() {
        for len in 0..7usize {
            let bounds: Vec<Option<isize>> = core::iter::once(None)
                .chain((-(len as isize)..=len as isize).map(Some))
                .collect();
            for &start in &bounds {
                for &stop in &bounds {
                    for step in [-3, -2, -1, 1, 2, 3] {
                        let s = Slice::new(start, stop, step);
                        if let Ok(r) = s.resolve(0, len) {
                            assert_eq!(taken(r), python(len, s), "{s:?} on {len}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn out_of_range_is_an_error_not_a_clamp() {
        let err = Slice::from(1..99).resolve(2, 3).unwrap_err();
        assert_eq!(
            err,
            ViewError::SliceOutOfRange {
                axis: 2,
                bound: 99,
                len: 3
            }
        );
        assert!(Slice::new(Some(-4), None, 1).resolve(0, 3).is_err());
        assert!(Slice::new(Some(3), None, -1).resolve(0, 3).is_err());
        assert_eq!(
            Slice::FULL.step_by(0).resolve(1, 3),
            Err(ViewError::ZeroStep { axis: 1 })
        );
    }

    #[test]
    fn common_forms() {
        let r = Slice::REVERSED.resolve(0, 4).unwrap();
        assert_eq!(taken(r), [3, 2, 1, 0]);
        assert_eq!(taken(Slice::from(1..=2).resolve(0, 4).unwrap()), [1, 2]);
        assert_eq!(taken(Slice::from(..=0).resolve(0, 4).unwrap()), [0]);
        // Python's empty `3:1` (not out of range, just empty).
        let backwards = Slice::new(Some(3), Some(1), 1);
        assert_eq!(taken(backwards.resolve(0, 4).unwrap()), [] as [usize; 0]);
        assert_eq!(Slice::REVERSED.resolve(0, 0).unwrap().len, 0);
        assert_eq!(Slice::default(), Slice::FULL);
    }
}
