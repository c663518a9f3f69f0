//! Solutions for the plagiarism tests: an original, a renamed copy, two solutions of their own,
//! and the seed that hands them in as students, staff and a superuser.

use inloop::db::DbPool;

use super::{PASSWORD, catalog};
use crate::common::TestApp;

/// A student's solution of the task.
const ORIGINAL: &str = "public class Statistics {
    public static double average(int[] values) {
        if (values.length == 0) {
            return 0.0;
        }
        int sum = 0;
        for (int i = 0; i < values.length; i++) {
            sum += values[i];
        }
        return (double) sum / values.length;
    }

    public static int maximum(int[] values) {
        int best = Integer.MIN_VALUE;
        for (int value : values) {
            if (value > best) {
                best = value;
            }
        }
        return best;
    }

    public static int countAbove(int[] values, int limit) {
        int count = 0;
        for (int value : values) {
            if (value > limit) {
                count++;
            }
        }
        return count;
    }
}
";

/// The same with every identifier renamed, reformatted and commented.
const RENAMED: &str = "public class Statistics {
    // Mean of the numbers.
    public static double average(int[] numbers) {
        if (numbers.length == 0) { return 0.0; }
        int total = 0;
        for (int k = 0; k < numbers.length; k++) {
            total += numbers[k];
        }
        return (double) total / numbers.length;
    }

    public static int maximum(int[] numbers) {
        int largest = Integer.MIN_VALUE;
        for (int n : numbers) {
            if (n > largest) { largest = n; }
        }
        return largest;
    }

    public static int countAbove(int[] numbers, int threshold) {
        int hits = 0;
        for (int n : numbers) {
            if (n > threshold) { hits++; }
        }
        return hits;
    }
}
";

/// A solution of its own.
const INDEPENDENT: &str = "import java.util.Arrays;

public class Statistics {
    public static double average(int[] values) {
        return Arrays.stream(values).average().orElse(0.0);
    }

    public static int maximum(int[] values) {
        return Arrays.stream(values).max().orElse(Integer.MIN_VALUE);
    }

    public static int countAbove(int[] values, int limit) {
        return (int) Arrays.stream(values).filter(v -> v > limit).count();
    }
}
";

/// Another solution of its own.
const ANOTHER: &str = "public class Statistics {
    public static double average(int[] values) {
        double mean = 0.0;
        int seen = 0;
        while (seen < values.length) {
            mean = mean + (values[seen] - mean) / (seen + 1);
            seen = seen + 1;
        }
        return mean;
    }

    public static int maximum(int[] values) {
        int[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted.length == 0 ? Integer.MIN_VALUE : sorted[sorted.length - 1];
    }

    public static int countAbove(int[] values, int limit) {
        return values.length == 0 ? 0
            : (values[0] > limit ? 1 : 0)
                + countAbove(java.util.Arrays.copyOfRange(values, 1, values.length), limit);
    }
}
";

/// What the editor gives every student.
const TEMPLATE: &str = "public class Statistics {\n}\n";

async fn user_id(db: &DbPool, username: &str) -> i64 {
    inloop::on_pool!(db, |pool| sqlx::query_scalar(
        "SELECT id FROM users WHERE username = $1"
    )
    .bind(username)
    .fetch_one(pool)
    .await)
    .unwrap()
}

/// Solution `number` of `author` for `task` with one file `Statistics.java`.
async fn solution(db: &DbPool, task: i64, author: i64, number: i64, verdict: &str, code: &str) {
    inloop::on_pool!(db, |pool| {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO solutions (task_id, author_id, number, submitted_at, files_hash, status, verdict)
             VALUES ($1, $2, $3, 0, 'hash', 'finished', $4) RETURNING id",
        )
        .bind(task)
        .bind(author)
        .bind(number)
        .bind(verdict)
        .fetch_one(pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO solution_files (solution_id, name, size, content) VALUES ($1, 'Statistics.java', $2, $3)",
        )
        .bind(id)
        .bind(i64::try_from(code.len()).unwrap())
        .bind(code.as_bytes())
        .execute(pool)
        .await
        .unwrap();
    });
}

/// The task `shell-task` (category `basics`) with its template and these solutions: alice's
/// original and bob's renamed copy (passed); carol's copy superseded by her own later passed
/// solution; dave's failed copy; erin's independent one; copies by the staff member `teacher`
/// and the superuser `boss`, who must exist already.
pub async fn seed(app: &TestApp) {
    let db = app.db().await;
    let (_, task, _) = catalog(&db).await;
    let templates = serde_json::json!([{ "name": "Statistics.java", "content": TEMPLATE }]);
    inloop::on_pool!(&db, |pool| sqlx::query(
        "UPDATE tasks SET templates = $1 WHERE id = $2"
    )
    .bind(templates.to_string())
    .bind(task)
    .execute(pool)
    .await
    .map(drop))
    .unwrap();
    for name in ["alice", "bob", "carol", "dave", "erin"] {
        app.create_user(name, PASSWORD, false).await;
    }
    let id = async |name| user_id(&db, name).await;
    solution(&db, task, id("alice").await, 1, "passed", ORIGINAL).await;
    solution(&db, task, id("bob").await, 1, "failed", INDEPENDENT).await;
    solution(&db, task, id("bob").await, 2, "passed", RENAMED).await;
    solution(&db, task, id("carol").await, 1, "passed", RENAMED).await;
    solution(&db, task, id("carol").await, 2, "passed", ANOTHER).await;
    solution(&db, task, id("dave").await, 1, "failed", ORIGINAL).await;
    solution(&db, task, id("erin").await, 1, "passed", INDEPENDENT).await;
    solution(&db, task, id("teacher").await, 1, "passed", ORIGINAL).await;
    solution(&db, task, id("boss").await, 1, "passed", RENAMED).await;
}
