from bench import profile

SERVER = "_handle_and_close_when_done (gevent/baseserver.py:34);GeventWorker.handle (gunicorn/workers/ggevent.py:120)"
ROUTE = f"{SERVER};Flask.__call__ (flask/app.py:1536);extension_blueprint.<locals>.extension (extension/routes.py:87)"


def test_samples_are_grouped_by_their_innermost_known_frame(tmp_path):
    raw = tmp_path / "profile.txt"
    raw.write_text(
        f"{ROUTE};Sessions.open (extension/sessions.py:35) 4\n"
        f"{ROUTE};OrjsonProvider.loads (connector/web.py:54) 2\n"
        f"{ROUTE};HttpClient.request (connector/http.py:107);HTTPConnection.getresponse (http/client.py:1386);"
        "SocketMixin.recv_into (gevent/_socketcommon.py:687) 3\n"
        f"{SERVER};Response.send_headers (gunicorn/http/wsgi.py:471);SocketMixin.sendall (gevent/_socketcommon.py:693) 1\n"
        f"{ROUTE};read_well_formed (connector/payment.py:226) 1\n"
        f"{ROUTE};HttpClient.request (connector/http.py:119);Origin.exchange (connector/wire.py:137) 1\n"
        f"{ROUTE};Logger.info (logging/__init__.py:1489);_utc_time (connector/logs.py:64) 1\n"
        "Hub.run (gevent/hub.py:647) 1\n"
        "<module> (somewhere/else.py:1) 1\n"
    )
    assert profile.split(raw) == {
        "our code": 4 / 15,
        "HTTP client (connector/wire.py; urllib3 behind a proxy)": 4 / 15,
        "JSON": 2 / 15,
        "server (gunicorn, gevent)": 2 / 15,
        "validation (marshmallow, fast paths)": 1 / 15,
        "logging": 1 / 15,
        "other": 1 / 15,
    }
