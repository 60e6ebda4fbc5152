"""gunicorn settings for both services (the command names the app and the port):

    gunicorn -c deploy/gunicorn.conf.py --bind 0.0.0.0:8080 extension.wsgi:app
    gunicorn -c deploy/gunicorn.conf.py --bind 0.0.0.0:8081 notification.wsgi:app

Worker model: gevent, one worker process per core. A request spends nearly all its time
waiting on the provider or commercetools; greenlets wait by the thousand for a few KB
each, where a thread per waiting request costs a stack and the kernel's switching (the
benchmark in bench/ measured gevent at 64 clients against a provider answering in 300 ms,
and less CPU per request than threads). WEB_CONCURRENCY overrides the number of worker
processes; GUNICORN_WORKER_CLASS=gthread (with GUNICORN_THREADS) is the fallback.
"""

import os

worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gevent")
if worker_class == "gevent":
    # First, before the app is loaded in this (master) process, so that what it imports
    # (sockets, ssl, threading) is cooperative in the workers it forks.
    from gevent import monkey

    monkey.patch_all()

import logging  # noqa: E402 - after the patching above
import sys  # noqa: E402

from gunicorn.glogging import Logger  # noqa: E402

from connector.logs import JsonFormatter  # noqa: E402

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
worker_connections = 1000
# Loaded once in the master: a bad setting stops start-up with one line, and workers
# share the imported code.
preload_app = True
timeout = 30
graceful_timeout = 20
# Load balancers keep connections open; close them after the balancer would.
keepalive = 75
# gunicorn's control socket has one default path per user, which two services on one
# host would share; nothing here uses it.
control_socket_disable = True

# Metrics over all workers need nothing here: the app sets them up (connector/metrics.py).


# gunicorn's own lines as JSON too. No access lines: the services write one line per
# request themselves, with more in it, and gunicorn's would cost CPU on every request.
class JsonLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter("gunicorn"))
        self.error_log.handlers = [handler]

    def access(self, resp, req, environ, request_time):
        pass


logger_class = JsonLogger
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()  # the services' own setting
