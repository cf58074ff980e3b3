"""The ``fclaude chat`` REPL: conversation state, slash commands, and the prompt_toolkit front end.

Imported only by the ``chat`` command (and the chat benchmark); prompt_toolkit is imported only when
the interactive prompt is built, so :meth:`Repl.send` can be driven without a terminal.

Each answer goes through the turn runner :func:`foundry_cli.cli.turn.run_turn` (shared with
``ask``) with a fresh renderer, so the cost of showing an answer never depends on earlier turns, and
every turn is stored in history as soon as it ends (complete, interrupted, incomplete or error), so a
killed terminal loses nothing that had completed. This module maps the turn's outcome to the prompt.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from foundry_cli.cli._client import make_client
from foundry_cli.cli._history import forget
from foundry_cli.cli.turn import Outcome, build_request, run_turn
from foundry_cli.errors import FclaudeError, UsageError
from foundry_cli.history.store import Turn

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completion
    from prompt_toolkit.document import Document

    from foundry_cli.api.client import FoundryClient
    from foundry_cli.api.types import Attachment, Message, Request, Result, Usage
    from foundry_cli.catalog import ModelInfo
    from foundry_cli.config.settings import Settings

PROMPT = "› "
CONTINUATION = "· "
FENCE = '"""'

#: slash command -> (its usage, what it does); /help prints both columns, Tab shows the second
COMMANDS: dict[str, tuple[str, str]] = {
    "/help": ("/help", "show this help"),
    "/model": ("/model NAME", "switch the deployment for the next turns"),
    "/system": ("/system TEXT|off", "set the system prompt (off removes it; alone, shows it)"),
    "/thinking": ("/thinking adaptive|off|N", "thinking for the next turns (checked against the model)"),
    "/effort": ("/effort LEVEL", "effort for the next turns: low, medium, high, xhigh or max"),
    "/attach": ("/attach FILE", "attach a file to the next message"),
    "/clear": ("/clear", "start a new conversation (the old one stays in history)"),
    "/retry": ("/retry", "resend the last message (after a failure, or to get another answer)"),
    "/undo": ("/undo", "remove the last exchange from the conversation"),
    "/edit": ("/edit", "edit the last message in $EDITOR and resend it"),
    "/copy": ("/copy", "copy the last answer to the clipboard (OSC 52 over SSH/tmux, else printed)"),
    "/usage": ("/usage", "tokens (cache writes and reads too) per turn and in total, the cost estimate"),
    "/save": ("/save FILE", "write the conversation as markdown"),
    "/exit": ("/exit", "leave (Ctrl-D does the same)"),
}

HELP_KEYS = (
    "Enter sends; Alt-Enter or Esc then Enter adds a newline; a pasted block is one message; "
    'a """ line starts a block ended by another """; a line ending in \\ continues. '
    "Ctrl-R searches input history; Tab completes slash commands; Ctrl-C stops an answer or clears "
    "the line (twice on an empty line leaves); Ctrl-D leaves."
)

CLIPBOARD_COMMANDS = (
    ("pbcopy",),
    ("wl-copy",),
    ("xclip", "-selection", "clipboard"),
    ("xsel", "--clipboard", "--input"),
    ("clip.exe",),
)


def _count(n: int, noun: str) -> str:
    """``1 turn``, ``2 turns``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _one_line(text: str, limit: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


#: the share of the context window at which chat warns (once per conversation)
CONTEXT_WARNING = 0.8


@dataclasses.dataclass(frozen=True)
class TurnUsage:
    """What one answered turn used: its tokens, the list-price estimate (None: no price known) and
    the context window of the model that answered (None: the model is not in the catalog)."""

    usage: Usage
    cost: float | None
    context_window: int | None


def usage_line(u: Usage) -> str:
    """``120 in, 45 out, cache write 7,500 (5m 7,500), cache read 0``."""
    parts = [f"{u.input_tokens:,} in", f"{u.output_tokens:,} out"]
    write = f"cache write {u.cache_creation_input_tokens:,}"
    if u.cache_creation_5m and u.cache_creation_1h:
        write += f" (5m {u.cache_creation_5m:,}, 1h {u.cache_creation_1h:,})"
    elif u.cache_creation_1h:
        write += " (1h)"
    return ", ".join([*parts, write, f"cache read {u.cache_read_input_tokens:,}"])


def dollars(cost: float) -> str:
    """A cost estimate with the precision that matters for it (a chat turn costs fractions of a cent)."""
    return f"${cost:,.2f}" if cost >= 1 else f"${cost:.4f}"


def cost_label(costs: list[float | None]) -> str:
    """``≈ $0.0123 (list-price estimate)``, or ``cost unknown`` when any turn's price is (never $0)."""
    if not costs or any(c is None for c in costs):
        return "cost unknown"
    return f"≈ {dollars(sum(c for c in costs if c is not None))} (list-price estimate)"


def _attachments_supported() -> bool:
    from foundry_cli.api.types import Message

    return any(f.name == "attachments" for f in dataclasses.fields(Message))


class Repl:
    """One chat session: the conversation in context, settings that slash commands change, the client."""

    def __init__(
        self,
        resolved: Settings,
        *,
        system: str | None,
        debug: bool = False,
        show_thinking: bool = False,
        keep_history: bool = True,
        client_factory: Callable[[], FoundryClient] | None = None,
        out: Any = None,
        err: Any = None,
    ) -> None:
        self.resolved = resolved
        self.system = system
        self.deployment: str = resolved.deployment or ""
        self.thinking: str | int | None = resolved.thinking
        self.effort: str | None = resolved.effort
        self._notes: set[str] = set()  # what the model's rules changed, said once per session
        self.max_tokens: int = resolved.max_tokens
        self.api: str = resolved.api
        self.debug = debug
        self.show_thinking = show_thinking
        self.keep_history = keep_history
        self.context: list[Turn] = []  # the conversation as it is sent, oldest first
        self.usage: list[TurnUsage] = []  # per answered turn of this conversation
        self._warned_context = False  # the 80 % context-window warning is said once per conversation
        self.conversation_id: int | None = None
        self._last_turn_id: int | None = None
        self.failed_prompt: str | None = None  # a message whose answer failed: /retry resends it
        self.failed_files: tuple[Attachment, ...] = ()
        self.pending_files: tuple[Attachment, ...] = ()  # /attach: sent with the next message
        self._files: dict[int, tuple[Attachment, ...]] = {}  # id(turn in context) -> its attachments
        self.started = time.time()
        self._client_factory = client_factory or (lambda: make_client(resolved, debug))
        self._client: FoundryClient | None = None
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    # -- setup ---------------------------------------------------------------------------------

    def check(self) -> None:
        """Fail early (before the prompt shows) on a missing endpoint/deployment or a bad budget."""
        self.request("check")

    def resume(self, conversation_id: int | None) -> None:
        """Load an earlier conversation (the last one when ``conversation_id`` is None) into context."""
        from foundry_cli.config.paths import get_paths
        from foundry_cli.history.store import HistoryStore

        with HistoryStore(get_paths().history_db) as store:
            cid = conversation_id
            if cid is None:
                cid = store.last_conversation_id(self.resolved.profile)  # None: any profile
                if cid is None:
                    where = f" for profile {self.resolved.profile}" if self.resolved.profile else ""
                    raise UsageError(f"--continue: there is no earlier conversation in history{where}.")
            elif not store.conversations(conversation_id=cid, limit=1):
                raise UsageError(f"--resume {cid}: no such conversation (see `fclaude history list`).")
            turns = store.turns(cid)
        self.conversation_id = cid
        # failed turns (no answer) are not part of what the model saw; interrupted ones keep their text
        self.context = [
            t
            for t in turns
            if t.answer and t.status in ("complete", "interrupted") and t.stop_reason != "refusal"
        ]
        if self.system is None:
            self.system = next((t.system for t in reversed(turns) if t.system), None)
        self._say(f"Resumed conversation {cid} ({_count(len(self.context), 'turn')}):")
        for t in self.context:
            self._say(f"  you: {_one_line(t.prompt)}")
            mark = "" if t.status == "complete" else f" [{t.status}]"
            self._say(f"  {t.deployment or 'claude'}: {_one_line(t.answer)}{mark}")

    # -- conversation --------------------------------------------------------------------------

    def messages(self, prompt: str, files: tuple[Attachment, ...] = ()) -> tuple[Message, ...]:
        """The full conversation plus ``prompt``: alternating roles, signed thinking blocks verbatim."""
        from foundry_cli.api.types import Message, ThinkingBlock

        out: list[Message] = []
        for t in self.context:
            blocks = tuple(
                ThinkingBlock(b.get("text", ""), b.get("signature", ""))
                for b in t.thinking
                if b.get("signature")  # an unsigned (cut) block cannot be sent back
            )
            out += [
                Message("user", t.prompt, attachments=self._files.get(id(t), ())),
                Message("assistant", t.answer, thinking=blocks),
            ]
        out.append(Message("user", prompt, attachments=files))
        return tuple(out)

    def request(
        self,
        prompt: str,
        files: tuple[Attachment, ...] = (),
        *,
        thinking: object = None,
        effort: object = None,
    ) -> Request:
        """The next request (``thinking``/``effort`` try other values than the session's)."""
        return build_request(
            self.resolved,
            self.messages(prompt, files),
            system=self.system,
            deployment=self.deployment,
            thinking=self.thinking if thinking is None else thinking,
            effort=self.effort if effort is None else effort,
            show_thinking=self.show_thinking,
            note=self._note_once,
        )

    def _note_once(self, text: str) -> None:
        if text not in self._notes:
            self._notes.add(text)
            self._say(f"[note: {text}]")

    @property
    def client(self) -> FoundryClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
            self._client = None

    def _keep(self, outcome: Outcome) -> None:
        if outcome.result is None:
            return
        turn = self._turn(outcome, outcome.result)
        turn.id = outcome.ids[1] if outcome.ids else None  # so /undo and /retry can take it back
        self.context.append(turn)
        if outcome.request.messages[-1].attachments:
            self._files[id(turn)] = outcome.request.messages[-1].attachments
        self.usage.append(self._turn_usage(outcome.result))

    def _turn_usage(self, result: Result) -> TurnUsage:
        from foundry_cli.cli.turn import cost_usd

        info = self._model_info(result)
        return TurnUsage(
            dataclasses.replace(result.usage),
            cost_usd(self.resolved, result),
            info.context_window if info is not None else None,
        )

    def _model_info(self, result: Result) -> ModelInfo | None:
        """The catalog row of the model that answered (else the one the deployment is known to run)."""
        from foundry_cli.catalog import find_model
        from foundry_cli.config.paths import get_paths
        from foundry_cli.learned import model_for

        found = find_model(result.model) if result.model else None
        return found or model_for(get_paths(), self.resolved.profile, result.deployment or self.deployment)

    def context_share(self) -> float | None:
        """The share of the context window the conversation uses: the last answered turn's prompt
        (input + cache writes + cache reads) over its model's window; None when either is unknown."""
        if not self.usage:
            return None
        last = self.usage[-1]
        if not last.context_window or not last.usage.prompt_tokens:
            return None
        return last.usage.prompt_tokens / last.context_window

    def _warn_context(self) -> None:
        share = self.context_share()
        if share is None or share < CONTEXT_WARNING or self._warned_context:
            return
        self._warned_context = True
        window = self.usage[-1].context_window or 0
        self._say(
            f"[the conversation uses {share:.0%} of the model's {window:,}-token context window; "
            "/clear starts a new one (this one stays in history), /undo drops the last exchange]"
        )

    def _pop(self) -> tuple[Turn, tuple[Attachment, ...]]:
        """Take the last exchange back, from the conversation and from history."""
        turn = self.context.pop()
        forget(turn.id)
        return turn, self._files.pop(id(turn), ())

    def _turn(self, outcome: Outcome, result: Result) -> Turn:
        req = outcome.request
        return Turn(
            prompt=req.messages[-1].text,
            answer=result.text,
            status=outcome.status,
            system=req.system,
            thinking=[{"text": t.text, "signature": t.signature} for t in result.thinking],
            model=result.model,
            deployment=req.deployment,
            api=self.api,
            profile=self.resolved.profile,
            input_tokens=result.usage.input_tokens or None,
            output_tokens=result.usage.output_tokens or None,
            stop_reason=result.stop_reason,
        )

    def send(self, prompt: str, files: tuple[Attachment, ...] | None = None) -> bool:
        """Send ``prompt`` with the conversation, stream the answer; True when it completed.

        ``files`` default to what /attach queued."""
        if files is None:
            files, self.pending_files = self.pending_files, ()
        req = self.request(prompt, files)
        self.failed_prompt, self.failed_files = None, ()
        outcome = run_turn(
            self.client,
            req,
            self.resolved,
            show_thinking=self.show_thinking,
            keep_history=self.keep_history,
            conversation_id=self.conversation_id,
            out=self.out,
            err=self.err,
        )
        if outcome.ids is not None:
            self.conversation_id = outcome.ids[0]
        if outcome.status == "complete":
            return self._completed(outcome, prompt, files)
        return self._not_completed(outcome, prompt, files)

    def _completed(self, outcome: Outcome, prompt: str, files: tuple[Attachment, ...]) -> bool:
        """A complete answer joins the conversation (a refusal stays out); one that stopped short
        says why. False only for a refusal."""
        result = outcome.result
        stop = result.stop_reason if result is not None else None
        if stop == "refusal" and result is not None:
            return self._refused(result, prompt, files)
        self._keep(outcome)
        if stop == "max_tokens":
            self._say(
                f"[the answer stopped at the max-tokens limit ({outcome.request.max_tokens}); "
                "restart chat with --max-tokens N (or FCLAUDE_MAX_TOKENS) for longer answers]"
            )
        elif stop == "model_context_window_exceeded" and result is not None:
            from foundry_cli.cli._endings import ending_note

            self._say(f"[{ending_note(result)}]")
        self._warn_context()
        return True

    def _not_completed(self, outcome: Outcome, prompt: str, files: tuple[Attachment, ...]) -> bool:
        """An interrupted, cut or failed turn: a partial answer is kept, anything else leaves the
        conversation unchanged and the message ready for /retry."""
        if outcome.status != "error":
            self.close()  # an interrupted or cut response may hold a half-read connection
        if outcome.status == "interrupted" and outcome.result is not None and outcome.result.text:
            self._keep(outcome)
            self._say("[interrupted: the partial answer is kept; /retry asks again, /undo drops it]")
            return False
        self.failed_prompt, self.failed_files = prompt, files
        if outcome.status == "interrupted":
            self._say("[interrupted before any answer; /retry resends the message]")
            return False
        if outcome.error is not None:
            from foundry_cli.cli._errors import report

            what = "The request failed"
            if outcome.status == "incomplete":
                what = "The answer is incomplete" if outcome.shown else "No answer arrived"
            report(outcome.error, self.err, what=what, shown=outcome.shown, chat=True)
        self._say("[the conversation is unchanged; /retry resends the message]")
        return False

    def _refused(self, result: Result, prompt: str, files: tuple[Attachment, ...]) -> bool:
        """``stop_reason: refusal``: said plainly, never an empty answer; the exchange stays out of the
        conversation (a refused turn must not be sent back), so the next message works as before."""
        from foundry_cli.cli._endings import ending_note

        self.usage.append(self._turn_usage(result))  # a refused turn is billed all the same
        self.failed_prompt, self.failed_files = prompt, files
        self._say(
            f"[{ending_note(result)}; the conversation is unchanged: "
            "/edit rephrases the message, /retry asks again, /undo drops it]"
        )
        return False

    # -- slash commands ------------------------------------------------------------------------

    def command(self, line: str) -> bool:
        """Run a slash command; False means leave the REPL."""
        name, _, arg = line.strip().partition(" ")
        arg = arg.strip()
        name = name.lower()
        matches = [c for c in COMMANDS if c.startswith(name)]
        if name not in COMMANDS and len(matches) == 1:
            name = matches[0]
        if name in ("/exit", "/quit"):
            return False
        handler = getattr(self, "cmd_" + name[1:], None) if name in COMMANDS else None
        if handler is None:
            self._say(f"Unknown command {name}; /help lists them. (Start a message with // to send a slash.)")
            return True
        handler(arg)
        return True

    def cmd_help(self, arg: str) -> None:
        width = max(len(usage) for usage, _ in COMMANDS.values())
        for usage, text in COMMANDS.values():
            self._say(f"  {usage.ljust(width)}  {text}")
        self._say(HELP_KEYS)

    def cmd_model(self, arg: str) -> None:
        if not arg:
            self._say(f"Deployment: {self.deployment}. /model NAME switches it.")
            return
        self.deployment = arg
        self._say(f"Deployment for the next turns: {arg}")
        self._check_deployment(arg)

    def _check_deployment(self, name: str) -> None:
        """Warn (never refuse) when the resource's deployments are known and ``name`` is not one."""
        from foundry_cli.cli.models import known_deployment_names, suggest

        try:
            names = known_deployment_names(self.resolved, self.debug)
        except FclaudeError:
            return  # unknown list: nothing to check against
        if not names or name in names:
            return
        best = suggest(name, names)
        hint = f"did you mean {best!r}?" if best else f"known deployments: {', '.join(names)}."
        self._say(f"Warning: no deployment named {name!r} is known on this resource; {hint}")

    def cmd_system(self, arg: str) -> None:
        if not arg:
            self._say(f"System prompt: {self.system!r}" if self.system else "No system prompt.")
            return
        if arg.lower() in ("off", "none", "clear"):
            self.system = None
            self._say("System prompt removed.")
            return
        self.system = arg
        self._say("System prompt set for the next turns.")

    def cmd_thinking(self, arg: str) -> None:
        if not arg:
            self._say(f"Thinking: {self.thinking or 'the model default'}. /thinking adaptive|off|N.")
            return
        try:
            from foundry_cli.config.settings import SETTING_BY_NAME

            value = SETTING_BY_NAME["thinking"].coerce(arg)
            self.request("check", thinking=value)  # the model's rules, checked before any turn
        except (ValueError, FclaudeError) as exc:
            self._say(f"/thinking {arg}: {exc.message if isinstance(exc, FclaudeError) else exc}")
            return
        self.thinking = value
        shown = (
            "off" if value == "off" else "adaptive" if value == "adaptive" else f"a budget of {value} tokens"
        )
        self._say(f"Thinking for the next turns: {shown}.")

    def cmd_effort(self, arg: str) -> None:
        if not arg:
            self._say(f"Effort: {self.effort or 'the model default'}. /effort low|medium|high|xhigh|max.")
            return
        try:
            from foundry_cli.config.settings import SETTING_BY_NAME

            value = SETTING_BY_NAME["effort"].coerce(arg)
            self.request("check", effort=value)
        except (ValueError, FclaudeError) as exc:
            self._say(f"/effort {arg}: {exc.message if isinstance(exc, FclaudeError) else exc}")
            return
        self.effort = value
        self._say(f"Effort for the next turns: {value}.")

    def cmd_attach(self, arg: str) -> None:
        if not _attachments_supported():
            self._say(
                "/attach is not available in this version of fclaude (attachments are not supported yet)."
            )
            return
        if not arg:
            names = ", ".join(a.name for a in self.pending_files) or "none"
            self._say(f"/attach FILE: attach a file to the next message (queued: {names}).")
            return
        from foundry_cli.api.attachments import load

        try:
            files = load([arg])
        except UsageError as exc:
            self._say(exc.message)
            return
        self.pending_files = (*self.pending_files, *files)
        self.say_attached(files[-1])

    def say_attached(self, file: Attachment) -> None:
        size = len(file.data)
        amount = f"{size:,} bytes" if size != 1 else "1 byte"
        self._say(f"Attached {file.name} ({file.kind}, {amount}); it goes with your next message.")

    def cmd_clear(self, arg: str) -> None:
        self.context.clear()
        self._files.clear()
        self.usage.clear()  # the toolbar's totals are the conversation's
        self._warned_context = False
        self.conversation_id = None
        self.failed_prompt, self.failed_files, self.pending_files = None, (), ()
        self._say("New conversation (the previous one stays in history).")

    def cmd_retry(self, arg: str) -> None:
        if self.failed_prompt is not None:
            self.send(self.failed_prompt, self.failed_files)
        elif self.context:
            last, files = self._pop()
            self.send(last.prompt, files)
        else:
            self._say("Nothing to retry.")

    def cmd_undo(self, arg: str) -> None:
        if self.failed_prompt is not None and not arg:
            self._say(f"Dropped the failed message: {_one_line(self.failed_prompt)}")
            self.failed_prompt, self.failed_files = None, ()
            return
        if not self.context:
            self._say("Nothing to undo.")
            return
        last, _ = self._pop()
        self._say(f"Removed the last exchange: {_one_line(last.prompt)}")

    def cmd_edit(self, arg: str) -> None:
        from foundry_cli.cli._editor import edit_text

        source, files = self.failed_prompt, self.failed_files
        if source is None and self.context:
            source, files = self.context[-1].prompt, self._files.get(id(self.context[-1]), ())
        edited = edit_text(source or "", suffix=".md", say=lambda message: self._say(f"/edit: {message}"))
        if edited is None:
            return  # edit_text said why
        if not edited.strip() or edited.rstrip("\n") == (source or "").rstrip("\n"):
            self._say("/edit: nothing changed; nothing sent (/retry resends the message as it is).")
            return
        if self.failed_prompt is None and self.context and source is not None:
            self._pop()  # the edited message replaces the last exchange
        self.send(edited.rstrip("\n"), files)

    def cmd_copy(self, arg: str) -> None:
        if not self.context:
            self._say("No answer to copy yet.")
            return
        text = self.context[-1].answer
        for cmd in CLIPBOARD_COMMANDS:
            if shutil.which(cmd[0]) is None:
                continue
            try:
                subprocess.run(cmd, input=text.encode(), check=True, timeout=5, capture_output=True)
            except (OSError, subprocess.SubprocessError):
                continue
            self._say(f"Copied the last answer ({len(text)} characters) with {cmd[0]}.")
            return
        from foundry_cli.render.terminal import osc52_copy
        from foundry_cli.sanitize import terminal_safe

        if osc52_copy(self.out, text):
            self._say(
                f"Sent the last answer ({len(text)} characters) to the terminal's clipboard (OSC 52; "
                "works over SSH and in tmux when the terminal allows it)."
            )
            return
        self._say("No clipboard tool found (pbcopy, wl-copy, xclip, xsel); here is the last answer:")
        self.out.write(terminal_safe(text).rstrip("\n") + "\n")
        self.out.flush()

    def cmd_usage(self, arg: str) -> None:
        if not self.usage:
            self._say("No tokens used yet in this session.")
            return
        for i, turn in enumerate(self.usage, 1):
            self._say(f"  turn {i}: {usage_line(turn.usage)} · {cost_label([turn.cost])}")
        total = self.totals()
        self._say(f"  total: {usage_line(total)} · {cost_label([t.cost for t in self.usage])}")
        share = self.context_share()
        if share is not None:
            window = self.usage[-1].context_window or 0
            self._say(f"  context: {share:.0%} of the model's {window:,}-token window")

    def cmd_save(self, arg: str) -> None:
        from foundry_cli.history.store import ConversationSummary, to_markdown

        if not arg:
            self._say("/save FILE: give a file name, e.g. /save chat.md")
            return
        if not self.context:
            self._say("Nothing to save yet.")
            return
        turns = [dataclasses.replace(t, seq=i) for i, t in enumerate(self.context, 1)]
        summary = ConversationSummary(
            id=self.conversation_id or 0,
            created_at=self.started,
            updated_at=time.time(),
            profile=self.resolved.profile,
            title=_one_line(turns[0].prompt, 80),
            turns=len(turns),
            deployment=self.deployment,
            last_status=turns[-1].status,
        )
        from foundry_cli.config.fileio import atomic_write, os_error_label

        try:
            path = Path(arg).expanduser()
        except RuntimeError:  # ~nouser/chat.md
            self._say(f"/save: cannot write {arg}: that home folder does not exist")
            return
        if not path.parent.is_dir():
            self._say(f"/save: cannot write {path}: no folder {path.parent}")
            return
        try:  # 0600, temp file + rename: never half a file, never written through a symlink
            atomic_write(path, to_markdown(summary, turns).encode("utf-8"), mode=0o600)
        except OSError as exc:
            self._say(f"/save: cannot write {path}: {os_error_label(exc)}")
            return
        self._say(f"Saved {_count(len(turns), 'turn')} to {path}")

    # -- the prompt ----------------------------------------------------------------------------

    def totals(self) -> Usage:
        """The conversation's usage, summed over its answered turns."""
        from foundry_cli.api.types import Usage

        total = Usage()
        for turn in self.usage:
            for f in dataclasses.fields(Usage):
                setattr(total, f.name, getattr(total, f.name) + getattr(turn.usage, f.name))
        return total

    def toolbar(self) -> str:
        total = self.totals()
        cache = total.cache_creation_input_tokens or total.cache_read_input_tokens
        share = self.context_share()
        parts = [
            f"profile {self.resolved.profile or '-'}",
            self.deployment,
            self.api,
            f"thinking {self.thinking}" if self.thinking not in (None, "off") else "",
            f"effort {self.effort}" if self.effort else "",
            f"tokens {total.input_tokens:,} in / {total.output_tokens:,} out",
            f"cache {total.cache_creation_input_tokens:,} written / {total.cache_read_input_tokens:,} read"
            if cache
            else "",
            cost_label([t.cost for t in self.usage]) if self.usage else "",
            f"context {share:.0%}" if share is not None else "",
            f"turn {len(self.context) + 1}",
        ]
        return " · ".join(p for p in parts if p)

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def _session(self) -> PromptSession[str]:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.completion import Completer
        from prompt_toolkit.history import FileHistory, InMemoryHistory
        from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

        from foundry_cli.config.paths import get_paths

        kb = KeyBindings()

        @kb.add("escape", "enter")
        def _newline(event: KeyPressEvent) -> None:
            event.current_buffer.insert_text("\n")

        @kb.add("c-c")
        def _ctrl_c(event: KeyPressEvent) -> None:
            buf = event.current_buffer
            if buf.text:
                buf.reset()  # clears the line, stays at the prompt
            else:
                event.app.exit(exception=KeyboardInterrupt())

        class SlashCompleter(Completer):
            def get_completions(self, document: Document, complete_event: object) -> Iterable[Completion]:
                from prompt_toolkit.completion import Completion

                text = document.text_before_cursor
                if not text.startswith("/") or " " in text or "\n" in text:
                    return
                for cmd, (_, meta) in COMMANDS.items():
                    if cmd.startswith(text.lower()):
                        yield Completion(cmd, start_position=-len(text), display_meta=meta)

        history: FileHistory | InMemoryHistory
        try:
            from foundry_cli.config.fileio import ensure_private_dir

            data = get_paths().data_dir
            ensure_private_dir(data)
            path = data / "chat_input_history"
            if not path.exists():
                os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
            with contextlib.suppress(OSError):
                path.chmod(0o600)
            history = FileHistory(str(path))
        except (OSError, FclaudeError) as exc:
            self._say(f"(input history is not saved: {exc})")
            history = InMemoryHistory()

        return PromptSession(
            history=history,
            completer=SlashCompleter(),
            complete_while_typing=False,
            key_bindings=kb,
            bottom_toolbar=self.toolbar,
            enable_history_search=False,  # Up/Down walk history; Ctrl-R searches it
            multiline=False,
        )

    def read_message(self, session: PromptSession[str]) -> str:
        """One message: a line, a pasted block, a ``\"\"\"`` block, or lines continued with ``\\``."""
        text = session.prompt(PROMPT)
        if text.strip().startswith(FENCE) and "\n" not in text:
            first = text.strip()[len(FENCE) :]
            if first.endswith(FENCE) and first:
                return first[: -len(FENCE)]
            lines = [first] if first else []
            while True:
                line = session.prompt(CONTINUATION)
                if line.rstrip().endswith(FENCE):
                    lines.append(line.rstrip()[: -len(FENCE)])
                    break
                lines.append(line)
            return "\n".join(lines).strip("\n")
        while text.endswith("\\") and "\n" not in text[-2:]:
            text = text[:-1] + "\n" + session.prompt(CONTINUATION)
        return text

    def loop(self) -> None:
        session = self._session()
        self._say(
            f"fclaude chat · {self.deployment} · {self.api}. /help for commands, Ctrl-D or /exit to leave."
        )
        armed = False  # Ctrl-C on an empty prompt once: a second one leaves
        try:
            while True:
                try:
                    text = self.read_message(session)
                except KeyboardInterrupt:
                    if armed:
                        return
                    armed = True
                    try:
                        self._say("(Ctrl-C again or Ctrl-D to leave)")
                    except KeyboardInterrupt:  # the second Ctrl-C came before the prompt was back
                        return
                    continue
                except EOFError:
                    self._goodbye()
                    return
                armed = False
                if not self.handle(text):
                    return
        finally:
            self.close()

    def _goodbye(self) -> None:
        if self.context and self.keep_history:
            self._say("fclaude chat --continue resumes this conversation.")

    def handle(self, text: str) -> bool:
        """One line or block from the prompt: a slash command or a message. False means leave."""
        if not text.strip():
            return True
        try:
            if text.startswith("//"):
                self.send(text[1:])
            elif text.startswith("/") and "\n" not in text.strip():
                return self.command(text)
            else:
                self.send(text)
        except KeyboardInterrupt:  # between the answer and the prompt (e.g. while recording)
            self._say("[interrupted]")
        return True
