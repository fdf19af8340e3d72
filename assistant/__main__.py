"""Run the programme-data service: python -m assistant."""
import uvicorn

from assistant import settings as settings_module
from assistant.api import create_app


def main() -> None:
    settings = settings_module.load()
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning", ws="none")


if __name__ == "__main__":
    main()
