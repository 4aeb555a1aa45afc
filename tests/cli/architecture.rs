//! The layers of `src/` run one way: no file reaches, through its imports and paths, a file that
//! reaches back to it. The module graph is read from the source with `syn` (every `use` and
//! every path naming `crate::`, `super::`, `self::` or a child module), one node per file, and
//! any strongly connected set of more than one file fails the test, named with the paths that
//! tie it. Code under `#[cfg(test)]` is left out: a unit test may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

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
            self.found.insert(path);
        }
    }

    fn import(&mut self, segments: &[String], name: String) {
        if let Some(path) = self.absolute(segments) {
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

/// For each file, the other files it reaches.
fn graph(root: &Path) -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let modules = modules(root);
    let mut found = BTreeMap::new();
    let mut names = BTreeMap::new();
    for (here, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let parsed = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", file.display()));
        let mut references = References {
            here: here.clone(),
            modules: &modules,
            found: BTreeSet::new(),
            defined: BTreeSet::new(),
            imported: BTreeMap::new(),
            globs: Vec::new(),
            re_export: false,
        };
        references.visit_file(&parsed);
        found.insert(here.clone(), references.found);
        names.insert(
            here.clone(),
            Names {
                defined: references.defined,
                imported: references.imported,
                globs: references.globs,
            },
        );
    }
    let mut edges = BTreeMap::new();
    for (here, file) in &modules {
        let targets: BTreeSet<PathBuf> = found[here]
            .iter()
            .filter_map(|path| resolve(&modules, &names, path, 0))
            .map(|(target, _)| target)
            .filter(|target| target != file)
            .collect();
        edges.insert(file.clone(), targets);
    }
    edges
}

/// The sets of files that reach each other (Tarjan's strongly connected components), each of
/// more than one file.
fn circles(edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct Search<'g> {
        edges: &'g BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'g PathBuf, usize>,
        low: BTreeMap<&'g PathBuf, usize>,
        stack: Vec<&'g PathBuf>,
        on_stack: BTreeSet<&'g PathBuf>,
        found: Vec<Vec<PathBuf>>,
    }
    impl<'g> Search<'g> {
        fn visit(&mut self, node: &'g PathBuf) {
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

/// The shortest way round a circle, from each of its files: what to break. Each line is one
/// loop of files, `a -> b -> a`; the shortest first.
fn describe(edges: &BTreeMap<PathBuf, BTreeSet<PathBuf>>, circle: &[PathBuf]) -> String {
    let mut loops = BTreeSet::new();
    for start in circle {
        // Breadth first from `start`, inside the circle, back to `start`.
        let mut came_from: BTreeMap<&PathBuf, &PathBuf> = BTreeMap::new();
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
                    let shown: Vec<String> = path.iter().map(|p| p.display().to_string()).collect();
                    loops.insert((shown.len(), shown.join(" -> ")));
                    break 'search;
                }
                if next != start && !came_from.contains_key(next) {
                    came_from.insert(next, node);
                    frontier.push_back(next);
                }
            }
        }
    }
    loops
        .into_iter()
        .map(|(_, text)| format!("  {text}"))
        .collect::<Vec<_>>()
        .join("\n")
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

#[test]
fn the_tool_has_no_import_circle() {
    assert_no_circles(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
}

#[test]
fn the_sandbox_has_no_import_circle() {
    assert_no_circles(&Path::new(env!("CARGO_MANIFEST_DIR")).join("sandbox/src"));
}

/// The check itself finds a circle, and names the files that make it.
#[test]
fn a_circle_is_found_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("lib.rs", "mod a; mod b; mod c; pub mod d;"),
        ("a.rs", "use crate::b::B; pub struct A;"),
        ("b.rs", "pub struct B(crate::c::C);"),
        ("c.rs", "pub struct C; fn f() -> super::a::A { todo!() }"),
        ("d/mod.rs", "mod e; pub use e::E;"),
        ("d/e.rs", "pub struct E;"),
    ];
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
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
