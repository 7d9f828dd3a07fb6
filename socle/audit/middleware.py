"""Keeps the current request (user, address, path) in a context variable so that services can trace
reads and changes without the request being threaded through every function call."""

from contextvars import ContextVar

current_request: ContextVar = ContextVar("socle_current_request", default=None)


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            current_request.reset(token)
