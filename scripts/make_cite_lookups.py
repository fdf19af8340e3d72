"""Generate the lookup table of cité names (as residents type them) from data/programme/cites.csv.

Writes data/nlu/cite_lookups.yml by default; `--out PATH` writes elsewhere.
Each name is listed as written, without accents, without hyphens, and without its « Cité » / « Quartier » word
(« Cité des Alouettes » → « cite des alouettes », « Alouettes »). A bare name that is an everyday French word
(« parc », « renaissance ») or a word of a commune's name (« Neuville ») is left out: it would tag « le parc » or
« Neuville-Saint-Rémy » in any sentence; the full name stays, and DIET still learns bare names in context.
"""
import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.text import fold, normalise  # noqa: E402

SOURCE = ROOT / "data" / "programme" / "cites.csv"
COMMUNES = ROOT / "data" / "programme" / "communes.csv"
TARGET = ROOT / "data" / "nlu" / "cite_lookups.yml"
MARKERS = ("cité", "cite", "quartier", "résidence", "residence", "corons", "coron", "rue", "rues", "impasse")
ARTICLES = ("de la", "des", "du", "de l'", "de", "d'", "la", "le", "les", "l'")
# Bare names too common to tag on their own (everyday words and place names of the cités' lists), and too
# short to be distinctive: « la gare », « le calvaire », « la poste » must not become a cité in any sentence.
COMMON_WORDS = frozenset("""
parc parisienne renaissance maroc gare poste chateau calvaire plaine village stade pont sports jardins arbres
moulin justice victoire paradis rivage terril garage pave concorde orient soeurs fleurs astres aviateurs musiciens
provinces ateliers usines foret nouvelle ancienne verte ouest est nord sud centre solitude marionettes loups
agneaux patures brebis quarante employes eglise carre fosse verrerie normandie belgique bellevue alsace artois
transvaal lorette godion perche bosquet dreve archeveque malmaison acacias arbrisseaux champ fleuri croisette
""".split())
MIN_BARE_LENGTH = 4
ARTICLE_WORDS = frozenset({"de", "la", "le", "les", "du", "des", "d", "l", "et"})


def bare(name: str) -> str:
    """« Cité de la Croix-de-Pierre » → « Croix-de-Pierre »; « quartier du Maroc » → « Maroc »."""
    text = name.strip()
    for marker in MARKERS:
        if text.lower().startswith(marker + " "):
            text = text[len(marker) + 1 :].strip()
            break
    for article in ARTICLES:
        if text.lower().startswith(article + (" " if not article.endswith("'") else "")):
            text = text[len(article) :].strip()
            break
    return text


def commune_words() -> frozenset[str]:
    """Every word of every commune name (« neuville », « saint », « remy », …), normalised."""
    with COMMUNES.open(encoding="utf-8") as f:
        return frozenset(word for row in csv.DictReader(f) for word in normalise(row["nom"]).split())


def spellings(name: str, taken: frozenset[str] = frozenset()) -> set[str]:
    """The forms of one name, once each whatever the case (the extractor ignores case, config.yml)."""
    short = bare(name)
    words = normalise(short).split()
    everyday = fold(short) in COMMON_WORDS or all(w in COMMON_WORDS or w in ARTICLE_WORDS for w in words)
    if everyday and normalise(name) == normalise(short):
        return set()  # an other name that is only everyday words (« Nouvelle »): « une création nouvelle » is no cité
    distinctive = not (
        everyday
        or len(short) < MIN_BARE_LENGTH
        or not re.search(r"[^\W\d_]{3}", short)  # « 50 », « 1940 », « n°3 »: a number alone is not a name
        or (len(words) == 1 and words[0] in taken)
    )
    forms = {name}
    without_sign = re.sub(r"n°\s*", "", name)
    if "n°" in name and re.search(r"[^\W\d_]{3}", without_sign):
        # « Cité n°12 de Lens » is also written « cité 12 de Lens »; but « n°2 » alone is not « 2 », which is
        # an answer to « combien ? » in the BUD check
        forms.add(without_sign)
    if distinctive:
        forms.add(short)
    result: dict[str, str] = {}
    for form in forms:
        for variant in (form, fold(form), form.replace("-", " "), fold(form).replace("-", " ")):
            if variant.strip():
                result.setdefault(variant.lower(), variant)
    return set(result.values())


def names(source: Path = SOURCE) -> list[str]:
    with source.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    taken = commune_words()
    found: dict[str, str] = {}
    for row in rows:
        for name in [row["nom"], *(a for a in (row["autres_noms"] or "").split(";") if a.strip())]:
            for form in spellings(name.strip(), taken):
                found.setdefault(form.lower(), form)
    found = set(found.values())
    # Longest first: the extractor keeps the first alternative that matches, so « cité des Alouettes » wins
    # over « Alouettes » where both start at the same word.
    return sorted(found, key=lambda n: (-len(n), n))


def render(source: Path = SOURCE) -> str:
    lines = [
        'version: "3.1"',
        "# Generated by scripts/make_cite_lookups.py from data/programme/cites.csv: do not edit by hand.",
        "nlu:",
        "- lookup: cite",
        "  examples: |",
    ]
    lines += [f"    - {n}" for n in names(source)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET)
    out = parser.parse_args().out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
