"""Similar inquiries in Japanese: character n-grams, NFKC, TF-IDF weights; no model."""

from __future__ import annotations

from hikeshi.inquiries.similarity import normalize, rank

BACKGROUND = (
    "FAXが送信できないとのお問い合わせ",
    "メールが届かないとのお問い合わせ",
    "SMSが送れないとのお問い合わせ",
    "請求書の宛名を変更したいとのお問い合わせ",
    "お客様がログインできないとのこと",
)


def test_normalize_folds_width_and_case_and_punctuation() -> None:
    assert normalize("Ｗｅｂ予約が　できない！！ ｶﾅ") == "web予約が できない カナ"


def test_finds_the_japanese_near_duplicate_and_ignores_the_unrelated_one() -> None:
    query = "Web予約の画面が開かず、お客様が予約できないとのお問い合わせ"
    candidates = [
        "予約の変更方法を教えてほしいとのお問い合わせ",  # same product, unrelated
        "お客様からＷｅｂ予約ができないと連絡。予約画面が開かないそうです",  # the near-duplicate
        "iPadアプリの操作方法について",
    ]
    found = rank(query, candidates, threshold=0.3, background=BACKGROUND)
    assert [item.index for item in found] == [1]
    assert 0.3 <= found[0].score <= 1


def test_identical_text_scores_one_and_nothing_scores_nothing() -> None:
    [same] = rank("SMSが送れない", ["ＳＭＳが送れない"], threshold=0.01)
    assert round(same.score, 6) == 1
    assert rank("", ["anything"], threshold=0.01) == []
    assert rank("予約できない", [], threshold=0.01) == []
