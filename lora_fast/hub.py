"""What fetching from the Hugging Face hub can raise: with no network, or offline, or for a wrong id. The HTTP
client under huggingface_hub differs between its versions, so its error class is looked up, not imported."""

from __future__ import annotations

import importlib

from huggingface_hub.errors import HfHubHTTPError


def _http_client_errors() -> tuple[type[BaseException], ...]:
    """The base error of the httpx package huggingface_hub uses (httpx2 or httpx): connection failures included."""
    for module in ("httpx2", "httpx"):
        try:
            return (importlib.import_module(module).HTTPError,)
        except (ImportError, AttributeError):
            continue
    return ()


HUB_ERRORS: tuple[type[BaseException], ...] = (OSError, ValueError, HfHubHTTPError, *_http_client_errors())
