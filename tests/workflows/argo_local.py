"""A local stand-in for the Argo controller: runs a rendered WorkflowTemplate's DAG with subprocesses.

It does what the controller does with our manifests, and no more: merges the workflow arguments, resolves
`{{…}}` tags (simple ones by name, `{{=…}}` with a small evaluator of the expr language subset the
manifests use), walks DAGs in dependency order (ready tasks as one wave, fail-fast), fans out
`withParam`, follows `templateRef`, skips tasks whose `when` is false, runs each container's command
and arguments as a local process (`coretelecoms` → `python -m coretelecoms`) with its literal env,
the supplied Secret/ConfigMap values (a pod needing an absent Secret does not start), and its volume
mounts mapped to per-pod folders, reads output parameters back from their paths, records failed nodes
like `workflow.failures`, and runs `onExit`.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# ------------------------------------------------------------------ expressions (expr-lang subset)

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/%<>!?:.,()\[\]])|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise SyntaxError(f"cannot parse expression at {text[pos:]!r}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "str":
            value = bytes(value[1:-1], "utf-8").decode("unicode_escape")
        out.append((kind, value))
    out.append(("end", ""))
    return out


class GoTime:
    """The bits of Go's time.Time the manifests call: Add, AddDate, Format (numeric layouts)."""

    def __init__(self, value: datetime) -> None:
        self.value = value

    def Add(self, delta: timedelta) -> GoTime:  # Go's method names: the manifests call them
        return GoTime(self.value + delta)

    def AddDate(self, years: int, months: int, days: int) -> GoTime:
        if years or months:
            raise NotImplementedError("AddDate with years/months")
        # Aware datetime + timedelta is wall-clock arithmetic, as Go's AddDate is (a day across DST is 23/25 h).
        return GoTime(self.value + timedelta(days=days))

    def In(self, zone: ZoneInfo) -> GoTime:
        return GoTime(self.value.astimezone(zone))

    def Format(self, layout: str) -> str:
        mapping = [("2006", "%Y"), ("01", "%m"), ("02", "%d"), ("15", "%H"), ("04", "%M"), ("05", "%S")]
        out = layout
        for go, py in mapping:
            out = out.replace(go, py)
        return self.value.strftime(out)


def _date(text: str, layout: str | None = None) -> GoTime:
    if layout not in (None, "2006-01-02", "2006-01-02T15:04:05Z07:00"):
        raise NotImplementedError(f"date layout {layout!r}")
    value = datetime.fromisoformat(text)  # both YYYY-MM-DD and RFC 3339 (with Z or an offset)
    return GoTime(value if value.tzinfo else value.replace(tzinfo=UTC))


def _duration(text: str) -> timedelta:
    parts = re.findall(r"([-+]?\d+(?:\.\d+)?)(h|ms|m|s)", text)
    if not parts or "".join(a + b for a, b in parts) != text.replace("+", ""):
        raise ValueError(f"bad duration {text!r}")
    unit = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return timedelta(seconds=sum(float(a) * unit[b] for a, b in parts))


BUILTINS = {
    "date": _date,
    "timezone": ZoneInfo,  # expr's timezone(): an IANA name to a location; unknown names raise, as in Go
    "duration": _duration,
    "string": str,
    "asInt": int,
    "int": int,
    "toJson": lambda v: json.dumps(v, separators=(",", ":")),
    "now": lambda: GoTime(datetime.now(UTC)),
}


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, value: str | None = None) -> bool:
        kind, val = self.toks[self.i]
        return (kind == "op" or kind == "name") and val == value

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.toks[self.i]
        if value is not None and tok[1] != value:
            raise SyntaxError(f"expected {value!r}, got {tok[1]!r}")
        self.i += 1
        return tok

    def parse(self):
        node = self.ternary()
        if self.toks[self.i][0] != "end":
            raise SyntaxError(f"unexpected {self.toks[self.i][1]!r}")
        return node

    def ternary(self):
        cond = self.binary(0)
        if self.peek("?"):
            self.take("?")
            yes = self.ternary()
            self.take(":")
            no = self.ternary()
            return ("?", cond, yes, no)
        return cond

    LEVELS = (("||",), ("&&",), ("==", "!="), ("in", "<", ">", "<=", ">="), ("+", "-"), ("*", "/", "%"))

    def binary(self, level: int):
        if level == len(self.LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while any(self.peek(op) for op in self.LEVELS[level]):
            op = self.take()[1]
            node = ("bin", op, node, self.binary(level + 1))
        return node

    def unary(self):
        if self.peek("!") or self.peek("not"):
            self.take()
            return ("not", self.unary())
        if self.peek("-"):
            self.take()
            return ("neg", self.unary())
        return self.postfix(self.primary())

    def primary(self):
        kind, value = self.take()
        if kind == "num":
            return ("lit", float(value) if "." in value else int(value))
        if kind == "str":
            return ("lit", value)
        if kind == "name":
            if value in ("true", "false"):
                return ("lit", value == "true")
            if value == "nil":
                return ("lit", None)
            return ("var", value)
        if value == "(":
            node = self.ternary()
            self.take(")")
            return node
        raise SyntaxError(f"unexpected {value!r}")

    def postfix(self, node):
        while True:
            if self.peek("."):
                self.take(".")
                node = ("member", node, ("lit", self.take()[1]))
            elif self.peek("["):
                self.take("[")
                node = ("member", node, self.ternary())
                self.take("]")
            elif self.peek("("):
                self.take("(")
                args = []
                while not self.peek(")"):
                    args.append(self.ternary())
                    if self.peek(","):
                        self.take(",")
                self.take(")")
                node = ("call", node, args)
            else:
                return node


def _eval(node, env: dict):
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "var":
        if node[1] in env:
            return env[node[1]]
        if node[1] in BUILTINS:
            return BUILTINS[node[1]]
        raise NameError(f"unknown name {node[1]!r}")
    if kind == "member":
        target, key = _eval(node[1], env), _eval(node[2], env)
        if isinstance(target, dict):
            return target.get(key)  # a missing map key is nil in expr, not an error
        if isinstance(target, list):
            return target[key]
        return getattr(target, key)
    if kind == "call":
        fn = _eval(node[1], env)
        return fn(*[_eval(a, env) for a in node[2]])
    if kind == "?":
        return _eval(node[2], env) if _eval(node[1], env) else _eval(node[3], env)
    if kind == "not":
        return not _eval(node[1], env)
    if kind == "neg":
        return -_eval(node[1], env)
    _, op, left, right = node
    if op == "&&":
        return _eval(left, env) and _eval(right, env)
    if op == "||":
        return _eval(left, env) or _eval(right, env)
    a, b = _eval(left, env), _eval(right, env)
    if op == "in":
        return a in b
    return {
        "==": lambda: a == b,
        "!=": lambda: a != b,
        "<": lambda: a < b,
        ">": lambda: a > b,
        "<=": lambda: a <= b,
        ">=": lambda: a >= b,
        "+": lambda: a + b,
        "-": lambda: a - b,
        "*": lambda: a * b,
        "/": lambda: a / b,
        "%": lambda: a % b,
    }[op]()


def expression_env(flat: dict[str, str]) -> dict:
    """Argo's expression environment: dotted names as nested maps; a name that is also a parent
    (`workflow.creationTimestamp` vs `workflow.creationTimestamp.RFC3339`) keeps only its children."""
    keys = sorted(flat)
    kept = {k: v for k, v in flat.items() if not any(o.startswith(k + ".") for o in keys)}
    env: dict = {}
    for key, value in kept.items():
        parts = key.split(".")
        node = env
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                break
        else:
            node[parts[-1]] = value
    return env


def evaluate(expression: str, flat: dict[str, str]) -> Any:
    return _eval(_Parser(expression).parse(), expression_env(flat))


_TAG = re.compile(r"\{\{(.*?)\}\}", re.S)


def substitute(text: str, scope: dict[str, str]) -> str:
    """Replace every `{{name}}` and `{{=expression}}` tag; an unresolvable tag is an error, as at run time."""

    def one(match: re.Match) -> str:
        tag = match.group(1)
        if tag.startswith("="):
            value = evaluate(tag[1:], scope)
            if value is None:
                raise KeyError(f"expression {tag!r} evaluated to nil")
            return value if isinstance(value, str) else json.dumps(value)
        name = tag.strip()
        if name not in scope:
            raise KeyError(f"cannot resolve {{{{{name}}}}}")
        return scope[name]

    return _TAG.sub(one, text)


def when_true(condition: str) -> bool:
    """A substituted `when`: `X == Y` / `X != Y` over bare words (how Argo's examples write it)."""
    match = re.fullmatch(r"\s*(\S+)\s*(==|!=)\s*(\S+)\s*", condition)
    if not match:
        return bool(evaluate(condition, {}))
    left, op, right = match.groups()
    return (left == right) == (op == "==")


# ------------------------------------------------------------------ the workflow run


def _retries(strategy: dict, attempts: int, exit_code: int) -> bool:
    """Whether a failed attempt is tried again: within `limit`, and only if `expression` (with Argo's
    lastRetry.exitCode, a string) holds. retryPolicy Always retries failures and errors alike."""
    if attempts > int(strategy.get("limit", 0)):
        return False
    expression = strategy.get("expression")
    return not expression or bool(evaluate(expression, {"lastRetry.exitCode": str(exit_code)}))


@dataclass
class Node:
    name: str  # full path, for uniqueness
    display_name: str
    template: str
    phase: str
    message: str = ""
    finished_at: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    result: str = ""
    argv: list[str] = field(default_factory=list)
    stderr: str = ""
    env: dict[str, str] = field(default_factory=dict)  # the literal variables the container declares
    exit_codes: list[int] = field(default_factory=list)  # one per attempt


@dataclass
class Run:
    name: str
    status: str
    nodes: list[Node]
    exit_nodes: list[Node]

    def node(self, display_name: str) -> Node:
        matches = [n for n in self.nodes if n.display_name == display_name and n.argv]
        assert len(matches) == 1, f"{display_name}: {len(matches)} pod nodes"
        return matches[0]

    def failures(self) -> list[dict]:
        return [
            {
                "displayName": n.display_name,
                "message": n.message,
                "templateName": n.template,
                "phase": n.phase,
                "podName": f"{self.name}-{abs(hash(n.name)) % 10**10}" if n.argv else "",
                "finishedAt": n.finished_at,
            }
            for n in self.nodes
            if n.phase in ("Failed", "Error")
        ]


class LocalArgo:
    """Runs WorkflowTemplates (as parsed from the rendered YAML) the way the Argo controller would."""

    def __init__(
        self,
        templates: dict[str, dict],
        *,
        workdir: Path,
        env: dict[str, str] | None = None,
        env_overrides: dict[str, str] | None = None,
        secrets: dict[str, dict[str, str]] | None = None,
        absent_secrets: set[str] | frozenset[str] = frozenset(),
        config_maps: dict[str, dict[str, str]] | None = None,
        namespace: str = "coretelecoms",
        timeout: float = 600,
    ) -> None:
        self.templates = templates  # WorkflowTemplate name -> manifest
        self.workdir = workdir
        self.env = dict(os.environ if env is None else env)
        self.env_overrides = env_overrides or {}
        self.secrets = secrets or {}
        # Secrets that do not exist in the cluster: a pod referencing one without `optional: true` cannot
        # start (the kubelet's CreateContainerConfigError); an optional reference leaves the variable unset.
        # Secrets neither supplied nor absent are left unset either way (steps fall back to local defaults).
        self.absent_secrets = set(absent_secrets)
        self.config_maps = config_maps or {}
        self.namespace = namespace
        self.timeout = timeout
        self._clock = itertools.count()

    # -- public

    def run(
        self,
        template: str,
        parameters: dict[str, str] | None = None,
        *,
        name: str | None = None,
        created: datetime | None = None,
        scheduled: str | None = None,
        entrypoint: str | None = None,
    ) -> Run:
        spec = self.templates[template]["spec"]
        name = name or f"{template}-local"
        args = {p["name"]: p.get("value") for p in spec.get("arguments", {}).get("parameters", [])}
        for key, value in (parameters or {}).items():
            if key not in args:
                raise KeyError(f"{template} has no parameter {key!r}")
            args[key] = value
        for p in spec.get("arguments", {}).get("parameters", []):
            if args[p["name"]] is None:
                raise ValueError(f"parameter {p['name']} is required")
            # Like Argo (3.7's validate.go merges a run's own parameters over the template's with
            # util.MergeParameters, so an overridden parameter arrives without the template's enum): only a
            # value the run did not set is checked against the enum.
            overridden = p["name"] in (parameters or {})
            if p.get("enum") and not overridden and args[p["name"]] not in p["enum"]:
                raise ValueError(f"{p['name']}={args[p['name']]!r} not in {p['enum']}")
        created = created or datetime.now(UTC)
        globals_ = {
            "workflow.name": name,
            "workflow.namespace": self.namespace,
            "workflow.creationTimestamp": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "workflow.creationTimestamp.RFC3339": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            **{f"workflow.parameters.{k}": v for k, v in args.items()},
        }
        if scheduled:
            globals_["workflow.scheduledTime"] = scheduled
        nodes: list[Node] = []
        root = self._execute(template, entrypoint or spec["entrypoint"], args, globals_, name, name, nodes)
        status = "Succeeded" if root.phase == "Succeeded" else "Failed"
        run = Run(name, status, nodes, [])
        if spec.get("onExit"):
            exit_globals = {
                **globals_,
                "workflow.status": status,
                # Argo quotes the JSON list once more (strconv.Quote) before substituting it.
                "workflow.failures": json.dumps(json.dumps(run.failures())),
            }
            self._execute(
                template, spec["onExit"], {}, exit_globals, f"{name}.onExit", "onExit", run.exit_nodes
            )
        return run

    # -- templates

    def _template(self, owner: str, name: str) -> dict:
        for tmpl in self.templates[owner]["spec"]["templates"]:
            if tmpl["name"] == name:
                return tmpl
        raise KeyError(f"no template {name!r} in {owner}")

    def _execute(self, owner, tmpl_name, args, globals_, node_name, display, nodes) -> Node:
        tmpl = self._template(owner, tmpl_name)
        inputs = {}
        for p in tmpl.get("inputs", {}).get("parameters", []):
            if p["name"] in args:
                inputs[p["name"]] = args[p["name"]]
            elif "value" in p or "default" in p:
                inputs[p["name"]] = p.get("value", p.get("default"))
            else:
                raise KeyError(f"template {tmpl_name}: input {p['name']} not supplied")
        scope = {**globals_, **{f"inputs.parameters.{k}": v for k, v in inputs.items()}}
        if "dag" in tmpl:
            return self._dag(owner, tmpl, scope, globals_, node_name, display, nodes)
        if "container" in tmpl:
            return self._container(tmpl, scope, node_name, display, nodes)
        raise NotImplementedError(f"template {tmpl_name}: only dag and container templates are run locally")

    def _dag(self, owner, tmpl, scope, globals_, node_name, display, nodes) -> Node:
        tasks = {t["name"]: t for t in tmpl["dag"]["tasks"]}
        fail_fast = tmpl["dag"].get("failFast", True)
        phases: dict[str, str] = {}
        outputs: dict[str, str] = {}
        failed = False
        while pending := [t for t in tasks.values() if t["name"] not in phases]:
            ready, progressed = [], False
            for task in pending:
                deps = [d.strip() for d in (task.get("depends") or "").split("&&") if d.strip()]
                unknown = [d for d in deps if d not in tasks]
                if unknown:
                    raise ValueError(f"{task['name']} depends on unknown task(s) {unknown}")
                states = [phases.get(d) for d in deps]
                if any(s is None for s in states):
                    continue
                # A bare name in `depends` means that task Succeeded (or was Skipped by its `when`).
                if all(s in ("Succeeded", "Skipped") for s in states):
                    ready.append(task)
                else:
                    phases[task["name"]] = "Omitted"
                    progressed = True
            if not ready:
                if not progressed:
                    raise ValueError(f"DAG {tmpl['name']} cannot make progress (a dependency cycle?)")
                continue
            if failed and fail_fast:  # a failed task stops new ones from starting
                phases.update({t["name"]: "Omitted" for t in ready})
                continue
            for task in ready:  # one wave: in Argo these run in parallel
                phase = self._task(
                    owner, task, scope, outputs, globals_, f"{node_name}.{task['name']}", nodes
                )
                phases[task["name"]] = phase
                failed = failed or phase == "Failed"
        phase = "Failed" if failed else "Succeeded"
        first_failed = next((t for t, p in phases.items() if p == "Failed"), "")
        message = f"child '{node_name}.{first_failed}' failed" if first_failed else ""
        node = Node(node_name, display, tmpl["name"], phase, message, self._tick())
        nodes.append(node)
        return node

    def _task(self, owner, task, scope, outputs, globals_, node_name, nodes) -> str:
        local = {**scope, **outputs}
        if "when" in task and not when_true(substitute(task["when"], local)):
            return "Skipped"
        if "templateRef" in task:
            target_owner, target = task["templateRef"]["name"], task["templateRef"]["template"]
        else:
            target_owner, target = owner, task["template"]
        items: list[Any] = [None]
        if "withParam" in task:
            items = json.loads(substitute(task["withParam"], local))
        results = []
        for index, item in enumerate(items):
            item_scope = dict(local)
            display = task["name"]
            if item is not None:
                item_scope["item"] = item if isinstance(item, str) else json.dumps(item)
                display = f"{task['name']}({index}:{item_scope['item']})"
            args = {
                p["name"]: substitute(str(p.get("value", "")), item_scope)
                for p in task.get("arguments", {}).get("parameters", [])
            }
            node = self._execute(
                target_owner,
                target,
                args,
                globals_,
                f"{node_name}({index})" if item is not None else node_name,
                display,
                nodes,
            )
            results.append(node)
        last = results[-1]
        for key, value in last.outputs.items():
            outputs[f"tasks.{task['name']}.outputs.parameters.{key}"] = value
        outputs[f"tasks.{task['name']}.outputs.result"] = last.result
        outputs[f"tasks.{task['name']}.status"] = last.phase
        return "Failed" if any(n.phase == "Failed" for n in results) else "Succeeded"

    def _container(self, tmpl, scope, node_name, display, nodes) -> Node:
        pod_dir = self.workdir / f"pod-{next(self._clock):03d}-{display.replace('/', '_')}"
        mounts = {}
        for mount in tmpl["container"].get("volumeMounts", []):
            host = pod_dir / mount["name"]
            host.mkdir(parents=True, exist_ok=True)
            mounts[mount["mountPath"]] = host

        def local_path(path: str) -> str:
            for mount_path, host in sorted(mounts.items(), key=lambda kv: -len(kv[0])):
                if path == mount_path or path.startswith(mount_path.rstrip("/") + "/"):
                    return str(host / path[len(mount_path) :].lstrip("/"))
            return path

        out_params = tmpl.get("outputs", {}).get("parameters", [])
        scope = dict(scope)
        for p in out_params:
            if p.get("valueFrom", {}).get("path"):
                scope[f"outputs.parameters.{p['name']}.path"] = p["valueFrom"]["path"]
        container = tmpl["container"]
        env = dict(self.env)
        for source in container.get("envFrom", []):
            ref = source.get("configMapRef") or {}
            if ref.get("name") in self.config_maps:
                env.update(self.config_maps[ref["name"]])
            elif not ref.get("optional"):
                raise KeyError(f"ConfigMap {ref.get('name')} not supplied (the pod would not start)")
        declared = {}
        for var in container.get("env", []):
            if "value" in var:
                declared[var["name"]] = substitute(var["value"], scope)
                env[var["name"]] = local_path(declared[var["name"]])
            else:
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["name"] in self.secrets and ref["key"] in self.secrets[ref["name"]]:
                    env[var["name"]] = self.secrets[ref["name"]][ref["key"]]
                # An unsupplied secret stays unset: the step falls back to its embedded default.
        env.update(self.env_overrides)
        argv = [
            local_path(substitute(a, scope)) for a in container.get("command", []) + container.get("args", [])
        ]
        unmet = self._unmet_secret(tmpl)
        if unmet:
            # The pod never starts: no process, no output, an Error node (Argo shows the kubelet's reason).
            node = Node(
                node_name,
                display,
                tmpl["name"],
                "Error",
                f'CreateContainerConfigError: secret "{unmet}" not found',
            )
            return self._finish(tmpl, node_name, display, node, nodes)
        command = [sys.executable, "-m", "coretelecoms", *argv[1:]] if argv[0] == "coretelecoms" else argv
        strategy = tmpl.get("retryStrategy") or {}
        exit_codes = []
        while True:  # the attempts of a Retry node, without the backoff's waiting
            proc = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=self.timeout, cwd=pod_dir
            )
            exit_codes.append(proc.returncode)
            if proc.returncode == 0 or not _retries(strategy, len(exit_codes), proc.returncode):
                break
        (pod_dir / "stderr.log").write_text(proc.stderr)
        node = Node(
            node_name, display, tmpl["name"], "Succeeded" if proc.returncode == 0 else "Failed", argv=argv
        )
        node.result = proc.stdout.strip()
        node.stderr, node.env, node.exit_codes = proc.stderr, declared, exit_codes
        if proc.returncode != 0:
            # terminationMessagePolicy FallbackToLogsOnError: the message is the log tail.
            node.message = (
                "\n".join(proc.stderr.strip().splitlines()[-5:]) or f"Error (exit code {proc.returncode})"
            )
        for p in out_params:
            source = p.get("valueFrom", {})
            path = Path(local_path(source["path"]))
            if path.exists():
                node.outputs[p["name"]] = path.read_text()
            elif "default" in source:
                node.outputs[p["name"]] = source["default"]
            elif node.phase == "Succeeded":
                node.phase, node.message = "Error", f"output parameter {p['name']} missing: {source['path']}"
        return self._finish(tmpl, node_name, display, node, nodes)

    def _unmet_secret(self, tmpl) -> str | None:
        """The first absent secret the pod references without `optional: true` (env or volume)."""
        refs = [
            var.get("valueFrom", {}).get("secretKeyRef") or {} for var in tmpl["container"].get("env", [])
        ]
        refs += [
            {"name": v["secret"]["secretName"], "optional": v["secret"].get("optional")}
            for v in tmpl.get("volumes", [])
            if "secret" in v
        ]
        for ref in refs:
            if ref.get("name") in self.absent_secrets and not ref.get("optional"):
                return ref["name"]
        return None

    def _finish(self, tmpl, node_name, display, node, nodes) -> Node:
        node.finished_at = self._tick()
        if tmpl.get("retryStrategy"):
            # A template with a retry strategy runs under a Retry node, its attempts named name(0), name(1), …
            for i, code in enumerate(node.exit_codes or [None]):
                phase = "Succeeded" if code == 0 else node.phase
                nodes.append(
                    Node(
                        f"{node_name}({i})",
                        f"{display}({i})",
                        tmpl["name"],
                        phase,
                        node.message,
                        node.finished_at,
                    )
                )
            if node.phase != "Succeeded":  # what the Retry node says once its attempts are used up
                node.message, node.finished_at = "No more retries left", self._tick()
        nodes.append(node)
        return node

    def _tick(self) -> str:
        base = datetime(2030, 1, 1, tzinfo=UTC)
        return (base + timedelta(seconds=next(self._clock))).strftime("%Y-%m-%dT%H:%M:%SZ")
