//! Which files to process and where each result goes, decided before any work starts.

use super::{ErrorKind, FileError};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use viewlib::io::display_path;

/// One input and the output it will be written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// The image to read.
    pub input: PathBuf,
    /// The file to write (the input itself for `--in-place`).
    pub output: PathBuf,
}

/// Where outputs go and how they are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputNaming {
    /// The output folder.
    pub dir: PathBuf,
    /// The extension of every output, without the dot (`png`, `jpg`, ...).
    pub extension: &'static str,
    /// `--keep-tree`: each output is the input's path relative to this folder, under `dir`.
    /// `None`: every output is directly in `dir`.
    pub tree_base: Option<PathBuf>,
}

impl OutputNaming {
    /// PNGs directly in `dir`: the default.
    ///
    /// ```
    /// let naming = imgdemo::batch::OutputNaming::flat("out");
    /// assert_eq!((naming.extension, naming.tree_base), ("png", None));
    /// ```
    pub fn flat(dir: impl Into<PathBuf>) -> OutputNaming {
        OutputNaming {
            dir: dir.into(),
            extension: "png",
            tree_base: None,
        }
    }
}

/// The work for a run: jobs in input order, files skipped while walking folders, and inputs
/// refused before any work.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files to process.
    pub jobs: Vec<Job>,
    /// Files found in folders that are not images (not counted as failures).
    pub skipped: Vec<PathBuf>,
    /// Inputs that do not exist, could not be listed, are not regular files or folders, are
    /// the output folder itself, or (with `--keep-tree`) are outside the tree or share their
    /// output with another input, with the reason.
    pub refused: Vec<(PathBuf, FileError)>,
}

/// Expands `inputs` (files and folders) into jobs writing into `naming.dir`.
///
/// - A file named on the command line is always a job (if it is not an image, that is its
///   error). Folders are walked recursively in name order; files in them that neither have an
///   image extension nor start like an image are skipped. The output folder is never walked,
///   so re-running over a folder that contains it does not process earlier results. The same
///   file given twice is processed once.
/// - Flat (`tree_base: None`): each output is `dir/<input stem>.<extension>`. Two inputs with
///   the same stem (`a/x.jpg`, `b/x.png`) get `x.png` and `x-2.png` in input order; names are
///   compared ignoring case, so the plan is the same on case-insensitive file systems.
/// - Mirrored (`tree_base: Some(base)`): each output is `dir/<input path relative to
///   base>` with the extension replaced, whatever the order of the inputs. Paths are taken as
///   written, made absolute and with `.` and `..` resolved by name (symbolic links are not
///   followed). An input outside `base`, and inputs whose outputs would be the same file
///   (`a/x.jpg` and `a/x.png`, or names differing only in case), are refused.
///
/// ```
/// # let dir = tempfile::tempdir()?;
/// # std::fs::create_dir_all(dir.path().join("a"))?;
/// # std::fs::create_dir_all(dir.path().join("b"))?;
/// # std::fs::copy("../assets/testcard.png", dir.path().join("a/x.png"))?;
/// # std::fs::copy("../assets/testcard.png", dir.path().join("b/x.png"))?;
/// # std::fs::write(dir.path().join("b/notes.txt"), "hello")?;
/// use imgdemo::batch::{plan, OutputNaming};
/// let inputs = [dir.path().join("a"), dir.path().join("b")];
/// let out = dir.path().join("out");
/// let flat = plan(&inputs, &OutputNaming::flat(&out));
/// let names: Vec<_> = flat.jobs.iter().map(|j| j.output.file_name().unwrap()).collect();
/// assert_eq!(names, ["x.png", "x-2.png"]);
/// assert_eq!(flat.skipped, [dir.path().join("b/notes.txt")]);
///
/// let tree_base = Some(dir.path().to_path_buf());
/// let mirrored = plan(&inputs, &OutputNaming { dir: out.clone(), extension: "jpg", tree_base });
/// let outputs: Vec<_> = mirrored.jobs.iter().map(|j| j.output.clone()).collect();
/// assert_eq!(outputs, [out.join("a/x.jpg"), out.join("b/x.jpg")]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn plan(inputs: &[PathBuf], naming: &OutputNaming) -> Plan {
    plan_with(inputs, Some(naming))
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

fn plan_with(inputs: &[PathBuf], naming: Option<&OutputNaming>) -> Plan {
    let mut plan = Plan::default();
    let out_dir_real = naming.and_then(|n| n.dir.canonicalize().ok());
    let tree_base = naming.and_then(|n| n.tree_base.as_deref().map(absolute_by_name));
    let mut seen = HashSet::new();
    let mut names = HashSet::new();
    let mut add = |plan: &mut Plan, input: PathBuf| {
        let real = input.canonicalize().unwrap_or_else(|_| input.clone());
        if !seen.insert(real) {
            return;
        }
        let output = match (naming, &tree_base) {
            (Some(naming), Some(base)) => match mirrored(&input, base, naming) {
                Ok(output) => output,
                Err(e) => {
                    plan.refused.push((input, e));
                    return;
                }
            },
            (Some(naming), None) => {
                naming
                    .dir
                    .join(unique_name(&input, naming.extension, &mut names))
            }
            (None, _) => input.clone(),
        };
        plan.jobs.push(Job { input, output });
    };
    for input in inputs {
        match input.metadata() {
            Err(e) => {
                let error = FileError::about(ErrorKind::of_io(&e), input, e);
                plan.refused.push((input.clone(), error));
            }
            Ok(meta) if meta.is_dir() && is_inside(input, out_dir_real.as_deref()) => {
                let error = FileError::about(
                    ErrorKind::InputIsOutput,
                    input,
                    "is the output folder (or inside it); outputs are never read back as \
                     inputs: name the folder with the originals",
                );
                plan.refused.push((input.clone(), error));
            }
            Ok(meta) if !meta.is_dir() && !meta.is_file() => {
                // Opening a FIFO for reading would wait forever for a writer; a device
                // would never end.
                let error = FileError::about(
                    ErrorKind::NotAFile,
                    input,
                    format!(
                        "not a regular file but {}; refused without reading it",
                        viewlib::io::file_type_name(&meta.file_type())
                    ),
                );
                plan.refused.push((input.clone(), error));
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
                            let kind = e.io_error().map_or(ErrorKind::Read, ErrorKind::of_io);
                            let error = FileError::about(kind, &path, &e);
                            plan.refused.push((path, error));
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
    if tree_base.is_some() {
        refuse_shared_outputs(&mut plan);
    }
    plan
}

/// `dir/<input relative to base>.<extension>`, or why the input has no place in the tree.
fn mirrored(input: &Path, base: &Path, naming: &OutputNaming) -> Result<PathBuf, FileError> {
    let relative = absolute_by_name(input)
        .strip_prefix(base)
        .map(Path::to_path_buf)
        .map_err(|_| {
            FileError::about(
                ErrorKind::OutsideTree,
                input,
                format_args!(
                    "is not inside {}, so --keep-tree has no place for it under the output \
                     folder (choose another --relative-to)",
                    display_path(base)
                ),
            )
        })?;
    Ok(naming.dir.join(relative).with_extension(naming.extension))
}

/// `path` made absolute (against the current folder) with `.` and `..` resolved by name,
/// not by following links: the same text gives the same path, existing or not.
fn absolute_by_name(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut resolved = PathBuf::new();
    for component in absolute.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            other => resolved.push(other),
        }
    }
    resolved
}

/// Moves the jobs whose mirrored outputs are the same file (compared ignoring case, as on
/// case-insensitive file systems) to `refused`, each naming the others: which one would win
/// would depend on the order of the inputs.
fn refuse_shared_outputs(plan: &mut Plan) {
    let key = |job: &Job| job.output.to_string_lossy().to_lowercase();
    let mut sharing: HashMap<String, Vec<PathBuf>> = HashMap::new();
    for job in &plan.jobs {
        sharing.entry(key(job)).or_default().push(job.input.clone());
    }
    let jobs = std::mem::take(&mut plan.jobs);
    for job in jobs {
        let inputs = &sharing[&key(&job)];
        if inputs.len() == 1 {
            plan.jobs.push(job);
            continue;
        }
        let others: Vec<String> = inputs
            .iter()
            .filter(|other| **other != job.input)
            .map(|other| display_path(other).to_string())
            .collect();
        let error = FileError::about(
            ErrorKind::OutputCollision,
            &job.input,
            format_args!(
                "its output {} would also be the output of {}; rename one of them",
                display_path(&job.output),
                others.join(", ")
            ),
        );
        plan.refused.push((job.input, error));
    }
}

/// The paths in a `--files-from` list: separated by `separator` (`b'\n'` or `b'\0'`), empty
/// entries ignored. Bytes are taken as they are (names need not be UTF-8 on Unix); with
/// `b'\n'`, a name cannot hold a newline, which is what `-0` is for.
///
/// ```
/// use std::path::PathBuf;
/// let list = imgdemo::batch::parse_file_list(b"a.png\n\nphotos/b c.jpg\n", b'\n');
/// assert_eq!(list, [PathBuf::from("a.png"), PathBuf::from("photos/b c.jpg")]);
/// let nul = imgdemo::batch::parse_file_list(b"two\nlines.png\0x.png\0", b'\0');
/// assert_eq!(nul, [PathBuf::from("two\nlines.png"), PathBuf::from("x.png")]);
/// ```
pub fn parse_file_list(bytes: &[u8], separator: u8) -> Vec<PathBuf> {
    bytes
        .split(|&b| b == separator)
        .filter(|entry| !entry.is_empty())
        .map(path_from_bytes)
        .collect()
}

#[cfg(unix)]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// Whether the folder `dir` is `out` or inside it.
fn is_inside(dir: &Path, out: Option<&Path>) -> bool {
    match (dir.canonicalize(), out) {
        (Ok(dir), Some(out)) => dir.starts_with(out),
        _ => false,
    }
}

/// `<stem>.<extension>`, or `<stem>-N.<extension>` with the smallest `N >= 2` not taken yet.
fn unique_name(input: &Path, extension: &str, taken: &mut HashSet<String>) -> String {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "image".into());
    let mut name = format!("{stem}.{extension}");
    let mut n = 2;
    while !taken.insert(name.to_lowercase()) {
        name = format!("{stem}-{n}.{extension}");
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
            .map(|p| unique_name(Path::new(p), "png", &mut taken))
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
        let inputs = [dir.path().to_path_buf(), missing.clone(), card];
        let plan = plan(&inputs, &OutputNaming::flat(&out));
        let inputs: Vec<_> = plan
            .jobs
            .iter()
            .map(|j| j.input.file_name().unwrap())
            .collect();
        assert_eq!(inputs, ["card.data", "card.png"]); // card.png listed twice, done once
        let outputs: Vec<_> = plan.jobs.iter().map(|j| j.output.clone()).collect();
        assert_eq!(outputs, [out.join("card.png"), out.join("card-2.png")]);
        assert_eq!(plan.refused.len(), 1);
        assert_eq!(plan.refused[0].0, missing);
        assert_eq!(plan.refused[0].1.kind, ErrorKind::NotFound);
    }

    #[test]
    fn mirrored_names_follow_the_tree_not_the_order_and_clashes_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "in/a/x.png",
            "in/a/x.jpg",
            "in/b/y.png",
            "in/b/c/y.png",
            "other.png",
        ] {
            std::fs::create_dir_all(root.join(name).parent().unwrap()).unwrap();
            std::fs::copy("../assets/testcard.png", root.join(name)).unwrap();
        }
        let naming = OutputNaming {
            dir: root.join("out"),
            extension: "webp",
            tree_base: Some(root.join("in")),
        };
        let inputs = [
            root.join("in/b/c/y.png"),
            root.join("in/./b/../a"),
            root.join("in/b"),
            root.join("other.png"),
        ];
        let forward = plan(&inputs, &naming);
        let mut backward_inputs = inputs.clone();
        backward_inputs.reverse();
        let backward = plan(&backward_inputs, &naming);
        let outputs = |p: &Plan| {
            let mut o: Vec<(PathBuf, PathBuf)> = p
                .jobs
                .iter()
                .map(|j| (absolute_by_name(&j.input), j.output.clone()))
                .collect();
            o.sort();
            o
        };
        assert_eq!(outputs(&forward), outputs(&backward));
        assert_eq!(
            outputs(&forward),
            [
                (root.join("in/b/c/y.png"), root.join("out/b/c/y.webp")),
                (root.join("in/b/y.png"), root.join("out/b/y.webp")),
            ]
        );
        let mut refused: Vec<_> = forward
            .refused
            .iter()
            .map(|(path, e)| (path.file_name().unwrap().to_owned(), e.kind))
            .collect();
        refused.sort_by(|a, b| a.0.cmp(&b.0));
        let named = |name: &str, kind| (std::ffi::OsString::from(name), kind);
        assert_eq!(
            refused,
            [
                named("other.png", ErrorKind::OutsideTree),
                named("x.jpg", ErrorKind::OutputCollision),
                named("x.png", ErrorKind::OutputCollision),
            ]
        );
        let (_, clash) = &forward
            .refused
            .iter()
            .find(|(p, _)| p.ends_with("x.jpg"))
            .unwrap();
        assert!(
            clash.message.contains("x.png; rename one of them"),
            "{clash}"
        );
    }
}
