"""An OpenAI-compatible endpoint over an Assistant, so chat tools that speak that API use
newsrag as a "model" (FastAPI, which comes with Gradio).

    GET  /v1/models             → one model, "newsrag"
    POST /v1/chat/completions   → the cited answer; `stream: true` for server-sent events

The last user message is the question and the messages before it are the conversation. The
reply's content is the cited answer followed by its numbered sources (title, outlet, date,
url); `citations` carries them structured, as `rag ask --json` does. With an API key set,
every request needs `Authorization: Bearer <key>`.

    from openai import OpenAI
    client = OpenAI(base_url="http://127.0.0.1:8000/v1", api_key="-")
    client.chat.completions.create(model="newsrag", messages=[{"role": "user", "content": "…"}])
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from rag import Answer, Assistant, Citation, RagError
from rag.conversation import Message

MODEL = "newsrag"


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "developer", "tool"]
    # A string, or OpenAI's list of parts ({"type": "text", "text": ...}).
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    model: str = MODEL
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def sources_block(citations: list[Citation]) -> str:
    """The numbered sources under an answer: "[1] Title — Outlet, 2021-04-28. url"."""
    if not citations:
        return ""
    lines = ["", "", "Sources:"]
    for c in citations:
        where = ", ".join(part for part in (c.outlet, c.published) if part)
        line = f"[{c.number}] {c.title}" + (f" — {where}" if where else "") + "."
        lines.append(line + (f" {c.url}" if c.url else ""))
    return "\n".join(lines)


def create_app(assistant: Assistant, api_key: str = "") -> FastAPI:
    """The FastAPI app: /v1/models and /v1/chat/completions over `assistant`."""
    app = FastAPI(title="newsrag", docs_url=None, redoc_url=None, openapi_url=None)

    def authorised(request: Request) -> None:
        if not api_key:
            return
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip(), api_key):
            raise HTTPException(
                status_code=401,
                detail=_error("A valid API key is needed: Authorization: Bearer <RAG_API_KEY>"),
            )

    @app.exception_handler(HTTPException)
    async def as_openai_error(_: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse(error.detail, status_code=error.status_code)

    @app.get("/v1/models", dependencies=[Depends(authorised)])
    def models() -> dict[str, Any]:
        model = {"id": MODEL, "object": "model", "created": 0, "owned_by": "newsrag"}
        return {"object": "list", "data": [model]}

    @app.post("/v1/chat/completions", dependencies=[Depends(authorised)], response_model=None)
    def complete(request: ChatRequest) -> dict[str, Any] | StreamingResponse:
        question, history = _conversation(request.messages)
        if request.stream:
            return StreamingResponse(
                _events(assistant, question, history), media_type="text/event-stream"
            )
        try:
            answer = assistant.ask(question, history)
        except RagError as error:
            raise HTTPException(status_code=400, detail=_error(str(error))) from None
        content = answer.text + sources_block(answer.citations)
        return {
            **_envelope("chat.completion"),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            **_extras(answer),
        }

    return app


def _conversation(messages: list[ChatMessage]) -> tuple[str, list[Message]]:
    """The last user message, and the user/assistant turns before it."""
    turns = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not turns or turns[-1][0] != "user" or not turns[-1][1].strip():
        raise HTTPException(
            status_code=400, detail=_error("The last message must be the user's question")
        )
    history = [Message(role=role, content=text) for role, text in turns[:-1]]
    return turns[-1][1], history


def _text(content: str | list[dict[str, Any]] | None) -> str:
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if part.get("type") == "text")
    return content or ""


def _events(assistant: Assistant, question: str, history: list[Message]) -> Iterator[str]:
    """Server-sent events: the answer's text as it comes, then its sources, then [DONE]."""
    envelope = _envelope("chat.completion.chunk")

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps({**envelope, 'choices': [choice], **extra})}\n\n"

    yield event({"role": "assistant", "content": ""})
    try:
        written = ""
        for part in assistant.stream(question, history):
            if isinstance(part, Answer):
                # A generated draft may be replaced by the checked answer: send what differs.
                tail = part.text[len(written) :] if part.text.startswith(written) else part.text
                if tail:
                    yield event({"content": tail})
                yield event({"content": sources_block(part.citations)})
                yield event({}, "stop", **_extras(part))
                break
            written += part
            yield event({"content": part})
    except RagError as error:
        yield f"data: {json.dumps(_error(str(error)))}\n\n"
    yield "data: [DONE]\n\n"


def _envelope(kind: str) -> dict[str, Any]:
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": kind,
        "created": int(time.time()),
        "model": MODEL,
    }


def _extras(answer: Answer) -> dict[str, Any]:
    """What OpenAI's schema has no field for: the structured citations, the short answer."""
    return {
        "citations": [asdict(c) for c in answer.citations],
        "short_answer": answer.short,
        "abstained": answer.abstained,
    }


def _error(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error"}}
