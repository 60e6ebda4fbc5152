import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import urllib3

from connector.errors import ProviderUnavailable
from connector.http import Deadline, HttpClient


def test_deadline_counts_down():
    now = [100.0]
    deadline = Deadline(2.0, clock=lambda: now[0])
    assert deadline.remaining() == 2.0
    now[0] = 101.5
    assert deadline.remaining() == 0.5 and not deadline.expired
    now[0] = 102.0
    assert deadline.expired


@pytest.fixture
def silent_server():
    """Accepts connections and never answers, like a provider that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_hanging_provider_times_out_at_the_deadline(silent_server):
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match="timed out"):
        HttpClient("nuvei").request("POST", silent_server, Deadline(0.3), json={})
    assert 0.25 < time.monotonic() - started < 1.0


def test_calls_share_one_deadline(silent_server):
    deadline = Deadline(0.4)
    client = HttpClient("nuvei")
    started = time.monotonic()
    for _ in range(3):
        with pytest.raises(ProviderUnavailable):
            client.request("GET", silent_server, deadline)
    assert time.monotonic() - started < 0.8  # not three full timeouts


@pytest.fixture
def trickling_server():
    """Answers at once, then sends its body one byte every 100 ms."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
            try:
                for _ in range(100):
                    connection.sendall(b" ")
                    time.sleep(0.1)
            except OSError:
                pass  # the client gave up, as it should

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_trickling_answer_cannot_outlast_the_deadline(trickling_server):
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable):
        HttpClient("nuvei").request("GET", trickling_server, Deadline(0.5))
    assert time.monotonic() - started < 0.8


def counting_server(close_after_answer: bool):
    """An HTTP/1.1 server that counts its connections; it keeps them open, or closes
    each after one answer without saying so (no Connection: close)."""
    connections = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self):
            super().setup()
            connections.append(self.client_address)

        def do_GET(self):
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Id", "7")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = close_after_answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", connections
    server.shutdown()
    server.server_close()


@pytest.fixture
def keep_alive_server():
    yield from counting_server(close_after_answer=False)


@pytest.fixture
def closing_server():
    yield from counting_server(close_after_answer=True)


def test_the_answer_is_read_whole_and_the_connection_kept(keep_alive_server):
    url, connections = keep_alive_server
    client = HttpClient("nuvei")
    for _ in range(3):
        answer = client.request("GET", f"{url}/x", Deadline(1))
        assert (answer.status_code, answer.json(), answer.headers["x-id"]) == (200, {"ok": True}, "7")
    assert len(connections) == 1  # one connection served all three calls


def test_bodies_headers_and_credentials_are_encoded(httpserver):
    httpserver.expect_request(
        "/form",
        method="POST",
        query_string="a=1",
        data="x=1&y=two",
        headers={"Authorization": "Basic dTpw", "X-Extra": "yes"},
    ).respond_with_data("ok")
    httpserver.expect_request("/json", method="POST", json={"amount": "1.00"}).respond_with_data("ok")
    client = HttpClient("nuvei")
    form = client.request(
        "POST",
        httpserver.url_for("/form"),
        Deadline(1),
        data={"x": "1", "y": "two"},
        params={"a": "1"},
        auth=("u", "p"),
        headers={"X-Extra": "yes"},
    )
    sent_json = client.request("POST", httpserver.url_for("/json"), Deadline(1), json={"amount": "1.00"})
    assert (form.status_code, sent_json.status_code) == (200, 200)
    assert httpserver.log[1][0].headers["Content-Type"] == "application/json"


def test_proxies_come_from_the_environment_once_per_host(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example.test")
    client = HttpClient("nuvei")
    proxied = client._route(urlsplit("https://provider.example.test/a")).opener
    assert isinstance(proxied, urllib3.ProxyManager) and proxied.proxy.host == "proxy.example.test"
    assert not isinstance(client._route(urlsplit("https://internal.example.test/b")).opener, urllib3.ProxyManager)
    monkeypatch.delenv("HTTPS_PROXY")  # read once: the client keeps what it found
    assert client._route(urlsplit("https://provider.example.test/c")).opener is proxied


def test_a_query_in_the_url_and_params_are_both_sent(httpserver):
    httpserver.expect_request("/orders", query_string="expand=lines&page=2").respond_with_json([])
    answer = HttpClient("nuvei").request(
        "GET", httpserver.url_for("/orders?expand=lines"), Deadline(1), params={"page": "2"}
    )
    assert answer.status_code == 200


def test_a_connection_the_provider_closed_is_not_reused(closing_server):
    url, connections = closing_server
    client = HttpClient("nuvei")
    for _ in range(3):
        assert client.request("GET", f"{url}/x", Deadline(1)).json() == {"ok": True}
        time.sleep(0.05)  # the close reaches our side
    assert len(connections) == 3


@pytest.mark.parametrize("body", [b"<html>Bad gateway</html>", b"[1, 2]", b""])
def test_an_answer_that_is_not_a_json_object_means_the_provider_is_unavailable(httpserver, body):
    httpserver.expect_request("/order").respond_with_data(body, status=502)
    answer = HttpClient("optty").request("GET", httpserver.url_for("/order"), Deadline(1))
    with pytest.raises(ProviderUnavailable) as raised:
        answer.json_object()
    assert raised.value.provider == "optty"
    assert "HTTP 502" in str(raised.value)


def test_a_json_object_answer_is_read(httpserver):
    httpserver.expect_request("/order").respond_with_json({"orderId": "1"})
    assert HttpClient("optty").request("GET", httpserver.url_for("/order"), Deadline(1)).json_object() == {
        "orderId": "1"
    }


def test_every_call_writes_one_line_with_provider_operation_status_and_duration(httpserver, caplog):
    httpserver.expect_request("/ppp/api/v1/openOrder.do").respond_with_json({}, status=422)
    caplog.set_level("INFO", logger="connector.provider")
    HttpClient("nuvei").request("POST", httpserver.url_for("/ppp/api/v1/openOrder.do"), Deadline(1), json={})
    (line,) = [record.fields for record in caplog.records if record.name == "connector.provider"]
    assert line.pop("durationMs") > 0
    assert line == {"provider": "nuvei", "operation": "openOrder.do", "status": 422, "outcome": "http_4xx"}


def test_a_call_that_got_no_answer_is_logged_without_a_status(silent_server, caplog):
    caplog.set_level("INFO", logger="connector.provider")
    with pytest.raises(ProviderUnavailable):
        HttpClient("nuvei").request("GET", silent_server, Deadline(0.2), "getOrder")
    (line,) = [record.fields for record in caplog.records if record.name == "connector.provider"]
    assert (line["operation"], line["status"], line["outcome"]) == ("getOrder", None, "unavailable")
