//! `keys list -o json`'s writer: listed keys rendered straight from the answer into the JSON
//! array, in chunks. The usual answer, every key at once, is decoded as it is written, and a
//! large one on two threads: the profile of 10,000 keys showed most of the command's CPU after
//! the answer arrived going to decoding it, and the machines it runs on have a second core.

use std::collections::HashMap;
use std::io::{self, Write};

use jiff::Timestamp;

use super::scope::KeyScope;
use crate::api::endpoints::KeyPager;
use crate::api::models::{ListedKey, ListedKeys};
use crate::api::wire::{Text, split_items, trailing_pagination};
use crate::api::{Answer, Client};
use crate::output::render::JsonArray;
use crate::views::write_listed_key;

/// Rendered keys are written out when they reach this size: one buffer, reused while it is in
/// the cache, rather than megabytes of fresh memory for the kernel to map (the profile of 10,000
/// keys showed a fifth of the time in page faults).
pub const CHUNK: usize = 64 * 1024;

/// What goes before every item of a JSON array but the first.
const NEXT_ITEM: &[u8] = b",\n  ";

/// How a listed key is shown: only those in `scope`, each with its user's name.
#[derive(Clone, Copy)]
pub struct Renderer<'r> {
    pub scope: &'r KeyScope,
    pub users: &'r HashMap<String, String>,
    pub now: Timestamp,
}

impl Renderer<'_> {
    /// Appends `key` after `separator` when it is in scope; whether it was.
    fn render(&self, out: &mut Vec<u8>, separator: &[u8], key: &ListedKey<'_>) -> bool {
        if !self.scope.matches_listed(key) {
            return false;
        }
        let owner = match (&key.service_account_name, &key.user_id) {
            (None, Some(user)) => self.users.get(user.as_str()).map(String::as_str),
            _ => None,
        };
        out.extend_from_slice(separator);
        write_listed_key(out, key, owner, self.now);
        true
    }
}

/// Writes listed keys into a JSON array: those the renderer shows, up to `left` of them.
pub struct ListedWriter<'w, W: Write> {
    pub out: &'w mut JsonArray<W>,
    pub rendered: &'w mut Vec<u8>,
    pub renderer: Renderer<'w>,
    pub left: usize,
}

/// A run of keys rendered on the second thread: the bytes of those shown, each after
/// [`NEXT_ITEM`], and every key's ID with the end of its bytes when it was shown.
struct RenderedRun<'b> {
    bytes: Vec<u8>,
    keys: Vec<(Text<'b>, Option<usize>)>,
}

impl<W: Write> ListedWriter<'_, W> {
    /// Renders one key kept by the listing, writing out a full chunk.
    pub fn write(&mut self, key: &ListedKey<'_>) -> io::Result<()> {
        if self.left == 0 || !self.renderer.scope.matches_listed(key) {
            return Ok(());
        }
        let separator = self.out.separator();
        self.renderer.render(self.rendered, separator, key);
        self.left -= 1;
        if self.rendered.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    /// The listing's next key: written when it is among the first `keep` the pager keeps, and
    /// its ID handed to the pager (`ids`) in any case, as [`KeyPager::take`] expects.
    fn take<'b>(
        &mut self,
        key: ListedKey<'b>,
        keep: usize,
        ids: &mut Vec<Text<'b>>,
    ) -> io::Result<()> {
        if ids.len() < keep {
            self.write(&key)?;
        }
        ids.push(key.id);
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.write_rendered(self.rendered)?;
        self.rendered.clear();
        Ok(())
    }

    /// The usual answer, all keys in one (the first, ending with its `pagination`, which says
    /// so), written as it is decoded: no list of its keys is built, only their IDs are kept for
    /// the pager. It writes exactly the keys [`KeyPager::take`] keeps, the first `n`, since
    /// the pagination read from the end of the body says `n` before the keys are read. `false`:
    /// not such an answer, nothing done.
    pub fn whole_listing<'b>(
        &mut self,
        client: &Client,
        pager: &mut KeyPager<'_>,
        answer: &'b Answer,
    ) -> anyhow::Result<bool> {
        let Some(expected) = trailing_pagination(answer.body()) else {
            return Ok(false);
        };
        let Some(keep) = pager.whole_listing(&expected) else {
            return Ok(false);
        };
        let mut ids: Vec<Text<'b>> = Vec::new();
        if let Some((first, second)) = std::str::from_utf8(answer.body())
            .ok()
            .and_then(split_items)
            && self.on_two_threads(first, second, keep, &mut ids)?
        {
            // The page is exactly its items and this `pagination` (see `split_items`).
            pager.take(&expected, &mut ids)?;
            return Ok(true);
        }
        // One thread, from the first key not yet handed to `write` (all of them, unless the
        // two threads stopped part-way): a malformed answer fails here, with the message a
        // whole decoding gives.
        let done = ids.len();
        let mut seen = 0;
        let mut failed = None;
        let decoded = client.decode_answer_with(
            answer,
            ListedKeys(|key: ListedKey<'b>| {
                seen += 1;
                if seen <= done {
                    return Ok(());
                }
                self.take(key, keep, &mut ids).map_err(|e| {
                    let stop = e.to_string();
                    failed = Some(e);
                    stop
                })
            }),
        );
        if let Some(e) = failed {
            return Err(e.into());
        }
        let pagination = decoded?;
        anyhow::ensure!(
            (pagination.total, pagination.limit) == (expected.total, expected.limit),
            "the answer of {} keys carries two different `pagination` fields",
            ids.len()
        );
        pager.take(&pagination, &mut ids)?;
        Ok(true)
    }

    /// The two runs of [`split_items`]: the second rendered on another thread while this one
    /// decodes and writes the first, then written after it. Every key written is pushed to
    /// `ids`, as the one-thread path does. `false` when a run does not decode as items: the
    /// keys of the first that did are written (and in `ids`), and the caller goes on from there.
    fn on_two_threads<'b>(
        &mut self,
        first: &'b str,
        second: &'b str,
        keep: usize,
        ids: &mut Vec<Text<'b>>,
    ) -> io::Result<bool> {
        let renderer = self.renderer;
        std::thread::scope(|threads| {
            let other = threads.spawn(move || {
                // About what the keys take rendered (pretty, with two fields more: 1.13 times
                // the answer's bytes for the server's keys).
                let mut bytes = Vec::with_capacity(second.len() / 4 * 5);
                crate::memory::prefault(&mut bytes);
                let mut run = RenderedRun {
                    bytes,
                    keys: Vec::new(),
                };
                each_in_run(second, |key| {
                    let shown = renderer.render(&mut run.bytes, NEXT_ITEM, &key);
                    run.keys.push((key.id, shown.then_some(run.bytes.len())));
                    Ok(())
                })
                .map(|()| run)
            });
            let mut failed = None;
            let decoded = each_in_run(first, |key| {
                self.take(key, keep, ids).map_err(|e| {
                    failed = Some(e);
                    String::new()
                })
            });
            if let Some(e) = failed {
                return Err(e);
            }
            let run = match (decoded, other.join()) {
                (Ok(()), Ok(Ok(run))) => run,
                _ => return Ok(false),
            };
            // What `write` would have written of them: a prefix, cut by `keep` and `left`.
            let mut end = 0;
            for (id, shown_until) in run.keys {
                if ids.len() < keep
                    && self.left > 0
                    && let Some(until) = shown_until
                {
                    end = until;
                    self.left -= 1;
                }
                ids.push(id);
            }
            if end > 0 {
                self.flush()?;
                // The first of them may be the array's first item.
                let separator = self.out.separator();
                self.out.write_rendered(separator)?;
                self.out.write_rendered(&run.bytes[NEXT_ITEM.len()..end])?;
            }
            Ok(true)
        })
    }
}

/// Each key of `run`, listed keys as they stand in an array (`{…},{…}`, no brackets), in order,
/// each borrowing from it as a whole decoding would. Any other text is an error, whose message
/// is never shown (the caller decodes the whole answer instead).
fn each_in_run<'b>(
    run: &'b str,
    mut each: impl FnMut(ListedKey<'b>) -> Result<(), String>,
) -> Result<(), String> {
    let mut at = 0;
    loop {
        let mut keys = serde_json::Deserializer::from_str(&run[at..]).into_iter::<ListedKey<'b>>();
        match keys.next() {
            Some(Ok(key)) => each(key)?,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("an empty item".into()),
        }
        at += keys.byte_offset();
        match run.as_bytes().get(at) {
            None => return Ok(()),
            Some(b',') => at += 1,
            Some(_) => return Err(format!("no `,` after the item ending at byte {at}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::Page;

    /// A page of `n` keys as the server writes it: hostile names here and there, and in some
    /// keys an unknown field holding objects (which a cut must not land between).
    fn page(n: usize) -> String {
        let items: Vec<serde_json::Value> = (0..n)
            .map(|i| {
                let mut key = serde_json::json!({"id": format!("secret_{i}"),
                    "name": match i % 5 { 0 => "x},{".to_string(), 1 => "quote \" \\ é".to_string(), _ => format!("key-{}", i % 7) },
                    "type": "private_key", "display_id": "sk_01***AA", "roles": ["event_ingestor"],
                    "user_type": "service_account", "user_id": "user_01", "service_account_name": "bot",
                    "status": "published", "created_at": "2026-08-22T13:05:42.123456Z",
                    "expires_at": if i % 3 == 0 { Some("2026-09-01T00:00:00Z") } else { None }});
                if i % 4 == 0 {
                    key["nested"] = serde_json::json!([{"id": "a"}, {"id": "b"}]);
                }
                key
            })
            .collect();
        serde_json::json!({"items": items, "pagination": {"total": n, "limit": 0, "offset": 0}})
            .to_string()
    }

    /// What `keys list -o json` writes of `body`'s keys under `scope`, `keep` and `left`, on
    /// one thread or two (cut at `cut`), and the IDs handed to the pager.
    fn listing(
        body: &str,
        cut: Option<(&str, &str)>,
        scope: &KeyScope,
        keep: usize,
        left: usize,
    ) -> (String, usize) {
        let users = HashMap::new();
        let now: Timestamp = "2026-08-22T13:05:42Z".parse().unwrap();
        let mut bytes = Vec::new();
        let mut out = JsonArray::new(&mut bytes).unwrap();
        let mut rendered = Vec::new();
        let mut writer = ListedWriter {
            out: &mut out,
            rendered: &mut rendered,
            renderer: Renderer {
                scope,
                users: &users,
                now,
            },
            left,
        };
        let mut ids = Vec::new();
        if let Some((first, second)) = cut
            && writer
                .on_two_threads(first, second, keep, &mut ids)
                .unwrap()
        {
        } else {
            // As `whole_listing` goes on after the two threads stopped part-way.
            let page: Page<ListedKey<'_>> = serde_json::from_str(body).unwrap();
            for key in page.items.into_iter().skip(ids.len()) {
                if ids.len() < keep {
                    writer.write(&key).unwrap();
                }
                ids.push(key.id);
            }
        }
        writer.flush().unwrap();
        out.finish().unwrap();
        (String::from_utf8(bytes).unwrap(), ids.len())
    }

    #[test]
    fn two_threads_write_what_one_does() {
        let body = page(400);
        let cut = crate::api::wire::split_items(&body).or_else(|| {
            // Below the size worth a thread: cut by hand where `split_items` would.
            let start = body.find('[').unwrap() + 1;
            let end = body.rfind("],\"pagination\"").unwrap();
            let items = &body[start..end];
            let at = items[items.len() / 2..].find("},{\"id\"").unwrap() + items.len() / 2;
            Some((&items[..=at], &items[at + 2..]))
        });
        let everything = KeyScope::default();
        let named = KeyScope {
            account: None,
            name: Some("key-3".into()),
        };
        for scope in [&everything, &named] {
            for (keep, left) in [
                (400, usize::MAX),
                (400, 0),
                (400, 1),
                (150, 80),
                (250, 1),
                (399, 1000),
                (0, 5),
            ] {
                let one = listing(&body, None, scope, keep, left);
                let two = listing(&body, cut, scope, keep, left);
                assert_eq!(one, two, "{:?} keep {keep} left {left}", scope.name);
                assert_eq!(one.1, 400);
            }
        }
        let (all, _) = listing(&body, cut, &everything, 400, usize::MAX);
        assert_eq!(
            serde_json::from_str::<Vec<serde_json::Value>>(&all)
                .unwrap()
                .len(),
            400
        );
    }

    #[test]
    fn a_cut_inside_an_item_falls_back_to_one_thread_where_it_stopped() {
        let body = page(40);
        // Between the two nested objects of key 8 (keys 0, 4 and 8 have them): the first run ends
        // inside key 8.
        let start = body.find('[').unwrap() + 1;
        let end = body.rfind("],\"pagination\"").unwrap();
        let items = &body[start..end];
        let (at, _) = items
            .match_indices(r#""nested":[{"id":"a"},{"id":"b"}]"#)
            .nth(2)
            .unwrap();
        let at = at + items[at..].find("},{").unwrap();
        let cut = (&items[..=at], &items[at + 2..]);
        let mut ids = Vec::new();
        let users = HashMap::new();
        let scope = KeyScope::default();
        let mut bytes = Vec::new();
        let mut out = JsonArray::new(&mut bytes).unwrap();
        let mut rendered = Vec::new();
        let mut writer = ListedWriter {
            out: &mut out,
            rendered: &mut rendered,
            renderer: Renderer {
                scope: &scope,
                users: &users,
                now: Timestamp::UNIX_EPOCH,
            },
            left: usize::MAX,
        };
        assert!(!writer.on_two_threads(cut.0, cut.1, 40, &mut ids).unwrap());
        assert_eq!(ids.len(), 8, "keys 0 to 7 written, key 8 cut");
        assert_eq!(
            listing(&body, Some(cut), &scope, 40, usize::MAX),
            listing(&body, None, &scope, 40, usize::MAX)
        );
    }

    #[test]
    fn a_run_is_its_items_and_nothing_else() {
        let mut names = Vec::new();
        each_in_run(r#"{"id":"a","name":"n","type":"t","display_id":"d","status":"s","created_at":"2026-08-22T13:05:42Z"},{"id":"b","name":"m","type":"t","display_id":"d","status":"s","created_at":"2026-08-22T13:05:42Z"}"#, |key| {
            names.push(key.name.as_str().to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(names, ["n", "m"]);
        for bad in [
            "",
            r#"{"id":"a"}"#,
            "1,2",
            r#"{"id":"a","name":"n","type":"t","display_id":"d","status":"s","created_at":"2026-08-22T13:05:42Z"}]"#,
        ] {
            assert!(each_in_run(bad, |_| Ok(())).is_err(), "{bad}");
        }
    }
}
