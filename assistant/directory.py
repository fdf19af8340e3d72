"""Local public offices from Service-Public.fr's directory (DILA, « Annuaire de l'administration – base de données
locales », Licence Ouverte) turned into employment structures.

Two formats are read:
- the 2019 extract shipped in data/programme/sources/annuaire_service_public_2019_emploi_59_62.csv (columns
  id_annuaire, type_pivot, code_insee, nom, adresse_derive, code_postal_derive, commune_derive, telephone_derive…);
- the directory as DILA publishes it today (JSON records, or their CSV export: id, nom, pivot, adresse,
  telephone, site_internet, date_modification… where pivot, adresse and telephone hold JSON lists). Its
  `pivot` gives, for each type of service, the INSEE codes of the communes the office is competent for: when
  present they are the office's communes.

Coverage when the source gives none (the 2019 extract gives only the office's commune): a Mission locale serves
the communes of the intercommunality (EPCI) its office is in, when it is the only Mission locale of the directory in
that EPCI (an inference, said in its note: « à vérifier »); information points for young people and France services
serve their own commune; Agefiph and Apec (regional offices) the two departments; the other offices (CIO, GRETA)
their commune, then their EPCI (assistant.employment matches by commune first, then by EPCI).
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping, Optional

# Directory types → structure kinds. DIRECCTE units (labour inspection, not a service for job seekers) are left out.
KINDS = {
    "mission_locale": "mission_locale",
    "cio": "cio",
    "cij": "cij",
    "msap": "france_services",
    "france_services": "france_services",
    "greta": "training",
    "agefiph": "agefiph",
    "apec": "apec",
    "pole_emploi": "france_travail",
    "france_travail": "france_travail",
    "cap_emploi": "cap_emploi",
    "maison_emploi": "maison_emploi",
    "plie": "plie",
}
SOURCE_2019 = "annuaire de Service-Public.fr (DILA), extrait de juillet-août 2019 : à vérifier"
DATE_2019 = "2019-08"
SOURCE_CURRENT = "annuaire de Service-Public.fr (DILA)"
OFFICIAL_DIRECTORY = "lannuaire.service-public.fr"
COVERAGE_NOTE = (
    "Territoire déduit : les communes de l'intercommunalité où se trouve la mission locale (à vérifier auprès "
    "d'elle)."
)
# Offices with a regional remit (one office for the Nord and the Pas-de-Calais in the extract).
REGIONAL = ("agefiph", "apec")
# Offices for the people of their own commune: an information point for young people, a France services (often a
# post office); shown to the people of that commune only, never to the whole intercommunality.
NEIGHBOURHOOD = ("cij", "france_services")

EXTRACT_2019_COLUMNS = ("id_annuaire", "type_pivot", "code_insee", "nom", "adresse_derive", "telephone_derive")
CURRENT_COLUMNS = ("id", "nom", "pivot", "adresse")


def detect(header: Iterable[str]) -> Optional[str]:
    names = {h.strip().lower() for h in header}
    if set(EXTRACT_2019_COLUMNS) <= names:
        return "extrait_2019"
    if set(CURRENT_COLUMNS) <= names:
        return "annuaire_actuel"
    return None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _phone(raw: str) -> str:
    """« 08 00 11 10 09 / Numéro vert : service et appel gratuits. » → « 08 00 11 10 09 (numéro vert, gratuit) »."""
    number, _, rest = raw.partition("/")
    number = " ".join(number.split())
    if "vert" in rest.lower():
        return f"{number} (numéro vert, gratuit)"
    if "gris" in rest.lower():
        return f"{number} (service gratuit, prix d'un appel)"
    return number


def _site(raw: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", raw.strip()).rstrip("/")


def _contact(phone: str, site: str) -> Optional[str]:
    parts = []
    if phone:
        parts.append(f"Tél. {_phone(phone)}")
    if site and "cnml.gouv.fr" not in site:  # the national network's site, not the office's
        parts.append(f"site : {_site(site)}")
    return " ; ".join(parts) or None


def _title(name: str) -> str:
    """« Mission locale pour l'insertion professionnelle et sociale des jeunes (16-25 ans) - Douai » →
    « Mission locale de Douai »."""
    text = re.sub(r"\s*\d{5}-\d{2}$", "", name.strip())
    if text.lower().startswith("mission locale pour l'insertion"):
        place = text.split(" - ", 1)[1] if " - " in text else ""
        return f"Mission locale ({place})" if place else "Mission locale"
    return text.replace("Maison de services au public", "France services (maison de services au public)")


def from_2019_rows(rows: Iterable[Mapping[str, str]]) -> list[dict]:
    """Structures (before coverage) from the 2019 extract; DIRECCTE units are left out."""
    found = []
    for row in rows:
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        kind = KINDS.get(row["type_pivot"])
        if kind is None:
            continue
        address = ", ".join(p for p in (row.get("adresse_derive"), " ".join(
            p for p in (row.get("code_postal_derive"), row.get("commune_derive")) if p)) if p)
        found.append(
            {
                "id": slug(row["id_annuaire"]),
                "nom": _title(row["nom"]),
                "kind": kind,
                "office": row["code_insee"],
                "adresse": address or None,
                "contact": _contact(row.get("telephone_derive", ""), row.get("site_web", "")),
                "source": SOURCE_2019,
                "source_date": DATE_2019,
                "competence": [],
            }
        )
    return found


def _json_list(value: Any) -> list:
    if isinstance(value, list):
        return value
    if not value or not isinstance(value, str):
        return []
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return []
    return parsed if isinstance(parsed, list) else [parsed]


def from_current_rows(rows: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Structures from the directory as DILA publishes it: one per record whose pivot names a kind we use."""
    found = []
    for row in rows:
        row = {str(k).strip().lower(): v for k, v in row.items() if k}
        pivots = [p for p in _json_list(row.get("pivot")) if isinstance(p, dict)]
        kind, communes = None, []
        for pivot in pivots:
            kind = KINDS.get(str(pivot.get("type_service_local", "")))
            if kind:
                communes = [str(c) for c in pivot.get("code_insee_commune") or []]
                break
        if kind is None:
            continue
        addresses = [a for a in _json_list(row.get("adresse")) if isinstance(a, dict)]
        address = next((a for a in addresses if a.get("type_adresse", "Adresse") == "Adresse"), addresses[0] if addresses else {})
        street = ", ".join(
            str(address.get(k)).strip() for k in ("complement1", "complement2", "numero_voie", "service_distribution")
            if address.get(k)
        )
        town = " ".join(str(address.get(k)).strip() for k in ("code_postal", "nom_commune") if address.get(k))
        phones = [p for p in _json_list(row.get("telephone")) if isinstance(p, dict)]
        sites = [s for s in _json_list(row.get("site_internet")) if isinstance(s, dict)]
        office = str(row.get("code_insee_commune") or "").strip()
        date = str(row.get("date_modification") or "").strip()
        date = _iso_date(date)
        found.append(
            {
                "id": slug(str(row["id"])),
                "nom": _title(str(row["nom"])),
                "kind": kind,
                "office": office,
                "adresse": ", ".join(p for p in (street, town) if p) or None,
                "contact": _contact(str(phones[0].get("valeur", "")) if phones else "",
                                    str(sites[0].get("valeur", "")) if sites else ""),
                "source": f"{SOURCE_CURRENT}, fiche mise à jour le {_french(date)}" if date else SOURCE_CURRENT,
                "source_date": date or None,
                "competence": communes,
            }
        )
    return found


def _iso_date(text: str) -> str:
    """« 2025-10-31 14:02:11 », « 31/10/2025 » → « 2025-10-31 »."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        return "-".join(match.groups())
    match = re.match(r"(\d{2})/(\d{2})/(\d{4})", text)
    return f"{match.group(3)}-{match.group(2)}-{match.group(1)}" if match else ""


def _french(iso: str) -> str:
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def with_coverage(found: list[dict], epci_of: Mapping[str, str], all_epci: Iterable[str]) -> list[dict]:
    """Give each office its communes and EPCI (see the module's docstring); drop offices outside 59/62."""
    missions_by_epci: dict[str, int] = {}
    for office in found:
        if office["kind"] == "mission_locale" and office["office"] in epci_of:
            epci = epci_of[office["office"]]
            missions_by_epci[epci] = missions_by_epci.get(epci, 0) + 1
    every_epci = sorted(set(all_epci))
    result = []
    for office in found:
        code = office["office"]
        if code not in epci_of:
            continue
        epci = epci_of[code]
        communes = list(dict.fromkeys([code, *(c for c in office["competence"] if c in epci_of)]))
        note = None
        if office["kind"] in REGIONAL:
            epcis = every_epci
            note = "Service régional (Hauts-de-France) : il reçoit aussi les habitants du Nord et du Pas-de-Calais."
        elif office["competence"]:
            epcis = []  # the directory says which communes: no inference
        elif office["kind"] == "mission_locale":
            epcis = [epci] if missions_by_epci.get(epci) == 1 else []
            note = COVERAGE_NOTE if epcis else None
        elif office["kind"] in NEIGHBOURHOOD:
            epcis = []
        else:
            epcis = [epci]
        result.append(
            {
                "id": office["id"],
                "nom": office["nom"],
                "kind": office["kind"],
                "communes": ";".join(communes),
                "epci": ";".join(epcis),
                "adresse": office["adresse"],
                "contact": office["contact"],
                "horaires": None,
                "note": note,
                "source": office["source"],
                "source_date": office["source_date"],
            }
        )
    return result
