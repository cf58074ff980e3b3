"""What ``ask`` and ``chat`` say about an answer that ended for another reason than its end.

An answer can arrive whole (HTTP 200, a terminal event) and still not be an answer: the model
declined (``stop_reason: refusal``; the Responses API's ``content_filter`` maps to it), or the
conversation filled the model's context window while it wrote (``model_context_window_exceeded``).
Both are said plainly on stderr (chat: in its transcript), never shown as an empty answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from foundry_cli.api.types import Result

#: the stop reasons that mean "no (whole) answer", though the response completed
REFUSAL = "refusal"
CONTEXT_FULL = "model_context_window_exceeded"


def ending_note(result: Result) -> str | None:
    """The note for ``result``'s stop reason, or None when it needs none (``end_turn``, ...).

    ``max_tokens`` is not here: ask and chat each say how to raise their own limit."""
    reason = result.stop_reason
    if reason == REFUSAL:
        partial = " (the text before it is not an answer)" if result.text.strip() else ""
        return f"the model declined to answer (stop_reason refusal){partial}"
    if reason == CONTEXT_FULL:
        return (
            "the answer stopped because the conversation filled the model's context window "
            "(stop_reason model_context_window_exceeded; row prompt-too-long: shorten the prompt or "
            "the attachments, or start afresh; `fclaude count` measures a prompt)"
        )
    return None
