//! The token broker at 64 concurrent callers: cache hits, cache misses, and
//! the same workload with the cache off (what a no-cache broker does), on
//! SQLite and (with `AZURE_USER_TOKENS_TEST_POSTGRES`) PostgreSQL, side by
//! side in one run. In-process broker and emulator; the emulator's Entra is
//! the issuer. Two emulator settings: no added cost (an ACS call nearly
//! free), and the real service's cost as modelled by the emulator (40 ms per
//! ACS answer, ACS's 1,000 creations and issues per 30 s) for the hits and
//! the no-cache broker.
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
    /// Answers other than 200 (a no-cache broker behind ACS's limit may
    /// give up on a call: 503).
    failed: usize,
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
                let ok = response.status().is_success();
                response.bytes().await.unwrap();
                latencies.push((sent.elapsed(), ok));
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        for (latency, ok) in task.await.unwrap() {
            failed += usize::from(!ok);
            latencies.push(latency);
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Run {
        name,
        requests: CALLERS * per_caller,
        failed,
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

/// The emulator's cost model for a setting.
struct Setting {
    label: &'static str,
    config: fn() -> EmulatorConfig,
    /// Whether the cache-miss workload runs (only without added cost: with
    /// ACS's limit it measures the limit, as the cache-off run does).
    misses: bool,
}

const SETTINGS: [Setting; 2] = [
    Setting {
        label: "no added cost",
        config: EmulatorConfig::default,
        misses: true,
    },
    Setting {
        label: "40 ms, 1,000/30 s",
        config: || {
            EmulatorConfig::default()
                .with_latency(Duration::from_millis(40))
                .with_acs_throttle(1000, Duration::from_secs(30))
        },
        misses: false,
    },
];

fn tokens_for(emulator: &Emulator) -> Arc<Vec<String>> {
    Arc::new(
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
    )
}

#[tokio::main]
async fn main() {
    let hit_requests: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5000);
    azure_user_tokens::http::install_crypto_provider();
    let scratch = std::env::temp_dir().join(format!("broker-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let postgres = std::env::var("AZURE_USER_TOKENS_TEST_POSTGRES").ok();
    let per_hit_caller = hit_requests.div_ceil(CALLERS);
    let per_miss_caller = (hit_requests / 4).div_ceil(CALLERS);
    let mut runs = Vec::new();
    for (index, setting) in SETTINGS.iter().enumerate() {
        let mut databases = vec![(
            "SQLite",
            DatabaseUrl::sqlite(&scratch.join(format!("broker-{index}.db"))),
        )];
        if let Some(admin) = &postgres {
            let name = format!("broker_bench_{index}");
            databases.push(("PostgreSQL", postgres_database(admin, &name).await));
        }
        for (kind, database) in databases {
            // A fresh emulator (one ACS resource, its own quota) per database.
            let emulator = Emulator::start((setting.config)()).await.unwrap();
            let tokens = tokens_for(&emulator);
            let label = format!("{kind}, {}", setting.label);
            let cached = broker(&emulator, database.clone(), true).await;
            // Warm: every user has an identity and a cached 60-minute token.
            drive(format!("{label} warm-up"), &cached, &tokens, 1, |_| 60).await;
            runs.push(
                drive(
                    format!("{label}, cache hits"),
                    &cached,
                    &tokens,
                    per_hit_caller,
                    |_| 60,
                )
                .await,
            );
            if setting.misses {
                // Every request a new lifetime: a new key, an ACS call.
                runs.push(
                    drive(
                        format!("{label}, cache misses"),
                        &cached,
                        &tokens,
                        per_miss_caller,
                        |i| 61 + (i % 1380) as u32,
                    )
                    .await,
                );
            }
            cached.shutdown().await;
            let uncached = broker(&emulator, database, false).await;
            // Behind ACS's limit, 20 per caller (1,280) already spans two
            // 30 s windows.
            let per_off_caller = match setting.misses {
                true => per_miss_caller,
                false => per_miss_caller.min(20),
            };
            runs.push(
                drive(
                    format!("{label}, cache off"),
                    &uncached,
                    &tokens,
                    per_off_caller,
                    |_| 60,
                )
                .await,
            );
            uncached.shutdown().await;
            emulator.shutdown().await;
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);

    println!("| workload ({CALLERS} callers) | requests | failed | tokens/s | p50 | p99 |");
    println!("|---|---:|---:|---:|---:|---:|");
    for run in &runs {
        println!(
            "| {} | {} | {} | {:.0} | {:.2} ms | {:.2} ms |",
            run.name,
            run.requests,
            run.failed,
            (run.requests - run.failed) as f64 / run.elapsed.as_secs_f64(),
            run.percentile(0.50).as_secs_f64() * 1000.0,
            run.percentile(0.99).as_secs_f64() * 1000.0,
        );
    }
}
