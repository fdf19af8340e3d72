"""The generic CSV import: every line checked, errors in French with line numbers, all or nothing."""
import pytest
import sqlalchemy as sa

from assistant import csv_import, history
from assistant.storage import create_engine, metadata

_test_metadata = sa.MetaData()
things = sa.Table(
    "things",
    _test_metadata,
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("state", sa.String, nullable=False),
    sa.Column("count", sa.Integer),
    sa.Column("start", sa.Date),
)

STATES = ("ouvert", "ferme")


def _check_row(conn, values):
    exists = conn.execute(sa.select(things.c.key).where(things.c.key == values["cle"])).first()
    return [] if exists else [f"aucun élément avec la clé {values['cle']!r}"]


SCHEMA = csv_import.Schema(
    entity_kind="thing",
    key="cle",
    columns=(
        csv_import.Column("cle", required=True),
        csv_import.Column("statut", required=True, allowed=STATES),
        csv_import.Column("nombre", parse=csv_import.parse_int, expected="un nombre entier positif"),
        csv_import.Column("debut", parse=csv_import.parse_date, expected="une date au format AAAA-MM-JJ"),
    ),
    check_row=_check_row,
)


def _apply(conn, values):
    before = conn.execute(sa.select(things).where(things.c.key == values["cle"])).mappings().one()
    after = {"state": values["statut"]}
    if "nombre" in values:
        after["count"] = values["nombre"]
    if "debut" in values:
        after["start"] = values["debut"]
    conn.execute(things.update().where(things.c.key == values["cle"]).values(**after))
    return csv_import.RowChange(values["cle"], dict(before), after)


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'import.db'}")
    metadata.create_all(engine)
    _test_metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(things.insert(), [{"key": k, "state": "ouvert"} for k in ("a", "b", "c")])
    return engine


def _states(engine):
    with engine.connect() as conn:
        return {row.key: (row.state, row.count, row.start) for row in conn.execute(sa.select(things))}


def test_a_good_file_is_applied_with_its_history(engine):
    text = "cle,statut,nombre,debut\na,ferme,12,2026-04-01\n\nb,ouvert,,\n"
    report = csv_import.run_import(engine, text, SCHEMA, _apply, "m.dupont")
    assert report.rows == 2
    states = _states(engine)
    assert states["a"][0] == "ferme" and states["a"][1] == 12 and str(states["a"][2]) == "2026-04-01"
    assert states["b"] == ("ouvert", None, None)
    with engine.connect() as conn:
        changes = history.list_changes(conn, "thing")
    assert {(c.entity_key, c.field, c.old_value, c.new_value, c.via, c.changed_by) for c in changes} == {
        ("a", "state", "ouvert", "ferme", "import", "m.dupont"),
        ("a", "count", None, "12", "import", "m.dupont"),
        ("a", "start", None, "2026-04-01", "import", "m.dupont"),
    }
    assert report.as_dict()["entites_modifiees"] == ["a"]


def test_semicolons_a_bom_and_a_partial_set_of_columns_are_accepted(engine):
    csv_import.run_import(engine, "\ufeffCLE;Statut\nc;ferme\n", SCHEMA, _apply, "agent")
    assert _states(engine)["c"][0] == "ferme"


# (file, expected errors): each error is « ligne N : ... » with the line where the problem is.
MALFORMED = [
    (
        "cle,statut\na,ferme\nb,fini\n",
        ["ligne 3 : la colonne statut vaut 'fini', valeurs possibles : ouvert, ferme"],
    ),
    (
        "cle,statut,nombre,debut\na,ferme,douze,01/04/2026\n",
        [
            "ligne 2 : la colonne nombre vaut 'douze', attendu : un nombre entier positif",
            "ligne 2 : la colonne debut vaut '01/04/2026', attendu : une date au format AAAA-MM-JJ",
        ],
    ),
    ("cle,statut\na,\n", ["ligne 2 : la colonne statut est vide, elle est obligatoire"]),
    ("cle,statut\na,ferme\nz,ferme\n", ["ligne 3 : aucun élément avec la clé 'z'"]),
    ("cle,statut\na,ferme\na,ouvert\n", ["ligne 3 : cle 'a' figure déjà à la ligne 2"]),
    ("cle,statut\na,ferme,en trop\n", ["ligne 2 : 3 valeurs au lieu de 2 (une par colonne)"]),
    ("cle\na\n", ["ligne 1 : colonne(s) obligatoire(s) absente(s) : statut"]),
    (
        "cle,statut,couleur\na,ferme,bleu\n",
        ["ligne 1 : colonne(s) inconnue(s) : couleur ; colonnes possibles : cle, statut, nombre, debut"],
    ),
    ("", ["ligne 1 : le fichier est vide"]),
    ("cle,statut\n", ["ligne 2 : aucune ligne de données après l'en-tête"]),
]


@pytest.mark.parametrize("text, expected", MALFORMED)
def test_a_malformed_file_is_rejected_line_by_line_and_changes_nothing(engine, text, expected):
    before = _states(engine)
    with pytest.raises(csv_import.ImportRejected) as rejected:
        csv_import.run_import(engine, text, SCHEMA, _apply, "agent")
    assert [str(e) for e in rejected.value.errors] == expected
    assert _states(engine) == before
    with engine.connect() as conn:
        assert history.list_changes(conn, "thing") == []


def test_every_wrong_line_is_reported_not_only_the_first(engine):
    text = "cle,statut\na,fini\nb,ferme\nc,clos\n"
    with pytest.raises(csv_import.ImportRejected) as rejected:
        csv_import.run_import(engine, text, SCHEMA, _apply, "agent")
    assert [e.line for e in rejected.value.errors] == [2, 4]
    assert _states(engine)["b"][0] == "ouvert"  # the right line was not applied either
