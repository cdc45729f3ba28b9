"""signal-cli's JSON-RPC `send`: parameters, error codes, outcomes, error texts without numbers."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import quote

from bot.messages import Attachment, DeliveryStatus, SendResult

# JSON-RPC error codes of signal-cli 0.13.19: JsonRpcResponse.Error and SignalJsonRpcCommandHandler.
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND = -32700, -32600, -32601
INVALID_PARAMS, INTERNAL_ERROR = -32602, -32603  # -32603: e.g. an IOException while sending
USER_ERROR, IO_ERROR, UNTRUSTED_KEY_ERROR, RATE_LIMIT_ERROR = -1, -3, -4, -5
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_NUMBERS = re.compile(r"(\+|%2B)\d{5,}", re.IGNORECASE)
# -1 errors that mean this chat can never be reached as it is (SendCommand, lib/manager/api/*Exception)
_PERMANENT = (
    (re.compile(r"^The user .* is not registered\.$"), "the recipient is not registered on Signal"),
    (re.compile(r"^Group not found: "), "the group is unknown to the bot's account"),
    (re.compile(r"^User is not a member in group: "), "the bot's account is not in the group"),
    (re.compile(r"^User is not allowed to send message to group: "), "the group is admin-only"),
)


def _cause(exc: BaseException) -> str:
    """An exception as 'Type: message', without phone numbers, at most 160 characters."""
    text = _NUMBERS.sub("***", str(exc)).strip()
    return f"{type(exc).__name__}: {text}"[:160] if text else type(exc).__name__


def _error_text(error: Any) -> str:
    """A JSON-RPC error as 'code message' without phone numbers or group names."""
    if not isinstance(error, dict):
        return "no error"
    message = str(error.get("message") or "")
    message = re.sub(r"group: .*$", "group: ***", _NUMBERS.sub("***", message))
    return f"{error.get('code')} {message}"[:160]


def is_group(chat_id: str) -> bool:
    """A Signal group id (base64), as opposed to a phone number or a UUID."""
    return not (chat_id.startswith("+") or _UUID.fullmatch(chat_id) or chat_id.startswith("PNI:"))


def data_uri(attachment: Attachment) -> str:
    """A file as signal-cli takes it: data:<mime>;filename=<name>;base64,<data> (RFC 2397)."""
    encoded = base64.b64encode(attachment.read()).decode("ascii")
    return f"data:{attachment.mime};filename={quote(attachment.filename, safe='')};base64,{encoded}"


def outcome_of(reply: dict) -> SendResult:
    """Map signal-cli's JSON-RPC reply to `send` to a delivery outcome.

    signal-cli answers a result when at least one recipient got the message (or there was nobody
    to send to), else an error: -4 when only untrusted identities failed, -5 when only rate limits,
    -1 otherwise, each with the per-recipient results in `data.response`. A rate limit with a
    captcha challenge ("proof required") is a RATE_LIMIT_FAILURE with `token` and
    `retryAfterSeconds`; a plain one names no time (RETRY without retry_after: the transport
    fills in a growing wait). IOExceptions outside the per-recipient results are -32603.
    """
    error = reply.get("error")
    if not isinstance(error, dict):
        result = reply.get("result") if isinstance(reply.get("result"), dict) else {}
        timestamp = result.get("timestamp")
        return SendResult(
            DeliveryStatus.SENT, message_id=str(timestamp) if timestamp is not None else None
        )
    code = error.get("code")
    message = str(error.get("message") or "")
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    response = data.get("response") if isinstance(data.get("response"), dict) else {}
    results = [r for r in response.get("results") or [] if isinstance(r, dict)]
    if results:
        return _failed(results)
    if code == RATE_LIMIT_ERROR:
        return _rate_limited([])
    if code == UNTRUSTED_KEY_ERROR:
        return SendResult(DeliveryStatus.FAILED, error=_UNTRUSTED)
    if code == USER_ERROR:
        for pattern, meaning in _PERMANENT:
            if pattern.match(message):
                return SendResult(DeliveryStatus.BLOCKED, error=meaning)
    if code == INTERNAL_ERROR and message.endswith("(RateLimitException)"):
        return _rate_limited([])
    if code == INTERNAL_ERROR and message.endswith("(ProofRequiredException)"):
        return _rate_limited([])
    return SendResult(DeliveryStatus.FAILED, error=f"signal-cli error {_error_text(error)}")


_UNTRUSTED = "untrusted identity: the person's safety number changed (see docs/signal-cli.md)"


def _failed(results: list[dict]) -> SendResult:
    """The outcome of per-recipient results without a success."""
    types = {r.get("type") for r in results}
    if "RATE_LIMIT_FAILURE" in types:
        return _rate_limited(results)
    if types == {"UNREGISTERED_FAILURE"}:
        return SendResult(DeliveryStatus.BLOCKED, error="the recipient is no longer on Signal")
    if "NETWORK_FAILURE" in types:
        return SendResult(DeliveryStatus.FAILED, error="signal-cli: network failure")
    if "IDENTITY_FAILURE" in types:
        return SendResult(DeliveryStatus.FAILED, error=_UNTRUSTED)
    if "INVALID_PRE_KEY_FAILURE" in types:
        # The recipient's device offered keys that do not verify; its app replaces them in time.
        return SendResult(DeliveryStatus.FAILED, error="the recipient's keys are invalid")
    return SendResult(DeliveryStatus.FAILED, error=", ".join(sorted(map(str, types))))


def _rate_limited(results: list[dict]) -> SendResult:
    waits = [r["retryAfterSeconds"] for r in results if isinstance(r.get("retryAfterSeconds"), int)]
    return SendResult(
        DeliveryStatus.RETRY,
        retry_after=float(max(waits)) if waits else None,
        error="rate limited" + (" (captcha required)" if waits else ""),
    )


def proof_required(reply: dict) -> tuple[str | None, int | None]:
    """(challenge token, seconds to wait) when Signal asks for a captcha, else (None, None).

    The token is "" when signal-cli reported the challenge only as a -32603 error: it is then in
    the daemon's own log.
    """
    error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
    data = error.get("data") if isinstance(error.get("data"), dict) else {}
    response = data.get("response") if isinstance(data.get("response"), dict) else {}
    for result in response.get("results") or []:
        if isinstance(result, dict) and result.get("token"):
            seconds = result.get("retryAfterSeconds")
            return str(result["token"]), int(seconds) if isinstance(seconds, int) else None
    if error.get("code") == INTERNAL_ERROR and str(error.get("message")).endswith(
        "(ProofRequiredException)"
    ):
        return "", None
    return None, None
