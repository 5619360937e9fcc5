//! Sample types known at run time, with their byte order.

use crate::sample::Sample;
use core::fmt;
use core::str::FromStr;

/// A sample type with its byte order, known at run time: what NumPy calls a dtype and the
/// buffer protocol a format. The one vocabulary for "which samples" across viewlib: mapped
/// files, [`DynImageBuf`](crate::DynImageBuf), [`DynStridedImage`](crate::DynStridedImage).
///
/// Parses from and displays as NumPy's dtype strings (`u1`, `>u2`, `<f4`, ...).
///
/// ```
/// use viewlib::SampleType;
/// let t: SampleType = ">u2".parse()?;
/// assert_eq!(t, SampleType::U16Be);
/// assert_eq!((t.size(), t.format(), t.to_string()), (2, ">H", ">u2".to_string()));
/// assert!(t.accepts::<viewlib::U16Be>() && !t.accepts::<u8>());
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // the names say it: U16Be is a big-endian u16
pub enum SampleType {
    U8,
    I8,
    U16Be,
    U16Le,
    I16Be,
    I16Le,
    U32Be,
    U32Le,
    I32Be,
    I32Le,
    F32Be,
    F32Le,
    F64Be,
    F64Le,
}

/// `(type, dtype, struct format, native format when stored in native order)`.
const SAMPLE_TYPES: [(SampleType, &str, &str, &str); 14] = {
    use SampleType::*;
    const LE: bool = cfg!(target_endian = "little");
    const fn native(code: &'static str, little: bool) -> &'static str {
        if little == LE { code } else { "" }
    }
    [
        (U8, "u1", "B", "B"),
        (I8, "i1", "b", "b"),
        (U16Be, ">u2", ">H", native("H", false)),
        (U16Le, "<u2", "<H", native("H", true)),
        (I16Be, ">i2", ">h", native("h", false)),
        (I16Le, "<i2", "<h", native("h", true)),
        (U32Be, ">u4", ">I", native("I", false)),
        (U32Le, "<u4", "<I", native("I", true)),
        (I32Be, ">i4", ">i", native("i", false)),
        (I32Le, "<i4", "<i", native("i", true)),
        (F32Be, ">f4", ">f", native("f", false)),
        (F32Le, "<f4", "<f", native("f", true)),
        (F64Be, ">f8", ">d", native("d", false)),
        (F64Le, "<f8", "<d", native("d", true)),
    ]
};

impl SampleType {
    fn entry(self) -> (SampleType, &'static str, &'static str, &'static str) {
        SAMPLE_TYPES[self as usize]
    }

    /// Bytes per sample.
    #[must_use]
    pub fn size(self) -> usize {
        match self {
            SampleType::U8 | SampleType::I8 => 1,
            SampleType::U16Be | SampleType::U16Le | SampleType::I16Be | SampleType::I16Le => 2,
            SampleType::F64Be | SampleType::F64Le => 8,
            _ => 4,
        }
    }

    /// The format code of the matching byte-order sample type (`">H"` for [`U16Be`](crate::U16Be)),
    /// as `memoryview.format` would report it.
    #[must_use]
    pub fn format(self) -> &'static str {
        self.entry().2
    }

    /// The sample type of `T`: native types in the machine's byte order (`u16` is
    /// [`U16Le`](SampleType::U16Le) on x86), byte-order types as they say; `None` for types
    /// without a run-time name here (64-bit integers).
    ///
    /// ```
    /// use viewlib::{SampleType, U16Be};
    /// assert_eq!(SampleType::of::<U16Be>(), Some(SampleType::U16Be));
    /// assert_eq!(SampleType::of::<u8>(), Some(SampleType::U8));
    /// let native = if cfg!(target_endian = "little") { SampleType::F32Le } else { SampleType::F32Be };
    /// assert_eq!(SampleType::of::<f32>(), Some(native));
    /// ```
    #[must_use]
    pub fn of<T: Sample>() -> Option<SampleType> {
        SAMPLE_TYPES
            .iter()
            .find(|entry| entry.2 == T::FORMAT || entry.3 == T::FORMAT)
            .map(|entry| entry.0)
    }

    /// Whether the samples are in the machine's byte order (single bytes always are), so
    /// the native Rust type reads them.
    #[must_use]
    pub fn is_native(self) -> bool {
        !self.entry().3.is_empty()
    }

    /// Whether a view of `T` reads these samples: the byte-order type (`U16Be` for `>u2`), or
    /// the native type (`u16`) when the file's byte order is the machine's.
    #[must_use]
    pub fn accepts<T: Sample>(self) -> bool {
        let (_, _, format, native) = self.entry();
        T::FORMAT == format || (!native.is_empty() && T::FORMAT == native)
    }
}

impl fmt::Display for SampleType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.entry().1)
    }
}

impl FromStr for SampleType {
    type Err = String;

    /// NumPy dtype strings: `u1`/`i1`, and `u2 i2 u4 i4 f4 f8` with `<` (little-endian) or `>`
    /// (big-endian). Multi-byte types need the byte order: a file has one, whatever the
    /// machine reading it.
    fn from_str(s: &str) -> Result<SampleType, String> {
        let s = s.trim();
        let s = s.strip_prefix('|').unwrap_or(s);
        SAMPLE_TYPES
            .iter()
            .find(|entry| {
                entry.1 == s || (entry.0.size() == 1 && s.len() == 3 && s.get(1..) == Some(entry.1))
            })
            .map(|entry| entry.0)
            .ok_or_else(|| {
                format!(
                    "`{s}` is not a sample type: use u1, i1, or <u2 >u2 <i2 >i2 <u4 >u4 <i4 >i4 \
                     <f4 >f4 <f8 >f8 (< little-endian, > big-endian)"
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_types_parse_display_and_accept() {
        for (t, ..) in SAMPLE_TYPES {
            assert_eq!(t.entry().0, t, "SAMPLE_TYPES is in declaration order");
            assert_eq!(t.to_string().parse::<SampleType>(), Ok(t));
        }
        assert_eq!("|u1".parse::<SampleType>(), Ok(SampleType::U8));
        assert_eq!("<u1".parse::<SampleType>(), Ok(SampleType::U8));
        assert!(
            "u2".parse::<SampleType>()
                .unwrap_err()
                .contains("(< little-endian")
        );
        assert!(SampleType::U16Le.accepts::<crate::U16Le>());
        assert_eq!(
            SampleType::U16Le.accepts::<u16>(),
            cfg!(target_endian = "little")
        );
        assert!(!SampleType::U16Be.accepts::<crate::U16Le>());
        assert_eq!(SampleType::F64Be.size(), size_of::<crate::F64Be>());
        assert_eq!(SampleType::I16Le.size(), size_of::<crate::I16Le>());
        assert_eq!(SampleType::I32Le.size(), size_of::<crate::I32Le>());
    }
}
