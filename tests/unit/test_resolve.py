"""Name → settlement (controlmap.geo.resolve): every common spelling finds one settlement, never a silent guess."""

import json

import pytest

from controlmap.cli import main
from controlmap.geo.resolve import Resolution, Resolver, Suggestion

KUPIANSK = "UA63080090010026457"
KUPIANSK_VUZLOVYI = "UA63080090030044417"
IZIUM = "UA63040090010029555"
BALAKLIIA = "UA63040010010039074"
CHUHUIV = "UA63140170010036104"
VOVCHANSK = "UA63140010010035757"
PROLISNE = "UA63140150010051841"  # Чкаловське until 2024
BERESTYN = "UA63060050010042407"  # Красноград until 2024
VELYKYI_BURLUK = "UA63080010010090750"
NOVA_HUSARIVKA = "UA63040010210040302"
BAIRAK_BALAKLIISKA = "UA63040010030034693"

KUPIANSK_CANDIDATE = {"katottg": KUPIANSK, "name_en": "Kupiansk", "name_uk": "Куп’янськ", "category": "M",
                      "hromada_en": "Kupianska", "raion_en": "Kupianskyi", "lat": 49.7133, "lon": 37.6142,
                      "coord_quality": "exact"}


@pytest.fixture(scope="module")
def resolver(real_gazetteer) -> Resolver:
    return Resolver(real_gazetteer.settlements)


def katottgs(resolution: Resolution) -> list[str]:
    return [m["katottg"] for m in resolution.matches]


# ---------------------------------------------------------------- the shipped gazetteer

@pytest.mark.parametrize(("name", "katottg"), [
    ("Kupiansk", KUPIANSK),
    ("Kupyansk", KUPIANSK),
    ("Kup'yansk", KUPIANSK),
    ("Kupjansk", KUPIANSK),
    ("Купянск", KUPIANSK),
    ("Куп’янськ", KUPIANSK),
    ("Izyum", IZIUM),
    ("Balakliya", BALAKLIIA),
    ("Chuhuyiv", CHUHUIV),
    ("Vovchansk", VOVCHANSK),
    ("Chkalovske", PROLISNE),
    ("Prolisne", PROLISNE),
    ("Krasnohrad", BERESTYN),
    ("Kupiansk-Vuzlovyi", KUPIANSK_VUZLOVYI),
    ("Kupyansk-Uzlovaya", KUPIANSK_VUZLOVYI),
    ("Velykyi Burluk", VELYKYI_BURLUK),
])
def test_common_spellings_find_exactly_one_settlement(resolver, name, katottg):
    resolution = resolver.resolve(name)
    assert ("match", [katottg]) == (resolution.status, katottgs(resolution))
    assert katottg == resolution.katottg


@pytest.mark.parametrize("name", [
    "KUPIANSK", "kupiansk", "kUpIaNsK", "Kup’yansk", "Kupʼyansk", "Kup`yansk", "КУП'ЯНСЬК", "куп’янськ",
])
def test_any_case_and_apostrophe_style(resolver, name):
    assert [KUPIANSK] == katottgs(resolver.resolve(name))


@pytest.mark.parametrize("name", [
    "Kupiansk-Vuzlovyi", "Kupiansk Vuzlovyi", "Kupiansk_Vuzlovyi", "kupiansk–vuzlovyi", "KUP'YANSK-VUZLOVYY",
    "Kupiansk - Vuzlovyi",
])
def test_any_hyphen_style(resolver, name):
    assert [KUPIANSK_VUZLOVYI] == katottgs(resolver.resolve(name))


@pytest.mark.parametrize("name", ["Velykyi Burluk", "Velykyi-Burluk", "velykyi  burluk", "Великий Бурлук"])
def test_two_word_names(resolver, name):
    assert [VELYKYI_BURLUK] == katottgs(resolver.resolve(name))


@pytest.mark.parametrize("name", [KUPIANSK, KUPIANSK.lower(), f"  {KUPIANSK} "])
def test_a_katottg_code_resolves_directly(resolver, name):
    resolution = resolver.resolve(name)
    assert ("match", [KUPIANSK]) == (resolution.status, katottgs(resolution))


def test_an_unknown_katottg_code_is_not_found(resolver):
    assert "not_found" == resolver.resolve("UA63999999999999999").status


@pytest.mark.parametrize("name", ["", "   ", None])
def test_empty_name_is_not_found_without_suggestions(resolver, name):
    assert Resolution("not_found") == resolver.resolve(name)


def test_former_names_resolve_to_the_renamed_settlement(resolver):
    assert [PROLISNE] == katottgs(resolver.resolve("Чкаловське"))
    assert [BERESTYN] == katottgs(resolver.resolve("Красноград"))
    assert [BERESTYN] == katottgs(resolver.resolve("Berestyn"))


BAIRAKS = [
    ("UA63020010060067339", "Bohodukhivska", "Bohodukhivskyi"),
    ("UA63040010030034693", "Balakliiska", "Iziumskyi"),
    ("UA63120050030096636", "Vilkhivska", "Kharkivskyi"),
    ("UA63120110080069368", "Liubotynska", "Kharkivskyi"),
    ("UA63140010040015143", "Vovchanska", "Chuhuivskyi"),
]
SHEVCHENKOVES = [
    ("UA63020030930054510", "Valkivska", "Bohodukhivskyi"),
    ("UA63020090500061822", "Krasnokutska", "Bohodukhivskyi"),
    ("UA63060030370027683", "Kehychivska", "Berestynskyi"),
    ("UA63060090620038238", "Sakhnovshchynska", "Berestynskyi"),
    ("UA63060090630074099", "Sakhnovshchynska", "Berestynskyi"),
    ("UA63080010320060330", "Velykoburlutska", "Kupianskyi"),
    ("UA63080010330053692", "Velykoburlutska", "Kupianskyi"),
    ("UA63080150010082504", "Shevchenkivska", "Kupianskyi"),
    ("UA63080150580064377", "Shevchenkivska", "Kupianskyi"),
    ("UA63100070220040859", "Oleksiivska", "Lozivskyi"),
    ("UA63140010720096701", "Vovchanska", "Chuhuivskyi"),
]


@pytest.mark.parametrize(("name", "expected"), [("Bairak", BAIRAKS), ("Shevchenkove", SHEVCHENKOVES)])
def test_namesakes_are_ambiguous_with_every_candidate_listed(resolver, name, expected):
    resolution = resolver.resolve(name)
    assert "ambiguous" == resolution.status
    assert expected == [(m["katottg"], m["hromada_en"], m["raion_en"]) for m in resolution.matches]
    assert [name] == sorted({m["name_en"] for m in resolution.matches})


@pytest.mark.parametrize(("name", "hint"), [
    ("Bairak", "Balakliiska hromada"),
    ("Bairak", "Balakliiska hromada (south of the town, see the note)"),
    ("Bairak", "Balakliia hromada"),
    ("Bairak", "Балаклійська громада"),
    ("Bairak, Balakliiska hromada", None),
    ("Bairak", "Iziumskyi raion"),
])
def test_a_hint_picks_one_namesake(resolver, name, hint):
    resolution = resolver.resolve(name, hint)
    assert ("match", [BAIRAK_BALAKLIISKA]) == (resolution.status, katottgs(resolution))


def test_a_hint_naming_a_raion_with_several_namesakes_leaves_them_ambiguous(resolver):
    resolution = resolver.resolve("Bairak", "Kharkivskyi raion")
    assert ("ambiguous", ["UA63120050030096636", "UA63120110080069368"]) == (resolution.status,
                                                                              katottgs(resolution))


@pytest.mark.parametrize(("name", "hint", "katottg"), [
    ("Ivanivka", "Iziumska hromada", "UA63040090060094359"),
    ("Dmytrivka", "Bohodukhivska hromada", "UA63020010170030317"),
])
def test_a_hint_naming_the_raion_centre_hromada_picks_the_namesake_in_that_hromada(resolver, name, hint, katottg):
    resolution = resolver.resolve(name, hint)
    assert ("match", [katottg]) == (resolution.status, katottgs(resolution))


def test_a_misspelling_is_only_suggested_never_matched(resolver):
    resolution = resolver.resolve("Nova Gusarica")
    assert ("not_found", []) == (resolution.status, resolution.matches)
    assert Suggestion(NOVA_HUSARIVKA, "Nova Husarivka", 88.9) == resolution.suggestions[0]
    assert all(72 <= s.score < 100 for s in resolution.suggestions)


def test_resolution_to_dict(resolver):
    assert {"status": "match", "matches": [KUPIANSK_CANDIDATE], "suggestions": []} == \
        resolver.resolve("Kupyansk").to_dict()


# ---------------------------------------------------------------- rules, on the tiny gazetteer

ALPHA, BETA, DELTA_ALPHIVSKA, GAMMA, DELTA_HAMMIVSKA, KHAMMA = (
    "UA63900010010044441", "UA63900010020044442", "UA63900010030044443",
    "UA63900020010044444", "UA63900020020044445", "UA63900020030044446")


@pytest.fixture(scope="module")
def tiny(tiny_gazetteer) -> Resolver:
    return Resolver(tiny_gazetteer.settlements)


def test_every_form_of_a_name_counts(tiny):
    for form in ("Alpha", "Альфа", "Alfa", "Альфа-Сіті"):  # name_en, name_uk, alias, alias
        assert [ALPHA] == katottgs(tiny.resolve(form)), form
    for form in ("Бетівка", "Betivka"):  # former names
        assert [BETA] == katottgs(tiny.resolve(form)), form


def test_exact_key_beats_fold_key(tiny):
    # "Gamma" and "Khamma" both fold to "hama"; each is still found alone under its own spelling.
    for name, katottg in (("Gamma", GAMMA), ("Khamma", KHAMMA), ("Гамма", GAMMA), ("Хамма", KHAMMA)):
        resolution = tiny.resolve(name)
        assert ("match", [katottg]) == (resolution.status, katottgs(resolution)), name


def test_fold_key_is_used_only_when_the_exact_key_finds_nothing(tiny):
    resolution = tiny.resolve("Hamma")
    assert ("ambiguous", [GAMMA, KHAMMA]) == (resolution.status, katottgs(resolution))


def test_stem_key_is_used_only_when_the_fold_key_finds_nothing(tiny):
    assert [BETA] == katottgs(tiny.resolve("Betivky"))  # stem "betivk"


def test_a_hint_picks_the_namesake_in_that_hromada(tiny):
    resolution = tiny.resolve("Delta", "Hammivska hromada")
    assert ("match", [DELTA_HAMMIVSKA]) == (resolution.status, katottgs(resolution))


def test_a_hromada_code_as_hint(tiny):
    assert [DELTA_HAMMIVSKA] == katottgs(tiny.resolve("Delta", "UA63900020000033333"))


def test_a_hint_after_a_comma_in_the_name(tiny):
    assert [DELTA_HAMMIVSKA] == katottgs(tiny.resolve("Delta, Hammivska"))


def test_a_hint_that_matches_nothing_leaves_the_candidates_ambiguous(tiny):
    resolution = tiny.resolve("Delta", "Nowhere hromada")
    assert ("ambiguous", [DELTA_ALPHIVSKA, DELTA_HAMMIVSKA]) == (resolution.status, katottgs(resolution))


def test_a_hint_too_short_to_mean_anything_is_ignored(tiny):
    assert [DELTA_ALPHIVSKA, DELTA_HAMMIVSKA] == katottgs(tiny.resolve("Delta", "Ha"))


def test_a_hint_matching_every_candidate_leaves_them_ambiguous(tiny):
    resolution = tiny.resolve("Delta", "Alphivskyi raion")  # both hromadas are in Alphivskyi raion
    assert ("ambiguous", [DELTA_ALPHIVSKA, DELTA_HAMMIVSKA]) == (resolution.status, katottgs(resolution))


def test_a_hint_naming_the_hromada_that_shares_the_raion_name(tiny):
    resolution = tiny.resolve("Delta", "Alphivska hromada")
    assert ("match", [DELTA_ALPHIVSKA]) == (resolution.status, katottgs(resolution))


def test_a_hint_is_not_used_when_the_name_already_gives_one_settlement(tiny):
    assert [GAMMA] == katottgs(tiny.resolve("Gamma", "Alphivska hromada"))


def test_candidate_record(tiny):
    assert {"katottg": GAMMA, "name_en": "Gamma", "name_uk": "Гамма", "category": "M", "hromada_en": "Hammivska",
            "raion_en": "Alphivskyi", "lat": 49.7, "lon": 36.9, "coord_quality": "exact"} == \
        tiny.resolve("Gamma").matches[0]


def test_suggestions_are_scored_and_ranked(tiny):
    assert [Suggestion(ALPHA, "Alpha", 90.0)] == tiny.resolve("Alpha City").suggestions


def test_katottg_is_none_unless_matched(tiny):
    assert tiny.resolve("Delta").katottg is None
    assert tiny.resolve("Zzzz").katottg is None


# ---------------------------------------------------------------- CLI

def test_cli_resolve_json(capsys):
    assert 0 == main(["resolve", "Kupyansk", "--json"])
    out = capsys.readouterr().out
    assert {"status": "match", "matches": [KUPIANSK_CANDIDATE], "suggestions": []} == json.loads(out)


def test_cli_resolve_json_not_found_lists_suggestions(capsys):
    assert 1 == main(["resolve", "Nova Gusarica", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert ("not_found", []) == (document["status"], document["matches"])
    assert {"katottg": NOVA_HUSARIVKA, "name_en": "Nova Husarivka", "score": 88.9} == document["suggestions"][0]


def test_cli_resolve_text_with_hint(capsys):
    assert 0 == main(["resolve", "Bairak", "--hint", "Balakliiska hromada"])
    assert ("match\n"
            "  UA63040010030034693  Bairak (Байрак), Balakliiska hromada, Iziumskyi raion  [exact]\n"
            ) == capsys.readouterr().out


def test_cli_resolve_ambiguous_exits_1(capsys):
    assert 1 == main(["resolve", "Bairak"])
    assert ["ambiguous"] + [
        f"  {code}  Bairak (Байрак), {hromada} hromada, {raion} raion  [exact]"
        for code, hromada, raion in BAIRAKS] == capsys.readouterr().out.splitlines()


def test_cli_resolve_not_found_exits_1(capsys):
    assert 1 == main(["resolve", "Nova Gusarica"])
    lines = capsys.readouterr().out.splitlines()
    assert ["not_found", f"  did you mean Nova Husarivka ({NOVA_HUSARIVKA})? score 88.9"] == lines[:2]


@pytest.mark.parametrize("argv", [["resolve"], ["resolve", "Kupiansk", "--nope"], ["resolv", "Kupiansk"], []])
def test_cli_usage_error_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert 2 == stopped.value.code
    assert "usage: python -m controlmap" in capsys.readouterr().err
