"""Intent macro-F1 on the frozen held-out set (tests/nlu/held_out/) of three models trained on the same data/nlu:

1. the project's pipeline (config.yml): the newest model in models/ (or --model), as `make train` built it;
2. Rasa's default pipeline for `language: fr` (rasa/engine/recipes/config_files/default_config.yml, the one Rasa
   fills in when config.yml gives no pipeline), trained here, NLU only, and kept in models/bench/ under a hash of
   the NLU data, that config and Rasa's version: the next run reuses it (training it takes 10-30 minutes on the
   2-core machine) until data/nlu/ changes;
3. a TF-IDF (accent-folded word 1-2 and char 2-5 grams) + logistic-regression baseline (scikit-learn).

FAQ sub-intents are scored as `faq/<name>` (response selector). Prints each model's macro-F1 and accuracy, then
the worst confusions (as intent pairs and counts: the held-out phrases stay unread).
Usage: .venv/bin/python bench/nlu_compare.py [--model models/x.tar.gz] [--skip-default] [--retrain-default]
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import shutil
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Quiet: Rasa's debug log would print every held-out phrase with its parse.
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from tests.nlu.test_held_out_set import ROWS, expected_intents, predicted_intent  # noqa: E402

NLU_DATA = ROOT / "data" / "nlu"
DEFAULT_CONFIG = "rasa/engine/recipes/config_files/default_config.yml"
BENCH_MODELS = ROOT / "models" / "bench"


def macro_f1(truth: list[str], predicted: list[str]) -> tuple[float, float]:
    from sklearn.metrics import f1_score
    labels = sorted(expected_intents())
    f1 = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    accuracy = sum(t == p for t, p in zip(truth, predicted)) / len(truth)
    return float(f1), accuracy


def _quiet() -> None:
    import structlog
    logging.getLogger().setLevel(logging.WARNING)
    for name in ("rasa", "tensorflow", "absl"):
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def rasa_predictions(model: str) -> list[str]:
    from rasa.core.agent import Agent
    _quiet()
    loop = asyncio.new_event_loop()
    try:
        agent = Agent.load(model)
        cache = {}
        for text in {r["text"] for r in ROWS}:
            cache[text] = predicted_intent(loop.run_until_complete(agent.parse_message(text)))
        return [cache[r["text"]] for r in ROWS]
    finally:
        loop.close()


def default_config() -> dict:
    import importlib.resources
    import yaml
    path = Path(importlib.resources.files("rasa")) / DEFAULT_CONFIG.removeprefix("rasa/")
    config = yaml.safe_load(path.read_text())
    return {"recipe": "default.v1", "language": "fr", "pipeline": config["pipeline"], "policies": []}


def default_model_hash() -> str:
    """What shapes the default pipeline's NLU model: the NLU data files (names and bytes), its config, Rasa's
    version. (The domain is passed to Rasa for the FAQ responses, but the response selector predicts the
    sub-intent, which is what is scored: its texts change nothing here.)"""
    import json
    from importlib.metadata import version
    digest = hashlib.sha256()
    digest.update(json.dumps(default_config(), sort_keys=True).encode())
    digest.update(version("rasa").encode())
    for path in sorted(NLU_DATA.rglob("*")):
        if path.is_file() and path.suffix in (".yml", ".yaml", ".md", ".json", ".txt"):
            digest.update(str(path.relative_to(NLU_DATA)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train_default(out: Path) -> str:
    import yaml
    from rasa.model_training import train_nlu
    config_file = out / "config.yml"
    config_file.write_text(yaml.safe_dump(default_config()))
    return train_nlu(str(config_file), str(NLU_DATA), str(out), domain=str(ROOT / "domain.yml"))


def cached_default_model(retrain: bool = False) -> str:
    """The default pipeline's model for the current NLU data: from models/bench/ if trained before, else trained
    now (in a temporary directory, then moved there; older bench models are removed)."""
    target = BENCH_MODELS / f"rasa-default-fr-{default_model_hash()}.tar.gz"
    if target.exists() and not retrain:
        print(f"Rasa default pipeline (fr): cached model {target.relative_to(ROOT)}")
        return str(target)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        model = train_default(Path(tmp))
        print(f"Rasa default pipeline (fr) trained in {time.monotonic() - started:.0f} s "
              f"(load average {os.getloadavg()[0]:.1f}), kept as {target.relative_to(ROOT)}")
        BENCH_MODELS.mkdir(parents=True, exist_ok=True)
        for old in BENCH_MODELS.glob("rasa-default-fr-*.tar.gz"):
            old.unlink()
        partial = target.with_suffix(".partial")
        shutil.move(model, partial)
        partial.rename(target)
    return str(target)


def training_examples() -> tuple[list[str], list[str]]:
    from rasa.shared.nlu.training_data.loading import load_data
    data = load_data(str(NLU_DATA))
    texts, labels = [], []
    for message in data.intent_examples:
        texts.append(message.get("text"))
        labels.append(message.get("intent_response_key") or message.get("intent"))
    return texts, labels


def tfidf_baseline():
    """The baseline, not fitted yet: TF-IDF of accent-folded word 1-2 and char 2-5 grams, logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.feature_extraction.text import TfidfVectorizer
    from assistant.text import fold
    return make_pipeline(
        make_union(TfidfVectorizer(preprocessor=fold, ngram_range=(1, 2), sublinear_tf=True),
                   TfidfVectorizer(preprocessor=fold, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
        LogisticRegression(C=10, max_iter=3000))


def tfidf_predictions() -> list[str]:
    texts, labels = training_examples()
    model = tfidf_baseline().fit(texts, labels)
    return list(model.predict([r["text"] for r in ROWS]))


def report(results: dict[str, list[str]], truth: list[str], score, worst: int = 10, name=lambda label: label) -> None:
    """Each model's macro-F1 and accuracy (`score(truth, predicted)`), then its worst confusions."""
    print(f"{'model':<32} {'macro-F1':>9} {'accuracy':>9}")
    for model, predicted in results.items():
        f1, accuracy = score(truth, predicted)
        print(f"{model:<32} {f1:>9.3f} {accuracy:>9.3f}")
    for model, predicted in results.items():
        print(f"\nworst confusions, {model}:")
        for (t, p), n in Counter((t, p) for t, p in zip(truth, predicted) if t != p).most_common(worst):
            print(f"  {n:>3} × {name(t)} → {name(p)}")


def newest_model() -> str:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit("No model in models/: run `make train` first, or pass --model.")
    return str(models[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", help="the project's model archive (default: the newest in models/)")
    parser.add_argument("--skip-default", action="store_true", help="do not run Rasa's default pipeline")
    parser.add_argument("--retrain-default", action="store_true",
                        help="train Rasa's default pipeline even if models/bench/ has it for these data")
    parser.add_argument("--train-default-only", action="store_true",
                        help="only make sure the default pipeline's model is in models/bench/ (no scoring)")
    args = parser.parse_args()
    if args.train_default_only:
        cached_default_model(args.retrain_default)
        return
    truth = [r["intent"] for r in ROWS]
    results: dict[str, list[str]] = {}
    results["project (config.yml)"] = rasa_predictions(args.model or newest_model())
    if not args.skip_default:
        results["Rasa default (fr)"] = rasa_predictions(cached_default_model(args.retrain_default))
    results["TF-IDF + logistic regression"] = tfidf_predictions()
    print(f"\nheld-out set: {len(ROWS)} rows, {len(expected_intents())} intents (tests/nlu/held_out/)")
    report(results, truth, macro_f1)


if __name__ == "__main__":
    main()
