//! Importing task repositories: Git, `make`, task directories, the checker image, the webhook.

pub mod signature;
