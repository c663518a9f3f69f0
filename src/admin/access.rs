//! Who may open the admin area: staff, and superusers for roles, runtime settings and pages.
//! Everyone else is told there is nothing here (404), so the area stays invisible; visitors who
//! are not logged in are sent to the login page.

use rocket::Request;
use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};

use crate::accounts::{Denied, Staff, Superuser, User};

/// A member of the course staff in the admin area (404 for other users).
pub struct AdminStaff(pub User);

/// A superuser in the admin area (404 for other users, staff included).
pub struct AdminSuperuser(pub User);

/// A refusal turned into "nothing here", except the login redirect and the own-work page.
fn hidden<T>(outcome: Outcome<T, Denied>) -> Outcome<T, Denied> {
    match outcome {
        Outcome::Error((_, denied @ (Denied::NotStaff | Denied::NotSuperuser))) => {
            Outcome::Error((Status::NotFound, denied))
        }
        other => other,
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AdminStaff {
    type Error = Denied;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Denied> {
        hidden(request.guard::<Staff>().await).map(|Staff(user)| Self(user))
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for AdminSuperuser {
    type Error = Denied;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Denied> {
        hidden(request.guard::<Superuser>().await).map(|Superuser(user)| Self(user))
    }
}
