//! `StridedImage` against two references: the same chain of derivations on a borrowed
//! `View` (itself checked against the model in `model.rs`) must give the same elements at the
//! same addresses, and the layout questions (`byte_offset_of`, `index_at_byte`, `byte_runs`)
//! must agree with brute force over every index.

use proptest::prelude::*;
use std::collections::BTreeSet;
use viewlib::{DynStridedImage, ImageBuf, SampleType, Slice, StridedImage, U16Be, View, ViewError};

/// One derivation, applied alike to an image and to a view.
#[derive(Clone, Debug)]
enum Step {
    Crop(usize, usize, usize, usize),
    FlipH,
    FlipV,
    Transpose,
    Rotate90,
    Channel(usize),
    Slice([(Option<isize>, Option<isize>, isize); 3]),
}

fn step() -> impl Strategy<Value = Step> {
    let bound = || proptest::option::of(-6isize..6);
    let step = prop_oneof![-3isize..=3, Just(1isize)].prop_filter("nonzero", |s| *s != 0);
    let axis = move || (bound(), bound(), step.clone());
    prop_oneof![
        (0usize..5, 0usize..5, 0usize..6, 0usize..6)
            .prop_map(|(x, y, w, h)| Step::Crop(x, y, w, h)),
        Just(Step::FlipH),
        Just(Step::FlipV),
        Just(Step::Transpose),
        Just(Step::Rotate90),
        (0usize..4).prop_map(Step::Channel),
        (axis(), axis(), axis()).prop_map(|(a, b, c)| Step::Slice([a, b, c])),
    ]
}

fn slices(axes: [(Option<isize>, Option<isize>, isize); 3]) -> [Slice; 3] {
    axes.map(|(start, stop, step)| Slice::new(start, stop, step))
}

fn apply_to_image<T: viewlib::Sample>(
    image: &StridedImage<T>,
    step: &Step,
) -> Result<StridedImage<T>, ViewError> {
    Ok(match *step {
        Step::Crop(x, y, w, h) => image.crop(x, y, w, h)?,
        Step::FlipH => image.flip_horizontal(),
        Step::FlipV => image.flip_vertical(),
        Step::Transpose => image.transpose(),
        Step::Rotate90 => image.rotate90(),
        Step::Channel(c) => image.channel(c)?,
        Step::Slice(axes) => image.slice(slices(axes))?,
    })
}

fn apply_to_view<'a, T: viewlib::Sample>(
    view: View<'a, T, 3>,
    step: &Step,
) -> Result<View<'a, T, 3>, ViewError> {
    Ok(match *step {
        Step::Crop(x, y, w, h) => view.crop(x, y, w, h)?,
        Step::FlipH => view.flip_horizontal(),
        Step::FlipV => view.flip_vertical(),
        Step::Transpose => view.transpose(),
        Step::Rotate90 => view.rotate90(),
        Step::Channel(c) => {
            if c >= view.channels() {
                return Err(ViewError::IndexOutOfRange {
                    axis: 2,
                    index: c as isize,
                    len: view.channels(),
                });
            }
            view.channel_range(c..c + 1)?
        }
        Step::Slice(axes) => view.slice(slices(axes))?,
    })
}

/// Every index of a shape, C order.
fn indices([h, w, c]: [usize; 3]) -> impl Iterator<Item = [usize; 3]> {
    (0..h).flat_map(move |y| (0..w).flat_map(move |x| (0..c).map(move |k| [y, x, k])))
}

fn check_layout_questions<T: viewlib::Sample>(
    image: &StridedImage<T>,
    view: View<'_, T, 3>,
    base: *const u8,
) {
    let size = size_of::<T>();
    let mut bytes = BTreeSet::new();
    let mut starts = std::collections::BTreeMap::new();
    for index in indices(image.shape()) {
        let expected = view.get_ref(index).unwrap() as *const T as usize - base as usize;
        assert_eq!(image.byte_offset_of(index), Some(expected), "{index:?}");
        assert_eq!(image.index_at_byte(expected), Some(index), "{index:?}");
        bytes.extend(expected..expected + size);
        starts.insert(expected, index);
    }
    // The runs cover exactly the elements' bytes, in order, each once, merged where they touch.
    let runs: Vec<_> = image.byte_runs().collect();
    let covered: Vec<usize> = runs.iter().flat_map(|r| r.clone()).collect();
    assert_eq!(
        covered,
        bytes.iter().copied().collect::<Vec<_>>(),
        "{runs:?}"
    );
    assert!(runs.windows(2).all(|w| w[0].end < w[1].start), "{runs:?}");
    assert!(runs.iter().all(|r| !r.is_empty()));
    // Only an element's first byte names an index.
    for byte in 0..image.memory_bytes().len() + 2 {
        assert_eq!(
            image.index_at_byte(byte),
            starts.get(&byte).copied(),
            "byte {byte}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn derivations_match_the_same_chain_on_a_view(
        (h, w, c) in (1usize..6, 1usize..6, 1usize..5),
        steps in proptest::collection::vec(step(), 0..5),
    ) {
        let samples: Vec<u16> = (0..(h * w * c) as u16).collect();
        let owned = ImageBuf::from_vec(h, w, c, samples.clone()).unwrap();
        let mut image = StridedImage::from(owned);
        let mut view = View::from_slice(&samples, [h, w, c]).unwrap();
        let base = samples.as_ptr() as *const u8;
        let image_base = image.memory_bytes().as_ptr();
        for step in &steps {
            let derived = apply_to_image(&image, step);
            let expected = apply_to_view(view, step);
            match (derived, expected) {
                (Ok(d), Ok(e)) => {
                    prop_assert_eq!(d.shape(), e.shape());
                    prop_assert_eq!(d.byte_strides(), e.byte_strides());
                    prop_assert_eq!(d.view().to_vec(), e.to_vec());
                    // The same element addresses, relative to each buffer.
                    if !e.is_empty() {
                        prop_assert_eq!(
                            d.view().as_ptr() as usize - image_base as usize,
                            e.as_ptr() as usize - base as usize
                        );
                    }
                    prop_assert!(d.shares_memory_with(&image));
                    image = d;
                    view = e;
                }
                (Err(d), Err(e)) => prop_assert_eq!(d, e),
                (d, e) => prop_assert!(false, "image {:?} vs view {:?}", d.map(|i| i.shape()), e.map(|v| v.shape())),
            }
            check_layout_questions(&image, image.view(), image_base);
        }
    }
}

#[test]
fn writing_needs_the_memory_to_itself() {
    let mut image = StridedImage::from(ImageBuf::<u8>::new(3, 4, 3).unwrap());
    let kept = image.crop(1, 1, 2, 2).unwrap();
    assert_eq!(
        image.view_mut().unwrap_err(),
        ViewError::SharedMemory { holders: 2 }
    );
    drop(kept);
    let _ = image.flip_vertical().channel(1).unwrap(); // a temporary: dropped at once
    let mut green = image.flip_vertical().channel(1).unwrap();
    drop(image);
    green.view_mut().unwrap().fill(9);
    // Only the green samples of the shared memory changed.
    let bytes = green.memory_bytes();
    assert!(
        bytes
            .iter()
            .enumerate()
            .all(|(i, &b)| b == if i % 3 == 1 { 9 } else { 0 })
    );
}

#[test]
fn casts_reinterpret_the_same_bytes_or_say_why_not() {
    let rgba =
        StridedImage::from(ImageBuf::from_vec(1, 2, 4, vec![1u8, 2, 3, 4, 5, 6, 7, 8]).unwrap());
    let words = rgba.cast::<U16Be>().unwrap();
    assert_eq!(
        (words.shape(), words.view().to_vec()),
        ([1, 2, 2], vec![0x0102, 0x0304, 0x0506, 0x0708])
    );
    assert!(words.shares_memory_with(&rgba));
    // A channel is not contiguous: a cast must refuse, not copy.
    let err = rgba.channel(0).unwrap().cast::<U16Be>().unwrap_err();
    assert!(matches!(err, ViewError::ItemSizeMismatch { .. }), "{err}");
    // Native 16-bit samples need alignment: one byte in, none of them is aligned.
    let odd = StridedImage::from(ImageBuf::from_vec(1, 1, 6, vec![0u8; 6]).unwrap())
        .derive(|v| v.channel_range(1..5))
        .unwrap();
    assert!(matches!(
        odd.cast::<u16>().unwrap_err(),
        ViewError::Misaligned { .. }
    ));
    // At run time, by sample type.
    let dynamic = DynStridedImage::from(rgba);
    let pairs = dynamic.cast(SampleType::U16Be).unwrap();
    assert_eq!(
        (pairs.shape(), pairs.format(), pairs.itemsize()),
        ([1, 2, 2], ">H", 2)
    );
    assert_eq!(pairs.memory_bytes(), dynamic.memory_bytes());
    assert!(matches!(
        dynamic.cast(SampleType::F64Le).unwrap_err(),
        ViewError::UnsupportedSampleType { format: "<d" }
    ));
}

#[test]
fn built_layouts_are_checked_against_the_memory() {
    use std::sync::Arc;
    use viewlib::Layout;
    let memory = Arc::new(vec![0u8; 10]);
    let fits =
        StridedImage::<u8>::from_memory(memory.clone(), 4, Layout::c_order([2, 3, 1]).unwrap());
    assert!(fits.is_ok());
    let past_end =
        StridedImage::<u8>::from_memory(memory.clone(), 5, Layout::c_order([2, 3, 1]).unwrap());
    assert!(matches!(past_end, Err(ViewError::OutOfBuffer { .. })));
    let before_start =
        StridedImage::<u8>::from_memory(memory, 2, Layout::new([2, 3, 1], [-3, 1, 1]).unwrap());
    assert!(matches!(before_start, Err(ViewError::OutOfBuffer { .. })));
    // An empty image fits anywhere inside.
    let empty =
        StridedImage::<u16>::from_vec_with_layout(vec![1, 2], [0, 3, 1], [3, 1, 1], 2).unwrap();
    assert_eq!(empty.view().len(), 0);
    assert_eq!(empty.byte_runs().count(), 0);
}
