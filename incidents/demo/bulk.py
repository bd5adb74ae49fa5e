"""Bulk data for measuring Casebook at the size of a local authority (`seed_bulk`).

Writes with bulk_create in chunks, not through the services: a service call per row would take hours
at 100,000 cases. What the services would guarantee is kept by hand here:

- every case's timeline is a valid hash chain (the digest is the services' own `_event_digest`, so
  `verify_integrity` and `case_event_verify` accept it);
- references are the school's own, `<school code>-<year>-<n>` (BPS7-2024-0042), and the school's
  ReferenceCounter is moved past the last one used, so `case_reference_next` carries on after them;
- each school's cases, parents, children, parents' groups and staff are its own: no link crosses schools.
  Every school has its own staff (a Head, leads, office staff, a governor: users `bulk-<code>-<role>-<n>`),
  members of that school only;
- the full-text search document is filled for every case (see case_services.case_search_document_refresh).

Left out on purpose, and said so in bench/README.md: simple-history rows (bulk rows have no "created"
history entry), chat imports, and PDF files for letters (letters are records only). Evidence records
point at three small shared sample files written once under evidence/bulk-samples/.
"""

import contextlib
import dataclasses
import datetime
import hashlib
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.cases import timeline
from incidents.decisions.sanctions import case_response_refresh
from incidents.demo.school import seed_school
from incidents.models import (
    Case,
    CaseEvent,
    Child,
    Concern,
    Contact,
    Decision,
    Evidence,
    Letter,
    Membership,
    Parent,
    ParentGroup,
    Recommendation,
    ReferenceCounter,
    Sanction,
    Statement,
    User,
)
from incidents.roles import Role, ensure_role_groups
from policies.defaults import load_defaults
from policies.models import Clause, LetterTemplateVersion, PolicyVersion, ResponseType, School

BULK_USERS = "bulk-"  # bulk staff usernames begin so; bulk cases are the ones they opened
CHUNK = 2000
YEARS = 5
STAFF_ONE_SCHOOL = {"office": 12, "lead": 8, "governor": 4, "head": 1}  # a large school's, as issue 10 measured
STAFF_PER_SCHOOL = {"office": 2, "lead": 2, "governor": 1, "head": 1}

# Roughly what a school sees over the years: most cases closed, a few open at any time.
STATUS_WEIGHTS = [
    (Case.Status.CLOSED, 55), (Case.Status.DECIDED, 10), (Case.Status.SANCTION_IN_FORCE, 5),
    (Case.Status.AWAITING_DECISION, 5), (Case.Status.INVESTIGATING, 15), (Case.Status.NEW, 10),
]
DECIDED = {Case.Status.CLOSED, Case.Status.DECIDED, Case.Status.SANCTION_IN_FORCE}
RECOMMENDED = DECIDED | {Case.Status.AWAITING_DECISION}
OPEN = {Case.Status.NEW, Case.Status.INVESTIGATING, Case.Status.AWAITING_DECISION}

FIRST = ["Amira", "Ben", "Chloe", "Karl", "Ella", "Femi", "Grace", "Hamza", "Isla", "Jack", "Kiran", "Laura",
         "Mo", "Nadia", "Oscar", "Priya", "Quinn", "Ruth", "Sam", "Tariq", "Uma", "Vikram", "Wendy", "Yasmin"]
LAST = ["Adeyemi", "Brown", "Castle", "Dunn", "Evans", "Fletcher", "Gill", "Hussain", "Iqbal", "Jones", "Khan",
        "Lewis", "Morgan", "Nowak", "Patel", "Roberts", "Smith", "Taylor", "Usman", "Walsh", "Xu", "Young"]
CLASSES = ["Reception Robins", "Year 1 Wrens", "Year 2 Owls", "Year 3 Swifts", "Year 4 Kestrels",
           "Year 5 Herons", "Year 6 Falcons"]
CONDUCT = [
    ("Abusive comments about a class teacher", "posted that the class teacher is useless and lazy, naming her"),
    ("Swearing at other parents in the group", "replied to a cake sale reminder with repeated swearing"),
    ("Threat made at the school gate", "told the deputy head at the gate that she would regret this"),
    ("Screenshot of a teacher's message shared", "shared a private message from the teacher with mocking comments"),
    ("Discussion of an individual child", "posted that a named child should be excluded"),
    ("Defamatory allegations about the Head Teacher", "alleged the Head Teacher falsified attendance figures"),
    ("Campaigning in the class list", "kept urging parents to vote for a candidate after being asked not to"),
    ("Abusive e-mails to the office", "sent three e-mails in one evening with offensive language"),
    ("Intimidating behaviour in the playground", "shouted at a teaching assistant in front of children at pick-up"),
    ("Repeated posting of unrelated links", "posted links to a private business many times a day"),
]
SAMPLES = [  # (name, content type, bytes): tiny but real files, shared by every bulk evidence record
    ("screenshot.png", "image/png", bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c"
        "6360f8cfc0f01f0005fe02fea7d6a5c90000000049454e44ae426082")),
    ("email.txt", "text/plain", b"From: a parent\nTo: the office\n\nA forwarded message about the group.\n"),
    ("chat.txt", "text/plain", b"01/02/2024, 20:15 - A parent: a message in the class group\n"),
]


class AlreadySeeded(Exception):
    """Bulk cases are already there and --force was not given."""


@dataclass
class SchoolKit:
    """What one school's bulk cases hang off: its policy, clauses, ladder and letter templates."""

    school: School
    index: int
    version: PolicyVersion | None
    clauses: list[Clause]
    warning: ResponseType | None
    nfa: ResponseType | None
    letter_versions: dict[str, LetterTemplateVersion]
    weight: float = 1.0  # its share of the cases: schools differ in size and in how much goes wrong
    groups: list[ParentGroup] = dataclasses.field(default_factory=list)


@contextlib.contextmanager
def _dates_as_given(*model_classes: type[models.Model]) -> Iterator[None]:
    """Let bulk rows keep the dates we give them: auto_now / auto_now_add would stamp them all "now".
    Only for the duration of the seeding; restored afterwards whatever happens."""
    changed = []
    for model in model_classes:
        for field in model._meta.concrete_fields:
            # Only date, date-and-time and time fields have auto_now / auto_now_add.
            if isinstance(field, models.DateField | models.TimeField) and (field.auto_now or field.auto_now_add):
                changed.append((field, field.auto_now, field.auto_now_add))
                field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in changed:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def bulk_cases() -> models.QuerySet[Case]:
    """The cases seed_bulk wrote: opened by its staff, who open no other."""
    return Case.objects.filter(created_by__username__startswith=BULK_USERS)


def bulk_cases_exist() -> bool:
    return bulk_cases().exists()


def _staff(rng: random.Random, *, kits: list["SchoolKit"]) -> dict[int, dict[str, list[User]]]:
    """Each school's own staff, by school pk: a Head, leads, office staff and a governor, members of that
    school only (a one-school run keeps the larger staff of one big school). The first school's demo
    cast (seed_demo's office, lead, governor and head) joins its lists where they are members there.
    Users and memberships are written in bulk: one school at a time would be 300 × a dozen queries."""
    ensure_role_groups()
    groups = {role: Group.objects.get(name=role.value) for role in (Role.OFFICE, Role.LEAD, Role.GOVERNOR, Role.HEAD)}
    counts = STAFF_ONE_SCHOOL if len(kits) == 1 else STAFF_PER_SCHOOL
    wanted: dict[str, tuple[School, str]] = {}  # username: (school, kind)
    for kit in kits:
        for kind, count in counts.items():
            for n in range(1, count + 1):
                wanted[f"{BULK_USERS}{kit.school.code.lower()}-{kind}-{n}"] = (kit.school, kind)
    existing = set(User.objects.filter(username__in=list(wanted)).values_list("username", flat=True))
    unusable = make_password(None)  # one unusable password for all: nobody signs in as a bulk user
    new_users = [User(username=name, first_name=rng.choice(FIRST), last_name=rng.choice(LAST), password=unusable)
                 for name in wanted if name not in existing]
    User.objects.bulk_create(new_users, batch_size=1000)
    users = {user.username: user for user in User.objects.filter(username__in=list(wanted))}
    memberships = Membership.objects.bulk_create(
        [Membership(user=users[user.username], school=wanted[user.username][0]) for user in new_users],
        batch_size=1000)
    role_of = {"office": Role.OFFICE, "lead": Role.LEAD, "governor": Role.GOVERNOR, "head": Role.HEAD}
    Membership.roles.through.objects.bulk_create([
        Membership.roles.through(membership_id=m.pk, group_id=groups[role_of[wanted[m.user.username][1]]].pk)
        for m in memberships], batch_size=1000)
    staff: dict[int, dict[str, list[User]]] = {kit.school.pk: {kind: [] for kind in counts} for kit in kits}
    for name, (school, kind) in wanted.items():
        staff[school.pk][kind].append(users[name])
    first = kits[0].school
    for username in ("office", "lead", "governor", "head"):
        demo_user = User.objects.filter(username=username, memberships__school=first).first()
        if demo_user:
            staff[first.pk].setdefault("demo_" + username, []).append(demo_user)
    return staff


@dataclass
class Cast:
    """Who does what in one school's bulk cases."""

    openers: list[User]  # open cases: bulk staff only, so bulk_cases() finds every bulk case by its opener
    loggers: list[User]  # log concerns: office staff, the demo office user too (office staff see those cases)
    leads: list[User]
    governors: list[User]
    head: User


def _cast(people: dict[str, list[User]]) -> Cast:
    return Cast(openers=people["office"] + people["lead"], loggers=people["office"] + people.get("demo_office", []),
                leads=people["lead"] + people.get("demo_lead", []),
                governors=people["governor"] + people.get("demo_governor", []),
                head=(people.get("demo_head") or people["head"])[0])


def _weights(rng: random.Random, count: int) -> list[float]:
    """Uneven shares, as real schools are: a log-normal spread (the busiest about ten times the quietest)."""
    return [rng.lognormvariate(0, 0.6) for _ in range(count)] if count > 1 else [1.0]


def _school_kits(rng: random.Random, count: int) -> list[SchoolKit]:
    schools = [seed_school()[0]]
    for n in range(2, count + 1):
        school, _ = School.objects.get_or_create(
            name=f"Bulk Primary School {n}", defaults={"address": f"{n} School Lane\nExampletown", "code": f"BPS{n}"})
        schools.append(school)
    weights = _weights(rng, len(schools))
    have_groups = set(ParentGroup.objects.filter(school__in=schools).values_list("school_id", flat=True))
    ParentGroup.objects.bulk_create([
        ParentGroup(school=school, name=f"{class_name} parents", class_name=class_name)
        for school in schools if school.pk not in have_groups for class_name in CLASSES], batch_size=1000)
    groups_of: dict[int, list[ParentGroup]] = {}
    for group in ParentGroup.objects.filter(school__in=schools).order_by("pk"):
        groups_of.setdefault(group.school_id, []).append(group)
    kits = []
    for index, school in enumerate(schools, start=1):
        if not PolicyVersion.objects.filter(policy__school=school).exists():
            load_defaults(school=school, today=datetime.date.today() - datetime.timedelta(days=365 * YEARS))
        version = (PolicyVersion.objects.filter(policy__school=school)
                   .exclude(status=PolicyVersion.Status.DRAFT).order_by("adopted_on").first())
        ladder = {r.code: r for r in ResponseType.objects.filter(school=school)}
        letters: dict[str, LetterTemplateVersion] = {}
        for tv in LetterTemplateVersion.objects.filter(template__school=school).select_related("template"):
            letters.setdefault(tv.template.purpose, tv)
        kits.append(SchoolKit(
            school=school, index=index, version=version,
            clauses=list(Clause.objects.filter(version=version, kind=Clause.Kind.INAPPROPRIATE)) if version else [],
            warning=ladder.get(ResponseType.Code.WARNING), nfa=ladder.get(ResponseType.Code.NO_FURTHER_ACTION),
            letter_versions=letters, weight=weights[index - 1], groups=groups_of.get(school.pk, []),
        ))
    return kits


def _sample_files() -> list[tuple[str, str, str, int, str]]:
    """Write the shared sample files once; returns (stored name, original name, type, size, sha256)."""
    samples = []
    for name, content_type, data in SAMPLES:
        path = f"evidence/bulk-samples/{name}"
        if not default_storage.exists(path):
            default_storage.save(path, ContentFile(data))
        samples.append((path, name, content_type, len(data), hashlib.sha256(data).hexdigest()))
    return samples


def _next_numbers(kits: list[SchoolKit]) -> dict[tuple[int, int], int]:
    """Last number each school used per year (its ReferenceCounter), by (school pk, year): bulk cases
    carry on after the demo's or a previous run's, as real ones would."""
    return {(school_id, year): last for school_id, year, last in ReferenceCounter.objects.filter(
        school__in=[kit.school for kit in kits]).values_list("school_id", "year", "last")}


def _numbers_save(numbers: dict[tuple[int, int], int], keys: set[tuple[int, int]]) -> None:
    """Move the schools' ReferenceCounters past the numbers just used, so case_reference_next never
    hands one out again."""
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(school_id=school_id, year=year, last=numbers[(school_id, year)])
         for school_id, year in sorted(keys)],
        update_conflicts=True, unique_fields=["school", "year"], update_fields=["last"])


def seed_bulk(*, cases: int, schools: int = 1, force: bool = False, seed: int = 10,
              progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Add `cases` realistic cases spread unevenly over `schools` schools (the first is the installation's
    own; the others are made here, BPS2, BPS3, …, each with the default policy, ladder and letters).

    Writes: each school's own staff, users bulk-<code>-<office|lead|governor|head>-<n> (no usable
    password) with a membership there only; its parents' groups, parents and children; per case its
    concerns, evidence records, statements, contacts, a hash-chained timeline, recommendation,
    decision, sanction and letter records as its status implies; the search document; and each
    school's ReferenceCounter. Raises AlreadySeeded when bulk cases exist and not `force`.
    For the seed_bulk command and the benchmarks only. Returns how many rows of each kind it wrote.
    """
    if bulk_cases_exist() and not force:
        raise AlreadySeeded("Bulk cases are already loaded: pass --force to add more.")
    rng = random.Random(seed)
    kits = _school_kits(rng, schools)
    if progress:
        progress(f"{len(kits)} schools ready")
    staff = _staff(rng, kits=kits)
    samples = _sample_files()
    numbers = _next_numbers(kits)
    totals: dict[str, int] = {}
    done = 0
    with _dates_as_given(Case, Concern, CaseEvent, Evidence, Statement, Contact, Recommendation, Decision,
                         Sanction, Letter):
        while done < cases:
            size = min(CHUNK, cases - done)
            with transaction.atomic():
                written = _chunk(rng, size=size, kits=kits, staff=staff, samples=samples, numbers=numbers)
            for kind, n in written.items():
                totals[kind] = totals.get(kind, 0) + n
            done += size
            if progress:
                progress(f"{done} / {cases} cases")
    return totals


def _when(rng: random.Random, start: datetime.datetime, max_days: float) -> datetime.datetime:
    """A moment up to `max_days` after `start`, never in the future."""
    return min(start + datetime.timedelta(days=rng.uniform(0.05, max_days)),
               timezone.now() - datetime.timedelta(minutes=1))


def _chunk(rng: random.Random, *, size: int, kits: list[SchoolKit], staff: dict[int, dict[str, list[User]]],
           samples: list, numbers: dict[tuple[int, int], int]) -> dict[str, int]:
    now = timezone.now()
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)

    # Parents: about one new family per case; repeat parents come from the same school's share of the chunk.
    kit_of = rng.choices(kits, weights=[kit.weight for kit in kits], k=size)
    cast = {kit.school.pk: _cast(staff[kit.school.pk]) for kit in kits}
    children = [Child(school=kit_of[i].school, first_name=rng.choice(FIRST), last_name=rng.choice(LAST),
                      class_name=rng.choice(CLASSES)) for i in range(size)]
    Child.objects.bulk_create(children, batch_size=1000)
    parents = []
    for i, child in enumerate(children):
        first = rng.choice(FIRST)
        parents.append(Parent(
            school=kit_of[i].school, title=rng.choice(["Mr", "Ms", "Mrs", "Mx", "Dr"]), first_name=first,
            last_name=child.last_name,
            email=f"{first}.{child.last_name}.{rng.randrange(10**6)}@parents.example".lower(),
            address=f"{rng.randint(1, 200)} Mill Road\nExampletown", postcode="EX1 2AB"))
    Parent.objects.bulk_create(parents, batch_size=1000)
    parents_at: dict[int, list[Parent]] = {}
    for parent in parents:
        parents_at.setdefault(parent.school_id, []).append(parent)
    _insert_rows(Parent.children.through, ["parent_id", "child_id"],
                 [(p.pk, c.pk) for p, c in zip(parents, children, strict=True)])

    case_rows = []
    used: set[tuple[int, int]] = set()  # (school pk, year) numbered in this chunk
    for i in range(size):
        kit = kit_of[i]
        status = rng.choices(statuses, weights)[0]
        # Open cases are recent; decided and closed ones spread over the years.
        age = rng.uniform(1, 60) if status in OPEN else rng.uniform(60, 365 * YEARS)
        incident = now - datetime.timedelta(days=age)
        opened = _when(rng, incident, 4)
        year = timezone.localtime(incident).year
        key = (kit.school.pk, year)
        numbers[key] = numbers.get(key, 0) + 1
        used.add(key)
        title, what = rng.choice(CONDUCT)
        people = cast[kit.school.pk]
        adopted_on = kit.version.adopted_on if kit.version else None  # never None: drafts are left out above
        in_force = adopted_on is not None and adopted_on <= incident.date()
        case_rows.append(Case(
            school=kit.school, reference=f"{kit.school.code}-{year}-{numbers[key]:04d}",
            title=f"{title}: {parents[i].full_name}", summary=f"{parents[i].full_name} {what}.",
            status=status, severity=rng.choices(["low", "medium", "high"], [5, 4, 1])[0],
            lead=rng.choice(people.leads) if status != Case.Status.NEW or rng.random() < 0.3 else None,
            incident_date=incident.date(), policy_version=kit.version if in_force else None,
            restricted=rng.random() < 0.03, safeguarding=rng.random() < 0.05,
            created_by=rng.choice(people.openers), opened_at=opened,
            updated_at=opened, closed_at=_when(rng, opened, 60) if status == Case.Status.CLOSED else None,
        ))
        # As the timeline below tells it: opened, investigating two hours later, closed when closed.
        row = case_rows[-1]
        if status == Case.Status.NEW:
            row.status_changed_at = row.opened_at
        else:
            row.status_changed_at = row.closed_at or row.opened_at + datetime.timedelta(hours=2)
    Case.objects.bulk_create(case_rows, batch_size=1000)
    _numbers_save(numbers, used)

    case_parents, case_clauses, assignees, governors = [], [], [], []
    parents_of: dict[int, list[Parent]] = {}  # by case id
    for i, case in enumerate(case_rows):
        chosen = [parents[i]] + ([rng.choice(parents_at[case.school_id])] if rng.random() < 0.15 else [])
        parents_of[case.pk] = list({p.pk: p for p in chosen}.values())
        case_parents += [(case.pk, p.pk) for p in parents_of[case.pk]]
        if case.policy_version_id and kit_of[i].clauses:
            case_clauses.append((case.pk, rng.choice(kit_of[i].clauses).pk))
        if rng.random() < 0.1:
            assignees.append((case.pk, rng.choice(cast[case.school_id].leads).pk))
        if rng.random() < 0.02:
            governors.append((case.pk, rng.choice(cast[case.school_id].governors).pk))
    _insert_rows(Case.parents.through, ["case_id", "parent_id"], case_parents)
    _insert_rows(Case.clauses.through, ["case_id", "clause_id"], case_clauses)
    _insert_rows(Case.assignees.through, ["case_id", "user_id"], assignees)
    _insert_rows(Case.governors.through, ["case_id", "user_id"], governors)

    # What each case gathered. `plans` keeps, per case, (when, kind, summary, actor, data-maker) for its timeline.
    concerns, evidence, statements, contacts = [], [], [], []
    concern_parents: list[tuple[Concern, Parent]] = []
    for i, case in enumerate(case_rows):
        groups = kit_of[i].groups
        for n in range(1 if rng.random() < 0.8 else 2):
            concern = Concern(
                school=case.school, case=case, received_at=case.opened_at - datetime.timedelta(hours=n * 30 + 1),
                channel=rng.choice(Concern.Channel.values), raised_by_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                raised_anonymously=rng.random() < 0.2, description=f"A parent reported that {case.summary}",
                safeguarding=case.safeguarding, logged_at=case.opened_at,
                logged_by=case.created_by if n else rng.choice(cast[case.school_id].loggers + [case.created_by]),
                group=rng.choice(groups) if groups and rng.random() < 0.6 else None)
            concerns.append(concern)
            concern_parents += [(concern, parent) for parent in parents_of[case.pk]]
        for _ in range(rng.choice([0, 1, 1, 2])):
            stored, name, content_type, size_, digest = rng.choice(samples)
            evidence.append(Evidence(
                case=case, file=stored, original_name=name, content_type=content_type, size=size_, sha256=digest,
                provided_by=rng.choice(FIRST) + " (a parent)", provided_at=_when(rng, case.opened_at, 3),
                obtained=Evidence.Obtained.SCREENSHOT, uploaded_by=case.created_by,
                uploaded_at=case.opened_at))
        if case.status != Case.Status.NEW and rng.random() < 0.5:
            statements.append(Statement(
                case=case, given_by=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                given_on=_when(rng, case.opened_at, 7).date(), text=f"I saw what happened. {case.summary}",
                recorded_by=case.lead or case.created_by, recorded_at=case.opened_at))
        if case.status != Case.Status.NEW and rng.random() < 0.7:
            contacts.append(Contact(
                case=case, happened_at=_when(rng, case.opened_at, 10), with_whom=parents_of[case.pk][0].full_name,
                parent=parents_of[case.pk][0], method=rng.choice(Contact.Method.values),
                summary="Spoke to the parent about the posts; they accepted writing them.",
                recorded_by=case.lead or case.created_by, recorded_at=case.opened_at))
    Concern.objects.bulk_create(concerns, batch_size=1000)
    _insert_rows(Concern.parents.through, ["concern_id", "parent_id"],
                 [(concern.pk, parent.pk) for concern, parent in concern_parents])
    Evidence.objects.bulk_create(evidence, batch_size=1000)
    Statement.objects.bulk_create(statements, batch_size=1000)
    Contact.objects.bulk_create(contacts, batch_size=1000)

    recommendations, decisions, decision_kits = [], [], []
    recommended: list[tuple[Recommendation, ResponseType]] = []
    for i, case in enumerate(case_rows):
        kit = kit_of[i]
        if case.status not in RECOMMENDED or kit.warning is None:
            continue
        recommendation = Recommendation(
            case=case, facts_found="The posts were made and seen by other parents.",
            reasons="A first breach of this kind: a warning is proportionate.",
            recommended_by=case.lead or cast[case.school_id].leads[0], recommended_at=_when(rng, case.opened_at, 14))
        recommendations.append(recommendation)
        recommended.append((recommendation, kit.warning))
        if case.status in DECIDED:
            nfa = case.status == Case.Status.CLOSED and rng.random() < 0.5
            decisions.append(Decision(
                case=case, no_further_action=nfa, reasons="I have read the posts and the notes of the conversation.",
                decided_by=cast[case.school_id].head, decided_at=_when(rng, case.opened_at, 21)))
            decision_kits.append(kit)
    Recommendation.objects.bulk_create(recommendations, batch_size=1000)
    _insert_rows(Recommendation.responses.through, ["recommendation_id", "responsetype_id"],
                 [(recommendation.pk, response.pk) for recommendation, response in recommended])
    Decision.objects.bulk_create(decisions, batch_size=1000)
    sanctions, letters, responses = [], [], []
    letter_steps: list[Decision | Sanction] = []
    for decision, kit in zip(decisions, decision_kits, strict=True):
        case = decision.case
        if decision.no_further_action:
            purpose = "outcome_nfa"
        else:
            assert kit.warning is not None  # a case is only decided here when its school has a warning (above)
            responses.append((decision.pk, kit.warning.pk))
            sanctions.append(Sanction(
                case=case, decision=decision, response_type=kit.warning, kind=Sanction.Kind.WARNING,
                state=Sanction.State.PENDING if case.status == Case.Status.DECIDED else Sanction.State.ISSUED,
                updated_at=decision.decided_at))
            purpose = "warning"
        version = kit.letter_versions.get(purpose)
        if version is None:
            continue
        parent = parents_of[case.pk][0]
        issued = case.status != Case.Status.DECIDED
        letters.append(Letter(
            case=case, template_version=version, purpose=purpose, parent=parent, recipient_parent=parent,
            file_stem=f"{case.reference}-{purpose.replace('_', '-')}",
            recipient_name=parent.full_name, recipient_salutation=parent.salutation,
            recipient_address=parent.address, recipient_postcode=parent.postcode,
            subject=f"{case.reference}: {version.template.name}",
            status=Letter.Status.ISSUED if issued else Letter.Status.DRAFT,
            created_by=case.lead or cast[case.school_id].leads[0], created_at=decision.decided_at,
            approved_by=cast[case.school_id].head if issued else None,
            approved_at=decision.decided_at if issued else None,
            issue_method=Letter.IssueMethod.POST if issued else "",
            issued_on=decision.decided_at.date() if issued else None,
            issued_by=case.created_by if issued else None, issued_at=decision.decided_at if issued else None))
        # Each letter belongs to its step: the decision (no further action) or the warning it gives.
        letter_steps.append(decision if decision.no_further_action else sanctions[-1])
    _insert_rows(Decision.responses.through, ["decision_id", "responsetype_id"], responses)
    Sanction.objects.bulk_create(sanctions, batch_size=1000)
    case_response_refresh(case_ids={sanction.case_id for sanction in sanctions})
    step_types = {model: ContentType.objects.get_for_model(model) for model in (Decision, Sanction)}
    for letter, step in zip(letters, letter_steps, strict=True):
        letter.step_type, letter.step_id = step_types[type(step)], step.pk
    Letter.objects.bulk_create(letters, batch_size=1000)

    events = _timelines(case_rows, concerns, evidence, statements, contacts, decisions, sanctions, letters)
    _insert_rows(CaseEvent, ["case_id", "at", "recorded_at", "actor_id", "kind", "summary", "data", "prev_hash",
                             "hash", "algorithm"], events)
    case_services.case_search_document_refresh(case_ids=[case.pk for case in case_rows])
    return {"cases": len(case_rows), "parents": len(parents), "concerns": len(concerns), "evidence": len(evidence),
            "statements": len(statements), "contacts": len(contacts), "decisions": len(decisions),
            "sanctions": len(sanctions), "letters": len(letters), "events": len(events)}


def _timelines(case_rows, concerns, evidence, statements, contacts, decisions, sanctions, letters) -> list[tuple]:
    """Each case's events in time order, chained by hash exactly as timeline.case_event_record chains them."""
    kind = CaseEvent.Kind
    plans: dict[int, list[tuple]] = {case.pk: [] for case in case_rows}
    for case in case_rows:
        plans[case.pk].append((case.opened_at, kind.OPENED, f"Case {case.reference} opened", case.created_by, {}))
        if case.status != Case.Status.NEW:
            plans[case.pk].append((case.opened_at + datetime.timedelta(hours=2), kind.STATUS,
                                   "Status: New → Investigating", case.lead, {"from": "new", "to": "investigating"}))
        if case.closed_at:
            plans[case.pk].append((case.closed_at, kind.STATUS, "Status: Decided → Closed", case.lead,
                                   {"from": "decided", "to": "closed"}))
    for c in concerns:
        plans[c.case_id].append((c.received_at, kind.CONCERN, f"Concern received ({c.get_channel_display()})",
                                 c.logged_by, {"concern": c.pk, "safeguarding": c.safeguarding}))
    for e in evidence:
        plans[e.case_id].append((e.provided_at, kind.EVIDENCE,
                                 f"Evidence added: {e.original_name} from {e.provided_by}", e.uploaded_by,
                                 {"evidence": e.pk, "sha256": e.sha256}))
    for s in statements:
        at = timezone.make_aware(datetime.datetime.combine(s.given_on, datetime.time(12)))
        plans[s.case_id].append((at, kind.STATEMENT, f"Statement from {s.given_by}", s.recorded_by,
                                 {"statement": s.pk}))
    for c in contacts:
        plans[c.case_id].append((c.happened_at, kind.CONTACT, f"{c.get_method_display()} with {c.with_whom}",
                                 c.recorded_by, {"contact": c.pk}))
    for d in decisions:
        plans[d.case_id].append((d.decided_at, kind.DECISION, "Decision recorded", d.decided_by, {"decision": d.pk}))
    for s in sanctions:
        plans[s.case_id].append((s.updated_at, kind.SANCTION, f"Sanction: {s.get_state_display()}", None,
                                 {"sanction": s.pk}))
    for letter in letters:
        if letter.issued_at:
            plans[letter.case_id].append((letter.issued_at, kind.LETTER, "Letter issued", letter.issued_by,
                                          {"letter": letter.pk}))
    events = []
    by_pk = {case.pk: case for case in case_rows}
    for case_pk, plan in plans.items():
        prev = ""
        # The chain follows insertion (id) order, as case_event_record does; inserting in time order
        # makes id order and time order agree.
        for at, event_kind, summary, actor, data in sorted(plan, key=lambda item: item[0]):
            # A plain namespace, not a model instance: at 750,000 events the model's __init__ and
            # per-field preparation cost more than the database does (see _insert_rows).
            event = SimpleNamespace(case=by_pk[case_pk], at=at, actor=actor, actor_id=actor.pk if actor else None,
                                    kind=str(event_kind), summary=summary[:300], data=data, prev_hash=prev)
            event.hash = timeline._event_digest(event)  # type: ignore[arg-type]  # has what it reads of a CaseEvent
            events.append((case_pk, at, at, event.actor_id, event.kind, event.summary, json.dumps(data),
                           prev, event.hash, CaseEvent.Algorithm.HMAC_SHA256))
            prev = event.hash
    return events


def _insert_rows(model: type[models.Model], columns: list[str], rows: list[tuple]) -> None:
    """Insert plain rows: COPY on PostgreSQL (several times faster than INSERT for big tables),
    executemany elsewhere. For rows whose ids nobody needs back (timeline events, link tables)."""
    if not rows:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            names = ", ".join(columns)
            # Table and column names come from the models' meta, never from input.
            insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, rows)
