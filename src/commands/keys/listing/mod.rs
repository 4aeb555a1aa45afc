//! Reading a listing of keys cheaply: `keys list -o json` writes thousands of keys and
//! `keys audit` checks them, both through [`each_key`], one answer at a time. Each part here is
//! kept for what it buys, measured over 10,000 keys in doc/performance.md:
//!
//! - `fast`: a reader of the one layout the server writes, serde_json reading anything else;
//! - `key`: keys decoded without copying their texts ([`ListedKey`]);
//! - `time`: their instants passed through as the server wrote them when that is how we print
//!   them;
//! - `json`: `keys list -o json`'s writer, straight from the decoded keys ([`JsonWriter`]).

mod fast;
mod json;
mod key;
mod time;

pub use json::{JsonWriter, OutputBytes, Shown};
pub use key::ListedKey;

use crate::api::endpoints::KeyPager;
use crate::api::models::Page;
use crate::api::{Answer, Client};
use crate::error::{CommandError, CommandResult};

/// The keys of one answer of `pager`, decoded without copying a string (by the fast path when
/// the answer is laid out as the server writes it, else by serde_json) and taken in by it
/// (duplicates of earlier pages and keys beyond its `max` dropped), handed to `each` in order.
pub fn each_key<E>(
    client: &Client,
    pager: &mut KeyPager<'_>,
    answer: &Answer,
    mut each: impl FnMut(&ListedKey<'_>) -> Result<(), E>,
) -> CommandResult<()>
where
    CommandError: From<E>,
{
    let mut page: Page<ListedKey<'_>> = match fast::page(answer.body()) {
        Some(page) => page,
        None => client.decode_answer(answer)?,
    };
    pager.take(&page.pagination, &mut page.items)?;
    for key in &page.items {
        each(key)?;
    }
    Ok(())
}
