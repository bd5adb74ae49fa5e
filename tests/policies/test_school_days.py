import datetime

from policies.models import TermHoliday
from policies.selectors import school_days_after


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
