//! Tasks and their categories: what students see and solve.

pub mod meta;
