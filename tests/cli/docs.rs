//! The docs' links hold: every relative link in README.md and doc/*.md names a file that exists,
//! and every `#anchor` a heading of the page it points into, as GitHub makes anchors from
//! headings. A section that moves or is renamed breaks its links here, not in a reader's browser.
//! And README.md's hand-written exit-code table lists exactly the codes `help exit-codes` does.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// GitHub's anchor for a heading's text: lower case, letters, digits, `-` and `_` kept, each
/// space a `-`, anything else (punctuation, backticks) dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// One page's anchors (a repeated heading gets `-1`, `-2`, … as on GitHub) and its links, each
/// with the line it is on.
struct Page {
    anchors: BTreeSet<String>,
    links: Vec<(usize, String)>,
}

fn read_page(text: &str) -> Page {
    let mut page = Page {
        anchors: BTreeSet::new(),
        links: Vec::new(),
    };
    let mut heading: Option<String> = None;
    for (event, range) in Parser::new(text).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let base = slug(&heading.take().unwrap_or_default());
                let mut anchor = base.clone();
                let mut n = 0;
                while page.anchors.contains(&anchor) {
                    n += 1;
                    anchor = format!("{base}-{n}");
                }
                page.anchors.insert(anchor);
            }
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                let line = text[..range.start].matches('\n').count() + 1;
                page.links.push((line, dest_url.into_string()));
            }
            _ => {}
        }
    }
    page
}

/// Every link of `files` (paths under `root`) that does not hold, as `file:line: link: why`.
/// Links with a scheme (`https:`, `mailto:`) are left alone; an absolute path is refused, since
/// it names a file of the machine the page is read on, not of the checkout.
fn broken_links(root: &Path, files: &[PathBuf]) -> Vec<String> {
    let scheme = regex::Regex::new("^[A-Za-z][A-Za-z0-9+.-]*:").unwrap();
    let mut broken = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let dir = file.parent().unwrap_or(Path::new(""));
        for (line, link) in read_page(&text).links {
            if scheme.is_match(&link) {
                continue;
            }
            let (target, anchor) = link.split_once('#').unwrap_or((&link, ""));
            let target = if target.is_empty() {
                file.clone()
            } else {
                tidy(&dir.join(target))
            };
            let why = if target.has_root() {
                Some("an absolute path, not a file of the checkout".to_string())
            } else if !root.join(&target).exists() {
                Some(format!("no file {}", target.display()))
            } else if anchor.is_empty() {
                None
            } else if target.extension().is_none_or(|e| e != "md") {
                Some(format!(
                    "an anchor into {}, which has no headings",
                    target.display()
                ))
            } else {
                let page = read_page(&std::fs::read_to_string(root.join(&target)).unwrap());
                (!page.anchors.contains(anchor))
                    .then(|| format!("no heading #{anchor} in {}", target.display()))
            };
            if let Some(why) = why {
                broken.push(format!("{}:{line}: {link}: {why}", file.display()));
            }
        }
    }
    broken
}

/// `doc/../README.md` as `README.md`, so a message names the file as a reader would.
fn tidy(path: &Path) -> PathBuf {
    let mut tidy = PathBuf::new();
    for part in path.components() {
        match part {
            Component::ParentDir if tidy.file_name().is_some() => {
                tidy.pop();
            }
            Component::CurDir => {}
            part => tidy.push(part),
        }
    }
    tidy
}

/// README.md and every page of doc/, relative to the checkout.
fn documents(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root.join("doc"))
        .unwrap()
        .map(|entry| PathBuf::from("doc").join(entry.unwrap().file_name()))
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

#[test]
fn every_link_in_the_readme_and_doc_holds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = documents(root);
    assert!(
        files.len() > 1,
        "doc/ has no page: {}",
        root.join("doc").display()
    );
    let broken = broken_links(root, &files);
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// Every page of doc/ is reachable from the README: a page nobody links to is a page nobody
/// finds.
#[test]
fn the_readme_links_every_page_of_doc() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = read_page(&std::fs::read_to_string(root.join("README.md")).unwrap());
    let linked: BTreeSet<String> = readme
        .links
        .iter()
        .map(|(_, link)| link.split('#').next().unwrap().to_string())
        .collect();
    let unlinked: Vec<String> = documents(root)
        .into_iter()
        .skip(1)
        .map(|page| page.display().to_string())
        .filter(|page| !linked.contains(page))
        .collect();
    assert!(unlinked.is_empty(), "README.md does not link {unlinked:?}");
}

/// The exit codes in README.md's table under `## Exit codes`, as written in its first column.
fn readme_exit_codes(readme: &str) -> BTreeSet<u8> {
    readme
        .lines()
        .skip_while(|line| line.trim() != "## Exit codes")
        .skip(1)
        .take_while(|line| !line.starts_with("## "))
        .filter_map(|line| {
            line.strip_prefix('|')?
                .split('|')
                .next()?
                .trim()
                .parse()
                .ok()
        })
        .collect()
}

/// README.md's exit-code table is written by hand; `help exit-codes` prints the table the code
/// defines (and the man pages carry). Every code the binary lists is in the README, and the
/// README lists no other, so the two cannot drift apart again (11, `plan`'s, once went missing).
#[test]
fn the_readme_lists_every_exit_code_that_help_exit_codes_lists() {
    let run = crate::harness::offline(&["help", "exit-codes"]);
    run.code(0);
    let listed: BTreeSet<u8> = run
        .stdout
        .lines()
        .filter_map(|line| line.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(
        listed.contains(&0) && listed.contains(&143),
        "no exit codes read from `help exit-codes`:\n{}",
        run.stdout
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = readme_exit_codes(&std::fs::read_to_string(root.join("README.md")).unwrap());
    let missing: Vec<&u8> = listed.difference(&readme).collect();
    let extra: Vec<&u8> = readme.difference(&listed).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "README.md's exit-code table lacks {missing:?} and has {extra:?} that `help exit-codes` does not list"
    );
}

#[test]
fn the_readme_exit_code_table_is_read_from_its_section_only() {
    let readme = "# T\n\n| 7 | elsewhere |\n\n## Exit codes\n\n| code | meaning |\n|---|---|\n\
                  | 0 | ok |\n| 11 | `plan`: pending |\n\n## Reference\n\n| 12 | not a code |\n";
    assert_eq!(readme_exit_codes(readme), BTreeSet::from([0, 11]));
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    for (heading, anchor) in [
        (
            "Keys as code: plan and apply",
            "keys-as-code-plan-and-apply",
        ),
        ("Troubleshooting 401 and 403", "troubleshooting-401-and-403"),
        ("macOS and Windows", "macos-and-windows"),
        ("`keys rotate` and `--due`", "keys-rotate-and---due"),
        ("users list and users remove", "users-list-and-users-remove"),
        ("What it buys (10,000 keys)", "what-it-buys-10000-keys"),
        ("snake_case fields", "snake_case-fields"),
    ] {
        assert_eq!(slug(heading), anchor, "{heading}");
    }
    let page = read_page("# A\n\n## Twice\n\ntext\n\n## Twice\n\n## `code` here\n");
    let anchors: Vec<&str> = page.anchors.iter().map(String::as_str).collect();
    assert_eq!(anchors, ["a", "code-here", "twice", "twice-1"]);
}

/// The check finds each kind of broken link, and passes the links that hold: a missing file, a
/// missing heading in another page and in its own, an anchor into a file that is not markdown.
/// Links with a scheme and links inside code are not checked.
#[test]
fn a_broken_link_is_found_and_named() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("doc")).unwrap();
    std::fs::write(
        root.path().join("README.md"),
        "# Top\n\n## Quick start\n\n\
         [fine](doc/page.md) [fine](doc/page.md#a-section) [fine](#quick-start)\n\
         [gone](doc/missing.md)\n\
         [no such heading](doc/page.md#nowhere)\n\
         [not here](#installation)\n\
         [web](https://example.com/missing.md) `[code](doc/missing.md)`\n\
         [absolute](/etc/hostname)\n",
    )
    .unwrap();
    std::fs::write(
        root.path().join("doc/page.md"),
        "# Page\n\n## A section\n\n[back](../README.md#top) [text](notes.txt#part)\n\n\
         ```\n[in a block](nowhere.md)\n```\n",
    )
    .unwrap();
    std::fs::write(root.path().join("doc/notes.txt"), "notes\n").unwrap();
    let files = documents(root.path());
    assert_eq!(
        files,
        [PathBuf::from("README.md"), PathBuf::from("doc/page.md")]
    );
    assert_eq!(
        broken_links(root.path(), &files),
        [
            "README.md:6: doc/missing.md: no file doc/missing.md",
            "README.md:7: doc/page.md#nowhere: no heading #nowhere in doc/page.md",
            "README.md:8: #installation: no heading #installation in README.md",
            "README.md:10: /etc/hostname: an absolute path, not a file of the checkout",
            "doc/page.md:5: notes.txt#part: an anchor into doc/notes.txt, which has no headings",
        ]
    );
}
