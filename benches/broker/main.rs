//! The token broker at 64 concurrent callers: cache hits, cache misses, and
//! the same workload with the cache off (what a no-cache broker does), on
//! SQLite and (with `AZURE_USER_TOKENS_TEST_POSTGRES`) PostgreSQL, side by
//! side in one run. In-process broker and emulator; the emulator's Entra is
//! the issuer.
//!
//! ```sh
//! cargo bench --bench broker                 # 5,000 requests per hit run
//! cargo bench --bench broker -- 20000        # requests per hit run
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use azure_user_tokens::broker::{Broker, BrokerConfig, DatabaseUrl, Upstreams};
use azure_user_tokens::emulator::{Emulator, EmulatorConfig, EntraTokenClaims};
use azure_user_tokens::identity::CommunicationIdentityClient;

const CALLERS: usize = 64;
const AUDIENCE: &str = "api://broker-bench";

struct Run {
    name: String,
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn percentile(&self, p: f64) -> Duration {
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }
}

/// `CALLERS` tasks, each sending `per_caller` token requests for its own
/// user; `minutes(i)` picks the lifetime of request `i` (a new lifetime is a
/// new cache key).
async fn drive(
    name: String,
    broker: &Broker,
    tokens: &Arc<Vec<String>>,
    per_caller: usize,
    minutes: fn(usize) -> u32,
) -> Run {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CALLERS)
        .build()
        .unwrap();
    let url = format!("{}/v1/token", broker.base_url());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for caller in 0..CALLERS {
        let (http, url, tokens) = (http.clone(), url.clone(), tokens.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_caller);
            for i in 0..per_caller {
                let body = format!(r#"{{"scopes":["voip"],"expiresInMinutes":{}}}"#, minutes(i));
                let sent = Instant::now();
                let response = http
                    .post(&url)
                    .bearer_auth(&tokens[caller])
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.unwrap();
                latencies.push(sent.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Run {
        name,
        requests: CALLERS * per_caller,
        elapsed,
        latencies,
    }
}

async fn broker(emulator: &Emulator, database: DatabaseUrl, cache: bool) -> Broker {
    let config = BrokerConfig::new(emulator.entra_issuer(), AUDIENCE)
        .with_listen("127.0.0.1:0".parse().unwrap())
        .with_database(database)
        .with_rate_limit_per_minute(0)
        .with_token_cache(cache);
    let identity =
        CommunicationIdentityClient::from_connection_string(&emulator.connection_string(), None)
            .unwrap();
    Broker::start(
        config,
        Upstreams {
            identity,
            apim: None,
        },
    )
    .await
    .unwrap()
}

async fn postgres_database(admin: &str, name: &str) -> DatabaseUrl {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(admin).await.unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await
        .unwrap();
    let mut url = url::Url::parse(admin).unwrap();
    url.set_path(&format!("/{name}"));
    url.as_str().parse().unwrap()
}

#[tokio::main]
async fn main() {
    let hit_requests: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5000);
    azure_user_tokens::http::install_crypto_provider();
    let emulator = Emulator::start(EmulatorConfig::default()).await.unwrap();
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..CALLERS)
            .map(|i| {
                emulator
                    .mint_entra_token(&EntraTokenClaims::new(
                        AUDIENCE,
                        "bench",
                        format!("00000000-0000-0000-0000-{i:012}"),
                        chrono::Duration::hours(2),
                    ))
                    .expose()
                    .to_string()
            })
            .collect(),
    );
    let scratch = std::env::temp_dir().join(format!("broker-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let mut databases = vec![("SQLite", DatabaseUrl::sqlite(&scratch.join("broker.db")))];
    let postgres = std::env::var("AZURE_USER_TOKENS_TEST_POSTGRES").ok();
    if let Some(admin) = &postgres {
        databases.push(("PostgreSQL", postgres_database(admin, "broker_bench").await));
    }
    let per_hit_caller = hit_requests.div_ceil(CALLERS);
    let per_miss_caller = (hit_requests / 4).div_ceil(CALLERS);
    let mut runs = Vec::new();
    for (kind, database) in databases {
        let cached = broker(&emulator, database.clone(), true).await;
        // Warm: every user has an identity and a cached 60-minute token.
        drive(format!("{kind} warm-up"), &cached, &tokens, 1, |_| 60).await;
        runs.push(
            drive(
                format!("{kind}, cache hits"),
                &cached,
                &tokens,
                per_hit_caller,
                |_| 60,
            )
            .await,
        );
        // Every request a new lifetime: a new key, an ACS call.
        runs.push(
            drive(
                format!("{kind}, cache misses"),
                &cached,
                &tokens,
                per_miss_caller,
                |i| 61 + (i % 1380) as u32,
            )
            .await,
        );
        cached.shutdown().await;
        let uncached = broker(&emulator, database, false).await;
        runs.push(
            drive(
                format!("{kind}, cache off"),
                &uncached,
                &tokens,
                per_miss_caller,
                |_| 60,
            )
            .await,
        );
        uncached.shutdown().await;
    }
    emulator.shutdown().await;
    let _ = std::fs::remove_dir_all(&scratch);

    println!("| workload ({CALLERS} callers) | requests | tokens/s | p50 | p99 |");
    println!("|---|---:|---:|---:|---:|");
    for run in &runs {
        println!(
            "| {} | {} | {:.0} | {:.2} ms | {:.2} ms |",
            run.name,
            run.requests,
            run.requests as f64 / run.elapsed.as_secs_f64(),
            run.percentile(0.50).as_secs_f64() * 1000.0,
            run.percentile(0.99).as_secs_f64() * 1000.0,
        );
    }
}
