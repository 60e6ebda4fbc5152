"""gunicorn settings for both services (the command names the app and the port):

    gunicorn -c deploy/gunicorn.conf.py --bind 0.0.0.0:8080 extension.wsgi:app
    gunicorn -c deploy/gunicorn.conf.py --bind 0.0.0.0:8081 notification.wsgi:app

Worker model: gthread. Each request spends nearly all its time waiting on the provider
or commercetools, so threads, not processes, carry the concurrency; two processes per
core keep the CPU busy while the GIL is held. WEB_CONCURRENCY and GUNICORN_THREADS
override the counts.
"""
import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Loaded once in the master: a bad setting stops start-up with one line, and workers
# share the imported code.
preload_app = True
timeout = 30
graceful_timeout = 20
# Load balancers keep connections open; close them after the balancer would.
keepalive = 75
accesslog = None  # the services write one JSON line per request themselves
errorlog = "-"
# gunicorn's control socket has one default path per user, which two services on one
# host would share; nothing here uses it.
control_socket_disable = True
