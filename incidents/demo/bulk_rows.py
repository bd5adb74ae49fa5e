"""The rows of seed_bulk's cases, a chunk at a time (incidents.demo.bulk runs it and says what is kept).

Plain rows and bulk_create, not the services: see incidents.demo.bulk for why, and for what the services
would guarantee that is kept here by hand (hash-chained timelines, each school's own references and
people, the search document, the response in force).
"""

import dataclasses
import datetime
import json
import random
from dataclasses import dataclass
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.utils import timezone

from incidents.cases import services as case_services
from incidents.cases import timeline
from incidents.decisions.sanctions import case_response_refresh
from incidents.models import (
    Case,
    CaseEvent,
    Child,
    Concern,
    Contact,
    Decision,
    Evidence,
    Letter,
    Parent,
    ParentGroup,
    Recommendation,
    ReferenceCounter,
    Sanction,
    Statement,
    User,
)
from policies.models import Clause, LetterTemplateVersion, PolicyVersion, ResponseType, School

YEARS = 5  # how far back bulk cases go

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


@dataclass
class Cast:
    """Who does what in one school's bulk cases."""

    openers: list[User]  # open cases: bulk staff only, so bulk_cases() finds every bulk case by its opener
    loggers: list[User]  # log concerns: office staff, the demo office user too (office staff see those cases)
    leads: list[User]
    governors: list[User]
    head: User


def cast_of(people: dict[str, list[User]]) -> Cast:
    return Cast(openers=people["office"] + people["lead"], loggers=people["office"] + people.get("demo_office", []),
                leads=people["lead"] + people.get("demo_lead", []),
                governors=people["governor"] + people.get("demo_governor", []),
                head=(people.get("demo_head") or people["head"])[0])


def _numbers_save(numbers: dict[tuple[int, int], int], keys: set[tuple[int, int]]) -> None:
    """Move the schools' ReferenceCounters past the numbers just used, so case_reference_next never
    hands one out again."""
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(school_id=school_id, year=year, last=numbers[(school_id, year)])
         for school_id, year in sorted(keys)],
        update_conflicts=True, unique_fields=["school", "year"], update_fields=["last"])


def _when(rng: random.Random, start: datetime.datetime, max_days: float) -> datetime.datetime:
    """A moment up to `max_days` after `start`, never in the future."""
    return min(start + datetime.timedelta(days=rng.uniform(0.05, max_days)),
               timezone.now() - datetime.timedelta(minutes=1))


def chunk_write(rng: random.Random, *, size: int, kits: list[SchoolKit], staff: dict[int, dict[str, list[User]]],
           samples: list, numbers: dict[tuple[int, int], int]) -> dict[str, int]:
    now = timezone.now()
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)

    # Parents: about one new family per case; repeat parents come from the same school's share of the chunk.
    kit_of = rng.choices(kits, weights=[kit.weight for kit in kits], k=size)
    cast = {kit.school.pk: cast_of(staff[kit.school.pk]) for kit in kits}
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
    # When each case's recommendation went in and the Head decided, where its status says they did:
    # in that order, and before it closed, as the workflow allows.
    recommended_at_of: dict[int, datetime.datetime] = {}  # by the case's place in the chunk
    decided_at_of: dict[int, datetime.datetime] = {}
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
        recommended_at = _when(rng, opened, 14) if status in RECOMMENDED else None
        decided_at = _when(rng, recommended_at, 7) if recommended_at and status in DECIDED else None
        closed_at = _when(rng, decided_at, 60) if decided_at and status == Case.Status.CLOSED else None
        if recommended_at:
            recommended_at_of[i] = recommended_at
        if decided_at:
            decided_at_of[i] = decided_at
        case_rows.append(Case(
            school=kit.school, reference=f"{kit.school.code}-{year}-{numbers[key]:04d}",
            title=f"{title}: {parents[i].full_name}", summary=f"{parents[i].full_name} {what}.",
            status=status, severity=rng.choices(["low", "medium", "high"], [5, 4, 1])[0],
            lead=rng.choice(people.leads) if status != Case.Status.NEW or rng.random() < 0.3 else None,
            incident_date=incident.date(), policy_version=kit.version if in_force else None,
            restricted=rng.random() < 0.03, safeguarding=rng.random() < 0.05,
            created_by=rng.choice(people.openers), opened_at=opened,
            updated_at=opened, closed_at=closed_at,
            # As the timeline below tells it: the last status move the case made.
            status_changed_at=closed_at or decided_at or recommended_at
            or (opened if status == Case.Status.NEW else opened + datetime.timedelta(hours=2)),
        ))
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
            recommended_by=case.lead or cast[case.school_id].leads[0], recommended_at=recommended_at_of[i])
        recommendations.append(recommendation)
        recommended.append((recommendation, kit.warning))
        if case.status in DECIDED:
            nfa = case.status == Case.Status.CLOSED and rng.random() < 0.5
            decisions.append(Decision(
                case=case, no_further_action=nfa, reasons="I have read the posts and the notes of the conversation.",
                decided_by=cast[case.school_id].head, decided_at=decided_at_of[i]))
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

    events = _timelines(case_rows, concerns, evidence, statements, contacts, recommendations, decisions,
                        sanctions, letters)
    _insert_rows(CaseEvent, ["case_id", "at", "recorded_at", "actor_id", "kind", "summary", "data", "prev_hash",
                             "hash", "algorithm"], events)
    case_services.case_search_document_refresh(case_ids=[case.pk for case in case_rows])
    return {"cases": len(case_rows), "parents": len(parents), "concerns": len(concerns), "evidence": len(evidence),
            "statements": len(statements), "contacts": len(contacts), "decisions": len(decisions),
            "sanctions": len(sanctions), "letters": len(letters), "events": len(events)}


def _status_event(at: datetime.datetime, by: User | None, current: Case.Status, target: Case.Status) -> tuple:
    """A status event as case_transition records it (its summary and data)."""
    return (at, CaseEvent.Kind.STATUS, f"Status: {current.label} → {target.label}", by,
            {"from": current.value, "to": target.value, "reason": ""})


def _timelines(case_rows, concerns, evidence, statements, contacts, recommendations, decisions, sanctions,
               letters) -> list[tuple]:
    """Each case's events in time order, chained by hash exactly as timeline.case_event_record chains them.
    The status moves are those the workflow makes: investigating two hours after opening, awaiting a
    decision when the recommendation goes in, decided when the Head decides (what the reports' time to
    decision counts), closed when closed."""
    kind, status = CaseEvent.Kind, Case.Status
    plans: dict[int, list[tuple]] = {case.pk: [] for case in case_rows}
    for case in case_rows:
        plans[case.pk].append((case.opened_at, kind.OPENED, f"Case {case.reference} opened", case.created_by, {}))
        if case.status != status.NEW:
            plans[case.pk].append(_status_event(case.opened_at + datetime.timedelta(hours=2), case.lead,
                                                status.NEW, status.INVESTIGATING))
        if case.closed_at:
            plans[case.pk].append(_status_event(case.closed_at, case.lead, status.DECIDED, status.CLOSED))
    for r in recommendations:
        plans[r.case_id].append(_status_event(r.recommended_at, r.recommended_by, status.INVESTIGATING,
                                              status.AWAITING_DECISION))
    for d in decisions:
        plans[d.case_id].append(_status_event(d.decided_at, d.decided_by, status.AWAITING_DECISION, status.DECIDED))
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
