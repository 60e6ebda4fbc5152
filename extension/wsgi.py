"""gunicorn entry point: extension.wsgi:app"""
from connector.environment import ConfigError

from .app import create_app

try:
    app = create_app()
except ConfigError as error:
    raise SystemExit(f"extension: configuration error: {error}") from None
