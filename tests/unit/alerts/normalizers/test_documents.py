from __future__ import annotations

import pytest

from hikeshi.alerts.normalizers.documents import MAX_DEPTH, load_json, required_list, string_map, text
from hikeshi.core.errors import InvalidInput


def test_reads_utf8_json_with_or_without_a_byte_order_mark() -> None:
    assert load_json('{"summary": "ディスク満杯"}'.encode()) == {"summary": "ディスク満杯"}
    assert load_json(b"\xef\xbb\xbf" + b'{"a": 1}') == {"a": 1}


def test_invalid_utf8_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match=r"^body: not valid UTF-8$"):
        load_json(b'{"a": "\xff"}')


def test_broken_json_names_line_and_column() -> None:
    with pytest.raises(InvalidInput, match=r"^body: not valid JSON \(line 2, column 8\)$"):
        load_json(b'{"a": 1,\n  "b": }')


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity", b"[1, NaN]", b"[1e400]", b"-1e999"])
def test_non_json_numbers_are_refused(constant: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"^body: not valid JSON"):
        load_json(constant)


def test_integers_too_long_to_convert_are_refused() -> None:
    with pytest.raises(InvalidInput, match=r"^body: not valid JSON$"):
        load_json(b"1" * 5000)


def test_nesting_is_limited() -> None:
    assert load_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    with pytest.raises(InvalidInput, match=rf"^body: nested deeper than {MAX_DEPTH} levels$"):
        load_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))
    with pytest.raises(InvalidInput, match=r"nested deeper"):
        load_json(b'{"a":' * 100_000)  # deeper than Python's own recursion limit


def test_nul_and_unpaired_surrogates_become_replacement_characters() -> None:
    document = load_json(b'{"sum\\u0000mary": ["a\\u0000b", "\\ud800", "\\ud83d\\ude00"]}')
    assert document == {"sum\ufffdmary": ["a\ufffdb", "\ufffd", "😀"]}


def test_wrong_container_names_the_json_path() -> None:
    with pytest.raises(InvalidInput, match=r"^alerts\[2\]\.labels: expected an object$") as caught:
        string_map({"labels": ["x"]}, "labels", "alerts[2]")
    assert caught.value.field == "alerts[2].labels"
    with pytest.raises(InvalidInput, match=r"^alerts: expected a list$"):
        required_list({"alerts": {}}, "alerts", "")
    with pytest.raises(InvalidInput, match=r"^alerts: required$"):
        required_list({}, "alerts", "")


def test_scalars_are_read_as_text_and_null_as_absent() -> None:
    assert string_map({"labels": {"a": 1, "b": True, "c": None, "d": "x"}}, "labels", "") == {
        "a": "1",
        "b": "true",
        "d": "x",
    }
    assert text({"n": 2.5}, "n", "") == "2.5"
    with pytest.raises(InvalidInput, match=r"^alert\.title: expected a string$"):
        text({"title": {"x": 1}}, "title", "alert")
