"""Employment support: the local structures, and the orientation of a person to the help that fits them.

- `rules`: the orientation rules (data/programme/employment/orientation.yaml) over dated parameters with their
  references (data/programme/employment/parameters.yaml, the same engine as the BUD's: assistant/parameters.py).
- `structures`: the structures table, its staff updates, CSV and directory imports, the EPCI index.
- `orientation`: `orient(profile, structures, commune, rules)`, a pure function.

`from assistant import employment` gives all of it, as one name space.
"""
from assistant.employment.orientation import LocalStructure, Orientation, Profile, Route, orient
from assistant.employment.rules import (ASKABLE_FACTS, BOOLEAN_FACTS, DERIVED_FACTS, PARAMETERS_FILE, PROFILE_FACTS,
                                        RULES_FILE, Condition, RouteRule, Rules, RulesError, Variant, load_parameters,
                                        load_rules, parse_rules, rules_for)
from assistant.employment.structures import (CSV_COLUMNS, HISTORY_KIND, KIND_LABELS, KINDS, MAX_BY_EPCI,
                                             OFFICIAL_DIRECTORY, STRUCTURE_FIELDS, STRUCTURES_FILE, EpciIndex,
                                             InvalidStructure, Structure, StructureExists, StructureNotFound,
                                             all_structures, clean_structure, create_structure, directory_format,
                                             epci_index, get_structure, import_directory, import_structures, load,
                                             local_structures, slugify, structure_history, structures_for,
                                             structures_table, update_structure)
