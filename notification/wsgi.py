"""gunicorn entry point: notification.wsgi:app"""
from connector.environment import ConfigError

from .app import create_app

try:
    app = create_app()
except ConfigError as error:
    raise SystemExit(f"notification: configuration error: {error}") from None
