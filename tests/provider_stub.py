"""A provider's API as a real local HTTP server, with canned answers.

Answers registered for one method and path are given in order, the last one again for
every later call, so a test can script "401, then 200" or "the same answer every time";
an answer registered after the last one was given replaces it for the calls to come.
"""

from __future__ import annotations

import json as jsonlib
from collections import deque
from dataclasses import dataclass
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response
from werkzeug.datastructures import Headers


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    raw_path: str  # as sent, percent-encoding kept
    query: dict[str, str]
    headers: Headers  # case-insensitive
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)


class ProviderStub:
    def __init__(self, server: HTTPServer):
        self.server = server
        self._answers: dict[tuple[str, str], deque[Response]] = {}
        self._given_last: set[tuple[str, str]] = set()

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def add(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        body: str = "",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        key = (method, path)
        if key not in self._answers:
            self._answers[key] = deque()
            self.server.expect_request(path, method=method).respond_with_handler(lambda request: self._answer(key))
        content = body if json is None else jsonlib.dumps(json)
        content_type = "application/json" if json is not None else "text/html"
        if key in self._given_last:
            self._answers[key].clear()
            self._given_last.discard(key)
        self._answers[key].append(Response(content, status=status, content_type=content_type, headers=headers))

    def post(self, path: str, **answer) -> None:
        self.add("POST", path, **answer)

    def get(self, path: str, **answer) -> None:
        self.add("GET", path, **answer)

    def _answer(self, key: tuple[str, str]) -> Response:
        answers = self._answers[key]
        if len(answers) > 1:
            return answers.popleft()
        self._given_last.add(key)
        return answers[0]

    @property
    def calls(self) -> list[Call]:
        return [_call(request) for request, _ in self.server.log]

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]


def _call(request: Request) -> Call:
    raw_path = request.environ.get("RAW_URI", request.path).split("?", 1)[0]
    return Call(
        request.method, request.path, raw_path, dict(request.args), Headers(request.headers), request.get_data()
    )
