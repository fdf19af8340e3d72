"""Rasa's Redis lock store, with each change of a conversation's lock done atomically (a Rasa plug-in, loaded by the
Rasa server from `lock_store: type: rasa_plugins.lock_store.AtomicRedisLockStore` in deploy/endpoints.yml).

Rasa 3.6's `RedisLockStore` issues a ticket by reading the lock, adding a ticket and writing it back: two Rasa
servers that receive a message of the same conversation at the same moment can both read the same lock, issue the
same ticket number, and process the two messages at once (the tracker then loses one of them). Here every
read-modify-write of a lock (issue a ticket, drop expired ones, finish serving one, delete an empty lock) runs in
a Redis transaction that watches the lock's key and is retried if another server changed it meanwhile. The keys,
their contents (`TicketLock.dumps()`) and the waiting loop are Rasa's own, so the configuration keys are those of
`type: redis` (url, port, db, username, password, use_ssl, key_prefix, socket_timeout).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Optional, Text, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore

T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa builds a lock store named by its module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _atomically(self, conversation_id: Text,
                    change: Callable[[Optional[TicketLock]], tuple[Optional[TicketLock], T]]) -> T:
        """Reads the lock, lets `change` return (the lock to write or None to delete it, a result), writes it, all
        in one transaction on the lock's key (retried when another server wrote the key in between)."""
        key = self.key_prefix + conversation_id
        result: list = []

        def transaction(pipe: Any) -> None:
            result.clear()
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new_lock, value = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())
            result.append(value)

        self.red.transaction(transaction, key)
        return result[0]

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomically(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}")

    def update_lock(self, conversation_id: Text) -> None:
        def drop_expired(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._atomically(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finish serving the ticket and delete the lock if nobody waits, in one step (Rasa does it in three: a
        ticket issued in between by another server would be deleted with the lock)."""

        def finish_and_drop(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._atomically(conversation_id, finish_and_drop)
