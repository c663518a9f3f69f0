//! The bench's clients: one raw HTTP/1.1 connection per event stream, on tokio.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

/// Open streams, and when each received its events after the first.
pub struct Streams {
    held: Arc<AtomicUsize>,
    receipts: Arc<Mutex<HashMap<usize, Instant>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Streams {
    /// Streams open now.
    pub fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// Milliseconds from each publish to its stream's receipt (undelivered ones left out).
    pub fn latencies(&self, published: &[(usize, Instant)]) -> Vec<f64> {
        let receipts = self.receipts.lock().expect("receipts");
        published
            .iter()
            .filter_map(|(index, at)| {
                let received = receipts.get(index)?;
                Some(received.saturating_duration_since(*at).as_secs_f64() * 1000.0)
            })
            .collect()
    }
}

impl Drop for Streams {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Opens `count` streams (solutions 1..=count of the bench student), 200 connects at a time.
pub async fn open_all(port: u16, cookie: &str, count: usize) -> Streams {
    let held = Arc::new(AtomicUsize::new(0));
    let receipts = Arc::new(Mutex::new(HashMap::new()));
    let connecting = Arc::new(Semaphore::new(200));
    let mut tasks = Vec::with_capacity(count);
    for index in 0..count {
        let request = format!(
            "GET /solutions/detail/bench/{}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n",
            index + 1
        );
        let (held, receipts, connecting) = (held.clone(), receipts.clone(), connecting.clone());
        tasks.push(tokio::spawn(async move {
            let mut permit = connecting.acquire_owned().await.ok();
            let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await else {
                return;
            };
            if stream.write_all(request.as_bytes()).await.is_err() {
                return;
            }
            let mut buffer = vec![0u8; 16 * 1024];
            let mut statuses = 0;
            let mut counted = false;
            loop {
                let read =
                    tokio::time::timeout(Duration::from_mins(10), stream.read(&mut buffer)).await;
                let Ok(Ok(n)) = read else { break };
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buffer[..n]);
                statuses +=
                    text.matches("event:status").count() + text.matches("event: status").count();
                if statuses >= 1 && !counted {
                    counted = true;
                    held.fetch_add(1, Ordering::SeqCst);
                    permit.take();
                }
                if statuses >= 2 {
                    receipts
                        .lock()
                        .expect("receipts")
                        .entry(index)
                        .or_insert_with(Instant::now);
                }
            }
            if counted {
                held.fetch_sub(1, Ordering::SeqCst);
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_mins(5);
    while held.load(Ordering::SeqCst) < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Streams {
        held,
        receipts,
        tasks,
    }
}
