import socket
import threading
import time

import pytest
import responses

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


def test_the_answer_is_read_whole():
    with responses.RequestsMock() as mocked:
        mocked.get("https://provider.example.test/x", json={"ok": True}, headers={"X-Id": "7"})
        answer = HttpClient("nuvei").request("GET", "https://provider.example.test/x", Deadline(1))
    assert (answer.status_code, answer.json(), answer.headers["x-id"]) == (200, {"ok": True}, "7")


def test_proxies_come_from_the_environment_once_per_host(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.test:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example.test")
    client = HttpClient("nuvei")
    assert client._proxies_for("https://provider.example.test/a").get("https") == "http://proxy.example.test:3128"
    assert client._proxies_for("https://internal.example.test/b") == {}
    monkeypatch.delenv("HTTPS_PROXY")  # read once: the client keeps what it found
    assert client._proxies_for("https://provider.example.test/c").get("https") == "http://proxy.example.test:3128"
