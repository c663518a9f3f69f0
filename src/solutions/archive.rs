//! Zip archives of solutions, for download.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use super::files::Upload;

/// A zip of `files`, deflated.
pub fn zip(files: &[Upload]) -> zip::result::ZipResult<Vec<u8>> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        writer.start_file(file.name.as_str(), options)?;
        writer.write_all(&file.content)?;
    }
    Ok(writer.finish()?.into_inner())
}
