"""One JSON error shape for every failure: `{"error": code, "message": text}`, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from emby_analytics.db.engine import StorageError
from emby_analytics.emby.errors import EmbyError

log = logging.getLogger(__name__)


class ErrorBody(BaseModel):
    error: str
    message: str


_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid_parameter",
    429: "rate_limited",
    503: "storage_unavailable",
    507: "insufficient_storage",
}


def error_response(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse(ErrorBody(error=error, message=message).model_dump(), status_code=status)


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = [str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body")]
        name = ".".join(loc) or "request"
        parts.append(f"{name}: {error.get('msg', 'invalid value')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, "invalid_parameter", _describe_validation(exc))

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        code = _CODES.get(exc.status_code, "error")
        response = error_response(exc.status_code, code, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(EmbyError)
    async def _emby(_request: Request, exc: EmbyError) -> JSONResponse:
        return error_response(502, "emby_unavailable", str(exc))

    @app.exception_handler(StorageError)
    async def _storage(_request: Request, exc: StorageError) -> JSONResponse:
        log.error("storage error", extra={"error": str(exc)})
        return error_response(503, "storage_unavailable", "the database is not available")

    @app.exception_handler(ClientDisconnect)
    async def _gone(request: Request, _exc: ClientDisconnect) -> JSONResponse:
        # The client hung up before sending its whole body: its business, not our error. Nobody reads the answer.
        log.debug("client disconnected mid-request", extra={"path": request.url.path})
        return error_response(400, "bad_request", "the client disconnected before sending the whole request")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"path": request.url.path, "error": type(exc).__name__})
        return error_response(500, "internal", "internal error")
