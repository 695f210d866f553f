"""The states of a conversation's history, replayed once per event instead of once per call.

Rasa 3.6's policies see a conversation through ``Domain.states_for_tracker_history``: it
replays every applied event into a fresh tracker (``generate_all_prior_trackers``) and builds
the state before each action (slots, latest message, previous action, active loop). Memoization,
the rules and the agent-hold policy ask for it several times per prediction and Rasa predicts
several times per shopper message, each time over the whole conversation, so a turn cost more
the longer the conversation (``scripts/long_conversation.py``).

The state before an action depends only on the applied events before it (and on the domain and
the flags), so :class:`PriorStatesCache` keeps, per conversation and flags, the events replayed
so far, the replayed tracker and the fold of Rasa's loop, and on the next call replays only the
events appended since. The cached events must equal the tracker's applied events (the same
objects, or events with equal attributes: the tracker is reloaded from the store every
message); from the first event that differs (a reverted action or message, a restart, a new
session, a redacted text) it replays again from there, with Rasa's own per-step code. The
answer is a fresh copy each time: callers change the states they are given.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from operator import is_
from typing import Any

from rasa.shared.core.constants import PREVIOUS_ACTION
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

#: Conversation histories kept (one per conversation and flag combination; least recently used
#: dropped first). ``AISLE_RASA_STATE_CACHE_ENTRIES`` overrides it (``bot/server.py``).
DEFAULT_ENTRIES = 1000
#: Histories kept per conversation and flags: the one replayed last and one with another start
#: (a policy asking about a shortened copy of the conversation, a new session) so that the two
#: do not evict each other.
HISTORIES_PER_KEY = 2
#: A conversation's history is dropped after this long without a message: it holds the events
#: of its latest turn as Rasa had them in memory, before the tracker store redacted them.
IDLE_SECONDS = 900.0


@dataclass
class _Fold:
    """The variables Rasa's loop in ``states_for_tracker_history`` carries between steps."""

    states: list[State] = field(default_factory=list)
    last_ml_action_sub_state: Any = None
    turn_was_hidden: bool = False

    def copy(self) -> _Fold:
        return _Fold(list(self.states), self.last_ml_action_sub_state, self.turn_was_hidden)


@dataclass
class _Checkpoint:
    """The fold right after the step at ``position`` (an ``ActionExecuted`` applied event)."""

    position: int
    states: int
    last_ml_action_sub_state: Any
    turn_was_hidden: bool


@dataclass
class _History:
    """One conversation replayed up to ``events`` for one combination of flags."""

    domain: Domain
    events: list[Event]
    tracker: DialogueStateTracker
    fold: _Fold
    checkpoints: list[_Checkpoint]


@dataclass
class CacheCounts:
    """How calls were answered: from the cache alone, by replaying the tail, from scratch."""

    reused: int = 0
    extended: int = 0
    replayed: int = 0
    bypassed: int = 0


def same_event(cached: Event, current: Event) -> bool:
    """Whether ``current`` is ``cached`` or an event of the same class with equal attributes.

    Rasa's own ``__eq__`` is looser (``UserUttered`` compares entity keys, not values), so it
    is not used: any attribute that differs counts.
    """
    if cached is current:
        return True
    try:
        return type(cached) is type(current) and bool(vars(cached) == vars(current))
    except (TypeError, ValueError):  # an attribute that cannot say (an array): not the same
        return False


def _step(domain: Domain, fold: _Fold, tracker: DialogueStateTracker, hide_rule_turn: bool,
          omit_unset_slots: bool, ignore_rule_only_turns: bool,
          rule_only_data: dict[str, Any] | None) -> None:
    """One pass of the loop in Rasa 3.6's ``Domain.states_for_tracker_history``, verbatim."""
    if ignore_rule_only_turns:
        if not fold.turn_was_hidden:
            fold.last_ml_action_sub_state = domain._get_prev_action_sub_state(tracker)
        # (Rasa writes ``not a == b``; both are strings or None, so ``!=`` is the same)
        if not tracker.followup_action and tracker.latest_action_name != tracker.active_loop_name:
            fold.turn_was_hidden = hide_rule_turn
        if fold.turn_was_hidden:
            return
    state = domain.get_active_state(tracker, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if fold.states:
            domain._substitute_rule_only_user_input(state, fold.states[-1])
        if fold.last_ml_action_sub_state:
            state[PREVIOUS_ACTION] = fold.last_ml_action_sub_state
    fold.states.append(domain._clean_state(state))


def copy_states(states: Sequence[State]) -> list[State]:
    """New state and sub-state dicts (their values are strings and tuples), shared as before.

    Rasa hands one sub-state to several states (the last ML action, a substituted user input);
    the copy keeps that sharing within the list, so a caller's change acts as it would on Rasa's.
    """
    copies: dict[int, Any] = {}
    out: list[State] = []
    for state in states:
        copied_state = {}
        for name, value in state.items():
            copied = copies.get(id(value))
            if copied is None:
                copied = copies[id(value)] = value.copy() if type(value) is dict else value
            copied_state[name] = copied
        out.append(copied_state)
    return out


def _rule_only_key(rule_only_data: dict[str, Any] | None) -> Hashable:
    if not rule_only_data:
        return None
    return tuple(sorted((name, tuple(values) if isinstance(values, list) else repr(values))
                        for name, values in rule_only_data.items()))


class PriorStatesCache:
    """``Domain.states_for_tracker_history``, remembering each conversation's replay."""

    def __init__(self, entries: int = DEFAULT_ENTRIES, idle_seconds: float = IDLE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if entries < 1:
            raise ValueError(f"the prior-states cache needs at least one entry, not {entries}")
        self.entries = entries
        self.idle_seconds = idle_seconds
        self._clock = clock
        self._used: dict[Hashable, float] = {}
        self.counts = CacheCounts()
        self._histories: OrderedDict[Hashable, list[_History]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._histories)

    def states(self, domain: Domain, tracker: DialogueStateTracker,
               omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
               rule_only_data: dict[str, Any] | None = None,
               fallback: Callable[..., list[State]] | None = None) -> list[State]:
        """The states Rasa's ``states_for_tracker_history`` gives for ``tracker``.

        Trackers of another class (training's ``TrackerWithCachedStates``, which caches its
        own) and trackers with a bounded event history go to ``fallback`` (Rasa's method).
        """
        if type(tracker) is not DialogueStateTracker or tracker._max_event_history:
            if fallback is None:
                raise TypeError(f"no fallback for a {type(tracker).__name__}")
            self.counts.bypassed += 1
            return fallback(domain, tracker, omit_unset_slots=omit_unset_slots,
                            ignore_rule_only_turns=ignore_rule_only_turns,
                            rule_only_data=rule_only_data)
        key = (tracker.sender_id, tracker.is_rule_tracker, omit_unset_slots,
               ignore_rule_only_turns, _rule_only_key(rule_only_data))
        flags = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        applied = tracker.applied_events()
        known = [h for h in self._histories.get(key, []) if h.domain is domain]
        best, matching = None, 0
        for candidate in known:
            found = self._matching_prefix(candidate.events, applied)
            if best is None or found > matching:
                best, matching = candidate, found
        if best is None or matching < len(best.events):
            history = self._replay(domain, tracker, applied, matching, best, flags)
            self.counts.replayed += 1
            # a replay sharing nothing with ``best`` is another start: keep both
            self._remember(key, [h for h in known if h is not best or matching == 0], history)
        else:
            history = best
            if matching < len(applied):
                self._extend(history, applied, flags)
                self.counts.extended += 1
            else:
                self.counts.reused += 1
            self._remember(key, [h for h in known if h is not best], history)
        final = history.fold.copy()
        _step(domain, final, history.tracker, False, *flags)
        return copy_states(final.states)

    @staticmethod
    def _matching_prefix(cached: list[Event], applied: list[Event]) -> int:
        """How many leading events of ``cached`` and ``applied`` are the same.

        An event equal but not identical (the tracker reloaded from the store) takes the place
        of the cached one, so the next call about the same tracker compares identities only.
        """
        if all(map(is_, cached, applied)):
            return min(len(cached), len(applied))
        for index, (old, new) in enumerate(zip(cached, applied, strict=False)):
            if old is not new:
                if not same_event(old, new):
                    return index
                cached[index] = new
        return min(len(cached), len(applied))

    def _replay(self, domain: Domain, tracker: DialogueStateTracker, applied: list[Event],
                matching: int, old: _History | None, flags: tuple[Any, ...]) -> _History:
        """A history replayed from the last checkpoint inside the first ``matching`` events."""
        checkpoints: list[_Checkpoint] = []
        fold = _Fold()
        start = 0
        if old is not None:
            checkpoints = [c for c in old.checkpoints if c.position < matching]
            if checkpoints:
                last = checkpoints[-1]
                fold = _Fold(old.fold.states[:last.states], last.last_ml_action_sub_state,
                             last.turn_was_hidden)
                start = last.position + 1
        replayed = tracker.init_copy()
        for event in applied[:start]:
            replayed.update(event)
        history = _History(domain, list(applied[:start]), replayed, fold, checkpoints)
        self._extend(history, applied, flags)
        return history

    @staticmethod
    def _extend(history: _History, applied: list[Event], flags: tuple[Any, ...]) -> None:
        """Rasa's loop over the applied events not yet in ``history`` (they all follow it)."""
        for position in range(len(history.events), len(applied)):
            event = applied[position]
            if isinstance(event, ActionExecuted):
                _step(history.domain, history.fold, history.tracker, event.hide_rule_turn,
                      *flags)
                history.checkpoints.append(_Checkpoint(
                    position, len(history.fold.states), history.fold.last_ml_action_sub_state,
                    history.fold.turn_was_hidden))
            history.tracker.update(event)
            history.events.append(event)

    def _remember(self, key: Hashable, others: list[_History], history: _History) -> None:
        """Keep ``history`` first for ``key``, and one other (a conversation's other start).

        Drops the least recently used conversations beyond :attr:`entries` and those idle for
        :attr:`idle_seconds` (the dict is in order of use, so those are at its front).
        """
        now = self._clock()
        self._histories[key] = [history, *others][:HISTORIES_PER_KEY]
        self._histories.move_to_end(key)
        self._used[key] = now
        while self._histories:
            oldest = next(iter(self._histories))
            if (len(self._histories) <= self.entries
                    and now - self._used[oldest] <= self.idle_seconds):
                break
            del self._histories[oldest], self._used[oldest]
