# One image for both services; SERVICE picks which (extension or notification).
#   docker build -t payment-connector .
#   docker run -e SERVICE=extension -p 8080:8080 --env-file connector.env payment-connector
#   docker run -e SERVICE=notification -e PORT=8081 -p 8081:8081 --env-file connector.env payment-connector
FROM python:3.11.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY setup.cfg pyproject.toml README.md ./
COPY connector ./connector
COPY extension ./extension
COPY notification ./notification
COPY deploy ./deploy
RUN pip install . \
    && useradd --create-home --uid 10001 connector

USER 10001
ENV SERVICE=extension \
    PORT=8080
EXPOSE 8080 8081
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ['PORT'], timeout=2)"]
CMD ["sh", "-c", "exec gunicorn -c deploy/gunicorn.conf.py --bind 0.0.0.0:${PORT} ${SERVICE}.wsgi:app"]
