//! INLOOP's integration tests, one binary: a real server per test over real HTTP, the operators'
//! commands, the check sandbox against Docker, and task imports.

mod abuse;
mod access;
mod accounts;
mod admin;
mod backup;
mod commands;
mod common;
mod course_commands;
mod editor;
mod foundation;
mod grades;
mod hostile_http;
mod sandbox;
mod schema;
mod session_cache;
mod sessions;
mod solutions;
mod startup;
mod statements;
mod statistics;
mod tasks_import;
