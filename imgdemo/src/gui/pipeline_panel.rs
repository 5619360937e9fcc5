//! The left panel: the list of steps (add, remove, reorder, switch off) and the editor of
//! the selected step, with each control disabled and explained where it does not apply.

use super::document::{Document, ProcessError};
use super::steps::{KINDS, label, new_op};
use crate::pipeline::{Channel, Flip, Op, StepLayout, Subscript};
use egui::{RichText, Slider};
use viewlib::SampleType;
use viewlib::ops::Alpha;

/// What each operation does in memory, shown under its editor.
fn memory_note(op: &Op) -> &'static str {
    match op {
        Op::Invert(_) => "In place: rewrites the samples the view covers. 0 bytes copied.",
        Op::Crop { .. } => {
            "A view: the offset moves to the corner, the shape shrinks, the strides stay. 0 bytes copied."
        }
        Op::Channel(_) => {
            "A view: the offset moves to the channel, the channel axis keeps one sample. 0 bytes copied."
        }
        Op::Flip(_) => {
            "A view: one stride turns negative and the offset moves to the far end. 0 bytes copied."
        }
        Op::Transpose => "A view: the row and column strides swap. 0 bytes copied.",
        Op::Slice(_) => {
            "A view: each stride is multiplied by its axis's step (a negative step turns the axis \
             around) and the offset moves to the first element taken. 0 bytes copied."
        }
        Op::Cast(_) => {
            "A view of the same bytes as another sample type: the channel count and the strides \
             rescale by the ratio of sample sizes. 0 bytes copied."
        }
        Op::Gray => {
            "A new buffer: luma (Rec. 709) of the colour channels, alpha kept. The only copy."
        }
        Op::Brightness(_) | Op::Contrast(_) | Op::Gamma(_) | Op::Threshold(_) => {
            "In place, through a lookup table on colour samples (alpha is left alone)."
        }
    }
}

/// The pipeline panel's own state: what is being typed. The steps it edits are the
/// [`Document`]'s.
#[derive(Debug, Default)]
pub(super) struct PipelinePanel {
    /// The subscripts being typed for the slice step at this index, kept while they do not
    /// parse (the step keeps its last valid slice meanwhile).
    slice_text: Option<(usize, String)>,
}

impl PipelinePanel {
    /// The step list and the selected step's editor, editing `doc`'s steps; `crop_tool` is
    /// the canvas's switch for cropping by a drag, which the crop step's editor shows too.
    pub fn ui(&mut self, ui: &mut egui::Ui, doc: &mut Document, crop_tool: &mut bool) {
        ui.horizontal(|ui| {
            ui.heading("Pipeline");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                // New steps fit the image the last step leaves; while a step does not apply,
                // they start from the source's layout.
                let end = doc.steps().len();
                let input = doc
                    .input_layout(end)
                    .and_then(Result::ok)
                    .or_else(|| doc.input_layout(0).and_then(Result::ok));
                ui.add_enabled_ui(input.is_some(), |ui| {
                    ui.menu_button("➕ Add", |ui| {
                        for kind in KINDS {
                            if ui.button(kind).clicked() {
                                if let Some(op) = input.and_then(|input| new_op(kind, &input)) {
                                    doc.push_step(op);
                                }
                                ui.close();
                            }
                        }
                    });
                });
            });
        });
        ui.label(
            RichText::new("Every change re-runs the steps on a copy of the source pixels.").weak(),
        );
        ui.separator();
        if doc.steps().is_empty() {
            ui.label("No steps yet: add one with ➕ Add.");
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            let mut action = None;
            let failed_at = doc
                .failure()
                .and_then(ProcessError::op_error)
                .and_then(|f| doc.steps().index_of_position(f.position));
            let count = doc.steps().len();
            for i in 0..count {
                let step = doc.steps().as_slice()[i];
                ui.horizontal(|ui| {
                    let mut enabled = step.enabled;
                    if ui
                        .checkbox(&mut enabled, format!("{}.", i + 1))
                        .on_hover_text("Switch this step on or off")
                        .changed()
                    {
                        action = Some(Action::Toggle(i));
                    }
                    let mut text = RichText::new(label(&step.op));
                    if !step.enabled {
                        text = text.weak().strikethrough();
                    }
                    if failed_at == Some(i) {
                        text = text.color(ui.visuals().error_fg_color);
                    }
                    let selected = doc.selected() == Some(i);
                    if ui.selectable_label(selected, text).clicked() {
                        doc.select(if selected { None } else { Some(i) });
                    }
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .small_button("🗑")
                            .on_hover_text("Remove this step")
                            .clicked()
                        {
                            action = Some(Action::Remove(i));
                        }
                        if ui
                            .add_enabled(i + 1 < count, egui::Button::new("⬇").small())
                            .on_hover_text("Move this step later")
                            .clicked()
                        {
                            action = Some(Action::Down(i));
                        }
                        if ui
                            .add_enabled(i > 0, egui::Button::new("⬆").small())
                            .on_hover_text("Move this step earlier")
                            .clicked()
                        {
                            action = Some(Action::Up(i));
                        }
                    });
                });
                if failed_at == Some(i)
                    && let Some(f) = doc.failure()
                {
                    let reason = match f {
                        ProcessError::Op(e) => e.kind.to_string(),
                        other => other.to_string(),
                    };
                    ui.label(RichText::new(reason).color(ui.visuals().error_fg_color));
                }
                if doc.selected() == Some(i) {
                    egui::Frame::group(ui.style())
                        .show(ui, |ui| self.step_editor(ui, doc, i, crop_tool));
                }
            }
            match action {
                Some(Action::Toggle(i)) => doc.toggle_step(i),
                Some(Action::Remove(i)) => doc.remove_step(i),
                Some(Action::Up(i)) => doc.move_step_up(i),
                Some(Action::Down(i)) => doc.move_step_down(i),
                None => {}
            }
            if !doc.steps().is_empty() {
                ui.add_space(8.0);
                if ui.button("Remove all steps").clicked() {
                    doc.clear_steps();
                }
            }
        });
    }

    fn step_editor(
        &mut self,
        ui: &mut egui::Ui,
        doc: &mut Document,
        index: usize,
        crop_tool: &mut bool,
    ) {
        let mut op = doc.steps().as_slice()[index].op;
        // The image reaching the step, as the library's dry run of the steps before it
        // says (`None` while one of them does not apply).
        let input = doc.input_layout(index).and_then(Result::ok);
        let shape = input.map(|i| i.layout.shape());
        let channels = shape.map_or(4, |s| s[2]);
        let has_alpha = channels == 2 || channels == 4;
        match &mut op {
            Op::Invert(alpha) => {
                ui.radio_value(alpha, Alpha::Keep, "Colour only (alpha kept)");
                ui.add_enabled_ui(has_alpha || *alpha == Alpha::Invert, |ui| {
                    ui.radio_value(alpha, Alpha::Invert, "Colour and alpha");
                })
                .response
                .on_disabled_hover_text("The image reaching this step has no alpha channel.");
            }
            Op::Crop {
                x,
                y,
                width,
                height,
            } => {
                let [h, w] = shape.map_or([usize::MAX, usize::MAX], |s| [s[0], s[1]]);
                egui::Grid::new(("crop", index))
                    .num_columns(2)
                    .show(ui, |ui| {
                        ui.label("Left, top");
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::DragValue::new(x)
                                    .range(0..=w.saturating_sub(1))
                                    .prefix("x "),
                            );
                            ui.add(
                                egui::DragValue::new(y)
                                    .range(0..=h.saturating_sub(1))
                                    .prefix("y "),
                            );
                        });
                        ui.end_row();
                        ui.label("Size");
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::DragValue::new(width)
                                    .range(1..=w.max(1))
                                    .prefix("width "),
                            );
                            ui.add(
                                egui::DragValue::new(height)
                                    .range(1..=h.max(1))
                                    .prefix("height "),
                            );
                        });
                        ui.end_row();
                    });
                if let Some([h, w, _]) = shape {
                    ui.label(RichText::new(format!("The image here is {w}×{h}.")).weak());
                    if ui.button("Whole image").clicked() {
                        (*x, *y, *width, *height) = (0, 0, w, h);
                    }
                }
                ui.toggle_value(crop_tool, "✂ Drag on the Before image")
                    .on_hover_text("Drag a rectangle on the Before image to set the crop.");
            }
            Op::Channel(channel) => {
                ui.horizontal(|ui| {
                    for (c, name) in [
                        (Channel::R, "R"),
                        (Channel::G, "G"),
                        (Channel::B, "B"),
                        (Channel::A, "A"),
                        (Channel::L, "L"),
                    ] {
                        let available = c.index_in(channels).is_some();
                        ui.add_enabled_ui(available, |ui| {
                            ui.selectable_value(channel, c, name);
                        })
                        .response
                        .on_disabled_hover_text(match c {
                            Channel::A => "The image reaching this step has no alpha channel.",
                            Channel::L => "L is the gray channel of a gray image.",
                            _ => "The image reaching this step is gray: use L.",
                        });
                    }
                });
                ui.label(
                    RichText::new("Shown as gray; choose Tinted or Side by side above the image.")
                        .weak(),
                );
            }
            Op::Flip(flip) => {
                ui.radio_value(flip, Flip::Horizontal, "Horizontal (left ↔ right)");
                ui.radio_value(flip, Flip::Vertical, "Vertical (top ↕ bottom)");
            }
            Op::Slice(subscripts) => self.slice_editor(ui, index, subscripts, input),
            Op::Cast(to) => cast_editor(ui, input, to),
            Op::Transpose | Op::Gray => {}
            Op::Brightness(d) => {
                ui.add(Slider::new(d, -1.0..=1.0).text("brightness"));
            }
            Op::Contrast(f) => {
                ui.add(Slider::new(f, 0.0..=4.0).text("contrast"));
            }
            Op::Gamma(g) => {
                ui.add(Slider::new(g, 0.1..=5.0).logarithmic(true).text("gamma"));
            }
            Op::Threshold(t) => {
                ui.add(Slider::new(t, 0.0..=1.0).text("threshold"));
            }
        }
        ui.label(RichText::new(memory_note(&op)).small().weak());
        // Counts as an edit only if the operation changed.
        doc.set_op(index, op);
    }

    /// NumPy subscripts typed as text, checked as typed against the image reaching the step
    /// (`input`, from the library's dry run of the steps before) with the library's own
    /// rules; the step takes them only when they apply.
    fn slice_editor(
        &mut self,
        ui: &mut egui::Ui,
        index: usize,
        subscripts: &mut [Subscript; 3],
        input: Option<StepLayout>,
    ) {
        let [rows, cols, channels] = *subscripts;
        let current = format!("{rows}, {cols}, {channels}");
        if self.slice_text.as_ref().is_none_or(|(i, _)| *i != index) {
            self.slice_text = Some((index, current));
        }
        let Some((_, text)) = &mut self.slice_text else {
            return;
        };
        ui.horizontal(|ui| {
            ui.monospace("a[");
            ui.add(
                egui::TextEdit::singleline(text)
                    .font(egui::TextStyle::Monospace)
                    .desired_width(160.0),
            )
            .on_hover_text("rows, columns, channels: start:stop:step or an index on each axis");
            ui.monospace("]");
        });
        let checked = format!("slice={text}")
            .parse::<Op>()
            .map_err(|e| e.reason().to_string())
            .and_then(|op| {
                let out = input.map(|i| op.output_layout(&i)).transpose();
                out.map(|out| (op, out.map(|o| o.layout.shape())))
                    .map_err(|kind| kind.to_string())
            });
        match checked {
            Ok((Op::Slice(parsed), out)) => {
                *subscripts = parsed;
                if let Some([h, w, c]) = out {
                    ui.label(
                        RichText::new(format!("Result: {h} rows × {w} columns × {c} channels"))
                            .weak(),
                    );
                }
            }
            Ok(_) => unreachable!("slice= parses as a slice"),
            Err(reason) => {
                ui.label(RichText::new(reason).color(ui.visuals().error_fg_color));
            }
        }
        ui.label(
            RichText::new(
                "e.g. 100:400:2, ::-1, 1 is every other row of 100..400, mirrored, green",
            )
            .weak(),
        );
    }
}

/// The cast editor's targets, by their names in the op grammar (`cast=u16le`).
const CAST_TARGETS: [&str; 6] = ["u8", "u16", "u16le", "u16be", "u32", "f32"];

/// A target chooser: each target the library refuses for the image reaching the step
/// (`input`, from its dry run of the steps before) is disabled with [`Op::output_layout`]'s
/// reason on hover and under the choices, before anything runs: the refusals that depend on
/// the shape (3 bytes do not make 16-bit samples) and those that depend on the strides and
/// the offset (a pixel whose bytes are reversed or cut, a misaligned first sample) alike.
/// The result's shape and format are shown.
fn cast_editor(ui: &mut egui::Ui, input: Option<StepLayout>, to: &mut SampleType) {
    let checked = |target: SampleType| input.map(|input| Op::Cast(target).output_layout(&input));
    let mut refusals = Vec::new();
    let mut shown = Vec::new();
    ui.horizontal(|ui| {
        ui.label("Read the bytes as");
        for name in CAST_TARGETS {
            let Ok(Op::Cast(target)) = format!("cast={name}").parse::<Op>() else {
                continue;
            };
            // `u16` is one of `u16le` and `u16be` on any machine: one button for both.
            if shown.contains(&target) {
                continue;
            }
            shown.push(target);
            let refusal = checked(target).and_then(Result::err);
            let response = ui
                .add_enabled_ui(refusal.is_none() || *to == target, |ui| {
                    ui.selectable_value(to, target, name)
                })
                .response;
            if let Some(reason) = refusal {
                response.on_disabled_hover_text(reason.to_string());
                refusals.push(format!("{name}: {reason}"));
            }
        }
    });
    for refusal in refusals {
        ui.label(RichText::new(refusal).small().weak());
    }
    match (checked(*to), input) {
        (Some(Ok(after)), Some(input)) => {
            let [h, w, c] = after.layout.shape();
            let format = after.sample_type;
            ui.label(
                RichText::new(format!(
                    "Result: {h} rows × {w} columns × {c} channels, format {} ({} bytes each), from {}",
                    format.format(),
                    format.size(),
                    input.sample_type.format(),
                ))
                .weak(),
            );
        }
        (Some(Err(reason)), _) => {
            ui.label(RichText::new(reason.to_string()).color(ui.visuals().error_fg_color));
        }
        _ => {}
    }
    ui.label(
        RichText::new(
            "A cast's channels are not colours: \"As is\" shows them side by side in gray, \
                 u32 words in false colour (each word's top three bytes as R, G, B).",
        )
        .weak(),
    );
}

enum Action {
    Toggle(usize),
    Remove(usize),
    Up(usize),
    Down(usize),
}
