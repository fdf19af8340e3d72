"""Search a cité by its name as residents type it (« cite agache », « la Croisette à Méricourt », « cité des alouettes
bully », typos): found / ambiguous / not_found. A close spelling counts as found only when it is one typo away from
a single cité's name (two for long names) or sounds the same; anything weaker is only a suggestion, never an answer.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Optional

from rapidfuzz import fuzz
from rapidfuzz.distance import DamerauLevenshtein
from sqlalchemy.engine import Connection
from text_to_num import alpha2digit

from assistant.communes import Commune, CommuneIndex
from assistant.text import fold, normalise
from assistant.cites.records import Cite, all_cites, cites, in_commune

_FILLER = frozenset(
    "cite cites quartier quartiers residence coron corons la le les l de des du d au aux a en ma mon notre dans sur n"
    " no numero".split()
)
# Words that name no cité by themselves (« ma cité minière », « les logements du coron »): a query of these alone is
# answered `no_name`, so that the bot asks which cité instead of « je ne trouve pas « cité » ».
_NO_NAME = _FILLER | frozenset(
    "miniere minieres minier miniers maison maisons logement logements mes nos votre vos une un".split()
)
# Words residents put around a cité's number (« les corons de la fosse 2 », « cité du siège 4 »).
_NUMBER_WORDS = frozenset("coron corons fosse fosses siege puits bis et".split())
_NUMBER = re.compile(r"^\d{1,4}$")
MAX_SUGGESTIONS = 3
SUGGEST_FROM = 40  # rapidfuzz ratio, 0-100
PREFIX_MIN_LETTERS = 4  # a single word shorter than this is never read as the start of a commune's name
PREFIX_FOUND = 0.6  # share of a name typed for its start to count as the name (« declerc » yes, « croix » no)


@dataclass
class SearchResult:
    status: str  # found | ambiguous | not_found
    query: str
    match: Optional[str] = None  # exact | contained | prefix | partial | close | commune | no_name
    cites: list[Cite] = field(default_factory=list)
    suggestions: list[Cite] = field(default_factory=list)
    commune: Optional[Commune] = None  # a commune the query names
    cites_de_la_commune: list[Cite] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "query": self.query,
            "match": self.match,
            "cites": [c.as_dict() for c in self.cites],
            "suggestions": [c.summary() for c in self.suggestions],
            "commune": {"insee": self.commune.insee, "nom": self.commune.nom} if self.commune else None,
            "cites_de_la_commune": [{**c.summary(), "bailleur": c.bailleur} for c in self.cites_de_la_commune],
            # Whom to ask about a cité of this commune that the data do not know: its cités' landlords.
            "bailleurs_de_la_commune": landlords(self.cites_de_la_commune),
        }


def landlords(found: Iterable[Cite]) -> list[str]:
    """The landlords of these cités, each once: « Maisons & Cités et SIA Habitat » counts for both."""
    names: list[str] = []
    for cite in found:
        for name in re.split(r"\s+et\s+(?=SIA|Maisons|Partenord)", cite.bailleur or ""):
            if name.strip() and name.strip() not in names:
                names.append(name.strip())
    return sorted(names)


def name_key(text: str) -> tuple[str, ...]:
    """« Cité de la Croix-de-Pierre » → ('croix', 'pierre'); « la croisette » → ('croisette',)."""
    return tuple(token for token in normalise(text).split() if token not in _FILLER)


# Words after which a number in words is a cité's number (« cité douze », « corons du cinq », « fosse trois »); never
# after « de » or « la » (« Neuf-Berquin », « la neuvième »).
_BEFORE_NUMBER = frozenset("cite cites coron corons fosse fosses siege puits n no numero du des aux les".split())
# « cité des 3 Cailloux »: after « des », « aux » or « les », a number counts things the name goes on to say.
_COUNTING = frozenset({"des", "aux", "les"})
# Where a cité's name stops in a sentence: punctuation, a place word, the words of the question.
_NAME_END = re.compile(r"[,.;:!?()«»\"]")
_AFTER_NAME = frozenset(
    "a au aux de du d dans sur pres vers en est sont sera seront c ca elle elles il ils on qui que quand ou comment"
    " pourquoi svp stp merci".split()
)


def _spelled_numbers(tokens: list[str]) -> list[str]:
    """« cité douze » → « cité 12 », « cite quatre onze » → « cite 4 11 »: numbers in words after a cité word."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        best = None
        if out and out[-1] in _BEFORE_NUMBER:
            for j in range(i + 1, min(len(tokens), i + 4) + 1):  # « vingt et un », « quatre onze »
                converted = alpha2digit(" ".join(tokens[i:j]), "fr").split()
                if converted and all(t.isdigit() for t in converted):
                    best = (j, converted)
        if best:
            out.extend(best[1])
            i = best[0]
        else:
            out.append(tokens[i])
            i += 1
    return out


def _query_tokens(query: str) -> list[str]:
    """Normalised words, a number stuck to « n » or to « bis » split off: « n°12 », « n12 », « 12bis »; numbers
    in words after a cité word as digits (« cité douze »)."""
    tokens = []
    for token in normalise(query).split():
        glued = re.fullmatch(r"(n|no)(\d{1,4})|(\d{1,4})(bis)", token)
        if glued:
            tokens.extend(t for t in glued.groups() if t)
        else:
            tokens.append(token)
    return _spelled_numbers(tokens)


def _counted(tokens: list[str]) -> Optional[str]:
    """« des 3 » in « cité des 3 Cailloux »: the article and the number, as the names of the data would say them."""
    for before, token in zip(tokens, tokens[1:]):
        if before in _COUNTING and _NUMBER.match(token):
            return f"{before} {token}"
    return None


def _says(cite: Cite, counted: Optional[str]) -> bool:
    """Whether one of the cité's names has this counted number (« Coron des 120 »)."""
    return counted is None or any(f" {counted} " in f" {normalise(name)} " for name in (cite.nom, *cite.autres_noms))


def complete_name(query: str, suite: str, every: list[Cite]) -> str:
    """The cité name as the sentence goes on: « cite des 3 » followed by « cailloux ? » is « cite des 3 cailloux »,
    unless a cité is called so (« Coron des 120 »). `suite` is what follows the name in the message."""
    counted = _counted(_query_tokens(query))
    if counted is None or not suite or any(_says(c, counted) for c in every):
        return query
    words = []
    for word in re.split(r"[\s'’-]+", _NAME_END.split(suite, maxsplit=1)[0]):
        if not word:
            continue
        key = normalise(word)
        if not key or key in _AFTER_NAME or key.isdigit():
            break
        words.append(word)
    if not words:
        return query
    # The words go right after the number, before « à Lens » that the caller may have added.
    tokens = query.split()
    for i in range(len(tokens) - 1, -1, -1):
        if _query_tokens(" ".join(tokens[: i + 1]))[-1:] == [counted.split()[1]]:
            return " ".join(tokens[: i + 1] + words + tokens[i + 1 :])
    return f"{query} {' '.join(words)}"


def number_query(tokens: list[str]) -> Optional[tuple[str, ...]]:
    """The number a query names a cité by (« cité du 4 » → ('4',), « cité 12 bis » → ('12', 'bis'),
    « cité du 4-11 » → ('4', '11')), when it says nothing else; None otherwise."""
    numbers = []
    for token in tokens:
        if _NUMBER.match(token) or (token == "bis" and numbers):
            numbers.append(token)
        elif token not in _FILLER and token not in _NUMBER_WORDS:
            return None
    return tuple(numbers) if any(_NUMBER.match(n) for n in numbers) else None


def number_keys(cite: Cite) -> set[tuple[str, ...]]:
    """The numbers a cité is called by: « Cité n°12 de Lens » → ('12',); « Cité du 4-11 » → ('4', '11');
    « Cité Evrard » (also « Cité n°11, 12 et 13 ») → ('11', '12', '13') and each number alone;
    « Cité des Provinces (Cité n°10 - 10 bis) » → ('10', '10', 'bis'), ('10',) and ('10', 'bis')."""
    keys: set[tuple[str, ...]] = set()
    for name in (cite.nom, *cite.autres_noms):
        text = fold(name)
        found = re.search(r"\d{1,4}(?:\s*bis|b\b)?(?:\s*(?:-|,|et)\s*\d{1,4}(?:\s*bis|b\b)?)*", text)
        if found:  # the first number is the cité's (« Cité n°15 du Siège 4 » is the cité 15 of pit 4)
            group = found.group(0)
            parts = [re.sub(r"(\d+)\s*(bis|b)$", r"\1 bis", p.strip()).split() for p in re.split(r"-|,|\bet\b", group)]
            parts = [p for p in parts if p]
            keys.add(tuple(t for p in parts for t in p))
            listed = "," in group or " et " in group or " - " in group
            if listed or len(parts) == 1:
                keys.update(tuple(p) for p in parts)
    return keys


def _number_match(numbers: tuple[str, ...], candidates: list[Cite], counted: Optional[str] = None) -> list[Cite]:
    """The cités called by these numbers; « des 3 » only those whose name says « des 3 » (« Coron des 120 »)."""
    return [c for c in candidates if numbers in number_keys(c) and _says(c, counted)]


def search(conn: Connection, query: str, index: CommuneIndex, suite: str = "") -> SearchResult:
    """`suite`: what follows the name in the resident's message, read when the name stops at a number that counts
    something (« cité des 3 » of « cité des 3 Cailloux »)."""
    if all(token in _NO_NAME for token in normalise(query).split()):
        return SearchResult("not_found", query, "no_name")
    every = all_cites(conn)
    query = complete_name(query, suite, every)
    tokens = _query_tokens(query)
    counted = _counted(tokens)
    # 0. A number alone (« cité du 4 », « les corons de la fosse 2 », « cité 12 »): every cité of that number.
    numbers = number_query(tokens)
    if numbers is not None:
        hits = _number_match(numbers, every, counted)
        if hits:
            return _answer(query, "number", hits, None)
        return _not_found(query, every, tokens, None, conn)
    # 0b. A number and a commune (« la cité 12 à Lens », « corons de la fosse 2 lens », « cité 4 62300 »).
    commune, rest = _split_commune(index, tokens)
    places = [commune] if commune is not None else []
    if commune is None:  # a postal code of several communes (62300: Lens and Éleu-dit-Leauwette)
        for i, token in enumerate(tokens):
            if token.isdigit() and len(token) == 5 and index.resolve(token).status == "ambiguous":
                places, rest = index.resolve(token).communes, tokens[:i] + tokens[i + 1 :]
    if not places and commune is None:  # « cite n 5 a Bruay »: Bruay-la-Buissière or Bruay-sur-l'Escaut
        homonyms, after = _homonyms(index, tokens)
        if number_query(after) is not None:
            places, rest = homonyms, after
    if places and number_query(rest) is not None:
        local = [c for c in every if any(c.in_commune(p.insee) for p in places)]
        hits = _number_match(number_query(rest), local, counted)
        if hits:
            return _answer(query, "number", hits, commune)
        if commune is None:  # never a cité of that number elsewhere: « … à Bruay » says where it is
            also = _number_match(number_query(rest), every, counted)
            return _not_found(query, every, rest, None, conn, also=also)
    # 1. The name, as typed or inside a sentence (« cite de la croix » is a cité before being the commune Croix).
    kind, hits, used = _strong_match(tokens, every, index)
    if hits and not places and commune is None:  # words besides the name may name several communes (« Bruay »)
        places, _ = _homonyms(index, [t for i, t in enumerate(tokens) if i not in used])
    if hits and places and commune is None:  # a postal code or a name of several communes: the cités of those
        local = [c for c in hits if any(c.in_commune(p.insee) for p in places)]
        if not local:  # « cité du Maroc à Bruay »: there are cités of that name, none in either Bruay
            return _not_found(query, every, tokens, None, conn, also=hits)
        hits = local
    if hits:
        commune, _ = _split_commune(index, [t for i, t in enumerate(tokens) if i not in used])
        if commune is not None and not any(c.in_commune(commune.insee) for c in hits):
            return _not_found(query, every, tokens, commune, conn, also=hits)
        if commune is not None:
            hits = [c for c in hits if c.in_commune(commune.insee)]
        return _answer(query, kind, hits, commune)
    # 2. A commune in the query (« … à Méricourt », « … bully », a postal code), then the name among its cités.
    commune, rest = _split_commune(index, tokens)
    if commune is not None:
        local = [c for c in every if c.in_commune(commune.insee)]
        numbers = number_query(rest)
        if numbers is not None:  # « la cité 12 à Lens », « corons de la fosse 2 lens », « cité 4 62300 »
            hits = _number_match(numbers, local, counted)
            if hits:
                return _answer(query, "number", hits, commune)
            return _not_found(query, every, rest, commune, conn, also=_number_match(numbers, every, counted))
        if not name_key(" ".join(rest)):
            # Only a commune: its cités are a question to ask, never an answer, even when there is one.
            status = "ambiguous" if local else "not_found"
            return SearchResult(status, query, "commune", local, commune=commune)
        kind, hits, _ = _strong_match(rest, local, index)
        if not hits:
            kind, hits = _close_match(rest, local, index)
        if hits:
            return _answer(query, kind, hits, commune)
        _, elsewhere = _close_match(rest, every, index)
        return _not_found(query, every, rest, commune, conn, also=elsewhere)
    # 3. A close spelling of one name.
    kind, hits = _close_match(tokens, every, index)
    if hits:
        return _answer(query, kind, hits, None)
    # 4. A cité word and its number inside a longer sentence (« la cite numero douze de lens elle a un bailleur ? »).
    numbered = _numbered_in_sentence(tokens, index)
    if numbered is not None:
        numbers, commune = numbered
        local = [c for c in every if c.in_commune(commune.insee)] if commune is not None else every
        hits = _number_match(numbers, local, counted)
        if hits:
            return _answer(query, "number", hits, commune)
    return _not_found(query, every, tokens, None, conn)


def _numbered_in_sentence(tokens: list[str], index: CommuneIndex) -> Optional[tuple[tuple[str, ...], Optional[Commune]]]:
    """The number after the first cité word of a sentence, and the commune named right after it (« … de Lens »)."""
    for i, token in enumerate(tokens):
        if token not in _MARKERS:
            continue
        j, numbers = i + 1, []
        while j < len(tokens) and (tokens[j] in _FILLER or tokens[j] in _NUMBER_WORDS) and not _NUMBER.match(tokens[j]):
            j += 1
        while j < len(tokens) and (_NUMBER.match(tokens[j]) or (tokens[j] == "bis" and numbers)):
            numbers.append(tokens[j])
            j += 1
        if not numbers:
            continue
        while j < len(tokens) and tokens[j] in ("de", "d", "du", "a", "sur", "dans"):
            j += 1
        for size in range(min(5, len(tokens) - j), 0, -1):
            commune = _commune_in(index, tokens[j : j + size])
            if commune is not None:
                return tuple(numbers), commune
        return tuple(numbers), None
    return None


def _answer(query: str, kind: Optional[str], hits: list[Cite], commune: Optional[Commune]) -> SearchResult:
    # A name only begun (« croix » for Croix-de-Pierre) is a question, never an answer.
    found = len(hits) == 1 and kind != "partial"
    return SearchResult("found" if found else "ambiguous", query, kind, hits, commune=commune)


def _keys(cite: Cite) -> list[tuple[str, ...]]:
    keys = [name_key(cite.nom)] + [name_key(alias) for alias in cite.autres_noms]
    return [key for key in keys if key]


_CONNECTORS = frozenset({"a", "dans", "sur", "pres", "vers"})
_MARKERS = frozenset({"cite", "cites", "quartier", "quartiers", "residence", "coron", "corons"})


def _standalone(tokens: list[str], start: int, end: int, index: CommuneIndex) -> bool:
    """Whether tokens[start:end] can be a whole cité name in this query: preceded by nothing or a filler word
    (« la », « cité »), followed by nothing, « à »/« dans », a postal code or a commune. « cité du parc des
    sports » does not name the Cité du Parc."""
    if start > 0 and tokens[start - 1] not in _FILLER:
        return False
    if start > 0 and tokens[start - 1] in _CONNECTORS and _commune_in(index, tokens[start:end]) is not None:
        return False  # « … à Méricourt » names the commune, not the Cité de Méricourt
    after = tokens[end:]
    if not after or after[0] in _CONNECTORS or (after[0].isdigit() and len(after[0]) == 5):
        return True
    return any(
        _commune_in(index, after[:size], homonyms=True) is not None for size in range(1, min(5, len(after)) + 1)
    )


def _strong_match(
    tokens: list[str], candidates: list[Cite], index: CommuneIndex
) -> tuple[Optional[str], list[Cite], set[int]]:
    """The exact name, a name standing in the query, or the start of a name (« agach », « croi »)."""
    kept = [(i, t) for i, t in enumerate(tokens) if t not in _FILLER]
    words = tuple(t for _, t in kept)
    if not words:
        return None, [], set()
    bare = _MARKERS.isdisjoint(tokens)
    exact = [c for c in candidates if words in _keys(c) and not (bare and _named_after_its_commune(c, words, index))]
    if exact:
        return "exact", exact, {i for i, _ in kept}
    name_words = {word for cite in candidates for key in _keys(cite) for word in key}
    best: dict[str, tuple[int, set[int], Cite]] = {}
    for cite in candidates:
        for key in _keys(cite):
            for start in range(len(words) - len(key) + 1):
                if words[start : start + len(key)] != key:
                    continue
                first, last = kept[start][0], kept[start + len(key) - 1][0]
                if not _standalone(tokens, first, last + 1, index):
                    continue
                if start > 0 and words[start - 1] in name_words and words[start - 1] not in key:
                    continue  # « cité du parc des sports »: « des sports » ends another name, it is not one
                if bare and _named_after_its_commune(cite, key, index):
                    continue  # « Méricourt » alone is the commune, not the Cité de Méricourt
                if len(key) > best.get(cite.id, (0, set(), cite))[0]:
                    best[cite.id] = (len(key), {kept[start + j][0] for j in range(len(key))}, cite)
    if best:
        longest = max(size for size, _, _ in best.values())
        chosen = [(used, cite) for size, used, cite in best.values() if size == longest]
        return "contained", [cite for _, cite in chosen], set().union(*(used for used, _ in chosen))
    text = " ".join(words)
    if len(text) >= 4:
        typed: dict[str, tuple[float, Cite]] = {}
        for cite in candidates:
            for key in map(" ".join, _keys(cite)):
                if bare and _named_after_its_commune(cite, tuple(key.split()), index):
                    continue
                if key.startswith(text):
                    typed[cite.id] = max(typed.get(cite.id, (0.0, cite)), (len(text) / len(key), cite))
        if typed:
            kind = "prefix" if all(share >= PREFIX_FOUND for share, _ in typed.values()) else "partial"
            return kind, [cite for _, cite in typed.values()], {i for i, _ in kept}
    return None, [], set()


def _named_after_its_commune(cite: Cite, key: tuple[str, ...], index: CommuneIndex) -> bool:
    """« Cité de Méricourt » in Méricourt: typed without « cité », the name is the commune's."""
    commune = _commune_in(index, list(key))
    return commune is not None and cite.in_commune(commune.insee)


def _allowed_edits(key: str) -> int:
    return 0 if len(key) < 6 else 1 if len(key) < 10 else 2


def _phonetic(text: str) -> str:
    """A rough French sound key: « heurtaux » ≈ « heurteau », « darci » ≈ « darcy », « mouchoniere »."""
    for old, new in (("eau", "o"), ("au", "o"), ("ph", "f"), ("y", "i"), ("qu", "k"), ("cq", "k"), ("ck", "k")):
        text = text.replace(old, new)
    collapsed = "".join(c for i, c in enumerate(text) if i == 0 or c != text[i - 1])
    return " ".join(word.rstrip("sx") or word for word in collapsed.split())


def _is_close(words: str, key: str) -> bool:
    return (
        DamerauLevenshtein.distance(words, key) <= _allowed_edits(key)
        or _phonetic(words) == _phonetic(key)
    )


def _close_match(
    tokens: list[str], candidates: list[Cite], index: CommuneIndex
) -> tuple[Optional[str], list[Cite]]:
    """Cités one typo away (two for long names) or sounding the same: the whole query or a name standing in it."""
    kept = [(i, t) for i, t in enumerate(tokens) if t not in _FILLER]
    words = [t for _, t in kept]
    if not words:
        return None, []
    name_words = {word for cite in candidates for key in _keys(cite) for word in key}
    hits = []
    for cite in candidates:
        for key in _keys(cite):
            size = len(key)
            windows = [" ".join(words)] + [
                " ".join(words[i : i + size])
                for i in range(len(words) - size + 1)
                if _standalone(tokens, kept[i][0], kept[i + size - 1][0] + 1, index)
                and not (i > 0 and words[i - 1] in name_words)
            ]
            if any(_is_close(window, " ".join(key)) for window in windows):
                hits.append(cite)
                break
    return ("close", hits) if hits else (None, [])


def _similarity(tokens: list[str], cite: Cite) -> float:
    words = " ".join(t for t in tokens if t not in _FILLER)
    return max((fuzz.ratio(words, " ".join(key)) for key in _keys(cite)), default=0.0)


def _not_found(
    query: str,
    every: list[Cite],
    tokens: list[str],
    commune: Optional[Commune],
    conn: Connection,
    also: Iterable[Cite] = (),
) -> SearchResult:
    """Nothing presented as found: the closest names as suggestions, and the cités of the commune named."""
    suggestions = list(also)
    ranked = sorted(every, key=lambda c: -_similarity(tokens, c))
    for cite in ranked:
        if len(suggestions) >= MAX_SUGGESTIONS or _similarity(tokens, cite) < SUGGEST_FROM:
            break
        if cite not in suggestions:
            suggestions.append(cite)
    local = in_commune(conn, commune.insee) if commune is not None else []
    return SearchResult("not_found", query, None, [], suggestions[:MAX_SUGGESTIONS], commune, local)


def _split_commune(index: CommuneIndex, tokens: list[str]) -> tuple[Optional[Commune], list[str]]:
    """The commune a query names (postal code, « … à X », or its last words) and the remaining words."""
    for i, token in enumerate(tokens):
        if token.isdigit() and len(token) == 5:
            found = index.resolve(token)
            if found.status == "found":
                return found.communes[0], tokens[:i] + tokens[i + 1 :]
    # « … a sallaumines c'est quand les travaux »: the commune right after « à », then the question; the last « à »
    # first, then the ones before it (« la cite des 120 a lens on nous a dit … »)
    for at in [i for i in range(len(tokens) - 1, -1, -1) if tokens[i] == "a"]:
        for size in range(min(5, len(tokens) - at - 1), 0, -1):
            commune = _commune_in(index, tokens[at + 1 : at + 1 + size])
            if commune is not None:
                return commune, tokens[:at]
    for size in range(min(5, len(tokens)), 0, -1):
        commune = _commune_in(index, tokens[-size:])
        if commune is not None:
            return commune, tokens[:-size]
    return None, tokens


def _homonyms(index: CommuneIndex, tokens: list[str]) -> tuple[list[Commune], list[str]]:
    """The communes the last words (after « à » if any) may name when they name several (« Bruay »), and the rest."""
    if "a" in tokens:
        at = len(tokens) - 1 - tokens[::-1].index("a")
        found = index.resolve(" ".join(tokens[at + 1 :])) if tokens[at + 1 :] else None
        if found is not None and found.status == "ambiguous" and found.match in ("exact", "prefix"):
            return found.communes, tokens[:at]
    for size in range(min(5, len(tokens)), 0, -1):
        if all(t in _FILLER for t in tokens[-size:]):
            continue
        found = index.resolve(" ".join(tokens[-size:]))
        if found.status == "ambiguous" and found.match in ("exact", "prefix"):
            return found.communes, tokens[:-size]
    return [], tokens


def _commune_in(index: CommuneIndex, tokens: list[str], homonyms: bool = False) -> Optional[Commune]:
    """The one commune these words name exactly or by their start (« bully » → Bully-les-Mines), else None; with
    `homonyms`, the first of several (« bruay »: Bruay-la-Buissière and Bruay-sur-l'Escaut) is enough."""
    if not tokens or all(t in _FILLER for t in tokens):
        return None
    found = index.resolve(" ".join(tokens))
    if found.match == "prefix" and len(tokens) == 1 and len(tokens[0]) < PREFIX_MIN_LETTERS:
        return None  # « … finis ou pas » names no Pas-en-Artois: a short word is not the start of a name
    if found.match in ("exact", "prefix", "postal_code") and (
        found.status == "found" or (homonyms and found.status == "ambiguous")
    ):
        return found.communes[0]
    return None


