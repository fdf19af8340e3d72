"""Start the whole assistant on one machine: programme-data service, action server and Rasa server.

    python -m assistant.stack run      # train if needed, start everything, Ctrl-C stops it all
    python -m assistant.stack shell    # the same, then chat in the terminal (staff)
    python -m assistant.stack train    # train only if no model matches the current training inputs

The model is cached under models/ by a hash of everything that shapes it (config, domain, training data,
pinned library versions, and the source of every custom component config.yml names, with the project modules it
imports), so a second start reuses it. Ports and paths come from the environment.
"""
from __future__ import annotations

import argparse
import ast
import asyncio
import fcntl
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import yaml

from actions import settings as action_settings
from assistant.exposure import refuse_default_secrets
from rasa_plugins import settings as rasa_settings

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL_DIR = ROOT / "models"
TRAINING_INPUTS = ("config.yml", "domain.yml", "data/nlu", "data/rules", "data/stories", "requirements.lock")
QUIET = {"TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore"}


def _module_file(root: Path, module: str) -> Optional[Path]:
    """The source file of a project module (`rasa_plugins.gibberish`), or None for a library's."""
    base = root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _project_imports(root: Path, file: Path) -> set[str]:
    """The modules of this repository that a source file imports (absolute imports only)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if _module_file(root, name) is not None}


def custom_component_files(root: Path = ROOT) -> list[Path]:
    """The source of every custom pipeline component and policy named in config.yml (a dotted `module.Class`),
    and of the project modules they import, transitively: a change to any of them changes what training makes."""
    config = yaml.safe_load((root / "config.yml").read_text(encoding="utf-8")) or {}
    pending = [str(entry["name"]).rsplit(".", 1)[0]
               for entry in (config.get("pipeline") or []) + (config.get("policies") or [])
               if isinstance(entry, dict) and "." in str(entry.get("name", ""))]
    found: dict[str, Path] = {}
    while pending:
        module = pending.pop()
        file = _module_file(root, module)
        if file is None or module in found:
            continue
        found[module] = file
        pending.extend(_project_imports(root, file) - set(found))
    return sorted(set(found.values()))


def training_files(root: Path = ROOT) -> list[Path]:
    files: list[Path] = []
    for name in TRAINING_INPUTS:
        path = root / name
        files += sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return files + [file for file in custom_component_files(root) if file not in files]


def model_hash(root: Path = ROOT) -> str:
    digest = hashlib.sha256()
    for file in training_files(root):
        digest.update(str(file.relative_to(root)).encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return MODEL_DIR / f"model-{model_hash()}.tar.gz"


def train_if_needed() -> Path:
    """The model for the current training inputs, trained first if there is none (one training at a time)."""
    MODEL_DIR.mkdir(exist_ok=True)
    with (MODEL_DIR / ".training.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second caller waits, then finds the model trained
        return _train_unlocked()


def _train_unlocked() -> Path:
    target = model_path()
    if target.exists():
        print(f"Model up to date: {target.relative_to(ROOT)}", flush=True)
        return target
    print("Training the model (a few minutes on 2 cores)…", flush=True)
    log = ROOT / "var" / "logs" / "train.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log.open("w") as out:
        result = subprocess.run(
            [str(BIN / "rasa"), "train", "--out", str(MODEL_DIR), "--fixed-model-name", target.name[: -len(".tar.gz")]],
            cwd=ROOT,
            env={**os.environ, **QUIET},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if result.returncode != 0 or not target.exists():
        sys.exit(f"Training failed: see {log}")
    print(f"Model trained in {time.monotonic() - started:.0f} s: {target.relative_to(ROOT)}", flush=True)
    for old in MODEL_DIR.glob("model-*.tar.gz"):
        if old != target:
            old.unlink()
    return target


def site_origins(rasa_port: int) -> list[str]:
    """Origins whose pages may call the Rasa server from a browser (CORS, Socket.IO): ASSISTANT_SITE_ORIGINS,
    space-separated, or the Rasa server's own loopback origins (the web chat page it serves)."""
    configured = os.environ.get("ASSISTANT_SITE_ORIGINS", "").split()
    return configured or [f"http://127.0.0.1:{rasa_port}", f"http://localhost:{rasa_port}"]


def sanic_environment(max_body_bytes: int, request_timeout: int, response_timeout: int) -> dict[str, str]:
    """Sanic reads SANIC_* variables into its configuration when the app is created (Rasa and rasa-sdk both)."""
    return {
        "SANIC_REQUEST_MAX_SIZE": str(max_body_bytes),
        "SANIC_REQUEST_TIMEOUT": str(request_timeout),
        "SANIC_RESPONSE_TIMEOUT": str(response_timeout),
    }


@dataclass
class Ports:
    programme: int = int(os.environ.get("PROGRAMME_PORT", "5080"))
    actions: int = int(os.environ.get("ACTION_PORT", "5055"))
    rasa: int = int(os.environ.get("RASA_PORT", "5005"))


@dataclass
class Stack:
    """The three processes of the assistant, with their logs under var_dir/logs."""

    model: Path
    ports: Ports = field(default_factory=Ports)
    var_dir: Path = ROOT / "var"
    extra_env: dict = field(default_factory=dict)
    processes: dict = field(default_factory=dict)

    def env(self, name: Optional[str] = None) -> dict:
        """The environment of one process (`name`), with its Sanic limits from its package's settings module."""
        programme_db = os.environ.get("PROGRAMME_DATABASE_URL", f"sqlite:///{self.var_dir / 'programme.db'}")
        sanic = {}
        if name == "rasa":
            rasa_limits = rasa_settings.rasa()
            sanic = sanic_environment(rasa_limits.max_body_bytes, rasa_limits.request_timeout_seconds,
                                             rasa_limits.response_timeout_seconds)
        elif name == "actions":
            action_limits = action_settings.limits()
            sanic = sanic_environment(action_limits.max_body_bytes, action_limits.request_timeout_seconds,
                                             action_limits.response_timeout_seconds)
            sanic["SANIC_HOST"] = os.environ.get("ACTION_HOST", "127.0.0.1")  # rasa-sdk's default is 0.0.0.0
        return {
            **os.environ,
            **QUIET,
            "PYTHONPATH": str(ROOT),
            "PROGRAMME_PORT": str(self.ports.programme),
            "PROGRAMME_URL": f"http://127.0.0.1:{self.ports.programme}",
            "PROGRAMME_DATABASE_URL": programme_db,
            "ACTION_PORT": str(self.ports.actions),
            "RASA_URL": f"http://127.0.0.1:{self.ports.rasa}",  # the live hand-off pushes officers' messages there
            "TRACKER_DB": str(self.var_dir / "rasa_tracker.db"),
            "ASSISTANT_SITE_ORIGINS": " ".join(site_origins(self.ports.rasa)),
            **sanic,
            **self.extra_env,
        }

    def commands(self) -> dict[str, tuple[list[str], str]]:
        python, rasa = str(BIN / "python"), str(BIN / "rasa")
        return {
            "programme": ([python, "-m", "assistant"], f"http://127.0.0.1:{self.ports.programme}/health"),
            "actions": (
                [rasa, "run", "actions", "--actions", "actions", "--port", str(self.ports.actions)],
                f"http://127.0.0.1:{self.ports.actions}/health",
            ),
            "rasa": (
                # No --enable-api: Rasa's HTTP API (trackers, model, any event) stays off; only the channels listen.
                # `rasa` with the project's plug-ins and a warm-up of the NLU before serving (rasa_plugins/serve.py).
                [python, "-m", "rasa_plugins.serve", "run", "--model", str(self.model), "--interface", self.rasa_host(), "--port",
                 str(self.ports.rasa), "--credentials", "credentials.yml", "--endpoints", "endpoints.yml",
                 "--cors", *site_origins(self.ports.rasa)],
                f"http://127.0.0.1:{self.ports.rasa}/",
            ),
        }

    def rasa_host(self) -> str:
        return self.extra_env.get("RASA_HOST") or os.environ.get("RASA_HOST", "127.0.0.1")

    def check_exposure(self) -> None:
        """Refuse before starting anything when a service would listen beyond this machine with a known secret."""
        env = self.env()
        refuse_default_secrets(
            "programme-data service", env.get("PROGRAMME_HOST", "127.0.0.1"),
            {"PROGRAMME_STAFF_TOKEN": (env.get("PROGRAMME_STAFF_TOKEN"), "dev-staff-token"),
             "PROGRAMME_ASSISTANT_TOKEN": (env.get("PROGRAMME_ASSISTANT_TOKEN"), "dev-assistant-token")},
        )
        if env.get("ACTION_HOST", "127.0.0.1") not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("action server: it has no authentication; keep ACTION_HOST on 127.0.0.1 (Rasa calls "
                             "it on this machine).")
        if self.rasa_host() not in ("127.0.0.1", "localhost", "::1") and not os.environ.get("ASSISTANT_SITE_ORIGINS"):
            raise SystemExit(f"Rasa server: refusing to listen on {self.rasa_host()} with the loopback site origins: "
                             "set ASSISTANT_SITE_ORIGINS to the origin of the site that embeds the chat.")
        refuse_default_secrets(  # the hand-off relay route on the Rasa server checks the same token
            "Rasa server", self.rasa_host(),
            {"PROGRAMME_ASSISTANT_TOKEN": (env.get("PROGRAMME_ASSISTANT_TOKEN"), "dev-assistant-token")},
        )

    def start(self, names: Optional[list[str]] = None, timeout: Optional[float] = None) -> None:
        # A loaded 2-core machine has been seen taking 170 s to load the model: wait long by default.
        timeout = timeout or float(os.environ.get("STACK_START_TIMEOUT", "600"))
        self.check_exposure()
        logs = self.var_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        commands = self.commands()
        ports = {"programme": self.ports.programme, "actions": self.ports.actions, "rasa": self.ports.rasa}
        busy = [f"{name} ({ports[name]})" for name in names or list(commands) if not _port_free(ports[name])]
        if busy:  # else the readiness check would be answered by whatever already listens there
            raise RuntimeError(f"Ports already in use: {', '.join(busy)}. Stop what uses them or set *_PORT.")
        for name in names or list(commands):
            argv, _ = commands[name]
            log = (logs / f"{name}.log").open("ab")
            self.processes[name] = subprocess.Popen(
                argv, cwd=ROOT, env=self.env(name), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        for name in names or list(commands):
            self.wait_ready(name, timeout)

    def wait_ready(self, name: str, timeout: float) -> None:
        url = self.commands()[name][1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} stopped at start-up: see {self.var_dir / 'logs' / (name + '.log')}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"{name} not ready after {timeout:.0f} s: see {self.var_dir / 'logs' / (name + '.log')}")

    def memory_mb(self) -> dict[str, float]:
        """Resident memory of each process (its group), in MB."""
        return group_rss_mb(self.processes)

    def kill(self, name: str) -> None:
        """SIGKILL one process (its group): a crash, for fault tests. `start([name])` brings it back."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def pause(self, name: str, paused: bool = True) -> None:
        """SIGSTOP / SIGCONT one process: a hung service that still accepts connections, for fault tests."""
        os.killpg(self.processes[name].pid, signal.SIGSTOP if paused else signal.SIGCONT)

    def stop(self, name: Optional[str] = None) -> None:
        for key in [name] if name else list(self.processes):
            process = self.processes.pop(key, None)
            if process is None or process.poll() is not None:
                continue
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_ports(count: int, preferred: tuple[int, ...] = ()) -> list[int]:
    """The preferred ports when they are all free, else `count` distinct ports the system says are free: another run
    (another engineer's tests) may hold the preferred ones, and readiness checks would then find its servers."""
    if preferred and all(_port_free(p) for p in preferred):
        return list(preferred)
    ports: list[int] = []
    while len(ports) < count:
        with socket.socket() as s:
            s.bind(("", 0))  # all interfaces: the action server may listen there
            port = s.getsockname()[1]
        if port not in ports:
            ports.append(port)
    return ports


def group_rss_mb(processes: dict) -> dict[str, float]:
    """Resident memory of each process's group (the process and its children), in MB, from /proc."""
    groups = {process.pid: name for name, process in processes.items()}
    totals = {name: 0.0 for name in processes}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name = groups.get(os.getpgid(int(entry.name)))
            if name is None:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    totals[name] += int(line.split()[1]) / 1024
        except (OSError, ValueError):
            continue
    return totals


def watch(stack) -> None:
    """Wait until one of the stack's processes stops by itself and say which (Ctrl-C ends the wait first)."""
    print("Ctrl-C stops everything.", flush=True)
    while all(p.poll() is None for p in stack.processes.values()):
        time.sleep(1)
    stopped = [n for n, p in stack.processes.items() if p.poll() is not None]
    print(f"Stopped unexpectedly: {', '.join(stopped)} (see the logs).", flush=True)


def serve(stack, announce: Callable[[float], list[str]], then: Callable = watch) -> None:
    """Start the stack, print `announce(seconds it took)`, run `then(stack)` (by default: wait until a process stops),
    and stop everything on the way out, Ctrl-C and SIGTERM included."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started = time.monotonic()
    try:
        stack.start()
        for line in announce(time.monotonic() - started):
            print(line, flush=True)
        then(stack)
    except KeyboardInterrupt:
        pass
    finally:
        print("Stopping…", flush=True)
        stack.stop()


def _shell(stack: Stack) -> None:
    from rasa.core.channels.console import record_messages

    asyncio.run(record_messages(f"staff-{uuid.uuid4().hex[:8]}", f"http://127.0.0.1:{stack.ports.rasa}"))


def _announce(stack: Stack, seconds: float) -> list[str]:
    return [
        f"Ready in {seconds:.0f} s.",
        f"  Chat page: http://127.0.0.1:{stack.ports.rasa}/chat/",
        f"  REST:      POST http://127.0.0.1:{stack.ports.rasa}/webhooks/rest/webhook",
        f"  Socket.IO: http://127.0.0.1:{stack.ports.rasa}/socket.io",
        f"  Programme data API: http://127.0.0.1:{stack.ports.programme}/docs",
        f"  Officer console: http://127.0.0.1:{stack.ports.programme}/console/",
        f"  Logs: {stack.var_dir / 'logs'}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["run", "shell", "train", "model-path"])
    args = parser.parse_args()
    if args.command == "model-path":
        print(model_path())
        return
    model = train_if_needed()
    if args.command in ("run", "shell"):
        stack = Stack(model)
        serve(stack, lambda seconds: _announce(stack, seconds), then=_shell if args.command == "shell" else watch)


if __name__ == "__main__":
    main()
