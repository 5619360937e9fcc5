//! Channel operations in place: fill or zero channels, keep one, swap two (RGB <-> BGR).

use crate::error::{Result, ViewError};
use crate::ops::traverse::for_each_pixel_run;
use crate::raw::ViewMut;
use crate::sample::Sample;

fn check_channel(channel: usize, channels: usize) -> Result<()> {
    if channel < channels {
        Ok(())
    } else {
        Err(ViewError::IndexOutOfRange {
            axis: 2,
            index: isize::try_from(channel).unwrap_or(isize::MAX),
            len: channels,
        })
    }
}

impl<T: Sample> ViewMut<'_, T, 3> {
    /// Writes `value` into channel `channel` of every pixel (e.g. an opaque alpha).
    ///
    /// ```
    /// let mut rgba = [1u8, 2, 3, 4, 5, 6, 7, 8];
    /// viewlib::ViewMut::from_slice(&mut rgba, [1, 2, 4])?.fill_channel_in_place(3, 255)?;
    /// assert_eq!(rgba, [1, 2, 3, 255, 5, 6, 7, 255]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn fill_channel_in_place(self, channel: usize, value: T::Value) -> Result<()> {
        let channels = self.channels();
        check_channel(channel, channels)?;
        let sample = T::from_value(value);
        let fill = |run: &mut [T]| {
            for px in run.chunks_exact_mut(channels) {
                px[channel] = sample;
            }
        };
        if let Err(image) = for_each_pixel_run(self, &fill) {
            image.channel(channel)?.fill(value);
        }
        Ok(())
    }

    /// Keeps channel `channel` and zeroes the others ("show only green").
    ///
    /// ```
    /// let mut rgb = [1u8, 2, 3, 4, 5, 6];
    /// viewlib::ViewMut::from_slice(&mut rgb, [1, 2, 3])?.keep_channel_in_place(1)?;
    /// assert_eq!(rgb, [0, 2, 0, 0, 5, 0]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn keep_channel_in_place(self, channel: usize) -> Result<()> {
        let channels = self.channels();
        check_channel(channel, channels)?;
        let zero = T::zeroed();
        let keep = |run: &mut [T]| {
            for px in run.chunks_exact_mut(channels) {
                let kept = px[channel];
                px.fill(zero);
                px[channel] = kept;
            }
        };
        if let Err(mut image) = for_each_pixel_run(self, &keep) {
            for c in (0..channels).filter(|&c| c != channel) {
                image.reborrow().channel(c)?.fill(zero.to_value());
            }
        }
        Ok(())
    }

    /// Swaps two channels of every pixel: `swap_channels_in_place(0, 2)` turns RGB into BGR.
    ///
    /// ```
    /// let mut rgb = [1u8, 2, 3, 4, 5, 6];
    /// viewlib::ViewMut::from_slice(&mut rgb, [1, 2, 3])?.swap_channels_in_place(0, 2)?;
    /// assert_eq!(rgb, [3, 2, 1, 6, 5, 4]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn swap_channels_in_place(self, a: usize, b: usize) -> Result<()> {
        let channels = self.channels();
        check_channel(a, channels)?;
        check_channel(b, channels)?;
        if a == b {
            return Ok(());
        }
        let swap = |run: &mut [T]| {
            for px in run.chunks_exact_mut(channels) {
                px.swap(a, b);
            }
        };
        if let Err(image) = for_each_pixel_run(self, &swap) {
            // Two disjoint channel views of one image: split so both can be written.
            let (lo, hi) = (a.min(b), a.max(b));
            let (left, right) = image.split_at(2, hi)?;
            let mut x = left.channel(lo)?;
            let mut y = right.channel(0)?;
            for (p, q) in x.iter_mut().zip(y.iter_mut()) {
                core::mem::swap(p, q);
            }
        }
        Ok(())
    }
}
