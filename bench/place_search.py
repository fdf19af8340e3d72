"""What finding a place in a sentence costs the programme-data service as the sentence grows.

    .venv/bin/python bench/place_search.py [--repeat 20]

In one process, on a fresh SQLite copy of the shipped data (the service's app through its test client, no network):
for sentences of 20 to 200 characters (the API's limit) that name no cité, the worst case since every few words
are tried, prints p50 / p95 in ms of `GET /cites/search`, `GET /communes/in-text` and, for reference, one name
through `GET /communes/resolve`. A sentence of 60 characters took about 3 s before the commune index kept the
first words of each name and its close spellings (2026-12-02, load average 7): the action server gives up after 3 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("ma maison de la cite est pleine d'humidite depuis l'hiver dernier et personne ne repond "
         "au telephone chez le bailleur alors je voudrais savoir qui contacter pour les travaux promis "
         "l'an dernier par la mairie et les voisins aussi").split()


def sentence(length: int) -> str:
    text = ""
    for word in WORDS * 4:
        if len(text) + len(word) + 1 > length:
            break
        text = f"{text} {word}".strip()
    return text


def timed(client, path: str, params: dict, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text
    times.sort()
    return statistics.median(times), times[max(0, round(0.95 * len(times)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from fastapi.testclient import TestClient
    from assistant.api import create_app
    from assistant.settings import PROGRAMME_DIR, Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{Path(tmp) / 'programme.db'}", programme_dir=PROGRAMME_DIR,
                            staff_token="bench", host="127.0.0.1", port=0)
        with TestClient(create_app(settings)) as client:
            client.get("/communes/resolve", params={"q": "Lens"})  # warm up
            print(f"{'characters':>10} {'cites/search p50/p95':>22} {'communes/in-text p50/p95':>26}")
            for length in (20, 60, 120, 200):
                text = sentence(length)
                cites = timed(client, "/cites/search", {"q": text}, args.repeat)
                in_text = timed(client, "/communes/in-text", {"text": text}, args.repeat)
                print(f"{len(text):>10} {cites[0]:>12.1f} / {cites[1]:>6.1f} ms {in_text[0]:>14.1f} / {in_text[1]:>6.1f} ms")
            one = timed(client, "/communes/resolve", {"q": "henin beaumon"}, args.repeat)
            print(f"one close spelling through /communes/resolve: {one[0]:.1f} / {one[1]:.1f} ms")


if __name__ == "__main__":
    main()
