"""Three processes, three packages: the programme-data service (`assistant`), the action server (`actions`) and the
Rasa server's plug-ins (`rasa_plugins`). A package never imports another process's package: the action server and
the plug-ins know the service only through its HTTP API, so each can be deployed (and upgraded) apart."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "actions", "rasa_plugins")
# assistant/stack.py starts the three processes on one machine: it reads each one's settings module.
LAUNCHER = ROOT / "assistant" / "stack.py"


def imported_packages(file: Path) -> set[str]:
    """The top-level packages a module imports, wherever the import is (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"), filename=str(file))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
            found.add(str(node.args[0].value).split(".")[0])
    return found


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if p != LAUNCHER)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_process_package_imports_no_other_process_package(package):
    others = set(PACKAGES) - {package}
    crossing = {str(file.relative_to(ROOT)): sorted(imported_packages(file) & others) for file in _modules(package)}
    crossing = {name: packages for name, packages in crossing.items() if packages}
    assert not crossing, f"{package} imports another process's package: {crossing}"


def test_the_check_sees_an_import_of_the_service(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from assistant.text import fold\n    return fold\n", encoding="utf-8")
    assert "assistant" in imported_packages(module)
    module.write_text("import importlib\nimportlib.import_module('assistant.bud')\n", encoding="utf-8")
    assert "assistant" in imported_packages(module)


def test_no_action_module_reads_programme_data_files():
    """The action server gets programme data over HTTP, never from data/programme/ on disk."""
    readers = [str(file.relative_to(ROOT)) for file in _modules("actions")
               if "data/programme" in file.read_text(encoding="utf-8")
               or '"programme"' in file.read_text(encoding="utf-8")]
    assert not readers, readers
