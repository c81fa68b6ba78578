//! Writes the stage registry, `KINDS`, from the `pub mod <stage>;` lines of src/stages/mod.rs
//! (each names a stage module declaring `ID`, `PARAMS` and `create`), into
//! `$OUT_DIR/registry.rs`, which src/stages/mod.rs includes.
//!
//! So registering a stage is its one `pub mod` line. A macro declaring the modules would do the
//! same without this script, but rustfmt does not look inside macro calls: `cargo fmt` would
//! skip every stage file.

use std::env;
use std::fmt::Write;
use std::fs;
use std::path::Path;

fn main() {
    let list = "src/stages/mod.rs";
    println!("cargo:rerun-if-changed={}", list);
    println!("cargo:rerun-if-changed=build.rs");
    let source = fs::read_to_string(list).expect("read src/stages/mod.rs");
    let stages: Vec<&str> = source
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub mod ")?.strip_suffix(';'))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let mut out = String::from(
        "/// Every stage kind, one per `pub mod` line of this file and in their order: a kind's index\n\
         /// is its position here. Written by build.rs.\n\
         pub const KINDS: &[Kind] = &[\n",
    );
    for name in &stages {
        writeln!(out, "    Kind {{ id: {0}::ID, params: {0}::PARAMS, create: {0}::create }},", name).expect("write to a String");
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("registry.rs");
    fs::write(dest, out).expect("write registry.rs");
}
