//! Finding report files on disk: explicit files, and every report file below
//! a directory.

use super::Failure;
use std::io;
use std::path::{Path, PathBuf};

/// File extensions taken from a directory (explicit file arguments are taken
/// whatever their extension).
pub const REPORT_EXTENSIONS: [&str; 9] = [
    "txt", "md", "markdown", "html", "htm", "shtml", "docx", "json", "pdf",
];

/// Expands the command-line paths into a sorted, de-duplicated list of files.
/// A path that does not exist, or a directory without report files, is a
/// failure (exit 2).
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|e| read_failure(path, &e))?;
        if meta.is_dir() {
            let before = files.len();
            walk(path, &mut files).map_err(|e| read_failure(path, &e))?;
            if files.len() == before {
                return Err(Failure::new(format!(
                    "目录中没有年报文件：{} (no report files: {})",
                    path.display(),
                    REPORT_EXTENSIONS.join(", ")
                )));
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    Ok(files)
}

/// The one-line message for a path that cannot be opened.
pub fn read_failure(path: &Path, error: &io::Error) -> Failure {
    Failure::new(match error.kind() {
        io::ErrorKind::NotFound => format!("找不到文件：{} (no such file)", path.display()),
        io::ErrorKind::PermissionDenied => {
            format!("无权读取文件：{} (permission denied)", path.display())
        }
        io::ErrorKind::IsADirectory => {
            format!("这是目录，不是文件：{} (is a directory)", path.display())
        }
        _ => format!("无法读取文件：{}：{error} (cannot read)", path.display()),
    })
}

/// Reads one file whole.
pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| read_failure(path, &e))
}

/// The file name, as a hint for the parser.
pub fn file_name(path: &Path) -> Option<&str> {
    path.file_name().and_then(|n| n.to_str())
}

fn is_hidden(path: &Path) -> bool {
    file_name(path).is_some_and(|n| n.starts_with('.'))
}

fn has_report_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| REPORT_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Adds the report files below `dir`, skipping hidden entries. Symbolic
/// links to directories are not followed (no cycles).
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if is_hidden(&path) {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if has_report_extension(&path)
            && (kind.is_file() || std::fs::metadata(&path).is_ok_and(|m| m.is_file()))
        {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_directories_sorted_skipping_hidden_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/.git")).unwrap();
        std::fs::create_dir_all(root.join(".hidden")).unwrap();
        for f in [
            "b/z.txt",
            "a.HTML",
            "b/.git/x.txt",
            ".hidden/y.md",
            "notes.rs",
            "c.docx",
        ] {
            std::fs::write(root.join(f), "x").unwrap();
        }
        let files = collect(&[root.to_path_buf()]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.strip_prefix(root).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["a.HTML", "b/z.txt", "c.docx"]);
    }

    #[test]
    fn missing_path_and_empty_directory_fail_with_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.txt");
        let err = collect(&[missing]).unwrap_err().to_string();
        assert!(err.starts_with("找不到文件："), "{err}");
        assert!(!err.contains('\n'));
        let err = collect(&[dir.path().to_path_buf()])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("目录中没有年报文件"), "{err}");
    }

    #[test]
    fn explicit_files_are_taken_whatever_their_extension_once() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("report.data");
        std::fs::write(&f, "x").unwrap();
        let files = collect(&[f.clone(), f.clone()]).unwrap();
        assert_eq!(files, [f]);
    }
}
