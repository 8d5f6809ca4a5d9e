import pytest

from ruralnet.exceptions import AmbiguousCountyError, UnknownCountyError
from ruralnet.geo.admin import (
    prefecture_counties,
    resolve_county,
    search_counties,
    short_name,
    townships_of,
    villages_of,
)

# Every county named in the seed documents, as written there.
GUIZHOU_2017 = ["正安县", "桐梓县", "凤冈县", "道真县", "务川县", "水城县", "纳雍县", "黔西县",
                "松桃县", "沿河县", "万山区", "碧江区", "玉屏县", "思南县", "施秉县", "麻江县",
                "长顺县", "贵定县", "三都县", "安龙县", "开阳县", "金沙县", "福泉市"]
GUIZHOU_2016 = ["仁怀市", "威宁县"]
OTHERS = ["安溪县", "灌云县"]
YUNNAN_2018_PREFECTURES = ["曲靖市", "普洱市", "楚雄州", "文山州", "大理州", "怒江州"]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", GUIZHOU_2017 + GUIZHOU_2016 + OTHERS)
def test_every_seed_county_resolves_to_exactly_one_division(name):
    """Each county named in the seeds resolves, in its own province."""
    rec = resolve_county(name)
    expected = "福建省" if name == "安溪县" else "江苏省" if name == "灌云县" else "贵州省"
    assert rec.province == expected
    assert short_name(rec.name) == short_name(name)


def test_seed_white_cloud_district_needs_its_province():
    """白云区 (贵州 2017 list) is ambiguous alone and resolves with --province 贵州."""
    with pytest.raises(AmbiguousCountyError, match="440111.*\n.*520113"):
        resolve_county("白云区")
    assert resolve_county("白云区", province="贵州").code == "520113"
    assert resolve_county("白云区", prefecture="贵阳市").code == "520113"


@pytest.mark.parametrize("pref", YUNNAN_2018_PREFECTURES)
def test_yunnan_2018_prefectures_list_their_counties(pref):
    """The 云南 2018 notice names prefectures; each lists its county-level divisions."""
    df = prefecture_counties(pref, province="云南")
    assert len(df) >= 4 and set(df["province"]) == {"云南省"}


@pytest.mark.parametrize("query", ["安溪", "安溪县", "350524"])
def test_anxi_resolves_by_short_name_full_name_and_code(query):
    """安溪, 安溪县 and 350524 all name 安溪县 in 泉州市."""
    rec = resolve_county(query)
    assert (rec.code, rec.name, rec.prefecture) == ("350524", "安溪县", "泉州市")


def test_anxi_reference_figures_match_nbs_and_mca():
    """安溪: 24 townships (MCA 2025), 443 village committees and 45 communities (NBS 2023)."""
    rec = resolve_county("安溪")
    assert rec.mca_townships == 24 and rec.nbs_townships == 24
    assert (rec.village_committees, rec.communities) == (443, 45)
    v = villages_of("350524")
    assert (v["kind"] == "village").sum() == 443 and (v["kind"] == "community").sum() == 45
    assert len(townships_of("350524")) == 24


def test_short_names_strip_autonomous_suffixes():
    """…族自治县, 县, 市, 区, 旗 and 特区 are stripped; short names keep two characters."""
    assert short_name("松桃苗族自治县") == "松桃"
    assert short_name("三都水族自治县") == "三都"
    assert short_name("双江拉祜族佤族布朗族傣族自治县") == "双江"
    assert short_name("六枝特区") == "六枝"
    assert short_name("鄂托克前旗") == "鄂托克前"
    assert short_name("城区") == "城区"


def test_resolution_never_matches_a_substring():
    """安 is not 安溪: substring matches are refused with suggestions."""
    with pytest.raises(UnknownCountyError, match="未找到县级区划“安”"):
        resolve_county("安")


def test_unknown_county_suggests_the_closest_names():
    """A misspelt name fails with close suggestions and a search hint."""
    with pytest.raises(UnknownCountyError, match="安溪县.*ruralnet counties"):
        resolve_county("安溪溪县")


def test_renamed_county_resolves_with_a_warning():
    """水城县 became 水城区 in 2020; the old name still resolves, with a warning."""
    with pytest.warns(UserWarning, match="水城县 已于 2020 年更名为 水城区"):
        assert resolve_county("水城县").code == "520204"
    with pytest.warns(UserWarning, match="黔西市"):
        assert resolve_county("黔西县").code == "520581"
    with pytest.warns(UserWarning, match="泸水市"):
        assert resolve_county("泸水县").code == "533301"


def test_search_lists_exact_short_name_first_and_filters_by_province():
    """`ruralnet counties 白云` finds both 白云区; the province filter keeps one."""
    assert set(search_counties("白云")["code"]) >= {"440111", "520113"}
    assert list(search_counties("白云", province="贵州省")["code"]) == ["520113"]


def test_empty_query_is_refused():
    """An empty county name gets a message with an example."""
    with pytest.raises(UnknownCountyError, match="--county 安溪"):
        resolve_county("  ")


@pytest.mark.parametrize("query", ["安西", "安西县"])
def test_former_name_that_sounds_like_a_current_county_is_refused(query):
    """安西 (瓜州县 until 2006) reads like 安溪县: refused, both listed, with how to choose."""
    with pytest.raises(AmbiguousCountyError) as err:
        resolve_county(query)
    msg = err.value.zh
    assert "瓜州县（甘肃，2006年前称安西县）" in msg and "安溪县（福建）" in msg
    assert "--county 瓜州县" in msg and "--county 安溪县" in msg and "--province 甘肃" in msg
    assert err.value.details["candidates"] == ["620922", "350524"]
    assert "called 安西县 before 2006" in err.value.en


def test_a_qualified_former_name_still_resolves_with_its_warning():
    """With --province 甘肃 the look-alike is out of the candidates: 安西 gives 瓜州县, warned."""
    with pytest.warns(UserWarning, match="former name"):
        assert resolve_county("安西", province="甘肃").name == "瓜州县"


def test_a_long_former_name_one_character_from_a_current_one_is_refused():
    """石嘴山区 (惠农区 until 2003) is one character from 石景山区: refused, both listed."""
    with pytest.raises(AmbiguousCountyError, match="石景山区（北京）") as err:
        resolve_county("石嘴山区")
    assert err.value.details["candidates"] == ["640205", "110107"]
