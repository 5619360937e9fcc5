//! A tour of viewlib's views on a real image: what each zero-copy view looks like in memory.
//!
//! `cargo run --release -p viewlib --example tour [IMAGE]`: with no IMAGE it draws a small
//! RGBA test card in memory. Prints, for each view, its shape, strides, offset and format, how
//! many bytes it spans, and that no pixel was copied.

use image::RgbaImage;
use viewlib::{ImageBuf, Order, Sample, U16Be, View};

fn describe<T: Sample, const D: usize>(name: &str, view: View<'_, T, D>, base: *const T) {
    let shares = if view.is_empty() {
        "empty".to_owned()
    } else {
        let delta = view.as_ptr() as isize - base as isize;
        format!("shares memory, first element at byte {delta}")
    };
    println!(
        "{name:<28} shape {:<16} byte strides {:<18} format {:<3} {}",
        format!("{:?}", view.shape()),
        format!("{:?}", view.byte_strides()),
        view.format(),
        shares,
    );
}

fn test_card(width: u32, height: u32) -> RgbaImage {
    RgbaImage::from_fn(width, height, |x, y| {
        let r = (x * 255 / width.max(1)) as u8;
        let g = (y * 255 / height.max(1)) as u8;
        let b = if (x / 8 + y / 8) % 2 == 0 { 220 } else { 40 };
        image::Rgba([r, g, b, 255 - r / 2])
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rgba = match std::env::args_os().nth(1) {
        Some(path) => image::open(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .into_rgba8(),
        None => test_card(64, 48),
    };
    let owned = ImageBuf::from(rgba); // moves the decoder's Vec: no copy
    let image = owned.view();
    let base = image.as_ptr();
    let [h, w, c] = image.shape();
    println!("{w}x{h} image, {c} channels, {} bytes\n", image.nbytes());

    describe("image", image, base);
    describe(
        "crop(w/4, h/4, w/2, h/2)",
        image.crop(w / 4, h / 4, w / 2, h / 2)?,
        base,
    );
    describe("channel(0) (red)", image.channel(0)?, base);
    describe("channel_range(..3) (RGB)", image.channel_range(..3)?, base);
    describe("flip_horizontal()", image.flip_horizontal(), base);
    describe("flip_vertical()", image.flip_vertical(), base);
    describe("transpose()", image.transpose(), base);
    describe(
        "every 2nd row and column",
        image.slice(viewlib::s![..;2, ..;2, ..])?,
        base,
    );
    let words = image.cast::<u32>()?;
    describe("cast::<u32>() (1 per pixel)", words, base.cast());
    let bytes = image.as_bytes()?;
    describe("as_bytes()", bytes, base);
    let be = image.cast::<U16Be>()?;
    describe("cast::<U16Be>() (PNG order)", be, base.cast());

    let pixel = image.pixel(w / 2, h / 2)?;
    println!("\npixel ({}, {}) = {:?}", w / 2, h / 2, pixel.to_vec());
    println!("first row, first 8 pixels, hexdump:");
    print!(
        "{}",
        image
            .row(0)?
            .slice_along(0, ..w.min(8))?
            .as_bytes()?
            .hex_dump()
    );
    let corner = image.crop(0, 0, 2.min(w), 2.min(h))?.channel(1)?;
    println!(
        "green of the top-left 2x2 as a list: {:?}",
        corner.to_list()
    );
    println!(
        "the same, Fortran order bytes: {:?}",
        corner.to_bytes(Order::F)
    );
    Ok(())
}
