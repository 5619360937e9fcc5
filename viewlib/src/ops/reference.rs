//! Plain sequential references: the obvious per-element loop for each kernel, written with
//! `get`/`set` so that they share no code with the kernels they check.

use crate::ops::invert::Invert;
use crate::ops::lut::{Luma, LumaWeights};
use crate::raw::{View, ViewMut};
use crate::sample::Sample;

/// Every sample inverted, one index at a time.
pub fn invert_samples<T: Invert>(image: &mut ViewMut<'_, T, 3>) {
    invert_channels(image, &(0..image.channels()).collect::<Vec<_>>());
}

/// The listed channels inverted, one index at a time.
pub fn invert_channels<T: Invert>(image: &mut ViewMut<'_, T, 3>, channels: &[usize]) {
    let [h, w, _] = image.shape();
    for y in 0..h {
        for x in 0..w {
            for &c in channels {
                let v = *image.view().get_ref([y, x, c]).expect("in range");
                *image.get_mut([y, x, c]).expect("in range") = v.inverted();
            }
        }
    }
}

/// Channel `channel` of every pixel set to `value`.
pub fn fill_channel<T: Sample>(image: &mut ViewMut<'_, T, 3>, channel: usize, value: T::Value) {
    let [h, w, _] = image.shape();
    for y in 0..h {
        for x in 0..w {
            image.set([y, x, channel], value);
        }
    }
}

/// Every channel but `channel` zeroed.
pub fn keep_channel<T: Sample>(image: &mut ViewMut<'_, T, 3>, channel: usize) {
    for c in (0..image.channels()).filter(|&c| c != channel) {
        fill_channel(image, c, T::zeroed().to_value());
    }
}

/// Channels `a` and `b` swapped in every pixel.
pub fn swap_channels<T: Sample>(image: &mut ViewMut<'_, T, 3>, a: usize, b: usize) {
    let [h, w, _] = image.shape();
    for y in 0..h {
        for x in 0..w {
            let (va, vb) = (image.get([y, x, a]).unwrap(), image.get([y, x, b]).unwrap());
            image.set([y, x, a], vb);
            image.set([y, x, b], va);
        }
    }
}

/// Every sample replaced by `f(sample)`.
pub fn map<T: Sample>(image: &mut ViewMut<'_, T, 3>, f: impl Fn(T::Value) -> T::Value) {
    let [h, w, c] = image.shape();
    for y in 0..h {
        for x in 0..w {
            for k in 0..c {
                let v = image.get([y, x, k]).unwrap();
                image.set([y, x, k], f(v));
            }
        }
    }
}

/// Luma of every pixel: `image`'s formula for RGB(A), channel 0 for gray(+alpha).
#[must_use]
pub fn luma<T: Luma>(image: &View<'_, T, 3>) -> Vec<T> {
    luma_with(image, LumaWeights::Rec709)
}

/// Luma of every pixel with the given weights for RGB(A), channel 0 for gray(+alpha).
#[must_use]
pub fn luma_with<T: Luma>(image: &View<'_, T, 3>, weights: LumaWeights) -> Vec<T> {
    let [h, w, c] = image.shape();
    let mut out = Vec::with_capacity(h * w);
    for y in 0..h {
        for x in 0..w {
            let px = |k| *image.get_ref([y, x, k]).unwrap();
            out.push(if c >= 3 {
                T::luma([px(0), px(1), px(2)], weights)
            } else {
                px(0)
            });
        }
    }
    out
}
