//! The event bus: Redis pub/sub when `REDIS_URL` is set, an in-process channel otherwise.
//!
//! Each process holds one Redis subscription (pattern `inloop:*`) and fans its messages out to
//! in-process subscribers, so a browser stream never costs a Redis connection.

use std::time::Duration;

use fred::clients::{Client, SubscriberClient};
use fred::interfaces::{ClientLike, EventInterface, PubsubInterface};
use fred::types::Builder;
use fred::types::config::{Config as RedisConfig, ReconnectPolicy};
use tokio::sync::broadcast;

/// Prefix of every Redis channel INLOOP uses.
const PREFIX: &str = "inloop:";
/// How long a publish may wait for Redis before the event is given up.
const PUBLISH_TIMEOUT: Duration = Duration::from_secs(1);
/// Messages a slow in-process subscriber may fall behind before it misses some.
const CAPACITY: usize = 1024;
/// The topic of the message sent in-process whenever the Redis subscription (re)starts: messages
/// may have been missed before it, so subscribers re-read whatever state they keep.
pub const RESUBSCRIBED: &str = "*";

/// One message on the bus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// What the message is about, e.g. `settings` or `solution:42`.
    pub topic: String,
    pub payload: String,
}

/// Failure to reach Redis.
#[derive(Debug, thiserror::Error)]
#[error("redis: {0}")]
pub struct BusError(#[from] fred::error::Error);

#[derive(Clone)]
struct Redis {
    publisher: Client,
    subscriber: SubscriberClient,
}

/// The bus, managed as Rocket state; clones share it.
#[derive(Clone)]
pub struct Bus {
    local: broadcast::Sender<Message>,
    redis: Option<Redis>,
}

impl Bus {
    /// The bus `config` asks for: Redis when `REDIS_URL` is set (and not empty), else in-process.
    pub fn from_config(config: &crate::config::Config) -> Result<Self, BusError> {
        match config.redis_url.as_deref().filter(|url| !url.is_empty()) {
            Some(url) => Self::redis(url),
            None => Ok(Self::local()),
        }
    }

    /// A bus that only reaches this process.
    #[must_use]
    pub fn local() -> Self {
        Self {
            local: broadcast::channel(CAPACITY).0,
            redis: None,
        }
    }

    /// A bus over Redis at `url`. Connections are made in the background and remade after
    /// failures, so a Redis that is down at start or restarts later is picked up when it returns.
    pub fn redis(url: &str) -> Result<Self, BusError> {
        let config = RedisConfig {
            fail_fast: false,
            ..RedisConfig::from_url(url)?
        };
        let policy = ReconnectPolicy::new_exponential(0, 100, 5_000, 2);
        let builder = || {
            let mut builder = Builder::from_config(config.clone());
            builder
                .set_policy(policy.clone())
                .with_connection_config(|connection| {
                    connection.connection_timeout = Duration::from_secs(5);
                    connection.internal_command_timeout = Duration::from_secs(5);
                });
            builder
        };
        let publisher = builder().build()?;
        let subscriber = builder().build_subscriber_client()?;
        let bus = Self {
            local: broadcast::channel(CAPACITY).0,
            redis: Some(Redis {
                publisher,
                subscriber,
            }),
        };
        bus.start_subscription();
        Ok(bus)
    }

    fn start_subscription(&self) {
        let Some(redis) = &self.redis else { return };
        redis.publisher.connect();
        redis.subscriber.connect();
        let _resubscribe = redis.subscriber.manage_subscriptions();
        let mut messages = redis.subscriber.message_rx();
        let local = self.local.clone();
        tokio::spawn(async move {
            loop {
                match messages.recv().await {
                    Ok(message) => {
                        let Some(topic) = message.channel.strip_prefix(PREFIX) else {
                            continue;
                        };
                        let payload = message.value.convert::<String>().unwrap_or_default();
                        let _ = local.send(Message {
                            topic: topic.to_owned(),
                            payload,
                        });
                    }
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "event bus fell behind Redis");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        let local = self.local.clone();
        let _reconnected = redis.subscriber.on_reconnect(move |_| {
            let _ = local.send(Message {
                topic: RESUBSCRIBED.to_owned(),
                payload: String::new(),
            });
            async { Ok(()) }
        });
        let subscriber = redis.subscriber.clone();
        let local = self.local.clone();
        tokio::spawn(async move {
            if let Err(error) = subscriber.wait_for_connect().await {
                tracing::warn!(%error, "event bus: Redis not reachable yet, retrying in the background");
            }
            match subscriber.psubscribe(format!("{PREFIX}*")).await {
                Ok(()) => drop(local.send(Message {
                    topic: RESUBSCRIBED.to_owned(),
                    payload: String::new(),
                })),
                Err(error) => {
                    tracing::warn!(%error, "event bus: subscription failed, retried on reconnect");
                }
            }
        });
    }

    /// Sends a message to every subscriber in every process. Delivery is best effort: the
    /// database is the record of state, events only say that it changed.
    pub async fn publish(&self, topic: &str, payload: impl Into<String>) {
        let payload = payload.into();
        match &self.redis {
            Some(redis) => {
                // Without a timeout a publish waits for Redis to come back, and so would the
                // check worker that sends it (its next check would never start).
                let sent = tokio::time::timeout(
                    PUBLISH_TIMEOUT,
                    redis
                        .publisher
                        .publish::<i64, _, _>(format!("{PREFIX}{topic}"), payload),
                )
                .await;
                match sent {
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => tracing::warn!(topic, %error, "event not published"),
                    Err(_) => {
                        tracing::warn!(topic, "event not published: Redis did not answer in time");
                    }
                }
            }
            None => {
                let _ = self.local.send(Message {
                    topic: topic.to_owned(),
                    payload,
                });
            }
        }
    }

    /// Waits (up to 5 s) until Redis is connected, for short-lived processes such as commands.
    pub async fn ready(&self) {
        if let Some(redis) = &self.redis {
            let _ =
                tokio::time::timeout(Duration::from_secs(5), redis.publisher.wait_for_connect())
                    .await;
        }
    }

    /// Messages published from now on, from any process.
    #[must_use]
    pub fn subscribe(&self) -> broadcast::Receiver<Message> {
        self.local.subscribe()
    }

    /// Calls `changed` with the payload of every message on `topic`, and with `None` whenever
    /// messages may have been missed (Redis (re)subscribed, or this process fell behind): how a
    /// per-process cache learns that what it holds changed in any process.
    pub fn follow(&self, topic: &'static str, changed: impl Fn(Option<&str>) + Send + 'static) {
        let mut messages = self.subscribe();
        tokio::spawn(async move {
            loop {
                match messages.recv().await {
                    Ok(message) if message.topic == topic => changed(Some(&message.payload)),
                    Ok(message) if message.topic == RESUBSCRIBED => changed(None),
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => changed(None),
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
    }

    /// Whether Redis answers; `None` without Redis.
    pub async fn ping(&self) -> Option<Result<(), BusError>> {
        let redis = self.redis.as_ref()?;
        let answer =
            tokio::time::timeout(Duration::from_secs(2), redis.publisher.ping::<String>(None))
                .await;
        Some(match answer {
            Ok(result) => result.map(drop).map_err(BusError),
            Err(_) => Err(BusError(fred::error::Error::new(
                fred::error::ErrorKind::Timeout,
                "no answer in 2 s",
            ))),
        })
    }
}
