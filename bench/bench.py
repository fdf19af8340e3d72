"""`make bench`: start-up, memory, latency per kind of turn and load figures of the whole assistant on this machine.

    make bench                                       # all of it on a copy of the stack of its own
    .venv/bin/python bench/bench.py --users 1,10,50 --duration 60 --kinds 3
    .venv/bin/python bench/bench.py --profile var/bench --profile-users 10   # py-spy profile of the Rasa server
    .venv/bin/python bench/bench.py --train          # also time a training from scratch (several minutes)
    .venv/bin/python bench/load.py --url http://HOST:PORT --users 50       # only the load, on a running stack

Starts its own programme-data service, action server and Rasa server on free ports with fresh databases in a
temporary directory (like the e2e tests), so it never touches a running assistant, and stops them at the end.
The bench stack raises the per-conversation and per-address rate limits (the benchmark measures the assistant,
not the rate limiter; every other setting is the default one). Prints, with the machine's load average:
- start-up: seconds until each process answers its health check, and until the first answer to a message;
- resident memory (RSS) of each process after start-up and after the load;
- latency per kind of turn for one user (small talk, commune question, BUD form step, verdict, cité);
- load at each level of concurrent conversations: messages/s, p50/p95/p99, errors, unexpected answers; first in a
  closed loop (no think time: mean latency = users / throughput, Little's law), then the --think-users levels
  with a think time (default 2-6 s between an answer and the next message, as a resident reads and types);
  after each level, the CPU time each process used per message (user + system, from /proc): on a shared machine
  it moves far less than latency with what else runs, so it is the figure to compare between two versions;
- with --profile: where the Rasa server spends its CPU under load (py-spy), the top functions and the share of
  a few known costs; with --train: the time of a training from a clean model directory and a clean cache.
See bench/README.md.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistant.stack import BIN, QUIET, Ports, Stack, free_ports, model_path  # noqa: E402
from load import Runner, levels as parse_levels, parse_think, run_levels, think_label  # noqa: E402

# Rate limits of the bench stack: high enough that closed-loop virtual users are never refused.
BENCH_LIMITS = {"ASSISTANT_CONVERSATION_BURST": "1000", "ASSISTANT_CONVERSATION_PER_SECOND": "1000",
                "ASSISTANT_ADDRESS_BURST": "1000", "ASSISTANT_ADDRESS_PER_SECOND": "1000"}
# Functions whose inclusive share of the Rasa server's CPU the profile summary prints (substring of a frame).
KNOWN_COSTS = {
    "action response validation (jsonschema)": "_validate_action_result",
    "jsonschema (any)": "jsonschema/",
    "NLU: whole pipeline": "parse_message",
    "NLU: DIET": "diet_classifier.py",
    "NLU: ResponseSelector": "response_selector.py",
    "NLU: spaCy": "spacy/",
    "NLU: RegexFeaturizer": "regex_featurizer.py",
    "NLU: RegexEntityExtractor": "regex_entity_extractor.py",
    "NLU: CountVectorsFeaturizer": "count_vectors_featurizer.py",
    "tracker store (SQL)": "tracker_store.py",
    "tracker serialisation (current_state)": "current_state",
    "actions run by Rasa (action.py, incl. remote calls)": "rasa/core/actions/action.py",
    "policies (predict)": "_predict_next_with_tracker",
}


# The same for the action server (rasa_sdk's Sanic app and the project's actions).
ACTION_COSTS = {
    "request body parsed (json)": "json/decoder.py",
    "answer encoded (json)": "json/encoder.py",
    "rasa_sdk executor (tracker and domain read)": "rasa_sdk/executor.py",
    "forms (rasa_sdk FormValidationAction)": "rasa_sdk/forms.py",
    "the project's actions (actions/)": "(actions/",
    "calls to the programme service (requests)": "programme_client.py",
}
# And for the programme-data service (FastAPI on uvicorn).
PROGRAMME_COSTS = {
    "BUD evaluation (assistant/bud)": "assistant/bud/",
    "insights events stored (POST /insights/events)": "post_events",
    "communes": "assistant/api/communes.py",
    "cités": "assistant/api/cites.py",
    "SQL (SQLAlchemy)": "sqlalchemy/",
    "pydantic": "pydantic/",
    "FastAPI / Starlette routing and dependencies": "fastapi/",
}
# Leaf frames of a thread that waits (py-spy samples them as active although they use no CPU), and whose thread.
WAITS = ("readinto (socket.py", "recv_into (", "accept (socket.py", "wait (threading.py", "_wait_for_tstate_lock",
         "_worker (concurrent/futures/thread.py",  # an idle worker of a thread pool, waiting for work
         "serve (sanic/server/runners.py",  # Sanic's event loop inside uvloop (C): polling for sockets
         "asyncio_run (uvicorn/_compat.py", "run_until_complete (asyncio/base_events.py")  # the same in uvicorn
THREADS = {"insights broker thread (HTTP post)": "insights_broker.py",
           "thread-pool workers": "concurrent/futures/thread.py", "event loop": "runners.py",
           "event loop (uvicorn)": "uvicorn/_compat.py"}


class StockStack(Stack):
    """The same stack with Rasa's stock server: plain `rasa run` (no plug-ins, no warm-up) and Rasa's own SQL
    tracker store, for before/after figures in the same conditions (--stock)."""

    def commands(self) -> dict:
        commands = super().commands()
        argv, health = commands["rasa"]
        start = argv.index("-m")
        argv = [str(BIN / "rasa"), *argv[start + 2:]]
        endpoints = self.var_dir / "endpoints-stock.yml"
        text = (ROOT / "endpoints.yml").read_text(encoding="utf-8")
        endpoints.write_text(text.replace("type: rasa_plugins.tracker_store.SQLiteWALTrackerStore", "type: SQL"),
                             encoding="utf-8")
        argv[argv.index("endpoints.yml")] = str(endpoints)
        commands["rasa"] = (argv, health)
        return commands


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def group_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by the live processes of a process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pid:
                continue
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError, IndexError):
            continue
    return total / ticks


def memory_line(stack: Stack) -> str:
    rss = stack.memory_mb()
    parts = "  ".join(f"{name} {mb:.0f}" for name, mb in rss.items())
    return f"{parts}  whole stack {sum(rss.values()):.0f} MB"


def first_answer(url: str, timeout: float) -> float:
    """Seconds until the REST channel gives a non-empty answer to a greeting."""
    started = time.monotonic()
    body = json.dumps({"sender": "bench-first", "message": "bonjour"}).encode()
    while time.monotonic() - started < timeout:
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                if json.loads(response.read() or b"[]"):
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("no answer to the first message")


class Profiler:
    """py-spy recording of one process while a level runs (if py-spy is installed)."""

    def __init__(self, out_dir: Path, pid: int, name: str = "rasa"):
        self.out_dir, self.pid, self.name, self.process = out_dir, pid, name, None

    def start(self, users: int) -> None:
        spy = shutil.which("py-spy", path=str(BIN)) or shutil.which("py-spy")
        if not spy:
            print("py-spy is not installed: no profile (pip install py-spy==0.4.1 -c requirements.lock)")
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.raw = self.out_dir / f"{self.name}-{users}users.txt"
        self.process = subprocess.Popen(
            [spy, "record", "--pid", str(self.pid), "--rate", "50", "--format", "raw", "--output", str(self.raw),
             "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if not self.process:
            return
        self.process.send_signal(2)  # py-spy writes its output on SIGINT
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.process = None
        if self.raw.exists():
            known = {"actions": ACTION_COSTS, "programme": PROGRAMME_COSTS}.get(self.name, KNOWN_COSTS)
            print(summarise_profile(self.raw, known=known), flush=True)

def summarise_profile(raw: Path, top: int = 15, known: dict = KNOWN_COSTS) -> str:
    """Collapsed stacks → inclusive share of the known costs and the top self-time functions."""
    total, inclusive, self_time, waiting = 0, Counter(), Counter(), Counter()
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        idle = frames[-1].split(" ")[0] in ("select", "poll", "epoll_wait", "_run_once") or "selectors.py" in frames[-1]
        if idle:
            continue
        if any(w in frames[-1] for w in WAITS):
            # A thread blocked on a socket or a lock (py-spy counts it as active): time, not CPU.
            waiting[next((label for label, needle in THREADS.items() if any(needle in f for f in frames)),
                         "other threads")] += n
            continue
        total += n
        for label, needle in known.items():
            if any(needle in f for f in frames):
                inclusive[label] += n
        self_time[frames[-1]] += n
    if not total:
        return "profile: no samples"
    lines = [f"profile ({raw}): {total} busy samples of the main thread and workers (50 a second)"]
    if waiting:
        lines.append("  not counted (a thread blocked on a socket or a lock, not using the CPU): "
                     + ", ".join(f"{label} {n}" for label, n in waiting.most_common()) + " samples")
    lines += [f"  {label:<42} {100 * inclusive[label] / total:5.1f} %" for label in known]
    lines.append("  top self time:")
    lines += [f"    {100 * n / total:5.1f} %  {frame[:110]}" for frame, n in self_time.most_common(top)]
    return "\n".join(lines)


def time_training() -> None:
    """A training from scratch: a clean output directory and a clean Rasa cache, so nothing is reused."""
    with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
        env = {**os.environ, **QUIET, "RASA_CACHE_DIRECTORY": str(Path(tmp) / "cache")}
        print(f"training from scratch (load {load_average()})…", flush=True)
        started = time.monotonic()
        result = subprocess.run([str(BIN / "rasa"), "train", "--out", str(Path(tmp) / "models")], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        seconds = time.monotonic() - started
        print(f"training: {seconds:.0f} s{'' if result.returncode == 0 else ' (FAILED)'}  (load {load_average()})",
              flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="1,10,50", help="comma-separated concurrency levels")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--kinds", type=int, default=3, help="rounds of every conversation for the per-kind latency")
    parser.add_argument("--think", default="2-6", help="S or LOW-HIGH: seconds a user of the --think-users levels "
                        "waits after each answer (uniform, fixed seed)")
    parser.add_argument("--think-users", default="50", help="comma-separated levels run with --think after the "
                        "closed-loop ones ('' for none)")
    parser.add_argument("--model", type=Path, help="model archive (default: the one for the current training data)")
    parser.add_argument("--profile", type=Path, help="directory for py-spy profiles of the Rasa server")
    parser.add_argument("--profile-users", type=int, default=10, help="the closed-loop level during which to profile")
    parser.add_argument("--train", action="store_true", help="also time a training from scratch")
    parser.add_argument("--stock", action="store_true", help="Rasa's stock server, without rasa_plugins (before)")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the bench stack (repeatable)")
    args = parser.parse_args()
    model = args.model or model_path()
    if not model.exists():
        print(f"No model for the current training data: run `make train` first ({model.name}).", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} cores, load average {load_average()} (figures are noisy on a shared machine); "
          f"Rasa server: {'stock `rasa run`' if args.stock else 'rasa_plugins.serve'}")
    status = 0
    with tempfile.TemporaryDirectory(prefix="bench-") as var:
        var_dir = Path(var)
        extra = {"PROGRAMME_DATABASE_URL": f"sqlite:///{var_dir / 'programme.db'}", **BENCH_LIMITS}
        extra.update(dict(item.split("=", 1) for item in args.env))
        stack = (StockStack if args.stock else Stack)(model, ports=Ports(*free_ports(3)), var_dir=var_dir, extra_env=extra)
        try:
            started = time.monotonic()
            stack.start(["programme", "actions", "rasa"], timeout=600)
            ready = time.monotonic() - started
            base = f"http://127.0.0.1:{stack.ports.rasa}"
            first = ready + first_answer(f"{base}/webhooks/rest/webhook", 300)
            print(f"start-up: all three processes answer their health check after {ready:.1f} s; "
                  f"first answer to a message after {first:.1f} s (model {model.name})", flush=True)
            print(f"memory after start-up (RSS, MB): {memory_line(stack)}", flush=True)
            profilers = [Profiler(args.profile, stack.processes[name].pid, name) for name in ("rasa", "actions", "programme")
                         if args.profile]

            cpu_before: dict = {}

            def on_level(moment: str, users: int, think: tuple, result=None) -> None:
                if moment == "before":
                    print(f"[{users} users, {think_label(think)}, load average {load_average()}]", flush=True)
                if users == args.profile_users and think[1] == 0:
                    for profiler in profilers:
                        profiler.start(users) if moment == "before" else profiler.stop()
                cpu = {name: group_cpu_seconds(p.pid) for name, p in stack.processes.items()}
                if moment == "before":
                    cpu_before.update(cpu)
                elif result is not None and result.samples:
                    # CPU time per answered message: far less sensitive than latency to what else runs on the machine.
                    print("      CPU per message (ms): " + "  ".join(
                        f"{name} {1000 * (cpu[name] - cpu_before[name]) / len(result.samples):.1f}" for name in cpu)
                        + f"  (load average {load_average()})", flush=True)

            think = parse_think(args.think)
            think_levels = parse_levels(args.think_users)
            runner = Runner(base)
            print(f"load: {args.duration:.0f} s per level; latency in ms; closed loop (no think time) at "
                  f"{args.users or 'no level'}: each user always has one message in flight, so the mean latency is "
                  f"users / throughput (Little's law; at 25 msg/s 50 users wait 2 s on average)"
                  + (f"; then {','.join(map(str, think_levels))} users with {think_label(think)} after each answer "
                     f"(uniform, fixed seed): residents reading and typing" if think_levels else ""), flush=True)
            results = asyncio.run(run_levels(runner, parse_levels(args.users), args.duration, args.kinds, on_level,
                                             think_levels=think_levels, think=think))
            status = 1 if any(r.errors() for r in results) else 0
            print(f"memory after the load (RSS, MB): {memory_line(stack)}", flush=True)
        finally:
            stack.stop()
    if args.train:
        time_training()
    print(f"load average at the end: {load_average()}")
    return status


if __name__ == "__main__":
    sys.exit(main())
