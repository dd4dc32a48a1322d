"""Run inside an image (`python -c`): import the CLI and a step's modules, and say which distributions they use.

argv[1] is a JSON object: {"entries": [module, ...], "optional": [top-level name, ...]}. The probe imports
`coretelecoms.cli` (what every command loads at start), then follows every import - module-level and inside
functions, since heavy drivers are imported where they are used - through the `coretelecoms` modules
reachable from the entries, imports each of those modules for real, and maps the third-party names they
import to installed distributions. It prints one JSON object: the distributions those names belong to,
with everything they require (recursively), every installed distribution, third-party names that are
imported but not installed (allowed only if listed as optional), and modules that failed to import.
"""

import ast
import importlib
import importlib.metadata as md
import importlib.util
import json
import re
import sys
from pathlib import Path


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _skip_type_checking(body: list) -> list:
    """Statements that run: `if TYPE_CHECKING:` blocks left out."""
    out = []
    for node in body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            out += node.orelse
        else:
            out.append(node)
    return out


def _absolute(node: ast.ImportFrom, package: str) -> str:
    module = node.module or ""
    if node.level:
        base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        module = f"{base}.{module}" if module else base
    return module


class _Module:
    """One source file: its top-level imports (name bound -> (module, symbol)) and its defs."""

    def __init__(self, name: str, spec) -> None:
        package = name if spec.submodule_search_locations else name.rpartition(".")[0]
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
        self.package, self.bindings, self.top_imports, self.defs, self.stars = package, {}, [], {}, []
        for node in ast.walk(ast.Module(body=_skip_type_checking(tree.body), type_ignores=[])):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.defs.setdefault(node.name, node)
        for node in self._top_level(tree.body):
            self.top_imports += self._imports(node)
            for alias, target in self._bound(node):
                if alias == "*":
                    self.stars.append(target[0])
                else:
                    self.bindings[alias] = target

    def _top_level(self, body: list):
        """Top-level statements, into if/try/with blocks (they run at import), not into defs."""
        for node in _skip_type_checking(body):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            yield node
            for field in ("body", "orelse", "finalbody", "handlers"):
                yield from self._top_level(getattr(node, field, []) or [])

    def _imports(self, node) -> list[tuple[str, str | None]]:
        if isinstance(node, ast.Import):
            return [(alias.name, None) for alias in node.names]
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            module = _absolute(node, self.package)
            return [(module, None)] + [(module, a.name) for a in node.names if a.name != "*"]
        return []

    def _bound(self, node) -> list[tuple[str, tuple[str, str | None]]]:
        if isinstance(node, ast.Import):
            return [
                ((a.asname or a.name).split(".")[0], (a.name if a.asname else a.name.split(".")[0], None))
                for a in node.names
            ]
        if isinstance(node, ast.ImportFrom) and node.module != "__future__":
            module = _absolute(node, self.package)
            return [(a.asname or a.name, (module, a.name)) for a in node.names]
        return []

    def follow(self, symbol: str) -> list[tuple[str, str | None]]:
        """What running `symbol` (a def, or a name this module imports) may import: the imports in its
        body, and the module-level names and same-module defs it refers to, followed in turn."""
        if symbol not in self.defs:
            if symbol in self.bindings:
                return [self.bindings[symbol]]
            return [(star, symbol) for star in self.stars]  # `from module import *`
        out, local = [], []
        bindings = dict(self.bindings)  # and the names the def's own imports bind
        for node in ast.walk(self.defs[symbol]):
            bindings.update({alias: target for alias, target in self._bound(node) if alias != "*"})
        for node in ast.walk(self.defs[symbol]):
            if isinstance(node, ast.Import | ast.ImportFrom):
                out += self._imports(node)
            elif isinstance(node, ast.Name) and node.id != symbol:
                if node.id in self.defs:
                    local.append(node.id)
                elif node.id in bindings:
                    out.append(bindings[node.id])
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                target = bindings.get(node.value.id)
                if target and target[1] is None:  # `import module` ... module.function()
                    out.append((target[0], node.attr))
                elif target:  # `from package import module` ... module.function() (if it is a module)
                    out.append((f"{target[0]}.{target[1]}", node.attr))
        return out + [("<local>", name) for name in local]


def closure(entries: list[str]) -> tuple[set[str], set[str]]:
    """(coretelecoms modules reachable from the entries, third-party top-level names they may import).

    An entry is `module` (what importing it runs) or `module:function` (what calling it may run): a
    module's top-level imports run when it is imported; a function's imports run when it is called, so
    only the functions reached from an entry count - not every function of every module touched.
    """
    modules: dict[str, _Module | None] = {}
    third, done = set(), set()
    todo = [(e.partition(":")[0], e.partition(":")[2] or None) for e in entries]

    def load(name: str) -> _Module | None:
        if name not in modules:
            try:
                spec = importlib.util.find_spec(name)
            except ModuleNotFoundError:
                spec = None
            ok = spec is not None and (spec.origin or "").endswith(".py")
            modules[name] = _Module(name, spec) if ok else None
        return modules[name]

    while todo:
        module, symbol = todo.pop()
        if (module, symbol) in done:
            continue
        done.add((module, symbol))
        if module.split(".")[0] != "coretelecoms":
            if module.split(".")[0] not in sys.stdlib_module_names:
                third.add(module.split(".")[0])
            continue
        source = load(module)
        if source is None:  # `from package import function` names no module: the parent covers it
            continue
        if symbol is None:
            todo += source.top_imports
            continue
        todo.append((module, None))
        if load(f"{module}.{symbol}") is not None:  # `from package import submodule`
            todo.append((f"{module}.{symbol}", None))
        for target, name in source.follow(symbol):
            todo.append((module, name) if target == "<local>" else (target, name))
    return {m for m, source in modules.items() if source is not None}, third


def requirements_closure(distributions: set[str]) -> set[str]:
    """The distributions and everything they require, extras' requirements left out."""
    done, todo = set(), [_norm(d) for d in distributions]
    while todo:
        dist = todo.pop()
        if dist in done:
            continue
        done.add(dist)
        try:
            requires = md.requires(dist) or []
        except md.PackageNotFoundError:
            continue
        for requirement in requires:
            if "extra ==" in requirement.replace(" ", "").replace("extra==", "extra =="):
                continue
            todo.append(_norm(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement).group(0)))
    return done


def main() -> None:
    request = json.loads(sys.argv[1])
    before = set(sys.modules)
    import coretelecoms.cli  # noqa: F401 - what starting any command imports

    # Extension modules' own entries (pyarrow's `_cython_3_3_0`, `cython_runtime`) are no packages.
    cli_names = {m.split(".")[0] for m in set(sys.modules) - before}
    cli_names = {n for n in cli_names if not n.startswith("_") and n != "cython_runtime"}
    ours, third = closure(request["entries"])
    failed = {}
    for module in sorted(ours):
        try:
            importlib.import_module(module)
        except Exception as exc:
            failed[module] = f"{type(exc).__name__}: {exc}"
    top_to_dist = md.packages_distributions()
    names = (third | cli_names) - set(sys.stdlib_module_names) - {"coretelecoms"}
    missing = sorted(n for n in names if n not in top_to_dist and n not in request["optional"])
    used = {d for n in names for d in top_to_dist.get(n, [])}
    installed = {_norm(d.metadata["Name"]) for d in md.distributions()}
    print(
        json.dumps(
            {
                "used": sorted(requirements_closure(used) & installed),
                "installed": sorted(installed),
                "missing": missing,
                "failed": failed,
                "modules": sorted(ours),
            }
        )
    )


main()
