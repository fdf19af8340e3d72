"""The rate limit's token buckets in Redis, shared by every Rasa server (`ASSISTANT_RATE_STORE=
rasa_plugins.redis_rate_store:RedisRateStore`, Redis at `ASSISTANT_RATE_REDIS_URL`). With the in-memory store, each
of N servers behind a load balancer keeps its own buckets and a conversation spread over them gets N times its limit.

One bucket is a Redis hash updated by a Lua script (atomic, on the Redis server's clock), and expires once it
would be full again. When Redis does not answer, the message is let through and the failure logged: the rate limit
protects the service, it must not be the reason it stops answering.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Optional

logger = logging.getLogger(__name__)

BUCKET = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'last')
local tokens = tonumber(saved[1]) or burst
local last = tonumber(saved[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - last) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'last', tostring(now))
if rate > 0 then
  redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
else
  redis.call('EXPIRE', KEYS[1], 86400)
end
return allowed
"""


class RedisRateStore:
    def __init__(self, url: Optional[str] = None, prefix: str = "assistant:rate:", client: Any = None):
        import redis

        self.client = client or redis.Redis.from_url(
            url or os.environ.get("ASSISTANT_RATE_REDIS_URL", "redis://127.0.0.1:6379/2"),
            socket_timeout=0.5, socket_connect_timeout=0.5,
        )
        self.prefix = prefix
        self._bucket = self.client.register_script(BUCKET)

    def allow(self, key: str, burst: int, per_second: float) -> bool:
        try:
            return bool(self._bucket(keys=[self.prefix + key], args=[burst, per_second]))
        except Exception:  # Redis down or slow: let the message through rather than stop the chat
            logger.warning("rate limit: the Redis rate store did not answer; message let through")
            return True
