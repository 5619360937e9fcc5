//! Plain sequential references: the obvious per-element loop for each kernel, written with
//! `get`/`set` so that they share no code with the kernels they check.

use crate::ops::invert::Invert;
use crate::raw::ViewMut;

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
                let v = *image.view().get_sample([y, x, c]).expect("in range");
                *image.get_mut([y, x, c]).expect("in range") = v.inverted();
            }
        }
    }
}
