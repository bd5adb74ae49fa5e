"""`manage.py import_people` and the import service behind it: parents, children and classes from a CSV."""

import io

import pytest
import tablib
from django.apps import apps
from django.core.management import CommandError, call_command

from incidents.models import Child, Parent
from incidents.people.reading import UnreadableFile
from incidents.people.services import people_import
from tests import factories

pytestmark = pytest.mark.django_db

PLAIN = ["child_first_name", "child_last_name", "class", "parent_first_name", "parent_last_name", "parent_email",
         "parent_phone", "relationship"]
SIMS = ["Legal Forename", "Legal Surname", "Reg Group", "Contact Forename", "Contact Surname", "Contact Email",
        "Contact Telephone", "Relationship"]
ARBOR = ["First Name", "Last Name", "Registration Form", "Guardian Forename", "Guardian Surname", "Email Address",
         "Mobile", "Relationship to Student"]
BROMCOM = ["Preferred Forename", "Surname", "Form", "Contact Forename", "Contact Surname", "Primary Email",
           "Mobile", "Relationship to Pupil"]


def csv_bytes(header, rows) -> bytes:
    dataset = tablib.Dataset(*rows, headers=header)
    return dataset.export("csv").encode("utf-8")


def good_rows(count: int) -> list[tuple]:
    """One child and one parent per row; every third child has a second parent on the next row."""
    rows = []
    for n in range(count):
        child = n - (n % 3 == 1)  # rows 0 and 1 are the same child, 3 and 4, …
        rows.append((f"Child{child}", "Smith", f"Year {child % 6 + 1}", f"Parent{n}", "Smith",
                     f"parent{n}@parents.example", f"07700 900{n:03d}", "Mother" if n % 2 else "Father"))
    return rows


def write(tmp_path, data: bytes, name="people.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_people", *args, stdout=out)
    except CommandError as error:
        return error.returncode, out.getvalue() + str(error)
    return 0, out.getvalue()


def history_counts() -> tuple[int, int, int]:
    """History rows of parents, children and parent-child links: each import write leaves one."""
    links = apps.get_model("incidents", "HistoricalParent_children")
    return Parent.history.count(), Child.history.count(), links.objects.count()


def test_thirty_rows_with_three_bad_ones_exit_1_naming_each_line_and_import_the_rest(school, tmp_path):
    rows = good_rows(27)
    rows.insert(5, ("", "Smith", "Year 2", "Nobody", "Smith", "nobody@parents.example", "", "Mother"))   # line 7
    rows.insert(14, ("Zed", "Smith", "Year 2", "Zed's", "Dad", "not-an-email", "", "Father"))            # line 16
    rows.insert(27, ("Yan", "Smith", "Year 2", "Yan's", "Mum", "", "", "Mother"))                         # line 29
    assert len(rows) == 30

    status, out = run(write(tmp_path, csv_bytes(PLAIN, rows)))

    assert status == 1
    assert "30 rows read, 27 good, 3 refused" in out
    assert "line 7: no child's first name." in out
    assert "line 16: 'not-an-email' is not an e-mail address." in out
    assert "line 29: no e-mail and no phone for the parent" in out
    assert "(lines 7, 16, 29)" in out
    assert Parent.objects.count() == 27 and Child.objects.count() == 18
    assert not Parent.objects.filter(last_name__in=["Dad", "Mum"]).exists()
    assert not Parent.objects.filter(email="nobody@parents.example").exists()
    both = Child.objects.get(first_name="Child0")
    assert sorted(both.parents.values_list("first_name", flat=True)) == ["Parent0", "Parent1"]
    assert Parent.objects.get(first_name="Parent1").relationship == "Mother"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(school, tmp_path):
    path = write(tmp_path, csv_bytes(PLAIN, good_rows(12)))
    assert run(path)[0] == 0
    before = (Parent.objects.count(), Child.objects.count(), Parent.children.through.objects.count(),
              history_counts(), list(Parent.objects.values_list("pk", "email", "phone", "relationship")))

    status, out = run(path)

    assert status == 0
    assert "Nothing to change" in out and "0 were added" in out and "12 left as they are" in out
    assert (Parent.objects.count(), Child.objects.count(), Parent.children.through.objects.count(),
            history_counts(), list(Parent.objects.values_list("pk", "email", "phone", "relationship"))) == before


@pytest.mark.parametrize("header", [SIMS, ARBOR, BROMCOM, [h.upper() for h in SIMS], PLAIN],
                         ids=["sims", "arbor", "bromcom", "upper-case", "plain"])
def test_each_information_systems_headers_are_understood(school, tmp_path, header):
    rows = good_rows(6)
    status, out = run(write(tmp_path, csv_bytes(header, rows)))
    assert status == 0, out
    assert Parent.objects.count() == 6 and Child.objects.count() == 4
    parent = Parent.objects.get(first_name="Parent4")
    assert (parent.email, parent.phone, parent.relationship) == ("parent4@parents.example", "07700 900004", "Father")
    assert list(parent.children.values_list("first_name", "last_name", "class_name")) == [("Child3", "Smith", "Year 4")]


def test_a_preferred_forename_wins_over_the_legal_one_and_extra_columns_are_named_as_unused(school, tmp_path):
    header = ["UPN", "Legal Forename", "Preferred Forename", "Legal Surname", "Reg Group", "Year", "Contact Forename",
              "Contact Surname", "Contact Email", "Priority"]
    rows = [("A123", "Mohammed", "Mo", "Ali", "", "Year 5", "Aisha", "Ali", "aisha@parents.example", "1"),
            ("A124", "Elizabeth", "", "Ng", "5H", "Year 5", "Tom", "Ng", "tom@parents.example", "1")]
    status, out = run(write(tmp_path, csv_bytes(header, rows)))
    assert status == 0, out
    assert set(Child.objects.values_list("first_name", "class_name")) == {("Mo", "Year 5"), ("Elizabeth", "5H")}
    assert "Columns not used: UPN, Priority" in out


def test_a_dry_run_saves_nothing(school, tmp_path):
    factories.ParentFactory(school=school, first_name="Parent0", last_name="Smith", email="parent0@parents.example",
                            phone="01234 000000")
    before = (Parent.objects.count(), Child.objects.count(), history_counts(),
              list(Parent.objects.values_list("phone", flat=True)))

    status, out = run(write(tmp_path, csv_bytes(PLAIN, good_rows(9))), "--dry-run")

    assert status == 0
    assert "Parents: 8 would be added, 1 would be changed" in out
    assert "Nothing was saved (--dry-run)." in out
    assert (Parent.objects.count(), Child.objects.count(), history_counts(),
            list(Parent.objects.values_list("phone", flat=True))) == before


@pytest.mark.parametrize("data, words", [
    ("child_first_name,child_last_name,class\nZoë,Smith,Year 1\n".encode("cp1252"), "not UTF-8"),
    (factories.PNG, "not a text file"),
    (b"PK\x03\x04" + b"\x00" * 40, "spreadsheet workbook"),
    (b"", "empty"),
    (b"Name,Address\nSmith,1 Mill Road\n", "No column in the first line has a name Casebook knows"),
    (b"Forename,Surname,Class\nA,B,C\n", "no column for: the parent's first name"),
    (b"Forename,Surname,Class,Contact Forename,Contact Surname,Contact Email\nA,B,1,C,D,e@x.example\n"
     b"A,B,1,C,D,e@x.example,extra\n", "Line 3 has more cells than the header row"),
    (b"Forename;Surname;Class\nA;B;C\n", "separated by semicolons or tabs"),
], ids=["windows-1252", "png", "xlsx", "empty", "no-known-headers", "missing-columns", "ragged-row", "semicolons"])
def test_an_unusable_file_exits_2_with_a_plain_message_and_saves_nothing(school, tmp_path, data, words):
    status, out = run(write(tmp_path, data))
    assert status == 2
    assert words in out
    assert "Traceback" not in out
    assert Parent.objects.count() == 0 and Child.objects.count() == 0


def test_without_a_school_the_command_says_to_set_one_up(db, tmp_path):
    status, out = run(write(tmp_path, csv_bytes(PLAIN, good_rows(1))))
    assert status == 2 and "setup_school" in out


# --- matching what Casebook already holds ------------------------------------------------------------

def test_an_existing_parent_is_found_by_email_and_only_what_changed_is_saved_with_its_reason(
        school, administrator):
    parent = factories.ParentFactory(school=school, first_name="Sara", last_name="Khan", email="Sara.Khan@x.example",
                                     phone="07700 900001", address="1 Mill Road")
    history = parent.history.count()
    data = csv_bytes(PLAIN, [("Amira", "Khan", "3S", "sara", "KHAN", "sara.khan@x.example", "07700 111222", "Mother"),
                             ("Omar", "Khan", "5H", "Sara", "Khan", "sara.khan@x.example", "", "")])

    plan = people_import(school=school, data=data, by=administrator, source="pupils.csv")

    parent.refresh_from_db()
    assert Parent.objects.count() == 1
    assert (parent.first_name, parent.phone, parent.relationship, parent.address) == (
        "Sara", "07700 111222", "Mother", "1 Mill Road")
    assert [p.changes for p in plan.parents_changed] == [{"phone": "07700 111222", "relationship": "Mother"}]
    assert sorted(parent.children.values_list("first_name", flat=True)) == ["Amira", "Omar"]
    latest = parent.history.order_by("-history_id")[: parent.history.count() - history]
    assert {row.history_change_reason for row in latest} == {"Imported from pupils.csv"}
    assert {row.history_user for row in latest} == {administrator}
    child = Child.objects.get(first_name="Amira")
    assert child.history.get().history_user == administrator


def test_a_parent_without_email_is_found_by_name_and_phone_and_gains_the_email(school):
    parent = factories.ParentFactory(school=school, first_name="Dev", last_name="Patel", email="", phone="07700900555")
    data = csv_bytes(PLAIN, [("Ria", "Patel", "2W", "Dev", "Patel", "dev@parents.example", "+44 7700 900555", "")])
    plan = people_import(school=school, data=data, by=None, source="x.csv")
    parent.refresh_from_db()
    assert Parent.objects.count() == 1 and parent.email == "dev@parents.example"
    assert parent.phone == "07700900555"  # the same number written differently is not a change
    assert plan.parents_changed[0].changes == {"email": "dev@parents.example"}


def test_an_email_that_belongs_to_another_parent_is_refused_not_merged(school):
    factories.ParentFactory(school=school, first_name="Jane", last_name="Smith", email="smiths@x.example")
    data = csv_bytes(PLAIN, [("Tom", "Smith", "1A", "John", "Smith", "smiths@x.example", "", "Father"),
                             ("Tom", "Smith", "1A", "Jane", "Smith", "smiths@x.example", "", "Mother")])
    plan = people_import(school=school, data=data, by=None, source="x.csv")
    assert [(row.line, row.reason) for row in plan.refused] == [
        (2, "the e-mail smiths@x.example belongs to Jane Smith in Casebook, not to John Smith.")]
    assert list(Parent.objects.values_list("first_name", flat=True)) == ["Jane"]


def test_one_email_given_to_two_people_in_the_file_refuses_the_second(school):
    data = csv_bytes(PLAIN, [("Tom", "Smith", "1A", "John", "Smith", "smiths@x.example", "", "Father"),
                             ("Tom", "Smith", "1A", "Jane", "Smith", "smiths@x.example", "", "Mother")])
    plan = people_import(school=school, data=data, by=None, source="x.csv")
    assert [row.line for row in plan.refused] == [3]
    assert "given to John Smith on line 2" in plan.refused[0].reason
    assert list(Parent.objects.values_list("first_name", flat=True)) == ["John"]


def test_a_child_who_moved_class_is_moved_not_added_again(school):
    parent = factories.ParentFactory(school=school, first_name="Sara", last_name="Khan", email="sara@x.example")
    child = factories.ChildFactory(school=school, first_name="Amira", last_name="Khan", class_name="Year 3 Swifts")
    parent.children.add(child)
    # The second parent, new to Casebook, comes first in the file.
    data = csv_bytes(PLAIN, [("Amira", "Khan", "Year 4 Kestrels", "Imran", "Khan", "imran@x.example", "", "Father"),
                             ("Amira", "Khan", "Year 4 Kestrels", "Sara", "Khan", "sara@x.example", "", "")])
    plan = people_import(school=school, data=data, by=None, source="x.csv")
    assert Child.objects.count() == 1
    child.refresh_from_db()
    assert child.class_name == "Year 4 Kestrels"
    assert sorted(child.parents.values_list("first_name", flat=True)) == ["Imran", "Sara"]
    assert plan.new_classes == ["Year 4 Kestrels"]


def test_an_empty_cell_never_clears_what_casebook_holds(school):
    parent = factories.ParentFactory(school=school, first_name="Sara", last_name="Khan", email="sara@x.example",
                                     phone="07700 900001", relationship="Mother")
    data = csv_bytes(PLAIN, [("Amira", "Khan", "3S", "Sara", "Khan", "sara@x.example", "", "")])
    people_import(school=school, data=data, by=None, source="x.csv")
    parent.refresh_from_db()
    assert (parent.phone, parent.relationship) == ("07700 900001", "Mother")


def test_an_unreadable_file_saves_nothing_through_the_service(school):
    with pytest.raises(UnreadableFile):
        people_import(school=school, data=b"\xff\xfe\x00garbage", by=None, source="x.csv")
    assert Parent.objects.count() == 0
