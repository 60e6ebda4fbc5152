"""gunicorn entry point: extension.wsgi:app"""

from connector.web import wsgi_app

from .app import create_app

app = wsgi_app("extension", create_app)
