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
    let mut templates = parsed::ParsedTemplates::new();
    collect(Path::new(TEMPLATES), "", &mut templates);
    let mut bytes = Vec::new();
    templates.put(&mut bytes);
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("default_templates.bin");
    std::fs::write(&out, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
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
