"""The dialogue layer stays free of rasa-sdk, and the actions stay thin adapters over it."""

from __future__ import annotations

import ast
from pathlib import Path

from aisle.settings import REPO_ROOT

MAX_RUN_LINES = 39  # "under 40", counted from the def line to the last line
#: The rasa-sdk entry points of actions and form validators; each hands the turn to dialogue/.
ADAPTER_METHODS = ("run", "required_slots", "get_validation_events")
ADAPTER_PREFIXES = ("validate_", "extract_")


def _is_adapter(name: str) -> bool:
    return name in ADAPTER_METHODS or name.startswith(ADAPTER_PREFIXES)


def _modules(package: str) -> list[Path]:
    return sorted((Path(REPO_ROOT) / package).glob("*.py"))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_dialogue_never_imports_rasa_sdk_or_actions() -> None:
    for path in _modules("dialogue"):
        bad = {n for n in _imports(path) if n.split(".")[0] in {"rasa_sdk", "rasa", "actions"}}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_assist_does_not_import_actions() -> None:
    for path in _modules("assist"):
        assert not {n for n in _imports(path) if n.split(".")[0] == "actions"}, path.name


def test_every_action_run_and_validator_is_short() -> None:
    too_long = []
    for path in _modules("actions"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.AsyncFunctionDef | ast.FunctionDef) and (
                            _is_adapter(item.name)):
                        lines = item.end_lineno - item.lineno + 1
                        if lines > MAX_RUN_LINES:
                            too_long.append(f"{path.name}:{node.name}.{item.name} ({lines} lines)")
    assert not too_long, too_long
