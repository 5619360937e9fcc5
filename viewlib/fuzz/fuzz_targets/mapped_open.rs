//! `viewlib::mapped::MappedImage::open` on arbitrary bytes written to a file: when it opens,
//! its layout is the header's, every sample is read through the file's sample type (u8 or
//! U16Be) and summed against the input's bytes, band by band too; other sample types are
//! refused. Then `MappedImageMut` flips every sample's bits band by band, and the file must
//! hold exactly the flipped samples with the header untouched.
#![no_main]

use libfuzzer_sys::fuzz_target;
use viewlib::mapped::{FileLayout, MAX_HEADER_BYTES, MappedImage, MappedImageMut, SampleType};
use viewlib::{Sample, U16Be, View};
use viewlib_fuzz as util;

fuzz_target!(|data: &[u8]| {
    let path = util::scratch_file("input.pnm", data);
    let Ok(mut image) = MappedImage::open(&path) else {
        return;
    };
    let layout = *image.layout();
    let parsed = FileLayout::parse(&data[..data.len().min(MAX_HEADER_BYTES)]);
    assert_eq!(parsed.as_ref().ok(), Some(&layout));
    assert!(layout.file_len() <= data.len() as u64);
    let (start, end) = (layout.data_offset() as usize, layout.file_len() as usize);
    let samples = &data[start..end];
    assert_eq!(image.bytes(), samples);
    // Band height from the input's last byte: 1 to 64 rows, or all at once.
    let band = match data.last() {
        Some(&b) if b < 192 => usize::from(b % 64) + 1,
        _ => usize::MAX,
    };
    match layout.sample_type() {
        SampleType::U8 => {
            let expected: u64 = samples.iter().map(|&b| u64::from(b)).sum();
            assert_eq!(sum(image.view::<u8>().unwrap()), expected);
            assert_eq!(sum_bands::<u8>(&mut image, band), expected);
            assert!(image.view::<U16Be>().is_err() && image.view::<u16>().is_err());
        }
        SampleType::U16Be => {
            let expected: u64 = samples
                .chunks_exact(2)
                .map(|p| u64::from(u16::from_be_bytes([p[0], p[1]])))
                .sum();
            assert_eq!(sum(image.view::<U16Be>().unwrap()), expected);
            assert_eq!(sum_bands::<U16Be>(&mut image, band), expected);
            assert!(image.view::<u8>().is_err());
            // Native u16 is big-endian only on big-endian machines.
            assert_eq!(
                image.view::<u16>().is_ok(),
                cfg!(target_endian = "big") && start % 2 == 0
            );
        }
        other => panic!("a PNM or farbfeld header gave {other} samples"),
    }
    drop(image);

    let mut writable = MappedImageMut::open(&path).unwrap();
    assert_eq!(writable.layout(), &layout);
    match layout.sample_type() {
        SampleType::U8 => flip_bits::<u8>(&mut writable, band),
        _ => flip_bits::<U16Be>(&mut writable, band),
    }
    writable.flush().unwrap();
    drop(writable);
    let after = std::fs::read(&path).unwrap();
    assert_eq!(after.len(), data.len());
    assert_eq!(after[..start], data[..start], "the header changed");
    assert_eq!(after[end..], data[end..], "bytes past the samples changed");
    assert!(
        after[start..end]
            .iter()
            .zip(samples)
            .all(|(&a, &b)| a == !b),
        "not every sample was flipped exactly once"
    );
});

fn sum<T: Sample>(view: View<'_, T, 3>) -> u64
where
    T::Value: Into<u64>,
{
    let mut total = 0u64;
    let [h, w, c] = view.shape();
    for y in 0..h {
        for x in 0..w {
            for k in 0..c {
                total += view.get([y, x, k]).expect("inside the shape").into();
            }
        }
    }
    total
}

fn sum_bands<T: Sample>(image: &mut MappedImage, band: usize) -> u64
where
    T::Value: Into<u64>,
{
    let height = image.layout().shape()[0];
    let (mut total, mut next) = (0u64, 0usize);
    image
        .for_each_band::<T>(0..usize::MAX, band, |first, view| {
            assert_eq!(first, next, "bands out of order");
            next += view.shape()[0];
            total += view.values().map(Into::into).sum::<u64>();
        })
        .unwrap();
    assert_eq!(next, height, "bands do not cover the image");
    total
}

fn flip_bits<T: Sample>(image: &mut MappedImageMut, band: usize)
where
    T::Value: core::ops::Not<Output = T::Value>,
{
    image
        .for_each_band_mut::<T>(0..usize::MAX, band, |_, mut view| {
            view.iter_mut()
                .for_each(|s| *s = T::from_value(!s.to_value()));
        })
        .unwrap();
}
