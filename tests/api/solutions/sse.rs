//! A small server-sent events client over reqwest's byte stream, for the live-result tests.

use std::pin::Pin;
use std::time::Duration;

use futures_util::{Stream, StreamExt};

/// One event as the server framed it.
#[derive(Clone, Debug, Default)]
pub struct SseEvent {
    pub name: String,
    pub id: Option<u64>,
    pub data: String,
}

type Bytes = Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>;

/// An open event stream.
pub struct Sse {
    bytes: Bytes,
    buffer: String,
}

impl Sse {
    /// Opens `url` with `client`, optionally with a `Last-Event-ID`; panics unless it is a stream.
    pub async fn open(client: &reqwest::Client, url: &str, last_id: Option<u64>) -> Self {
        let mut request = client.get(url).header("Accept", "text/event-stream");
        if let Some(id) = last_id {
            request = request.header("Last-Event-ID", id.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK, "{url}");
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        Self {
            bytes: Box::pin(
                response
                    .bytes_stream()
                    .map(|chunk| chunk.map(|b| b.to_vec())),
            ),
            buffer: String::new(),
        }
    }

    /// The next event (heartbeat comments skipped), or `None` once the server closed the stream.
    pub async fn next(&mut self, timeout: Duration) -> Option<SseEvent> {
        tokio::time::timeout(timeout, self.next_event())
            .await
            .expect("an event (or the end of the stream) in time")
    }

    async fn next_event(&mut self) -> Option<SseEvent> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let frame: String = self.buffer.drain(..end + 2).collect();
                if let Some(event) = parse(&frame) {
                    return Some(event);
                }
                continue;
            }
            match self.bytes.next().await {
                Some(Ok(chunk)) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Events up to and including `name`, or until the stream closes.
    pub async fn until(&mut self, name: &str, timeout: Duration) -> Vec<SseEvent> {
        let mut events = Vec::new();
        while let Some(event) = self.next(timeout).await {
            let last = event.name == name;
            events.push(event);
            if last {
                break;
            }
        }
        events
    }
}

fn parse(frame: &str) -> Option<SseEvent> {
    let mut event = SseEvent::default();
    let mut data = Vec::new();
    let mut any = false;
    for line in frame.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => value.clone_into(&mut event.name),
            "id" => event.id = value.parse().ok(),
            "data" => data.push(value),
            _ => continue,
        }
        any = true;
    }
    event.data = data.join("\n");
    any.then_some(event)
}

/// The CSS class of the status badge in a fragment (`queued`, `running`, `passed`, …).
pub fn badge(fragment: &str) -> String {
    let start = fragment
        .find("badge badge-")
        .map(|i| i + "badge badge-".len());
    start
        .map(|i| fragment[i..].chars().take_while(|c| *c != '"').collect())
        .unwrap_or_default()
}
