//! The app's editable pipeline: operations the user adds, removes, reorders and switches off.

use crate::pipeline::{Channel, Flip, Op, StepLayout};
use viewlib::SampleType;
use viewlib::ops::Alpha;

/// One operation in the pipeline, with its on/off switch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The operation and its parameters.
    pub op: Op,
    /// Switched-off steps stay in the list but are skipped.
    pub enabled: bool,
}

/// The pipeline as the user edits it.
///
/// Every edit counts in [`revision`](Steps::revision), so the app knows the pipeline must run
/// again without keeping a copy of the steps to compare with.
///
/// ```
/// use imgdemo::gui::Steps;
/// let mut steps = Steps::from_ops(["invert", "flip=h", "gray"].map(|s| s.parse().unwrap()));
/// steps.move_up(2);
/// steps.toggle(0);
/// assert_eq!(steps.enabled_ops().iter().map(|op| op.to_string()).collect::<Vec<_>>(), ["gray", "flip=h"]);
/// // The second enabled operation is the third step.
/// assert_eq!(steps.index_of_position(2), Some(2));
/// // Moving the first step up does nothing, so it does not count.
/// let seen = steps.revision();
/// steps.move_up(0);
/// assert_eq!(steps.revision(), seen);
/// steps.toggle(0);
/// assert_ne!(steps.revision(), seen);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Steps {
    steps: Vec<Step>,
    revision: u64,
}

/// Equal steps, whatever edits led to them.
impl PartialEq for Steps {
    fn eq(&self, other: &Self) -> bool {
        self.steps == other.steps
    }
}

impl Steps {
    /// Enabled steps for each of `ops`.
    pub fn from_ops(ops: impl IntoIterator<Item = Op>) -> Self {
        Steps {
            steps: ops
                .into_iter()
                .map(|op| Step { op, enabled: true })
                .collect(),
            revision: 0,
        }
    }

    /// A number that changes with every edit: compare it with one taken earlier to know
    /// whether the steps may have changed since. An edit that does nothing (an index out of
    /// range, a step moved to where it is, an operation set to the one it is) does not count.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    fn edited(&mut self) {
        self.revision += 1;
    }

    /// The steps in order.
    pub fn as_slice(&self) -> &[Step] {
        &self.steps
    }

    /// Number of steps, enabled or not.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether there is no step.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Appends an enabled step.
    pub fn push(&mut self, op: Op) {
        self.steps.push(Step { op, enabled: true });
        self.edited();
    }

    /// Inserts an enabled step at `index` (clamped to the end).
    pub fn insert(&mut self, index: usize, op: Op) {
        let index = index.min(self.steps.len());
        self.steps.insert(index, Step { op, enabled: true });
        self.edited();
    }

    /// Removes step `index`, if it exists.
    pub fn remove(&mut self, index: usize) {
        if index < self.steps.len() {
            self.steps.remove(index);
            self.edited();
        }
    }

    /// Removes every step.
    pub fn clear(&mut self) {
        if !self.steps.is_empty() {
            self.steps.clear();
            self.edited();
        }
    }

    /// Moves step `index` one place earlier.
    pub fn move_up(&mut self, index: usize) {
        if index > 0 && index < self.steps.len() {
            self.steps.swap(index - 1, index);
            self.edited();
        }
    }

    /// Moves step `index` one place later.
    pub fn move_down(&mut self, index: usize) {
        if index + 1 < self.steps.len() {
            self.steps.swap(index, index + 1);
            self.edited();
        }
    }

    /// Moves step `from` so it ends up at `to` (drag and drop).
    pub fn move_to(&mut self, from: usize, to: usize) {
        if from < self.steps.len() {
            let step = self.steps.remove(from);
            let to = to.min(self.steps.len());
            self.steps.insert(to, step);
            if to != from {
                self.edited();
            }
        }
    }

    /// Switches step `index` on or off.
    pub fn toggle(&mut self, index: usize) {
        if let Some(step) = self.steps.get_mut(index) {
            step.enabled = !step.enabled;
            self.edited();
        }
    }

    /// Replaces the operation of step `index`.
    pub fn set_op(&mut self, index: usize, op: Op) {
        if let Some(step) = self.steps.get_mut(index)
            && step.op != op
        {
            step.op = op;
            self.edited();
        }
    }

    /// The enabled operations, in order: what the pipeline runs.
    pub fn enabled_ops(&self) -> Vec<Op> {
        self.steps
            .iter()
            .filter(|s| s.enabled)
            .map(|s| s.op)
            .collect()
    }

    /// The step index of the `position`-th (1-based) enabled operation, as
    /// [`OpError::position`](crate::pipeline::OpError::position) counts them.
    pub fn index_of_position(&self, position: usize) -> Option<usize> {
        self.steps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.enabled)
            .nth(position.checked_sub(1)?)
            .map(|(i, _)| i)
    }

    /// The 1-based position among enabled operations of step `index`, if it is enabled.
    pub fn position_of_index(&self, index: usize) -> Option<usize> {
        let step = self.steps.get(index)?;
        step.enabled
            .then(|| self.steps[..index].iter().filter(|s| s.enabled).count() + 1)
    }
}

/// The kinds of operation the "Add" menu offers, each with its label and a starting value
/// that fits an image of `[height, width, channels]`.
pub const KINDS: [&str; 14] = [
    "Invert",
    "Crop",
    "Channel",
    "Flip horizontal",
    "Flip vertical",
    "Transpose",
    "Slice",
    "Cast",
    "Gray",
    "Brightness",
    "Contrast",
    "Gamma",
    "Threshold",
    "Invert with alpha",
];

/// A new operation of kind `kind` (one of [`KINDS`]) for an image laid out as `input`: the
/// crop keeps the middle half, the channel is the first, tone operations start with a visible
/// change, the cast is one the library takes ([`default_cast`]).
///
/// ```
/// use imgdemo::gui::steps::new_op;
/// use viewlib::pipeline::StepLayout;
/// use viewlib::{ImageBuf, StridedImage};
/// let image = |c| StepLayout::of(&StridedImage::from(ImageBuf::<u8>::new(100, 200, c).unwrap()));
/// let new = |kind, c| new_op(kind, &image(c)).unwrap().to_string();
/// assert_eq!(new("Crop", 3), "crop=50,25,100,50");
/// assert_eq!(new("Channel", 1), "channel=L");
/// assert_eq!(new("Slice", 3), "slice=::2,::-1,:");
/// assert_eq!(new("Cast", 4), "cast=u32");
/// assert!(new_op("Blur", &image(1)).is_none());
/// ```
pub fn new_op(kind: &str, input: &StepLayout) -> Option<Op> {
    let [height, width, channels] = input.layout.shape();
    Some(match kind {
        "Invert" => Op::Invert(Alpha::Keep),
        "Invert with alpha" => Op::Invert(Alpha::Invert),
        "Crop" => Op::Crop {
            x: width / 4,
            y: height / 4,
            width: (width / 2).max(1),
            height: (height / 2).max(1),
        },
        "Channel" => Op::Channel(if channels <= 2 {
            Channel::L
        } else {
            Channel::R
        }),
        "Flip horizontal" => Op::Flip(Flip::Horizontal),
        "Flip vertical" => Op::Flip(Flip::Vertical),
        "Transpose" => Op::Transpose,
        // Every other row, mirrored: both of a slice's powers, visible at once.
        "Slice" => "slice=::2,::-1".parse().expect("a valid slice"),
        "Cast" => default_cast(input),
        "Gray" => Op::Gray,
        "Brightness" => Op::Brightness(0.2),
        "Contrast" => Op::Contrast(1.5),
        "Gamma" => Op::Gamma(0.5),
        "Threshold" => Op::Threshold(0.5),
        _ => return None,
    })
}

/// The cast a new Cast step starts with: one the library takes on an image laid out as
/// `input` (its strides and offset included: [`Op::output_layout`]), and that shows what a
/// cast does: bytes joined into `u32` words (RGBA8, one word per pixel) or 16-bit pairs, or
/// 16-bit and wider samples split into bytes.
///
/// ```
/// use imgdemo::gui::steps::default_cast;
/// use viewlib::pipeline::{Op, StepLayout};
/// use viewlib::{ImageBuf, StridedImage};
/// let bytes = |c| StridedImage::from(ImageBuf::<u8>::new(720, 1280, c).unwrap());
/// let cast = |image: &StridedImage<u8>| default_cast(&StepLayout::of(image)).to_string();
/// assert_eq!(cast(&bytes(4)), "cast=u32");
/// assert_eq!(cast(&bytes(2)), "cast=u16be");
/// assert_eq!(cast(&bytes(3)), "cast=u8");
/// // Each pixel's bytes reversed: no word or pair reads them, bytes stay bytes.
/// assert_eq!(cast(&bytes(4).slice(viewlib::s![.., .., ..;-1]).unwrap()), "cast=u8");
/// let sixteen = StridedImage::from(ImageBuf::<u16>::new(256, 1024, 3).unwrap());
/// assert_eq!(default_cast(&StepLayout::of(&sixteen)).to_string(), "cast=u8");
/// ```
pub fn default_cast(input: &StepLayout) -> Op {
    let joined = [SampleType::of::<u32>(), Some(SampleType::U16Be)];
    let wider = if input.sample_type.size() == 1 {
        joined
            .into_iter()
            .flatten()
            .find(|&to| Op::Cast(to).output_layout(input).is_ok())
    } else {
        None
    };
    Op::Cast(wider.unwrap_or(SampleType::U8))
}

/// A short human label: `Crop 640×480 at (10, 20)`, `Channel R`, `Gamma 2.20`.
///
/// ```
/// use imgdemo::gui::steps::label;
/// assert_eq!(label(&"crop=10,20,640,480".parse().unwrap()), "Crop 640×480 at (10, 20)");
/// assert_eq!(label(&"invert=all".parse().unwrap()), "Invert (alpha too)");
/// assert_eq!(label(&"slice=100:400:2,::-1,1".parse().unwrap()), "Slice [100:400:2, ::-1, 1]");
/// assert_eq!(label(&"cast=u16be".parse().unwrap()), "Cast to u16be");
/// ```
pub fn label(op: &Op) -> String {
    match *op {
        Op::Invert(Alpha::Keep) => "Invert".into(),
        Op::Invert(Alpha::Invert) => "Invert (alpha too)".into(),
        Op::Crop {
            x,
            y,
            width,
            height,
        } => format!("Crop {width}×{height} at ({x}, {y})"),
        Op::Channel(c) => format!("Channel {c:?}"),
        Op::Flip(Flip::Horizontal) => "Flip horizontal".into(),
        Op::Flip(Flip::Vertical) => "Flip vertical".into(),
        Op::Transpose => "Transpose".into(),
        Op::Slice([rows, cols, channels]) => format!("Slice [{rows}, {cols}, {channels}]"),
        Op::Cast(_) => format!("Cast to {}", op.to_string().trim_start_matches("cast=")),
        Op::Gray => "Gray".into(),
        Op::Brightness(d) => format!("Brightness {d:+.2}"),
        Op::Contrast(f) => format!("Contrast ×{f:.2}"),
        Op::Gamma(g) => format!("Gamma {g:.2}"),
        Op::Threshold(t) => format!("Threshold {t:.2}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(list: &[&str]) -> Steps {
        Steps::from_ops(list.iter().map(|s| s.parse().unwrap()))
    }

    fn texts(steps: &Steps) -> Vec<String> {
        steps
            .as_slice()
            .iter()
            .map(|s| format!("{}{}", if s.enabled { "" } else { "-" }, s.op))
            .collect()
    }

    #[test]
    fn editing_keeps_order_and_ignores_out_of_range_indices() {
        let mut s = steps(&["invert", "gray", "transpose"]);
        s.move_up(0);
        s.move_down(2);
        s.remove(7);
        s.toggle(9);
        assert_eq!(texts(&s), ["invert", "gray", "transpose"]);
        s.move_down(0);
        assert_eq!(texts(&s), ["gray", "invert", "transpose"]);
        s.move_to(2, 0);
        assert_eq!(texts(&s), ["transpose", "gray", "invert"]);
        s.move_to(0, 99);
        assert_eq!(texts(&s), ["gray", "invert", "transpose"]);
        s.toggle(1);
        assert_eq!(texts(&s), ["gray", "-invert", "transpose"]);
        assert_eq!(s.position_of_index(2), Some(2));
        assert_eq!(s.position_of_index(1), None);
        assert_eq!(s.index_of_position(0), None);
        assert_eq!(s.index_of_position(3), None);
        s.insert(10, "flip=v".parse().unwrap());
        s.set_op(0, "flip=h".parse().unwrap());
        s.remove(1);
        assert_eq!(texts(&s), ["flip=h", "transpose", "flip=v"]);
    }

    #[test]
    fn the_revision_counts_the_edits_that_do_something() {
        let mut s = steps(&["invert", "gray"]);
        let mut seen = s.revision();
        let mut changed = |s: &Steps, expected: bool, what: &str| {
            assert_eq!(s.revision() != seen, expected, "{what}");
            seen = s.revision();
        };
        s.move_up(0);
        s.move_down(1);
        s.move_to(1, 1);
        s.move_to(1, 9);
        s.move_to(5, 0);
        s.remove(2);
        s.toggle(2);
        s.set_op(0, "invert".parse().unwrap());
        s.set_op(2, "gray".parse().unwrap());
        changed(&s, false, "edits that do nothing");
        type Edit = fn(&mut Steps);
        let edits: [(&str, Edit); 8] = [
            ("push", |s| s.push(Op::Transpose)),
            ("insert", |s| s.insert(0, Op::Gray)),
            ("move_up", |s| s.move_up(1)),
            ("move_down", |s| s.move_down(0)),
            ("move_to", |s| s.move_to(0, 2)),
            ("toggle", |s| s.toggle(1)),
            ("set_op", |s| s.set_op(1, Op::Transpose)),
            ("remove", |s| s.remove(0)),
        ];
        for (what, edit) in edits {
            let before = s.clone();
            edit(&mut s);
            assert_ne!(s, before, "{what} changes the steps");
            changed(&s, true, what);
        }
        s.clear();
        changed(&s, true, "clear");
        s.clear();
        changed(&s, false, "clear of no steps");
    }

    #[test]
    fn every_kind_makes_an_op_that_fits_the_image() {
        for kind in KINDS {
            for shape in [[1, 1, 1], [3, 2, 2], [480, 640, 3], [9, 7, 4]] {
                let [h, w, c] = shape;
                let eight: viewlib::DynStridedImage =
                    viewlib::ImageBuf::<u8>::new(h, w, c).unwrap().into();
                let sixteen = viewlib::ImageBuf::<u16>::new(h, w, c).unwrap().into();
                for image in [eight, sixteen] {
                    let working = StepLayout::of_dyn(&image).detached();
                    let op = new_op(kind, &working).unwrap();
                    let format = image.format();
                    let applied = crate::pipeline::apply_dyn(image, &[op], &mut Vec::new());
                    if let Err(e) = applied {
                        panic!("{kind} on {shape:?} {format}: {e}");
                    }
                }
            }
        }
    }
}
