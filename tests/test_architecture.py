"""Dependencies point one way between the top-level packages, and only chiso/config.py reads the environment.

Read from the source (ast), never by importing it: chiso → extract, publish, simulator; dags → chiso, extract,
publish; simulator → extract (its source declarations only); tools → anything; extract and publish → none of
them. The DAGs' own support module (dags/chiso_dag_support.py, on Airflow's sys.path) counts as dags.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGES = ("chiso", "extract", "publish", "simulator", "dags", "tools")
#: package -> the other top-level packages it may import
ALLOWED = {
    "chiso": {"extract", "publish", "simulator"},
    "dags": {"chiso", "extract", "publish"},
    "simulator": {"extract"},
    "tools": {"chiso", "extract", "publish", "simulator", "dags"},
    "extract": set(),
    "publish": set(),
}
#: what of an allowed package may be imported, where that is narrower than the whole package
ONLY = {("simulator", "extract"): ("extract.sources",)}
#: modules in dags/ that DAG files import by their bare name (Airflow puts the DAGs folder on sys.path)
DAG_SUPPORT = {path.stem for path in (REPOSITORY / "dags").glob("*.py")}
#: the only file that may read or write the environment (CHISO_* or any other configuration)
CONFIG = Path("chiso/config.py")
ENVIRONMENT_SCOPE = ("chiso", "extract", "publish", "dags")


@dataclass(frozen=True)
class Import:
    file: Path  # relative to the repository
    line: int
    module: str  # the imported module, absolute

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: import {self.module}"


def python_files(package: str) -> list[Path]:
    return sorted(p for p in (REPOSITORY / package).rglob("*.py") if "__pycache__" not in p.parts)


def imports_of(path: Path) -> list[Import]:
    """Every import statement in ``path`` (at any depth: lazy imports inside functions count), made absolute."""
    rel = path.relative_to(REPOSITORY)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(rel))
    package_parts = list(rel.parent.parts)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(rel, node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the file's own package
                base = package_parts[:len(package_parts) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append(Import(rel, node.lineno, module))
    return found


def top_package(module: str) -> str | None:
    """The repository's top-level package a module belongs to (None: the standard library or a dependency)."""
    head = module.split(".", 1)[0]
    if head in PACKAGES:
        return head
    if head in DAG_SUPPORT:
        return "dags"
    return None


def forbidden_imports() -> list[str]:
    problems = []
    for package in PACKAGES:
        for path in python_files(package):
            for imp in imports_of(path):
                target = top_package(imp.module)
                if target is None or target == package:
                    continue
                if target not in ALLOWED[package]:
                    problems.append(f"{imp}: {package}/ may not import {target}/ (it may import:"
                                    f" {', '.join(sorted(ALLOWED[package])) or 'none of the other packages'})")
                elif (package, target) in ONLY and not any(
                        imp.module == allowed or imp.module.startswith(allowed + ".")
                        for allowed in ONLY[(package, target)]):
                    problems.append(f"{imp}: {package}/ may import only {', '.join(ONLY[(package, target)])}"
                                    f" of {target}/")
    return problems


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for package in PACKAGES:
        for path in python_files(package):
            for imp in imports_of(path):
                target = top_package(imp.module)
                if target and target != package:
                    graph[package].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as its path (first node repeated at the end), or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt):], nxt] if nxt in path else [node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_every_package_imports_only_the_packages_it_may():
    problems = forbidden_imports()
    assert not problems, "imports against the direction of the dependencies:\n" + "\n".join(problems)


def test_the_packages_import_each_other_without_a_cycle():
    graph = package_graph()
    cycle = find_cycle({p: t for p, t in graph.items() if p != "tools"})  # tools may use anything; nothing uses it
    assert cycle is None, "the top-level packages import in a cycle: " + " → ".join(cycle or [])
    assert not any("tools" in targets for package, targets in graph.items() if package != "tools")


def test_the_rules_see_lazy_relative_and_dag_support_imports(tmp_path):
    """The checker itself: a lazy import in a function, a relative import and a DAG-support import are found."""
    source = tmp_path / "probe.py"
    source.write_text("def f():\n    from chiso.config import settings\nimport chiso_dag_support\n", encoding="utf-8")
    tree = ast.parse(source.read_text(encoding="utf-8"))
    modules = {n.module if isinstance(n, ast.ImportFrom) else n.names[0].name
               for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))}
    assert {top_package(m) for m in modules} == {"chiso", "dags"}
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    relative = imports_of(REPOSITORY / "extract" / "filedrop" / "inbox.py")
    assert all(not imp.module.startswith(".") for imp in relative)


ENVIRONMENT_ACCESS = re.compile(r"\bos\.(environ|getenv|putenv|unsetenv)\b"
                                r"|\bfrom\s+os\s+import\s+[^\n]*\b(environ|getenv)\b")


def test_only_the_settings_module_reads_or_writes_the_environment():
    found = []
    for package in ENVIRONMENT_SCOPE:
        for path in python_files(package):
            rel = path.relative_to(REPOSITORY)
            if rel == CONFIG:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                code = line.split("#", 1)[0]
                if ENVIRONMENT_ACCESS.search(code):
                    found.append(f"{rel}:{number}: {line.strip()}")
    assert not found, (f"environment read or written outside {CONFIG} (read it through chiso.config.settings(),"
                       " hand it to a child process with chiso.config.child_environment(), take it as an"
                       " argument in extract/ and publish/):\n" + "\n".join(found))
