"""What a client may ask the server for, checked before anything runs: an image request in the shape of the OpenAI
images API (prompt, size, n, response_format) plus the LoRA set with strengths, steps, guidance, seed and how long
the client waits. Every
refusal names its field; nothing here needs Ray, so the rules are tested alone."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..config import RequestSizes
from ..lora.files import LoraSource, check_source

MAX_SEED = 2**63 - 1  # torch generators take seeds up to here
MAX_PROMPT_CHARS = 4000
MAX_STRENGTH = 10.0  # a trained LoRA is used from about -2 to 2; far beyond it the image is noise
MAX_LORAS = 8
FORMATS = ("b64_json", "png")


class ServeError(ValueError):
    """A server that cannot start as asked; the message names the setting and the fix."""


class RequestError(ValueError):
    """A request the server refuses: the HTTP status, the field at fault and what to send instead."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.status, self.field = status, field


@dataclass(frozen=True)
class ImageRequest:
    """One checked request. `loras` is the set in the order given, each name with its strength."""

    prompt: str
    loras: tuple[tuple[str, float], ...]
    height: int
    width: int
    n: int
    steps: int
    guidance_scale: float
    seed: int
    response_format: str
    deadline_s: float

    @property
    def lora_set(self) -> str:
        """The set's id, Ray Serve's multiplexed model id: requests for one set go to replicas that hold it."""
        return "+".join(f"{name}@{strength!r}" for name, strength in self.loras)


def set_loras(set_id: str) -> tuple[tuple[str, float], ...]:
    """The (name, strength) pairs of a set's id (`ImageRequest.lora_set`), as the request gave them."""
    return tuple((name, float(strength)) for name, _, strength in (part.rpartition("@") for part in set_id.split("+")))


@dataclass(frozen=True)
class Limits:
    """What this server accepts: its LoRAs by name, the sizes its replicas were prepared for, the most steps, and
    the defaults of fields a request leaves out (the model's size, steps and guidance)."""

    loras: Mapping[str, LoraSource]
    sizes: RequestSizes
    max_steps: int = 60
    deadline_s: float = 300.0
    default_size: tuple[int, int] = (1024, 1024)
    default_steps: int = 28
    default_guidance: float = 3.5


def lora_table(folder: Path | None, hub: list[str]) -> dict[str, LoraSource]:
    """The server's LoRAs by name: those of `folder` (`catalog`) and each hub entry "NAME=ORG/REPO[/FILE]" (fetched by
    each replica at its first request for it); a name given twice is refused."""
    table: dict[str, LoraSource] = dict(catalog(folder)) if folder is not None else {}
    for entry in hub:
        name, _, source = entry.partition("=")
        if not name or not source:
            raise ServeError(f"--hub {entry!r}: give NAME=ORG/REPO or NAME=ORG/REPO/FILE.safetensors")
        check_source(source)
        if name in table:
            raise ServeError(f"--hub {entry!r}: the name {name!r} is taken (a file of --loras or an earlier --hub); pick another")
        table[name] = source
    if not table:
        raise ServeError("no LoRAs to serve: give --loras FOLDER or --hub NAME=ORG/REPO")
    return table


def catalog(folder: Path) -> dict[str, Path]:
    """The LoRAs of a folder by name: each `NAME.safetensors` in it (not in subfolders), sorted."""
    if not folder.is_dir():
        raise ServeError(f"--loras {folder}: not a folder; give the folder that holds the server's .safetensors LoRAs")
    found = {path.stem: path for path in sorted(folder.glob("*.safetensors"))}
    if not found:
        raise ServeError(f"--loras {folder}: no .safetensors file in it; put the LoRAs to serve there")
    return found


def parse_request(body: object, limits: Limits) -> ImageRequest:
    """`body` (decoded JSON) as an ImageRequest, or RequestError naming the first field at fault (404 for a LoRA
    the server does not have, 422 for any other value)."""
    if not isinstance(body, Mapping):
        raise RequestError(400, "body", "send a JSON object, e.g. {\"prompt\": \"a red cube\", \"loras\": [{\"name\": \"style\", \"strength\": 0.8}]}")
    fields = {"prompt", "loras", "size", "n", "steps", "guidance_scale", "seed", "response_format", "deadline_s"}
    unknown = sorted(set(body) - fields)
    if unknown:
        raise RequestError(422, unknown[0] if unknown[0].isidentifier() else repr(unknown[0]), f"not a field of this API; the fields are {', '.join(sorted(fields))}")
    prompt = body.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip() or len(prompt) > MAX_PROMPT_CHARS:
        raise RequestError(422, "prompt", f"give the text of the image, 1 to {MAX_PROMPT_CHARS} characters")
    height, width = _size(body.get("size"), limits)
    n = _whole(body.get("n", 1), "n", 1, limits.sizes.max_batch)
    response_format = body.get("response_format", "b64_json")
    if response_format not in FORMATS:
        raise RequestError(422, "response_format", f"{response_format!r} is not one of {', '.join(FORMATS)}")
    if response_format == "png" and n > 1:
        raise RequestError(422, "response_format", "png answers with one image; ask for b64_json to get several")
    return ImageRequest(
        prompt=prompt, loras=_loras(body.get("loras"), limits), height=height, width=width, n=n,
        steps=_whole(body.get("steps", limits.default_steps), "steps", 1, limits.max_steps), guidance_scale=_guidance(body.get("guidance_scale", limits.default_guidance)),
        seed=_whole(body.get("seed", 0), "seed", 0, MAX_SEED), response_format=response_format, deadline_s=_deadline(body.get("deadline_s", limits.deadline_s), limits),
    )


def _whole(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RequestError(422, field, f"{value!r} is not a whole number from {low} to {high}")
    return value


def _number(value: object) -> float | None:
    """`value` as a finite float, or None when it is not a JSON number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _guidance(value: object) -> float:
    guidance = _number(value)
    if guidance is None or not 0 <= guidance <= 30:
        raise RequestError(422, "guidance_scale", f"{value!r} is not a number from 0 to 30 (Flux-dev: about 3.5)")
    return guidance


def _deadline(value: object, limits: Limits) -> float:
    """Seconds the client waits at most: from above 0 to the server's deadline."""
    deadline = _number(value)
    if deadline is None or not 0 < deadline <= limits.deadline_s:
        raise RequestError(422, "deadline_s", f"{value!r} is not a number of seconds above 0 and at most this server's {limits.deadline_s:g}")
    return deadline


def _size(value: object, limits: Limits) -> tuple[int, int]:
    """"HxW" (height x width, OpenAI's "1024x1024"), or the server's default size."""
    if value is None:
        return limits.default_size
    sizes = limits.sizes
    height, _, width = value.lower().partition("x") if isinstance(value, str) else ("", "", "")
    if not (height.isdigit() and width.isdigit()):
        raise RequestError(422, "size", f"{value!r} is not a size like \"1024x768\" (height x width, pixels)")
    height, width = int(height), int(width)
    if not (sizes.takes(height) and sizes.takes(width)):
        raise RequestError(422, "size", f"{height}x{width} is outside the sizes this server was prepared for: each side {sizes.min_side} to {sizes.max_side} pixels, a multiple of 16")
    return height, width


def _loras(value: object, limits: Limits) -> tuple[tuple[str, float], ...]:
    """[{"name": ..., "strength": ...}, ...]: at least one, each a LoRA of this server, at most MAX_LORAS."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_LORAS:
        raise RequestError(422, "loras", f"give 1 to {MAX_LORAS} LoRAs as [{{\"name\": ..., \"strength\": 1.0}}]; GET /v1/loras lists them")
    chosen: list[tuple[str, float]] = []
    for index, item in enumerate(value):
        field = f"loras[{index}]"
        if not isinstance(item, Mapping) or not set(item) <= {"name", "strength"}:
            raise RequestError(422, field, "give an object with a name and, optionally, a strength")
        name = item.get("name")
        if not isinstance(name, str) or name not in limits.loras:
            raise RequestError(404, f"{field}.name", f"{name!r} is not a LoRA of this server; GET /v1/loras lists them")
        if name in dict(chosen):
            raise RequestError(422, f"{field}.name", f"{name!r} is named twice; give it once with the strength you want")
        strength = _number(item.get("strength", 1.0))
        if strength is None or abs(strength) > MAX_STRENGTH:
            raise RequestError(422, f"{field}.strength", f"{item.get('strength')!r} is not a number from {-MAX_STRENGTH:g} to {MAX_STRENGTH:g}")
        chosen.append((name, strength))
    return tuple(chosen)
