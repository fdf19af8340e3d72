"""The programme datasets and the loader that fills each one on a database's first start."""
from assistant import cites
from assistant import communes, employment
from assistant.handoff import audit as _audit, officers as _officers, queue as _queue, routing  # noqa: F401 (tables)

LOADERS = {
    "communes": communes.load,
    "cites": cites.load,  # after communes: it checks the INSEE codes it names
    "employment_structures": employment.load,  # after communes: it checks the communes it names
    "handoff_routing": routing.load,  # after employment: services may name an employment structure
}
