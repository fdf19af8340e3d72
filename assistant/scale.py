"""The scale-out set-up on one machine, with the production configuration of deploy/:

    python -m assistant.scale up       # `make scale`: install what is missing, train if needed, start, Ctrl-C stops

PostgreSQL (the conversations and the programme data) and Redis (conversation locks, Socket.IO emits between
servers, rate limits) run as this set-up's own instances, data under var/scale/; then the programme-data service
on PostgreSQL, one action server, SCALE_RASA_INSTANCES Rasa servers (the same trained model, deploy/endpoints.yml)
and nginx in front of them (deploy/nginx.conf.template: sticky Socket.IO and chat page, any server for REST).
PostgreSQL, Redis and nginx come from the Debian packages (scripts/scale_deps.sh, idempotent); nothing of the
system's own configuration or services is touched. Ports: deploy/scale.env.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from assistant.stack import QUIET, ROOT, Ports, Stack, _port_free, group_rss_mb, serve, train_if_needed

DEPLOY = ROOT / "deploy"
DB_USER = "assistant"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


@dataclass
class ScalePorts:
    balancer: int = field(default_factory=lambda: _env_int("SCALE_PORT", 6600))
    instances: int = field(default_factory=lambda: _env_int("SCALE_RASA_INSTANCES", 2))
    actions: int = field(default_factory=lambda: _env_int("SCALE_ACTION_PORT", 6655))
    programme: int = field(default_factory=lambda: _env_int("SCALE_PROGRAMME_PORT", 6680))
    postgres: int = field(default_factory=lambda: _env_int("SCALE_POSTGRES_PORT", 6632))
    redis: int = field(default_factory=lambda: _env_int("SCALE_REDIS_PORT", 6679))
    rasa: list = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.rasa:
            self.rasa = [self.balancer + 11 + i for i in range(self.instances)]

    def all(self) -> dict[str, int]:
        ports = {"nginx": self.balancer, "actions": self.actions, "programme": self.programme,
                 "postgres": self.postgres, "redis": self.redis}
        ports.update({f"rasa-{i + 1}": port for i, port in enumerate(self.rasa)})
        return ports


def _postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise SystemExit("PostgreSQL is missing: run scripts/scale_deps.sh (apt-get install postgresql).")
    return found[-1].parent


def install_os_packages() -> None:
    subprocess.run(["bash", str(ROOT / "scripts" / "scale_deps.sh")], check=True)


@dataclass
class ScaleStack:
    model: Path
    ports: ScalePorts = field(default_factory=ScalePorts)
    var_dir: Path = ROOT / "var" / "scale"
    db_password: str = field(default_factory=lambda: os.environ.get("TRACKER_DB_PASSWORD", "dev-db-password"))
    extra_env: dict = field(default_factory=dict)
    endpoints: Path = DEPLOY / "endpoints.yml"
    processes: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)

    # --- configuration ------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.balancer}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports.rasa[index]}"

    def origins(self) -> list[str]:
        configured = os.environ.get("ASSISTANT_SITE_ORIGINS", "").split()
        return configured or [self.url, f"http://localhost:{self.ports.balancer}"]

    def database_url(self, name: str) -> str:
        return f"postgresql+psycopg2://{DB_USER}:{self.db_password}@127.0.0.1:{self.ports.postgres}/{name}"

    def shared_env(self) -> dict[str, str]:
        """What deploy/scale.env documents, for this machine's ports."""
        redis = f"redis://127.0.0.1:{self.ports.redis}"
        return {
            "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": str(self.ports.postgres), "TRACKER_DB_NAME": "rasa",
            "TRACKER_DB_USER": DB_USER, "TRACKER_DB_PASSWORD": self.db_password,
            "PROGRAMME_DATABASE_URL": self.database_url("programme"),
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(self.ports.redis), "REDIS_PASSWORD": "",
            "REDIS_LOCK_DB": "1", "REDIS_LOCK_PREFIX": "assistant",
            "SOCKETIO_REDIS_URL": f"{redis}/0",
            "ASSISTANT_RATE_STORE": "rasa_plugins.redis_rate_store:RedisRateStore",
            "ASSISTANT_RATE_REDIS_URL": f"{redis}/2",
            "SANIC_REAL_IP_HEADER": "x-real-ip",
            "ASSISTANT_SITE_ORIGINS": " ".join(self.origins()),
            "ACTION_URL": f"http://127.0.0.1:{self.ports.actions}/webhook",
            "RASA_URL": self.url,  # the officer's words go through the load balancer, to any server
            **self.extra_env,
        }

    def _stack(self, rasa_port: int) -> Stack:
        """The single-machine launcher's view of one Rasa server: its environment and command, reused as is."""
        return Stack(self.model, ports=Ports(self.ports.programme, self.ports.actions, rasa_port),
                     var_dir=self.var_dir, extra_env=self.shared_env())

    def _service(self, name: str, rasa_port: Optional[int] = None) -> tuple[list[str], dict, str]:
        stack = self._stack(rasa_port or self.ports.rasa[0])
        argv, ready = stack.commands()[name]
        env = stack.env(name)
        if name == "rasa":
            argv = list(argv)
            argv[argv.index("--endpoints") + 1] = str(self.endpoints)
            cors = argv.index("--cors")
            argv[cors + 1:] = self.origins()
            env["PYTHONPATH"] = str(ROOT)  # the lock store and rate store are loaded from rasa_plugins/
        return argv, env, ready

    # --- processes ----------------------------------------------------------------------------------------
    def _spawn(self, name: str, argv: list[str], env: Optional[dict] = None) -> None:
        logs = self.var_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        log = (logs / f"{name}.log").open("ab")
        self.processes[name] = subprocess.Popen(argv, cwd=ROOT, env=env or {**os.environ, **QUIET}, stdout=log,
                                                stderr=subprocess.STDOUT, start_new_session=True)

    def _wait(self, name: str, ready: callable, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} stopped at start-up: see {self.var_dir / 'logs' / (name + '.log')}")
            try:
                if ready():
                    return
            except Exception:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{name} not ready after {timeout:.0f} s: see {self.var_dir / 'logs' / (name + '.log')}")

    @staticmethod
    def _http_ok(url: str) -> bool:
        with urllib.request.urlopen(url, timeout=2):
            return True

    def _as_postgres(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start_postgres(self, timeout: float) -> None:
        bin_dir, data = _postgres_bin(), self.var_dir / "postgres"
        if not (data / "PG_VERSION").exists():
            shutil.rmtree(data, ignore_errors=True)
            data.mkdir(parents=True)
            secret = self.var_dir / "pg-password.tmp"
            secret.write_text(self.db_password + "\n")
            if os.geteuid() == 0:  # PostgreSQL refuses to run as root: its own system user owns the data
                shutil.chown(data, "postgres", "postgres")
                shutil.chown(secret, "postgres", "postgres")
            os.chmod(secret, 0o600)
            try:
                subprocess.run([*self._as_postgres(), str(bin_dir / "initdb"), "-D", str(data), "-U", DB_USER,
                                f"--pwfile={secret}", "--auth=scram-sha-256", "-E", "UTF8", "--no-locale"],
                               check=True, stdout=subprocess.DEVNULL)
            finally:
                secret.unlink(missing_ok=True)
        self._spawn("postgres", [*self._as_postgres(), str(bin_dir / "postgres"), "-D", str(data),
                                 "-p", str(self.ports.postgres), "-k", str(data),
                                 "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"])

        def ready() -> bool:
            import psycopg2

            psycopg2.connect(host="127.0.0.1", port=self.ports.postgres, user=DB_USER, password=self.db_password,
                             dbname="postgres", connect_timeout=2).close()
            return True

        self._wait("postgres", ready, timeout)
        import psycopg2

        connection = psycopg2.connect(host="127.0.0.1", port=self.ports.postgres, user=DB_USER,
                                      password=self.db_password, dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            for name in ("rasa", "programme"):
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()

    def start_redis(self, timeout: float) -> None:
        data = self.var_dir / "redis"
        data.mkdir(parents=True, exist_ok=True)
        # Locks, emits and rate buckets are short-lived: no persistence.
        self._spawn("redis", ["redis-server", "--port", str(self.ports.redis), "--bind", "127.0.0.1",
                              "--dir", str(data), "--save", "", "--appendonly", "no", "--daemonize", "no"])

        def ready() -> bool:
            import redis

            return bool(redis.Redis(port=self.ports.redis, socket_timeout=1).ping())

        self._wait("redis", ready, timeout)

    def write_nginx_config(self) -> Path:
        prefix = self.var_dir / "nginx"
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)
        servers = "\n".join(f"        server 127.0.0.1:{port};" for port in self.ports.rasa)
        text = (DEPLOY / "nginx.conf.template").read_text(encoding="utf-8")
        text = (text.replace("@@PREFIX@@", str(prefix)).replace("@@UPSTREAM_SERVERS@@", servers)
                .replace("@@LISTEN@@", f"127.0.0.1:{self.ports.balancer}")
                .replace("@@RASA_SERVERS@@", ", ".join(f"127.0.0.1:{p}" for p in self.ports.rasa))
                .replace("@@RELAY_ACCESS@@", "allow 127.0.0.1; deny all;"))
        config = prefix / "nginx.conf"
        config.write_text(text, encoding="utf-8")
        return config

    def start_nginx(self, timeout: float) -> None:
        config = self.write_nginx_config()
        prefix = config.parent
        argv = ["nginx", "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log"), "-g", "daemon off;"]
        if os.geteuid() == 0:  # workers as root would be pointless; as nobody they only read the config
            argv[-1] = "daemon off; user nobody nogroup;"
        subprocess.run([*argv[:-2], "-t", "-q"], check=True)
        self._spawn("nginx", argv)
        self._wait("nginx", lambda: self._http_ok(f"{self.url}/"), timeout)

    def start(self, timeout: Optional[float] = None) -> None:
        timeout = timeout or float(os.environ.get("STACK_START_TIMEOUT", "600"))
        busy = [f"{name} ({port})" for name, port in self.ports.all().items() if not _port_free(port)]
        if busy:
            raise RuntimeError(f"Ports already in use: {', '.join(busy)}. Stop what uses them or set SCALE_*PORT.")
        started = time.monotonic()
        install_os_packages()
        self.start_postgres(60)
        self.start_redis(30)
        self.timings["postgres and redis"] = time.monotonic() - started
        argv, env, ready = self._service("programme")
        self._spawn("programme", argv, env)
        self._wait("programme", lambda: self._http_ok(ready), timeout)
        self.timings["programme"] = time.monotonic() - started
        names = ["actions"] + [f"rasa-{i + 1}" for i in range(len(self.ports.rasa))]
        for name in names:  # the action server and every Rasa server load at the same time
            port = self.ports.rasa[int(name.split("-")[1]) - 1] if name.startswith("rasa") else None
            argv, env, ready = self._service("rasa" if port else "actions", port)
            self._spawn(name, argv, env)
        for name in names:
            port = self.ports.rasa[int(name.split("-")[1]) - 1] if name.startswith("rasa") else None
            _, _, ready = self._service("rasa" if port else "actions", port)
            self._wait(name, lambda: self._http_ok(ready), timeout)
            self.timings[name] = time.monotonic() - started
        self.start_nginx(30)
        self.timings["all"] = time.monotonic() - started

    def stop(self) -> None:
        order = ["nginx", *[n for n in self.processes if n.startswith("rasa")], "actions", "programme", "redis",
                 "postgres"]
        for name in order:
            process = self.processes.pop(name, None)
            if process is None or process.poll() is not None:
                continue
            # PostgreSQL: SIGINT is its fast shutdown (SIGTERM waits for every client to leave).
            os.killpg(process.pid, signal.SIGINT if name == "postgres" else signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def memory_mb(self) -> dict[str, float]:
        """Resident memory of each process group, in MB (from /proc)."""
        return group_rss_mb(self.processes)


def _announce(stack: ScaleStack) -> list[str]:
    return [
        f"Ready in {stack.timings['all']:.0f} s ({len(stack.ports.rasa)} Rasa servers).",
        f"  Chat page (nginx): {stack.url}/chat/",
        f"  REST:              POST {stack.url}/webhooks/rest/webhook",
        f"  Rasa servers:      {', '.join(stack.rasa_url(i) for i in range(len(stack.ports.rasa)))}",
        f"  Officer console:   http://127.0.0.1:{stack.ports.programme}/console/",
        f"  PostgreSQL 127.0.0.1:{stack.ports.postgres}, Redis 127.0.0.1:{stack.ports.redis}",
        f"  Logs: {stack.var_dir / 'logs'}; load run: python bench/scale_load.py {stack.url}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["up"])
    parser.parse_args()
    model = train_if_needed()
    stack = ScaleStack(model)
    serve(stack, lambda _seconds: _announce(stack))


if __name__ == "__main__":
    sys.exit(main())
