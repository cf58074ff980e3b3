"""A model's request rules, applied: the wanted settings -> the exact wire fields, or a refusal.

Pure (no I/O, no clock). ``plan_request(model, wanted)`` takes a catalog row (``None`` for a model
the catalog does not know) and what the user asked for, and returns either a ``Plan`` (the
Messages body fields to send: ``thinking``, ``output_config``, ``temperature``, ``top_p``) or a
``Refusal`` naming the model, the rule broken, the error-table row and the flag to use instead.

Decisions (issue 10):

- A thinking budget (``--thinking N``) on a model that does not accept ``thinking.type=enabled``
  is refused, never silently mapped: the refusal gives the exact alternative
  ``--thinking adaptive --effort X``, X the effort nearest the budget (< 4096 low, < 16384
  medium, else high), limited to the levels the model accepts.
- ``--thinking off``: on a model whose thinking is off unless asked for, nothing is sent; on a
  model whose thinking is always on, the field is omitted (``disabled`` is never sent there) and a
  note says so; on a model whose thinking is on by default, the model's off mode is sent
  (``disabled``, or ``between_tools`` on models that replaced ``disabled`` with it), refused when
  the effort is above the model's ``thinking_off_max_effort``.
- ``--show-thinking`` asks for ``display: "summarized"`` where the model's default display is
  ``omitted`` and thinking will run.
- Sampling parameters on a model that removed them: the default value (temperature 1, top_p
  ``top_p_fixed``) is dropped from the body (it changes nothing, and sending both defaults
  together is itself rejected); any other value is refused. On models that keep them, thinking
  allows only temperature 1 and top_p 0.95-1.
- An unknown model gets exactly what was asked (``off`` omits the field).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from foundry_cli.catalog.loader import EFFORT_LEVELS, ModelInfo

MIN_BUDGET = 1024
#: top_p range allowed while thinking is on (models that keep sampling parameters)
THINKING_TOP_P_MIN = 0.95

Thinking = str | int | None  # "adaptive" | "off" | a budget | None (the model's default)


@dataclass(frozen=True)
class Wanted:
    """What the user asked for (flags, environment, profile)."""

    thinking: Thinking = None
    effort: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int = 4096
    prefill: bool = False  # the conversation ends with an assistant turn
    show_thinking: bool = False


@dataclass(frozen=True)
class Plan:
    """The Messages body fields to send (merge into the request body) and what to tell the user."""

    fields: dict[str, object] = field(default_factory=dict)
    #: whether the answer will think: True / False, None when the model is unknown and nothing was asked
    thinking_on: bool | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refusal:
    """A combination the model rejects, caught before sending (a usage error, exit 2)."""

    model: str
    rule: str  # what was broken: thinking.enabled | thinking.adaptive | thinking.disabled | effort |
    #            temperature | top_p | prefill | budget | max_tokens
    row: str  # the error-table row: thinking-mode | sampling-unsupported | max-tokens-range
    message: str
    instead: str  # the flag (or action) to use instead

    def __str__(self) -> str:
        return f"{self.message}. Use {self.instead}."


def effort_for_budget(budget: int) -> str:
    """The effort level nearest a thinking budget (< 4096 low, < 16384 medium, else high)."""
    if budget < 4096:
        return "low"
    return "medium" if budget < 16384 else "high"


def nearest_effort(wanted: str, levels: tuple[str, ...]) -> str | None:
    """``wanted`` if accepted, else the highest accepted level below it, else the lowest accepted."""
    if not levels:
        return None
    if wanted in levels:
        return wanted
    rank = EFFORT_LEVELS.index(wanted) if wanted in EFFORT_LEVELS else len(EFFORT_LEVELS)
    below = [e for e in levels if EFFORT_LEVELS.index(e) < rank]
    return below[-1] if below else levels[0]


def _generic(wanted: Wanted, model_id: str) -> Refusal | None:
    """Checks that hold for every model, known or not."""
    if wanted.effort is not None and wanted.effort not in EFFORT_LEVELS:
        return Refusal(
            model_id,
            "effort",
            "thinking-mode",
            f"unknown effort {wanted.effort!r}",
            f"--effort {'|'.join(EFFORT_LEVELS)}",
        )
    if isinstance(wanted.thinking, int) and not MIN_BUDGET <= wanted.thinking < wanted.max_tokens:
        return Refusal(
            model_id,
            "budget",
            "max-tokens-range",
            f"a thinking budget must be >= {MIN_BUDGET} and below --max-tokens ({wanted.max_tokens}), "
            f"got {wanted.thinking}",
            f"--thinking N with {MIN_BUDGET} <= N < {wanted.max_tokens}, or a larger --max-tokens",
        )
    if isinstance(wanted.thinking, str) and wanted.thinking not in ("adaptive", "off"):
        return Refusal(
            model_id,
            "thinking",
            "thinking-mode",
            f"unknown thinking {wanted.thinking!r}",
            "--thinking adaptive|off|N",
        )
    if wanted.temperature is not None and not 0 <= wanted.temperature <= 1:
        return Refusal(
            model_id,
            "temperature",
            "sampling-unsupported",
            "temperature must be between 0 and 1",
            "--temperature 0..1",
        )
    if wanted.top_p is not None and not 0 < wanted.top_p <= 1:
        return Refusal(
            model_id, "top_p", "sampling-unsupported", "top_p must be above 0 and at most 1", "--top-p 0..1"
        )
    return None


def _as_asked(wanted: Wanted) -> Plan:
    """An unknown model: send exactly what was asked (``off`` omits the field)."""
    fields: dict[str, object] = {}
    thinking_on: bool | None = None
    if wanted.thinking == "adaptive":
        fields["thinking"] = {
            "type": "adaptive",
            **({"display": "summarized"} if wanted.show_thinking else {}),
        }
        thinking_on = True
    elif isinstance(wanted.thinking, int):
        fields["thinking"] = {"type": "enabled", "budget_tokens": wanted.thinking}
        thinking_on = True
    if wanted.effort is not None:
        fields["output_config"] = {"effort": wanted.effort}
    if wanted.temperature is not None:
        fields["temperature"] = wanted.temperature
    if wanted.top_p is not None:
        fields["top_p"] = wanted.top_p
    return Plan(fields, thinking_on)


def _effort(model: ModelInfo, wanted: Wanted) -> Refusal | None:
    if wanted.effort is None:
        return None
    if not model.efforts:
        instead = (
            "--thinking N (a token budget) without --effort" if "enabled" in model.thinking else "no --effort"
        )
        return Refusal(
            model.id, "effort", "thinking-mode", f"{model.id} does not accept an effort level", instead
        )
    if wanted.effort not in model.efforts:
        nearest = nearest_effort(wanted.effort, model.efforts)
        return Refusal(
            model.id,
            "effort",
            "thinking-mode",
            f"{model.id} does not accept effort {wanted.effort!r} (accepted: {', '.join(model.efforts)})",
            f"--effort {nearest}",
        )
    return None


def _rank(effort: str | None) -> int:
    return EFFORT_LEVELS.index(effort) if effort in EFFORT_LEVELS else -1


def _thinking(model: ModelInfo, wanted: Wanted) -> Refusal | tuple[dict[str, object] | None, bool, list[str]]:
    """The ``thinking`` field (None = omit), whether thinking runs, and notes; or a refusal."""
    asked = wanted.thinking
    if asked == "adaptive":
        if "adaptive" not in model.thinking:
            return Refusal(
                model.id,
                "thinking.adaptive",
                "thinking-mode",
                f"{model.id} does not accept adaptive thinking (thinking.type=adaptive)",
                f"--thinking N, a budget with {MIN_BUDGET} <= N < --max-tokens",
            )
        return {"type": "adaptive"}, True, []
    if isinstance(asked, int):
        if "enabled" not in model.thinking:
            effort = nearest_effort(effort_for_budget(asked), model.efforts)
            instead = "--thinking adaptive" + (f" --effort {effort}" if effort else "")
            return Refusal(
                model.id,
                "thinking.enabled",
                "thinking-mode",
                f"{model.id} does not accept a thinking budget (thinking.type=enabled): "
                "it only thinks adaptively",
                instead,
            )
        return {"type": "enabled", "budget_tokens": asked}, True, []
    if asked == "off":
        mode = model.thinking_off
        if mode == "omit":
            return None, False, []
        if mode == "none":
            note = (
                f"thinking is always on for {model.id}: --thinking off sends nothing (use a lower --effort)"
            )
            return None, True, [note]
        effort = wanted.effort or model.default_effort
        limit = model.thinking_off_max_effort
        if limit is not None and _rank(effort) > _rank(limit):
            return Refusal(
                model.id,
                "thinking.disabled",
                "thinking-mode",
                f"{model.id} turns thinking off only at effort {limit} or lower (effort is {effort})",
                f"--thinking off --effort {limit}, or drop --thinking off",
            )
        return {"type": mode}, False, []
    return None, model.thinking_default != "off", []


def _sampling(
    model: ModelInfo, wanted: Wanted, thinking_on: bool
) -> Refusal | tuple[dict[str, object], list[str]]:
    fields: dict[str, object] = {}
    notes: list[str] = []
    temperature, top_p = wanted.temperature, wanted.top_p
    if temperature is not None:
        if not model.sampling:
            if temperature != 1:
                return Refusal(
                    model.id,
                    "temperature",
                    "sampling-unsupported",
                    f"{model.id} does not accept temperature (sampling parameters were removed on it)",
                    "no --temperature",
                )
            notes.append(f"temperature 1 is {model.id}'s default: not sent")
        elif thinking_on and temperature != 1:
            return Refusal(
                model.id,
                "temperature",
                "sampling-unsupported",
                f"temperature cannot be changed while thinking is on ({model.id})",
                "--thinking off, or no --temperature",
            )
        else:
            fields["temperature"] = temperature
    if top_p is not None:
        if not model.sampling:
            fixed = model.top_p_fixed
            if fixed is None or top_p != fixed:
                instead = "no --top-p" + (
                    f" (or --top-p {fixed:g}, its default)" if fixed is not None else ""
                )
                return Refusal(
                    model.id,
                    "top_p",
                    "sampling-unsupported",
                    f"{model.id} does not accept top_p {top_p:g} (sampling parameters were removed on it)",
                    instead,
                )
            notes.append(f"top_p {fixed:g} is {model.id}'s default: not sent")
        elif thinking_on and not THINKING_TOP_P_MIN <= top_p <= 1:
            return Refusal(
                model.id,
                "top_p",
                "sampling-unsupported",
                f"top_p must be between {THINKING_TOP_P_MIN} and 1 while thinking is on ({model.id})",
                f"--top-p {THINKING_TOP_P_MIN}..1, or --thinking off",
            )
        else:
            fields["top_p"] = top_p
    return fields, notes


def _limits(model: ModelInfo, wanted: Wanted) -> Refusal | None:
    """max_tokens above the model's output limit, or an assistant prefill it does not accept."""
    if wanted.max_tokens > model.max_output_tokens:
        return Refusal(
            model.id,
            "max_tokens",
            "max-tokens-range",
            f"max_tokens {wanted.max_tokens} is above {model.id}'s output limit of {model.max_output_tokens}",
            f"--max-tokens {model.max_output_tokens} (or lower)",
        )
    if wanted.prefill and not model.prefill:
        return Refusal(
            model.id,
            "prefill",
            "sampling-unsupported",
            f"{model.id} does not accept assistant prefill (the conversation must end with a user turn)",
            "a user turn last (put the answer's start into the prompt)",
        )
    return None


def plan_request(model: ModelInfo | None, wanted: Wanted) -> Plan | Refusal:
    """The wire fields for ``wanted`` on ``model`` (None = unknown: sent as asked), or a refusal."""
    refused = _generic(wanted, model.id if model is not None else "?")
    if refused is not None:
        return refused
    if model is None:
        return _as_asked(wanted)
    refused = _limits(model, wanted) or _effort(model, wanted)
    if refused is not None:
        return refused
    thinking = _thinking(model, wanted)
    if isinstance(thinking, Refusal):
        return thinking
    config, thinking_on, notes = thinking
    sampling = _sampling(model, wanted, thinking_on)
    if isinstance(sampling, Refusal):
        return sampling
    fields, more = sampling
    summarize = wanted.show_thinking and thinking_on and model.thinking_display == "omitted"
    if summarize and (config is None or config.get("type") == "adaptive"):
        config = {"type": "adaptive", "display": "summarized"}
    if config is not None:
        fields = {"thinking": config, **fields}
    if wanted.effort is not None:
        fields["output_config"] = {"effort": wanted.effort}
    return Plan(fields, thinking_on, tuple(notes + more))
