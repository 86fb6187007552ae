"""The server (issue 33): the request rules alone, then the Ray Serve application for real on a local Ray, two CPU
replicas of the tiny pipeline driven over loopback HTTP by a bounded concurrent client. Every served image equals
the same request made directly through `generate`; the replicas swap far less often than the stream changes
sets; a replica killed mid-stream is replaced and loses no accepted request; bad requests get their 4xx and a
burst beyond the queue its 503s."""

from __future__ import annotations

import base64
import io
import json
import random
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from safetensors.torch import save_file

from lora_fast.config import OptimizationConfig, RequestSizes
from lora_fast.lora.errors import LoraError
from lora_fast.lora.synthetic import LoraSpec, make_lora
from lora_fast.pipelines import load_pipeline
from lora_fast.serve.replica import ServeSettings, build_pipeline, direct_images, read_set
from lora_fast.serve.requests import Limits, RequestError, ServeError, catalog, lora_table, parse_request, set_loras

pytestmark = pytest.mark.xdist_group("ray")  # one local Ray at a time: its tests share a worker under -n 2 --dist loadgroup

FOLDED = OptimizationConfig(name="folded", hotswap=True, fold_lora=True)
SIZES = RequestSizes(min_side=32, max_side=128, max_batch=2, static=(), text_tokens=64)
LIMITS = Limits(loras={"style": "style.safetensors", "subject": "subject.safetensors"}, sizes=SIZES, deadline_s=300, default_size=(64, 64), default_steps=2)
GOOD = {"prompt": "a red cube", "loras": [{"name": "style", "strength": 0.8}, {"name": "subject"}], "size": "48x96", "n": 2, "steps": 2, "seed": 7}


def test_a_request_reads_as_the_openai_shape_with_its_lora_set():
    request = parse_request(GOOD, LIMITS)
    assert (request.height, request.width, request.n, request.steps, request.seed, request.response_format) == (48, 96, 2, 2, 7, "b64_json")
    assert request.lora_set == "style@0.8+subject@1.0"
    assert parse_request({"prompt": "x", "loras": [{"name": "style"}]}, LIMITS).height == 64  # the server's defaults


@pytest.mark.parametrize("change, status, field", [
    ({"prompt": ""}, 422, "prompt"), ({"loras": []}, 422, "loras"), ({"loras": [{"name": "other"}]}, 404, "loras[0].name"),
    ({"loras": [{"name": "style", "strength": float("nan")}]}, 422, "loras[0].strength"), ({"loras": [{"name": "style"}, {"name": "style"}]}, 422, "loras[1].name"),
    ({"size": "4096x64"}, 422, "size"), ({"size": "big"}, 422, "size"), ({"n": 3}, 422, "n"), ({"steps": 0}, 422, "steps"), ({"steps": True}, 422, "steps"),
    ({"guidance_scale": "high"}, 422, "guidance_scale"), ({"seed": -1}, 422, "seed"), ({"response_format": "url"}, 422, "response_format"),
    ({"response_format": "png"}, 422, "response_format"), ({"quality": "hd"}, 422, "quality"), ({"deadline_s": 0}, 422, "deadline_s"),
    ({"deadline_s": 301}, 422, "deadline_s"),
])
def test_each_bad_field_is_refused_by_name(change, status, field):
    with pytest.raises(RequestError) as refused:
        parse_request({**GOOD, **change}, LIMITS)
    assert (refused.value.status, refused.value.field) == (status, field)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(loras=st.lists(st.tuples(st.from_regex(r"[A-Za-z0-9_.-]+", fullmatch=True), st.floats(-10, 10)), min_size=1, max_size=8, unique_by=lambda pair: pair[0]))
def test_a_sets_id_gives_back_its_loras_and_strengths(loras):
    """The id is how a replica learns the set it must read (Ray Serve passes it alone)."""
    request = parse_request({"prompt": "x", "loras": [{"name": name, "strength": strength} for name, strength in loras]},
                            Limits(loras=dict.fromkeys([name for name, _ in loras], "f"), sizes=SIZES, default_size=(64, 64)))
    assert set_loras(request.lora_set) == tuple(loras)


@settings(max_examples=300, deadline=None)
@given(body=st.dictionaries(st.sampled_from([*GOOD, "other"]), json_values, max_size=6) | json_values)
def test_any_json_is_a_request_or_a_refusal_naming_a_field(body):
    try:
        parse_request(body, LIMITS)
    except RequestError as refused:
        assert 400 <= refused.status < 500 and refused.field


def test_a_server_refuses_unusable_loras_before_starting(tmp_path):
    with pytest.raises(ServeError, match="no .safetensors file"):
        catalog(tmp_path)
    (tmp_path / "style.safetensors").write_bytes(b"")
    assert lora_table(tmp_path, ["subject=org/subject-lora/lora.safetensors"]) == {"style": tmp_path / "style.safetensors", "subject": "org/subject-lora/lora.safetensors"}
    for hub, named in ((["style=org/other"], "the name 'style' is taken"), (["org/other"], "NAME=ORG/REPO"), (["x=notahubid"], "neither an existing file nor a hub id")):
        with pytest.raises((ServeError, LoraError), match=named):
            lora_table(tmp_path, hub)
    with pytest.raises(ServeError, match="no LoRAs to serve"):
        lora_table(None, [])
    with pytest.raises(ServeError, match="letters, digits"):
        ServeSettings(config=FOLDED, loras={"a+b": tmp_path / "x.safetensors"})


# --- the application on a local Ray ---------------------------------------------------------------------------------

SETS = [[("lora0", 1.0)], [("lora1", 1.0)], [("lora2", 0.5)], [("lora0", 0.8), ("lora2", 1.0)], [("lora3", 1.0)], [("lora1", 1.0), ("lora3", -0.5)]]
STREAM = 200
CONCURRENCY = 16


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Two CPU replicas (one torch thread each, as the direct pipeline below), four LoRAs from the factory."""
    pytest.importorskip("ray.serve", reason="the server needs Ray Serve: pip install 'lora-fast[serve]' (.ci/run installs it)")
    from lora_fast.serve import app

    folder, transformer = tmp_path_factory.mktemp("loras"), load_pipeline("tiny").transformer
    for index in range(4):
        save_file(make_lora(transformer, LoraSpec(rank=4, seed=index)), folder / f"lora{index}.safetensors")
    served = ServeSettings(config=FOLDED, loras=catalog(folder), sizes=SIZES, replicas=2, sets_per_replica=3, waiting_per_replica=16, max_queued=16, threads=1)
    url = app.start(served, port=8765)
    try:
        yield url, served
    finally:
        app.stop()


def post(url: str, body: object, timeout: float = 120) -> tuple[int, dict, bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url + "/v1/images/generations", data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def body_of(lora_set: list, seed: int, size: str = "64x64") -> dict:
    return {"prompt": "a red cube", "loras": [{"name": name, "strength": strength} for name, strength in lora_set], "size": size, "steps": 2, "seed": seed, "response_format": "png"}


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


@pytest.fixture(scope="module")
def direct(server):
    """The same requests made directly: the server's pipeline built here, one torch thread, each set loaded."""
    _, served = server
    threads = torch.get_num_threads()
    pipe = build_pipeline(served)
    limits, made = served.limits(), {}

    def image(lora_set: list, seed: int, size: str = "64x64") -> np.ndarray:
        request = parse_request(body_of(lora_set, seed, size), limits)
        if (request.lora_set, seed, size) not in made:
            pipe.lora_fast.lora.load(list(read_set(request.lora_set, served.loras).parts))
            made[request.lora_set, seed, size] = pixels(direct_images(pipe, request, served)[0])
        return made[request.lora_set, seed, size]

    try:
        yield image
    finally:
        torch.set_num_threads(threads)


def replica_actors() -> list[str]:
    import ray

    return sorted(actor["name"] for actor in ray.util.list_named_actors(all_namespaces=True) if "#replica#" in actor["name"])


def running_replicas() -> int:
    from ray import serve

    return serve.status().applications["lora-fast"].deployments["replica"].replica_states.get("RUNNING", 0)


def stream_of(count: int, seed: int) -> list[tuple[int, int, str]]:
    """(set, seed, size) of `count` requests, each set drawn at random: a stream that changes sets most of the time."""
    rng = random.Random(seed)
    return [(rng.randrange(len(SETS)), rng.randrange(2), rng.choice(["64x64", "48x96"])) for _ in range(count)]


def check_images(stream: list, answers: list, direct) -> None:
    assert [status for status, _, _ in answers] == [200] * len(stream), {(status, body[:200]) for status, _, body in answers if status != 200}
    for (set_index, seed, size), (_, _, png) in zip(stream, answers):
        assert np.array_equal(pixels(png), direct(SETS[set_index], seed, size)), (set_index, seed, size)


def test_a_stream_over_http_equals_generate_and_swaps_far_less_than_it_changes_sets(server, direct):
    url, _ = server
    stream = stream_of(STREAM, seed=0)
    with ThreadPoolExecutor(CONCURRENCY) as client:
        answers = list(client.map(lambda item: post(url, body_of(SETS[item[0]], item[1], item[2])), stream))
    check_images(stream, answers, direct)
    changes = sum(a[0] != b[0] for a, b in zip(stream, stream[1:]))
    swaps: dict[str, int] = {}
    for _, headers, _ in answers:
        swaps[headers["x-lora-fast-replica"]] = swaps.get(headers["x-lora-fast-replica"], 0) + int(headers["x-lora-fast-swapped"])
    print(f"swaps per replica {swaps} for {changes} set changes")
    assert len(swaps) == 2 and sum(swaps.values()) <= changes / 2, f"{swaps} swaps per replica for {changes} set changes in the stream"


def test_a_replica_killed_mid_stream_is_replaced_and_loses_no_request(server, direct):
    import ray

    url, _ = server
    stream, killed = stream_of(60, seed=1), []

    def send(index: int):
        if index == 30:  # one replica dies with requests on it
            killed.append(replica_actors()[0])
            ray.kill(ray.get_actor(killed[0], namespace="serve"), no_restart=True)
        set_index, seed, size = stream[index]
        return post(url, body_of(SETS[set_index], seed, size))

    with ThreadPoolExecutor(CONCURRENCY) as client:
        answers = list(client.map(send, range(len(stream))))
    check_images(stream, answers, direct)  # every accepted request answered, with its own image
    deadline = time.monotonic() + 120
    while (running_replicas() < 2 or killed[0] in replica_actors()) and time.monotonic() < deadline:
        time.sleep(1)
    assert running_replicas() == 2 and killed[0] not in replica_actors(), "the killed replica was not replaced"


def test_bad_requests_get_their_4xx_and_a_burst_beyond_the_queue_its_503(server, direct):
    url, _ = server
    for body, status, field in (
        (b"{not json", 400, "body"), (json.dumps({**body_of(SETS[0], 0), "prompt": "x" * 100_000}).encode(), 413, "body"), ({"prompt": "x", "loras": [{"name": "missing"}]}, 404, "loras[0].name"),
        ({**body_of(SETS[0], 0), "size": "4096x4096"}, 422, "size"), ({**body_of(SETS[0], 0), "n": 2}, 422, "response_format"),
        ({**body_of(SETS[1], 0), "deadline_s": 0.001}, 504, "deadline_s"),  # no replica answers in a millisecond
    ):
        answer = post(url, body)
        assert (answer[0], json.loads(answer[2])["error"]["field"]) == (status, field), answer
    with urllib.request.urlopen(url + "/v1/loras", timeout=30) as response:
        assert [item["name"] for item in json.loads(response.read())["data"]] == ["lora0", "lora1", "lora2", "lora3"]
    burst = [(index % len(SETS), index) for index in range(96)]  # 2 replicas x 16 held + 16 queued: the rest is turned away
    with ThreadPoolExecutor(len(burst)) as client:
        answers = list(client.map(lambda item: post(url, {**body_of(SETS[item[0]], item[1] % 2), "response_format": "b64_json"}), burst))
    refused = [headers for status, headers, _ in answers if status == 503]
    assert refused and all(headers.get("retry-after") for headers in refused)
    for (set_index, seed), (status, _, body) in zip(burst, answers):
        assert status in (200, 503), status
        if status == 200:
            assert np.array_equal(pixels(base64.b64decode(json.loads(body)["data"][0]["b64_json"])), direct(SETS[set_index], seed % 2))


# --- one replica, without Ray ---------------------------------------------------------------------------------------


@pytest.fixture
def replica(tmp_path):
    from lora_fast.serve.replica import Replica

    transformer = load_pipeline("tiny").transformer
    for index in range(2):
        save_file(make_lora(transformer, LoraSpec(rank=4, seed=index)), tmp_path / f"lora{index}.safetensors")
    broken = make_lora(transformer, LoraSpec(rank=4, seed=5))
    next(iter(broken.values()))[0, 0] = float("nan")
    save_file(broken, tmp_path / "broken.safetensors")
    return Replica(ServeSettings(config=FOLDED, loras=catalog(tmp_path), sizes=SIZES))


def test_a_replica_takes_the_waiting_requests_for_its_loaded_set_first(replica):
    """Held busy while a, b, a, b arrive, with a loaded: it serves a, a, then b, b, so one swap instead of three."""
    limits = replica.settings.limits()
    requests = [parse_request(body_of([(f"lora{index}", 1.0)], 0), limits) for index in (0, 1, 0, 1)]
    sets = {made.lora_set: read_set(made.lora_set, replica.settings.loras) for made in requests}
    replica.render(requests[0], sets[requests[0].lora_set])
    swaps = replica.swaps
    with replica.turns:
        replica.busy = True
    with ThreadPoolExecutor(4) as pool:
        futures = []
        for made in requests:
            futures.append(pool.submit(replica.render, made, sets[made.lora_set]))
            while len(replica.waiting) < len(futures):  # each arrives before the next
                time.sleep(0.01)
        with replica.turns:
            replica.busy = False
            replica.turns.notify_all()
        answers = [future.result() for future in futures]
    assert replica.swaps - swaps == 1 and [swapped for _, swapped in answers] == [False, True, False, False]


def test_a_replica_runs_its_pipeline_on_the_thread_that_built_it_whatever_thread_asks(replica):
    """The CPU twin of a GPU replica's CUDA graphs, which torch keeps per thread: requests arriving together on
    several threads are all swapped and rendered on the one thread the pipeline was built on."""
    builder = replica.pipeline_thread.submit(threading.get_ident).result()
    ran_on: set[int] = set()
    replica.pipe.transformer.register_forward_pre_hook(lambda module, args: ran_on.add(threading.get_ident()))
    swapped_on: set[int] = set()
    load = replica.pipe.lora_fast.lora.load
    replica.pipe.lora_fast.lora.load = lambda parts: (swapped_on.add(threading.get_ident()), load(parts))[1]
    limits = replica.settings.limits()
    requests = [parse_request(body_of([(f"lora{index % 2}", 1.0)], index), limits) for index in range(4)]
    sets = {made.lora_set: read_set(made.lora_set, replica.settings.loras) for made in requests}
    together = threading.Barrier(len(requests))

    def ask(made) -> int:
        together.wait()  # every request on a thread of its own
        replica.render(made, sets[made.lora_set])
        return threading.get_ident()

    with ThreadPoolExecutor(len(requests)) as pool:
        callers = list(pool.map(ask, requests))
    assert len(set(callers)) == len(requests) and builder not in callers
    assert ran_on == {builder} and swapped_on == {builder}


def test_a_set_that_fails_to_load_raises_the_librarys_error_and_keeps_the_loaded_set(replica):
    limits = replica.settings.limits()
    good, broken = (parse_request(body_of([(name, 1.0)], 0), limits) for name in ("lora0", "broken"))
    first = replica.render(good, read_set(good.lora_set, replica.settings.loras))[0]
    with pytest.raises(LoraError, match="NaN or inf"):
        replica.render(broken, read_set(broken.lora_set, replica.settings.loras))
    assert replica.holding == good.lora_set and replica.render(good, read_set(good.lora_set, replica.settings.loras)) == (first, False)


def test_the_serve_command_refuses_a_folder_without_loras_in_one_line(tmp_path, capsys):
    from lora_fast.cli import main

    assert main(["serve"]) == 2
    assert main(["serve", "--loras", str(tmp_path / "missing")]) == 2
    assert main(["serve", "--loras", str(tmp_path)]) == 2
    assert main(["serve", "--loras", str(tmp_path), "--port", "70000"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["error"] * 4 and "no LoRAs to serve" in lines[0] and "not a folder" in lines[1], lines
    assert "no .safetensors file" in lines[2] and "70000" in lines[3], lines
