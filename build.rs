//! Parses the default theme's templates once, when oproep is compiled, so that no build has to:
//! see `src/render/parsed.rs`.

use std::path::Path;

#[path = "src/render/parsed.rs"]
#[allow(dead_code)]
mod parsed;

use parsed::Codec;

const TEMPLATES: &str = "themes/default/templates";

fn main() {
    // A folder stands for everything below it.
    println!("cargo::rerun-if-changed={TEMPLATES}");
    println!("cargo::rerun-if-changed=src/render/parsed.rs");
    link_at_a_fixed_address();
    let mut templates = parsed::ParsedTemplates::new();
    collect(Path::new(TEMPLATES), "", &mut templates);
    let mut bytes = Vec::new();
    templates.put(&mut bytes);
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("default_templates.bin");
    std::fs::write(&out, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// On Linux the `oproep` binary is linked as a plain executable, not a position-independent
/// one: the loader then has no 35,000 relocations to apply and no 700 KB of tables to copy on
/// write, which made every command about 1.5 ms slower (the real site builds in about 10 ms).
/// The price is that the binary itself (not its libraries, heap or stack) always loads at the
/// same address. `OPROEP_PIE=1` keeps the usual position-independent binary.
fn link_at_a_fixed_address() {
    println!("cargo::rerun-if-env-changed=OPROEP_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if linux && std::env::var_os("OPROEP_PIE").is_none_or(|pie| pie != "1") {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}

/// Every template below `dir`, named by its path below the templates folder, as the theme
/// names them. One that does not parse is left out: the build then parses it and reports the
/// error as for any template.
fn collect(dir: &Path, prefix: &str, templates: &mut parsed::ParsedTemplates) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let file_name = path
            .file_name()
            .expect("an entry has a name")
            .to_string_lossy();
        let name = format!("{prefix}{file_name}");
        if path.is_dir() {
            collect(&path, &format!("{name}/"), templates);
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        if let Ok(template) = tera::Template::new(&name, None, &text) {
            templates.push((text, template));
        }
    }
}
