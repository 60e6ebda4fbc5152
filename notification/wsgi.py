"""gunicorn entry point: notification.wsgi:app"""

from connector.web import wsgi_app

from .app import create_app

app = wsgi_app("notification", create_app)
