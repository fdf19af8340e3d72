"""Rasa sends the domain only to the actions that read it (`enable_selective_domain`, `send_domain` in domain.yml):
every action whose code reads its `domain` argument must be marked, or be a `validate_…` action (always sent)."""
from __future__ import annotations

import ast
from pathlib import Path

import yaml
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

ROOT = Path(__file__).resolve().parents[2]


def _reads_domain(function: ast.AST) -> bool:
    """The function uses the name `domain` other than as its own parameter."""
    return any(isinstance(node, ast.Name) and node.id == "domain" and isinstance(node.ctx, ast.Load)
               for node in ast.walk(function))


def _actions_reading_domain() -> dict[str, str]:
    """action name → file, for every action class of actions/ whose `run` (or a method it owns) reads `domain`."""
    found = {}
    for path in sorted((ROOT / "actions").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            methods = {m.name: m for m in cls.body if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))}
            if "name" not in methods or not any(_reads_domain(m) for n, m in methods.items() if n != "name"):
                continue
            returned = [n.value for n in ast.walk(methods["name"]) if isinstance(n, ast.Return)]
            name = returned[0].value if returned and isinstance(returned[0], ast.Constant) else f"<dynamic in {cls.name}>"
            found[name] = path.name
    return found


def test_every_action_that_reads_the_domain_receives_it():
    domain = Domain.load(str(ROOT / "domain.yml"))
    missing = {name: file for name, file in _actions_reading_domain().items()
               if not domain.does_custom_action_explicitly_need_domain(name)}
    assert not missing, f"mark them `send_domain: true` in domain.yml: {missing}"


def test_the_cite_and_hand_off_actions_are_among_them_and_the_others_are_not_sent_the_domain():
    domain = Domain.load(str(ROOT / "domain.yml"))
    reading = _actions_reading_domain()
    assert {"action_cite_status", "action_cites_commune", "action_handoff_offer"} <= set(reading)
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8"))
    action = RemoteAction("action_ask_bud_employees", EndpointConfig.from_dict(endpoints["action_endpoint"]))
    assert action._is_selective_domain_enabled()
    assert not domain.does_custom_action_explicitly_need_domain("action_ask_bud_employees")
    assert domain.does_custom_action_explicitly_need_domain("validate_bud_form")
    deploy = yaml.safe_load((ROOT / "deploy" / "endpoints.yml").read_text(encoding="utf-8"))
    assert deploy["action_endpoint"]["enable_selective_domain"] is True
