//! The bundled test images in `assets/`, drawn with viewlib's own views.
//!
//! `cargo run -p imgdemo --bin make-assets` rewrites them; a test checks the committed files
//! still equal what this code draws.

use viewlib::{ImageBuf, ViewMut, s};

/// Width of [`testcard`].
pub const WIDTH: usize = 1280;
/// Height of [`testcard`].
pub const HEIGHT: usize = 720;

/// Paints every pixel of `area` with one RGBA colour (one strided fill per channel).
fn paint(mut area: ViewMut<'_, u8, 3>, rgba: [u8; 4]) {
    for (c, value) in rgba.into_iter().enumerate() {
        area.reborrow().channel(c).expect("RGBA").fill(value);
    }
}

/// `x` of `0..len` scaled to `0..=max`, rounded.
fn ramp(x: usize, len: usize, max: u32) -> u32 {
    ((x as u64 * u64::from(max) * 2 + (len as u64 - 1)) / (2 * (len as u64 - 1))) as u32
}

/// A 1280x720 RGBA test card: colour bars, gray and primary gradients, an alpha ramp, fine
/// line gratings (1 and 2 pixels), a checkerboard, an orientation wedge (so flips and
/// transposes are visible) and 16 gray steps.
///
/// ```
/// let card = imgdemo::testcard::testcard();
/// assert_eq!(card.shape(), [720, 1280, 4]);
/// assert_eq!(card.view().get([0, 0, 0]), Some(255)); // the white bar
/// ```
pub fn testcard() -> ImageBuf<u8> {
    let mut card = ImageBuf::new(HEIGHT, WIDTH, 4).expect("small");
    let mut view = card.view_mut();
    macro_rules! area {
        ($x:expr, $y:expr, $w:expr, $h:expr) => {
            view.reborrow()
                .crop($x, $y, $w, $h)
                .expect("inside the card")
        };
    }

    const BARS: [[u8; 3]; 8] = [
        [255, 255, 255],
        [255, 255, 0],
        [0, 255, 255],
        [0, 255, 0],
        [255, 0, 255],
        [255, 0, 0],
        [0, 0, 255],
        [0, 0, 0],
    ];
    for (i, [r, g, b]) in BARS.into_iter().enumerate() {
        paint(area!(i * 160, 0, 160, 200), [r, g, b, 255]);
    }

    for x in 0..WIDTH {
        let v = ramp(x, WIDTH, 255) as u8;
        paint(area!(x, 200, 1, 40), [v, v, v, 255]);
        paint(area!(x, 240, 1, 40), [v, 0, 0, 255]);
        paint(area!(x, 280, 1, 40), [0, v, 0, 255]);
        paint(area!(x, 320, 1, 40), [0, 0, v, 255]);
        paint(area!(x, 360, 1, 80), [255, 128, 0, v]);
    }

    // Gratings: every other column or row of a block, picked by a stepped slice.
    paint(area!(0, 440, 1280, 120), [0, 0, 0, 255]);
    paint(
        area!(0, 440, 320, 120).slice(s![.., ..;2, ..]).unwrap(),
        [255; 4],
    );
    let mut double = area!(320, 440, 320, 120);
    for phase in 0..2 {
        let columns = double.reborrow().slice(s![.., phase..;4, ..]);
        paint(columns.unwrap(), [255; 4]);
    }
    paint(
        area!(640, 440, 320, 120).slice(s![..;2, .., ..]).unwrap(),
        [255; 4],
    );
    let mut double = area!(960, 440, 320, 120);
    for phase in 0..2 {
        let rows = double.reborrow().slice(s![phase..;4, .., ..]);
        paint(rows.unwrap(), [255; 4]);
    }

    for cy in 0..5 {
        for cx in 0..40 {
            let v = if (cx + cy) % 2 == 0 { 230 } else { 25 };
            paint(area!(cx * 16, 560 + cy * 16, 16, 16), [v, v, v, 255]);
        }
    }
    paint(area!(640, 560, 640, 80), [32, 32, 40, 255]);
    for y in 0..80 {
        paint(area!(640, 560 + y, (y + 1) * 8, 1), [220, 40, 40, 255]);
    }

    for step in 0..16 {
        let v = (step * 17) as u8;
        paint(area!(step * 80, 640, 80, 80), [v, v, v, 255]);
    }
    card
}

/// A 1024x256 RGB test strip at 16 bits: gray, red, green and blue ramps from 0 to 65535,
/// with 64 distinct values between neighbouring 8-bit levels.
///
/// ```
/// let strip = imgdemo::testcard::gradient16();
/// assert_eq!(strip.shape(), [256, 1024, 3]);
/// assert_eq!(strip.view().get([0, 1023, 1]), Some(65535));
/// ```
pub fn gradient16() -> ImageBuf<u16> {
    const W: usize = 1024;
    let mut strip = ImageBuf::new(256, W, 3).expect("small");
    let mut view = strip.view_mut();
    for x in 0..W {
        let v = ramp(x, W, 65535) as u16;
        let mut column = view.reborrow().crop(x, 0, 1, 256).expect("inside");
        column.reborrow().crop(0, 0, 1, 64).unwrap().fill(v);
        for channel in 0..3 {
            let band = column
                .reborrow()
                .crop(0, 64 * (channel + 1), 1, 64)
                .unwrap();
            band.channel(channel).unwrap().fill(v);
        }
    }
    strip
}

#[cfg(test)]
mod tests {
    use super::*;
    use viewlib::DynImageBuf;
    use viewlib::io::load;

    fn asset(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../assets")
            .join(name)
    }

    #[test]
    fn committed_assets_equal_what_the_generator_draws() {
        let DynImageBuf::U8(card) = load(asset("testcard.png")).unwrap() else {
            panic!("testcard.png is 8-bit")
        };
        assert!(
            card == testcard(),
            "assets/testcard.png is stale: run make-assets"
        );
        let DynImageBuf::U16(strip) = load(asset("testcard16.png")).unwrap() else {
            panic!("testcard16.png is 16-bit")
        };
        assert!(
            strip == gradient16(),
            "assets/testcard16.png is stale: run make-assets"
        );
    }

    #[test]
    fn ramps_reach_both_ends_and_the_16_bit_strip_has_fine_steps() {
        assert_eq!((ramp(0, 1280, 255), ramp(1279, 1280, 255)), (0, 255));
        let strip = gradient16();
        let gray: Vec<u16> = (0..1024)
            .map(|x| strip.view().get([0, x, 0]).unwrap())
            .collect();
        assert!(gray.windows(2).all(|w| w[1] > w[0]));
        assert_eq!(strip.view().get([100, 512, 1]), Some(0)); // red band: green is 0
    }
}
