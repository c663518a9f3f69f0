//! INLOOP: programming tasks from Git, checked in throw-away containers, results live.

pub mod accounts;
pub mod admin;
pub mod app;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod events;
pub mod grades;
pub mod home;
pub mod import;
pub mod markdown;
pub mod metrics;
pub mod pages;
pub mod plagiarism;
pub mod runner;
pub mod settings;
pub mod solutions;
pub mod statistics;
pub mod tasks;
pub mod time_zone;
pub mod web;
