//! Real images from the shared corpus, decoded by `image`, moved into viewlib without a copy,
//! and read back through views: every value must match what `image` decoded.

use image::{DynamicImage, ImageReader};
use std::path::Path;
use viewlib::{DynImageBuf, ImageBuf, Sample, U16Be, View};
use viewlib_e2e::{corpus_dir, manifest};

fn decode(corpus: &Path, path: &str) -> DynamicImage {
    ImageReader::open(corpus.join(path))
        .and_then(|r| r.with_guessed_format())
        .expect("open")
        .decode()
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Compares every sample of `view` with `image`'s own per-pixel accessor.
fn assert_same_samples<T: Sample>(path: &str, view: View<'_, T, 3>, image: &DynamicImage)
where
    T::Value: Into<f64>,
{
    let wide = image.to_rgba32f(); // a reference path independent of the views
    for y in 0..view.height() {
        for x in 0..view.width() {
            let px = wide.get_pixel(x as u32, y as u32).0;
            let ours: Vec<f64> = view.pixel(x, y).unwrap().values().map(Into::into).collect();
            let scale = match T::FORMAT {
                "B" => 255.0,
                "H" => 65535.0,
                _ => 1.0,
            };
            // Gray images spread one value over R, G, B; the alpha is last.
            let theirs: Vec<f64> = match ours.len() {
                1 => vec![px[0] as f64],
                2 => vec![px[0] as f64, px[3] as f64],
                3 => px[..3].iter().map(|&v| v as f64).collect(),
                _ => px.iter().map(|&v| v as f64).collect(),
            };
            for (a, b) in ours.iter().zip(&theirs) {
                assert!(
                    (a / scale - b).abs() < 1e-6,
                    "{path} at ({x}, {y}): {ours:?} vs {theirs:?}"
                );
            }
        }
    }
}

#[test]
fn every_decodable_file_moves_into_a_view_unchanged() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let mut checked = 0;
    for row in manifest(&corpus).into_iter().filter(|r| r.decodes) {
        let image = decode(&corpus, &row.path);
        let (channels, bits) = row.channels_and_bits();
        let before = match &image {
            DynamicImage::ImageLuma8(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageLumaA8(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageRgb8(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageRgba8(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageLuma16(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageLumaA16(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageRgb16(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageRgba16(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageRgb32F(b) => b.as_raw().as_ptr() as usize,
            DynamicImage::ImageRgba32F(b) => b.as_raw().as_ptr() as usize,
            other => panic!("{}: unexpected {:?}", row.path, other.color()),
        };
        let owned = DynImageBuf::from(image.clone());
        let shape = [row.height as usize, row.width as usize, channels];
        assert_eq!(owned.shape(), shape, "{}", row.path);
        assert_eq!(owned.bits_per_sample(), bits, "{}", row.path);
        let after = match &owned {
            DynImageBuf::U8(b) => {
                assert_same_samples(&row.path, b.view(), &image);
                b.as_slice().as_ptr() as usize
            }
            DynImageBuf::U16(b) => {
                assert_same_samples(&row.path, b.view(), &image);
                b.as_slice().as_ptr() as usize
            }
            DynImageBuf::F32(b) => {
                assert_same_samples(&row.path, b.view(), &image);
                b.as_slice().as_ptr() as usize
            }
            other => panic!("{}: unexpected {other:?}", row.path),
        };
        // The clone above made a new allocation; the conversion of that clone must not.
        assert_ne!(before, after, "{}: clone shares memory?", row.path);
        // Moving back out is free too.
        let back = DynamicImage::try_from(owned).unwrap();
        assert_eq!(back, image, "{}", row.path);
        checked += 1;
    }
    assert!(checked >= 190, "only {checked} files checked");
}

#[test]
fn owned_conversion_does_not_copy() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let image = decode(&corpus, "photos/astronaut.png");
    let rgb = image.into_rgb8();
    let ptr = rgb.as_raw().as_ptr();
    let owned = ImageBuf::from(rgb);
    assert_eq!(owned.as_slice().as_ptr(), ptr);
}

/// PNG stores 16-bit samples big-endian. Read the raw bytes with the `png` crate (no
/// transformation, so no byte swap) and view them as `U16Be`: the values must equal `image`'s
/// decoded (byte-swapped) samples.
#[test]
fn sixteen_bit_png_bytes_read_as_big_endian_views() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let mut checked = 0;
    for row in manifest(&corpus)
        .into_iter()
        .filter(|r| r.decodes && r.path.ends_with(".png") && r.channels_and_bits().1 == 16)
    {
        let file = std::fs::File::open(corpus.join(&row.path)).unwrap();
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::IDENTITY);
        let mut reader = decoder.read_info().unwrap();
        let mut raw = vec![0u8; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut raw).unwrap();
        assert_eq!(info.bit_depth, png::BitDepth::Sixteen, "{}", row.path);
        let png_channels = info.color_type.samples();
        let raw = &raw[..info.buffer_size()];
        let big_endian = View::new(raw)
            .cast_shape::<U16Be, 3>([info.height as usize, info.width as usize, png_channels])
            .unwrap();
        assert_eq!(big_endian.format(), ">H");

        let decoded = DynImageBuf::from(decode(&corpus, &row.path));
        let DynImageBuf::U16(native) = decoded else {
            panic!("{}: not 16-bit", row.path)
        };
        // `image` adds an alpha channel for tRNS; compare the channels the file stores.
        let native = native.view().channel_range(..png_channels).unwrap();
        assert_eq!(big_endian, native, "{}", row.path);
        assert_eq!(big_endian.to_vec(), native.to_vec());
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} 16-bit PNGs");
}

/// Geometry through views (no copies) equals the `image` crate's copying operations.
#[test]
fn views_agree_with_imageops() {
    use image::imageops;
    let Some(corpus) = corpus_dir() else {
        return;
    };
    for path in [
        "photos/astronaut.png",
        "photos/tmshre_riaphotographs_alpha.png",
    ] {
        let rgba = decode(&corpus, path).into_rgba8();
        let view = View::from_image(&rgba);
        let as_buf = |v: View<'_, u8, 3>| -> image::RgbaImage {
            v.to_image_buf().unwrap().into_image().unwrap()
        };
        let crop = view.crop(37, 101, 200, 150).unwrap();
        assert_eq!(
            as_buf(crop),
            imageops::crop_imm(&rgba, 37, 101, 200, 150).to_image()
        );
        assert_eq!(crop.position_in(&view), Some([101, 37, 0]));
        assert_eq!(
            as_buf(view.flip_horizontal()),
            imageops::flip_horizontal(&rgba)
        );
        assert_eq!(as_buf(view.flip_vertical()), imageops::flip_vertical(&rgba));
        assert_eq!(
            as_buf(view.flip_vertical().flip_horizontal()),
            imageops::rotate180(&rgba)
        );
        // A clockwise quarter turn is a transpose followed by a horizontal flip.
        assert_eq!(
            as_buf(view.transpose().flip_horizontal()),
            imageops::rotate90(&rgba)
        );
        assert_eq!(
            as_buf(view.transpose().flip_vertical()),
            imageops::rotate270(&rgba)
        );
        for c in 0..4 {
            let channel = view.channel(c).unwrap();
            let expected: Vec<u8> = rgba.pixels().map(|p| p.0[c]).collect();
            assert_eq!(channel.to_vec(), expected);
        }
    }
}
