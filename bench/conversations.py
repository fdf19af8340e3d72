"""Realistic conversations for the benchmarks: what residents and business owners type, turn by turn.

Each turn has a kind (the rows of the latency table) and, where the answer is stable, a few words the answer
must contain: a turn whose answer lacks them is counted as « unexpected », so a speed-up that changed behaviour
shows in the figures. These phrases are the benchmark's own (not the NLU held-out set, not the training data).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

KINDS = ("small_talk", "commune", "form_step", "verdict", "cite")


@dataclass(frozen=True)
class Turn:
    kind: str
    text: str
    expect: Optional[str] = None  # a few words of the answer (case-insensitive), when it is stable


def _t(kind: str, text: str, expect: Optional[str] = None) -> Turn:
    assert kind in KINDS, kind
    return Turn(kind, text, expect)


CONVERSATIONS: list[list[Turn]] = [
    [  # small talk
        _t("small_talk", "bonjour"),
        _t("small_talk", "vous etes un robot ?", "assistant automatique"),
        _t("small_talk", "tu sers a quoi exactement"),
        _t("small_talk", "merci beaucoup"),
        _t("small_talk", "bonne journee au revoir"),
    ],
    [  # commune questions, with a follow-up and a postal code
        _t("commune", "est ce que Douai est dans le BUD ?", "douai"),
        _t("commune", "et Cambrai ?", "cambrai"),
        _t("commune", "le 62300 c'est classé bud ?"),
        _t("commune", "liévin fait partie de la zone bud ?", "liévin"),
        _t("small_talk", "ok merci"),
    ],
    [  # a BUD check from facts up front to the verdict
        _t("form_step", "j'ai créé ma boulangerie à Harnes en octobre 2022, nous sommes 4", "création"),
        _t("form_step", "oui c'est une creation"),
        _t("form_step", "dans les 300 000 euros", "300"),
        _t("form_step", "oui"),
        _t("form_step", "aucune, elle est a moi"),
        _t("form_step", "les 4"),
        _t("form_step", "2"),
        _t("verdict", "5%", "conditions"),
    ],
    [  # a BUD check that starts from nothing, with a digression
        _t("form_step", "est ce que ma societe a droit a l'exoneration bud ?", "commune"),
        _t("form_step", "elle est a Carvin", "quand"),
        _t("form_step", "en mars 2023"),
        _t("commune", "au fait Arras c'est en zone bud ?", "arras"),
        _t("form_step", "stop", "arrête"),
    ],
    [  # cités minières and programme questions
        _t("cite", "ou en est la renovation de la cite des alouettes a bully ?", "alouettes"),
        _t("cite", "quelles cites sont en travaux a douai ?", "douai"),
        _t("cite", "la cite agache elle en est ou ?", "agache"),
        _t("cite", "c'est quoi l'ERBM ?", "2017"),
        _t("small_talk", "merci"),
    ],
]
