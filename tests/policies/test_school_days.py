import datetime

from incidents.demo.school import DEMO_TERM_HOLIDAYS, seed_term_dates
from policies.models import School, TermHoliday
from policies.selectors import SchoolDays, deadline_in_words, school_days_after


def test_school_days_skip_weekends(school):
    friday = datetime.date(2026, 3, 6)
    assert school_days_after(school=school, start=friday, days=1) == datetime.date(2026, 3, 9)
    assert school_days_after(school=school, start=friday, days=10) == datetime.date(2026, 3, 20)


def test_school_days_skip_term_holidays(school):
    TermHoliday.objects.create(school=school, name="Easter holiday", starts_on=datetime.date(2026, 3, 30),
                               ends_on=datetime.date(2026, 4, 10))
    TermHoliday.objects.create(school=school, name="INSET day", starts_on=datetime.date(2026, 4, 13),
                               ends_on=datetime.date(2026, 4, 13))
    # Thursday 26 March: Fri 27, Mon 30 … closed until Tue 14 April.
    thursday = datetime.date(2026, 3, 26)
    assert school_days_after(school=school, start=thursday, days=1) == datetime.date(2026, 3, 27)
    assert school_days_after(school=school, start=thursday, days=2) == datetime.date(2026, 4, 14)
    assert school_days_after(school=school, start=thursday, days=10) == datetime.date(2026, 4, 24)


def test_school_days_ignore_other_schools_holidays(school):
    from tests.factories import SchoolFactory

    other = SchoolFactory(name="Other Primary")
    TermHoliday.objects.create(school=other, name="Their half term", starts_on=datetime.date(2026, 3, 9),
                               ends_on=datetime.date(2026, 3, 13))
    assert school_days_after(school=school, start=datetime.date(2026, 3, 6), days=1) == datetime.date(2026, 3, 9)


def test_school_days_skip_england_bank_holidays_without_any_term_dates(school):
    # Fri 18 Dec 2026: Christmas Day (Fri 25), the Boxing Day substitute (Mon 28) and New Year's Day
    # (Fri 1 Jan) are not school days even for a school that entered no holidays.
    assert school.nation == School.Nation.ENGLAND_AND_WALES
    assert school_days_after(school=school, start=datetime.date(2026, 12, 18), days=10) == datetime.date(2027, 1, 6)


def test_ten_school_days_after_the_last_day_of_the_autumn_term_fall_after_christmas(school):
    seed_term_dates(school)
    deadline = school_days_after(school=school, start=datetime.date(2026, 12, 18), days=10)
    # Back on Monday 4 January 2027: 4–8 and 11–15 January.
    assert deadline == datetime.date(2027, 1, 15)
    days = SchoolDays(school, since=datetime.date(2026, 12, 18))
    assert not days.is_school_day(datetime.date(2027, 1, 1))
    assert days.is_school_day(datetime.date(2027, 1, 4))


def test_scotland_skips_its_own_bank_holidays(school):
    school.nation = School.Nation.SCOTLAND
    school.save()
    seed_term_dates(school)
    # 2 January 2027 is a Saturday: Scotland's bank holiday moves to Monday 4 January, so term's
    # first day there is not a school day and the deadline moves to Monday 18 January.
    assert school_days_after(school=school, start=datetime.date(2026, 12, 18), days=10) == datetime.date(2027, 1, 18)
    days = SchoolDays(school, since=datetime.date(2028, 12, 1))
    assert not days.is_school_day(datetime.date(2029, 1, 2))  # a Tuesday
    assert not days.is_school_day(datetime.date(2028, 8, 7))  # Scotland's summer bank holiday
    assert days.is_school_day(datetime.date(2028, 8, 28))  # England's, not Scotland's


def test_england_and_northern_ireland_keep_2_january_and_differ_on_17_march(school):
    days = SchoolDays(school, since=datetime.date(2028, 12, 1))
    assert days.is_school_day(datetime.date(2029, 1, 2))
    assert days.is_school_day(datetime.date(2027, 3, 17))
    school.nation = School.Nation.NORTHERN_IRELAND
    assert not SchoolDays(school, since=datetime.date(2027, 1, 1)).is_school_day(datetime.date(2027, 3, 17))


def test_deadlines_reach_any_year_the_count_runs_into(school):
    # The package fills in years as they are looked up: a count that starts in one year and ends in
    # the next, or far ahead, still skips that year's bank holidays.
    assert school_days_after(school=school, start=datetime.date(2099, 12, 24), days=1) == datetime.date(2099, 12, 29)


def test_deadline_in_words_names_the_day_and_the_date():
    assert deadline_in_words(datetime.date(2027, 1, 15)) == "by Friday 15 January 2027"
    assert deadline_in_words(datetime.date(2027, 3, 1)) == "by Monday 1 March 2027"


def test_demo_term_dates_are_loaded_once_and_cover_two_school_years(school):
    assert seed_term_dates(school) == ["term dates"]
    assert seed_term_dates(school) == []
    holidays = TermHoliday.objects.filter(school=school)
    assert holidays.count() == len(DEMO_TERM_HOLIDAYS)
    for year in (2026, 2027):
        autumn = SchoolDays(school, since=datetime.date(year, 9, 1))
        assert not autumn.is_school_day(datetime.date(year, 10, 27 if year == 2026 else 26))  # half term
        assert autumn.is_school_day(datetime.date(year, 9, 7))
    assert not SchoolDays(school, since=datetime.date(2028, 7, 1)).is_school_day(datetime.date(2028, 8, 1))
