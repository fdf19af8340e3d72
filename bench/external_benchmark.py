"""Intent macro-F1 on an external French intent benchmark: the project's pipeline (config.yml) against Rasa's
default French pipeline and the TF-IDF + logistic-regression baseline, all trained here on the benchmark's own
training phrases.

The benchmark is Wikit's « nlu-french-benchmark » (employee support during the covid-19 pandemic: 22 intents,
15 training phrases each, 913 test phrases), the one issue 9 names. Its data are not in this repository: clone it
and pass its folder.

    git clone https://github.com/wikit-ai/nlu-french-benchmark /tmp/nlu-french-benchmark
    .venv/bin/python bench/external_benchmark.py --data /tmp/nlu-french-benchmark [--skip-default]

It is a check, never a place to choose settings: the pipeline is chosen on our own data (bench/nlu_cv.py,
bench/intent_variants.py), then measured here. Prints each model's macro-F1 and accuracy, with the
FallbackClassifier's `nlu_fallback` counted wrong (what a user meets) and, for the project, on the top intent
alone; then the worst confusions as intent pairs.
"""
from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from nlu_compare import _quiet, default_config, report, tfidf_baseline  # noqa: E402


def read_rows(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as file:
        return [(row["utterance"].strip(), row["intent"].strip()) for row in csv.DictReader(file)
                if row["utterance"].strip()]


def nlu_yaml(rows: list[tuple[str, str]]) -> str:
    """The training phrases as Rasa NLU data (a literal block: quotes and colons stay text)."""
    lines = ['version: "3.1"', "nlu:"]
    by_intent: dict[str, list[str]] = {}
    for text, intent in rows:
        by_intent.setdefault(intent, []).append(" ".join(text.split()))
    for intent, texts in by_intent.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in texts]
    return "\n".join(lines) + "\n"


def train(config: dict | Path, rows: list[tuple[str, str]], out: Path) -> tuple[str, float]:
    import yaml
    from rasa.model_training import train_nlu
    nlu = out / "nlu.yml"
    nlu.write_text(nlu_yaml(rows), encoding="utf-8")
    if isinstance(config, dict):
        config_file = out / "config.yml"
        config_file.write_text(yaml.safe_dump(config))
    else:
        config_file = config
    started = time.monotonic()
    model = train_nlu(str(config_file), str(nlu), str(out / "models"))
    if not model:
        raise SystemExit(f"training with {config_file} failed")
    return model, time.monotonic() - started


def parses(model: str, texts: list[str]) -> list[dict]:
    from rasa.core.agent import Agent
    _quiet()
    loop = asyncio.new_event_loop()
    try:
        agent = Agent.load(model)
        return [loop.run_until_complete(agent.parse_message(text)) for text in texts]
    finally:
        loop.close()


def top_intent(parse: dict) -> str:
    """The best intent of the ranking, fallback or not (the classifier's own choice)."""
    ranking = [i for i in parse.get("intent_ranking", []) if i["name"] != "nlu_fallback"]
    return ranking[0]["name"] if ranking else parse["intent"]["name"]


def tfidf_predictions(rows: list[tuple[str, str]], texts: list[str]) -> list[str]:
    """The same baseline as bench/nlu_compare.py."""
    return list(tfidf_baseline().fit([t for t, _ in rows], [i for _, i in rows]).predict(texts))


def scores(truth: list[str], predicted: list[str], labels: list[str]) -> tuple[float, float]:
    from sklearn.metrics import f1_score
    f1 = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    return float(f1), sum(t == p for t, p in zip(truth, predicted)) / len(truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True,
                        help="folder holding training_dataset.csv and test_dataset.csv")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml", help="the project's pipeline")
    parser.add_argument("--skip-default", action="store_true", help="do not train Rasa's default pipeline")
    args = parser.parse_args()
    train_rows = read_rows(args.data / "training_dataset.csv")
    test_rows = read_rows(args.data / "test_dataset.csv")
    texts, truth = [t for t, _ in test_rows], [i for _, i in test_rows]
    labels = sorted({i for _, i in train_rows})
    print(f"benchmark: {len(train_rows)} training phrases, {len(labels)} intents, {len(test_rows)} test phrases; "
          f"load average {os.getloadavg()[0]:.1f}")
    results: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project_dir = Path(tmp) / "project"
        project_dir.mkdir()
        model, seconds = train(args.config, train_rows, project_dir)
        print(f"project pipeline ({args.config.name}) trained in {seconds:.0f} s")
        project = parses(model, texts)
        results["project, as answered"] = [p["intent"]["name"] for p in project]
        results["project, top intent"] = [top_intent(p) for p in project]
        if not args.skip_default:
            default_dir = Path(tmp) / "default"
            default_dir.mkdir()
            model, seconds = train(default_config(), train_rows, default_dir)
            print(f"Rasa default pipeline (fr) trained in {seconds:.0f} s")
            results["Rasa default (fr)"] = [p["intent"]["name"] for p in parses(model, texts)]
    results["TF-IDF + logistic regression"] = tfidf_predictions(train_rows, texts)
    prefix = len(os.path.commonprefix(labels))  # the benchmark's names share one (« covid--- »)
    print()
    report(results, truth, lambda t, p: scores(t, p, labels), worst=6,
           name=lambda label: label if label == "nlu_fallback" else label[prefix:])


if __name__ == "__main__":
    main()
