//! The files a VM may use from this host: the image library (kernels,
//! initrds, disks: regular files directly in one folder, named by file
//! name) and the folder serial consoles are written to. The engine never
//! names a host path; a name that does not resolve, after following
//! symlinks, to a regular file inside the library is refused (no block
//! devices, no `..`, no symlink out of the folder, no FIFO or folder).

use std::path::{Path, PathBuf};

use hotnic_agent_api::ImageInfo;
use uuid::Uuid;

use crate::params::HostPath;

/// A file name in the image library: 1 to 255 bytes, no `/`, no control
/// characters, not hidden (so never `.` or `..`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName(String);

impl ImageName {
    pub fn parse(text: &str) -> Result<Self, String> {
        let shown = text.chars().take(60).collect::<String>().escape_default().to_string();
        if text.contains('/') {
            return Err(format!(
                "'{shown}' is a path; name an image of the host's image library instead (getCaps lists them)"
            ));
        }
        if text.is_empty() || text.len() > 255 || text.starts_with('.') || text.chars().any(char::is_control) {
            return Err(format!("'{shown}' is not an image name (a file name of the image library)"));
        }
        Ok(ImageName(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The image library: one folder.
#[derive(Debug, Clone)]
pub struct ImageLibrary {
    dir: PathBuf,
}

impl ImageLibrary {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ImageLibrary { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The real path of an image, checked now: inside the library after
    /// following every symlink, and a regular file.
    pub fn resolve(&self, name: &ImageName) -> Result<HostPath, String> {
        let library = std::fs::canonicalize(&self.dir)
            .map_err(|e| format!("the image library {} cannot be read: {e}", self.dir.display()))?;
        let real = std::fs::canonicalize(library.join(name.as_str()))
            .map_err(|_| format!("the image library has no image '{}'", name.as_str()))?;
        if real.parent() != Some(library.as_path()) {
            return Err(format!("image '{}' points outside the image library", name.as_str()));
        }
        let meta = std::fs::metadata(&real).map_err(|e| format!("image '{}': {e}", name.as_str()))?;
        if !meta.file_type().is_file() {
            return Err(format!("image '{}' is not a regular file", name.as_str()));
        }
        let text = real.to_str().ok_or_else(|| format!("image '{}' has an unusable path", name.as_str()))?;
        HostPath::parse(text)
    }

    /// Every usable image, by name. A library that cannot be read lists
    /// nothing (and says why in the log).
    pub fn list(&self) -> Vec<ImageInfo> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) => {
                tracing::warn!(dir = %self.dir.display(), error = %err, "image library unreadable");
                return Vec::new();
            }
        };
        let mut images: Vec<ImageInfo> = entries
            .flatten()
            .filter_map(|entry| {
                let name = ImageName::parse(entry.file_name().to_str()?).ok()?;
                let path = self.resolve(&name).ok()?;
                let size_bytes = std::fs::metadata(path.as_str()).ok()?.len();
                Some(ImageInfo { name: name.0, size_bytes })
            })
            .collect();
        images.sort_by(|a, b| a.name.cmp(&b.name));
        images
    }
}

/// Where this host keeps what VMs use.
#[derive(Debug, Clone)]
pub struct HostFiles {
    pub images: ImageLibrary,
    /// Serial consoles go to `<console_dir>/<vm id>.log`.
    pub console_dir: PathBuf,
}

impl HostFiles {
    pub fn console_of(&self, vm: Uuid) -> Result<HostPath, String> {
        let path = self.console_dir.join(format!("{vm}.log"));
        HostPath::parse(path.to_str().ok_or("the console folder has an unusable path")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn names_are_plain_file_names() {
        for good in ["vmlinuz", "initrd.img", "disk-1.qcow2", "a b"] {
            assert!(ImageName::parse(good).is_ok(), "{good}");
        }
        for bad in ["", ".", "..", ".hidden", "/etc/shadow", "../x", "a/b", "x\ny", &"a".repeat(256)] {
            assert!(ImageName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ImageName::parse("/dev/vda").unwrap_err().contains("is a path; name an image"));
    }

    #[test]
    fn resolves_only_regular_files_inside_the_library() {
        let root = std::env::temp_dir().join(format!("hotnic-images-{}", Uuid::new_v4()));
        let lib = root.join("images");
        std::fs::create_dir_all(lib.join("folder")).unwrap();
        std::fs::write(lib.join("disk.img"), b"disk").unwrap();
        std::fs::write(root.join("secret"), b"secret").unwrap();
        symlink(lib.join("disk.img"), lib.join("alias.img")).unwrap();
        symlink(root.join("secret"), lib.join("escape")).unwrap();
        symlink("/etc/shadow", lib.join("shadow")).unwrap();
        symlink("/dev/null", lib.join("device")).unwrap();
        let fifo = lib.join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        let library = ImageLibrary::new(&lib);

        let real = library.resolve(&ImageName::parse("alias.img").unwrap()).unwrap();
        assert_eq!(real.as_str(), std::fs::canonicalize(lib.join("disk.img")).unwrap().to_str().unwrap());
        for (name, why) in [
            ("escape", "outside the image library"),
            ("shadow", "outside the image library"),
            ("device", "outside the image library"),
            ("fifo", "not a regular file"),
            ("folder", "not a regular file"),
            ("missing", "has no image"),
        ] {
            let err = library.resolve(&ImageName::parse(name).unwrap()).unwrap_err();
            assert!(err.contains(why), "{name}: {err}");
        }
        let listed: Vec<String> = library.list().into_iter().map(|i| i.name).collect();
        assert_eq!(listed, ["alias.img", "disk.img"]);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
