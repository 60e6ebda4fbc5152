"""The local stack's reading of its processes' logs."""

import orjson

from sandboxes.stack import Ports, Stack


def test_a_log_line_ends_at_its_newline_only(tmp_path):
    # The services write JSON as orjson does: U+0085 and U+2028 stay as they are, and
    # str.splitlines() would split a line there (a fuzzed URL's path holds them, say).
    entries = [{"path": "/extension/f\x85\u2028\u2029ó"}, {"path": "/extension/shop-de"}]
    written = b"".join(orjson.dumps(entry) + b"\n" for entry in entries) + b"[gunicorn] a plain line\n"
    (tmp_path / "extension.log").write_bytes(written)
    stack = Stack(Ports(0, 0, 0, 0), tmp_path)
    assert len(stack.log_lines("extension")) == 3
    assert stack.log_entries("extension") == entries
