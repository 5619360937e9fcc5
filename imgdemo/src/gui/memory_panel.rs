//! The right panel: the result view's layout (shape, strides, offset, format), a picture of
//! the bytes it reads in its memory, what each step copied and how long it took, and the
//! pixel under the cursor. Every layout fact comes from the library's image type.

use super::app::{Latency, ms};
use super::canvas::{Hover, channel_swatch};
use super::document::{Document, Processed, Source, values_at, values_text};
use super::footprint::Footprint;
use super::steps::label;
use egui::{Color32, Rect, RichText, Sense, Stroke, StrokeKind, pos2, vec2};
use viewlib::{DynStridedImage, Layout};

fn bytes(n: usize) -> String {
    match n {
        n if n >= 10 << 20 => format!("{:.1} MiB", n as f64 / (1 << 20) as f64),
        n if n >= 10 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// `"C"` (row-major, gap-free), `"F"` (column-major), or `"strided"`.
fn contiguity(layout: &Layout<3>) -> &'static str {
    if layout.is_c_contiguous() {
        "C"
    } else if layout.is_f_contiguous() {
        "F"
    } else {
        "strided"
    }
}

/// The format row: the sample type's format code, NumPy name and size, e.g. `B (u1, 1 byte)`.
fn format_label(image: &DynStridedImage) -> String {
    let t = image.sample_type();
    let size = t.size();
    format!(
        "{} ({t}, {size} byte{})",
        image.format(),
        if size == 1 { "" } else { "s" }
    )
}

/// A format code with its itemsize, e.g. `I (4 B)`.
fn itemsize_label(format: &str, itemsize: usize) -> String {
    format!("{format} ({itemsize} B)")
}

/// Each step's view as the library reported it: format and itemsize, byte strides and
/// offset in the memory it reads. Across a cast the format and the strides' unit change
/// over the same bytes, and nothing is copied.
fn step_layouts(ui: &mut egui::Ui, source: &Source, result: &Processed) {
    egui::Grid::new("step layouts")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            ui.label("");
            ui.label("format").on_hover_text(
                "memoryview.format and the itemsize: a cast changes them, over the same bytes",
            );
            ui.label("strides")
                .on_hover_text("memoryview.strides: bytes to step along each axis");
            ui.label("offset");
            ui.end_row();
            let image = source.image();
            ui.label("working copy");
            ui.monospace(itemsize_label(image.format(), image.itemsize()));
            ui.monospace(format!("{:?}", image.byte_strides()));
            ui.monospace(format!("{} B", grouped(image.offset_bytes())));
            ui.end_row();
            for report in &result.reports {
                ui.label(label(&report.op));
                ui.monospace(itemsize_label(report.format, report.sample_type.size()));
                ui.monospace(format!("{:?}", report.byte_strides()));
                ui.monospace(format!("{} B", grouped(report.offset_bytes)));
                ui.end_row();
            }
        });
}

/// The inspector's byte offset of pixel `[y, x]` (its first sample) of `image`, as
/// memoryview computes it: `offset + y·strides[0] + x·strides[1]`, every number the
/// library's.
pub(super) fn byte_offset_equation(image: &DynStridedImage, [y, x]: [usize; 2]) -> Option<String> {
    let at = image.byte_offset_of([y, x, 0])?;
    let [sy, sx, _] = image.byte_strides();
    Some(format!(
        "{} = {} + {y}·{sy} + {x}·{sx}",
        grouped(at),
        grouped(image.offset_bytes()),
    ))
}

/// The panel, for `doc`'s source and result; `hover` is the pixel under the cursor, and
/// `latency` the time from the last change to its frame. The panel keeps no state.
pub(super) fn ui(ui: &mut egui::Ui, doc: &Document, hover: Option<Hover>, latency: &Latency) {
    // Scrolls sideways too: its tables do not widen the panel into the images (nor does
    // the panel narrow to them).
    egui::ScrollArea::both().auto_shrink([false, true]).show(ui, |ui| {
            ui.heading("Memory");
            let Some(source) = doc.source() else {
                ui.label("No image yet.");
                return;
            };
            let [h, w, c] = source.image().shape();
            egui::Grid::new("source").num_columns(2).show(ui, |ui| {
                ui.label("Source");
                ui.label(&source.name);
                ui.end_row();
                ui.label("Format");
                ui.label(&source.format);
                ui.end_row();
                ui.label("Shape");
                ui.monospace(format!("[{h}, {w}, {c}]"));
                ui.end_row();
                ui.label("Buffer");
                ui.monospace(bytes(source.image().memory_bytes().len()));
                ui.end_row();
            });
            let Some(result) = doc.result() else {
                return;
            };
            ui.separator();
            ui.strong("Result view");
            let image = result.image();
            let base = if result.lineage.copies() == 0 {
                "working copy of the source".to_string()
            } else {
                let gray_at = result
                    .reports
                    .iter()
                    .rposition(|r| r.bytes_copied > 0)
                    .map_or(0, |i| i + 1);
                format!("buffer made by step {gray_at} (gray)")
            };
            egui::Grid::new("layout").num_columns(2).show(ui, |ui| {
                let row = |ui: &mut egui::Ui, name: &str, value: String, help: &str| {
                    ui.label(name).on_hover_text(help);
                    ui.monospace(value);
                    ui.end_row();
                };
                row(ui, "shape", format!("{:?}", image.shape()), "memoryview.shape: [height, width, channels]");
                row(ui, "strides", format!("{:?}", image.byte_strides()), "memoryview.strides: bytes to step along each axis");
                row(ui, "offset", format!("{} B", grouped(image.offset_bytes())), "Where element [0, 0, 0] is in the buffer");
                row(ui, "format", format_label(image), "memoryview.format, the NumPy dtype and the itemsize");
                row(ui, "contiguous", contiguity(&image.layout()).to_string(), "C: rows follow each other gap-free; F: column-major; strided: gaps or reordering");
                row(ui, "reads", base, "The buffer the view reads");
            });
            ui.add_space(6.0);
            ui.strong("Bytes of the buffer the view reads");
            footprint_picture(ui, image, &result.footprint);

            ui.separator();
            ui.strong("Steps");
            egui::Grid::new("steps").num_columns(4).striped(true).show(ui, |ui| {
                ui.label("");
                ui.label("time");
                ui.label("copied");
                ui.label("shape after");
                ui.end_row();
                ui.label("working copy");
                ui.monospace(format!("{:.2} ms", ms(result.timings.copy)));
                ui.monospace(bytes(result.working_bytes));
                ui.monospace(format!("{:?}", [h, w, c]));
                ui.end_row();
                for report in &result.reports {
                    ui.label(label(&report.op));
                    ui.monospace(format!("{:.2} ms", ms(report.elapsed)));
                    let copied = if report.bytes_copied == 0 {
                        RichText::new("0 (view)").monospace().color(Color32::from_rgb(110, 200, 110))
                    } else {
                        RichText::new(bytes(report.bytes_copied)).monospace()
                    };
                    ui.label(copied);
                    ui.monospace(format!("{:?}", report.shape));
                    ui.end_row();
                }
                ui.label("preview");
                ui.monospace(format!("{:.2} ms", ms(result.timings.preview)));
                let [pw, ph] = result.preview.image.size;
                ui.monospace(format!("{pw}×{ph}"));
                ui.monospace(if result.preview.scale > 1 {
                    format!("1/{} size", result.preview.scale)
                } else {
                    "full size".into()
                });
                ui.end_row();
            });
            ui.add_space(6.0);
            step_layouts(ui, source, result);
            if let Some(last) = latency.recent.back() {
                ui.label(format!("Change to frame on screen: {:.1} ms", ms(*last)));
            }

            ui.separator();
            ui.strong("Pixel under the cursor");
            inspector(ui, source, result, hover);
        });
}

fn inspector(ui: &mut egui::Ui, source: &Source, result: &Processed, hover: Option<Hover>) {
    let Some(hover) = hover else {
        ui.label(RichText::new("Hover over an image.").weak());
        return;
    };
    egui::Grid::new("inspector").num_columns(2).show(ui, |ui| {
        match hover.source {
            Some((row, col)) => {
                let image = source.image();
                ui.label("before");
                ui.monospace(format!("x {col}, y {row}"));
                ui.end_row();
                ui.label("values");
                ui.monospace(values_text(
                    &values_at(image, [row, col]).unwrap_or_default(),
                ));
                ui.end_row();
                ui.label("byte offset");
                ui.monospace(
                    image
                        .byte_offset_of([row, col, 0])
                        .map_or_else(String::new, grouped),
                );
                ui.end_row();
            }
            None => {
                ui.label("before");
                ui.label("—");
                ui.end_row();
            }
        }
        match hover.result {
            Some((y, x)) => {
                ui.label("after");
                ui.monospace(format!("x {x}, y {y}"));
                ui.end_row();
                ui.label("values");
                ui.monospace(values_text(&result.values_at(y, x).unwrap_or_default()));
                ui.end_row();
                ui.label("byte offset");
                ui.monospace(byte_offset_equation(result.image(), [y, x]).unwrap_or_default())
                    .on_hover_text("offset + row × row stride + column × column stride");
                ui.end_row();
            }
            None => {
                ui.label("after");
                ui.label("not in the result (cropped away)");
                ui.end_row();
            }
        }
    });
}

/// The memory as a rectangle (its rows down, the bytes of a row across) with the parts the
/// view reads lit, then the bytes from the first one read, one box per byte.
fn footprint_picture(ui: &mut egui::Ui, image: &DynStridedImage, f: &Footprint) {
    let [rows, columns] = f.size;
    let width = ui.available_width().min(320.0);
    let memory_rows = f.memory.div_ceil(f.pitch).max(1);
    let height = (width * memory_rows as f32 / f.pitch as f32).clamp(24.0, 160.0);
    let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, Color32::from_gray(45));
    let cell = vec2(
        rect.width() / columns.max(1) as f32,
        rect.height() / rows.max(1) as f32,
    );
    let lit = Color32::from_rgb(230, 190, 60);
    for (i, _) in f.cells.iter().enumerate().filter(|(_, read)| **read) {
        let at = rect.min + vec2((i % columns) as f32 * cell.x, (i / columns) as f32 * cell.y);
        painter.rect_filled(Rect::from_min_size(at, cell), 0.0, lit);
    }
    painter.rect_stroke(
        rect,
        2.0,
        Stroke::new(1.0, Color32::GRAY),
        StrokeKind::Inside,
    );

    // The bytes from the first one read: filled where the view reads, in its channel's colour.
    let Some(first) = f.first_run.clone() else {
        return;
    };
    let shown = 24.min(f.memory - first.start);
    let box_width = (width / shown.max(1) as f32).min(14.0);
    let (strip, _) = ui.allocate_exact_size(vec2(width, box_width + 16.0), Sense::hover());
    let painter = ui.painter_at(strip);
    let channels = image.shape()[2];
    let itemsize = image.itemsize();
    for i in 0..shown {
        let byte = first.start + i;
        let r = Rect::from_min_size(
            pos2(strip.min.x + i as f32 * box_width, strip.min.y),
            vec2(box_width - 1.0, box_width),
        );
        // The element the byte belongs to starts at the byte before it in its sample.
        let element = (0..itemsize).find_map(|back| image.index_at_byte(byte.checked_sub(back)?));
        match element {
            Some([_, _, k]) => {
                painter.rect_filled(r, 1.0, channel_swatch(k, channels));
            }
            None => {
                let unread = Stroke::new(1.0, Color32::from_gray(90));
                painter.rect_stroke(r, 1.0, unread, StrokeKind::Inside);
            }
        }
    }
    painter.text(
        pos2(strip.min.x, strip.min.y + box_width + 2.0),
        egui::Align2::LEFT_TOP,
        format!(
            "bytes {}.. of the memory: filled = read",
            grouped(first.start)
        ),
        egui::FontId::proportional(11.0),
        Color32::GRAY,
    );
    let share = f.bytes as f64 / f.memory.max(1) as f64 * 100.0;
    let runs = match f.runs {
        Some(1) => "1 run".to_string(),
        Some(n) => format!("{} runs", grouped(n)),
        None => format!("more than {} runs", grouped(super::footprint::RUNS_COUNTED)),
    };
    ui.label(format!(
        "Reads {} of {} bytes ({share:.1}%) in {runs} of consecutive bytes.",
        grouped(f.bytes),
        grouped(f.memory),
    ));
    ui.label(
        RichText::new(format!("memory rows of {} bytes", grouped(f.pitch)))
            .weak()
            .small(),
    );
}
