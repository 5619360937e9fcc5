//! What the imgdemo benchmarks share: a generated 12-megapixel photo.

use viewlib::ImageBuf;

/// Columns of the generated photo: 4000x3000 is 12 megapixels.
pub const WIDTH: usize = 4000;
/// Rows of the generated photo.
pub const HEIGHT: usize = 3000;

/// A smooth, photo-like 8-bit test image of `channels` channels (not constant, not noise).
pub fn photo(channels: usize) -> ImageBuf<u8> {
    let samples = (0..HEIGHT * WIDTH * channels)
        .map(|i| {
            let (p, k) = (i / channels, i % channels);
            let (y, x) = (p / WIDTH, p % WIDTH);
            ((x / 7 + y / 5 + k * 40 + (x * y) % 13) % 256) as u8
        })
        .collect();
    ImageBuf::from_vec(HEIGHT, WIDTH, channels, samples).expect("the shape fits")
}
