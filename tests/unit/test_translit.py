"""KMU-2010 transliteration (controlmap.geo.translit) and the three lookup keys (controlmap.geo.names)."""

import pytest

from controlmap.geo.names import exact_key, fold_key, stem_key
from controlmap.geo.translit import has_cyrillic, transliterate

# ---------------------------------------------------------------- transliterate: the KMU-2010 table


@pytest.mark.parametrize(("ukrainian", "latin"), [
    # Examples from the table of Cabinet of Ministers resolution No. 55 (2010).
    ("Алушта", "Alushta"),
    ("Борщагівка", "Borshchahivka"),
    ("Вінниця", "Vinnytsia"),
    ("Гадяч", "Hadiach"),
    ("Ґалаґан", "Galagan"),
    ("Дон", "Don"),
    ("Рівне", "Rivne"),
    ("Житомир", "Zhytomyr"),
    ("Закарпаття", "Zakarpattia"),
    ("Медвин", "Medvyn"),
    ("Михайленко", "Mykhailenko"),
    ("Іванків", "Ivankiv"),
    ("Іващенко", "Ivashchenko"),
    ("Київ", "Kyiv"),
    ("Лебедин", "Lebedyn"),
    ("Миколаїв", "Mykolaiv"),
    ("Ніжин", "Nizhyn"),
    ("Одеса", "Odesa"),
    ("Полтава", "Poltava"),
    ("Ромни", "Romny"),
    ("Суми", "Sumy"),
    ("Тетерів", "Teteriv"),
    ("Фастів", "Fastiv"),
    ("Харків", "Kharkiv"),
    ("Біла Церква", "Bila Tserkva"),
    ("Чернівці", "Chernivtsi"),
    ("Шостка", "Shostka"),
    ("Гоща", "Hoshcha"),
    # Kharkiv oblast
    ("Чугуїв", "Chuhuiv"),
    ("Ізюм", "Izium"),
    ("Балаклія", "Balakliia"),
    ("Вовчанськ", "Vovchansk"),
    ("Зміїв", "Zmiiv"),
    ("Великий Бурлук", "Velykyi Burluk"),
])
def test_table_letters(ukrainian, latin):
    assert latin == transliterate(ukrainian)


@pytest.mark.parametrize(("ukrainian", "latin"), [
    ("Єнакієве", "Yenakiieve"),  # є: ye at the start, ie inside
    ("Їжакевич", "Yizhakevych"),  # ї: yi at the start
    ("Кадиївка", "Kadyivka"),  # … i inside
    ("Йосипівка", "Yosypivka"),  # й: y at the start
    ("Стрий", "Stryi"),  # … i inside
    ("Юрій", "Yurii"),  # ю: yu at the start
    ("Крюківка", "Kriukivka"),  # … iu inside
    ("Яготин", "Yahotyn"),  # я: ya at the start
    ("Ічня", "Ichnia"),  # … ia inside
])
def test_word_initial_letters_differ_from_the_same_letters_inside_a_word(ukrainian, latin):
    assert latin == transliterate(ukrainian)


@pytest.mark.parametrize(("ukrainian", "latin"), [
    ("Згорани", "Zghorany"),
    ("Розгон", "Rozghon"),
    ("Ужгород", "Uzhhorod"),  # жг is not зг: zh + h
])
def test_zg_is_zgh(ukrainian, latin):
    assert latin == transliterate(ukrainian)


@pytest.mark.parametrize(("ukrainian", "latin"), [
    ("Знам'янка", "Znamianka"),
    ("Знам’янка", "Znamianka"),
    ("Знамʼянка", "Znamianka"),
    ("Мар’їне", "Marine"),  # ї after an apostrophe is still inside the word
    ("Львів", "Lviv"),
    ("Русь", "Rus"),
])
def test_apostrophes_and_the_soft_sign_are_dropped(ukrainian, latin):
    assert latin == transliterate(ukrainian)


@pytest.mark.parametrize(("ukrainian", "latin"), [
    ("харків", "kharkiv"),
    ("Харків", "Kharkiv"),
    ("Юрій", "Yurii"),
    ("юрій", "yurii"),
    ("ІРПІНЬ", "IRPIN"),
])
def test_case_is_kept(ukrainian, latin):
    assert latin == transliterate(ukrainian)


@pytest.mark.parametrize(("ukrainian", "latin"), [
    ("ХАРКІВ", "KHARKIV"),
    ("ЗГУРІВКА", "ZGHURIVKA"),
    ("ЩОРС", "SHCHORS"),
    ("ІЗЮМ", "IZIUM"),
])
def test_case_is_kept_in_all_caps_words_with_multi_letter_sounds(ukrainian, latin):
    assert latin == transliterate(ukrainian)


@pytest.mark.parametrize(("ukrainian", "latin"), [
    ("Куп’янськ-Вузловий", "Kupiansk-Vuzlovyi"),
    ("Нью-Йорк", "Niu-York"),  # й after a hyphen starts a word again
    ("Іванівка-Ягідне", "Ivanivka-Yahidne"),
])
def test_hyphenated_names(ukrainian, latin):
    assert latin == transliterate(ukrainian)


def test_text_without_cyrillic_is_unchanged():
    assert "Kupiansk, 2022-09-10 (ISW)" == transliterate("Kupiansk, 2022-09-10 (ISW)")


def test_russian_letters_reduce_to_latin_too():
    assert "Volchansk" == transliterate("Волчанск")
    assert "Chkalovskoe" == transliterate("Чкаловскоэ")
    assert "Obekt" == transliterate("Объект")  # ъ dropped like ь


@pytest.mark.parametrize(("text", "expected"), [
    ("Kupiansk", False), ("Куп’янськ", True), ("Kupiansk (Куп’янськ)", True), ("", False), ("Ё", True),
])
def test_has_cyrillic(text, expected):
    assert expected == has_cyrillic(text)


# ---------------------------------------------------------------- names: exact, fold and stem keys

KUPIANSK_SPELLINGS = ["Kupiansk", "Kupyansk", "Kup'yansk", "Kupjansk", "Купянск", "Куп’янськ", "Купʼянськ",
                      "Куп'янськ", "KUPIANSK", " kupiansk "]


def test_exact_key_removes_case_apostrophes_hyphens_and_extra_spaces():
    assert "velykyi burluk" == exact_key("Velykyi-Burluk")
    assert "velykyi burluk" == exact_key("  VELYKYI   burluk ")
    assert "kupiansk vuzlovyi" == exact_key("Kupiansk_Vuzlovyi")
    assert "купянськ" == exact_key("Купʼянськ") == exact_key("Куп’янськ") == exact_key("Куп'янськ")


def test_exact_key_keeps_the_script():
    assert "купянськ" == exact_key("Куп’янськ")
    assert exact_key("Kupiansk") != exact_key("Куп’янськ")


def test_exact_key_reads_yo_as_ye():
    assert exact_key("Елкино") == exact_key("Ёлкино")


def test_all_spellings_of_kupiansk_fold_equal():
    assert {"kupiansk"} == {fold_key(spelling) for spelling in KUPIANSK_SPELLINGS}


@pytest.mark.parametrize("spellings", [
    ("Izyum", "Izium", "Ізюм", "Изюм"),
    ("Balakliya", "Balakliia", "Балаклія", "Balaklija"),
    ("Chuhuyiv", "Chuhuiv", "Чугуїв"),
    ("Kharkiv", "Харків"),
    ("Vovchansk", "Вовчанськ", "Vowchansk"),
    ("Kupiansk-Vuzlovyi", "Kupyansk Vuzlovyy", "Куп’янськ-Вузловий", "kup'yansk_vuzlovyi"),
])
def test_transliteration_variants_fold_equal(spellings):
    assert 1 == len({fold_key(s) for s in spellings}), {s: fold_key(s) for s in spellings}


def test_fold_key_does_not_merge_different_vowels():
    # Russian Kharkov is found through the gazetteer's GeoNames aliases, not by folding.
    assert fold_key("Kharkov") != fold_key("Kharkiv")


def test_fold_key_values():
    assert "kupiansk" == fold_key("Куп’янськ")
    assert "cuhuiv" == fold_key("Chuhuyiv")
    assert "veliki burluk" == fold_key("Velykyi Burluk")


def test_stem_key_drops_endings_of_long_words_only():
    assert "balakli" == stem_key("Balakliia")
    assert "nova husarivk" == stem_key("Nova Husarivka")  # "nova" is too short to lose its ending
    assert stem_key("Nova") != stem_key("Nove")


def test_stem_key_meets_russian_and_ukrainian_adjective_endings():
    assert "kupiansk uzlov" == stem_key("Kupyansk-Uzlovaya") == stem_key("Kupjansk-Uzlovoj") \
        == stem_key("Купянск-Узловой") == stem_key("Kupyansk Uzlovoy")
    assert "kupiansk vuzlov" == stem_key("Kupiansk-Vuzlovyi") == stem_key("Куп’янськ-Вузловий")


def test_stem_key_does_not_drop_the_ukrainian_v_prefix():
    # Uzlovaya and Vuzlovyi meet only through the gazetteer's aliases (see test_resolve).
    assert stem_key("Kupyansk-Uzlovaya") != stem_key("Kupiansk-Vuzlovyi")
