//! The two migration folders build the same schema: tables, columns, nullability and indexes.

use std::collections::{BTreeMap, BTreeSet};

use inloop::db::DbPool;

use crate::common::TestDatabase;

/// Per table: each column with whether it may be NULL, and the names of its own indexes (not
/// those that back a primary key or a UNIQUE constraint, which each backend names its own way).
type Schema = BTreeMap<String, Table>;

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    columns: BTreeMap<String, bool>,
    indexes: BTreeSet<String>,
}

const MIGRATIONS_TABLE: &str = "_sqlx_migrations";

#[tokio::test]
async fn sqlite_and_postgres_migrations_build_the_same_schema() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("schema.sqlite3").display());
    let sqlite = migrated(&url).await;
    let sqlite_schema = schema(&sqlite).await;
    assert!(sqlite_schema.contains_key("users"), "{sqlite_schema:#?}");
    // PostgreSQL only when the suite runs on it, as every other test.
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let postgres = migrated(database.url()).await;
    let postgres_schema = schema(&postgres).await;
    if let DbPool::Postgres(pool) = &postgres {
        pool.close().await;
    }
    assert_eq!(sqlite_schema, postgres_schema);
}

async fn migrated(url: &str) -> DbPool {
    let pool = DbPool::connect(url, 1).await.expect("database");
    pool.migrate().await.expect("migrations");
    pool
}

async fn schema(pool: &DbPool) -> Schema {
    let mut schema = Schema::new();
    match pool {
        DbPool::Sqlite(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in tables {
                let columns: Vec<(String, i64, i64)> =
                    sqlx::query_as(r#"SELECT name, "notnull", pk FROM pragma_table_info($1)"#)
                        .bind(&table)
                        .fetch_all(pool)
                        .await
                        .unwrap();
                // A primary key is never NULL on PostgreSQL; SQLite reports `notnull = 0` for an
                // INTEGER PRIMARY KEY (it is the rowid, never NULL either), so keys count as NOT NULL.
                let entry = schema.entry(table).or_default();
                for (column, not_null, primary_key) in columns {
                    entry
                        .columns
                        .insert(column, not_null == 0 && primary_key == 0);
                }
            }
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT tbl_name, name FROM sqlite_master
                 WHERE type = 'index' AND name NOT LIKE 'sqlite_autoindex_%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table, index) in indexes {
                schema.entry(table).or_default().indexes.insert(index);
            }
        }
        DbPool::Postgres(pool) => {
            let columns: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, is_nullable::text
                 FROM information_schema.columns WHERE table_schema = current_schema()",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table, column, nullable) in columns {
                let entry = schema.entry(table).or_default();
                entry.columns.insert(column, nullable == "YES");
            }
            let indexes: Vec<(String, String)> = sqlx::query_as(
                "SELECT tablename::text, indexname::text FROM pg_indexes
                 WHERE schemaname = current_schema()
                   AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table, index) in indexes {
                schema.entry(table).or_default().indexes.insert(index);
            }
        }
    }
    schema.remove(MIGRATIONS_TABLE);
    schema
}
