import logging

import pytest
from marshmallow import ValidationError

from connector.status_words import (
    OneOfStatus,
    StatusTable,
    StatusWords,
    same_status,
    state_or_pending,
    unknown_status_text,
)

TABLE = StatusTable({"COMPLETED": "Success", "FRAUD_PENDING": "Pending", "PAYMENT_PENDING": "Pending"})


@pytest.mark.parametrize(
    ("word", "meaning"),
    [
        ("COMPLETED", "Success"),
        ("completed", "Success"),
        ("Completed", "Success"),
        ("fraudPending", "Pending"),
        ("FRAUD_PENDING", "Pending"),
        ("fraud-pending", "Pending"),
        ("Fraud Pending", "Pending"),
        ("payment_pending", "Pending"),
        ("payment-pending", "Pending"),
        ("PaymentPending", "Pending"),
    ],
)
def test_any_spelling_of_a_word_finds_its_meaning(word, meaning):
    assert TABLE[word] == meaning
    assert TABLE.get(word) == meaning
    assert word in TABLE


@pytest.mark.parametrize("word", ["COMPLETE", "PENDING", "", "fraud", None, 0])
def test_other_words_are_not_in_the_table(word):
    assert word not in TABLE
    assert TABLE.get(word, "unknown") == "unknown"


def test_a_table_iterates_over_its_own_spelling():
    assert list(TABLE) == ["COMPLETED", "FRAUD_PENDING", "PAYMENT_PENDING"]
    assert len(TABLE) == 3


def test_two_spellings_of_one_word_in_a_table_are_a_mistake():
    with pytest.raises(ValueError, match="one status word"):
        StatusTable({"CANCELED": "Failure", "canceled": "Failure"})


def test_status_words_match_any_spelling_and_keep_distinct_words_apart():
    ended = StatusWords(("CANCELLED", "EXPIRED"))
    assert "cancelled" in ended and "Expired" in ended
    assert "CANCELED" not in ended  # a different word, not a different spelling
    assert list(ended) == ["CANCELLED", "EXPIRED"]


def test_same_status():
    assert same_status("partiallyCompleted", "PARTIALLY_COMPLETED")
    assert not same_status("completed", "PARTIALLY_COMPLETED")
    assert not same_status(None, "COMPLETED")


def test_an_unknown_word_is_named_in_the_text_and_the_log(caplog):
    with caplog.at_level(logging.WARNING):
        text = unknown_status_text("nexway", "underReview")
    assert "underReview" in text and "Pending" in text
    assert "underReview" in caplog.text and "nexway" in caplog.text


def test_a_known_word_is_its_state_in_any_spelling_and_nothing_is_logged(caplog):
    with caplog.at_level(logging.WARNING):
        assert state_or_pending(TABLE, "fraud-pending", "nexway") == "Pending"
        assert state_or_pending(TABLE, "completed", "nexway", "refund") == "Success"
    assert caplog.text == ""


@pytest.mark.parametrize(
    ("word", "about", "logged"),
    [
        ("IN_REVIEW", None, "'IN_REVIEW'"),
        (None, None, "'None'"),
        (7, None, "'7'"),
        ("HELD", "Refund", "'HELD (Refund)'"),
    ],
)
def test_an_unknown_word_or_none_is_pending_and_logged_with_what_it_is_about(caplog, word, about, logged):
    with caplog.at_level(logging.WARNING):
        assert state_or_pending(TABLE, word, "optty", about) == "Pending"
    assert f"optty reported status {logged}" in caplog.text


def test_one_of_status_accepts_any_spelling_of_a_choice_and_keeps_it():
    validator = OneOfStatus(("ORDER_STATUS_UPDATE", "REFUND_CALLBACK"))
    assert validator("orderStatusUpdate") == "orderStatusUpdate"
    assert validator("refund-callback") == "refund-callback"
    with pytest.raises(ValidationError, match="Must be one of"):
        validator("ORDER_CREATED")
    assert validator.choices == ("ORDER_STATUS_UPDATE", "REFUND_CALLBACK")  # the documented enum
