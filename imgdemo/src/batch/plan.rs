//! Which files to process and where each result goes, decided before any work starts.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// One input and the output it will be written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The image to read.
    pub input: PathBuf,
    /// The PNG to write (the input itself for `--in-place`).
    pub output: PathBuf,
}

/// The work for a run: jobs in input order, files skipped while walking folders, and inputs
/// that could not be read at all.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to process.
    pub jobs: Vec<Job>,
    /// Files found in folders that are not images (not counted as failures).
    pub skipped: Vec<PathBuf>,
    /// Inputs that do not exist, could not be listed, are not regular files or folders, or
    /// are the output folder itself, with the reason.
    pub unreadable: Vec<(PathBuf, String)>,
}

/// Expands `inputs` (files and folders) into jobs writing into `out_dir`.
///
/// - A file named on the command line is always a job (if it is not an image, that is its
///   error). Folders are walked recursively in name order; files in them that neither have an
///   image extension nor start like an image are skipped. The output folder is never walked,
///   so re-running over a folder that contains it does not process earlier results.
/// - Each output is `out_dir/<input stem>.png`. Two inputs with the same stem (`a/x.jpg`,
///   `b/x.png`) get `x.png` and `x-2.png` in input order; names are compared ignoring case, so
///   the plan is the same on case-insensitive file systems. The same file given twice is
///   processed once.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # std::fs::create_dir_all(dir.path().join("a"))?;
/// # std::fs::create_dir_all(dir.path().join("b"))?;
/// # std::fs::copy("../assets/testcard.png", dir.path().join("a/x.png"))?;
/// # std::fs::copy("../assets/testcard.png", dir.path().join("b/x.png"))?;
/// # std::fs::write(dir.path().join("b/notes.txt"), "hello")?;
/// use imgdemo::batch::plan;
/// let out = dir.path().join("out");
/// let plan = plan(&[dir.path().join("a"), dir.path().join("b")], &out);
/// let names: Vec<_> = plan.jobs.iter().map(|j| j.output.file_name().unwrap()).collect();
/// assert_eq!(names, ["x.png", "x-2.png"]);
/// assert_eq!(plan.skipped, [dir.path().join("b/notes.txt")]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn plan(inputs: &[PathBuf], out_dir: &Path) -> Plan {
    plan_with(inputs, Some(out_dir))
}

/// The jobs for `--in-place`: the same files as [`plan`] finds, each written to itself.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # std::fs::write(dir.path().join("scan.ppm"), b"P6 1 1 255\n\0\0\0")?;
/// let plan = imgdemo::batch::plan_in_place(&[dir.path().to_path_buf()]);
/// assert_eq!(plan.jobs[0].output, plan.jobs[0].input);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn plan_in_place(inputs: &[PathBuf]) -> Plan {
    plan_with(inputs, None)
}

fn plan_with(inputs: &[PathBuf], out_dir: Option<&Path>) -> Plan {
    let mut plan = Plan::default();
    let out_dir_real = out_dir.and_then(|d| d.canonicalize().ok());
    let mut seen = HashSet::new();
    let mut names = HashSet::new();
    let mut add = |plan: &mut Plan, input: PathBuf| {
        let real = input.canonicalize().unwrap_or_else(|_| input.clone());
        if !seen.insert(real) {
            return;
        }
        let output = match out_dir {
            Some(dir) => dir.join(unique_name(&input, &mut names)),
            None => input.clone(),
        };
        plan.jobs.push(Job { input, output });
    };
    for input in inputs {
        match input.metadata() {
            Err(e) => plan.unreadable.push((input.clone(), e.to_string())),
            Ok(meta) if meta.is_dir() && is_inside(input, out_dir_real.as_deref()) => {
                plan.unreadable.push((
                    input.clone(),
                    "is the output folder (or inside it); outputs are never read back as \
                     inputs: name the folder with the originals"
                        .into(),
                ));
            }
            Ok(meta) if !meta.is_dir() && !meta.is_file() => {
                // Opening a FIFO for reading would wait forever for a writer; a device
                // would never end.
                plan.unreadable.push((
                    input.clone(),
                    format!(
                        "not a regular file but {}; refused without reading it",
                        viewlib::io::file_type_name(&meta.file_type())
                    ),
                ));
            }
            Ok(meta) if meta.is_dir() => {
                let walk = walkdir::WalkDir::new(input)
                    .sort_by_file_name()
                    .into_iter()
                    .filter_entry(|e| {
                        // Pruning the output folder prunes everything in it: only folders
                        // need resolving.
                        let is_out = e.file_type().is_dir()
                            && out_dir_real
                                .as_deref()
                                .is_some_and(|out| e.path().canonicalize().is_ok_and(|p| p == out));
                        !is_out
                    });
                for entry in walk {
                    match entry {
                        Err(e) => {
                            let path = e.path().unwrap_or(input).to_path_buf();
                            plan.unreadable.push((path, e.to_string()));
                        }
                        Ok(e) if !e.file_type().is_file() => {}
                        Ok(e) if looks_like_image(e.path()) => add(&mut plan, e.into_path()),
                        Ok(e) => plan.skipped.push(e.into_path()),
                    }
                }
            }
            Ok(_) => add(&mut plan, input.clone()),
        }
    }
    plan
}

/// Whether the folder `dir` is `out` or inside it.
fn is_inside(dir: &Path, out: Option<&Path>) -> bool {
    match (dir.canonicalize(), out) {
        (Ok(dir), Some(out)) => dir.starts_with(out),
        _ => false,
    }
}

/// `<stem>.png`, or `<stem>-N.png` with the smallest `N >= 2` not taken yet.
fn unique_name(input: &Path, taken: &mut HashSet<String>) -> String {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "image".into());
    let mut name = format!("{stem}.png");
    let mut n = 2;
    while !taken.insert(name.to_lowercase()) {
        name = format!("{stem}-{n}.png");
        n += 1;
    }
    name
}

/// An image extension, or the first bytes of a known format.
fn looks_like_image(path: &Path) -> bool {
    if image::ImageFormat::from_path(path).is_ok() {
        return true;
    }
    let mut start = [0u8; 16];
    let len = File::open(path)
        .and_then(|mut f| f.read(&mut start))
        .unwrap_or(0);
    image::guess_format(&start[..len]).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collisions_get_numbered_suffixes_ignoring_case() {
        let mut taken = HashSet::new();
        let names: Vec<_> = ["a/x.jpg", "b/X.png", "c/x.png", "x-2.tif", "noext", ".png"]
            .iter()
            .map(|p| unique_name(Path::new(p), &mut taken))
            .collect();
        assert_eq!(
            names,
            [
                "x.png",
                "X-2.png",
                "x-3.png",
                "x-2-2.png",
                "noext.png",
                ".png.png"
            ]
        );
    }

    #[test]
    fn missing_inputs_and_the_output_folder_are_handled() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::copy("../assets/testcard.png", out.join("old.png")).unwrap();
        std::fs::copy("../assets/testcard.png", dir.path().join("card.png")).unwrap();
        // An image without an image extension is found by its content.
        std::fs::copy("../assets/testcard.png", dir.path().join("card.data")).unwrap();
        let missing = dir.path().join("missing.png");
        let card = dir.path().join("card.png");
        let plan = plan(&[dir.path().to_path_buf(), missing.clone(), card], &out);
        let inputs: Vec<_> = plan
            .jobs
            .iter()
            .map(|j| j.input.file_name().unwrap())
            .collect();
        assert_eq!(inputs, ["card.data", "card.png"]); // card.png listed twice, done once
        let outputs: Vec<_> = plan.jobs.iter().map(|j| j.output.clone()).collect();
        assert_eq!(outputs, [out.join("card.png"), out.join("card-2.png")]);
        assert_eq!(plan.unreadable.len(), 1);
        assert_eq!(plan.unreadable[0].0, missing);
    }
}
