"""Run the programme-data service: python -m assistant."""
import uvicorn

from assistant import settings as settings_module
from assistant.api import create_app


def main() -> None:
    settings = settings_module.load()
    settings_module.check_exposure(settings)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning", ws="none",
                limit_concurrency=settings.max_concurrent_requests, timeout_keep_alive=5,
                h11_max_incomplete_event_size=64 * 1024)


if __name__ == "__main__":
    main()
