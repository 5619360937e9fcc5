//! The right panel: the result view's layout (shape, strides, offset, format), a picture of
//! the bytes it reads in its buffer, what each step copied and how long it took, and the
//! pixel under the cursor.

use super::anatomy::{Footprint, ViewLayout};
use super::app::{DemoApp, ms};
use super::canvas::channel_swatch;
use super::steps::label;
use egui::{Color32, Rect, RichText, Sense, Stroke, StrokeKind, pos2, vec2};

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

impl DemoApp {
    pub(super) fn memory_panel(&mut self, ui: &mut egui::Ui) {
        // Scrolls sideways too: its tables do not widen the panel into the images (nor does
        // the panel narrow to them).
        egui::ScrollArea::both().auto_shrink([false, true]).show(ui, |ui| {
            ui.heading("Memory");
            let Some(source) = self.source.clone() else {
                ui.label("No image yet.");
                return;
            };
            let [h, w, c] = source.pixels.shape();
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
                ui.monospace(bytes(h * w * c * source.pixels.itemsize()));
                ui.end_row();
            });
            let Some(result) = self.result.clone() else {
                return;
            };
            ui.separator();
            ui.strong("Result view");
            let layout = *result.lineage.result();
            let itemsize = layout.itemsize;
            let base = if result.lineage.reads_source() {
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
                row(ui, "shape", format!("{:?}", layout.shape), "memoryview.shape: [height, width, channels]");
                row(ui, "strides", format!("{:?}", layout.byte_strides()), "memoryview.strides: bytes to step along each axis");
                row(ui, "offset", format!("{} B", grouped(layout.offset * itemsize)), "Where element [0, 0, 0] is in the buffer");
                row(ui, "format", format!("{} ({} byte{})", if itemsize == 1 { "B" } else { "H" }, itemsize, if itemsize == 1 { "" } else { "s" }), "memoryview.format and itemsize");
                row(ui, "contiguous", layout.contiguity().to_string(), "C: rows follow each other gap-free; F: column-major; strided: gaps or reordering");
                row(ui, "reads", base, "The buffer the view reads");
            });
            ui.add_space(6.0);
            ui.strong("Bytes of the buffer the view reads");
            footprint_picture(ui, &layout, &layout.footprint());

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
            if let Some(last) = self.latency.recent.back() {
                ui.label(format!("Change to frame on screen: {:.1} ms", ms(*last)));
            }

            ui.separator();
            ui.strong("Pixel under the cursor");
            self.inspector(ui, &source, &result);
        });
    }

    fn inspector(
        &self,
        ui: &mut egui::Ui,
        source: &super::document::Source,
        result: &super::document::Processed,
    ) {
        let Some(hover) = self.hover else {
            ui.label(RichText::new("Hover over an image.").weak());
            return;
        };
        let [_, sw, sc] = source.pixels.shape();
        let itemsize = source.pixels.itemsize();
        egui::Grid::new("inspector").num_columns(2).show(ui, |ui| {
            match hover.source {
                Some((row, col)) => {
                    let offset = (row * sw + col) * sc;
                    ui.label("before");
                    ui.monospace(format!("x {col}, y {row}"));
                    ui.end_row();
                    ui.label("values");
                    ui.monospace(format!("{:?}", source.pixels.values(offset, 1, sc)));
                    ui.end_row();
                    ui.label("byte offset");
                    ui.monospace(grouped(offset * itemsize));
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
                    let layout = result.lineage.result();
                    ui.label("after");
                    ui.monospace(format!("x {x}, y {y}"));
                    ui.end_row();
                    ui.label("values");
                    ui.monospace(format!("{:?}", result.values_at(y, x).unwrap_or_default()));
                    ui.end_row();
                    ui.label("byte offset");
                    let [sy, sx, _] = layout.byte_strides();
                    ui.monospace(format!(
                        "{} = {} + {y}·{sy} + {x}·{sx}",
                        grouped(layout.byte_offset(y, x).unwrap_or(0)),
                        grouped(layout.offset * layout.itemsize),
                    ))
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
}

/// The buffer as a rectangle (rows down, bytes of a row across) with the part the view reads
/// lit, then the bytes of the first pixels of the first row read, one box per sample.
fn footprint_picture(ui: &mut egui::Ui, layout: &ViewLayout, f: &Footprint) {
    let [bh, bw, bc] = layout.base_shape;
    let width = ui.available_width().min(320.0);
    let height = (width * bh as f32 / bw.max(1) as f32).clamp(24.0, 160.0);
    let (rect, _) = ui.allocate_exact_size(vec2(width, height), Sense::hover());
    let painter = ui.painter_at(rect);
    let dim = Color32::from_gray(45);
    painter.rect_filled(rect, 2.0, dim);
    let x_of = |col: usize| rect.min.x + rect.width() * col as f32 / bw.max(1) as f32;
    let y_of = |row: usize| rect.min.y + rect.height() * row as f32 / bh.max(1) as f32;
    let lit = Rect::from_min_max(
        pos2(x_of(f.cols.start), y_of(f.rows.start)),
        pos2(x_of(f.cols.end), y_of(f.rows.end)),
    );
    let touched: Vec<usize> = (0..bc).filter(|&k| f.channels[k]).collect();
    if touched.len() == bc {
        painter.rect_filled(lit, 0.0, Color32::from_rgb(230, 190, 60));
    } else {
        // Some channels only: stripes in their colours, one per channel read.
        let stripe = (lit.width() / (touched.len().max(1) as f32 * 6.0)).max(1.0);
        let mut x = lit.min.x;
        let mut i = 0;
        while x < lit.max.x {
            let k = touched[i % touched.len().max(1)];
            let r = Rect::from_min_max(
                pos2(x, lit.min.y),
                pos2((x + stripe).min(lit.max.x), lit.max.y),
            );
            painter.rect_filled(r, 0.0, channel_swatch(k, bc));
            x += stripe * 2.0;
            i += 1;
        }
    }
    painter.rect_stroke(
        lit,
        0.0,
        Stroke::new(1.0, Color32::WHITE),
        StrokeKind::Inside,
    );
    painter.rect_stroke(
        rect,
        2.0,
        Stroke::new(1.0, Color32::GRAY),
        StrokeKind::Inside,
    );

    // One row of bytes, at the view's first row, from the first column it reads.
    let pixels = 8.min(bw);
    let first_col = f.cols.start.min(bw.saturating_sub(pixels));
    let boxes = pixels * bc * layout.itemsize;
    let cell = (width / boxes.max(1) as f32).min(14.0);
    let (strip, _) = ui.allocate_exact_size(vec2(width, cell + 16.0), Sense::hover());
    let painter = ui.painter_at(strip);
    for p in 0..pixels {
        let col = first_col + p;
        for k in 0..bc {
            for b in 0..layout.itemsize {
                let i = (p * bc + k) * layout.itemsize + b;
                let r = Rect::from_min_size(
                    pos2(strip.min.x + i as f32 * cell, strip.min.y),
                    vec2(cell - 1.0, cell),
                );
                let read = f.cols.contains(&col) && f.channels[k];
                if read {
                    painter.rect_filled(r, 1.0, channel_swatch(k, bc));
                } else {
                    painter.rect_stroke(
                        r,
                        1.0,
                        Stroke::new(1.0, Color32::from_gray(90)),
                        StrokeKind::Inside,
                    );
                }
            }
        }
    }
    painter.text(
        pos2(strip.min.x, strip.min.y + cell + 2.0),
        egui::Align2::LEFT_TOP,
        format!(
            "bytes of row {}, from column {first_col}: filled = read",
            f.rows.start
        ),
        egui::FontId::proportional(11.0),
        Color32::GRAY,
    );
    let share = f.bytes as f64 / layout.base_bytes().max(1) as f64 * 100.0;
    ui.label(format!(
        "Reads {} of {} bytes ({share:.1}%) in {} run{} of consecutive bytes.",
        grouped(f.bytes),
        grouped(layout.base_bytes()),
        grouped(f.runs),
        if f.runs == 1 { "" } else { "s" }
    ));
    ui.label(
        RichText::new(format!(
            "rows {}..{}, columns {}..{}, channels {:?}",
            f.rows.start, f.rows.end, f.cols.start, f.cols.end, touched
        ))
        .weak()
        .small(),
    );
}
