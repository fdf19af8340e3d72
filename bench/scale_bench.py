"""`make bench`, scaled part: the same bounded load through the scale-out set (nginx, two Rasa servers on PostgreSQL
and Redis, as `make scale` starts it) and on one of its Rasa servers, side by side, at each level of users.

    .venv/bin/python bench/scale_bench.py [--users 1,10,50] [--seconds 30]

Installs PostgreSQL, Redis and nginx from the OS packages if absent (scripts/scale_deps.sh), starts the set on
free ports under var/, runs `bench/scale_load.py`'s load (closed loop, each conversation from its own loopback
address) first through nginx then on the first Rasa server, prints both lines per level and each process's memory,
and stops everything. Figures, not assertions.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from assistant.scale import ScalePorts, ScaleStack, install_os_packages  # noqa: E402
from assistant.stack import free_ports, train_if_needed  # noqa: E402
import scale_load  # noqa: E402


def _ports() -> ScalePorts:
    picked = free_ports(7)
    return ScalePorts(balancer=picked[0], instances=2, actions=picked[1], programme=picked[2], postgres=picked[3],
                      redis=picked[4], rasa=picked[5:7])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="1,10,50", help="comma-separated concurrency levels")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per level and per target")
    args = parser.parse_args()
    install_os_packages()
    var_dir = ROOT / "var" / f"scale-bench-{uuid.uuid4().hex[:8]}"
    stack = ScaleStack(train_if_needed(), ports=_ports(), var_dir=var_dir)
    try:
        stack.start(timeout=600)
        print(f"scale-out set ready in {stack.timings['all']:.0f} s: nginx, {len(stack.ports.rasa)} Rasa servers "
              f"(PostgreSQL tracker store, Redis lock store), one action server, the service on PostgreSQL", flush=True)
        for users in (int(u) for u in args.users.split(",")):
            balanced = scale_load.run(stack.url, users=users, seconds=args.seconds)
            single = scale_load.run(stack.rasa_url(0), users=users, seconds=args.seconds, seed=8)
            print(scale_load.describe(balanced, f"  {users:>3} users, nginx + {len(stack.ports.rasa)} servers"))
            print(scale_load.describe(single, f"  {users:>3} users, one server"), flush=True)
        print("memory (RSS, MB): " + ", ".join(f"{k} {v:.0f}" for k, v in stack.memory_mb().items()))
    finally:
        stack.stop()
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
