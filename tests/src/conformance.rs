//! A conformance set the tests generate themselves, so a clone without the shared corpus still
//! checks decoding end to end: every PNG colour type at every bit depth, palettes with and
//! without transparency, transparency keys on gray and RGB, an Adam7-interlaced PNG, 16-bit
//! images, the other formats `image` writes, and truncated and corrupt variants.
//!
//! Pixels are odd-sized (13 x 7) ramps, so a decoder that drops a row, a column or a channel,
//! or swaps bytes, shows up.

use image::metadata::Orientation;
use image::{ExtendedColorType, ImageEncoder, ImageFormat};
use std::path::{Path, PathBuf};

const WIDTH: u32 = 13;
const HEIGHT: u32 = 7;

/// A good file and what `load` must make of it.
#[derive(Debug, Clone)]
pub struct GoodFile {
    /// Where it was written.
    pub path: PathBuf,
    /// `[height, width, channels]` after decoding.
    pub shape: [usize; 3],
    /// Bits per sample after decoding.
    pub bits: u32,
}

/// The generated files.
#[derive(Debug, Clone, Default)]
pub struct ConformanceSet {
    /// Files every decoder path must load.
    pub good: Vec<GoodFile>,
    /// Truncated or corrupt files `load` must refuse with a decode error.
    pub bad: Vec<PathBuf>,
    /// An Adam7-interlaced 8-bit RGB PNG (also among `good`).
    pub interlaced: PathBuf,
    /// Files whose EXIF data says to turn or mirror them (also among `good`): PNGs with each
    /// of the eight orientations, a JPEG and a WebP; with the orientation they carry.
    pub oriented: Vec<(PathBuf, Orientation)>,
}

/// A minimal big-endian EXIF (TIFF) block holding only an orientation tag (0x0112).
pub fn exif_orientation_block(orientation: u8) -> Vec<u8> {
    let mut exif = b"MM\0\x2a\0\0\0\x08".to_vec(); // header, first directory at 8
    exif.extend_from_slice(&[0, 1]); // one entry
    exif.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]); // tag, SHORT, count 1
    exif.extend_from_slice(&[0, orientation, 0, 0]); // the value, padded to 4 bytes
    exif.extend_from_slice(&[0, 0, 0, 0]); // no next directory
    exif
}

/// Writes 13 x 7 8-bit RGB `samples` as `name` in `format` (PNG, JPEG or WebP) with EXIF
/// orientation `exif`.
fn write_oriented(
    dir: &Path,
    name: &str,
    format: ImageFormat,
    exif: u8,
    samples: &[u8],
) -> (PathBuf, Orientation) {
    use image::codecs::{jpeg::JpegEncoder, png::PngEncoder, webp::WebPEncoder};
    fn encode<E: ImageEncoder>(mut encoder: E, exif: u8, samples: &[u8]) -> image::ImageResult<()> {
        encoder
            .set_exif_metadata(exif_orientation_block(exif))
            .map_err(image::ImageError::Unsupported)?;
        encoder.write_image(samples, WIDTH, HEIGHT, ExtendedColorType::Rgb8)
    }
    let mut bytes = Vec::new();
    match format {
        ImageFormat::Png => encode(PngEncoder::new(&mut bytes), exif, samples),
        ImageFormat::Jpeg => encode(JpegEncoder::new_with_quality(&mut bytes, 95), exif, samples),
        ImageFormat::WebP => encode(WebPEncoder::new_lossless(&mut bytes), exif, samples),
        other => panic!("no EXIF for {other:?} here"),
    }
    .unwrap_or_else(|e| panic!("{name}: {e}"));
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    (path, Orientation::from_exif(exif).unwrap())
}

/// Sample `i` of a ramp at `bits` bits per sample.
fn ramp(i: usize, bits: u8) -> u16 {
    let max = (1u32 << bits) - 1;
    ((i as u32 * 37 + 11) % (max + 1)) as u16
}

/// PNG rows of `channels` samples at `bits` bits, packed as PNG packs them (big-endian,
/// sub-byte samples from the high bits).
fn png_rows(channels: usize, bits: u8) -> Vec<u8> {
    let samples = WIDTH as usize * channels;
    let mut out = Vec::new();
    for y in 0..HEIGHT as usize {
        let row: Vec<u16> = (0..samples).map(|i| ramp(y * samples + i, bits)).collect();
        match bits {
            16 => out.extend(row.iter().flat_map(|v| v.to_be_bytes())),
            8 => out.extend(row.iter().map(|&v| v as u8)),
            _ => {
                let per_byte = 8 / bits as usize;
                for chunk in row.chunks(per_byte) {
                    let mut byte = 0u8;
                    for (k, &v) in chunk.iter().enumerate() {
                        byte |= (v as u8) << (8 - bits as usize * (k + 1));
                    }
                    out.push(byte);
                }
            }
        }
    }
    out
}

struct PngSpec {
    name: &'static str,
    color: png::ColorType,
    bits: u8,
    trns: Option<Vec<u8>>,
    /// Channels and bits `image` decodes it to.
    decoded: (usize, u32),
}

fn write_png_file(path: &Path, spec: &PngSpec) {
    let file = std::fs::File::create(path).unwrap();
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), WIDTH, HEIGHT);
    encoder.set_color(spec.color);
    encoder.set_depth(png::BitDepth::from_u8(spec.bits).unwrap());
    let channels = match spec.color {
        png::ColorType::Grayscale | png::ColorType::Indexed => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
    };
    if spec.color == png::ColorType::Indexed {
        let entries = 1usize << spec.bits;
        let palette: Vec<u8> = (0..entries * 3).map(|i| (i * 29 % 256) as u8).collect();
        encoder.set_palette(palette);
    }
    if let Some(trns) = &spec.trns {
        encoder.set_trns(trns.clone());
    }
    let mut writer = encoder.write_header().unwrap();
    writer
        .write_image_data(&png_rows(channels, spec.bits))
        .unwrap();
    writer.finish().unwrap();
}

/// One PNG chunk: length, type, data, CRC.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let body = [kind.as_slice(), data].concat();
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
}

/// An Adam7-interlaced 8-bit RGB PNG of the ramp, written by hand: the `png` crate does not
/// write interlaced files.
fn interlaced_png() -> Vec<u8> {
    const PASSES: [(usize, usize, usize, usize); 7] = [
        (0, 0, 8, 8),
        (4, 0, 8, 8),
        (0, 4, 4, 8),
        (2, 0, 4, 4),
        (0, 2, 2, 4),
        (1, 0, 2, 2),
        (0, 1, 1, 2),
    ];
    let rows = png_rows(3, 8);
    let row_bytes = WIDTH as usize * 3;
    let mut raw = Vec::new();
    for (x0, y0, dx, dy) in PASSES {
        if x0 >= WIDTH as usize {
            continue;
        }
        for y in (y0..HEIGHT as usize).step_by(dy) {
            raw.push(0); // filter: none
            for x in (x0..WIDTH as usize).step_by(dx) {
                raw.extend_from_slice(&rows[y * row_bytes + x * 3..][..3]);
            }
        }
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = [WIDTH.to_be_bytes(), HEIGHT.to_be_bytes()].concat();
    ihdr.extend_from_slice(&[8, 2, 0, 0, 1]); // 8-bit RGB, Adam7
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &fdeflate::compress_to_vec(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Writes the set into `dir` (which must exist) and lists it.
pub fn write_set(dir: &Path) -> ConformanceSet {
    use png::ColorType::*;
    let specs = [
        PngSpec {
            name: "gray1",
            color: Grayscale,
            bits: 1,
            trns: None,
            decoded: (1, 8),
        },
        PngSpec {
            name: "gray2",
            color: Grayscale,
            bits: 2,
            trns: None,
            decoded: (1, 8),
        },
        PngSpec {
            name: "gray4",
            color: Grayscale,
            bits: 4,
            trns: None,
            decoded: (1, 8),
        },
        PngSpec {
            name: "gray8",
            color: Grayscale,
            bits: 8,
            trns: None,
            decoded: (1, 8),
        },
        PngSpec {
            name: "gray16",
            color: Grayscale,
            bits: 16,
            trns: None,
            decoded: (1, 16),
        },
        PngSpec {
            name: "gray8_trns",
            color: Grayscale,
            bits: 8,
            trns: Some(vec![0, 48]),
            decoded: (2, 8),
        },
        PngSpec {
            name: "gray_alpha8",
            color: GrayscaleAlpha,
            bits: 8,
            trns: None,
            decoded: (2, 8),
        },
        PngSpec {
            name: "gray_alpha16",
            color: GrayscaleAlpha,
            bits: 16,
            trns: None,
            decoded: (2, 16),
        },
        PngSpec {
            name: "rgb8",
            color: Rgb,
            bits: 8,
            trns: None,
            decoded: (3, 8),
        },
        PngSpec {
            name: "rgb16",
            color: Rgb,
            bits: 16,
            trns: None,
            decoded: (3, 16),
        },
        PngSpec {
            name: "rgb8_trns",
            color: Rgb,
            bits: 8,
            trns: Some(vec![0, 11, 0, 48, 0, 85]),
            decoded: (4, 8),
        },
        PngSpec {
            name: "rgba8",
            color: Rgba,
            bits: 8,
            trns: None,
            decoded: (4, 8),
        },
        PngSpec {
            name: "rgba16",
            color: Rgba,
            bits: 16,
            trns: None,
            decoded: (4, 16),
        },
        PngSpec {
            name: "palette1",
            color: Indexed,
            bits: 1,
            trns: None,
            decoded: (3, 8),
        },
        PngSpec {
            name: "palette2",
            color: Indexed,
            bits: 2,
            trns: None,
            decoded: (3, 8),
        },
        PngSpec {
            name: "palette4",
            color: Indexed,
            bits: 4,
            trns: None,
            decoded: (3, 8),
        },
        PngSpec {
            name: "palette8",
            color: Indexed,
            bits: 8,
            trns: None,
            decoded: (3, 8),
        },
        PngSpec {
            name: "palette4_trns",
            color: Indexed,
            bits: 4,
            trns: Some(vec![0, 128, 255]),
            decoded: (4, 8),
        },
    ];
    let mut set = ConformanceSet::default();
    let good = |path: PathBuf, (channels, bits): (usize, u32)| GoodFile {
        path,
        shape: [HEIGHT as usize, WIDTH as usize, channels],
        bits,
    };
    for spec in &specs {
        let path = dir.join(format!("{}.png", spec.name));
        write_png_file(&path, spec);
        set.good.push(good(path, spec.decoded));
    }
    set.interlaced = dir.join("rgb8_adam7.png");
    std::fs::write(&set.interlaced, interlaced_png()).unwrap();
    set.good.push(good(set.interlaced.clone(), (3, 8)));

    // Other formats, written by `image`.
    let rgb8: Vec<u8> = (0..(WIDTH * HEIGHT * 3) as usize)
        .map(|i| ramp(i, 8) as u8)
        .collect();
    let rgba8: Vec<u8> = (0..(WIDTH * HEIGHT * 4) as usize)
        .map(|i| ramp(i, 8) as u8)
        .collect();
    let rgb16: Vec<u8> = (0..(WIDTH * HEIGHT * 3) as usize)
        .flat_map(|i| ramp(i, 16).to_ne_bytes())
        .collect();
    let rgb32f: Vec<u8> = (0..(WIDTH * HEIGHT * 3) as usize)
        .flat_map(|i| (ramp(i, 8) as f32 / 255.0).to_ne_bytes())
        .collect();
    use ExtendedColorType as C;
    /// File name, format, samples, their colour type, and what `image` decodes it to.
    type Other<'a> = (&'a str, ImageFormat, &'a [u8], C, (usize, u32));
    let others: [Other; 13] = [
        ("rgb.jpg", ImageFormat::Jpeg, &rgb8, C::Rgb8, (3, 8)),
        ("rgb.bmp", ImageFormat::Bmp, &rgb8, C::Rgb8, (3, 8)),
        ("rgba.bmp", ImageFormat::Bmp, &rgba8, C::Rgba8, (4, 8)),
        ("rgb.tiff", ImageFormat::Tiff, &rgb8, C::Rgb8, (3, 8)),
        ("rgb16.tiff", ImageFormat::Tiff, &rgb16, C::Rgb16, (3, 16)),
        ("rgba.webp", ImageFormat::WebP, &rgba8, C::Rgba8, (4, 8)),
        ("rgba.gif", ImageFormat::Gif, &rgba8, C::Rgba8, (4, 8)),
        ("rgba.qoi", ImageFormat::Qoi, &rgba8, C::Rgba8, (4, 8)),
        ("rgb.ppm", ImageFormat::Pnm, &rgb8, C::Rgb8, (3, 8)),
        ("rgba.tga", ImageFormat::Tga, &rgba8, C::Rgba8, (4, 8)),
        ("rgba.ff", ImageFormat::Farbfeld, &rgba8, C::Rgba8, (4, 16)),
        ("rgba.ico", ImageFormat::Ico, &rgba8, C::Rgba8, (4, 8)),
        ("rgb.exr", ImageFormat::OpenExr, &rgb32f, C::Rgb32F, (3, 32)),
    ];
    for (name, format, data, color, decoded) in others {
        let path = dir.join(name);
        let mut bytes = std::io::Cursor::new(Vec::new());
        let data = if format == ImageFormat::Farbfeld {
            // Farbfeld is 16-bit RGBA.
            &data
                .iter()
                .flat_map(|&v| (u16::from(v) * 257).to_ne_bytes())
                .collect::<Vec<u8>>()
        } else {
            data
        };
        let color = if format == ImageFormat::Farbfeld {
            C::Rgba16
        } else {
            color
        };
        image::write_buffer_with_format(&mut bytes, data, WIDTH, HEIGHT, color, format)
            .unwrap_or_else(|e| panic!("writing {name}: {e}"));
        std::fs::write(&path, bytes.into_inner()).unwrap();
        set.good.push(good(path, decoded));
    }

    // EXIF orientation, in the files that carry it.
    for exif in 1..=8u8 {
        let name = format!("rgb8_exif{exif}.png");
        set.oriented
            .push(write_oriented(dir, &name, ImageFormat::Png, exif, &rgb8));
    }
    set.oriented.push(write_oriented(
        dir,
        "rgb_exif6.jpg",
        ImageFormat::Jpeg,
        6,
        &rgb8,
    ));
    set.oriented.push(write_oriented(
        dir,
        "rgb_exif8.webp",
        ImageFormat::WebP,
        8,
        &rgb8,
    ));
    for (path, _) in &set.oriented {
        set.good.push(good(path.clone(), (3, 8)));
    }

    // Bad files: cut short, and corrupted where a checksum or a header must catch it.
    let rgb8_png = std::fs::read(dir.join("rgb8.png")).unwrap();
    let mut bad = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        set.bad.push(path);
    };
    bad("cut_in_header.png", &rgb8_png[..20]);
    bad("cut_in_data.png", &rgb8_png[..rgb8_png.len() - 30]);
    let mut crc = rgb8_png.clone();
    let idat = crc.windows(4).position(|w| w == b"IDAT").unwrap();
    crc[idat + 6] ^= 0x55; // a data byte: the chunk's CRC no longer matches
    bad("bad_crc.png", &crc);
    let mut zero_width = rgb8_png.clone();
    zero_width[16..20].copy_from_slice(&[0, 0, 0, 0]);
    bad("zero_width.png", &zero_width);
    let gif = std::fs::read(dir.join("rgba.gif")).unwrap();
    bad("cut.gif", &gif[..gif.len() / 2]);
    let bmp = std::fs::read(dir.join("rgb.bmp")).unwrap();
    bad("cut.bmp", &bmp[..bmp.len() / 2]);
    let tiff = std::fs::read(dir.join("rgb.tiff")).unwrap();
    bad("cut.tiff", &tiff[..tiff.len() / 3]);
    set
}
