//! The sample types a view can hold, behind one sealed trait.
//!
//! Native types (`u8`, `u16`, `f32`, ...) are read in the machine's byte order, like
//! `memoryview`'s native formats (`"B"`, `"H"`, `"f"`). The explicit byte-order types
//! ([`U16Be`], [`U16Le`], ...) store their bytes in a fixed order with alignment 1, so a view of
//! big-endian PNG samples reads the right values on any machine and can start at any byte.

use bytemuck::{Pod, Zeroable};
use core::fmt;

mod sealed {
    pub trait Sealed {}
}

/// A sample type: plain old data that may be reinterpreted from any bytes.
///
/// Sealed: the views rely on every implementor being [`Pod`] with a buffer-protocol format code.
pub trait Sample: Pod + fmt::Debug + Send + Sync + sealed::Sealed + 'static {
    /// The value a sample stands for: the type itself for native types, the native number for
    /// the byte-order types (`u16` for [`U16Be`]).
    type Value: Copy + PartialEq + fmt::Debug + Send + Sync + 'static;

    /// The format code in Python's `struct` syntax, as `memoryview.format` reports it:
    /// `"B"`, `"H"`, `"f"` for native types, `"<H"`, `">H"` for explicit byte orders.
    const FORMAT: &'static str;

    /// Decodes the sample into its value.
    fn to_value(self) -> Self::Value;

    /// Encodes a value as a sample.
    fn from_value(value: Self::Value) -> Self;
}

macro_rules! native_sample {
    ($($t:ty => $code:literal),* $(,)?) => {$(
        impl sealed::Sealed for $t {}
        impl Sample for $t {
            type Value = $t;
            const FORMAT: &'static str = $code;
            #[inline(always)]
            fn to_value(self) -> $t { self }
            #[inline(always)]
            fn from_value(value: $t) -> $t { value }
        }
    )*};
}

native_sample! {
    u8 => "B", i8 => "b", u16 => "H", i16 => "h", u32 => "I", i32 => "i",
    u64 => "Q", i64 => "q", f32 => "f", f64 => "d",
}

macro_rules! byte_order_sample {
    ($($name:ident($t:ty, $n:literal, $from:ident, $to:ident, $code:literal, $order:literal);)*) => {$(
        #[doc = concat!("A `", stringify!($t), "` stored in ", $order,
            " byte order (format `\"", $code, "\"`), alignment 1.")]
        ///
        /// ```
        #[doc = concat!("use viewlib::", stringify!($name), ";")]
        #[doc = concat!("let s = ", stringify!($name), "::new(7 as ", stringify!($t), ");")]
        #[doc = concat!("assert_eq!(s.get(), 7 as ", stringify!($t), ");")]
        #[doc = concat!("assert_eq!(", stringify!($name), "::from_bytes(s.to_bytes()), s);")]
        /// ```
        #[derive(Clone, Copy, PartialEq, Default, Pod, Zeroable)]
        #[repr(transparent)]
        pub struct $name([u8; $n]);

        impl $name {
            /// Encodes `value` in this type's byte order.
            #[inline(always)]
            pub fn new(value: $t) -> Self { Self(value.$to()) }
            /// Decodes the stored bytes.
            #[inline(always)]
            pub fn get(self) -> $t { <$t>::$from(self.0) }
            /// Wraps bytes already in this type's byte order.
            #[inline(always)]
            pub const fn from_bytes(bytes: [u8; $n]) -> Self { Self(bytes) }
            /// The stored bytes, in this type's byte order.
            #[inline(always)]
            pub const fn to_bytes(self) -> [u8; $n] { self.0 }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.get(), f)
            }
        }

        impl From<$t> for $name {
            fn from(value: $t) -> Self { Self::new(value) }
        }

        impl sealed::Sealed for $name {}
        impl Sample for $name {
            type Value = $t;
            const FORMAT: &'static str = $code;
            #[inline(always)]
            fn to_value(self) -> $t { self.get() }
            #[inline(always)]
            fn from_value(value: $t) -> Self { Self::new(value) }
        }
    )*};
}

byte_order_sample! {
    U16Be(u16, 2, from_be_bytes, to_be_bytes, ">H", "big-endian");
    U16Le(u16, 2, from_le_bytes, to_le_bytes, "<H", "little-endian");
    I16Be(i16, 2, from_be_bytes, to_be_bytes, ">h", "big-endian");
    I16Le(i16, 2, from_le_bytes, to_le_bytes, "<h", "little-endian");
    U32Be(u32, 4, from_be_bytes, to_be_bytes, ">I", "big-endian");
    U32Le(u32, 4, from_le_bytes, to_le_bytes, "<I", "little-endian");
    I32Be(i32, 4, from_be_bytes, to_be_bytes, ">i", "big-endian");
    I32Le(i32, 4, from_le_bytes, to_le_bytes, "<i", "little-endian");
    F32Be(f32, 4, from_be_bytes, to_be_bytes, ">f", "big-endian");
    F32Le(f32, 4, from_le_bytes, to_le_bytes, "<f", "little-endian");
    F64Be(f64, 8, from_be_bytes, to_be_bytes, ">d", "big-endian");
    F64Le(f64, 8, from_le_bytes, to_le_bytes, "<d", "little-endian");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_reads_png_order() {
        // PNG stores 0x1234 as the bytes 12 34.
        let s: U16Be = bytemuck::cast([0x12u8, 0x34]);
        assert_eq!(s.get(), 0x1234);
        assert_eq!(s.to_value(), 0x1234);
        let l: U16Le = bytemuck::cast([0x34u8, 0x12]);
        assert_eq!(l.get(), 0x1234);
        assert_eq!(format!("{s:?}"), "4660");
    }

    #[test]
    fn format_codes_follow_struct_syntax() {
        assert_eq!(u8::FORMAT, "B");
        assert_eq!(u16::FORMAT, "H");
        assert_eq!(f32::FORMAT, "f");
        assert_eq!(U16Le::FORMAT, "<H");
        assert_eq!(U16Be::FORMAT, ">H");
        assert_eq!(F64Be::FORMAT, ">d");
        assert_eq!(core::mem::align_of::<F64Be>(), 1);
    }

    #[test]
    fn round_trips() {
        assert_eq!(I32Be::from_value(-5).to_value(), -5);
        assert_eq!(F32Le::from(1.5).get(), 1.5);
        assert_eq!(<f32 as Sample>::from_value(2.0).to_value(), 2.0);
    }
}
