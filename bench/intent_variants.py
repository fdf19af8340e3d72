"""Variants of the intent model on the sentence embedding, chosen on CV and 15-shot only (issue 9, third round).

The same columns as bench/encoder_eval.py, on the same splits (bench/nlu_cv.py's seeds), places masked:
« CV » (stratified 3-fold macro-F1 on data/nlu, top label, uncalibrated) and « 15-shot » (15 phrases per label,
scored on the others; 2 draws). Also printed, not to choose with: « CV typed », the same folds with each test
phrase folded and given typos (`rasa_plugins.intent_model.noisy`), as residents type; and with `--held-out`, the
frozen held-out set (trained on all the data, calibrated, FallbackClassifier rule, places masked from the rows'
annotations as in encoder_eval.py's « masked » column), for the record.

The variants: train-time copies of the phrases without accents and with typos (`augment`), the embedding of the
folded text instead of the text, class prototypes blended with the regression, class weights, and USE with
multilingual-e5-small (centred) side by side. USE runs here (the project's venv has it); e5 runs in the encoders'
venv as encoder_eval.py runs it (`--encoder-python`, needed only for the `e5` variants).
Usage: nice -n 10 .venv/bin/python bench/intent_variants.py [--only NAME;NAME] [--held-out] [--encoder-python P]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from rasa_plugins.intent_model import IntentModel, augmented, fold, noisy  # noqa: E402

CACHE = Path("/tmp/intent_variants_cache")
CHOSEN = {"C": 30.0, "vector_weight": 2.0, "lemmas": True}  # config.yml before this round
AUG = {"noise_copies": 1, "noise_rate": 0.15}


class Embedder:
    """Sentence embeddings by text, cached on disk (USE here; e5 through encoder_eval.embed)."""

    def __init__(self, name: str, python: str = ""):
        self.name, self.python = name, python
        CACHE.mkdir(exist_ok=True)
        self.file = CACHE / f"{name}.npz"
        self.table: dict[str, np.ndarray] = {}
        if self.file.exists():
            data = np.load(self.file, allow_pickle=True)
            self.table = dict(zip(data["texts"], data["vectors"]))

    def __call__(self, texts) -> np.ndarray:
        missing = sorted({t for t in texts if t not in self.table})
        if missing:
            if self.name == "use":
                from rasa_plugins.sentence_encoder import encode
                vectors = encode(missing)
            else:
                import encoder_eval
                vectors, _ = encoder_eval.embed(self.name, missing, self.python)
            self.table.update(zip(missing, vectors))
            np.savez(self.file, texts=np.array(list(self.table), dtype=object),
                     vectors=np.vstack(list(self.table.values())))
        return np.vstack([self.table[t] for t in texts]).astype(np.float32)


class Fused:
    """A regression on the sentence embedding alone beside the model: their log-probabilities averaged at
    `weight` (a product of experts). The embedding-only model generalises from few phrases; the full one adds the
    words."""

    def __init__(self, weight, full, vectors_c=10.0):
        self.weight, self.full, self.vectors_c = weight, full, vectors_c

    def fit(self, vectors, labels):
        from sklearn.linear_model import LogisticRegression
        self.alone = LogisticRegression(C=self.vectors_c, max_iter=3000, class_weight="balanced")
        self.alone.fit(unit(vectors), labels)
        assert list(self.alone.classes_) == list(self.full.labels)
        return self

    @property
    def labels(self):
        return self.full.labels

    def predict_proba(self, texts, vectors, lemmas):
        z = ((1 - self.weight) * np.log(np.clip(self.full.predict_proba(texts, vectors, lemmas), 1e-12, 1))
             + self.weight * np.log(np.clip(self.alone.predict_proba(unit(vectors)), 1e-12, 1)))
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


class Cascade:
    def __init__(self, threshold, first, second):
        self.threshold, self.first, self.second, self.labels = threshold, first, second, first.labels


def unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return v / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="variants to run, names separated by « ; »")
    parser.add_argument("--held-out", action="store_true", help="also the frozen held-out set, for the record")
    parser.add_argument("--encoder-python", default="/tmp/encvenv/bin/python")
    parser.add_argument("--columns", default="CV,15-shot,CV typed")
    args = parser.parse_args()

    import nlu_cv
    from encoder_eval import mask_held_out
    from tests.nlu.test_held_out_set import ROWS, expected_intents
    nlu_cv.MASK = True
    texts, labels = nlu_cv.training_data()
    texts = list(texts)
    typed = [noisy(t, seed=int(hashlib.sha256(t.encode()).hexdigest()[:8], 16), rate=0.25) for t in texts]
    held = [mask_held_out(r) for r in ROWS]
    truth = [r["intent"] for r in ROWS]

    # Every text a variant may embed: the phrases, their typed test copies, the held-out rows, and the train-time
    # copies (which depend on a phrase's text alone, so the same in every fold).
    copies, _ = augmented(texts, ["fold", "noise"], 2, AUG["noise_rate"])
    everything = texts + typed + held + copies
    lemma_of = dict(zip(everything, nlu_cv.spacy_features(everything)[1]))
    use = Embedder("use")
    use(everything + [fold(t) for t in everything])
    embedders = {"use": use}

    def e5_centred():
        if "e5" not in embedders:
            e5 = Embedder("e5", args.encoder_python)
            e5(everything)
            mean = e5(texts).mean(axis=0)
            embedders["e5"] = lambda ts: unit(e5(ts) - mean)
        return embedders["e5"]

    def both(ts):
        return np.hstack([unit(use(ts)), e5_centred()(ts)])

    def folded_use(ts):
        return use([fold(t) for t in ts])

    def both_folded(ts):
        return np.hstack([unit(folded_use(ts)), e5_centred()([fold(t) for t in ts])])

    def both_use_folded(ts):
        return np.hstack([unit(folded_use(ts)), e5_centred()(ts)])

    variants = {
        "base (config.yml: USE, weight 2)": ({}, use),
        "augment fold": ({"augment": ["fold"]}, use),
        "augment noise": ({"augment": ["noise"]}, use),
        "augment fold+noise": ({"augment": ["fold", "noise"]}, use),
        "augment fold+noise x2": ({"augment": ["fold", "noise"], "noise_copies": 2}, use),
        "USE of folded text": ({}, folded_use),
        "USE of folded text + augment noise": ({"augment": ["noise"]}, folded_use),
        "prototypes 0.2": ({"prototype_weight": 0.2}, use),
        "prototypes 0.4": ({"prototype_weight": 0.4}, use),
        "prototypes 0.3 t0.1": ({"prototype_weight": 0.3, "prototype_temperature": 0.1}, use),
        "class weight none": ({"class_weight": "none"}, use),
        "USE + e5 centred, weight 2": ({}, both),
        "USE + e5 centred, weight 3": ({"vector_weight": 3.0}, both),
        "USE folded + e5 folded": ({}, both_folded),
        "USE folded + e5 as typed": ({}, both_use_folded),
        "C 10 (USE folded + e5 as typed)": ({"C": 10.0}, both_use_folded),
        "C 100 (USE folded + e5 as typed)": ({"C": 100.0}, both_use_folded),
        "fused 0.3 (USE folded + e5 as typed)": ({"fused": 0.3}, both_use_folded),
        "fused 0.5 (USE folded + e5 as typed)": ({"fused": 0.5}, both_use_folded),
        "cascade 0.5 (USE folded, then + e5 folded)": ({"cascade": 0.5}, both_folded),
        "cascade 0.7 (USE folded, then + e5 folded)": ({"cascade": 0.7}, both_folded),
        "cascade 0.85 (USE folded, then + e5 folded)": ({"cascade": 0.85}, both_folded),
    }
    routed = []
    names = [n for n in args.only.split(";") if n] or list(variants)

    def run_fit(config, encoder, train_texts, train_labels, calibrate=False):
        if "cascade" in config:
            # The USE model first; the model with e5 beside it only for the messages it is unsure of (top
            # probability under the cascade's threshold): e5's cost paid only there.
            rest = {k: v for k, v in config.items() if k != "cascade"}
            first = run_fit(rest, folded_use, train_texts, train_labels, calibrate)
            second = run_fit(rest, encoder, train_texts, train_labels, calibrate)
            return Cascade(config["cascade"], first, second)
        if "fused" in config:
            rest = {k: v for k, v in config.items() if k != "fused"}
            full = run_fit(rest, encoder, train_texts, train_labels, calibrate)
            return Fused(config["fused"], full).fit(encoder(train_texts), train_labels)
        model = IntentModel({**CHOSEN, **AUG, "calibrate": calibrate, **config})
        return model.fit(train_texts, train_labels, encoder(train_texts), [lemma_of[t] for t in train_texts],
                         encode=encoder)

    def scores(model, encoder, test_texts):
        if isinstance(model, Cascade):
            threshold, first, second = model.threshold, model.first, model.second
            proba = scores(first, folded_use, test_texts)
            unsure = np.flatnonzero(proba.max(axis=1) < threshold)
            routed.append((len(unsure), len(test_texts)))
            if len(unsure):
                assert list(first.labels) == list(second.labels)
                proba[unsure] = scores(second, encoder, [test_texts[i] for i in unsure])
            return proba
        return model.predict_proba(test_texts, encoder(test_texts), [lemma_of[t] for t in test_texts])

    def cross_validated(config, encoder):
        from sklearn.model_selection import StratifiedKFold
        predicted = np.empty(len(texts), dtype=object)
        predicted_typed = np.empty(len(texts), dtype=object)
        for train, test in StratifiedKFold(3, shuffle=True, random_state=0).split(texts, labels):
            model = run_fit(config, encoder, [texts[i] for i in train], labels[train])
            predicted[test] = nlu_cv.with_fallback(model, scores(model, encoder, [texts[i] for i in test]), False)
            predicted_typed[test] = nlu_cv.with_fallback(model, scores(model, encoder, [typed[i] for i in test]),
                                                         False)
        names_ = sorted(set(labels))
        return nlu_cv.macro(labels, list(predicted), names_), nlu_cv.macro(labels, list(predicted_typed), names_)

    def few_shot(config, encoder):
        rng = np.random.default_rng(0)
        out = []
        for _ in range(2):
            train = np.concatenate([rng.permutation(np.flatnonzero(labels == l))[:15] for l in sorted(set(labels))])
            test = np.setdiff1d(np.arange(len(texts)), train)
            model = run_fit(config, encoder, [texts[i] for i in train], labels[train])
            predicted = nlu_cv.with_fallback(model, scores(model, encoder, [texts[i] for i in test]), False)
            out.append(nlu_cv.macro(labels[test], predicted, sorted(set(labels[test]))))
        return float(np.mean(out))

    def held_out(config, encoder):
        model = run_fit(config, encoder, texts, labels, calibrate=True)
        predicted = nlu_cv.with_fallback(model, scores(model, encoder, held))
        accuracy = sum(t == p for t, p in zip(truth, predicted)) / len(truth)
        return nlu_cv.macro(truth, predicted, sorted(expected_intents())), accuracy

    print(f"training data: {len(texts)} phrases, {len(set(labels))} labels; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    columns = [c for c in args.columns.split(",") if c]
    print(f"{'variant':<38} " + " ".join(f"{c:>9}" for c in columns) + (f" {'held-out F1/acc':>16}"
                                                                        if args.held_out else "") + f" {'s':>5}")
    for name in names:
        config, encoder = variants[name]
        started = time.monotonic()
        figures = {}
        if "CV" in columns or "CV typed" in columns:
            figures["CV"], figures["CV typed"] = cross_validated(config, encoder)
        if "15-shot" in columns:
            figures["15-shot"] = few_shot(config, encoder)
        line = f"{name:<38} " + " ".join(f"{figures[c]:>9.3f}" for c in columns)
        if args.held_out:
            line += " %16s" % ("%.3f/%.3f" % held_out(config, encoder))
        share = f"  e5 on {sum(r[0] for r in routed) / sum(r[1] for r in routed):.0%}" if routed else ""
        routed.clear()
        print(f"{line} {time.monotonic() - started:>5.0f}  (load {os.getloadavg()[0]:.1f}){share}", flush=True)


if __name__ == "__main__":
    main()
