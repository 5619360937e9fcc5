//! Copies out of a view, made only when asked (`tobytes`, `tolist`, `hex`), element-wise
//! comparison, and writing into a view (fill; copies are `copy_from`, in `ops`).

use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use core::fmt::{self, Write as _};

/// Element order for [`View::to_bytes`]: C (row-major, last axis fastest) or Fortran
/// (column-major, first axis fastest), as in `memoryview.tobytes(order=...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Order {
    /// Row-major: the last axis varies fastest.
    #[default]
    C,
    /// Column-major: the first axis varies fastest.
    F,
}

impl<'a, T: Sample, const D: usize> View<'a, T, D> {
    /// The values in C order, copied into a `Vec` (NumPy's `.ravel().tolist()` flattened).
    ///
    /// ```
    /// use viewlib::{U16Be, View};
    /// let png_bytes = [0x12u8, 0x34, 0xab, 0xcd];
    /// let samples = View::new(&png_bytes[..]).cast::<U16Be>()?;
    /// assert_eq!(samples.to_vec(), [0x1234, 0xabcd]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn to_vec(&self) -> Vec<T::Value> {
        let mut out = Vec::with_capacity(self.len());
        match self.as_slice() {
            Some(s) => out.extend(s.iter().map(|v| v.to_value())),
            None => out.extend(self.values()),
        }
        out
    }

    /// The samples' bytes, as stored (byte order untouched), in `order`: `memoryview.tobytes`.
    ///
    /// ```
    /// use viewlib::{Order, View};
    /// let m = View::from_slice(&[1u8, 2, 3, 4, 5, 6], [2, 3])?;
    /// assert_eq!(m.to_bytes(Order::C), [1, 2, 3, 4, 5, 6]);
    /// assert_eq!(m.to_bytes(Order::F), [1, 4, 2, 5, 3, 6]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn to_bytes(&self, order: Order) -> Vec<u8> {
        let view = match order {
            Order::C => *self,
            Order::F => self.reverse_axes(),
        };
        if let Some(s) = view.as_slice() {
            return bytemuck::cast_slice(s).to_vec();
        }
        let mut out = Vec::with_capacity(self.nbytes());
        for lane in view.lanes() {
            match lane.as_slice() {
                Some(s) => out.extend_from_slice(bytemuck::cast_slice(s)),
                None => lane
                    .iter()
                    .for_each(|v| out.extend_from_slice(bytemuck::bytes_of(v))),
            }
        }
        out
    }

    /// The bytes in C order as lowercase hex, `memoryview.hex()`.
    ///
    /// ```
    /// let v = viewlib::View::new(b"\xb9\x01\xef".as_slice());
    /// assert_eq!(v.hex(), "b901ef");
    /// ```
    #[must_use]
    pub fn hex(&self) -> String {
        let mut out = String::with_capacity(self.nbytes() * 2);
        for b in self.to_bytes(Order::C) {
            let _ = write!(out, "{b:02x}");
        }
        out
    }

    /// A `hexdump -C`-style dump of the bytes in C order: offset, 16 bytes, ASCII.
    ///
    /// ```
    /// let v = viewlib::View::new(b"Python memoryview".as_slice());
    /// assert_eq!(
    ///     v.hex_dump(),
    ///     "00000000  50 79 74 68 6f 6e 20 6d  65 6d 6f 72 79 76 69 65  |Python memoryvie|\n\
    ///      00000010  77                                                |w|\n"
    /// );
    /// ```
    #[must_use]
    pub fn hex_dump(&self) -> String {
        let bytes = self.to_bytes(Order::C);
        let mut out = String::new();
        for (line, chunk) in bytes.chunks(16).enumerate() {
            let _ = write!(out, "{:08x} ", line * 16);
            for k in 0..16 {
                if k == 8 {
                    out.push(' ');
                }
                match chunk.get(k) {
                    Some(b) => {
                        let _ = write!(out, " {b:02x}");
                    }
                    None => out.push_str("   "),
                }
            }
            out.push_str("  |");
            out.extend(chunk.iter().map(|&b| {
                if b.is_ascii_graphic() || b == b' ' {
                    b as char
                } else {
                    '.'
                }
            }));
            out.push_str("|\n");
        }
        out
    }
}

impl<T: Sample> View<'_, T, 1> {
    /// The values as a list, `memoryview.tolist()`.
    ///
    /// ```
    /// assert_eq!(viewlib::View::new(&[1u8, 2]).to_list(), [1, 2]);
    /// ```
    #[must_use]
    pub fn to_list(&self) -> Vec<T::Value> {
        self.to_vec()
    }
}

impl<T: Sample> View<'_, T, 2> {
    /// The values as nested lists, `memoryview.tolist()`.
    ///
    /// ```
    /// let m = viewlib::View::from_slice(&[0u8, 1, 2, 3, 4, 5], [2, 3])?;
    /// assert_eq!(m.to_list(), vec![vec![0, 1, 2], vec![3, 4, 5]]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn to_list(&self) -> Vec<Vec<T::Value>> {
        // `rows`, not `lanes`: a `[2, 0]` view is two empty rows, and lanes of an empty view
        // are none.
        self.rows().map(|row| row.to_vec()).collect()
    }
}

impl<T: Sample> View<'_, T, 3> {
    /// The values as nested lists `[row][column][channel]`, `memoryview.tolist()`.
    ///
    /// ```
    /// let image = viewlib::View::from_slice(&[1u8, 2, 3, 4], [1, 2, 2])?;
    /// assert_eq!(image.to_list(), vec![vec![vec![1, 2], vec![3, 4]]]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    #[must_use]
    pub fn to_list(&self) -> Vec<Vec<Vec<T::Value>>> {
        self.rows().map(|row| row.to_list()).collect()
    }
}

impl<'a, T: Sample, const D: usize> ViewMut<'a, T, D> {
    /// Writes `value` into every element (in parallel for large views).
    ///
    /// ```
    /// let mut px = [0u8; 2 * 2 * 4];
    /// let image = viewlib::ViewMut::from_slice(&mut px, [2, 2, 4])?;
    /// image.channel(3)?.fill(255); // opaque alpha, colour untouched
    /// assert_eq!(px[..8], [0, 0, 0, 255, 0, 0, 0, 255]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn fill(&mut self, value: T::Value) {
        let sample = T::from_value(value);
        let run = |run: &mut [T]| run.fill(sample);
        crate::ops::for_each_run(self.reborrow(), &run, &|v: &mut T| *v = sample);
    }
}

/// Views are equal when their shapes are and their values are, element by element, whatever
/// their strides, offsets or byte orders (as `memoryview` compares by unpacked value).
impl<'b, T, U, const D: usize> PartialEq<View<'b, U, D>> for View<'_, T, D>
where
    T: Sample,
    U: Sample<Value = T::Value>,
{
    fn eq(&self, other: &View<'b, U, D>) -> bool {
        self.shape() == other.shape() && self.values().eq(other.values())
    }
}

impl<'b, T, U, const D: usize> PartialEq<ViewMut<'b, U, D>> for ViewMut<'_, T, D>
where
    T: Sample,
    U: Sample<Value = T::Value>,
{
    fn eq(&self, other: &ViewMut<'b, U, D>) -> bool {
        self.view() == other.view()
    }
}

macro_rules! debug_view {
    ($ty:ident) => {
        impl<T: Sample, const D: usize> fmt::Debug for $ty<'_, T, D> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($ty))
                    .field("format", &T::FORMAT)
                    .field("shape", &self.shape())
                    .field("strides", &self.strides())
                    .field("offset_bytes", &self.offset_bytes())
                    .finish()
            }
        }
    };
}
debug_view!(View);
debug_view!(ViewMut);
