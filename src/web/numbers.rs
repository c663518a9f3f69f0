//! Whole numbers from URLs (pages, solution numbers, ids), bounded so that nothing computed
//! from them can overflow, and refused with a clear answer instead of a 500 or a 422.

use rocket::form::{self, FromFormField, ValueField};
use rocket::http::uri::fmt::{FromUriParam, Path, Query};
use rocket::request::FromParam;

use super::AppError;

/// The highest page number a list accepts; far beyond any real list, far below overflow.
pub const MAX_PAGE: i64 = 1_000_000;

const PAGE_MESSAGE: &str = "Page numbers are whole numbers from 1 to 1000000.";

/// A page of a list (`?page=`, from 1; 1 when absent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageNumber(pub i64);

impl PageNumber {
    /// The page a query asked for; a bad one is a 400 saying what a page number is.
    pub fn of(query: form::Result<'_, Self>) -> Result<Self, AppError> {
        query.map_err(|_| AppError::BadRequest(PAGE_MESSAGE.into()))
    }

    /// How many rows of `size` come before this page.
    #[must_use]
    pub fn offset(self, size: i64) -> i64 {
        (self.0 - 1).saturating_mul(size)
    }
}

/// `?page=` in links built with `uri!`.
impl rocket::http::uri::fmt::UriDisplay<rocket::http::uri::fmt::Query> for PageNumber {
    fn fmt(
        &self,
        f: &mut rocket::http::uri::fmt::Formatter<'_, rocket::http::uri::fmt::Query>,
    ) -> std::fmt::Result {
        f.write_value(self.0)
    }
}

rocket::http::impl_from_uri_param_identity!([rocket::http::uri::fmt::Query] PageNumber);

impl<'v> FromFormField<'v> for PageNumber {
    fn from_value(field: ValueField<'v>) -> form::Result<'v, Self> {
        match field.value.trim().parse::<i64>() {
            Ok(page) if (1..=MAX_PAGE).contains(&page) => Ok(Self(page)),
            _ => Err(form::Error::validation(PAGE_MESSAGE).into()),
        }
    }

    fn default() -> Option<Self> {
        Some(Self(1))
    }
}

/// Links to a page of a list name it by number (`uri!`).
impl FromUriParam<Query, i64> for PageNumber {
    type Target = i64;

    fn from_uri_param(page: i64) -> i64 {
        page
    }
}

/// A positive number in a path (a solution's number, a row's id); anything else names nothing,
/// so using it answers 404 (a failed parse would otherwise forward and end as a 422).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathNumber(Option<i64>);

impl PathNumber {
    /// The number, or 404.
    pub fn get(self) -> Result<i64, AppError> {
        self.0.ok_or(AppError::NotFound)
    }
}

impl FromParam<'_> for PathNumber {
    type Error = std::convert::Infallible;

    fn from_param(param: &str) -> Result<Self, Self::Error> {
        Ok(Self(param.parse().ok().filter(|number| *number >= 1)))
    }
}

/// Links name a solution or row by its number (`uri!`).
impl FromUriParam<Path, i64> for PathNumber {
    type Target = i64;

    fn from_uri_param(number: i64) -> i64 {
        number
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_never_overflow_and_odd_paths_name_nothing() {
        assert_eq!(PageNumber(1).offset(20), 0);
        assert_eq!(PageNumber(MAX_PAGE).offset(20), (MAX_PAGE - 1) * 20);
        for text in ["0", "-1", "x", "99999999999999999999"] {
            assert!(
                PathNumber::from_param(text).unwrap().get().is_err(),
                "{text}"
            );
        }
        assert_eq!(PathNumber::from_param("7").unwrap().get().unwrap(), 7);
    }
}
