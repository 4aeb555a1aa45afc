//! Criterion micro-benchmarks of the hot path of `keys list` over 10,000 keys: decoding the
//! page (the product's own `Page<ApiKey>`, and the borrowed `Page<ListedKey>` that
//! `keys list -o json` uses), building the JSON views (`KeyJson`), and rendering JSON (through
//! serde, and straight from the borrowed keys with the listing's `JsonWriter`), plain and table
//! output (the product's own renderers). The modules come from the library target. Run with `cargo bench --bench render`;
//! `benches/run` is the whole-process benchmark.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use flexprice_admin::api::models::{ApiKey, Page};
use flexprice_admin::commands::keys::listing::{JsonWriter, ListedKey, Shown};
use flexprice_admin::commands::keys::scope::KeyScope;
use flexprice_admin::output::render;
use flexprice_admin::output::render::Cell;
use flexprice_admin::views::KeyJson;

const KEYS: usize = 10_000;

/// A `GET /v1/secrets/api/keys?limit=0` body shaped like the sandbox's, with every field the
/// server sends (unknown ones included, which the decoder must skip).
fn page_body(n: usize) -> Vec<u8> {
    let mut body = String::from(r#"{"items":["#);
    for i in 0..n {
        if i > 0 {
            body.push(',');
        }
        let (owner, sa) = if i % 3 == 0 {
            ("user", String::new())
        } else {
            (
                "service_account",
                format!(r#","service_account_name":"svc-{}""#, i % 100),
            )
        };
        let expires = if i % 2 == 0 {
            r#","expires_at":"2027-02-01T10:00:00Z""#
        } else {
            ""
        };
        body.push_str(&format!(
            r#"{{"id":"secret_01K3ZQ9W5G2H7N4M8P6R{i:06}","name":"bench-key-{i}","type":"private_key","provider":"flexprice","display_id":"sk_01***{:02}","roles":["event_ingestor"],"user_type":"{owner}","user_id":"user_01K3ZQ9W5G2H7N4M8P6R{:06}"{sa}{expires},"status":"published","tenant_id":"tenant_01","environment_id":"env_01","created_at":"2026-08-22T13:05:42.123456Z","updated_at":"2026-08-22T13:05:42.123456Z","created_by":"user_01","updated_by":"user_01"}}"#,
            i % 100,
            i % 100,
        ));
    }
    body.push_str(&format!(
        r#"],"pagination":{{"total":{n},"limit":0,"offset":0}}}}"#
    ));
    body.into_bytes()
}

fn decode(body: &[u8]) -> Vec<ApiKey> {
    let page: Page<ApiKey> = serde_json::from_slice(body).expect("the fixture decodes");
    page.items
}

/// The cells `keys list` shows when piped: raw RFC 3339 times, no relative ones.
fn cells(keys: &[ApiKey]) -> Vec<Vec<Cell>> {
    keys.iter()
        .map(|k| {
            vec![
                Cell::new(&k.id),
                Cell::new(&k.name),
                Cell::new(k.service_account_name.as_deref().unwrap_or("-")),
                Cell::new(k.roles.join(",")),
                Cell::new(k.created_at.to_string()),
                Cell::new(k.expires_at.map_or("never".into(), |t| t.to_string())),
                Cell::new(&k.status),
            ]
        })
        .collect()
}

const HEADERS: [&str; 7] = [
    "ID", "NAME", "OWNER", "ROLES", "CREATED", "EXPIRES", "STATUS",
];

fn benches(c: &mut Criterion) {
    let body = page_body(KEYS);
    let keys = decode(&body);
    assert_eq!(keys.len(), KEYS);
    let now = jiff::Timestamp::now();

    let mut group = c.benchmark_group("keys_10k");
    group.sample_size(20);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("decode_page", |b| b.iter(|| decode(black_box(&body))));
    // As `keys list -o json` does it since issue 13: borrowing from the body.
    group.bench_function("decode_page_borrowed", |b| {
        b.iter(|| {
            let text = std::str::from_utf8(black_box(&body)).expect("UTF-8");
            let page: Page<ListedKey<'_>> = serde_json::from_str(text).expect("decodes");
            page.items.len()
        })
    });
    group.throughput(Throughput::Elements(KEYS as u64));
    // As `keys list -o jsonl` does it: the decoded keys are moved into their views.
    group.bench_function("build_views", |b| {
        b.iter_batched(
            || keys.clone(),
            |keys| {
                keys.into_iter()
                    .map(|k| KeyJson::from_key(k, None, now))
                    .collect::<Vec<_>>()
            },
            BatchSize::LargeInput,
        )
    });
    let views: Vec<KeyJson> = keys.iter().map(|k| KeyJson::new(k, None, now)).collect();
    group.bench_function("render_json", |b| {
        let mut out = Vec::with_capacity(8 << 20);
        b.iter(|| {
            out.clear();
            render::json(&mut out, black_box(&views)).expect("writes to memory");
        })
    });
    // As `keys list -o json` does it since issue 13: straight from the borrowed keys.
    let text = std::str::from_utf8(&body).expect("UTF-8");
    let listed: Page<ListedKey<'_>> = serde_json::from_str(text).expect("decodes");
    let (scope, users) = (KeyScope::default(), Default::default());
    group.bench_function("write_listed_json", |b| {
        let mut out = Vec::with_capacity(8 << 20);
        b.iter(|| {
            out.clear();
            let shown = Shown {
                scope: &scope,
                users: &users,
                members: None,
                environment: None,
                now,
            };
            let mut writer = JsonWriter::new(&mut out, shown, usize::MAX).expect("in memory");
            for key in black_box(&listed.items) {
                writer.write(key).expect("writes to memory");
            }
            writer.finish().expect("writes to memory");
        })
    });
    group.bench_function("render_plain", |b| {
        let mut out = Vec::with_capacity(4 << 20);
        b.iter_batched(
            || cells(&keys),
            |rows| {
                out.clear();
                render::plain(&mut out, rows).expect("writes to memory");
            },
            BatchSize::LargeInput,
        )
    });
    group.bench_function("render_table", |b| {
        b.iter_batched(
            || cells(&keys),
            |rows| render::table(&HEADERS, rows, false, false),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(keys_10k, benches);
criterion_main!(keys_10k);
