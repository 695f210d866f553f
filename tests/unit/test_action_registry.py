"""The action server can load every action, and every custom action the domain names exists."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

from aisle.settings import REPO_ROOT

#: Actions Rasa itself provides (forms are run by Rasa; their validators are ours).
BUILT_IN_PREFIXES = ("utter_",)


def test_every_custom_action_of_the_domain_is_registered() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")  # instantiates every Action subclass, as the server does
    domain = yaml.safe_load(Path(REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    forms = set(domain.get("forms") or {})
    custom = {a for a in domain["actions"] if not a.startswith(BUILT_IN_PREFIXES) and a not in forms}
    assert custom <= set(executor.actions), sorted(custom - set(executor.actions))
