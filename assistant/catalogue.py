"""The programme datasets and the loader that fills each one on a database's first start."""
from assistant import communes

LOADERS = {
    "communes": communes.load,
}
