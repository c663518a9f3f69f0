//! The holder image: one tiny program that waits forever, so a container can keep a check's
//! storage volume mounted after the checker exits (a tmpfs volume empties when unmounted).

use std::collections::HashMap;
use std::sync::Mutex;

use bollard::Docker;
use bollard::query_parameters::BuildImageOptionsBuilder;
use futures_util::StreamExt;

use super::SandboxError;

/// The label marking the holder image, so that operators can tell what it is.
const IMAGE_LABEL: &str = "org.inloop.sandbox";

/// The tag last found or built; asked for again if the image disappears.
static KNOWN: Mutex<Option<String>> = Mutex::new(None);

/// The holder image's tag for the Docker host's architecture; built on first use.
pub(super) async fn image(docker: &Docker) -> Result<String, SandboxError> {
    if let Some(tag) = KNOWN.lock().ok().and_then(|known| known.clone()) {
        return Ok(tag);
    }
    let tag = find_or_build(docker).await?;
    if let Ok(mut known) = KNOWN.lock() {
        *known = Some(tag.clone());
    }
    Ok(tag)
}

/// Forgets the holder image, after Docker said it does not exist.
pub(super) fn forget() {
    if let Ok(mut known) = KNOWN.lock() {
        *known = None;
    }
}

async fn find_or_build(docker: &Docker) -> Result<String, SandboxError> {
    let version = docker
        .version()
        .await
        .map_err(SandboxError::docker("asking Docker for its architecture"))?;
    let arch = version.arch.unwrap_or_default();
    let program = program(&arch).ok_or(SandboxError::Host {
        action: "choosing the storage holder for this architecture",
        source: std::io::Error::other(format!("unsupported architecture {arch:?}")),
    })?;
    let tag = format!("inloop-sandbox-holder:{arch}-1");
    if docker.inspect_image(&tag).await.is_ok() {
        return Ok(tag);
    }
    let context = context(&program).map_err(SandboxError::host("packing the holder image"))?;
    let options = BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(&tag)
        .rm(true)
        .forcerm(true)
        .labels(&HashMap::from([(IMAGE_LABEL, "holder")]))
        .build();
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.into())));
    while let Some(item) = stream.next().await {
        let info = item.map_err(SandboxError::docker("building the holder image"))?;
        if let Some(detail) = info.error_detail {
            return Err(SandboxError::Host {
                action: "building the holder image",
                source: std::io::Error::other(detail.message.unwrap_or_default()),
            });
        }
    }
    Ok(tag)
}

fn context(program: &[u8]) -> std::io::Result<Vec<u8>> {
    let dockerfile = "FROM scratch\nCOPY wait /wait\nENTRYPOINT [\"/wait\"]\n";
    let mut tar = tar::Builder::new(Vec::new());
    for (name, bytes, mode) in [
        ("Dockerfile", dockerfile.as_bytes(), 0o644),
        ("wait", program, 0o755),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
        header.set_mode(mode);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes)?;
    }
    tar.into_inner()
}

/// Where the holder program is loaded, and the size of its ELF and program headers.
const BASE: u64 = 0x40_0000;
const HEADERS: u64 = 64 + 56;

/// A static ELF executable that blocks in a system call forever, looping if a signal wakes it.
/// There is no shell or `sleep` to rely on: checker images are the task authors' own.
fn program(arch: &str) -> Option<Vec<u8>> {
    let (machine, code): (u16, Vec<u8>) = match arch {
        // loop: mov eax, 34 (pause); syscall; jmp loop
        "amd64" | "x86_64" => (0x3e, vec![0xb8, 34, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7]),
        // loop: x0..x3 = 0; x8 = 73 (ppoll: no descriptors, no timeout); svc #0; b loop
        "arm64" | "aarch64" => (
            0xb7,
            [
                0xd280_0000_u32,
                0xd280_0001,
                0xd280_0002,
                0xd280_0003,
                0xd280_0928,
                0xd400_0001,
                0x17ff_fffa,
            ]
            .iter()
            .flat_map(|word| word.to_le_bytes())
            .collect(),
        ),
        _ => return None,
    };
    let size = HEADERS + u64::try_from(code.len()).ok()?;
    let mut elf = Vec::new();
    // ELF header: 64-bit, little endian, version 1, an executable.
    elf.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    elf.extend_from_slice(&2_u16.to_le_bytes());
    elf.extend_from_slice(&machine.to_le_bytes());
    elf.extend_from_slice(&1_u32.to_le_bytes());
    elf.extend_from_slice(&(BASE + HEADERS).to_le_bytes()); // entry point: the code
    elf.extend_from_slice(&64_u64.to_le_bytes()); // program headers follow this header
    elf.extend_from_slice(&0_u64.to_le_bytes()); // no section headers
    elf.extend_from_slice(&0_u32.to_le_bytes()); // flags
    for half in [64_u16, 56, 1, 64, 0, 0] {
        elf.extend_from_slice(&half.to_le_bytes());
    }
    // One loadable, readable and executable segment: the whole file.
    elf.extend_from_slice(&1_u32.to_le_bytes());
    elf.extend_from_slice(&5_u32.to_le_bytes());
    for word in [0, BASE, BASE, size, size, 0x1000] {
        elf.extend_from_slice(&word.to_le_bytes());
    }
    elf.extend_from_slice(&code);
    Some(elf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_a_small_elf_executable_for_known_architectures() {
        for arch in ["amd64", "arm64"] {
            let elf = program(arch).unwrap();
            assert_eq!(&elf[..4], b"\x7fELF");
            assert_eq!(elf.len(), if arch == "arm64" { 148 } else { 129 });
            assert!(elf.len() < 160);
        }
        assert!(program("s390x").is_none());
    }
}
