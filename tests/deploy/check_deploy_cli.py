#!/usr/bin/python3
"""Checks the deployment files against the stockpulse binary they will run.

Every stockpulse invocation in DEPLOY_DIR (docker-compose and Kubernetes YAML, Dockerfiles,
shell scripts, fenced code blocks of Markdown) is collected as subcommand chain + flags +
positionals and compared with what `BINARY <subcommand> --help` documents:

  * unknown subcommands and flags; flags that need a value and have none, or take none and got one
  * positional values outside the documented choices (produce {posts,bars,synthetic}), extra ones
  * URL values (scheme://...) whose scheme the flag's help does not mention: the help is the
    contract, so `serve --serving clickhouse://...` fails while serve documents only sqlite:

Alongside, it lints what the invocations depend on: YAML and TOML syntax; TOML keys against the
repository's example.toml (unknown keys are start-up errors); credentials only as ${VAR} (compose)
or secretKeyRef (Kubernetes); ${VAR}s of compose documented in .env.example; Deployments with
matching selectors, resources and, for serve, /healthz probes; Secret and ConfigMap references.

usage:
  check_deploy_cli.py [--no-yaml] BINARY DEPLOY_DIR
      exit 0 when everything matches, 1 listing every problem, 2 when it cannot run at all
  check_deploy_cli.py --self-check [--no-yaml] BINARY DEPLOY_DIR
      proves the checker itself: copies DEPLOY_DIR, plants known mistakes, expects exactly those
      to be reported (and the built-in YAML extractor to agree with PyYAML)

--no-yaml uses the built-in command:/args: extractor even when PyYAML is installed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

try:
    import tomllib
except ImportError:  # Python < 3.11: the TOML checks are skipped (reported).
    tomllib = None

try:
    import yaml
except ImportError:
    yaml = None

PROGRAM = "stockpulse"
SECRET_NAME = re.compile(r"(PASSWORD|SECRET|TOKEN|ACCESS_KEY|API_KEY|PRIVATE_KEY)")
PLACEHOLDER = re.compile(r"^(|change-me.*|<[^>]*>)$")


# --------------------------------------------------------------------------------------------
# What the CLI documents


@dataclasses.dataclass
class OptionSpec:
    names: list
    takes_value: bool
    multi: bool
    text: str  # type and description, for the URL-scheme check


@dataclasses.dataclass
class PositionalSpec:
    name: str
    choices: list | None
    required: bool
    multi: bool


@dataclasses.dataclass
class CommandSpec:
    subcommands: list
    options: dict  # "--name" / "-n" -> OptionSpec
    positionals: list


def parse_help(text: str) -> CommandSpec:
    """Reads CLI11's help layout: sections "Positionals:", "Options:", "Subcommands:", each
    entry on a line indented by two spaces, continuation lines indented further."""
    spec = CommandSpec([], {}, [])
    section = None
    current = None
    for line in text.splitlines():
        if re.match(r"^\S.*:\s*$", line):
            section = line.strip().rstrip(":").lower()
            current = None
            continue
        if not line.strip():
            current = None
            continue
        entry = re.match(r"^  (\S.*)$", line)
        if not entry:
            if current is not None:
                current.text += " " + line.strip()
            continue
        body = entry.group(1)
        if section == "subcommands":
            spec.subcommands.append(body.split()[0])
            current = None
        elif section == "options" and body.startswith("-"):
            first, _, rest = body.partition(" ")
            # CLI11 puts the value's type one space after the names and the description two or
            # more spaces after them, so "--quiet  No progress line" has no type.
            type_match = None
            if rest and not rest.startswith(" "):
                type_match = re.match(r"^([A-Z][A-Z0-9_]*(?::\S+(?: in \[[^\]]*\])?)?)( \.\.\.)?(?= |$)", rest)
            rest = rest.strip()
            current = OptionSpec(
                names=[n for n in first.split(",") if n],
                takes_value=type_match is not None,
                multi=bool(type_match and type_match.group(2)),
                text=rest,
            )
            for n in current.names:
                spec.options[n] = current
        elif section == "positionals":
            name, _, rest = body.partition(" ")
            choices = re.search(r"\{([^}]*)\}", rest)
            spec.positionals.append(
                PositionalSpec(
                    name=name,
                    choices=choices.group(1).split(",") if choices else None,
                    required="REQUIRED" in rest,
                    multi=" ..." in rest,
                )
            )
            current = None
    return spec


class Cli:
    """`BINARY [chain] --help`, run once per subcommand chain."""

    _caches = {}  # binary -> {chain: CommandSpec}, shared by the self-check's runs

    def __init__(self, binary: str):
        self.binary = binary
        self.cache = Cli._caches.setdefault(binary, {})

    def spec(self, chain: tuple) -> CommandSpec:
        if chain not in self.cache:
            out = subprocess.run(
                [self.binary, *chain, "--help"],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=30,
            )
            if out.returncode != 0:
                command = " ".join([self.binary, *chain, "--help"])
                raise RuntimeError(f"`{command}` exited {out.returncode}:\n{out.stdout}")
            self.cache[chain] = parse_help(out.stdout)
        return self.cache[chain]


# --------------------------------------------------------------------------------------------
# Where the deployment files start stockpulse


@dataclasses.dataclass
class Invocation:
    where: str  # file and location, for the report
    args: list  # after the program name

    def text(self) -> str:
        return " ".join([PROGRAM, *self.args])


SHELLS = {"sh", "bash", "dash", "ash", "/bin/sh", "/bin/bash", "/usr/bin/env"}
# After these a word is in command position again.
OPERATORS = {";", "&&", "||", "|", "&", "(", ")", "!", "then", "do", "else", "exec", "--", "time",
             "nohup", "sudo", "xargs"}
# These end a command's arguments.
ENDS = {";", "&&", "||", "|", "&", ")", ">", ">>", "2>", "<"}
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")


def is_program(token: str) -> bool:
    return token == PROGRAM or token.endswith("/" + PROGRAM)


def strip_comment(line: str) -> str:
    # '#' starts a comment only at a word start (as in sh), so URLs like /#token=... survive.
    return re.sub(r"(^|\s)#.*$", "", line)


def shell_lines(script: str):
    """Logical lines of a shell script: backslash-newlines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", script)
    for line in joined.splitlines():
        line = strip_comment(line).strip()
        if line:
            yield line


def tokenize(line: str) -> list:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes (a heredoc body, JSON): words are good enough
        return line.split()


def invocations_in_shell(script: str, where: str) -> list:
    found = []
    for line in shell_lines(script):
        tokens = tokenize(line)
        at_command = True
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            if at_command and ASSIGNMENT.match(tok):
                i += 1
                continue
            if at_command and is_program(tok):
                j = i + 1
                while j < len(tokens) and tokens[j] not in ENDS:
                    if re.match(r"^\d?>", tokens[j]) or tokens[j].startswith("<"):
                        break
                    j += 1
                found.append(Invocation(where, tokens[i + 1 : j]))
                i = j
                at_command = False
                continue
            at_command = tok in OPERATORS or tok.endswith(";")
            i += 1
    return found


def invocations_in_argv(argv: list, where: str) -> list:
    """An exec-form command line (no shell) or `sh -c SCRIPT`."""
    if not argv:
        return []
    if os.path.basename(str(argv[0])) in {os.path.basename(s) for s in SHELLS} and "-c" in argv:
        k = argv.index("-c")
        return invocations_in_shell(str(argv[k + 1]), where) if k + 1 < len(argv) else []
    if is_program(str(argv[0])):
        return [Invocation(where, [str(a) for a in argv[1:]])]
    return []


def as_argv(value) -> list | None:
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def dockerfile_entrypoint(deploy_dir: str) -> list:
    """ENTRYPOINT of the last stage of DEPLOY_DIR/Dockerfile: what a container of the image runs
    when compose or Kubernetes give only a command/args."""
    path = os.path.join(deploy_dir, "Dockerfile")
    entry = [PROGRAM]
    if os.path.exists(path):
        for instr, arg, _ in dockerfile_instructions(path):
            if instr == "ENTRYPOINT":
                entry = json.loads(arg) if arg.startswith("[") else ["/bin/sh", "-c", arg]
    return entry


def dockerfile_instructions(path: str):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    lineno = 0
    start = 0
    buf = ""
    for raw in text.splitlines():
        lineno += 1
        if not buf and (not raw.strip() or raw.lstrip().startswith("#")):
            continue
        if not buf:
            start = lineno
        if raw.rstrip().endswith("\\"):
            buf += raw.rstrip()[:-1] + " "
            continue
        buf += raw
        instr, _, arg = buf.strip().partition(" ")
        yield instr.upper(), arg.strip(), start
        buf = ""


def invocations_in_dockerfile(path: str, rel: str) -> list:
    found = []
    entry, cmd = None, None
    for instr, arg, line in dockerfile_instructions(path):
        if instr == "FROM":
            entry, cmd = None, None
        elif instr == "RUN":
            arg = re.sub(r"^(--\S+\s+)+", "", arg)  # RUN --mount=... flags
            found += invocations_in_shell(arg, f"{rel}:{line} RUN")
        elif instr in ("ENTRYPOINT", "CMD"):
            value = json.loads(arg) if arg.startswith("[") else ["/bin/sh", "-c", arg]
            if instr == "ENTRYPOINT":
                entry = (value, line)
            else:
                cmd = (value, line)
    if entry:
        argv = entry[0] + (cmd[0] if cmd else [])
        found += invocations_in_argv(argv, f"{rel}:{entry[1]} ENTRYPOINT+CMD")
    return found


def invocations_in_markdown(path: str, rel: str) -> list:
    found = []
    fence = None
    block, block_start = [], 0
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if re.match(r"^\s*(```|~~~)", line):
                if fence is None:
                    fence, block, block_start = line.strip()[:3], [], lineno + 1
                elif line.strip().startswith(fence):
                    found += invocations_in_shell("".join(block), f"{rel}:{block_start} code block")
                    fence = None
                continue
            if fence is not None:
                block.append(line)
    return found


def is_stockpulse_image(image) -> bool:
    if not image:
        return False
    repo = str(image).rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0]
    return repo == PROGRAM


def invocations_in_yaml_docs(docs: list, rel: str, entrypoint: list) -> list:
    """Compose services (command/entrypoint/healthcheck) and Kubernetes containers
    (command/args) of documents loaded by PyYAML or by the built-in extractor."""
    found = []
    for doc in docs:
        if not isinstance(doc, dict):
            continue
        services = doc.get("services")
        if isinstance(services, dict):
            for name, svc in services.items():
                if not isinstance(svc, dict):
                    continue
                ours = "build" in svc or is_stockpulse_image(svc.get("image"))
                entry = as_argv(svc.get("entrypoint"))
                if entry is None:
                    entry = entrypoint if ours else []
                command = as_argv(svc.get("command")) or []
                where = f"{rel} services.{name}"
                found += invocations_in_argv(entry + command, where + ".command")
                health = svc.get("healthcheck")
                test = health.get("test") if isinstance(health, dict) else None
                if isinstance(test, list) and test and test[0] == "CMD":
                    found += invocations_in_argv([str(t) for t in test[1:]], where + ".healthcheck")
                elif isinstance(test, list) and test and test[0] == "CMD-SHELL":
                    found += invocations_in_shell(" ".join(str(t) for t in test[1:]), where + ".healthcheck")
                elif isinstance(test, str):
                    found += invocations_in_shell(test, where + ".healthcheck")
        for path, container in containers_of(doc):
            ours = is_stockpulse_image(container.get("image"))
            command = as_argv(container.get("command"))
            if command is None:
                command = entrypoint if ours else []
            args = as_argv(container.get("args")) or []
            kind = doc.get("kind", "?")
            name = (doc.get("metadata") or {}).get("name", "?")
            where = f"{rel} {kind}/{name} {path}"
            found += invocations_in_argv(command + args, where)
    return found


def containers_of(node, path=""):
    """(path, container) for every entry of a `containers` / `initContainers` list."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for c in value:
                    if isinstance(c, dict):
                        yield f"{path}{key}[{c.get('name', '?')}]", c
            else:
                yield from containers_of(value, f"{path}{key}.")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from containers_of(value, f"{path}{i}.")


# --------------------------------------------------------------------------------------------
# Built-in extractor for machines without PyYAML: enough YAML for command lines


def scalar(text: str):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1].replace("''", "'") if text[0] == "'" else json.loads(text)
    return text


def flow_list(text: str) -> list:
    inner = text.strip()[1:-1]
    items, cur, quote = [], "", None
    for ch in inner:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            cur += ch
        elif ch == ",":
            items.append(scalar(cur))
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(scalar(cur))
    return items


def simple_yaml_docs(text: str) -> list:
    """Block mappings and sequences, plain and quoted scalars, flow lists and block scalars
    (| >): the subset of YAML that compose files and manifests use for command lines. Flow
    mappings ({a: b}) are kept as their text."""
    docs = []
    for chunk in re.split(r"(?m)^---[ \t]*$", text):
        lines = chunk.splitlines()
        parser = _BlockParser(lines)
        value = parser.parse(parser.next_content(0))
        if value is not None:
            docs.append(value)
    return docs


class _BlockParser:
    def __init__(self, lines: list):
        self.lines = lines
        self.anchors = {}

    def next_content(self, i: int) -> int:
        while i < len(self.lines) and (not self.lines[i].strip() or self.lines[i].lstrip().startswith("#")):
            i += 1
        return i

    def indent(self, i: int) -> int:
        return len(self.lines[i]) - len(self.lines[i].lstrip())

    def parse(self, i: int):
        if i >= len(self.lines):
            return None
        value, _ = self.block(i, self.indent(i), self.lines[i].strip())
        return value

    def block(self, i: int, indent: int, first: str):
        """The node starting at line i whose content (first) sits at column indent."""
        if first == "-" or first.startswith("- "):
            return self.sequence(i, indent, first)
        return self.mapping(i, indent, first)

    def sequence(self, i: int, indent: int, first: str):
        items = []
        content = first
        while True:
            rest = content[1:].lstrip()
            if not rest:
                j = self.next_content(i + 1)
                if j < len(self.lines) and self.indent(j) > indent:
                    value, i = self.block(j, self.indent(j), self.lines[j].strip())
                else:
                    value, i = None, i + 1
            elif rest[:1] in ("|", ">"):
                value, i = self.block_scalar(i, indent)
            elif re.match(r"^[A-Za-z0-9_.\-/]+:(\s|$)", rest):
                value, i = self.mapping(i, indent + (len(content) - len(rest)), rest)
            else:
                value, i = self.inline(strip_comment(rest).strip()), i + 1
            items.append(value)
            i = self.next_content(i)
            if i >= len(self.lines) or self.indent(i) != indent or not self.lines[i].strip().startswith("-"):
                return items, i
            content = self.lines[i].strip()

    def mapping(self, i: int, indent: int, first: str):
        result = {}
        content = first
        while True:
            m = re.match(r"^([^:#]+?|\"[^\"]*\"|'[^']*'):(?:\s+(.*))?$", content)
            if not m:
                return result, i + 1
            key = scalar(m.group(1))
            value = strip_comment(m.group(2) or "").strip()
            anchor = re.match(r"^&(\S+)\s*", value)
            if anchor:
                value = value[anchor.end() :]
            if value.startswith("*"):
                result[key] = self.anchors.get(value[1:])
                if key == "<<" and isinstance(result[key], dict):
                    del result[key]
                    result = {**self.anchors[value[1:]], **result}
                i += 1
            elif value[:1] in ("|", ">"):
                result[key], i = self.block_scalar(i, indent)
            elif value:
                result[key] = self.inline(value)
                i += 1
            else:
                j = self.next_content(i + 1)
                child_first = self.lines[j].strip() if j < len(self.lines) else ""
                if j < len(self.lines) and (
                    self.indent(j) > indent or (self.indent(j) == indent and child_first.startswith("-"))
                ):
                    result[key], i = self.block(j, self.indent(j), child_first)
                else:
                    result[key], i = None, i + 1
            if anchor:
                self.anchors[anchor.group(1)] = result[key]
            i = self.next_content(i)
            if i >= len(self.lines) or self.indent(i) != indent or self.lines[i].strip().startswith("-"):
                return result, i
            content = self.lines[i].strip()

    def block_scalar(self, i: int, indent: int):
        """The lines after line i indented deeper than indent, as a literal block (| or >: the
        difference does not matter for command lines split by a shell)."""
        block, i = [], i + 1
        while i < len(self.lines) and (not self.lines[i].strip() or self.indent(i) > indent):
            block.append(self.lines[i])
            i += 1
        width = min((len(b) - len(b.lstrip()) for b in block if b.strip()), default=0)
        return "\n".join(b[width:] for b in block).rstrip("\n") + "\n", i

    @staticmethod
    def inline(value: str):
        if value.startswith("["):
            return flow_list(value)
        return scalar(value)


# --------------------------------------------------------------------------------------------
# Checking


class Report:
    def __init__(self):
        self.problems = []
        self.notes = []

    def problem(self, where: str, message: str):
        self.problems.append((where, message))

    def note(self, message: str):
        self.notes.append(message)


def url_schemes(text: str) -> set:
    return set(re.findall(r"\b([a-z][a-z0-9+.\-]*):(?://)?(?=[A-Z\[])", text))


def check_value(inv, chain, opt_name, opt, value, report):
    m = re.match(r"^([a-z][a-z0-9+.\-]*)://", value)
    if not m or "${" in value or "$(" in value:
        return
    scheme = m.group(1)
    if f"{scheme}:" not in opt.text:
        documented = ", ".join(sorted(s + ":" for s in url_schemes(opt.text))) or "none"
        report.problem(
            inv.where,
            f"`{inv.text()}`\n    {opt_name} {value}: scheme {scheme}:// is not in the help of "
            f"`{PROGRAM} {' '.join(chain)} {opt_name}` (documented: {documented})",
        )


def check_invocation(inv: Invocation, cli: Cli, report: Report):
    chain = ()
    spec = cli.spec(chain)
    positionals = []
    args = inv.args
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            positionals += args[i + 1 :]
            break
        if a.startswith("-") and len(a) > 1:
            name, eq, value = a.partition("=")
            if not name.startswith("--") and len(name) > 2:
                name, value, eq = name[:2], name[2:], "="  # -cVALUE
            opt = spec.options.get(name)
            if opt is None:
                report.problem(inv.where, f"`{inv.text()}`\n    unknown flag {name} for `{' '.join((PROGRAM,) + chain)}`")
                if not eq and i + 1 < len(args) and not args[i + 1].startswith("-"):
                    i += 1  # most likely its value, not a positional: one problem, not two
            elif opt.takes_value and not eq:
                values = []
                i += 1
                while i < len(args) and not (args[i].startswith("-") and len(args[i]) > 1):
                    values.append(args[i])
                    i += 1
                    if not opt.multi:
                        break
                if not values:
                    report.problem(inv.where, f"`{inv.text()}`\n    {name} needs a value")
                for v in values:
                    check_value(inv, chain, name, opt, v, report)
                continue
            elif not opt.takes_value and eq:
                report.problem(inv.where, f"`{inv.text()}`\n    {name} takes no value")
            elif eq:
                check_value(inv, chain, name, opt, value, report)
            i += 1
            continue
        if not positionals and a in spec.subcommands:
            chain += (a,)
            spec = cli.spec(chain)
        elif not positionals and spec.subcommands and not spec.positionals:
            rest = [x for x in args[i + 1 :] if x.startswith("-")]
            unchecked = f"; its flags {' '.join(rest)} are unchecked" if rest else ""
            report.problem(
                inv.where,
                f"`{inv.text()}`\n    unknown subcommand '{a}' of `{' '.join((PROGRAM,) + chain)}` "
                f"(it has: {', '.join(spec.subcommands)}){unchecked}",
            )
            return
        else:
            positionals.append(a)
        i += 1
    check_positionals(inv, chain, spec, positionals, report)


def check_positionals(inv, chain, spec, positionals, report):
    specs = list(spec.positionals)
    for k, value in enumerate(positionals):
        if k < len(specs):
            p = specs[k]
        elif specs and specs[-1].multi:
            p = specs[-1]
        else:
            report.problem(inv.where, f"`{inv.text()}`\n    unexpected argument '{value}' for `{' '.join((PROGRAM,) + chain)}`")
            continue
        if p.choices and value not in p.choices and "$" not in value:
            report.problem(
                inv.where,
                f"`{inv.text()}`\n    {p.name} '{value}' is not one of {', '.join(p.choices)}",
            )
    for p in specs[len(positionals) :]:
        if p.required:
            report.problem(inv.where, f"`{inv.text()}`\n    missing required argument {p.name}")


# --------------------------------------------------------------------------------------------
# Collecting the files


def deploy_files(deploy_dir: str):
    for root, dirs, files in os.walk(deploy_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for f in sorted(files):
            yield os.path.join(root, f)


def collect(deploy_dir: str, use_yaml: bool, report: Report):
    """(invocations, loaded YAML documents by relative path, TOML texts by source)."""
    entrypoint = dockerfile_entrypoint(deploy_dir)
    invocations, yaml_docs, tomls = [], {}, {}
    for path in deploy_files(deploy_dir):
        rel = os.path.relpath(path, os.path.dirname(os.path.abspath(deploy_dir)))
        base = os.path.basename(path)
        if base.endswith((".yml", ".yaml")):
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if use_yaml:
                try:
                    docs = [d for d in yaml.safe_load_all(text) if d is not None]
                except yaml.YAMLError as e:
                    report.problem(rel, f"YAML syntax: {e}")
                    continue
            else:
                docs = simple_yaml_docs(text)
            yaml_docs[rel] = docs
            invocations += invocations_in_yaml_docs(docs, rel, entrypoint)
            if use_yaml:
                for doc in docs:
                    if isinstance(doc, dict) and doc.get("kind") == "ConfigMap":
                        for key, value in (doc.get("data") or {}).items():
                            if key.endswith(".toml"):
                                tomls[f"{rel} ConfigMap/{doc['metadata']['name']} {key}"] = value
        elif base == "Dockerfile" or base.endswith(".Dockerfile") or base.startswith("Dockerfile."):
            if not base.endswith(".dockerignore"):
                invocations += invocations_in_dockerfile(path, rel)
        elif base.endswith(".md"):
            invocations += invocations_in_markdown(path, rel)
        elif base.endswith(".sh"):
            with open(path, encoding="utf-8") as f:
                invocations += invocations_in_shell(f.read(), rel)
        elif base.endswith(".toml"):
            with open(path, encoding="utf-8") as f:
                tomls[rel] = f.read()
    return invocations, yaml_docs, tomls


# --------------------------------------------------------------------------------------------
# Lint: configuration, secrets, Kubernetes wiring


def flatten_toml(table, prefix=""):
    out = {}
    for k, v in table.items():
        if isinstance(v, dict):
            out.update(flatten_toml(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def check_tomls(tomls: dict, example_path: str, report: Report):
    if not tomls:
        return
    if tomllib is None:
        report.note("tomllib missing (Python < 3.11): TOML files not checked")
        return
    if not os.path.exists(example_path):
        report.problem(example_path, "example.toml not found: TOML keys cannot be checked")
        return
    with open(example_path, "rb") as f:
        known = flatten_toml(tomllib.load(f))
    for where, text in tomls.items():
        try:
            keys = flatten_toml(tomllib.loads(text))
        except tomllib.TOMLDecodeError as e:
            report.problem(where, f"TOML syntax: {e}")
            continue
        for key, value in keys.items():
            if key not in known:
                report.problem(where, f"TOML key {key} is not in example.toml (unknown keys stop stockpulse at start-up)")
                continue
            want = type(known[key])
            ok = isinstance(value, want) or (want is float and isinstance(value, int) and not isinstance(value, bool))
            if not ok:
                report.problem(where, f"TOML key {key} = {value!r}: example.toml has a {want.__name__}")


def check_tomls_load(tomls: dict, binary: str, report: Report):
    """Each configuration through the binary's own loader (value checks included, e.g. a window
    size that is not a multiple of the slide): a file-mode run over empty input with every
    output off, which exits 0 at once when the configuration is accepted."""
    for where, text in tomls.items():
        with tempfile.TemporaryDirectory(prefix="sp-deploy-config-") as tmp:
            path = os.path.join(tmp, "stockpulse.toml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            empty = os.path.join(tmp, "empty.jsonl")
            open(empty, "w").close()
            cmd = [binary, "run", "--config", path, "--posts", empty, "--bars", empty, "--until-eof",
                   "--serving", "none", "--lake", "none", "--dead-letter", "none", "--checkpoint", "none",
                   "--no-dashboard", "--quiet", "--output-dir", os.path.join(tmp, "out")]
            out = subprocess.run(cmd, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=60)
            if out.returncode != 0:
                last = out.stdout.strip().splitlines()[-1:] or ["(no output)"]
                report.problem(where, f"`{PROGRAM} run --config` rejects it (exit {out.returncode}): {last[0]}")


def env_file_keys(path: str) -> dict:
    keys = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
                if m:
                    keys[m.group(1)] = m.group(2).strip()
    return keys


def check_compose(rel: str, doc: dict, env_example: dict, env_example_rel: str, report: Report):
    services = doc.get("services") or {}
    for name, svc in services.items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(e.split("=", 1) if "=" in e else (e, None) for e in env)
        for key, value in env.items():
            if value is None:
                continue
            value = str(value)
            if SECRET_NAME.search(key) and not re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}", value):
                report.problem(f"{rel} services.{name}", f"environment {key} must be a ${{VAR}} reference, not a literal")
    for var in referenced_vars(doc):
        if var not in env_example:
            report.problem(rel, f"${{{var}}} is not documented in {env_example_rel}")
    for key, value in env_example.items():
        if SECRET_NAME.search(key) and not PLACEHOLDER.match(value):
            report.problem(env_example_rel, f"{key} holds a value that is not a placeholder (change-me or empty)")



def referenced_vars(node) -> set:
    found = set()
    if isinstance(node, dict):
        for k, v in node.items():
            found |= referenced_vars(k) | referenced_vars(v)
    elif isinstance(node, list):
        for v in node:
            found |= referenced_vars(v)
    elif isinstance(node, str):
        # $$ is compose's escape for a literal $ (a variable of the container's shell)
        for m in re.finditer(r"(\$\$)|\$\{([A-Za-z_][A-Za-z0-9_]*)", node):
            if m.group(2):
                found.add(m.group(2))
    return found


def pod_labels(deployment: dict) -> dict:
    template = (deployment.get("spec") or {}).get("template") or {}
    return (template.get("metadata") or {}).get("labels") or {}


def check_k8s(all_docs: dict, report: Report):
    docs = [(rel, d) for rel, ds in all_docs.items() for d in ds if isinstance(d, dict) and "kind" in d]
    secrets = {}
    configmaps = {}
    for rel, d in docs:
        meta = d.get("metadata") or {}
        if d["kind"] == "Secret":
            data = {**(d.get("data") or {}), **(d.get("stringData") or {})}
            secrets[meta.get("name")] = data
            for key, value in data.items():
                if SECRET_NAME.search(key) and not PLACEHOLDER.match(str(value)):
                    report.problem(f"{rel} Secret/{meta.get('name')}", f"{key} holds a value that is not a placeholder")
        elif d["kind"] == "ConfigMap":
            configmaps[meta.get("name")] = d.get("data") or {}
    deployments = [(rel, d) for rel, d in docs if d["kind"] == "Deployment"]
    for rel, d in deployments:
        where = f"{rel} Deployment/{d['metadata']['name']}"
        spec = d.get("spec") or {}
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        labels = pod_labels(d)
        if not selector or any(labels.get(k) != v for k, v in selector.items()):
            report.problem(where, "selector.matchLabels do not match the pod template's labels")
        pod = (spec.get("template") or {}).get("spec") or {}
        volumes = {v.get("name"): v for v in pod.get("volumes") or []}
        for v in volumes.values():
            cm = (v.get("configMap") or {}).get("name")
            if cm and cm not in configmaps:
                report.problem(where, f"volume {v.get('name')}: ConfigMap {cm} is not defined")
        for c in pod.get("containers") or []:
            cwhere = f"{where} container {c.get('name')}"
            res = c.get("resources") or {}
            for kind in ("requests", "limits"):
                for r in ("cpu", "memory"):
                    if r not in (res.get(kind) or {}):
                        report.problem(cwhere, f"resources.{kind}.{r} is missing")
            for e in c.get("env") or []:
                if "value" in e and SECRET_NAME.search(e.get("name", "")):
                    report.problem(cwhere, f"env {e['name']} must come from a Secret (valueFrom.secretKeyRef)")
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if ref and secrets and ref.get("key") not in secrets.get(ref.get("name"), {}):
                    report.problem(cwhere, f"env {e.get('name')}: key {ref.get('key')} is not in Secret {ref.get('name')}")
            # the stockpulse arguments: after the program when command is given, else args
            command = [str(a) for a in c.get("command") or []]
            args = command[1:] + [str(a) for a in c.get("args") or []]
            if args[:1] == ["serve"]:
                ports = set()
                for p in c.get("ports") or []:
                    ports |= {p.get("name"), p.get("containerPort")}
                for probe in ("livenessProbe", "readinessProbe"):
                    get = (c.get(probe) or {}).get("httpGet") or {}
                    if get.get("path") != "/healthz" or get.get("port") not in ports:
                        report.problem(cwhere, f"{probe} must be an httpGet of /healthz on a declared container port")
            if "--config" in args:
                path = args[args.index("--config") + 1] if args.index("--config") + 1 < len(args) else ""
                mounts = [(m.get("mountPath", "").rstrip("/"), m.get("name")) for m in c.get("volumeMounts") or []]
                hit = [(mp, n) for mp, n in mounts if path.startswith(mp + "/")]
                cm = (volumes.get(hit[0][1]) or {}).get("configMap") if hit else None
                if not cm or os.path.basename(path) not in configmaps.get(cm.get("name"), {}):
                    report.problem(cwhere, f"--config {path} is not a key of a ConfigMap mounted there")
    for rel, d in docs:
        if d["kind"] != "Service" or (d.get("spec") or {}).get("type") == "ExternalName":
            continue
        selector = (d.get("spec") or {}).get("selector") or {}
        targets = [dd for _, dd in deployments if all(pod_labels(dd).get(k) == v for k, v in selector.items())]
        if not selector or not targets:
            report.problem(f"{rel} Service/{d['metadata']['name']}", "selector matches no Deployment's pods")


# --------------------------------------------------------------------------------------------


def run_check(binary: str, deploy_dir: str, use_yaml: bool, quiet: bool = False) -> Report:
    report = Report()
    cli = Cli(binary)
    invocations, yaml_docs, tomls = collect(deploy_dir, use_yaml, report)
    if not invocations:
        report.problem(deploy_dir, f"no {PROGRAM} invocation found: the extractor or the files are broken")
    for inv in invocations:
        check_invocation(inv, cli, report)
    example = os.path.join(os.path.dirname(os.path.abspath(deploy_dir)), "example.toml")
    check_tomls(tomls, example, report)
    check_tomls_load(tomls, binary, report)
    if use_yaml:
        env_example_path = os.path.join(deploy_dir, ".env.example")
        env_example = env_file_keys(env_example_path)
        env_rel = os.path.relpath(env_example_path, os.path.dirname(os.path.abspath(deploy_dir)))
        for rel, docs in yaml_docs.items():
            for doc in docs:
                if isinstance(doc, dict) and isinstance(doc.get("services"), dict):
                    check_compose(rel, doc, env_example, env_rel, report)
        check_k8s(yaml_docs, report)
    else:
        report.note("PyYAML not used: YAML syntax, secrets and Kubernetes wiring not checked")
    report.invocations = invocations
    report.configs = list(tomls)
    if not quiet:
        print_report(report, binary)
    return report


def print_report(report: Report, binary: str):
    print(f"{len(report.invocations)} {PROGRAM} invocations checked against {binary}:")
    for inv in report.invocations:
        print(f"  {inv.where}: {inv.text()}")
    for c in getattr(report, "configs", []):
        print(f"  config {c}: keys against example.toml, loaded by `{PROGRAM} run --config`")
    for n in report.notes:
        print(f"note: {n}")
    if report.problems:
        print(f"\nFAILED: {len(report.problems)} problem(s):")
        for where, message in report.problems:
            print(f"- {where}: {message}")
    else:
        print("\nOK: every subcommand, flag, argument and URL scheme exists in the CLI")


# --------------------------------------------------------------------------------------------
# Self-check: the checker must fail on planted mistakes, and only on them


def self_check(binary: str, deploy_dir: str, use_yaml: bool) -> int:
    failures = []

    def expect(cond, message):
        print(("ok   " if cond else "FAIL ") + message)
        if not cond:
            failures.append(message)

    baseline = run_check(binary, deploy_dir, use_yaml, quiet=True)
    base_set = set(baseline.problems)
    expect(len(baseline.invocations) > 0, f"the real files hold stockpulse invocations ({len(baseline.invocations)})")

    with tempfile.TemporaryDirectory(prefix="sp-deploy-check-") as tmp:
        # 1. A minimal file with one good and several bad invocations, in each syntax.
        small = os.path.join(tmp, "small", "deploy")
        os.makedirs(small)
        with open(os.path.join(small, "docker-compose.yml"), "w") as f:
            f.write(
                "services:\n"
                "  good:\n"
                "    image: stockpulse:test\n"
                "    command: [\"produce\", \"synthetic\", \"--to\", \"kafka://k:9092\", \"--rate\", \"5\"]\n"
                "  badflag:\n"
                "    image: stockpulse:test\n"
                "    command:\n"
                "      - produce\n"
                "      - synthetic\n"
                "      - --to\n"
                "      - stdout\n"
                "      - --no-such-flag-xyz\n"
                "  badsub:\n"
                "    image: example.org/team/stockpulse:1\n"
                "    command: nosuchsubcommand --whatever 1\n"
                "  badchoice:\n"
                "    build: {context: .}\n"
                "    command: [\"produce\", \"sideways\", \"--to\", \"stdout\"]\n"
                "  badscheme:\n"
                "    image: stockpulse\n"
                "    command: [\"produce\", \"bars\", \"--to\", \"gopher://x:70\"]\n"
                "  shell:\n"
                "    image: alpine\n"
                "    entrypoint: [\"/bin/sh\", \"-c\"]\n"
                "    command: [\"echo stockpulse --not-this; /usr/local/bin/stockpulse serve --bogus-shell-flag\"]\n"
            )
        with open(os.path.join(small, "notes.md"), "w") as f:
            f.write("Run:\n\n```sh\nstockpulse score --jsonl \\\n  --markdown-only-flag\n```\n")
        report = run_check(binary, small, use_yaml, quiet=True)
        text = "\n".join(f"{w}: {m}" for w, m in report.problems)
        expect(len(report.invocations) == 7, f"7 invocations found in the planted files ({len(report.invocations)})")
        expect("unknown flag --no-such-flag-xyz" in text, "an unknown flag in a block list is reported")
        expect("unknown subcommand 'nosuchsubcommand'" in text, "an unknown subcommand in a string command is reported")
        expect("'sideways' is not one of" in text, "a positional outside its choices is reported")
        expect("scheme gopher://" in text, "a URL scheme the flag does not document is reported")
        expect("--bogus-shell-flag" in text and "--not-this" not in text, "`sh -c` scripts: only command-position stockpulse is checked")
        expect("--markdown-only-flag" in text, "Markdown code blocks with continuation lines are checked")
        expect(not any("services.good" in w for w, _ in report.problems), "the correct service passes")
        expect(len(report.problems) == 6, f"exactly the 6 planted problems ({len(report.problems)})")

        # 2. The real files with one planted unknown flag: exactly one new problem, on that file.
        copy = os.path.join(tmp, "copy", "deploy")
        shutil.copytree(deploy_dir, copy)
        example = os.path.join(os.path.dirname(os.path.abspath(deploy_dir)), "example.toml")
        if os.path.exists(example):
            shutil.copy(example, os.path.join(tmp, "copy", "example.toml"))
        compose = os.path.join(copy, "docker-compose.yml")
        with open(compose) as f:
            original = f.read()
        planted = original.replace('"--rate", "2000"]', '"--rate", "2000", "--rat3", "1"]', 1)
        expect(planted != original, "the producer's command line was found to plant a wrong flag")
        with open(compose, "w") as f:
            f.write(planted)
        report = run_check(binary, copy, use_yaml, quiet=True)
        new = set(report.problems) - base_set
        expect(
            len(new) == 1 and "unknown flag --rat3" in next(iter(new))[1] and "services.produce" in next(iter(new))[0],
            f"a wrong flag in the real compose file is the one new problem ({len(new)} new)",
        )

        # 3. Lint: a literal secret and an unknown config key in the real files are reported.
        with open(compose, "w") as f:
            f.write(original.replace("${STOCKPULSE_TOKEN:?set STOCKPULSE_TOKEN in deploy/.env}", "hunter2", 1))
        toml_path = os.path.join(copy, "config", "stockpulse.toml")
        if use_yaml and os.path.exists(toml_path):
            with open(toml_path, "a") as f:
                f.write("\n[kafka]\nbrokers = \"kafka:9092\"\n")
            report = run_check(binary, copy, use_yaml, quiet=True)
            text = "\n".join(f"{w}: {m}" for w, m in set(report.problems) - base_set)
            expect("STOCKPULSE_TOKEN must be a ${VAR} reference" in text, "a literal token in compose is reported")
            expect("TOML key kafka.brokers is not in example.toml" in text, "an unknown key in the TOML config is reported")
            expect("unknown section 'kafka'" in text, "...and the binary's own config loader rejects it too")

            # 4. Kubernetes wiring: a probe off /healthz and a Secret key that does not exist.
            serve = os.path.join(copy, "k8s", "serve.yaml")
            processor = os.path.join(copy, "k8s", "processor.yaml")
            if os.path.exists(serve) and os.path.exists(processor):
                with open(serve) as f:
                    serve_text = f.read()
                with open(serve, "w") as f:
                    f.write(serve_text.replace("path: /healthz", "path: /ready", 1))
                with open(processor) as f:
                    processor_text = f.read()
                with open(processor, "w") as f:
                    f.write(processor_text.replace("key: CLICKHOUSE_PASSWORD}", "key: CLICKHOUSE_PASSWD}", 1))
                report = run_check(binary, copy, use_yaml, quiet=True)
                text = "\n".join(f"{w}: {m}" for w, m in set(report.problems) - base_set)
                expect("readinessProbe must be an httpGet of /healthz" in text, "a serve probe off /healthz is reported")
                expect("key CLICKHOUSE_PASSWD is not in Secret" in text, "a Secret key that does not exist is reported")

    # 5. The built-in extractor sees the same invocations as PyYAML on the real files.
    if yaml is not None:
        with_yaml = [(i.where, i.args) for i in run_check(binary, deploy_dir, True, quiet=True).invocations]
        without = [(i.where, i.args) for i in run_check(binary, deploy_dir, False, quiet=True).invocations]
        expect(with_yaml == without, "the built-in YAML extractor agrees with PyYAML on the real files")
        if with_yaml != without:
            for a, b in zip(with_yaml, without):
                if a != b:
                    print(f"     PyYAML  : {a}\n     built-in: {b}")
            print(f"     counts: {len(with_yaml)} vs {len(without)}")

    print(f"\nself-check: {'FAILED' if failures else 'OK'} ({len(failures)} failure(s))")
    return 1 if failures else 0


def main(argv: list) -> int:
    args = [a for a in argv if not a.startswith("--")]
    flags = {a for a in argv if a.startswith("--")}
    unknown = flags - {"--self-check", "--no-yaml"}
    if len(args) != 2 or unknown:
        print(__doc__, file=sys.stderr)
        return 2
    binary, deploy_dir = os.path.abspath(args[0]), args[1]
    if not os.access(binary, os.X_OK):
        print(f"{binary}: not an executable stockpulse binary (build the `stockpulse` target)", file=sys.stderr)
        return 2
    use_yaml = yaml is not None and "--no-yaml" not in flags
    if yaml is None:
        print("note: PyYAML not installed (Debian python3-yaml): using the built-in extractor")
    try:
        if "--self-check" in flags:
            return self_check(binary, deploy_dir, use_yaml)
        report = run_check(binary, deploy_dir, use_yaml)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
