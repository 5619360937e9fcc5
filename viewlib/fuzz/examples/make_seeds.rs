//! Writes the fuzz targets' seed inputs into `fuzz/seeds/<target>/`: small images of every
//! format `image` writes (and a few it only reads: interlaced and palette PNG, progressive
//! JPEG, ASCII PNM), the repository's small assets, and inputs for the header and view
//! targets. Deterministic: running it again rewrites the same files.
//!
//! ```text
//! cd viewlib/fuzz && cargo run --example make_seeds
//! ```

use image::codecs::pnm::{PnmEncoder, PnmSubtype, SampleEncoding};
use image::{DynamicImage, ImageBuffer, ImageFormat, Rgb, Rgba};
use std::io::Cursor;
use std::path::{Path, PathBuf};

const W: u32 = 23;
const H: u32 = 13;
/// Seeds stay below this, so `-max_len` (capped at the largest seed otherwise) stays small.
const MAX_SEED: usize = 64 * 1024;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut load: Vec<(String, Vec<u8>)> = Vec::new();

    // Everything `image` encodes, from 8/16-bit and float images.
    let rgba16 = picture();
    let formats: &[(&str, ImageFormat, &[Color])] = &[
        (
            "png",
            ImageFormat::Png,
            &[
                Color::L8,
                Color::La8,
                Color::Rgb8,
                Color::Rgba8,
                Color::L16,
                Color::La16,
                Color::Rgb16,
                Color::Rgba16,
            ],
        ),
        ("jpg", ImageFormat::Jpeg, &[Color::L8, Color::Rgb8]),
        ("gif", ImageFormat::Gif, &[Color::Rgb8, Color::Rgba8]),
        (
            "bmp",
            ImageFormat::Bmp,
            &[Color::L8, Color::Rgb8, Color::Rgba8],
        ),
        (
            "tiff",
            ImageFormat::Tiff,
            &[
                Color::L8,
                Color::L16,
                Color::Rgb8,
                Color::Rgba16,
                Color::Rgb32F,
            ],
        ),
        ("webp", ImageFormat::WebP, &[Color::Rgb8, Color::Rgba8]),
        ("pam", ImageFormat::Pnm, &[Color::L8, Color::Rgba16]),
        (
            "tga",
            ImageFormat::Tga,
            &[Color::L8, Color::Rgb8, Color::Rgba8],
        ),
        ("ico", ImageFormat::Ico, &[Color::Rgba8]),
        ("hdr", ImageFormat::Hdr, &[Color::Rgb32F]),
        ("qoi", ImageFormat::Qoi, &[Color::Rgb8, Color::Rgba8]),
        ("ff", ImageFormat::Farbfeld, &[Color::Rgba16]),
        (
            "exr",
            ImageFormat::OpenExr,
            &[Color::Rgb32F, Color::Rgba32F],
        ),
    ];
    for (ext, format, colors) in formats {
        for color in *colors {
            let image = color.convert(&rgba16);
            let mut bytes = Cursor::new(Vec::new());
            image
                .write_to(&mut bytes, *format)
                .unwrap_or_else(|e| panic!("{ext} {color:?}: {e}"));
            load.push((
                format!("{ext}_{color:?}.{ext}").to_lowercase(),
                bytes.into_inner(),
            ));
        }
    }
    // Variants the plain encoders do not make.
    let rgb8 = Color::Rgb8.convert(&rgba16).into_rgb8();
    let gray8 = Color::L8.convert(&rgba16).into_luma8();
    let mut tga = Vec::new();
    image::codecs::tga::TgaEncoder::new(&mut tga)
        .disable_rle()
        .encode(rgb8.as_raw(), W, H, image::ExtendedColorType::Rgb8)
        .unwrap();
    load.push(("tga_rgb8_raw.tga".into(), tga));
    for (name, subtype, image) in [
        (
            "pnm_p2_ascii.pgm",
            PnmSubtype::Graymap(SampleEncoding::Ascii),
            DynamicImage::from(gray8.clone()),
        ),
        (
            "pnm_p3_ascii.ppm",
            PnmSubtype::Pixmap(SampleEncoding::Ascii),
            DynamicImage::from(rgb8.clone()),
        ),
        (
            "pnm_p5_8.pgm",
            PnmSubtype::Graymap(SampleEncoding::Binary),
            Color::L8.convert(&rgba16),
        ),
        (
            "pnm_p6_8.ppm",
            PnmSubtype::Pixmap(SampleEncoding::Binary),
            Color::Rgb8.convert(&rgba16),
        ),
    ] {
        let mut bytes = Vec::new();
        PnmEncoder::new(&mut bytes)
            .with_subtype(subtype)
            .encode(image.as_bytes(), W, H, image.color().into())
            .unwrap();
        load.push((name.into(), bytes));
    }
    // 16-bit binary PNM (the encoder above writes 8-bit only): big-endian samples.
    for (name, magic, image) in [
        ("pnm_p5_16.pgm", "P5", Color::L16.convert(&rgba16)),
        ("pnm_p6_16.ppm", "P6", Color::Rgb16.convert(&rgba16)),
    ] {
        let mut bytes = format!("{magic}\n{W} {H}\n65535\n").into_bytes();
        let samples: &[u16] = match &image {
            DynamicImage::ImageLuma16(i) => i.as_raw(),
            DynamicImage::ImageRgb16(i) => i.as_raw(),
            _ => unreachable!(),
        };
        bytes.extend(samples.iter().flat_map(|s| s.to_be_bytes()));
        load.push((name.into(), bytes));
    }
    for (name, color, progressive) in [
        (
            "jpg_progressive_rgb.jpg",
            jpeg_encoder::ColorType::Rgb,
            true,
        ),
        (
            "jpg_progressive_gray.jpg",
            jpeg_encoder::ColorType::Luma,
            true,
        ),
        (
            "jpg_baseline_restart.jpg",
            jpeg_encoder::ColorType::Rgb,
            false,
        ),
    ] {
        let mut bytes = Vec::new();
        let mut encoder = jpeg_encoder::Encoder::new(&mut bytes, 80);
        encoder.set_progressive(progressive);
        if !progressive {
            encoder.set_restart_interval(2);
        }
        let data = if color == jpeg_encoder::ColorType::Luma {
            gray8.as_raw()
        } else {
            rgb8.as_raw()
        };
        encoder.encode(data, W as u16, H as u16, color).unwrap();
        load.push((name.into(), bytes));
    }
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        let frames = (0..2).map(|k| {
            let mut frame = DynamicImage::from(rgba16.clone()).into_rgba8();
            frame
                .pixels_mut()
                .for_each(|p| p[0] = p[0].wrapping_add(k * 60));
            image::Frame::new(frame)
        });
        encoder.encode_frames(frames).unwrap();
    }
    load.push(("gif_animated.gif".into(), gif));
    let pngs = extra_pngs(&rgba16);
    load.extend(pngs.iter().cloned());
    // PNM headers the mapped reader accepts and image's encoder does not write.
    let pnm = pnm_variants(&gray8);
    load.extend(pnm.iter().cloned());
    // The repository's own small images.
    let assets = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets");
    for entry in std::fs::read_dir(&assets).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            if bytes.len() < MAX_SEED {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                load.push((format!("asset_{name}"), bytes));
            }
        }
    }
    write_all(&root.join("load"), &load);

    // png_rows: two control bytes, then a PNG.
    let controls: [[u8; 2]; 3] = [[0x00, 0x00], [0x93, 0x06], [0x7f, 0x0b]];
    let mut rows = Vec::new();
    for (name, bytes) in load.iter().filter(|(n, _)| n.ends_with(".png")) {
        for (k, control) in controls.iter().enumerate() {
            let mut input = control.to_vec();
            input.extend_from_slice(bytes);
            rows.push((format!("{}_{k}.bin", name.trim_end_matches(".png")), input));
        }
    }
    write_all(&root.join("png_rows"), &rows);

    // pnm_header and mapped_open: the binary PNM and farbfeld files.
    let mapped: Vec<_> = load
        .iter()
        .filter(|(n, b)| {
            (n.ends_with(".pnm") || n.ends_with(".ff") || n.starts_with("pnm_"))
                && (b.starts_with(b"P5") || b.starts_with(b"P6") || b.starts_with(b"farbfeld"))
        })
        .cloned()
        .collect();
    write_all(&root.join("mapped_open"), &mapped);
    let mut headers: Vec<(String, Vec<u8>)> = mapped
        .iter()
        .map(|(n, b)| (n.clone(), b[..b.len().min(64)].to_vec()))
        .collect();
    for (k, text) in [
        &b"P5\n# comment\n3 2\n255\n"[..],
        b"P6 1 1 65535\r",
        b"P5\t7#c\r5\x0b\x0c1000 ",
        b"P3 1 1 255\n1 2 3",
        b"P7\nWIDTH 1\n",
        b"P6 99999999999999999999 5 255\n",
        b"P6 4294967296 4294967296 65535\n",
        b"farbfeld\x00\x00\x00\x03\x00\x00\x00\x02",
        b"farbfeld\xff\xff\xff\xff\xff\xff\xff\xff",
        b">u2",
        b"<f8",
    ]
    .iter()
    .enumerate()
    {
        headers.push((format!("header_{k}.bin"), text.to_vec()));
    }
    write_all(&root.join("pnm_header"), &headers);

    // views: arbitrary bytes drive it; a few deterministic pseudo-random inputs.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let views: Vec<_> = (0..12)
        .map(|k| {
            let len = 24 + k * 8;
            let bytes = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 24) as u8
                })
                .collect();
            (format!("random_{k:02}.bin"), bytes)
        })
        .collect();
    write_all(&root.join("views"), &views);
}

/// A picture with gradients, edges and some noise: compresses, but not to nothing.
fn picture() -> ImageBuffer<Rgba<u16>, Vec<u16>> {
    let mut noise = 0x1234_5678u32;
    ImageBuffer::from_fn(W, H, |x, y| {
        noise = noise.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let n = (noise >> 22) as u16;
        let edge = if (x / 4 + y / 3) % 2 == 0 { 0x8000 } else { 0 };
        Rgba([
            (x * 65535 / (W - 1)) as u16,
            (y * 65535 / (H - 1)) as u16 ^ edge,
            n.wrapping_mul(61),
            if x < 3 { 0 } else { 0xffff - (y as u16 * 1000) },
        ])
    })
}

#[derive(Debug, Clone, Copy)]
enum Color {
    L8,
    La8,
    Rgb8,
    Rgba8,
    L16,
    La16,
    Rgb16,
    Rgba16,
    Rgb32F,
    Rgba32F,
}

impl Color {
    fn convert(self, image: &ImageBuffer<Rgba<u16>, Vec<u16>>) -> DynamicImage {
        let image = DynamicImage::from(image.clone());
        match self {
            Color::L8 => image.into_luma8().into(),
            Color::La8 => image.into_luma_alpha8().into(),
            Color::Rgb8 => image.into_rgb8().into(),
            Color::Rgba8 => image.into_rgba8().into(),
            Color::L16 => image.into_luma16().into(),
            Color::La16 => image.into_luma_alpha16().into(),
            Color::Rgb16 => image.into_rgb16().into(),
            Color::Rgba16 => image,
            Color::Rgb32F => image.into_rgb32f().into(),
            Color::Rgba32F => image.into_rgba32f().into(),
        }
    }
}

/// PNGs `image` does not write: palette (with and without transparency), 1/2/4-bit gray,
/// and Adam7-interlaced 8-bit RGB and 16-bit gray (written by hand, stored deflate blocks).
fn extra_pngs(picture: &ImageBuffer<Rgba<u16>, Vec<u16>>) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let rgb8 = DynamicImage::from(picture.clone()).into_rgb8();
    // Palette: 16 colours from the red and green channels' top bits.
    let palette: Vec<u8> = (0..16u8)
        .flat_map(|k| [k * 17, 255 - k * 17, k * 5])
        .collect();
    let indices: Vec<u8> = rgb8
        .pixels()
        .map(|p| (p[0] >> 6) << 2 | p[1] >> 6)
        .collect();
    for (name, trns) in [("png_palette.png", false), ("png_palette_trns.png", true)] {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, W, H);
        encoder.set_color(png::ColorType::Indexed);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_palette(palette.clone());
        if trns {
            encoder.set_trns((0..16u8).map(|k| k * 16).collect::<Vec<_>>());
        }
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&indices)
            .unwrap();
        out.push((name.to_string(), bytes));
    }
    for depth in [1u8, 2, 4] {
        let per_byte = 8 / depth as usize;
        let row_bytes = (W as usize).div_ceil(per_byte);
        let mut data = vec![0u8; row_bytes * H as usize];
        for (i, p) in rgb8.pixels().enumerate() {
            let (x, y) = (i % W as usize, i / W as usize);
            let v = p[1] >> (8 - depth);
            data[y * row_bytes + x / per_byte] |= v << (8 - depth as usize * (x % per_byte + 1));
        }
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, W, H);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(match depth {
            1 => png::BitDepth::One,
            2 => png::BitDepth::Two,
            _ => png::BitDepth::Four,
        });
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&data)
            .unwrap();
        out.push((format!("png_gray{depth}.png"), bytes));
    }
    let rgb: Vec<Vec<u8>> = (0..H)
        .map(|y| (0..W).flat_map(|x| rgb8.get_pixel(x, y).0).collect())
        .collect();
    out.push((
        "png_interlaced_rgb8.png".into(),
        interlaced_png(2, 8, 3, &rgb),
    ));
    let gray16: Vec<Vec<u8>> = (0..H)
        .map(|y| {
            (0..W)
                .flat_map(|x| picture.get_pixel(x, y)[1].to_be_bytes())
                .collect()
        })
        .collect();
    out.push((
        "png_interlaced_gray16.png".into(),
        interlaced_png(0, 16, 1, &gray16),
    ));
    out
}

/// An Adam7 PNG of `rows` (each `W` pixels of `channels` samples of `depth` bits, bytes as
/// stored), filter type 0, in stored (uncompressed) deflate blocks.
fn interlaced_png(color_type: u8, depth: u8, channels: usize, rows: &[Vec<u8>]) -> Vec<u8> {
    const PASSES: [(usize, usize, usize, usize); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let pixel = channels * depth as usize / 8;
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in PASSES {
        let xs: Vec<usize> = (x0..W as usize).step_by(dx).collect();
        if xs.is_empty() {
            continue;
        }
        for y in (y0..H as usize).step_by(dy) {
            raw.push(0);
            for &x in &xs {
                raw.extend_from_slice(&rows[y][x * pixel..(x + 1) * pixel]);
            }
        }
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (k, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(k + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend(len.to_le_bytes());
        zlib.extend((!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in &raw {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    zlib.extend(((b << 16) | a).to_be_bytes());
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = [W.to_be_bytes(), H.to_be_bytes()].concat();
    ihdr.extend_from_slice(&[depth, color_type, 0, 0, 1]);
    for (name, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &zlib), (b"IEND", &[])] {
        png.extend((data.len() as u32).to_be_bytes());
        let mut body = name.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend(crc32(&body).to_be_bytes());
    }
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Binary PNM with comments, odd whitespace and a maxval that is not 255 or 65535.
fn pnm_variants(gray8: &image::GrayImage) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut p5 = format!("P5\n# a comment\n{W}\t{H}\r\n# another\n255\n").into_bytes();
    p5.extend_from_slice(gray8.as_raw());
    out.push(("pnm_p5_comments.pgm".into(), p5));
    let mut p6 = format!("P6 {W} {H} 1000\n").into_bytes();
    for p in gray8.as_raw() {
        for k in 0..3u16 {
            p6.extend((u16::from(*p) * 3 + k).min(1000).to_be_bytes());
        }
    }
    out.push(("pnm_p6_maxval1000.ppm".into(), p6));
    let mut p6 = format!("P6 {W} {H} 15\n").into_bytes();
    p6.extend(gray8.as_raw().iter().flat_map(|p| [p >> 4, p & 15, 7]));
    out.push(("pnm_p6_maxval15.ppm".into(), p6));
    let rgb: ImageBuffer<Rgb<u8>, Vec<u8>> = ImageBuffer::from_fn(1, 1, |_, _| Rgb([1, 2, 3]));
    let mut p6 = b"P6 1 1 255\n".to_vec();
    p6.extend_from_slice(rgb.as_raw());
    out.push(("pnm_p6_1x1.ppm".into(), p6));
    out
}

fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        assert!(bytes.len() < MAX_SEED, "{name}: {} bytes", bytes.len());
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    println!("{}: {} files", dir.display(), files.len());
}
