#!/usr/bin/env bash
# "A fresh crate can do it from the docs alone": builds scripts/fresh-crate/main.rs
# as a crate of its own depending on this one by path, library only
# (default-features = false, features = ["emulator"]), and runs it. It shares
# this clone's target directory (only azure-user-tokens itself recompiles, for
# the other feature set) and works offline from the clone's Cargo.lock.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
crate="$root/target/fresh-crate"

# The program may use only the documented surface: no hidden module.
if grep -vE '^\s*//' "$root/scripts/fresh-crate/main.rs" |
    grep -nE '\b(adapters|auth|cli|codegen|generated|jwt|lifetime|pipeline)::|pin!|futures'; then
    echo "error: scripts/fresh-crate/main.rs reaches past the public API" >&2
    exit 1
fi

mkdir -p "$crate/src"
cp "$root/scripts/fresh-crate/main.rs" "$crate/src/main.rs"
cp "$root/Cargo.lock" "$crate/Cargo.lock"
cat > "$crate/Cargo.toml" <<TOML
[package]
name = "fresh-crate"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
azure-user-tokens = { path = "$root", default-features = false, features = ["emulator"] }
tokio = { version = "1", features = ["rt-multi-thread"] }
chrono = { version = "0.4", default-features = false, features = ["clock"] }

[workspace]
TOML
cd "$crate"
CARGO_TARGET_DIR="$root/target" cargo run --offline --quiet
