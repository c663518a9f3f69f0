//! Operators' account commands: create users, prune unactivated ones, assign groups, demo data.

use std::io::{BufRead, Write};

use super::users::{self, NewUser};
use super::{ACTIVATION_PERIOD, groups, password};
use crate::db::{DbPool, Timestamp};

type CommandResult = Result<(), Box<dyn std::error::Error>>;

/// The account to create, as given on the command line.
pub struct AccountSpec {
    pub username: Option<String>,
    pub email: Option<String>,
    pub password_stdin: bool,
    pub staff: bool,
    pub superuser: bool,
    pub groups: Vec<String>,
}

fn prompt(label: &str) -> Result<String, std::io::Error> {
    print!("{label}: ");
    std::io::stdout().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim().to_owned())
}

/// Creates an active account; asks for what the options leave out.
pub async fn create(db: &DbPool, spec: AccountSpec) -> CommandResult {
    let username = match spec.username {
        Some(name) => name,
        None => prompt("Username")?,
    };
    let email = match spec.email {
        Some(email) => email,
        None => prompt("E-mail address")?,
    };
    let password = if spec.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password("Password: ")?;
        if first != rpassword::prompt_password("Password (again): ")? {
            return Err("the passwords do not match".into());
        }
        first
    };
    if let Some(problem) = password::problem(&password, &username, &email) {
        return Err(problem.into());
    }
    // Login takes a username or an address: neither may be another account's of either kind.
    for name in [&username, &email] {
        if let Some(taken) = users::login_taken(db, name).await? {
            let kind = match taken {
                users::Taken::AsUsername => "username",
                users::Taken::AsEmail => "e-mail address",
            };
            return Err(format!("an account with the {kind} {name:?} exists already").into());
        }
    }
    let hash = password::hash(&password);
    let new_user = NewUser {
        username: &username,
        email: &email,
        password_hash: &hash,
        is_active: true,
        is_staff: spec.staff || spec.superuser,
        is_superuser: spec.superuser,
    };
    let id = users::create(db, &new_user).await?;
    groups::join_all(db, id, &spec.groups).await?;
    println!(
        "created {} {username:?}",
        if spec.superuser { "superuser" } else { "user" }
    );
    Ok(())
}

/// Removes accounts never activated within the activation period.
pub async fn prune(db: &DbPool) -> CommandResult {
    let removed = users::prune_inactive(db, Timestamp::now().plus(-ACTIVATION_PERIOD)).await?;
    println!("removed {removed} account(s) never activated");
    Ok(())
}

/// Adds every user to the named groups.
pub async fn assign_groups(db: &DbPool, names: &[String]) -> CommandResult {
    let ids = users::all_ids(db).await?;
    for id in &ids {
        groups::join_all(db, *id, names).await?;
    }
    println!("added {} user(s) to {}", ids.len(), names.join(", "));
    Ok(())
}

/// Creates `admin`, `staff` and `student` with fresh random passwords and prints them.
pub async fn demo(db: &DbPool) -> CommandResult {
    for (username, staff, superuser) in [
        ("admin", true, true),
        ("staff", true, false),
        ("student", false, false),
    ] {
        if users::login_taken(db, username).await?.is_some() {
            println!("{username:<8} exists already (password unchanged)");
            continue;
        }
        let secret: String = {
            use rand::Rng;
            let mut rng = rand::thread_rng();
            (0..16)
                .map(|_| rng.sample(rand::distributions::Alphanumeric) as char)
                .collect()
        };
        let hash = password::hash(&secret);
        let email = format!("{username}@example.org");
        let user = NewUser {
            username,
            email: &email,
            password_hash: &hash,
            is_active: true,
            is_staff: staff,
            is_superuser: superuser,
        };
        users::create(db, &user).await?;
        println!("{username:<8} password {secret}");
    }
    Ok(())
}
