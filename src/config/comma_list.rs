//! Lists given either as TOML arrays or as comma-separated strings (environment variables).

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum List {
    Text(String),
    Items(Vec<String>),
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let items = match List::deserialize(deserializer)? {
        List::Text(text) => text.split(',').map(str::to_owned).collect(),
        List::Items(items) => items,
    };
    Ok(items
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect())
}
