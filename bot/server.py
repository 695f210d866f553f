"""Aisle's Rasa entry point: Rasa 3.6's own command line, after the fixes below.

    AISLE_RASA_TOKEN=... .venv-rasa/bin/python -m bot.server run --enable-api --model ...

Takes every argument ``rasa`` takes (``scripts/run.sh``, the test and cluster servers in
``ops/servers.py`` start Rasa this way) except the API token. Rasa offers no hook for these,
so they are applied here, once, before its CLI runs, and each says why.

* **The HTTP API's token comes from the environment and travels in a header.** Rasa 3.6
  reads the token from ``--auth-token`` (a command line every local user can read in ``ps``)
  and accepts it only as ``?token=`` in the URL (which ends up in access logs and proxies);
  its ``Authorization: Bearer`` support is for JWTs alone. Here the token is read from
  ``AISLE_RASA_TOKEN`` (``/proc/<pid>/environ`` is readable by the same user only),
  ``--auth-token`` on the command line is refused, and the API accepts the token only as
  ``Authorization: Bearer <token>``, compared in constant time; a ``?token=`` is ignored
  (401). Rasa's JWT authentication, when configured, works as before. In the production
  profile (``AISLE_PROFILE=production``) ``run`` refuses to start without a token of at
  least :data:`MIN_TOKEN_CHARS` characters.

* **The action server's reply is checked with one schema validator built once.** Rasa 3.6
  checks every reply with ``jsonschema.validate(reply, schema)``, which first validates the
  (large) event schema itself against its meta-schema and builds a new validator each call:
  a quarter of the Rasa server's CPU per turn with a custom action, measured with
  ``scripts/profile_turns.py``. The check and the error raised for a bad reply are the same
  (``jsonschema.exceptions.best_match`` over the reply's errors, with Rasa's hint appended).
* **An event's class is looked up once per type name.** Rasa 3.6 finds the class of every
  stored or received event (``Event.resolve_by_type``) by walking the whole ``Event``
  subclass tree, with an ``inspect.isabstract`` check per class, each time: loading a
  tracker of 333 events took 12 ms, nearly all of it in that walk, and the tracker is loaded
  every turn, so a turn cost more the longer the conversation (``scripts/long_conversation.py``).
  The class found for a name is remembered; unknown names fail as before.
* **The states of a conversation's history are replayed once per event.** Rasa 3.6's
  policies (memoization, rules, agent hold) get the state before every action of the
  conversation from ``Domain.states_for_tracker_history``, which replays every applied event
  into a fresh tracker, several times per prediction and several predictions per message: a
  turn late in a long conversation cost 1.6-1.75x the CPU of an early one. The replay is kept
  per conversation (:mod:`bot.prior_states`) and extended by the events appended since; from
  the first event that differs (reverted, restarted, a new session) it replays again. The
  states are the same as Rasa's. Likewise a tracker's applied events (reverted and restarted
  ones dropped), asked for several times per prediction, are walked once per tracker and
  extended by its new events (:mod:`bot.applied_events`). ``AISLE_RASA_STATE_CACHE_ENTRIES``
  (default 1000, one per conversation and policy flags) bounds the memory, and 0 leaves both
  of Rasa's methods alone. A conversation idle for 15 minutes is dropped from the cache (it
  holds its latest turn's events as Rasa had them, before the tracker store redacted them).
* **A conversation's tracker is kept between its messages.** Rasa 3.6 loads the tracker from
  the store on every message, replaying every stored event of the session. The redacting
  store keeps, for as many conversations as ``AISLE_RASA_STATE_CACHE_ENTRIES`` (0: none), the
  tracker a load would build, and hands out a copy of it while the database holds exactly the
  events it was built from (:mod:`bot.tracker_store`). Likewise Rasa's ``tracker.copy()``,
  made before every action, copies the state instead of replaying every event
  (:mod:`bot.tracker_clone`), and the rule policy formats every state of the conversation for
  its debug log only when that log is on.
* **An action request carries what the actions read of the conversation.** Rasa 3.6 sends
  every event of the session with every action call; the events before the shopper's previous
  message are cut to the shopper's messages (text and intent), which is all the actions read
  of them (:mod:`bot.action_request`). ``AISLE_RASA_STATE_CACHE_ENTRIES=0`` leaves this and
  the three above as Rasa has them (the benchmark's baseline).
* **A request body is at most ``AISLE_RASA_MAX_REQUEST_BYTES`` (8 MiB by default).** Sanic
  reads bodies of up to 100 MB before any handler runs; ``SANIC_REQUEST_MAX_SIZE`` (set here
  unless given) makes it answer 413 from the ``Content-Length`` alone. The shopper channels
  take far less (``AISLE_CHANNEL_MAX_BODY_BYTES``, :mod:`bot.channel_limits`); this bounds
  the HTTP API's bodies (training data, events), which are larger.
* **TensorFlow runs on one thread** (``TF_INTRA_OP_PARALLELISM_THREADS`` and
  ``TF_INTER_OP_PARALLELISM_THREADS`` default to 1; set them to override). No TensorFlow
  policy is configured now (TED was dropped); a config that adds one gets small matrix
  products per turn, for which a thread pool costs more CPU in waking and waiting threads
  than it saves, and the server's other requests are what should use the second core.
"""

from __future__ import annotations

import hmac
import os
import sys
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from functools import wraps
from inspect import isawaitable
from typing import Any, NoReturn

#: Read by Rasa when it sets up TensorFlow (``rasa.utils.tensorflow.environment``).
TF_THREAD_VARIABLES = ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS")
#: The environment variable holding the HTTP API's token.
TOKEN_VARIABLE = "AISLE_RASA_TOKEN"
#: The shortest API token the production profile accepts.
MIN_TOKEN_CHARS = 16
#: Largest request body the server reads (``AISLE_RASA_MAX_REQUEST_BYTES``; Settings' default).
MAX_REQUEST_BYTES = 8 * 1024 * 1024


class StartRefused(SystemExit):
    """The server must not start as asked; the message says why (exit status 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def api_token(argv: Sequence[str], environ: Mapping[str, str]) -> str | None:
    """The HTTP API token for a ``rasa`` command line, from ``AISLE_RASA_TOKEN``.

    Raises :class:`StartRefused` when the token is on the command line, or when the
    production profile would run the server without a token of :data:`MIN_TOKEN_CHARS`.
    """
    if list(argv[:1]) != ["run"]:
        return environ.get(TOKEN_VARIABLE) or None
    for arg in argv[1:]:
        if arg in ("-t", "--auth-token") or arg.startswith(("--auth-token=", "-t")):
            raise StartRefused(f"do not pass the API token on the command line (any local user "
                               f"can read it there): set {TOKEN_VARIABLE} instead")
    token = environ.get(TOKEN_VARIABLE) or None
    if environ.get("AISLE_PROFILE") == "production" and (token is None
                                                         or len(token) < MIN_TOKEN_CHARS):
        raise StartRefused(f"the production profile needs {TOKEN_VARIABLE} (at least "
                           f"{MIN_TOKEN_CHARS} characters, e.g. `python -c 'import secrets; "
                           f"print(secrets.token_urlsafe(32))'`): Rasa's HTTP API reads and "
                           f"changes every conversation")
    return token


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else ``None``."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    return (value.strip() or None) if scheme.lower() == "bearer" else None


def require_bearer_token(token: str | None) -> None:
    """Make Rasa's HTTP API accept ``token`` only as ``Authorization: Bearer <token>``.

    Replaces ``rasa.server.requires_auth``, which ``rasa.server.create_app`` applies to every
    API route when it builds the app (after this runs), so the token Rasa was given (none:
    ``--auth-token`` is refused) is ignored for ``token``. Without a token, or when the header
    does not match, Rasa's own check runs with no plain token: its JWT check when configured,
    else an open API (development without ``AISLE_RASA_TOKEN``) or its 401.
    """
    import rasa.server

    rasa_requires_auth = rasa.server.requires_auth
    expected = token.encode() if token else None

    def requires_auth(app: Any, _ignored: str | None = None) -> Callable[[Any], Any]:
        rasa_check = rasa_requires_auth(app, None)

        def decorator(handler: Callable[..., Any]) -> Callable[..., Any]:
            checked_by_rasa = rasa_check(handler)
            if expected is None:
                return checked_by_rasa

            @wraps(handler)
            async def decorated(request: Any, *args: Any, **kwargs: Any) -> Any:
                given = bearer_token(request.headers.get("authorization"))
                if given is not None and hmac.compare_digest(given.encode(), expected):
                    result = handler(request, *args, **kwargs)
                    return await result if isawaitable(result) else result
                if app.config.get("USE_JWT"):
                    return await checked_by_rasa(request, *args, **kwargs)
                unauthenticated()

            return decorated

        return decorator

    rasa.server.requires_auth = requires_auth


def unauthenticated() -> NoReturn:
    """Rasa's own 401 answer, naming the header the token goes in."""
    from http import HTTPStatus

    from rasa.server import ErrorResponse

    raise ErrorResponse(HTTPStatus.UNAUTHORIZED, "NotAuthenticated",
                        "User is not authenticated: send the API token as "
                        "'Authorization: Bearer <token>'.")


def validate_action_results_with_one_validator() -> None:
    """Make Rasa's ``RemoteAction`` check action-server replies with a prebuilt validator."""
    from jsonschema.exceptions import best_match
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, not on every reply
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is None:
            return True
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            "from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error

    RemoteAction._validate_action_result = _validate_action_result


def resolve_event_types_once() -> None:
    """Make Rasa's ``Event.resolve_by_type`` remember the class it found for each type name."""
    from rasa.shared.core.events import Event

    walk_subclasses = Event.resolve_by_type
    found: dict[str, type[Event]] = {}

    def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
        known = found.get(type_name)
        if known is not None:
            return known
        resolved = walk_subclasses(type_name, default)
        if resolved is not None and resolved is not default:
            found[type_name] = resolved
        return resolved

    Event.resolve_by_type = staticmethod(resolve_by_type)


def cache_prior_states(environ: Mapping[str, str] | None = None) -> Any | None:
    """Make Rasa's ``Domain.states_for_tracker_history`` extend a per-conversation replay.

    Also installs :func:`remember_applied_events`. Returns the
    :class:`bot.prior_states.PriorStatesCache` installed, or ``None`` when
    ``AISLE_RASA_STATE_CACHE_ENTRIES`` is 0 (Rasa's own methods stay: the benchmark's baseline).
    """
    from rasa.shared.core.domain import Domain

    from bot.prior_states import PriorStatesCache

    entries = state_cache_entries(environ)
    if entries == 0:
        return None
    cache = PriorStatesCache(entries)
    rasa_states = Domain.states_for_tracker_history

    @wraps(rasa_states)
    def states_for_tracker_history(self: Domain, tracker: Any, omit_unset_slots: bool = False,
                                   ignore_rule_only_turns: bool = False,
                                   rule_only_data: dict[str, Any] | None = None) -> Any:
        return cache.states(self, tracker, omit_unset_slots=omit_unset_slots,
                            ignore_rule_only_turns=ignore_rule_only_turns,
                            rule_only_data=rule_only_data, fallback=rasa_states)

    Domain.states_for_tracker_history = states_for_tracker_history
    remember_applied_events()
    return cache


def state_cache_entries(environ: Mapping[str, str] | None) -> int:
    """``AISLE_RASA_STATE_CACHE_ENTRIES``: conversations whose history the caches keep."""
    from bot.prior_states import DEFAULT_ENTRIES

    text = (environ or {}).get("AISLE_RASA_STATE_CACHE_ENTRIES", "").strip()
    if text and not text.isdigit():
        raise StartRefused(f"AISLE_RASA_STATE_CACHE_ENTRIES must be a whole number (0: Rasa's "
                           f"own replay, no cache), not {text!r}")
    return int(text) if text else DEFAULT_ENTRIES


def keep_trackers(environ: Mapping[str, str] | None) -> int:
    """Make the redacting tracker store keep ``AISLE_RASA_STATE_CACHE_ENTRIES`` conversations'
    trackers between messages (:mod:`bot.tracker_store`; 0: load every message, as Rasa)."""
    from bot.tracker_store import RedactingSQLTrackerStore

    RedactingSQLTrackerStore.cached_conversations = state_cache_entries(environ)
    return RedactingSQLTrackerStore.cached_conversations


def remember_applied_events() -> None:
    """Make Rasa's ``DialogueStateTracker.applied_events`` walk only a tracker's new events."""
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.applied_events import applied_events

    @wraps(DialogueStateTracker.applied_events)
    def walked_once(self: DialogueStateTracker) -> list[Any]:
        return applied_events(self)

    DialogueStateTracker.applied_events = walked_once


def copy_trackers_without_replay() -> None:
    """Make Rasa's ``DialogueStateTracker.copy`` copy the tracker's state instead of replaying
    every event into a new tracker (:func:`bot.tracker_clone.copy_tracker`)."""
    from rasa.shared.constants import DEFAULT_SENDER_ID
    from rasa.shared.core.trackers import DialogueStateTracker

    from bot.tracker_clone import copy_tracker

    rasa_copy = DialogueStateTracker.copy

    @wraps(rasa_copy)
    def copy(self: DialogueStateTracker) -> DialogueStateTracker:
        if type(self) is not DialogueStateTracker:  # a subclass's own attributes: Rasa's copy
            return rasa_copy(self)
        twin = copy_tracker(self)
        twin.sender_id = self.sender_id or DEFAULT_SENDER_ID  # as init_copy sets them
        twin.sender_source = None
        return twin

    DialogueStateTracker.copy = copy


def send_actions_what_they_read() -> None:
    """Make Rasa's ``RemoteAction`` send the conversation's events as
    :func:`bot.action_request.request_tracker_state` cuts them, instead of every event."""
    import rasa
    from rasa.core.actions.action import RemoteAction

    from bot.action_request import request_tracker_state

    def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> dict[str, Any]:
        # Rasa 3.6's method, but for the tracker's events
        result = {"next_action": self._name, "sender_id": tracker.sender_id,
                  "tracker": request_tracker_state(tracker), "version": rasa.__version__}
        if (not self._is_selective_domain_enabled()
                or domain.does_custom_action_explicitly_need_domain(self.name())):
            result["domain"] = domain.as_dict()
        return result

    RemoteAction._action_call_format = _action_call_format


def format_rule_states_for_debug_only() -> None:
    """Make Rasa's rule policy format the conversation's states for its debug log only when
    that log is written (Rasa formats every state on every prediction, whatever the level)."""
    import logging

    from rasa.core.policies.rule_policy import RulePolicy
    from rasa.core.policies.rule_policy import logger as rule_logger

    rasa_format = RulePolicy.format_tracker_states

    def format_tracker_states(states: list[dict[str, Any]]) -> str:
        if rule_logger.isEnabledFor(logging.DEBUG):
            return rasa_format(states)
        return "(not formatted: debug logging is off)"

    RulePolicy.format_tracker_states = staticmethod(format_tracker_states)


def cap_request_size(environ: MutableMapping[str, str]) -> int:
    """Set Sanic's ``REQUEST_MAX_SIZE`` (read from ``SANIC_*`` when Rasa creates its app)."""
    text = environ.get("AISLE_RASA_MAX_REQUEST_BYTES", "").strip() or str(MAX_REQUEST_BYTES)
    if not text.isdigit() or int(text) < 1:
        raise StartRefused(f"AISLE_RASA_MAX_REQUEST_BYTES must be a whole number of bytes, "
                           f"not {text!r}")
    environ.setdefault("SANIC_REQUEST_MAX_SIZE", text)
    return int(environ["SANIC_REQUEST_MAX_SIZE"])


def main() -> None:
    try:
        token = api_token(sys.argv[1:], os.environ)
    except StartRefused as refused:
        print(f"bot.server: {refused.message}", file=sys.stderr)
        raise
    for name in TF_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        cap_request_size(os.environ)
    except StartRefused as refused:
        print(f"bot.server: {refused.message}", file=sys.stderr)
        raise
    require_bearer_token(token)
    validate_action_results_with_one_validator()
    resolve_event_types_once()
    try:
        cache_prior_states(os.environ)
        if keep_trackers(os.environ):
            copy_trackers_without_replay()
            format_rule_states_for_debug_only()
            send_actions_what_they_read()
    except StartRefused as refused:
        print(f"bot.server: {refused.message}", file=sys.stderr)
        raise
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
