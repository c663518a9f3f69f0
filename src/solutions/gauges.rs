//! The queue's numbers in the metrics: depth per lane and the live worker instances, read from
//! the database every few seconds by every server (web-only ones too), so any instance reports
//! the whole queue.

use rocket::Shutdown;

use super::{instances, queue};
use crate::db::DbPool;
use crate::metrics::{LaneLabels, METRICS};

/// The lanes: 0 for students' checks, 1 for staff re-runs.
const LANES: [i64; 2] = [0, 1];

/// Refreshes the gauges until shutdown.
pub async fn refresh(db: DbPool, mut shutdown: Shutdown) {
    loop {
        if let Err(error) = refresh_once(&db).await {
            tracing::debug!(%error, "refreshing the queue metrics failed");
        }
        tokio::select! {
            () = tokio::time::sleep(instances::HEARTBEAT) => {}
            () = &mut shutdown => break,
        }
    }
}

async fn refresh_once(db: &DbPool) -> Result<(), sqlx::Error> {
    let depths = queue::depth_by_lane(db).await?;
    for lane in LANES {
        let depth = depths
            .iter()
            .find(|(of, _)| *of == lane)
            .map_or(0, |(_, depth)| *depth);
        METRICS
            .queue_depth
            .get_or_create(&LaneLabels {
                lane: lane.to_string(),
            })
            .set(depth);
    }
    let (instances, workers) = instances::live(db).await?;
    METRICS.worker_instances.set(instances);
    METRICS.workers.set(workers);
    Ok(())
}
