from __future__ import annotations

from hikeshi.core.errors import InvalidInput, TooManyRequests


def test_errors_render_in_the_readers_language_with_their_parameters() -> None:
    error = InvalidInput("{field}: at most {limit} characters", field="name", limit=200)
    assert str(error) == "name: at most 200 characters"
    japanese = {"{field}: at most {limit} characters": "{field}: {limit} 文字以内にしてください"}
    assert error.render(lambda text: japanese.get(text, text)) == "name: 200 文字以内にしてください"
    assert error.status_code == 400
    assert error.code == "invalid_input"


def test_throttling_carries_its_wait() -> None:
    error = TooManyRequests("Try again in {minutes} minutes.", retry_after_seconds=90, minutes=2)
    assert error.retry_after_seconds == 90
    assert str(error) == "Try again in 2 minutes."
