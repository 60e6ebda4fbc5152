"""The connector's HTTP/1.1 transport against scripted peers: the answer framings
providers use, kept-alive connections, TLS, and what it refuses."""

import socket
import ssl
import threading
import time

import pytest
import trustme

from connector.wire import Origin, ProtocolError


class ScriptedPeer:
    """A server that answers each request it reads with the next scripted bytes; None
    closes the connection instead of answering, and so does an answer that says
    Connection: close, after it is sent."""

    def __init__(self, answers: list[bytes | None], tls: ssl.SSLContext | None = None):
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.tls = tls
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self.answers:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        if self.tls:
            try:
                connection = self.tls.wrap_socket(connection, server_side=True)
            except ssl.SSLError:  # the client refused our certificate
                connection.close()
                return
        with connection:
            while self.answers:
                request = self._read_request(connection)
                if request is None:
                    return
                self.requests.append(request)
                answer = self.answers.pop(0)
                if answer is None:
                    return
                connection.sendall(answer)
                if b"connection: close" in answer.lower():
                    return

    @staticmethod
    def _read_request(connection) -> bytes | None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = connection.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
        )
        while len(body) < length:
            body += connection.recv(65536)
        return data

    def close(self):
        self.listener.close()


def remaining_for(seconds: float):
    end = time.monotonic() + seconds
    return lambda: end - time.monotonic()


@pytest.fixture
def peer():
    peers = []

    def make(*answers, tls=None):
        peers.append(ScriptedPeer(list(answers), tls))
        return peers[-1]

    yield make
    for each in peers:
        each.close()


def origin(peer: ScriptedPeer, scheme: str = "http", **kwargs) -> Origin:
    return Origin(scheme, "127.0.0.1" if scheme == "http" else "localhost", peer.port, 4, **kwargs)


def test_a_chunked_answer_is_read_whole_with_its_headers(peer):
    server = peer(
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nCapture-Id: cap-1\r\nSet-Cookie: a\r\n"
        b"Set-Cookie: b\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    answer = origin(server).exchange("POST", "/captures", {}, b"{}", remaining_for(2))
    assert (answer.status, answer.content) == (201, b"hello world")
    assert answer.headers["Capture-Id"] == "cap-1" and answer.headers["set-cookie"] == "a, b"


def test_an_answer_without_a_length_ends_with_the_connection(peer):
    server = peer(b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"ok": true}', None)
    answer = origin(server).exchange("GET", "/", {}, None, remaining_for(2))
    assert answer.content == b'{"ok": true}'


def test_an_interim_answer_is_skipped(peer):
    server = peer(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")
    assert origin(server).exchange("POST", "/", {}, b"x", remaining_for(2)).status == 204


def test_a_connection_is_kept_unless_the_peer_says_close(peer):
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    closing = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    server = peer(ok, ok, closing, ok)
    target = origin(server)
    for _ in range(4):
        assert target.exchange("GET", "/", {}, None, remaining_for(2)).content == b"ok"
    assert server.connections == 2


def test_the_request_goes_in_one_piece_with_host_and_length(peer):
    server = peer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    origin(server).exchange("POST", "/a?b=1", {"X-Correlation-ID": "c-1"}, b'{"x":1}', remaining_for(2))
    [sent] = server.requests
    head, _, body = sent.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /a?b=1 HTTP/1.1"
    assert f"Host: 127.0.0.1:{server.port}".encode() in lines
    assert b"Content-Length: 7" in lines and b"X-Correlation-ID: c-1" in lines
    assert body == b'{"x":1}'


def test_a_header_value_with_a_line_break_is_never_sent(peer):
    server = peer(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    with pytest.raises(ValueError, match="line break"):
        origin(server).exchange("GET", "/", {"X-Id": "a\r\nInjected: yes"}, None, remaining_for(2))
    assert server.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        b"SMTP ready\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70_000,
    ],
)
def test_what_is_not_http_is_a_protocol_error(peer, answer):
    server = peer(answer)
    with pytest.raises(ProtocolError):
        origin(server).exchange("GET", "/", {}, None, remaining_for(2))


def test_a_connection_closed_before_the_answer_is_an_error(peer):
    server = peer(None)
    with pytest.raises(ProtocolError):
        origin(server).exchange("GET", "/", {}, None, remaining_for(2))


def test_https_with_the_providers_certificate_checked(peer, tmp_path):
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("localhost").configure_cert(server_context)
    ca_file = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    server = peer(ok, ok, tls=server_context)
    trusted = origin(server, "https", ca_certs=str(ca_file))
    assert trusted.exchange("GET", "/", {}, None, remaining_for(2)).content == b"ok"
    with pytest.raises(ssl.SSLError):  # a certificate no trusted authority signed
        origin(server, "https").exchange("GET", "/", {}, None, remaining_for(2))
