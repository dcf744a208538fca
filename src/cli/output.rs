//! Printing results: JSON (the default, as az) or `key: value` text.

use clap::ValueEnum;
use serde::Serialize;
use serde_json::Value;

use super::failure::{CommandResult, Failure};

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum OutputFormat {
    /// Pretty JSON, one document per command.
    #[default]
    Json,
    /// `key: value` lines.
    Text,
}

/// Prints `value` on stdout in `format`.
pub fn print<T: Serialize>(format: OutputFormat, value: &T) -> CommandResult {
    let json = serde_json::to_value(value)
        .map_err(|e| Failure::failed(format!("cannot render the result: {e}")))?;
    match format {
        OutputFormat::Json => {
            let text = serde_json::to_string_pretty(&json)
                .map_err(|e| Failure::failed(format!("cannot render the result: {e}")))?;
            println!("{text}");
        }
        OutputFormat::Text => print_text(&json, ""),
    }
    Ok(())
}

fn print_text(value: &Value, prefix: &str) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                match value {
                    Value::Object(_) | Value::Array(_) => print_text(value, &key),
                    other => println!("{key}: {}", scalar(other)),
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let key = if prefix.is_empty() {
                    i.to_string()
                } else {
                    format!("{prefix}[{i}]")
                };
                match item {
                    Value::Object(_) | Value::Array(_) => print_text(item, &key),
                    other => println!("{key}: {}", scalar(other)),
                }
            }
        }
        other => println!("{}", scalar(other)),
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}
