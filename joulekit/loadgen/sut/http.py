"""An OpenAI-compatible inference server as a SUT (vLLM, TGI, llama.cpp, SGLang…).

Each sample is one streamed request to ``/v1/completions`` or ``/v1/chat/completions``.
The first piece of text that arrives is reported to LoadGen at once, so LoadGen
measures time to first token and time per output token itself rather than us
estimating them afterwards. ``concurrency`` worker threads, each with its own
keep-alive connection, bound how many requests are in flight: that is the knob a
serving deployment is tuned by, and a sweep varies it.

Only the standard library is used (``http.client``), so measuring a server adds no
dependency to the SUT host.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from joulekit.errors import UserError
from joulekit.inputs import read_text_input
from joulekit.loadgen.sut.base import Completion, FirstToken, Output, Sut

DEFAULT_PROMPTS: tuple[str, ...] = (
    "Explain why the sky is blue in two sentences.",
    "Write a haiku about a power meter.",
    "List three uses of a heat pump.",
    "What is the capital of Australia, and why was it chosen?",
    "Summarise the rules of chess for a child.",
    "Translate 'energy efficiency matters' into French and German.",
    "Give a short recipe for bread without yeast.",
    "Why do batteries lose capacity over time?",
    "Describe a sunset over the sea to someone who cannot see.",
    "What does a transformer model attend to?",
    "Name five prime numbers above one hundred.",
    "Write a limerick about a sleepy cat.",
    "How does a refrigerator move heat?",
    "Suggest a name for a bakery that only opens at night.",
    "What is the difference between power and energy?",
    "Tell a two-line story about a lighthouse keeper.",
)


@dataclass(frozen=True)
class HttpOptions:
    """How to talk to the server; each has a ``joulekit loadgen`` option."""

    model: str = "default"
    max_tokens: int = 64
    concurrency: int = 8
    timeout_s: float = 300.0
    prompts_file: Path | None = None
    api_key: str | None = None


def read_prompts(path: Path | None) -> list[str]:
    """Prompts from a file (one per line, or JSON lines with a ``prompt`` key)."""
    if path is None:
        return list(DEFAULT_PROMPTS)
    text = read_text_input(Path(path), "prompts file")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    prompts = []
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("{"):
            try:
                prompts.append(str(json.loads(line)["prompt"]))
            except (ValueError, KeyError, TypeError):
                raise UserError(f"{path}:{number}: expected a JSON object with 'prompt'") from None
        else:
            prompts.append(line)
    if not prompts:
        raise UserError(f"prompts file {path} holds no prompt")
    return prompts


def parse_endpoint(url: str) -> tuple[bool, str, int, str]:
    """(https, host, port, path) of an OpenAI-compatible endpoint URL, or a UserError."""
    form = "must look like http://HOST:PORT/v1/completions"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise UserError(f"HTTP SUT {url!r} {form} ({err})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"HTTP SUT {url!r} {form}")
    path = parts.path.rstrip("/")
    if path in ("", "/v1"):
        path = "/v1/completions"
    if not path.endswith(("/completions", "/chat/completions")):
        raise UserError(
            f"HTTP SUT path {path!r} is not /v1/completions or /v1/chat/completions"
        )
    https = parts.scheme == "https"
    return https, parts.hostname, port or (443 if https else 80), path


class HttpSut(Sut):
    """Streams one request per sample to an OpenAI-compatible endpoint."""

    streams_tokens = True

    def __init__(self, url: str, options: HttpOptions | None = None) -> None:
        self.options = options or HttpOptions()
        if self.options.concurrency < 1:
            raise UserError("--concurrency must be at least 1")
        self._https, self._host, self._port, path = parse_endpoint(url)
        self._path = path
        self._chat = path.endswith("/chat/completions")
        self._prompts = read_prompts(self.options.prompts_file)
        self._local = threading.local()
        self._opened: list[http.client.HTTPConnection] = []
        self._opened_lock = threading.Lock()
        self.name = f"http {self._host}:{self._port}{path}"
        self.total_samples = len(self._prompts)
        self.performance_samples = len(self._prompts)
        self.workers = self.options.concurrency
        self.max_batch = 1

    def describe(self) -> str:
        return f"{self.name} (model {self.options.model}, concurrency {self.workers})"

    def run_batch(
        self, indices: Sequence[int], first_token: FirstToken | None
    ) -> Sequence[Output] | None:
        return [self._one(pos, index, first_token) for pos, index in enumerate(indices)]

    def _connection(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            cls = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = cls(self._host, self._port, timeout=self.options.timeout_s)
            self._local.conn = conn
            with self._opened_lock:
                self._opened.append(conn)
        return conn

    def _body(self, prompt: str) -> bytes:
        body: dict[str, object] = {
            "model": self.options.model, "max_tokens": self.options.max_tokens, "stream": True,
        }
        if self._chat:
            body["messages"] = [{"role": "user", "content": prompt}]
        else:
            body["prompt"] = prompt
        return json.dumps(body).encode()

    def _one(self, pos: int, index: int, first_token: FirstToken | None) -> Completion:
        headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
        if self.options.api_key:
            headers["Authorization"] = f"Bearer {self.options.api_key}"
        body = self._body(self._prompts[index % len(self._prompts)])
        conn = self._connection()
        try:
            conn.request("POST", self._path, body=body, headers=headers)
            resp = conn.getresponse()
        except (OSError, http.client.HTTPException):
            conn.close()  # a stale keep-alive connection: retry once on a fresh one
            conn.request("POST", self._path, body=body, headers=headers)
            resp = conn.getresponse()
        if resp.status != 200:
            detail = resp.read(300).decode("utf-8", "replace")
            raise RuntimeError(f"{self.name} answered HTTP {resp.status}: {detail}")
        if "text/event-stream" not in (resp.getheader("Content-Type") or ""):
            return self._whole(resp.read(), pos, first_token)
        return self._stream(resp, pos, first_token)

    def _stream(
        self, resp: http.client.HTTPResponse, pos: int, first_token: FirstToken | None
    ) -> Completion:
        pieces: list[str] = []
        tokens = 0
        usage_tokens: int | None = None
        for raw in resp:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            payload = line[5:].strip()
            if payload == "[DONE]":
                break
            event = json.loads(payload)
            usage = event.get("usage") or {}
            if isinstance(usage.get("completion_tokens"), int):
                usage_tokens = usage["completion_tokens"]
            text = self._text_of(event)
            if not text:
                continue
            if tokens == 0 and first_token is not None:
                first_token(pos, text.encode())
            tokens += 1
            pieces.append(text)
        resp.read()  # drain so the connection can be reused
        if tokens == 0 and first_token is not None:
            first_token(pos, b"")
        return Completion("".join(pieces).encode(), usage_tokens or max(tokens, 1))

    def _whole(self, body: bytes, pos: int, first_token: FirstToken | None) -> Completion:
        """A server that ignored ``stream``: the first token is the whole answer."""
        event = json.loads(body)
        text = self._text_of(event)
        if first_token is not None:
            first_token(pos, text.encode())
        usage = event.get("usage") or {}
        return Completion(text.encode(), int(usage.get("completion_tokens") or 1))

    def _text_of(self, event: dict[str, object]) -> str:
        choices = event.get("choices")
        if not isinstance(choices, list) or not choices:
            return ""
        choice = choices[0]
        if not isinstance(choice, dict):
            return ""
        if self._chat:
            holder = choice.get("delta") or choice.get("message") or {}
            return str(holder.get("content") or "") if isinstance(holder, dict) else ""
        return str(choice.get("text") or "")

    def close(self) -> None:
        with self._opened_lock:
            for conn in self._opened:
                conn.close()
            self._opened.clear()
