//! The README opens with the two commands a newcomer needs, and CI runs
//! both verbatim.

use std::path::Path;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// The commands in the README's first code block.
fn opening_commands() -> Vec<String> {
    let readme = read("README.md");
    let block = readme
        .split("```")
        .nth(1)
        .expect("the README opens with a code block");
    block
        .lines()
        .skip(1) // the fence's language tag
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn readme_opens_with_the_main_command_and_the_test_command() {
    let commands = opening_commands();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].starts_with("cargo run"), "{commands:?}");
    assert!(commands[1].starts_with("cargo test"), "{commands:?}");
}

#[test]
fn ci_runs_both_readme_commands() {
    let ci = read(".ci/run");
    for command in opening_commands() {
        assert!(
            ci.lines().any(|line| line.trim() == command),
            ".ci/run does not run the README's command {command:?}"
        );
    }
}
