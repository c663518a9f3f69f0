//! Outgoing mail over SMTP (`EMAIL_URL`); without a server, debug builds write mails to the log
//! and release builds only their recipient and subject (bodies hold activation and reset links).

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// The mailer, managed as Rocket state.
pub struct Mailer {
    from: Mailbox,
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
}

/// A mail could not be built or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("FROM_EMAIL is not a valid address: {0}")]
    From(#[source] lettre::address::AddressError),
    #[error("EMAIL_URL is not usable: {0}")]
    Url(#[source] lettre::transport::smtp::Error),
    #[error("invalid recipient address: {0}")]
    To(#[source] lettre::address::AddressError),
    #[error("the mail could not be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the SMTP server did not accept the mail: {0}")]
    Send(#[from] lettre::transport::smtp::Error),
}

impl Mailer {
    /// A mailer for the configured sender and server.
    pub fn new(config: &Config) -> Result<Self, MailError> {
        let from = config.from_email.parse().map_err(MailError::From)?;
        let transport = match &config.email_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(MailError::Url)?
                    .timeout(Some(std::time::Duration::from_secs(20)))
                    .build(),
            ),
            None => None,
        };
        Ok(Self { from, transport })
    }

    /// Sends a plain-text mail to one recipient.
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), MailError> {
        let recipient: Mailbox = to.parse().map_err(MailError::To)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(recipient)
            .subject(subject)
            .body(body.clone())?;
        if let Some(transport) = &self.transport {
            transport.send(message).await?;
            tracing::info!(subject, "mail sent");
        } else if cfg!(debug_assertions) {
            // Development without a mail server: the link must be readable somewhere.
            tracing::info!(
                to,
                subject,
                body,
                "EMAIL_URL is not set: mail written to the log"
            );
        } else {
            // Bodies carry activation and reset links: a release build never logs them.
            tracing::warn!(to, subject, "EMAIL_URL is not set: mail not sent");
        }
        Ok(())
    }
}
