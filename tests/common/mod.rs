//! Helpers shared by the binary's end-to-end tests.

use std::path::Path;

/// A fresh directory for one test, removed when it is dropped (also when the test panics), so
/// test runs leave nothing behind in the temp dir.
pub struct TmpDir(tempfile::TempDir);

impl std::ops::Deref for TmpDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for TmpDir {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<std::ffi::OsStr> for TmpDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.path().as_os_str()
    }
}

/// A new empty directory named `gmpsim-<suite>-<name>-<random>` in the temp dir.
pub fn tmpdir(suite: &str, name: &str) -> TmpDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("gmpsim-{suite}-{name}-"))
        .tempdir()
        .expect("temp dir");
    TmpDir(dir)
}
