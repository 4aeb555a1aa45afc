//! The layers of `src/` run one way, checked at two grains. The module graph is read from the
//! source with `syn`: every `use`, and every path naming `crate::`, `super::`, `self::` or a
//! child module, in code, in attributes (`#[arg(add = …)]`) and in macro calls alike.
//!
//! - Between files: no file reaches, through its imports and paths, a file that reaches back to
//!   it (a path through a re-export counts for the file that defines the item).
//! - Between top-level modules: a path naming `crate::a::…` anywhere in `src/b.rs` or
//!   `src/b/**` is an arrow from `b` to `a` (a `pub use` too), and no top-level module reaches
//!   one that reaches back to it. This catches what the file graph cannot see: `cli/` → `a.rs`
//!   → `b/x.rs`, `b/y.rs` → `cli/` is no circle of files, but `b` sits both above and below
//!   `cli`.
//!
//! Any strongly connected set of more than one node fails its test, named with the paths that
//! tie it. Code under `#[cfg(test)]` is left out: a unit test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

/// A module path from the crate root: `["commands", "keys", "rotate"]`.
type ModPath = Vec<String>;

/// Every module of the crate rooted at `root` (`src/lib.rs`'s folder), by path, with its file.
fn modules(root: &Path) -> BTreeMap<ModPath, PathBuf> {
    let mut found = BTreeMap::new();
    for file in walk(root) {
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = file.strip_prefix(root).unwrap();
        let mut path: ModPath = relative
            .iter()
            .map(|part| part.to_string_lossy().trim_end_matches(".rs").to_string())
            .collect();
        if matches!(
            path.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            path.pop();
        }
        if path.is_empty() && file.file_name().is_some_and(|n| n == "main.rs") {
            continue;
        }
        found.insert(path, file);
    }
    found
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The paths one file names, each made absolute (from the crate root), and what it defines and
/// imports at its top level, so that a path through a re-export can be followed to the file
/// that defines the item.
struct References<'m> {
    here: ModPath,
    modules: &'m BTreeMap<ModPath, PathBuf>,
    found: BTreeSet<ModPath>,
    /// Every path named, re-exports included: the arrows between top-level modules.
    named: BTreeSet<ModPath>,
    /// Items defined here.
    defined: BTreeSet<String>,
    /// Names brought in by `use`, with the path each stands for.
    imported: BTreeMap<String, ModPath>,
    /// Modules whose every item is brought in (`use a::*`).
    globs: Vec<ModPath>,
    /// Inside a `pub use`: a re-export publishes another file's item for others to use, and
    /// those others are the ones that depend on it, so it is followed but is no arrow of its own.
    re_export: bool,
}

impl References<'_> {
    /// `segments` as written in this file, from the crate root; `None` for a path that names
    /// no module of ours (`std::…`, a local variable, a type in scope).
    fn absolute(&self, segments: &[String]) -> Option<ModPath> {
        let first = segments.first()?;
        let mut path = match first.as_str() {
            "crate" => Vec::new(),
            "self" => self.here.clone(),
            "super" => {
                let mut up = self.here.clone();
                up.pop();
                up
            }
            _ => {
                let mut child = self.here.clone();
                child.push(first.clone());
                if !self.modules.contains_key(&child) {
                    return None;
                }
                self.here.clone()
            }
        };
        let rest = if matches!(first.as_str(), "crate" | "self" | "super") {
            &segments[1..]
        } else {
            segments
        };
        for segment in rest {
            if segment == "super" {
                path.pop();
            } else {
                path.push(segment.clone());
            }
        }
        Some(path)
    }

    fn note(&mut self, segments: &[String]) {
        if let Some(path) = self.absolute(segments) {
            self.named.insert(path.clone());
            self.found.insert(path);
        }
    }

    fn import(&mut self, segments: &[String], name: String) {
        if let Some(path) = self.absolute(segments) {
            self.named.insert(path.clone());
            self.imported.insert(name, path.clone());
            if !self.re_export {
                self.found.insert(path);
            }
        }
    }

    /// Every path a `use` tree spells, the prefix carried down its groups.
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
            }
            // `use a::b::{self}` brings in `b` itself.
            syn::UseTree::Name(n) if n.ident == "self" && !prefix.is_empty() => {
                let name = prefix.last().unwrap().clone();
                self.import(prefix, name);
            }
            syn::UseTree::Name(n) => {
                prefix.push(n.ident.to_string());
                self.import(prefix, n.ident.to_string());
                prefix.pop();
            }
            syn::UseTree::Rename(r) => {
                prefix.push(r.ident.to_string());
                self.import(prefix, r.rename.to_string());
                prefix.pop();
            }
            syn::UseTree::Glob(_) => {
                if let Some(path) = self.absolute(prefix) {
                    self.named.insert(path.clone());
                    self.globs.push(path.clone());
                    if !self.re_export {
                        self.found.insert(path);
                    }
                }
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
            }
        }
    }
}

impl References<'_> {
    /// The paths spelled in tokens `syn` leaves unparsed: an attribute's arguments
    /// (`#[arg(add = ArgValueCandidates::new(crate::completion::key_names))]`) and a macro
    /// call's body (`matches!(e, crate::api::ApiErrorKind::Timeout)`). A path is a run of
    /// identifiers joined by `::`.
    fn tokens(&mut self, stream: TokenStream) {
        let mut run: Vec<String> = Vec::new();
        // The colons seen since the run's last identifier: 2 means the run goes on.
        let mut colons = 0;
        for token in stream {
            match token {
                TokenTree::Ident(ident) if colons == 2 || run.is_empty() => {
                    run.push(ident.to_string());
                    colons = 0;
                }
                TokenTree::Punct(p) if p.as_char() == ':' && !run.is_empty() && colons < 2 => {
                    colons += 1;
                }
                other => {
                    self.end_run(&mut run);
                    colons = 0;
                    match other {
                        TokenTree::Group(group) => self.tokens(group.stream()),
                        TokenTree::Ident(ident) => run.push(ident.to_string()),
                        _ => {}
                    }
                }
            }
        }
        self.end_run(&mut run);
    }

    fn end_run(&mut self, run: &mut Vec<String>) {
        if run.len() > 1 {
            self.note(run);
        }
        run.clear();
    }
}

/// `#[cfg(test)]`, `#[cfg(all(test, unix))]` and the like: code only unit tests build.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let Ok(list) = a.meta.require_list() else {
            return false;
        };
        let words = list.tokens.to_string();
        let words: Vec<&str> = words
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .collect();
        a.path().is_ident("cfg") && words.contains(&"test") && !words.contains(&"not")
    })
}

impl<'ast> Visit<'ast> for References<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let name = match item {
            syn::Item::Const(i) => Some(&i.ident),
            syn::Item::Enum(i) => Some(&i.ident),
            syn::Item::Fn(i) => Some(&i.sig.ident),
            syn::Item::Static(i) => Some(&i.ident),
            syn::Item::Struct(i) => Some(&i.ident),
            syn::Item::Trait(i) => Some(&i.ident),
            syn::Item::Type(i) => Some(&i.ident),
            syn::Item::Union(i) => Some(&i.ident),
            syn::Item::Macro(i) => i.ident.as_ref(),
            _ => None,
        };
        if let Some(name) = name {
            self.defined.insert(name.to_string());
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        if !is_test_only(&item.attrs) {
            self.re_export = !matches!(item.vis, syn::Visibility::Inherited);
            self.use_tree(&mut Vec::new(), &item.tree);
            self.re_export = false;
        }
    }

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        // A module written inline (`mod tests { … }`) is not followed: ours live in files,
        // apart from unit tests.
        if item.content.is_none() || is_test_only(&item.attrs) {
            return;
        }
        syn::visit::visit_item_mod(self, item);
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        // `self` alone is a receiver, and `crate` or `super` alone a visibility (`pub(crate)`):
        // neither names anything.
        if segments.len() > 1 {
            self.note(&segments);
        }
        syn::visit::visit_path(self, path);
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        if let syn::Meta::List(list) = &attr.meta {
            self.tokens(list.tokens.clone());
        }
        syn::visit::visit_attribute(self, attr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(mac.tokens.clone());
        syn::visit::visit_macro(self, mac);
    }
}

/// What one file defines and imports, for following re-exports.
struct Names {
    defined: BTreeSet<String>,
    imported: BTreeMap<String, ModPath>,
    globs: Vec<ModPath>,
}

/// The file that defines what `path` names: the deepest module of ours it starts with, or, when
/// that module only re-exports the item (`pub use keys::KeysArgs`, `pub use keys::*`), the
/// file it comes from. `None` for a path outside the crate's modules. The flag says whether the
/// item was found defined (a glob is followed only where it is).
fn resolve(
    modules: &BTreeMap<ModPath, PathBuf>,
    names: &BTreeMap<ModPath, Names>,
    path: &[String],
    depth: usize,
) -> Option<(PathBuf, bool)> {
    let n = (0..=path.len())
        .rev()
        .find(|n| modules.contains_key(&path[..*n]))?;
    let module = &path[..n];
    let file = modules[module].clone();
    let Some(name) = path.get(n) else {
        return Some((file, true));
    };
    let here = &names[module];
    if here.defined.contains(name) || depth > 8 {
        return Some((file, true));
    }
    if let Some(target) = here.imported.get(name) {
        let mut through = target.clone();
        through.extend_from_slice(&path[n + 1..]);
        if let Some(found) = resolve(modules, names, &through, depth + 1) {
            return Some(found);
        }
    }
    for glob in &here.globs {
        let mut through = glob.clone();
        through.extend_from_slice(&path[n..]);
        if let Some((found, true)) = resolve(modules, names, &through, depth + 1) {
            return Some((found, true));
        }
    }
    Some((file, false))
}

/// What every module of the crate rooted at `root` names.
struct Read {
    modules: BTreeMap<ModPath, PathBuf>,
    /// Per module: the paths it depends on (re-exports left out).
    found: BTreeMap<ModPath, BTreeSet<ModPath>>,
    /// Per module: every path it names, re-exports included.
    named: BTreeMap<ModPath, BTreeSet<ModPath>>,
    names: BTreeMap<ModPath, Names>,
}

fn read(root: &Path) -> Read {
    let modules = modules(root);
    let mut found = BTreeMap::new();
    let mut named = BTreeMap::new();
    let mut names = BTreeMap::new();
    for (here, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        let mut references = References {
            here: here.clone(),
            modules: &modules,
            found: BTreeSet::new(),
            named: BTreeSet::new(),
            defined: BTreeSet::new(),
            imported: BTreeMap::new(),
            globs: Vec::new(),
            re_export: false,
        };
        references.visit_file(&parsed);
        found.insert(here.clone(), references.found);
        named.insert(here.clone(), references.named);
        names.insert(
            here.clone(),
            Names {
                defined: references.defined,
                imported: references.imported,
                globs: references.globs,
            },
        );
    }
    Read {
        modules,
        found,
        named,
        names,
    }
}

/// For each file, the other files it reaches.
fn graph(root: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let read = read(root);
    let mut edges = BTreeMap::new();
    for (here, file) in &read.modules {
        let targets: BTreeSet<PathBuf> = read.found[here]
            .iter()
            .filter_map(|path| resolve(&read.modules, &read.names, path, 0))
            .map(|(target, _)| target)
            .filter(|target| target != file)
            .collect();
        edges.insert(file.clone(), targets);
    }
    edges
}

/// The top-level modules, as the file or folder that holds each (`cli/`, `error.rs`), and what
/// ties them: for each arrow, the file and the path that make it.
struct TopLevel {
    edges: BTreeMap<String, BTreeSet<String>>,
    ties: BTreeMap<(String, String), BTreeSet<String>>,
}

/// The top-level module `path` (from the crate root) falls in; an item of the root file is the
/// root file's.
fn top_level(root: &Path, modules: &BTreeMap<ModPath, PathBuf>, path: &[String]) -> String {
    match path.first() {
        Some(first) if modules.contains_key(std::slice::from_ref(first)) => {
            if root.join(first).is_dir() {
                format!("{first}/")
            } else {
                format!("{first}.rs")
            }
        }
        _ => modules[&Vec::new()]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string(),
    }
}

/// The graph of top-level modules: `crate::a::…` named anywhere in `b.rs` or `b/**` is an arrow
/// from `b` to `a`.
fn top_level_graph(root: &Path) -> TopLevel {
    let read = read(root);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ties: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (here, file) in &read.modules {
        let from = top_level(root, &read.modules, here);
        let targets = edges.entry(from.clone()).or_default();
        for path in &read.named[here] {
            let to = top_level(root, &read.modules, path);
            if to != from {
                targets.insert(to.clone());
                let shown = file.strip_prefix(root).unwrap_or(file).display();
                ties.entry((from.clone(), to))
                    .or_default()
                    .insert(format!("{shown}: crate::{}", path.join("::")));
            }
        }
    }
    TopLevel { edges, ties }
}

/// The sets of nodes that reach each other (Tarjan's strongly connected components), each of
/// more than one node.
fn circles<N: Ord + Clone>(edges: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    struct Search<'g, N> {
        edges: &'g BTreeMap<N, BTreeSet<N>>,
        index: BTreeMap<&'g N, usize>,
        low: BTreeMap<&'g N, usize>,
        stack: Vec<&'g N>,
        on_stack: BTreeSet<&'g N>,
        found: Vec<Vec<N>>,
    }
    impl<'g, N: Ord + Clone> Search<'g, N> {
        fn visit(&mut self, node: &'g N) {
            let n = self.index.len();
            self.index.insert(node, n);
            self.low.insert(node, n);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.edges.get(node).into_iter().flatten() {
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top.clone());
                    if top == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut search = Search {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !search.index.contains_key(node) {
            search.visit(node);
        }
    }
    search.found
}

/// The shortest way round a circle, from each of its nodes: what to break. Each is one loop,
/// `a -> b -> a`, the shortest first.
fn loops<'g, N: Ord>(edges: &'g BTreeMap<N, BTreeSet<N>>, circle: &'g [N]) -> Vec<Vec<&'g N>> {
    let mut loops = BTreeSet::new();
    for start in circle {
        // Breadth first from `start`, inside the circle, back to `start`.
        let mut came_from: BTreeMap<&'g N, &'g N> = BTreeMap::new();
        let mut frontier = std::collections::VecDeque::from([start]);
        'search: while let Some(node) = frontier.pop_front() {
            for next in edges[node].iter().filter(|n| circle.contains(n)) {
                if next == start {
                    let mut path = vec![start, node];
                    let mut at = node;
                    while at != start {
                        at = came_from[at];
                        path.push(at);
                    }
                    path.reverse();
                    path.pop();
                    loops.insert((path.len(), path));
                    break 'search;
                }
                if next != start && !came_from.contains_key(next) {
                    came_from.insert(next, node);
                    frontier.push_back(next);
                }
            }
        }
    }
    loops.into_iter().map(|(_, path)| path).collect()
}

/// A circle of files, as its loops, one a line.
fn describe(edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>, circle: &[PathBuf]) -> String {
    loops(edges, circle)
        .into_iter()
        .map(|path| {
            let shown: Vec<String> = path.iter().map(|p| p.display().to_string()).collect();
            format!("  {}", shown.join(" -> "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A circle of top-level modules: its loops, each once (`a -> b -> a`), then every arrow they
/// take with the paths that make it, which are what to move.
fn describe_top_level(graph: &TopLevel, circle: &[String]) -> String {
    let mut distinct = BTreeSet::new();
    for mut path in loops(&graph.edges, circle) {
        let first = (0..path.len()).min_by_key(|i| path[*i]).unwrap();
        path.rotate_left(first);
        distinct.insert(path);
    }
    let mut text = Vec::new();
    let mut arrows = BTreeSet::new();
    for path in &distinct {
        let shown: Vec<&str> = path.iter().map(|n| n.as_str()).collect();
        text.push(format!("  {} -> {}", shown.join(" -> "), shown[0]));
        for (i, from) in path.iter().enumerate() {
            arrows.insert((*from, path[(i + 1) % path.len()]));
        }
    }
    for (from, to) in arrows {
        let ties = &graph.ties[&(from.clone(), to.clone())];
        for tie in ties.iter().take(3) {
            text.push(format!("      {from} -> {to}: {tie}"));
        }
        if ties.len() > 3 {
            text.push(format!("      {from} -> {to}: and {} more", ties.len() - 3));
        }
    }
    text.join("\n")
}

fn assert_no_circles(root: &Path) {
    let edges = graph(root);
    assert!(
        edges.len() > 10,
        "{}: only {} files found",
        root.display(),
        edges.len()
    );
    let circles = circles(&edges);
    let shown: Vec<String> = circles.iter().map(|c| describe(&edges, c)).collect();
    assert!(
        circles.is_empty(),
        "import circles under {}:\n{}",
        root.display(),
        shown.join("\n\n")
    );
}

fn assert_no_top_level_circles(root: &Path) {
    let graph = top_level_graph(root);
    assert!(
        graph.edges.len() > 5,
        "{}: only {} top-level modules found",
        root.display(),
        graph.edges.len()
    );
    let circles = circles(&graph.edges);
    let shown: Vec<String> = circles
        .iter()
        .map(|c| describe_top_level(&graph, c))
        .collect();
    assert!(
        circles.is_empty(),
        "import circles between the top-level modules of {}:\n{}",
        root.display(),
        shown.join("\n\n")
    );
}

fn tool() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn sandbox() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sandbox/src")
}

#[test]
fn the_tool_has_no_import_circle() {
    assert_no_circles(&tool());
}

#[test]
fn the_tool_has_no_import_circle_between_top_level_modules() {
    assert_no_top_level_circles(&tool());
}

#[test]
fn the_sandbox_has_no_import_circle() {
    assert_no_circles(&sandbox());
}

#[test]
fn the_sandbox_has_no_import_circle_between_top_level_modules() {
    assert_no_top_level_circles(&sandbox());
}

/// Writes a crate of `files` (path, text) into a new directory.
fn write_crate(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// The check itself finds a circle, and names the files that make it.
#[test]
fn a_circle_is_found_and_named() {
    let dir = write_crate(&[
        ("lib.rs", "mod a; mod b; mod c; pub mod d;"),
        ("a.rs", "use crate::b::B; pub struct A;"),
        ("b.rs", "pub struct B(crate::c::C);"),
        ("c.rs", "pub struct C; fn f() -> super::a::A { todo!() }"),
        ("d/mod.rs", "mod e; pub use e::E;"),
        ("d/e.rs", "pub struct E;"),
    ]);
    let edges = graph(dir.path());
    let found = circles(&edges);
    let names: Vec<Vec<String>> = found
        .iter()
        .map(|c| {
            c.iter()
                .map(|p| p.strip_prefix(dir.path()).unwrap().display().to_string())
                .collect()
        })
        .collect();
    assert_eq!(names, vec![vec!["a.rs", "b.rs", "c.rs"]]);
    assert!(
        describe(&edges, &found[0]).contains("a.rs -> "),
        "{}",
        describe(&edges, &found[0])
    );
}

/// A circle through folders that no circle of files shows is found between the top-level
/// modules, with paths spelled in an attribute and in a macro call counted: `cli/args.rs`
/// names `crate::complete` only in a clap attribute, `complete.rs` reaches `settings/url.rs`
/// only in a macro call, and `settings/resolve.rs` (another file of that folder) uses `cli/`.
#[test]
fn a_circle_between_folders_is_found_and_named() {
    let dir = write_crate(&[
        ("lib.rs", "mod cli; mod complete; mod settings; mod values;"),
        ("cli/mod.rs", "mod args; pub use args::Global;"),
        (
            "cli/args.rs",
            "#[derive(clap::Args)] pub struct Global { \
             #[arg(add = ArgValueCandidates::new(crate::complete::names))] pub name: String }",
        ),
        (
            "complete.rs",
            "pub fn names() -> bool { matches!(1, crate::settings::url::ONE) }",
        ),
        ("settings/mod.rs", "pub mod url; mod resolve;"),
        ("settings/url.rs", "pub const ONE: i32 = 1;"),
        (
            "settings/resolve.rs",
            "use crate::cli::Global; use crate::values::V; fn f(_: &Global, _: V) {}",
        ),
        ("values.rs", "pub struct V;"),
    ]);
    assert!(circles(&graph(dir.path())).is_empty());
    let top = top_level_graph(dir.path());
    let found = circles(&top.edges);
    assert_eq!(found, vec![vec!["cli/", "complete.rs", "settings/"]]);
    let shown = describe_top_level(&top, &found[0]);
    assert!(
        shown.contains("cli/ -> complete.rs -> settings/ -> cli/")
            && shown.contains("cli/args.rs: crate::complete::names")
            && shown.contains("complete.rs: crate::settings::url::ONE")
            && shown.contains("settings/resolve.rs: crate::cli::Global"),
        "{shown}"
    );
}
