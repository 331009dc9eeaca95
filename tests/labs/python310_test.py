#!/usr/bin/env python3
"""The labs' Python runs on Python 3.10 (Gradescope's Ubuntu 22.04 image), run by ctest as lab_python310.

    python310_test.py LABS_DIR

osgrid is built with Python 3.11 (Debian 12), but students' code, check.py,
labs/common/osgrid_lab.py and grader_host.py run in the Gradescope image's
python3, which is 3.10. This parses every labs/**/*.py with the 3.10 grammar
(ast feature_version) and looks for the 3.11+ standard library names a lab
might reach for. It is a static check: scripts/lab-bundle-test (before a
release) also runs the labs in a real CPython 3.10 when it can.
"""

import ast
import pathlib
import sys

LABS = pathlib.Path(sys.argv[1])
# Added in Python 3.11 or later: module -> names, and the modules themselves ("").
NEWER = {
    "tomllib": {""},
    "wsgiref.types": {""},
    "typing": {"Self", "LiteralString", "Never", "assert_never", "assert_type", "reveal_type", "Required",
               "NotRequired", "TypeVarTuple", "Unpack", "dataclass_transform", "get_overloads", "clear_overloads",
               "override", "TypeAliasType", "ReadOnly", "TypeIs", "NoDefault"},
    "enum": {"StrEnum", "ReprEnum", "EnumCheck", "FlagBoundary", "verify", "member", "nonmember", "global_enum",
             "show_flag_values", "EnumType"},
    "asyncio": {"TaskGroup", "timeout", "timeout_at", "Runner", "Barrier"},
    "contextlib": {"chdir"},
    "datetime": {"UTC"},
    "hashlib": {"file_digest"},
    "operator": {"call"},
    "math": {"cbrt", "exp2", "sumprod", "fma"},
    "itertools": {"batched"},
    "inspect": {"getmembers_static", "markcoroutinefunction"},
    "logging": {"getLevelNamesMapping", "getHandlerByName", "getHandlerNames"},
    "sys": {"exception", "monitoring"},
    "copy": {"replace"},
    "warnings": {"deprecated"},
}
NEWER_BUILTINS = {"ExceptionGroup", "BaseExceptionGroup", "PythonFinalizationError"}
NEWER_METHODS = {"add_note", "walk_up", "is_junction"}


def problems(path):
    text = path.read_text()
    try:
        tree = ast.parse(text, str(path), feature_version=(3, 10))
    except SyntaxError as error:
        return [f"{path}:{error.lineno}: not Python 3.10 syntax: {error.msg}"]
    found = []
    aliases = {}  # local name -> module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if "" in NEWER.get(alias.name, ()):
                    found.append(f"{path}:{node.lineno}: module {alias.name} is new in Python 3.11+")
                aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            if "" in NEWER.get(node.module, ()):
                found.append(f"{path}:{node.lineno}: module {node.module} is new in Python 3.11+")
            for alias in node.names:
                if alias.name in NEWER.get(node.module, ()):
                    found.append(f"{path}:{node.lineno}: {node.module}.{alias.name} is new in Python 3.11+")
        elif isinstance(node, ast.TryStar):
            found.append(f"{path}:{node.lineno}: except* is new in Python 3.11")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = aliases.get(node.value.id)
            if module and node.attr in NEWER.get(module, ()):
                found.append(f"{path}:{node.lineno}: {module}.{node.attr} is new in Python 3.11+")
        if isinstance(node, ast.Attribute) and node.attr in NEWER_METHODS:
            found.append(f"{path}:{node.lineno}: .{node.attr}() is new in Python 3.11+")
        if isinstance(node, ast.Name) and node.id in NEWER_BUILTINS:
            found.append(f"{path}:{node.lineno}: {node.id} is new in Python 3.11+")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "(?>" in node.value:
            found.append(f"{path}:{node.lineno}: atomic regex groups (?>...) are new in Python 3.11")
    return found


files = sorted(LABS.rglob("*.py"))
found = {path: problems(path) for path in files}
for problem in (problem for each in found.values() for problem in each):
    print("FAILED: " + problem, file=sys.stderr)
bad = sum(1 for each in found.values() if each)
print(f"{len(files)} Python files under {LABS}: {len(files) - bad} read as Python 3.10, {bad} do not")
sys.exit(1 if bad else 0)
