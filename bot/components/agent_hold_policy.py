"""While a person from the store holds a conversation, the bot says nothing.

The agent console sets the ``agent_active`` slot (through Rasa's HTTP API) when an agent takes
over and clears it on hand-back. This policy then answers every shopper message with
``action_listen`` at full confidence; its priority is above the rule policy's, so no rule, form
or fallback speaks over the agent. With the slot unset it predicts nothing and the other
policies decide as usual.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

AGENT_SLOT = "agent_active"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=False
)
class AgentHoldPolicy(Policy):
    """Predicts ``action_listen`` after every shopper message while an agent holds the chat."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7}

    def train(self, training_trackers: list[Any], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        if (tracker.get_slot(AGENT_SLOT) is True
                and tracker.latest_action_name == ACTION_LISTEN_NAME):
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(probabilities)
