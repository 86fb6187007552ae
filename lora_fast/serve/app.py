"""The server on Ray Serve: an HTTP API (`Api`) in front of one `FluxReplica` per GPU. A request's LoRA set is Ray
Serve's multiplexed model id, so requests for a set are routed to replicas that already hold it, and each replica
keeps its most recently used sets read in host memory (`serve.multiplexed`'s LRU). Ray Serve queues, restarts dead
replicas and bounds the queue; the API turns each way a request can fail into its HTTP status, a killed replica's
requests are sent again.

Local: `start(settings)` starts Ray in this process. A cluster: `ray start --head` on one machine, `ray start
--address HEAD:6379` on the others, then `start(settings, address="auto")` (or `lora-fast serve --address auto`)."""

import asyncio
import base64
import json
import logging
import time

import ray
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from ray import serve
from ray.exceptions import RayActorError, RayTaskError
from ray.serve.exceptions import BackPressureError, DeploymentUnavailableError, ReplicaUnavailableError

from ..lora.errors import LoraError
from .replica import Replica, ServeSettings, read_set
from .requests import ImageRequest, RequestError, parse_request

APP_NAME = "lora-fast"
SEND_AGAIN = (RayActorError, ReplicaUnavailableError)  # the replica died or went away with the request: another one takes it
RETRY_AFTER_S = 5
MAX_BODY_BYTES = 64 * 1024
log = logging.getLogger("lora_fast.serve")

api = FastAPI(title="lora-fast", description="Flux images with LoRAs, served on Ray Serve")


def error(status: int, field: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"field": field, "message": message}}, status_code=status, headers=headers)


@serve.deployment(name="replica")
class FluxReplica:
    """One optimized pipeline (a GPU's, or a CPU replica's); its LoRA sets come through `serve.multiplexed`."""

    def __init__(self, settings: ServeSettings) -> None:
        self.replica = Replica(settings)
        self.name = serve.get_replica_context().replica_id.unique_id

        async def read(set_id: str):
            return await asyncio.to_thread(read_set, set_id, settings.loras)

        self.lora_set = serve.multiplexed(max_num_models_per_replica=settings.sets_per_replica)(read)

    async def render(self, request: ImageRequest) -> dict:
        lora_set = await self.lora_set(serve.get_multiplexed_model_id())
        images, swapped = await asyncio.to_thread(self.replica.render, request, lora_set)  # the event loop stays free for health checks
        return {"images": images, "swapped": swapped, "replica": self.name, "swaps": self.replica.swaps}


@serve.deployment(name="api", max_ongoing_requests=1000)
@serve.ingress(api)
class Api:
    """The HTTP API: POST /v1/images/generations, GET /v1/loras, GET /health."""

    def __init__(self, replica, settings: ServeSettings) -> None:
        self.replica, self.settings, self.limits = replica, settings, settings.limits()

    @api.get("/health")
    async def health(self) -> dict:
        return {"status": "ok", "model": self.settings.model, "preset": self.settings.config.name, "replicas": self.settings.replicas}

    @api.get("/v1/loras")
    async def loras(self) -> dict:
        sizes = self.limits.sizes
        return {"data": [{"name": name} for name in self.limits.loras],
                "sizes": {"min_side": sizes.min_side, "max_side": sizes.max_side, "multiple": 16, "max_n": sizes.max_batch}, "max_steps": self.limits.max_steps}

    @api.post("/v1/images/generations")
    async def images(self, http: Request) -> Response:
        raw = b""
        async for chunk in http.stream():  # read up to the cap, never a whole oversized body
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                return error(413, "body", f"over {MAX_BODY_BYTES // 1024} KiB; a request is a prompt and a few fields")
        try:
            body = json.loads(raw)
        except ValueError:
            return error(400, "body", "not JSON; send a JSON object with a prompt and loras")
        try:
            request = parse_request(body, self.limits)
        except RequestError as refused:
            return error(refused.status, refused.field, str(refused).partition(": ")[2])
        deadline = time.monotonic() + request.deadline_s
        while True:
            response = self.replica.options(multiplexed_model_id=request.lora_set).render.remote(request)

            async def answer(response=response) -> dict:
                return await response

            try:
                result = await asyncio.wait_for(answer(), timeout=max(0.0, deadline - time.monotonic()))
                break
            except SEND_AGAIN as lost:  # sent again; past the deadline, the next wait times out at once
                log.warning("a replica went away with a request (%s); sending it again", lost.__class__.__name__)
            except (BackPressureError, DeploymentUnavailableError):
                return error(503, "server", "every replica is busy and the queue is full; send it again later", headers={"Retry-After": str(RETRY_AFTER_S)})
            except asyncio.TimeoutError:
                response.cancel()
                return error(504, "deadline_s", f"no replica answered within {request.deadline_s:g} s")
            except RayTaskError as failed:
                if isinstance(failed.cause, LoraError):
                    return error(422, "loras", f"the server could not load this set: {failed.cause}")
                log.error("a request failed in its replica: %s: %s", type(failed.cause).__name__, failed.cause)
                return error(500, "server", f"the image failed on the server ({type(failed.cause).__name__}); the request was valid, send it again or report it")
        headers = {"X-Lora-Fast-Replica": result["replica"], "X-Lora-Fast-Swapped": str(int(result["swapped"])), "X-Lora-Fast-Swaps": str(result["swaps"])}
        if request.response_format == "png":
            return Response(result["images"][0], media_type="image/png", headers=headers)
        return JSONResponse({"created": int(time.time()), "data": [{"b64_json": base64.b64encode(image).decode()} for image in result["images"]]}, headers=headers)


def application(settings: ServeSettings):
    """The Ray Serve application of `settings`: the API and its replicas, not yet running."""
    replica = FluxReplica.options(
        num_replicas=settings.replicas, max_ongoing_requests=settings.waiting_per_replica, max_queued_requests=settings.max_queued,
        ray_actor_options={"num_gpus": settings.gpus_per_replica, "num_cpus": 0 if settings.gpus_per_replica else 1},
    ).bind(settings)
    return Api.options(ray_actor_options={"num_cpus": 0}).bind(replica, settings)


def start(settings: ServeSettings, *, address: str | None = None, host: str = "127.0.0.1", port: int = 8000, cpus: int | None = None) -> str:
    """Run the server and return its URL: on a Ray started in this process (`cpus` logical CPUs, default one per
    replica and one more), or on the cluster at `address`. Returns once every replica is warmed up and serving."""
    if not ray.is_initialized():
        options = {"address": address} if address else {"num_cpus": cpus or settings.replicas + 1, "include_dashboard": False}
        ray.init(logging_level=logging.WARNING, log_to_driver=False, **options)
    serve.start(http_options={"host": host, "port": port})
    serve.run(application(settings), name=APP_NAME, route_prefix="/")
    return f"http://{host}:{port}"


def stop() -> None:
    """Shut the server and the Ray this process started down."""
    serve.shutdown()
    ray.shutdown()
