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
import datetime
import hashlib
import multiprocessing
import random
from collections.abc import Callable, Iterator

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections, models, transaction

from incidents.demo.bulk_rows import CLASSES, FIRST, LAST, YEARS, SchoolKit, chunk_write
from incidents.demo.school import seed_school
from incidents.models import (
    Case,
    CaseEvent,
    Concern,
    Contact,
    Decision,
    Evidence,
    Letter,
    Membership,
    ParentGroup,
    Recommendation,
    ReferenceCounter,
    Sanction,
    Statement,
    TrustMembership,
    User,
)
from incidents.roles import Role, ensure_role_groups
from policies.defaults import load_defaults
from policies.models import Clause, LetterTemplateVersion, PolicyVersion, ResponseType, School, Trust

BULK_USERS = "bulk-"  # bulk staff usernames begin so; bulk cases are the ones they opened
BULK_TRUST = "Bulk Local Authority"
DEMO_CAST = ("office", "lead", "governor", "head")  # seed_demo's users who work in bulk cases too
CHUNK = 2000
STAFF_ONE_SCHOOL = {"office": 12, "lead": 8, "governor": 4, "head": 1}  # a large school's, as issue 10 measured
STAFF_PER_SCHOOL = {"office": 2, "lead": 2, "governor": 1, "head": 1}

SAMPLES = [  # (name, content type, bytes): tiny but real files, shared by every bulk evidence record
    ("screenshot.png", "image/png", bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c"
        "6360f8cfc0f01f0005fe02fea7d6a5c90000000049454e44ae426082")),
    ("email.txt", "text/plain", b"From: a parent\nTo: the office\n\nA forwarded message about the group.\n"),
    ("chat.txt", "text/plain", b"01/02/2024, 20:15 - A parent: a message in the class group\n"),
]


class AlreadySeeded(Exception):
    """Bulk cases are already there and --force was not given."""


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


def _staff(rng: random.Random, *, kits: list[SchoolKit],
           counts: dict[str, int]) -> dict[int, dict[str, list[User]]]:
    """Each school's own staff, by school pk: a Head, leads, office staff and a governor, members of that
    school only (`counts`: a one-school run keeps the larger staff of one big school). seed_demo's
    cast (its office, lead, governor and head) joins the lists of the schools where they are members.
    Users and memberships are written in bulk: one school at a time would be 300 × a dozen queries."""
    ensure_role_groups()
    groups = {role: Group.objects.get(name=role.value) for role in (Role.OFFICE, Role.LEAD, Role.GOVERNOR, Role.HEAD)}
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
    for membership in (Membership.objects.filter(user__username__in=DEMO_CAST, school__in=[kit.school for kit in kits])
                       .select_related("user").order_by("user__username")):
        staff[membership.school_id].setdefault("demo_" + membership.user.username, []).append(membership.user)
    return staff


def _weights(rng: random.Random, count: int) -> list[float]:
    """Uneven shares, as real schools are: a log-normal spread (the busiest about ten times the quietest)."""
    return [rng.lognormvariate(0, 0.6) for _ in range(count)] if count > 1 else [1.0]


def _schools(count: int) -> list[School]:
    """The installation's own school and BPS2 … BPS<count>, each with its parents' class groups; with
    more than one, all of them in one trust (a local authority's, for the trust's statistics), with a
    trust leader and a trust safeguarding lead (users bulk-trust-leader, bulk-trust-safeguarding)."""
    schools = [seed_school()[0]]
    for n in range(2, count + 1):
        school, _ = School.objects.get_or_create(
            name=f"Bulk Primary School {n}", defaults={"address": f"{n} School Lane\nExampletown", "code": f"BPS{n}"})
        schools.append(school)
    have_groups = set(ParentGroup.objects.filter(school__in=schools).values_list("school_id", flat=True))
    ParentGroup.objects.bulk_create([
        ParentGroup(school=school, name=f"{class_name} parents", class_name=class_name)
        for school in schools if school.pk not in have_groups for class_name in CLASSES], batch_size=1000)
    if count > 1:
        trust, _ = Trust.objects.get_or_create(name=BULK_TRUST)
        School.objects.filter(pk__in=[school.pk for school in schools], trust__isnull=True).update(trust=trust)
        unusable = make_password(None)
        for username, roles in ((f"{BULK_USERS}trust-leader", {"leader": True}),
                                (f"{BULK_USERS}trust-safeguarding", {"safeguarding_lead": True})):
            user, _ = User.objects.get_or_create(username=username, defaults={
                "first_name": "Trust", "last_name": username.rsplit("-", 1)[-1].title(), "password": unusable})
            TrustMembership.objects.update_or_create(user=user, trust=trust, defaults=roles)
    return schools


def _school_kits(schools: list[School], weights: list[float]) -> list[SchoolKit]:
    """Each school's kit, giving it the default policy, ladder and letters (load_defaults) if it has none."""
    groups_of: dict[int, list[ParentGroup]] = {}
    for group in ParentGroup.objects.filter(school__in=schools).order_by("pk"):
        groups_of.setdefault(group.school_id, []).append(group)
    kits = []
    for index, (school, weight) in enumerate(zip(schools, weights, strict=True), start=1):
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
            letter_versions=letters, weight=weight, groups=groups_of.get(school.pk, []),
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


def seed_bulk(*, cases: int, schools: int = 1, force: bool = False, seed: int = 10, jobs: int = 1,
              progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Add `cases` realistic cases spread unevenly over `schools` schools (the first is the installation's
    own; the others are made here, BPS2, BPS3, …, each with the default policy, ladder and letters).

    `jobs` > 1 (PostgreSQL only) splits the schools between that many processes, each writing its own
    schools' rows: nothing one writes is read or numbered by another, so they never wait on each other.

    Writes: the schools and, with several, their trust and its two bulk users (_schools); each school's
    own staff, users bulk-<code>-<office|lead|governor|head>-<n> (no usable password) with a membership
    there only; its parents' groups, parents and children; per case its concerns, evidence records,
    statements, contacts, a hash-chained timeline, recommendation, decision, sanction and letter records
    as its status implies; the search document; and each school's ReferenceCounter. Raises
    AlreadySeeded when bulk cases exist and not `force`. For the seed_bulk command and the benchmarks
    only. Returns how many rows of each kind it wrote.
    """
    if bulk_cases_exist() and not force:
        raise AlreadySeeded("Bulk cases are already loaded: pass --force to add more.")
    if jobs > 1 and (connection.vendor != "postgresql" or connection.in_atomic_block):
        raise ValueError("Several jobs need PostgreSQL (SQLite lets one process write at a time), outside a "
                         "transaction (the others would not see its rows).")
    rng = random.Random(seed)
    all_schools = _schools(schools)
    weights = _weights(rng, len(all_schools))
    ensure_role_groups()
    samples = _sample_files()
    parts = _parts(all_schools, weights, cases=cases, jobs=jobs)
    counts = STAFF_ONE_SCHOOL if schools == 1 else STAFF_PER_SCHOOL
    if progress:
        progress(f"{len(all_schools)} schools, in {len(parts)} part(s)")
    if len(parts) == 1:
        (part_schools, part_weights, part_cases), = parts
        return _seed_part(seed=seed, part=0, schools=[s.pk for s in part_schools], weights=part_weights,
                          cases=part_cases, counts=counts, samples=samples, progress=progress)
    # Each process opens its own connection: none may share the parent's.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(len(parts)) as pool:
        results = pool.starmap(_seed_part_in_process, [
            (seed, index, [s.pk for s in part_schools], part_weights, part_cases, counts, samples, bool(progress))
            for index, (part_schools, part_weights, part_cases) in enumerate(parts)])
    totals: dict[str, int] = {}
    for written in results:
        for kind, n in written.items():
            totals[kind] = totals.get(kind, 0) + n
    return totals


def _parts(schools: list[School], weights: list[float], *, cases: int,
           jobs: int) -> list[tuple[list[School], list[float], int]]:
    """The schools in `jobs` parts of about equal weight (the heaviest first, each to the lightest part),
    each part with its share of the cases."""
    jobs = max(1, min(jobs, len(schools)))
    parts: list[tuple[list[School], list[float]]] = [([], []) for _ in range(jobs)]
    for school, weight in sorted(zip(schools, weights, strict=True), key=lambda pair: -pair[1]):
        lightest = min(parts, key=lambda part: sum(part[1]))
        lightest[0].append(school)
        lightest[1].append(weight)
    total = sum(weights)
    shares = [round(cases * sum(part_weights) / total) for _, part_weights in parts]
    shares[-1] = cases - sum(shares[:-1])
    return [(part_schools, part_weights, share)
            for (part_schools, part_weights), share in zip(parts, shares, strict=True) if share > 0]


def _say(line: str) -> None:
    print(line, flush=True)  # noqa: T201  # a worker process's progress, on the command's own output


def _seed_part_in_process(seed: int, part: int, schools: list[int], weights: list[float], cases: int,
                          counts: dict[str, int], samples: list, progress: bool) -> dict[str, int]:
    try:
        return _seed_part(seed=seed, part=part, schools=schools, weights=weights, cases=cases, counts=counts,
                          samples=samples, progress=(lambda line: _say(f"part {part + 1}: {line}")) if progress
                          else None)
    finally:
        connections.close_all()


def _seed_part(*, seed: int, part: int, schools: list[int], weights: list[float], cases: int,
               counts: dict[str, int], samples: list, progress: Callable[[str], None] | None) -> dict[str, int]:
    """One part's schools: their kits and staff, then their cases in chunks of CHUNK, a transaction each."""
    rng = random.Random(f"{seed}-{part}")
    by_pk = School.objects.in_bulk(schools)
    kits = _school_kits([by_pk[pk] for pk in schools], weights)
    staff = _staff(rng, kits=kits, counts=counts)
    if progress:
        progress(f"{len(kits)} schools ready")
    numbers = _next_numbers(kits)
    totals: dict[str, int] = {}
    done = 0
    with _dates_as_given(Case, Concern, CaseEvent, Evidence, Statement, Contact, Recommendation, Decision,
                         Sanction, Letter):
        while done < cases:
            size = min(CHUNK, cases - done)
            with transaction.atomic():
                written = chunk_write(rng, size=size, kits=kits, staff=staff, samples=samples, numbers=numbers)
            for kind, n in written.items():
                totals[kind] = totals.get(kind, 0) + n
            done += size
            if progress:
                progress(f"{done} / {cases} cases")
    return totals


