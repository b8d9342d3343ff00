from console.safe_text import clean, clean_line


def test_escape_sequences_are_removed_whole() -> None:
    hostile = "a\x1b]0;hacked\x07b\x1b[2Jc\x1b]52;c;ZXZpbA==\x1b\\d\x9b31me\x1bPdcs\x1b\\f"
    assert clean(hostile) == "abcdef"


def test_c0_c1_and_bidi_controls_are_removed_but_newlines_kept() -> None:
    assert clean("one\x00\x07\x08\r\ntwo\x85three\u202egnp.exe\x7f") == "one\ntwo\nthreegnp.exe"


def test_markup_is_left_as_literal_text() -> None:
    text = "[bold red]URGENT[/] [link=http://x]click[/link] $variable"
    assert clean(text) == text


def test_clean_line_folds_breaks_and_tabs_into_single_spaces() -> None:
    assert clean_line(" Refund\n\n\tnow  please \u2028") == "Refund now please"


def test_wide_characters_and_emoji_survive() -> None:
    assert clean("čokolada 🍫 myöhässä 漢字") == "čokolada 🍫 myöhässä 漢字"


def test_visible_shows_controls_as_text_for_a_terminal() -> None:
    from console.safe_text import visible

    assert visible("id,body\nX,a\x1b]0;t\x07\x9b\u202ez\tok\n") == "id,body\nX,a\\x1b]0;t\\x07\\x9b\\u202ez\tok\n"
