"""Load on the REST channel of a running assistant: N concurrent realistic conversations for a given time.

    .venv/bin/python bench/load.py --url http://127.0.0.1:5005 --users 1,10,50 --duration 60
    .venv/bin/python bench/load.py --url http://127.0.0.1:8080 --users 50     # e.g. behind a load balancer

Each virtual user plays the conversations of bench/conversations.py one after the other (a new sender id for
each, chosen at random with a fixed seed), sending its next message as soon as it has the answer to the last one
(closed loop, no think time unless --think). With `--think 2-6` a user waits a random time between 2 and 6 s
after each answer before the next message, as a resident reads and types (random with a fixed seed per user);
`--think-users` are the levels run that way after the closed-loop ones. On a loopback URL each conversation comes from a loopback address of
its own (127.x.y.z), so the server's per-address rate limit sees separate clients as it would on the Internet.
A turn is an error when the HTTP status is not 200, the request fails or times out, the answer is empty, or the
answer is the rate-limit or technical-problem message; it is « unexpected » when the answer lacks the words the
conversation expects. Prints messages/s, p50/p95/p99 and the counts for each level, and per kind of turn.

Closed loop without think time, each user has always one message in flight, so by Little's law the mean latency is
users / throughput: at 25 msg/s, 50 users wait 2 s on average however fast each turn is computed. Each closed-loop
line prints that bound next to the measured mean; the levels with think time are the realistic ones.
Bounded: at most MAX_USERS users and MAX_DURATION seconds per level.
"""
from __future__ import annotations

import argparse
import asyncio
import ipaddress
import random
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional
from urllib.parse import urlparse

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from conversations import CONVERSATIONS, KINDS  # noqa: E402

MAX_USERS = 200
MAX_DURATION = 600.0
REQUEST_TIMEOUT = 60.0


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def refusal_texts() -> list[str]:
    """The texts the guards answer instead of the assistant (rate limit, technical problem), from domain.yml."""
    import yaml
    responses = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    return [responses[name][0]["text"] for name in ("utter_rate_limited", "utter_technical_problem")]


def parse_think(text: str) -> tuple[float, float]:
    """« 0 », « 3 » or « 2-6 » (seconds) → (lowest, highest)."""
    low, _, high = str(text).partition("-")
    low_s, high_s = float(low), float(high or low)
    if low_s < 0 or high_s < low_s:
        raise ValueError(f"think time: {text!r} is not S or LOW-HIGH seconds")
    return low_s, high_s


def think_label(think: tuple[float, float]) -> str:
    low, high = think
    return "no think time" if high == 0 else (f"think {low:g} s" if low == high else f"think {low:g}-{high:g} s")


@dataclass
class Sample:
    kind: str
    ms: float
    error: Optional[str] = None
    unexpected: bool = False


@dataclass
class Result:
    users: int
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    think: tuple[float, float] = (0.0, 0.0)

    @property
    def latencies(self) -> list[float]:
        return [s.ms for s in self.samples if s.error is None]

    def errors(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.samples:
            if s.error:
                counts[s.error] = counts.get(s.error, 0) + 1
        return counts

    def line(self) -> str:
        ok = self.latencies
        errors = self.errors()
        unexpected = sum(s.unexpected for s in self.samples)
        rate = len(self.samples) / self.seconds if self.seconds else 0.0
        error_text = ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "0"
        mean = sum(ok) / len(ok) if ok else float("nan")
        if self.think[1] == 0:
            # Little's law for a closed loop: mean latency = users / throughput (the bound at this throughput).
            context = f"mean {mean:5.0f} (users/throughput {1000 * self.users / rate if rate else float('nan'):5.0f})"
        else:
            context = f"mean {mean:5.0f}, {think_label(self.think)}"
        return (f"{self.users:>3} users  {len(self.samples):>5} msgs  {rate:6.1f} msg/s  "
                f"p50 {percentile(ok, 50):6.0f}  p95 {percentile(ok, 95):6.0f}  p99 {percentile(ok, 99):6.0f} ms  "
                f"{context}  errors {error_text}  unexpected {unexpected}")

    def kind_lines(self) -> list[str]:
        lines = []
        for kind in KINDS:
            ms = [s.ms for s in self.samples if s.kind == kind and s.error is None]
            if ms:
                lines.append(f"  {kind:<11} n {len(ms):>4}  p50 {percentile(ms, 50):6.0f}  "
                             f"p95 {percentile(ms, 95):6.0f}  p99 {percentile(ms, 99):6.0f}  max {max(ms):6.0f} ms")
        return lines


def _loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Runner:
    def __init__(self, base_url: str, think: tuple[float, float] = (0.0, 0.0), seed: int = 14,
                 path: str = "/webhooks/rest/webhook"):
        self.url = base_url.rstrip("/") + path
        self.think = think
        self.seed = seed
        self.random = random.Random(seed)
        self.refusals = refusal_texts()
        self.own_addresses = _loopback(base_url)

    def _address(self) -> Optional[str]:
        if not self.own_addresses:
            return None
        r = self.random
        return f"127.{r.randint(1, 254)}.{r.randint(1, 254)}.{r.randint(2, 254)}"

    async def turn(self, session: aiohttp.ClientSession, sender: str, text: str) -> tuple[Optional[str], str]:
        """(error or None, the answer's text)."""
        try:
            async with session.post(self.url, json={"sender": sender, "message": text},
                                    timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)) as response:
                if response.status != 200:
                    return f"http_{response.status}", ""
                messages = await response.json(content_type=None)
        except asyncio.TimeoutError:
            return "timeout", ""
        except (aiohttp.ClientError, ValueError, OSError):
            return "failed", ""
        if not messages:
            return "empty", ""
        said = "\n".join(m.get("text", "") + "".join(f" [{b.get('title', '')}]" for b in m.get("buttons", []))
                         for m in messages if isinstance(m, dict))
        if any(refusal in said for refusal in self.refusals):
            return "refused", said
        return None, said

    async def conversation(self, turns, samples: list[Sample], deadline: float,
                           think: tuple[float, float] = (0.0, 0.0), pause: Optional[random.Random] = None) -> None:
        connector = aiohttp.TCPConnector(limit=1, local_addr=(a, 0) if (a := self._address()) else None)
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        async with aiohttp.ClientSession(connector=connector) as session:
            for turn in turns:
                if time.monotonic() >= deadline:
                    return
                started = time.perf_counter()
                error, said = await self.turn(session, sender, turn.text)
                ms = (time.perf_counter() - started) * 1000
                unexpected = error is None and turn.expect is not None and turn.expect.lower() not in said.lower()
                samples.append(Sample(turn.kind, ms, error, unexpected))
                if think[1] > 0 and pause is not None:
                    await asyncio.sleep(pause.uniform(*think))

    async def user(self, samples: list[Sample], deadline: float, think: tuple[float, float], index: int) -> None:
        pause = random.Random(self.seed * 1000 + index)  # each user's reading and typing times, reproducible
        if think[1] > 0:
            # Residents do not all arrive in the same second: each starts within one think time of the start.
            await asyncio.sleep(pause.uniform(0, think[1]))
        while time.monotonic() < deadline:
            await self.conversation(self.random.choice(CONVERSATIONS), samples, deadline, think, pause)

    async def level(self, users: int, duration: float, think: Optional[tuple[float, float]] = None) -> Result:
        users = max(1, min(users, MAX_USERS))
        duration = max(1.0, min(duration, MAX_DURATION))
        think = self.think if think is None else think
        samples: list[Sample] = []
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(*(self.user(samples, deadline, think, i) for i in range(users)))
        return Result(users, time.monotonic() - started, samples, think)

    async def each_kind(self, rounds: int) -> Result:
        """One user, every conversation `rounds` times in order: the latency of each kind of turn without load."""
        samples: list[Sample] = []
        started = time.monotonic()
        for _ in range(max(1, rounds)):
            for turns in CONVERSATIONS:
                await self.conversation(turns, samples, float("inf"))
        return Result(1, time.monotonic() - started, samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="base URL of the Rasa server (or of a load balancer before it)")
    parser.add_argument("--users", default="1,10,50", help="comma-separated concurrency levels")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--think", default="2-6", help="S or LOW-HIGH: seconds a user waits after each answer in the "
                        "--think-users levels")
    parser.add_argument("--think-users", default="", help="comma-separated levels run with --think after the others")
    parser.add_argument("--kinds", type=int, default=0, help="first, N rounds of every conversation by one user")
    args = parser.parse_args()
    runner = Runner(args.url)
    results = asyncio.run(run_levels(runner, levels(args.users), args.duration, args.kinds,
                                     think_levels=levels(args.think_users), think=parse_think(args.think)))
    return 1 if any(r.errors() for r in results) else 0


def levels(text: str) -> list[int]:
    return [int(u) for u in str(text).split(",") if u.strip()]


async def run_levels(runner: Runner, levels: list[int], duration: float, kinds: int = 0,
                     on_level=None, think_levels: tuple = (), think: tuple[float, float] = (2.0, 6.0)) -> list[Result]:
    """The per-kind latency (if kinds), each closed-loop level, then each level with think time."""
    results = []
    if kinds:
        result = await runner.each_kind(kinds)
        print(f"latency per kind of turn, one user ({kinds} rounds of {len(CONVERSATIONS)} conversations):", flush=True)
        print("\n".join(result.kind_lines()), flush=True)
        results.append(result)
    plan = [(users, (0.0, 0.0)) for users in levels] + [(users, think) for users in think_levels]
    for users, level_think in plan:
        if on_level:
            on_level("before", users, level_think)
        result = await runner.level(users, duration, level_think)
        print(result.line(), flush=True)
        if on_level:
            on_level("after", users, level_think, result)
        results.append(result)
    return results


if __name__ == "__main__":
    sys.exit(main())
