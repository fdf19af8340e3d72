"""Database access: one engine per database URL, the shared metadata, and first-start loading.

Each domain module declares its tables on `metadata` and a `load(conn, programme_dir)` function that fills them
from the shipped files in data/programme/. `open_database` creates the tables and runs every loader whose
dataset has not been loaded yet, so a first start loads everything and a restart keeps what staff changed.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("loaded_at", sa.DateTime, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
)

Loader = Callable[[Connection, Path], int]


def create_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, future=True, connect_args={"check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return sa.create_engine(url, future=True, pool_pre_ping=True)


def open_database(url: str, programme_dir: Path, loaders: dict[str, Loader]) -> Engine:
    """Create missing tables (and missing nullable columns of older databases), then load each dataset that was
    never loaded into this database. A loader's name may carry the version of its file (« cites:3f2a… »): a
    database that loaded an older version runs the loader again, which then merges (see assistant/cites.py)."""
    engine = create_engine(url)
    metadata.create_all(engine)
    add_missing_columns(engine)
    with engine.begin() as conn:
        loaded = {row.name for row in conn.execute(sa.select(datasets.c.name))}
        for name, loader in loaders.items():
            version = getattr(loader, "version", None)
            if version is not None:
                name = f"{name}:{version(programme_dir)}"
            if name in loaded:
                continue
            rows = loader(conn, programme_dir)
            conn.execute(datasets.insert().values(name=name, loaded_at=utcnow(), rows=rows))
    return engine


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def utc_iso(value: Optional[dt.datetime]) -> Optional[str]:
    """A stored UTC time (naive, see `utcnow`) as the API writes it: « 2026-03-16T09:30:00Z »."""
    return value.isoformat(timespec="seconds") + "Z" if value else None


def split_list(value: Optional[str]) -> tuple[str, ...]:
    """A list column stored as « a;b;c » (empty or NULL: no item), back as a tuple."""
    return tuple(item for item in (value or "").split(";") if item)


def add_missing_columns(engine: Engine) -> None:
    """Add to existing tables the nullable columns declared since they were created (a database of an older
    version keeps its rows and gains the new facts' columns, empty)."""
    inspector = sa.inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present or not column.nullable:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
