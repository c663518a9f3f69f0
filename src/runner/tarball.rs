//! Packing a folder into a tar archive entry by entry, with headers of the caller's choice:
//! how files reach a Docker host through its archive API, with no path shared with this server.

use std::fs::{self, Metadata};
use std::io::{self, Write};
use std::path::Path;

/// Appends everything below `root` to `builder` under `prefix` (`""` for none), folders before their contents and each folder's
/// entries by name. `header` gives an entry's header from its path in the archive and its
/// metadata (type and size are set afterwards), or `None` to leave it out (and, for a folder,
/// its contents); symlinks are packed as links,
/// never followed, and other special files are left out.
pub fn pack_tree<W: Write>(
    builder: &mut tar::Builder<W>,
    root: &Path,
    prefix: &Path,
    header: &mut impl FnMut(&Path, &Metadata) -> Option<tar::Header>,
) -> io::Result<()> {
    append_folder(builder, root, prefix, header)
}

fn append_folder<W: Write>(
    builder: &mut tar::Builder<W>,
    folder: &Path,
    prefix: &Path,
    header: &mut impl FnMut(&Path, &Metadata) -> Option<tar::Header>,
) -> io::Result<()> {
    let mut entries = fs::read_dir(folder)?.collect::<io::Result<Vec<_>>>()?;
    entries.sort_by_key(fs::DirEntry::file_name);
    for entry in entries {
        let source = entry.path();
        let name = prefix.join(entry.file_name());
        let metadata = fs::symlink_metadata(&source)?;
        let Some(mut head) = header(&name, &metadata) else {
            continue;
        };
        let kind = metadata.file_type();
        if kind.is_dir() {
            head.set_entry_type(tar::EntryType::Directory);
            head.set_size(0);
            builder.append_data(&mut head, &name, io::empty())?;
            append_folder(builder, &source, &name, header)?;
        } else if kind.is_file() {
            head.set_entry_type(tar::EntryType::Regular);
            head.set_size(metadata.len());
            builder.append_data(&mut head, &name, fs::File::open(&source)?)?;
        } else if kind.is_symlink() {
            head.set_entry_type(tar::EntryType::Symlink);
            head.set_size(0);
            builder.append_link(&mut head, &name, fs::read_link(&source)?)?;
        }
    }
    Ok(())
}
