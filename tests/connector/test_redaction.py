from connector.redaction import MASK, redact


def test_masks_sensitive_keys_at_any_depth_and_case():
    data = {
        "checksum": "abc",
        "nested": [{"CardNumber": "4111111111111111", "keep": 1}],
        "Authorization": "Basic x",
        "orderId": "1",
    }
    assert redact(data) == {
        "checksum": MASK,
        "nested": [{"CardNumber": MASK, "keep": 1}],
        "Authorization": MASK,
        "orderId": "1",
    }
    assert data["checksum"] == "abc"  # the original is untouched


def test_extra_keys():
    assert redact({"token": "t", "other": "o"}, extra_keys=["token"]) == {"token": MASK, "other": "o"}
