//! The desktop app driven through its visible controls (egui_kittest, no display needed):
//! each result shown must equal viewlib's kernels applied to the source.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};
use imgdemo::gui::document::{ProcessError, Processed};
use imgdemo::gui::preview::{DisplayMode, DisplaySample, SampleValue};
use imgdemo::gui::{DemoApp, Launch};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use viewlib::ops::{Alpha, Lut};
use viewlib::pipeline::{Channel, OpErrorKind};
use viewlib::{
    DynImageBuf, DynStridedImage, ImageBuf, SampleType, Slice, StridedImage, U16Be, ViewError,
};

fn app(launch: Launch) -> Harness<'static, DemoApp> {
    app_sized(imgdemo::gui::WINDOW_SIZE, launch)
}

/// The app in a window of `size` points, settled on its first result.
fn app_sized(size: [f32; 2], launch: Launch) -> Harness<'static, DemoApp> {
    let mut harness = Harness::builder()
        .with_size(size)
        .with_max_steps(64)
        .build_eframe(move |cc| DemoApp::new(&cc.egui_ctx, launch));
    settle(&mut harness);
    harness
}

/// Steps frames until the worker is idle and its last result is shown.
fn settle(harness: &mut Harness<'static, DemoApp>) {
    let start = Instant::now();
    loop {
        harness.step();
        if !harness.state().is_busy() {
            harness.step();
            if !harness.state().is_busy() {
                break;
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the app never settled"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    harness.run();
}

fn click(harness: &mut Harness<'static, DemoApp>, label: &str) {
    harness.get_by_label(label).click();
    harness.step();
    settle(harness);
}

fn add(harness: &mut Harness<'static, DemoApp>, kind: &str) {
    click(harness, "➕ Add");
    click(harness, kind);
}

/// The enabled operations, in their command-line form.
fn op_texts(harness: &Harness<'static, DemoApp>) -> Vec<String> {
    let ops = harness.state().steps().enabled_ops();
    ops.iter().map(|o| o.to_string()).collect()
}

fn testcard() -> ImageBuf<u8> {
    imgdemo::testcard::testcard()
}

fn result_u8(app: &DemoApp) -> ImageBuf<u8> {
    assert!(app.failure().is_none(), "{:?}", app.failure());
    match app.result().expect("a result").to_dyn_image().unwrap() {
        DynImageBuf::U8(b) => b,
        other => panic!("expected 8 bits, got {}", other.format()),
    }
}

/// The picture on screen is the result, pixel for pixel (the test card fits the texture).
fn assert_displayed(result: &Processed, expected: &ImageBuf<u8>) {
    let [h, w, c] = expected.shape();
    assert_eq!(result.preview.image.size, [w, h]);
    let colour = |y: usize, x: usize| {
        let v = |k: usize| expected.view().get([y, x, k]).unwrap().to_u8();
        match c {
            1 => egui::Color32::from_gray(v(0)),
            2 => egui::Color32::from_rgba_unmultiplied(v(0), v(0), v(0), v(1)),
            3 => egui::Color32::from_rgb(v(0), v(1), v(2)),
            _ => egui::Color32::from_rgba_unmultiplied(v(0), v(1), v(2), v(3)),
        }
    };
    for y in (0..h).step_by(7) {
        for x in (0..w).step_by(3) {
            assert_eq!(
                result.preview.image.pixels[y * w + x],
                colour(y, x),
                "pixel ({x}, {y})"
            );
        }
    }
}

#[test]
fn starts_on_the_test_card_and_every_added_operation_matches_its_kernel() {
    let source = testcard();
    let [h, w, _] = source.shape();
    let colour = |mut image: ImageBuf<u8>, lut: Lut<u8>| {
        image
            .view_mut()
            .channel_range(0..3)
            .unwrap()
            .map_in_place(&lut);
        image
    };
    let cases: Vec<(&str, ImageBuf<u8>)> = vec![
        ("Invert", {
            let mut e = source.clone();
            e.view_mut().invert_in_place(Alpha::Keep);
            e
        }),
        ("Invert with alpha", {
            let mut e = source.clone();
            e.view_mut().invert_in_place(Alpha::Invert);
            e
        }),
        (
            "Crop",
            source
                .view()
                .crop(w / 4, h / 4, w / 2, h / 2)
                .unwrap()
                .to_image_buf()
                .unwrap(),
        ),
        (
            "Channel",
            source
                .view()
                .channel_range(0..1)
                .unwrap()
                .to_image_buf()
                .unwrap(),
        ),
        (
            "Flip horizontal",
            source.view().flip_horizontal().to_image_buf().unwrap(),
        ),
        (
            "Flip vertical",
            source.view().flip_vertical().to_image_buf().unwrap(),
        ),
        (
            "Transpose",
            source.view().transpose().to_image_buf().unwrap(),
        ),
        ("Gray", {
            let mut e = ImageBuf::new(h, w, 2).unwrap();
            source.view().luma_alpha_into(e.view_mut()).unwrap();
            e
        }),
        ("Brightness", colour(source.clone(), Lut::brightness(0.2))),
        ("Contrast", colour(source.clone(), Lut::contrast(1.5))),
        ("Gamma", colour(source.clone(), Lut::gamma(0.5))),
        ("Threshold", colour(source.clone(), Lut::threshold(128))),
    ];
    for (kind, expected) in cases {
        let mut harness = app(Launch::default());
        assert_eq!(
            harness.state().source().unwrap().name,
            "test card (bundled, assets/testcard.png)"
        );
        assert_eq!(result_u8(harness.state()), source, "before any step");
        add(&mut harness, kind);
        assert_eq!(harness.state().steps().len(), 1, "{kind}");
        let result = result_u8(harness.state());
        assert!(
            result == expected,
            "{kind}: the result differs from the kernel"
        );
        assert_displayed(harness.state().result().unwrap(), &expected);
    }
}

#[test]
fn steps_reorder_toggle_and_edit_through_their_controls() {
    let source = testcard();
    let [h, w, _] = source.shape();
    let mut harness = app(Launch::default());
    add(&mut harness, "Crop");
    add(&mut harness, "Transpose");
    let crop_then_transpose = source
        .view()
        .crop(w / 4, h / 4, w / 2, h / 2)
        .unwrap()
        .transpose();
    assert_eq!(
        result_u8(harness.state()),
        crop_then_transpose.to_image_buf().unwrap()
    );
    // Move the transpose first: the same crop no longer fits the transposed 720x1280 image,
    // and the step says so.
    harness
        .get_all_by_label("⬆")
        .nth(1)
        .expect("an up button on step 2")
        .click();
    harness.step();
    settle(&mut harness);
    assert_eq!(
        op_texts(&harness),
        [
            "transpose",
            &format!("crop={},{},{},{}", w / 4, h / 4, w / 2, h / 2)
        ]
    );
    let failure = harness
        .state()
        .failure()
        .and_then(ProcessError::op_error)
        .expect("the crop does not fit")
        .clone();
    assert!(matches!(
        failure.kind,
        OpErrorKind::View(ViewError::CropOutOfBounds {
            image_width: 720,
            image_height: 1280,
            ..
        })
    ));
    let reason = failure.kind.to_string();
    assert_eq!(
        reason,
        "crop 640x360 at (320, 180) does not fit in a 720x1280 image"
    );
    assert!(
        harness.query_by_label(&reason).is_some(),
        "the reason is shown under the step"
    );
    // Select the crop and type numbers that fit.
    // (The first match is the step in the pipeline; the memory panel's step table has the
    // same label.)
    let crop = format!("Crop {}×{} at ({}, {})", w / 2, h / 2, w / 4, h / 4);
    harness
        .get_all_by_label(&crop)
        .next()
        .expect("the crop step")
        .click();
    harness.step();
    // One edit at a time, each processed before the next field is looked up: a result
    // arriving between the lookup and the action re-lays out the panel, and the action then
    // missed its widget now and then (the test was flaky).
    harness.get_by_label("x").set_value_accesskit(10.0);
    harness.step();
    settle(&mut harness);
    harness.get_by_label("width").set_value_accesskit(33.0);
    harness.step();
    settle(&mut harness);
    let expected = source
        .view()
        .transpose()
        .crop(10, h / 4, 33, h / 2)
        .unwrap();
    assert_eq!(result_u8(harness.state()), expected.to_image_buf().unwrap());
    // Switch the transpose off.
    click(&mut harness, "1.");
    let crop_only = source.view().crop(10, h / 4, 33, h / 2).unwrap();
    assert_eq!(
        result_u8(harness.state()),
        crop_only.to_image_buf().unwrap()
    );
    // Remove the crop: the result is the source again (the transpose is still off).
    harness.get_all_by_label("🗑").nth(1).unwrap().click();
    harness.step();
    settle(&mut harness);
    assert_eq!(harness.state().steps().len(), 1);
    assert_eq!(result_u8(harness.state()), source);
}

#[test]
fn an_operation_that_does_not_apply_is_explained_and_the_app_recovers() {
    let mut harness = app(Launch {
        ops: vec!["gray".parse().unwrap(), "channel=R".parse().unwrap()],
        ..Launch::default()
    });
    let failure = harness
        .state()
        .failure()
        .and_then(ProcessError::op_error)
        .expect("channel R of a gray image fails")
        .clone();
    assert_eq!(failure.position, 2);
    assert_eq!(
        failure.kind,
        OpErrorKind::NoSuchChannel {
            channel: Channel::R,
            channels: 2
        }
    );
    let reason = failure.kind.to_string();
    assert_eq!(reason, "the image has no R channel (it is gray+alpha)");
    assert!(
        harness.query_by_label(&reason).is_some(),
        "the reason is shown"
    );
    // Steps can still be added while the pipeline fails (and removed again).
    add(&mut harness, "Invert");
    assert_eq!(harness.state().steps().len(), 3);
    harness.get_all_by_label("🗑").nth(2).unwrap().click();
    harness.step();
    settle(&mut harness);
    assert_eq!(harness.state().steps().len(), 2);
    // Switching the gray step off makes the pipeline valid again.
    click(&mut harness, "1.");
    assert!(harness.state().failure().is_none());
    let red = testcard()
        .view()
        .channel_range(0..1)
        .unwrap()
        .to_image_buf()
        .unwrap();
    assert_eq!(result_u8(harness.state()), red);
}

/// The document keeps the steps across images and the failure with its image: a step that
/// does not apply to the next image is explained there, and the one after runs the same
/// steps without the old failure.
#[test]
fn another_image_runs_the_same_steps_and_leaves_the_old_failure_behind() {
    let mut harness = app(Launch {
        ops: vec!["channel=A".parse().unwrap()],
        ..Launch::default()
    });
    let alpha = |harness: &Harness<'static, DemoApp>| {
        let card = testcard()
            .view()
            .channel_range(3..4)
            .unwrap()
            .to_image_buf();
        assert_eq!(result_u8(harness.state()), card.unwrap());
    };
    alpha(&harness);
    let open_bundled = |harness: &mut Harness<'static, DemoApp>, which: &str| {
        click(harness, "File");
        click(harness, "Open bundled");
        click(harness, which);
    };
    open_bundled(&mut harness, "Gradient (RGB, 16 bits)");
    let doc = harness.state().document();
    let shape = doc.source().map(|s| s.image().shape());
    assert_eq!(shape, Some([256, 1024, 3]));
    let failure = doc.failure().and_then(ProcessError::op_error);
    assert_eq!(
        failure.map(|f| f.kind.clone()),
        Some(OpErrorKind::NoSuchChannel {
            channel: Channel::A,
            channels: 3
        })
    );
    assert!(doc.result().is_none(), "no result of the test card stays");
    open_bundled(&mut harness, "Test card (RGBA, 8 bits)");
    assert_eq!(harness.state().steps().len(), 1);
    alpha(&harness);
}

#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn dropped_files_open_and_corrupt_ones_are_reported_in_the_window() {
    let Some(corpus) = viewlib_e2e::corpus_dir() else {
        return;
    };
    let mut harness = app(Launch {
        ops: vec!["invert".parse().unwrap()],
        ..Launch::default()
    });
    let corrupt = corpus.join("pngsuite/xcsn0g01.png");
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(corrupt.clone())));
    harness.step();
    settle(&mut harness);
    let notice = harness
        .state()
        .notice()
        .expect("an error in the status bar")
        .clone();
    assert!(notice.is_error);
    assert!(notice.text.contains("xcsn0g01.png"), "{}", notice.text);
    assert!(
        harness.query_by_label_contains("xcsn0g01.png").is_some(),
        "the error is visible"
    );
    // The test card and its result are still there.
    assert_eq!(
        harness.state().source().unwrap().image().shape(),
        [720, 1280, 4]
    );

    let photo = corpus.join("photos/camera.png");
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(photo.clone())));
    harness.step();
    settle(&mut harness);
    let DynImageBuf::U8(mut expected) = viewlib::io::load(&photo).unwrap() else {
        panic!()
    };
    expected.view_mut().invert_in_place(Alpha::Keep);
    assert_eq!(result_u8(harness.state()), expected);
}

#[test]
fn open_by_typed_path_and_save_at_the_source_bit_depth() {
    let Some(corpus) = viewlib_e2e::corpus_dir() else {
        return;
    };
    let mut harness = app(Launch::default());
    click(&mut harness, "File");
    click(&mut harness, "Open path…");
    let path = corpus.join("photos/hdr_room.png");
    let typed = if path.exists() {
        path
    } else {
        corpus.join("photos/astronaut.png")
    };
    harness
        .get_by_role(egui::accesskit::Role::TextInput)
        .set_text_value_accesskit(typed.to_str().unwrap());
    harness.run();
    click(&mut harness, "Open");
    let source = harness.state().source().unwrap();
    assert_eq!(source.path.as_deref(), Some(typed.as_path()));
    let loaded = viewlib::io::load(&typed).unwrap();
    assert_eq!(source.image().shape(), loaded.shape());

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("result.png");
    add(&mut harness, "Flip vertical");
    harness.state_mut().save(out.clone(), false);
    settle(&mut harness);
    let notice = harness.state().notice().unwrap().clone();
    assert!(!notice.is_error, "{}", notice.text);
    let saved = viewlib::io::load(&out).unwrap();
    assert_eq!(
        saved,
        harness.state().result().unwrap().to_dyn_image().unwrap()
    );
    assert_eq!(saved.bits_per_sample(), loaded.bits_per_sample().min(16));
    // Saving again without overwrite keeps the file and says so.
    harness.state_mut().save(out.clone(), false);
    settle(&mut harness);
    let notice = harness.state().notice().unwrap().clone();
    assert!(
        notice.is_error && notice.text.contains("exists"),
        "{}",
        notice.text
    );
}

fn pointer(harness: &mut Harness<'static, DemoApp>, at: egui::Pos2, pressed: Option<bool>) {
    harness.event(egui::Event::PointerMoved(at));
    if let Some(pressed) = pressed {
        harness.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
    }
    harness.step();
}

/// The screen point of image pixel `(x, y)`'s centre in `rect` showing `width` pixels across.
fn at_pixel(rect: egui::Rect, width: usize, x: usize, y: usize) -> egui::Pos2 {
    let scale = rect.width() / width as f32;
    rect.min + egui::vec2((x as f32 + 0.5) * scale, (y as f32 + 0.5) * scale)
}

/// The inspector's byte offset of the pixel under the cursor is what the library answers for
/// the same chain of views built on its own (`StridedImage::byte_offset_of`), strides and
/// offset included: for a crop, flip and channel pick, and after a transpose too.
#[test]
fn the_inspectors_byte_offset_is_the_librarys_answer() {
    let card = viewlib::StridedImage::from(testcard());
    let picked = card
        .crop(100, 50, 400, 300)
        .unwrap()
        .flip_horizontal()
        .channel(1)
        .unwrap();
    let chains = [
        (
            vec!["crop=100,50,400,300", "flip=h", "channel=G"],
            picked.clone(),
        ),
        (
            vec!["crop=100,50,400,300", "flip=h", "channel=G", "transpose"],
            picked.transpose(),
        ),
    ];
    for (ops, expected) in chains {
        let mut harness = app(Launch {
            ops: ops.iter().map(|s| s.parse().unwrap()).collect(),
            ..Launch::default()
        });
        let [_, Some(after)] = harness.state().image_rects() else {
            panic!("no after image")
        };
        let [_, w, _] = expected.shape();
        pointer(&mut harness, at_pixel(after, w, 10, 20), None);
        harness.step();
        assert_eq!(harness.state().hover().unwrap().result, Some((20, 10)));
        let shown = harness
            .query_by_label_contains(" + 20·")
            .and_then(|n| {
                let node = n.accesskit_node();
                node.label().or_else(|| node.value())
            })
            .unwrap_or_else(|| panic!("no byte offset in the inspector for {ops:?}"));
        let number = |s: &str| s.trim().replace(',', "").parse::<isize>().unwrap();
        let parts: Vec<isize> = shown
            .split(['=', '+'])
            .map(|part| number(part.split('·').next_back().unwrap()))
            .collect();
        let [sy, sx, _] = expected.byte_strides();
        let at = expected.byte_offset_of([20, 10, 0]).unwrap() as isize;
        assert_eq!(
            parts,
            [at, expected.offset_bytes() as isize, sy, sx],
            "{shown} for {ops:?}"
        );
    }
}

#[test]
fn dragging_a_rectangle_on_the_before_image_crops_the_source_there() {
    let mut harness = app(Launch::default());
    click(&mut harness, "✂ Drag to crop");
    let [Some(before), _] = harness.state().image_rects() else {
        panic!("no before image")
    };
    let scale = before.width() / 1280.0;
    // From the top-left corner of pixel (200, 100) to the bottom-right one of (519, 339):
    // whole pixels are rounded outwards, so aim inside them.
    let start = before.min + egui::vec2(200.2, 100.2) * scale;
    let end = before.min + egui::vec2(519.8, 339.8) * scale;
    pointer(&mut harness, start, Some(true));
    for i in 1..=5 {
        pointer(&mut harness, start + (end - start) * (i as f32 / 5.0), None);
    }
    pointer(&mut harness, end, Some(false));
    settle(&mut harness);
    assert_eq!(op_texts(&harness), ["crop=200,100,320,240"]);
    let expected = testcard()
        .view()
        .crop(200, 100, 320, 240)
        .unwrap()
        .to_image_buf()
        .unwrap();
    assert_eq!(result_u8(harness.state()), expected);
    // A second drag updates the same step rather than adding one.
    harness
        .state_mut()
        .set_source_crop("crop=0,0,10,10".parse().unwrap());
    settle(&mut harness);
    assert_eq!(harness.state().steps().len(), 1);
    assert_eq!(result_u8(harness.state()).shape(), [10, 10, 4]);
}

/// The app on the test card running `ops`, whose result is 400 pixels wide, with the cursor
/// on result pixel (x 10, y 20), which must be card pixel (x 489, y 70): column
/// 100 + 399 - 10 and row 50 + 20 for a 400x300 crop at (100, 50) flipped left to right.
fn hovering_crop_flipped(ops: &[&str]) -> Harness<'static, DemoApp> {
    let mut harness = app(Launch {
        ops: ops.iter().map(|s| s.parse().unwrap()).collect(),
        ..Launch::default()
    });
    let [_, Some(after)] = harness.state().image_rects() else {
        panic!("no after image")
    };
    pointer(&mut harness, at_pixel(after, 400, 10, 20), None);
    harness.step();
    let hover = harness.state().hover().expect("a pixel under the cursor");
    assert_eq!(hover.result, Some((20, 10)));
    assert_eq!(hover.source, Some((70, 489)));
    harness
}

#[test]
fn the_inspector_maps_the_pixel_under_the_cursor_through_the_views() {
    let harness = hovering_crop_flipped(&["crop=100,50,400,300", "flip=h", "channel=G"]);
    let green = testcard().view().get([70, 489, 1]).unwrap();
    assert_eq!(
        harness.state().result().unwrap().values_at(20, 10),
        Some(vec![SampleValue::Int(u32::from(green))])
    );
    // The byte offset, as memoryview would compute it: offset + y * strides[0] + x * strides[1],
    // with the view starting at green of (50, 499) and the pixel being green of (70, 489):
    // (50 * 1280 + 499) * 4 + 1 = 257,997 and (70 * 1280 + 489) * 4 + 1 = 360,357.
    let shown = "360,357 = 257,997 + 20·5120 + 10·-4";
    assert!(
        harness.query_by_label(shown).is_some(),
        "the inspector shows `{shown}`"
    );
}

/// A 300x5000 RGB image in `dir`: more columns than a texture may hold, so the window shows
/// a reduced preview.
fn wide_png(dir: &Path) -> PathBuf {
    let path = dir.join("wide.png");
    let samples: Vec<u8> = (0..300 * 5000 * 3).map(|i| (i % 251) as u8).collect();
    let wide = ImageBuf::from_vec(300, 5000, 3, samples).unwrap();
    viewlib::io::save_png(&path, wide.view(), &Default::default()).unwrap();
    path
}

#[test]
fn zoomed_in_on_a_large_image_the_visible_part_is_shown_at_full_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = app(Launch {
        image: Some(wide_png(dir.path())),
        ops: vec!["flip=h".parse().unwrap()],
        ..Launch::default()
    });
    let source = harness.state().source().unwrap();
    assert!(source.preview.scale > 1, "a reduced preview");
    assert_eq!(
        harness.state().detail_regions(),
        [None, None],
        "none needed to fit"
    );
    click(&mut harness, "100%");
    harness.step();
    settle(&mut harness);
    let [before, after] = harness.state().detail_regions();
    let [Some(before_rect), Some(after_rect)] = harness.state().image_rects() else {
        panic!()
    };
    for (region, rect) in [(before, before_rect), (after, after_rect)] {
        let [x, y, w, h] = region.expect("a full-resolution detail");
        // At 100% the image is centred in its panel: the detail covers the middle columns.
        assert_eq!((y, h), (0, 300));
        assert!(x < 2500 && x + w > 2500 && w < 2000, "{region:?}");
        assert!((rect.width() - 5000.0).abs() < 1e-3);
    }
}

/// The controls with a text (a name, or a label's value) in the part of the window named
/// `name`, with their rectangles.
fn controls_in(harness: &Harness<'static, DemoApp>, name: &str) -> Vec<(String, egui::Rect)> {
    let container = harness.get_by_label(name);
    container
        .query_all(by().predicate(|n| {
            // A label's text run repeats its text.
            n.role() != egui::accesskit::Role::TextRun
                && n.label().or_else(|| n.value()).is_some()
                && n.bounding_box().is_some()
        }))
        .map(|n| {
            let text = n
                .accesskit_node()
                .label()
                .or_else(|| n.accesskit_node().value());
            (text.unwrap_or_default(), n.rect())
        })
        .collect()
}

/// What is wrong with the toolbars in a window of `size`: labels taller than one line,
/// controls outside their panel (under another one, or out of the window), or over each other,
/// a group's label ("Channels:") on another row than its first control, a canvas toolbar that
/// leaves the images less than half of the canvas.
fn toolbar_problems(harness: &Harness<'static, DemoApp>, size: [f32; 2]) -> Vec<String> {
    // One line of button or body text in a button (or a bare label): the style's row height
    // plus the button's padding, at least the height of an interactive widget.
    let style = harness.ctx.global_style();
    let row = |text: egui::TextStyle| {
        let font = text.resolve(&style);
        harness.ctx.fonts_mut(|f| f.row_height(&font))
    };
    let one_line = (row(egui::TextStyle::Button).max(row(egui::TextStyle::Body))
        + 2.0 * style.spacing.button_padding.y)
        .max(style.spacing.interact_size.y);
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, size.into());
    let canvas = harness.state().canvas_rect().expect("the canvas was drawn");
    let mut problems = Vec::new();
    for (toolbar, area) in [
        ("Canvas toolbar", canvas),
        ("Menu bar", window),
        ("Status bar", window),
    ] {
        let controls = controls_in(harness, toolbar);
        assert!(!controls.is_empty(), "{toolbar} at {size:?}: no controls");
        let mut problem = |text: String| problems.push(format!("{toolbar} at {size:?}: {text}"));
        for (text, rect) in &controls {
            if rect.height() > one_line + 0.5 {
                problem(format!(
                    "`{text}` is {} points tall, more than one line ({one_line})",
                    rect.height()
                ));
            }
            if !area.expand(0.5).contains_rect(*rect) {
                problem(format!(
                    "`{text}` at {rect:?} is outside its panel at {area:?}"
                ));
            }
        }
        let bottom = controls
            .iter()
            .map(|(_, r)| r.bottom())
            .fold(area.top(), f32::max);
        if toolbar == "Canvas toolbar" && bottom - area.top() > area.height() / 2.0 {
            problem(format!(
                "the toolbar takes {} of {area:?}",
                bottom - area.top()
            ));
        }
        for pair in controls.windows(2) {
            let [(label, at), (first, its)] = pair else {
                unreachable!()
            };
            if label.ends_with(':') && (at.center().y - its.center().y).abs() > 0.5 {
                problem(format!(
                    "`{label}` at {at:?} is on another row than `{first}` at {its:?}"
                ));
            }
        }
        for (i, (a, ra)) in controls.iter().enumerate() {
            for (b, rb) in &controls[i + 1..] {
                let overlap = ra.intersect(*rb);
                if overlap.width() > 0.5 && overlap.height() > 0.5 {
                    problem(format!("`{a}` at {ra:?} overlaps `{b}` at {rb:?}"));
                }
            }
        }
    }
    problems
}

#[test]
fn toolbar_labels_stay_on_one_line_and_controls_neither_overlap_nor_hide() {
    let mut problems = Vec::new();
    for size in [[800.0, 600.0], [1024.0, 700.0], [1440.0, 900.0]] {
        let mut harness = app_sized(size, Launch::default());
        problems.extend(toolbar_problems(&harness, size));
        // A long message in the status bar, beside the latency.
        let long = std::env::temp_dir()
            .join("a folder with a long name to fill the status bar, ".repeat(3))
            .join("missing.png");
        harness
            .input_mut()
            .dropped_files
            .push(Arc::new(Dropped(long)));
        harness.step();
        settle(&mut harness);
        assert!(harness.state().notice().is_some_and(|n| n.is_error));
        problems.extend(toolbar_problems(&harness, size));
        // The pixel inspector's long lines in the memory panel.
        let [Some(before), _] = harness.state().image_rects() else {
            panic!("no before image at {size:?}")
        };
        pointer(&mut harness, before.center(), None);
        harness.run();
        if harness.state().hover().is_none() {
            problems.push(format!("{size:?}: no room for the images ({before:?})"));
        }
        problems.extend(toolbar_problems(&harness, size));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The textures the app holds.
fn textures(harness: &Harness<'static, DemoApp>) -> std::collections::HashSet<egui::TextureId> {
    let manager = harness.ctx.tex_manager();
    manager.read().allocated().map(|(id, _)| *id).collect()
}

#[test]
fn new_results_details_and_images_reuse_their_textures() {
    let dir = tempfile::tempdir().unwrap();
    let wide = wide_png(dir.path());
    let mut harness = app(Launch {
        image: Some(wide.clone()),
        ops: vec!["flip=h".parse().unwrap()],
        ..Launch::default()
    });
    click(&mut harness, "100%");
    harness.step();
    settle(&mut harness);
    let [Some(before), Some(after)] = harness.state().detail_regions() else {
        panic!("no full-resolution details")
    };
    let held = textures(&harness);
    // Pan by dragging the canvas: both details move.
    let [Some(rect), _] = harness.state().image_rects() else {
        panic!()
    };
    let start = rect.center();
    pointer(&mut harness, start, Some(true));
    for i in 1..=5 {
        pointer(
            &mut harness,
            start + egui::vec2(120.0 * i as f32, 0.0),
            None,
        );
    }
    pointer(&mut harness, start + egui::vec2(600.0, 0.0), Some(false));
    settle(&mut harness);
    let [Some(moved_before), Some(moved_after)] = harness.state().detail_regions() else {
        panic!("no full-resolution details after panning")
    };
    assert!(moved_before != before && moved_after != after);
    assert_eq!(textures(&harness), held, "after new details");
    // A new result, then a newly opened image.
    click(&mut harness, "1.");
    assert_eq!(textures(&harness), held, "after a new result");
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(wide)));
    harness.step();
    settle(&mut harness);
    assert_eq!(
        harness.state().source().unwrap().image().shape(),
        [300, 5000, 3]
    );
    assert_eq!(textures(&harness), held, "after opening an image");
}

/// Whether a desktop portal could answer: a D-Bus session bus is there.
fn session_bus() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|dir| Path::new(&dir).join("bus").exists())
}

#[test]
fn without_a_file_dialog_open_asks_for_a_typed_path() {
    if session_bus() || !cfg!(target_os = "linux") {
        // A real dialog would open and wait for someone.
        println!("SKIPPED without_a_file_dialog_open_asks_for_a_typed_path: a portal may answer");
        return;
    }
    let mut harness = app(Launch::default());
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::O);
    // The window goes on drawing frames until rfd has answered that there is no dialog.
    let start = Instant::now();
    while harness.query_by_label("Open an image").is_none() {
        assert!(start.elapsed() < Duration::from_secs(10), "no answer");
        harness.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    let notice = harness.state().notice().unwrap();
    assert_eq!(
        notice.text,
        "No file dialog on this system: type the path instead."
    );
}

/// The slice step: NumPy subscripts typed in its editor give the library's view; text that
/// does not parse, or a bound outside the image, shows the library's reason under the field
/// and leaves the step as it was.
#[test]
fn a_slice_step_takes_typed_numpy_subscripts_and_explains_refusals() {
    let mut harness = app(Launch::default());
    add(&mut harness, "Slice");
    settle(&mut harness);
    assert_eq!(op_texts(&harness), ["slice=::2,::-1,:"]);
    let card = viewlib::StridedImage::from(testcard());
    let sliced = |slices| card.slice(slices).unwrap().to_image_buf().unwrap();
    assert_eq!(
        result_u8(harness.state()),
        sliced([Slice::new(None, None, 2), Slice::REVERSED, Slice::FULL])
    );

    let type_subscripts = |harness: &mut Harness<'static, DemoApp>, text: &str| {
        harness
            .get_by_role(egui::accesskit::Role::TextInput)
            .set_text_value_accesskit(text);
        harness.step();
        settle(harness);
    };
    type_subscripts(&mut harness, "100:400:2, ::-1, 1");
    assert_eq!(op_texts(&harness), ["slice=100:400:2,::-1,1"]);
    assert_eq!(
        result_u8(harness.state()),
        sliced([
            Slice::new(Some(100), Some(400), 2),
            Slice::REVERSED,
            Slice::new(Some(1), Some(2), 1)
        ])
    );
    assert!(
        harness
            .query_by_label("Result: 150 rows × 1280 columns × 1 channels")
            .is_some()
    );

    // The test card has 720 rows: the library refuses row 900, and says so as typed.
    type_subscripts(&mut harness, "0:900");
    assert!(
        harness
            .query_by_label("slice bound 900 is out of range for axis 0 of length 720")
            .is_some()
    );
    assert_eq!(op_texts(&harness), ["slice=100:400:2,::-1,1"]);
    type_subscripts(&mut harness, "::0");
    assert!(
        harness
            .query_by_label("`::0` is not a slice start:stop:step: the step cannot be zero")
            .is_some()
    );
    assert_eq!(op_texts(&harness), ["slice=100:400:2,::-1,1"]);
}

/// The result's memory is the working copy's: what a view (a cast) leaves.
fn assert_nothing_copied(result: &Processed) {
    assert!(result.reports.iter().all(|r| r.bytes_copied == 0));
    assert_eq!(result.image().memory_bytes().len(), result.working_bytes);
    assert_eq!(result.lineage.copies(), 0);
}

#[test]
fn a_cast_step_reads_the_card_as_words_in_false_colour_and_copies_nothing() {
    let mut harness = app(Launch::default());
    add(&mut harness, "Cast");
    // The default on 8-bit RGBA: one native-order u32 word per pixel.
    assert_eq!(op_texts(&harness), ["cast=u32"]);
    assert!(
        harness.state().failure().is_none(),
        "{:?}",
        harness.state().failure()
    );
    let expected = StridedImage::from(testcard()).cast::<u32>().unwrap();
    let result = harness.state().result().unwrap().clone();
    let DynStridedImage::U32(words) = result.image() else {
        panic!("expected u32 words, got {}", result.image().format())
    };
    assert_eq!(words.shape(), [720, 1280, 1]);
    assert_eq!(
        words.to_image_buf().unwrap(),
        expected.to_image_buf().unwrap()
    );
    assert_nothing_copied(&result);
    // The memory panel: the library's format and itemsize, and the step copied nothing.
    let format = format!(
        "{} ({}, 4 bytes)",
        words.format(),
        result.image().sample_type()
    );
    assert!(
        harness.query_by_label(&format).is_some(),
        "the memory panel shows {format}"
    );
    assert!(harness.query_by_label("0 (view)").is_some());
    assert!(
        harness.query_by_label("I (4 B)").is_some(),
        "the step's format after"
    );
    // False colour: each word's three most significant bytes as red, green, blue.
    assert_eq!(result.mode, DisplayMode::Natural);
    let word = words.view().get([5, 7, 0]).unwrap().to_be_bytes();
    assert_eq!(
        result.preview.image.pixels[5 * 1280 + 7],
        egui::Color32::from_rgb(word[0], word[1], word[2])
    );
    // Words as words in the inspector.
    assert_eq!(
        result.values_at(5, 7),
        Some(vec![SampleValue::Word(u32::from_be_bytes(word))])
    );
    assert!(!result.saves_as_png());
    assert!(
        harness
            .query_by_label_contains("Result: 720 rows × 1280 columns × 1 channels")
            .is_some()
    );

    // The same from the command line.
    let from_cli = app(Launch {
        ops: vec!["cast=u32".parse().unwrap()],
        ..Launch::default()
    });
    assert!(from_cli.state().failure().is_none());
    assert_eq!(
        from_cli.state().result().unwrap().image().format(),
        words.format()
    );
}

#[test]
fn sixteen_bit_samples_cast_to_byte_pairs_and_back_in_either_order() {
    let gradient = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../assets/testcard16.png"
    ));
    let mut harness = app(Launch {
        image: Some(gradient),
        ..Launch::default()
    });
    add(&mut harness, "Cast");
    assert_eq!(op_texts(&harness), ["cast=u8"]);
    let source = StridedImage::from(imgdemo::testcard::gradient16());
    assert_eq!(
        result_u8(harness.state()),
        source.cast::<u8>().unwrap().to_image_buf().unwrap()
    );
    let result = harness.state().result().unwrap().clone();
    assert_eq!(result.image().shape(), [256, 1024, 6]);
    assert_nothing_copied(&result);
    // Byte pairs are not colours: shown side by side in gray.
    assert_eq!(result.mode, DisplayMode::ChannelsSideBySide);

    click(&mut harness, "u16be");
    assert_eq!(op_texts(&harness), ["cast=u16be"]);
    let result = harness.state().result().unwrap().clone();
    let DynStridedImage::U16Be(swapped) = result.image() else {
        panic!(
            "expected big-endian samples, got {}",
            result.image().format()
        )
    };
    let expected = source.cast::<U16Be>().unwrap();
    assert_eq!(swapped.view().to_vec(), expected.view().to_vec());
    assert_nothing_copied(&result);
}

#[test]
fn a_cast_the_library_refuses_is_disabled_with_its_reason() {
    let mut harness = app(Launch {
        ops: vec!["channel=G".parse().unwrap()],
        ..Launch::default()
    });
    add(&mut harness, "Cast");
    // One byte per pixel joins into nothing wider: the default keeps bytes.
    assert_eq!(op_texts(&harness), ["channel=G", "cast=u8"]);
    let words = SampleType::of::<u32>().unwrap();
    let reason = viewlib::pipeline::Op::Cast(words)
        .output_shape([720, 1280, 1], SampleType::U8)
        .unwrap_err();
    assert!(matches!(
        reason,
        OpErrorKind::View(ViewError::ItemSizeMismatch { .. })
    ));
    let line = format!("u32: {reason}");
    assert!(
        harness.query_by_label(&line).is_some(),
        "the editor shows `{line}`"
    );
    assert!(harness.get_by_label("u32").accesskit_node().is_disabled());
    assert!(!harness.get_by_label("u8").accesskit_node().is_disabled());
}

#[test]
fn the_inspector_follows_pixels_through_a_cast_and_a_crop() {
    let harness = hovering_crop_flipped(&["cast=u32", "crop=100,50,400,300", "flip=h"]);
    let pixel = [0, 1, 2, 3].map(|k| testcard().view().get([70, 489, k]).unwrap());
    assert_eq!(
        harness.state().result().unwrap().values_at(20, 10),
        Some(vec![SampleValue::Word(u32::from_ne_bytes(pixel))])
    );
}

/// A refusal that depends on the strides, not the shape: each pixel's channels read
/// backwards are no word's bytes in order. The editor knows it before anything runs, from
/// the library's dry run, and says what the run would say.
#[test]
fn a_cast_refused_for_its_strides_is_disabled_before_the_run() {
    let reversed: viewlib::pipeline::Op = "slice=:,:,::-1".parse().unwrap();
    let mut harness = app(Launch {
        ops: vec![reversed],
        ..Launch::default()
    });
    add(&mut harness, "Cast");
    // The shape alone allows words and pairs; the new step starts from a cast that applies.
    let words = SampleType::of::<u32>().unwrap();
    let cast = viewlib::pipeline::Op::Cast(words);
    assert!(cast.output_shape([720, 1280, 4], SampleType::U8).is_ok());
    assert_eq!(op_texts(&harness), ["slice=:,:,::-1", "cast=u8"]);
    assert!(harness.state().failure().is_none());
    // The run's own refusal of u32 there, and the editor's.
    let run = viewlib::pipeline::apply_dyn(testcard().into(), &[reversed, cast], &mut Vec::new())
        .unwrap_err();
    assert!(
        matches!(run.kind, OpErrorKind::View(ViewError::NotContiguous { .. })),
        "{run}"
    );
    let line = format!("u32: {}", run.kind);
    assert!(
        harness.query_by_label(&line).is_some(),
        "the editor shows `{line}`"
    );
    assert!(harness.get_by_label("u32").accesskit_node().is_disabled());
    assert!(harness.get_by_label("u16be").accesskit_node().is_disabled());
    assert!(!harness.get_by_label("u8").accesskit_node().is_disabled());
    let dry = harness.state().document().input_layout(1).unwrap().unwrap();
    assert_eq!(cast.output_layout(&dry), Err(run.kind));
}
