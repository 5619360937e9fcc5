//! How much a decoder may allocate.

/// Decoding limits, checked against the headers before anything large is allocated.
///
/// The defaults admit any photograph (up to 256 megapixels, 1 GiB) and refuse decompression
/// bombs: a few hundred bytes declaring a 100000 x 100000 image.
///
/// `max_bytes` bounds what decoding really allocates: the pixels plus the decoder's working
/// memory, which viewlib computes per format from the file's headers before the decoder runs
/// (a progressive JPEG's coefficients, a TIFF's second buffer, a WebP frame's planes, ...;
/// the table is in the `io` module's source, `preflight/mod.rs`). Streaming readers and
/// writers count their row buffers against it.
///
/// ```
/// use viewlib::io::Limits;
/// let strict = Limits { max_pixels: 4096 * 4096, ..Limits::default() };
/// assert_eq!(strict.max_bytes, 1 << 30);
/// assert_eq!(Limits::none().max_pixels, u64::MAX);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest `width * height` accepted.
    pub max_pixels: u64,
    /// The most bytes decoding one image may allocate: the pixels and the decoder's working
    /// memory together.
    pub max_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_pixels: 1 << 28,
            max_bytes: 1 << 30,
        }
    }
}

impl Limits {
    /// No limits: for trusted files larger than the defaults admit.
    #[must_use]
    pub fn none() -> Self {
        Limits {
            max_pixels: u64::MAX,
            max_bytes: u64::MAX,
        }
    }

    /// The same limits in the `image` crate's terms.
    pub(crate) fn to_image(self) -> image::Limits {
        let mut limits = image::Limits::no_limits();
        limits.max_alloc = Some(self.max_bytes);
        limits
    }

    /// Checks an image's dimensions and the bytes decoding it needs against the limits.
    ///
    /// ```
    /// use viewlib::io::{FileErrorKind, Limits};
    /// let limits = Limits { max_pixels: 100, max_bytes: 1000 };
    /// assert!(limits.check(10, 10, 400).is_ok());
    /// assert!(matches!(limits.check(11, 10, 400), Err(FileErrorKind::TooManyPixels { pixels: 110, .. })));
    /// assert!(matches!(limits.check(10, 10, 1001), Err(FileErrorKind::TooManyBytes { needed: 1001, .. })));
    /// ```
    pub fn check(self, width: u64, height: u64, bytes: u64) -> Result<(), super::FileErrorKind> {
        let pixels = width.saturating_mul(height);
        if pixels > self.max_pixels {
            return Err(super::FileErrorKind::TooManyPixels {
                width,
                height,
                pixels,
                max_pixels: self.max_pixels,
            });
        }
        if bytes > self.max_bytes {
            return Err(super::FileErrorKind::TooManyBytes {
                needed: bytes,
                max_bytes: self.max_bytes,
            });
        }
        Ok(())
    }
}
