from diffcurate.schemas import Language
from diffcurate.text import detect_language, lang_id, n_chars, n_words, normalize, stable_id


def test_normalize_strips_and_composes():
    decomposed = "  Cafe\u0301 au lait \n"
    assert normalize(decomposed) == "Café au lait"
    assert normalize(decomposed) != decomposed.strip()  # NFC changed the code points


def test_stable_id_depends_on_source_and_text():
    a = stable_id("partiprompts", "a red car")
    assert a == stable_id("partiprompts", "a red car")
    assert a != stable_id("drawbench", "a red car")
    assert a != stable_id("partiprompts", "a blue car")
    assert len(a) == 16 and int(a, 16) >= 0


def test_lengths():
    assert n_words("a  red\tcar ") == 3
    assert n_chars("一只猫") == 3


def test_detect_language_cases():
    assert detect_language("A red car parked on a street") is Language.EN
    assert detect_language("一只可爱的小猫坐在窗台上") is Language.ZH
    # English prompt quoting a Chinese sign: still English.
    assert detect_language('A shop sign that says "欢迎光临" above the door of a small bakery') is Language.EN
    # Chinese prompt quoting English words: Chinese.
    assert detect_language('海报上写着 "OPEN" 和 "SALE"，红色背景') is Language.ZH
    # Spanish is not Chinese; the raw language-ID code is kept separately.
    assert detect_language("Mente en movimiento, pensamientos fluidos") is Language.EN
    assert lang_id("Mente en movimiento, pensamientos fluidos, la vida definida por el movimiento") == "es"
