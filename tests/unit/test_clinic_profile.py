"""The clinic profile (bot/clinic.py + clinic/profile.yml): the real one loads with the facts of the
seeds and clinical-safety.md; a broken copy fails at load time with a ProfileError naming the key."""
from __future__ import annotations

import copy
from datetime import time

import pytest
import yaml

from bot.domain.profile import CONCERN_KEYS, ClinicProfile, OpeningHours, ProfileError, load_profile, parse_profile
from bot.settings import PROJECT_ROOT

PROFILE_PATH = PROJECT_ROOT / "clinic" / "profile.yml"

# clinical-safety.md, "Label indications": on-label = approved use.
ON_LABEL = {"wrinkles", "neck_bands", "migraine", "sweating"}
OFF_LABEL = {"clenching", "acne", "foot_pain"}


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(PROFILE_PATH.read_text(encoding="utf-8"))


def broken(raw, mutate) -> ProfileError:
    """parse_profile on a mutated deep copy of the real profile; returns the ProfileError."""
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(ProfileError) as info:
        parse_profile(data)
    return info.value


# --- the real profile ----------------------------------------------------------------------------


def test_real_profile_loads(profile):
    assert isinstance(profile, ClinicProfile)
    assert profile.name == "Encino Aesthetic & Medical Clinic"
    assert profile.phone == "+1 818-555-0142"
    assert profile.emergency_number == "911"
    assert profile.timezone.key == "America/Los_Angeles"
    assert profile.consultation_minutes == 30
    assert profile.consultation.price == "free"


def test_office_hours_mon_thu_10_17_fri_10_16_weekend_closed(profile):
    for day in range(4):  # Monday..Thursday
        assert profile.office_hours[day] == OpeningHours(time(10, 0), time(17, 0)), day
    assert profile.office_hours[4] == OpeningHours(time(10, 0), time(16, 0))
    assert profile.office_hours[5] is None
    assert profile.office_hours[6] is None
    assert sorted(profile.office_hours) == list(range(7))


def test_hours_text_groups_equal_days(profile):
    assert profile.hours_text() == "Mon-Thu 10:00 am-5:00 pm, Fri 10:00 am-4:00 pm, Sat-Sun closed"


def test_hours_text_noon_and_single_days(raw):
    data = copy.deepcopy(raw)
    data["office_hours"]["saturday"] = {"open": "09:30", "close": "12:00"}
    data["office_hours"]["wednesday"] = None
    text = parse_profile(data).hours_text()
    assert text == ("Mon-Tue 10:00 am-5:00 pm, Wed closed, Thu 10:00 am-5:00 pm, Fri 10:00 am-4:00 pm, "
                    "Sat 9:30 am-12:00 pm, Sun closed")


def test_a_missing_weekday_means_closed(raw):
    data = copy.deepcopy(raw)
    del data["office_hours"]["friday"]
    parsed = parse_profile(data)
    assert parsed.office_hours[4] is None
    assert "Fri-Sun closed" in parsed.hours_text()


def test_all_seven_concerns_with_label_status(profile):
    assert set(profile.concerns) == set(CONCERN_KEYS) == ON_LABEL | OFF_LABEL
    for key in ON_LABEL:
        assert profile.concerns[key].on_label, key
        assert profile.concerns[key].label_status.startswith("on-label"), key
    for key in OFF_LABEL:
        assert not profile.concerns[key].on_label, key
        assert profile.concerns[key].label_status == "off-label", key


def test_sweating_is_on_label_for_underarms_only(profile):
    status = profile.concerns["sweating"].label_status
    assert status.startswith("on-label for underarms")
    assert "off-label for hands, feet" in status


def test_concern_seed_facts(profile):
    assert profile.concerns["clenching"].units == "40 units in total, 20 per side."
    assert profile.concerns["sweating"].units.startswith("About 50 units per underarm")
    assert profile.concerns["migraine"].frequency == "Injections are typically given about every 12 weeks."
    assert profile.concerns["acne"].units is None  # optional facts may be null
    for concern in profile.concerns.values():
        assert concern.key in CONCERN_KEYS
        assert concern.display_name and concern.description and concern.treatment


def test_load_profile_reports_invalid_yaml(tmp_path):
    path = tmp_path / "profile.yml"
    path.write_text("clinic: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert info.value.key == "(file)"


def test_top_level_must_be_a_mapping():
    with pytest.raises(ProfileError) as info:
        parse_profile(["not", "a", "mapping"])
    assert info.value.key == "(top)"


# --- broken copies: the error names the exact key ------------------------------------------------


def test_missing_clinic_phone(raw):
    error = broken(raw, lambda d: d["clinic"].pop("phone"))
    assert error.key == "clinic.phone"
    assert "clinic.phone" in str(error) and "missing" in str(error)


def test_blank_clinic_phone(raw):
    error = broken(raw, lambda d: d["clinic"].__setitem__("phone", "   "))
    assert error.key == "clinic.phone"


def test_bad_friday_close_time(raw):
    error = broken(raw, lambda d: d["office_hours"]["friday"].__setitem__("close", "25:00"))
    assert error.key == "office_hours.friday.close"
    assert "'25:00'" in str(error)


@pytest.mark.parametrize("value", ["24:00", "5pm", "9:00", "17:60", 1700])
def test_other_bad_times(raw, value):
    error = broken(raw, lambda d: d["office_hours"]["tuesday"].__setitem__("open", value))
    assert error.key == "office_hours.tuesday.open"


def test_close_before_open(raw):
    error = broken(raw, lambda d: d["office_hours"].__setitem__("monday", {"open": "17:00", "close": "10:00"}))
    assert error.key == "office_hours.monday.close"
    assert "after open" in str(error)


def test_close_equal_to_open(raw):
    error = broken(raw, lambda d: d["office_hours"].__setitem__("thursday", {"open": "10:00", "close": "10:00"}))
    assert error.key == "office_hours.thursday.close"


def test_missing_open(raw):
    error = broken(raw, lambda d: d["office_hours"].__setitem__("friday", {"close": "16:00"}))
    assert error.key == "office_hours.friday.open"


def test_unknown_weekday_key(raw):
    error = broken(raw, lambda d: d["office_hours"].__setitem__("funday", {"open": "10:00", "close": "11:00"}))
    assert error.key == "office_hours.funday"


def test_capitalised_weekday_key_is_unknown(raw):
    error = broken(raw, lambda d: d["office_hours"].__setitem__("Monday", d["office_hours"].pop("monday")))
    assert error.key == "office_hours.Monday"


def test_unknown_concern_key(raw):
    error = broken(raw, lambda d: d["concerns"].__setitem__("hair_loss", copy.deepcopy(d["concerns"]["acne"])))
    assert error.key == "concerns.hair_loss"
    assert "sweating" in str(error)  # lists the expected keys


def test_missing_concern(raw):
    error = broken(raw, lambda d: d["concerns"].pop("migraine"))
    assert error.key == "concerns.migraine"


def test_missing_acne_treatment(raw):
    error = broken(raw, lambda d: d["concerns"]["acne"].pop("treatment"))
    assert error.key == "concerns.acne.treatment"


def test_optional_concern_fact_must_be_text_when_given(raw):
    error = broken(raw, lambda d: d["concerns"]["acne"].__setitem__("units", 40))
    assert error.key == "concerns.acne.units"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "america/los_angeles", "", 123])
def test_bad_timezone(raw, zone):
    error = broken(raw, lambda d: d["clinic"].__setitem__("timezone", zone))
    assert error.key == "clinic.timezone"


@pytest.mark.parametrize("zone", ["/etc/localtime", "../../etc/passwd"])
def test_path_like_timezone_is_a_profile_error(raw, zone):
    data = copy.deepcopy(raw)
    data["clinic"]["timezone"] = zone
    with pytest.raises(ProfileError) as info:
        parse_profile(data)
    assert info.value.key == "clinic.timezone"


@pytest.mark.parametrize("length", ["thirty", "30", 30.5, 0, 4, 241, True, None])
def test_bad_consultation_length(raw, length):
    error = broken(raw, lambda d: d["consultation"].__setitem__("length_minutes", length))
    assert error.key == "consultation.length_minutes"


@pytest.mark.parametrize("length", [5, 240])
def test_consultation_length_bounds_are_allowed(raw, length):
    data = copy.deepcopy(raw)
    data["consultation"]["length_minutes"] = length
    assert parse_profile(data).consultation_minutes == length


def test_missing_consultation_length(raw):
    error = broken(raw, lambda d: d["consultation"].pop("length_minutes"))
    assert error.key == "consultation.length_minutes"


@pytest.mark.parametrize("status", ["approved", "On-label", "label: off", ""])
def test_label_status_must_start_with_on_or_off_label(raw, status):
    error = broken(raw, lambda d: d["concerns"]["wrinkles"].__setitem__("label_status", status))
    assert error.key == "concerns.wrinkles.label_status"


def test_missing_treatment_field(raw):
    error = broken(raw, lambda d: d["treatment"].pop("cost"))
    assert error.key == "treatment.cost"


def test_bad_screening_question_type(raw):
    error = broken(raw, lambda d: d["screening"]["general"][0].__setitem__("type", "maybe"))
    assert error.key == "screening.general[0].type"


def test_screening_question_without_text(raw):
    error = broken(raw, lambda d: d["screening"]["general"][2].pop("text"))
    assert error.key == "screening.general[2].text"


def test_duplicate_screening_key(raw):
    error = broken(raw, lambda d: d["screening"]["general"][1].__setitem__("key", "toxin_allergy"))
    assert error.key == "screening.general[1].key"


def test_screening_for_unknown_concern(raw):
    error = broken(raw, lambda d: d["screening"]["concerns"].__setitem__(
        "hair_loss", copy.deepcopy(d["screening"]["concerns"]["clenching"])))
    assert error.key == "screening.concerns.hair_loss"


def test_missing_screening(raw):
    error = broken(raw, lambda d: d.pop("screening"))
    assert error.key == "screening"


@pytest.mark.parametrize("key, mutate", [
    ("consultation.with_whom", lambda c: c.pop("with_whom")),
    ("consultation.name", lambda c: c.pop("name")),
    ("consultation.booking_horizon_days", lambda c: c.pop("booking_horizon_days")),
    ("consultation.booking_horizon_days", lambda c: c.__setitem__("booking_horizon_days", "lots")),
], ids=["with_whom-missing", "name-missing", "horizon-missing", "horizon-not-a-number"])
def test_consultation_fields_used_at_runtime_are_validated(raw, key, mutate):
    data = copy.deepcopy(raw)
    mutate(data["consultation"])
    with pytest.raises(ProfileError) as info:
        parse_profile(data)
    assert info.value.key == key


def test_the_address_links_to_a_map_search(profile):
    assert profile.map_url == ("https://www.openstreetmap.org/search?query="
                               "16055%20Ventura%20Blvd%2C%20Suite%20100%2C%20Encino%2C%20CA%2091436")


def test_the_map_search_is_optional(raw):
    data = copy.deepcopy(raw)
    data["clinic"].pop("map_search")
    assert parse_profile(data).map_url is None


@pytest.mark.parametrize("value", ["http://maps.example/?q={address}", "https://maps.example/?q=",
                                   "javascript:alert(1)//{address}"])
def test_a_bad_map_search(raw, value):
    error = broken(raw, lambda d: d["clinic"].__setitem__("map_search", value))
    assert error.key == "clinic.map_search" and "{address}" in str(error)
