//! Parses the default theme's templates and interface strings once, when oproep is compiled,
//! so that no build has to: see `src/render/parsed.rs` and `src/theme.rs`.

use std::path::Path;

#[path = "src/render/parsed.rs"]
#[allow(dead_code)]
mod parsed;

use parsed::Codec;

const TEMPLATES: &str = "themes/default/templates";
const STRINGS: &str = "themes/default/strings";

fn main() {
    // A folder stands for everything below it.
    println!("cargo::rerun-if-changed={TEMPLATES}");
    println!("cargo::rerun-if-changed={STRINGS}");
    println!("cargo::rerun-if-changed=src/render/parsed.rs");
    link_at_a_fixed_address();
    let mut templates = parsed::ParsedTemplates::new();
    collect(Path::new(TEMPLATES), "", &mut templates);
    let mut bytes = Vec::new();
    templates.put(&mut bytes);
    write_out("default_templates.bin", &bytes);
    write_out("default_strings.rs", strings_as_json().as_bytes());
}

fn write_out(name: &str, bytes: &[u8]) {
    let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join(name);
    std::fs::write(&out, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// The strings files of the default theme as JSON, which reads in a fraction of the time YAML
/// does: a Rust array of (path below the theme, JSON text). A file that does not parse is left
/// out, so that the build parses it and reports the error as for any strings file.
fn strings_as_json() -> String {
    let files = sorted_entries(Path::new(STRINGS));
    let mut code = String::from("&[\n");
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
    {
        let text = read(path);
        let Ok(strings) = serde_yaml::from_str::<serde_json::Map<String, serde_json::Value>>(&text)
        else {
            continue;
        };
        let name = format!(
            "strings/{}",
            path.file_name().expect("a file").to_string_lossy()
        );
        let json = serde_json::to_string(&strings).expect("JSON values serialize");
        code.push_str(&format!("    ({name:?}, {json:?}),\n"));
    }
    code.push(']');
    code
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
    for path in sorted_entries(dir) {
        let file_name = path
            .file_name()
            .expect("an entry has a name")
            .to_string_lossy();
        let name = format!("{prefix}{file_name}");
        if path.is_dir() {
            collect(&path, &format!("{name}/"), templates);
            continue;
        }
        let text = read(&path);
        if let Ok(template) = tera::Template::new(&name, None, &text) {
            templates.push((text, template));
        }
    }
}

/// The entries of `dir`, sorted, so that what build.rs writes does not depend on the file system.
fn sorted_entries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .collect();
    entries.sort();
    entries
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
