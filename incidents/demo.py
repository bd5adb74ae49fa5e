"""Demo data for `seed_demo`: one user per role now; later a realistic school.

Every function here is idempotent: running seed_demo twice changes nothing.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from incidents.models import User
from incidents.roles import Role, ensure_role_groups

DEMO_USERS: list[tuple[str, str, str, Role]] = [
    ("office", "Olivia", "Okafor", Role.OFFICE),
    ("lead", "Liam", "Lewis", Role.LEAD),
    ("head", "Helen", "Hart", Role.HEAD),
    ("dsl", "Daniel", "Shah", Role.DSL),
    ("governor", "Grace", "Gordon", Role.GOVERNOR),
    ("admin", "Aisha", "Adams", Role.ADMIN),
]


@transaction.atomic
def seed_users(*, password: str | None = None) -> list[tuple[str, bool]]:
    """Create the six demo users, one per role. Returns (username, created) pairs.

    Writes: users and their group membership. Existing users are left as they are.
    """
    password = password or settings.DEMO_PASSWORD
    ensure_role_groups()
    results = []
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@school.example"},
        )
        if created:
            user.set_password(password)
            user.is_staff = role == Role.ADMIN
            user.is_superuser = role == Role.ADMIN
            user.save()
            user.groups.add(Group.objects.get(name=role.value))
        results.append((username, created))
    return results


# --- a realistic school ------------------------------------------------------------------------------

FIRST_NAMES = [
    "Amira", "Ben", "Chloe", "Karl", "Ella", "Femi", "Grace", "Hamza", "Isla", "Jack", "Kiran", "Laura",
    "Mo", "Nadia", "Oscar", "Priya", "Quinn", "Ruth", "Sam", "Tariq", "Uma", "Vikram", "Wendy", "Xander",
    "Yasmin", "Zoe", "Aled", "Bronwen", "Callum", "Deepa", "Eoin", "Fatima", "Gareth", "Hollie", "Imran",
    "Jess", "Dev", "Leanne", "Marek", "Niamh",
]
LAST_NAMES = [
    "Adeyemi", "Brown", "Castle", "Dunn", "Evans", "Fletcher", "Gill", "Hussain", "Iqbal", "Jones", "Khan",
    "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Quinn", "Roberts", "Smith", "Taylor", "Usman", "Vaughan",
    "Walsh", "Xu", "Young", "Zielinski", "Ahmed", "Baker", "Clarke", "Davies", "Edwards", "Foster", "Green",
    "Hughes", "Ingram", "Jackson", "King", "Lloyd", "Murphy", "Price",
]
STREETS = ["Orchard", "Mill", "Church", "Park", "Station"]
CLASSES = ["Reception Robins", "Year 1 Wrens", "Year 2 Owls", "Year 3 Swifts", "Year 4 Kestrels",
           "Year 5 Herons", "Year 6 Falcons"]

SCENARIOS = [
    # (title, what happened, severity, final status, restricted, safeguarding)
    ("Abusive comments about a class teacher", "Posted in the class group that the Year 4 teacher is "
     "'useless and lazy' and should be sacked, naming her.", "medium", "investigating", False, False),
    ("Swearing at other parents in the group", "Replied to a reminder about the cake sale with repeated "
     "swearing at two named parents.", "low", "new", False, False),
    ("Threat made at the school gate", "Told the deputy head at the gate 'you'll regret this' and followed "
     "her to the office door.", "high", "awaiting_decision", False, False),
    ("Screenshot of a teacher's message shared", "Shared a screenshot of a private Class Dojo message from "
     "the teacher to the whole year group with mocking comments.", "low", "decided", False, False),
    ("Discussion of an individual child", "Posted that a named child in Year 2 'should be excluded' and "
     "encouraged others to complain.", "medium", "sanction_in_force", False, True),
    ("Defamatory allegations about the Head Teacher", "Posted allegations that the Head Teacher had "
     "falsified attendance figures, shared beyond the group.", "high", "sanction_in_force", True, False),
    ("Political campaigning in the class list", "Repeated posts urging parents to vote for a candidate "
     "after being asked to stop by the moderators.", "low", "closed", False, False),
    ("Abusive e-mails to the office", "Three e-mails to the office in one evening with offensive language "
     "about the office manager.", "medium", "decided", False, False),
    ("Intimidating behaviour in the playground", "Shouted at a teaching assistant in front of children at "
     "pick-up and refused to leave when asked.", "high", "awaiting_decision", False, True),
    ("Challenging the uniform policy publicly", "Started a thread calling the uniform policy 'a joke' and "
     "asking parents to ignore it.", "low", "closed", False, False),
    ("Comments about a child's family", "Made remarks about another family's religion in the year group.",
     "medium", "investigating", True, True),
    ("Repeated posting of unrelated links", "Posted links to a private business many times a day after "
     "requests to stop.", "low", "new", False, False),
]
# The parent with a history: earlier, closed cases before the current one.
REPEAT_PARENT = ("Karl", "Dunn")


def _status_path(final: str) -> list[str]:
    order = ["investigating", "awaiting_decision", "decided", "sanction_in_force"]
    if final == "new":
        return []
    if final == "closed":
        return ["investigating", "awaiting_decision", "decided", "closed"]
    return order[: order.index(final) + 1]


@transaction.atomic
def seed_school_data() -> bool:
    """Parents, children, a dozen groups and cases in every status. Returns False if already there.

    Writes through the services, so every case has a consistent timeline.
    """
    import datetime
    import random

    from django.utils import timezone

    from incidents import services
    from incidents.models import Case, Child, Concern, Contact, Parent, ParentGroup
    from policies.selectors import current_school

    school = current_school()
    if Parent.objects.filter(school=school).exists():
        return False
    rng = random.Random(2026)
    users = {u.username: u for u in User.objects.filter(username__in=[u for u, *_ in DEMO_USERS])}
    office, lead, head = users["office"], users["lead"], users["head"]

    parents = []
    for i, (first, last) in enumerate(zip(FIRST_NAMES, LAST_NAMES, strict=True)):
        parent = Parent.objects.create(
            school=school, title=rng.choice(["Mr", "Ms", "Mrs", "Mx", "Dr"]), first_name=first, last_name=last,
            email=f"{first}.{last}@parents.example".lower().replace("'", ""),
            phone=f"07700 900{i:03d}",
            address=f"{rng.randint(1, 120)} {rng.choice(STREETS)} Road\nHillside\nExampletown",
            postcode=f"EX{rng.randint(1, 9)} {rng.randint(1, 9)}{rng.choice('ABDEFGHJ')}{rng.choice('LNPQRSTUW')}",
        )
        child = Child.objects.create(school=school, first_name=rng.choice(FIRST_NAMES), last_name=last,
                                     class_name=CLASSES[i % len(CLASSES)])
        parent.children.add(child)
        parents.append(parent)

    groups = []
    for i, class_name in enumerate(CLASSES):
        group = ParentGroup.objects.create(school=school, name=f"{class_name} parents", class_name=class_name)
        group.moderators.add(parents[i], parents[i + 10])
        groups.append(group)
    for name in ["Whole school PTA", "Year 6 leavers 2027", "Swimming lift share", "Football club parents",
                 "Year 3 class list"]:
        groups.append(ParentGroup.objects.create(
            school=school, name=name, platform=(ParentGroup.Platform.CLASS_LIST if "list" in name
                                                else ParentGroup.Platform.WHATSAPP)))

    now = timezone.now()
    repeat_parent = next(p for p in parents if (p.first_name, p.last_name) == REPEAT_PARENT)
    # Two earlier, closed cases about the same parent.
    for months_ago, text in [(14, "Posted insulting remarks about the PE teacher."),
                             (7, "Swore at the moderators after a post was removed.")]:
        received = now - datetime.timedelta(days=30 * months_ago)
        concern = services.concern_log(
            school=school, by=office, received_at=received, channel=Concern.Channel.WHATSAPP, description=text,
            parents=[repeat_parent], raised_by_name="A class representative", group=groups[4],
        )
        case = concern.case
        Case.objects.filter(pk=case.pk).update(lead=lead)
        for target in ["investigating", "awaiting_decision"]:
            services.case_transition(case=case, to=target, by=lead)
        services.case_transition(case=case, to="decided", by=head)
        services.case_transition(case=case, to="closed", by=head, reason="Letter sent; no repetition.")

    for i, (title, text, severity, final, restricted, safeguarding) in enumerate(SCENARIOS):
        concerned = [repeat_parent] if i == 0 else [parents[(i * 3 + 1) % len(parents)]]
        received = now - datetime.timedelta(days=40 - i * 3, hours=rng.randint(0, 8))
        concern = services.concern_log(
            school=school, by=office, received_at=received, channel=rng.choice(
                [Concern.Channel.WHATSAPP, Concern.Channel.WHATSAPP, Concern.Channel.EMAIL, Concern.Channel.IN_PERSON]),
            description=text, parents=concerned, raised_by_name=f"{parents[i + 20].full_name}",
            raised_anonymously=(i % 4 == 1), group=groups[i % len(groups)], safeguarding=safeguarding,
        )
        case = concern.case
        Case.objects.filter(pk=case.pk).update(title=title, severity=severity, lead=lead if final != "new" else None)
        case.refresh_from_db()
        if final != "new":
            services.statement_add(case=case, by=lead, given_by=parents[i + 20].full_name,
                                   given_on=timezone.localdate(received), text=f"I saw the posts. {text}")
            services.contact_record(
                case=case, by=lead, happened_at=received + datetime.timedelta(days=2), parent=concerned[0],
                with_whom=concerned[0].full_name, method=Contact.Method.PHONE,
                summary="Explained the concern and the code of conduct. The parent gave their account.",
                agreed_actions="Parent to read the code of conduct again.",
            )
        for target in _status_path(final):
            by = head if target == "decided" else lead
            reason = "Outcome letter sent; matter resolved." if target == "closed" else ""
            services.case_transition(case=case, to=target, by=by, reason=reason)
        if restricted:
            services.case_set_restricted(case=case, by=head, restricted=True,
                                         reason="Concerns a member of staff's conduct allegations.")
    seed_letters()
    return True


def seed_letters() -> None:
    """Issued letters of several types on the demo cases, their PDFs rendered here and now (no worker)."""
    from incidents import services
    from incidents.models import Case, Letter

    users = {u.username: u for u in User.objects.filter(username__in=["office", "lead", "head"])}
    plans = [("warning", Letter.IssueMethod.POST), ("meeting_invitation", Letter.IssueMethod.POST),
             ("provisional_ban", Letter.IssueMethod.HAND)]
    cases = Case.objects.exclude(status__in=[Case.Status.NEW]).filter(parents__isnull=False).distinct()
    for case, (purpose, method) in zip(cases.order_by("opened_at"), plans, strict=False):
        letter = services.letter_start(
            case=case, purpose=purpose, by=users["lead"], recipient=case.parents.order_by("pk").first(),
            parts={"conduct_summary": case.summary or case.title, "meeting_at": "2026-12-03T15:30",
                   "meeting_place": "the Head Teacher's office",
                   "decision_reasons": "The messages were seen by many parents and named a member of staff."},
        )
        services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=users["head"])
        services.letter_render_pdf(letter_id=letter.pk)
        letter.refresh_from_db()
        if method == Letter.IssueMethod.EMAIL and not letter.recipient_email:
            method = Letter.IssueMethod.POST
        services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=users["office"], method=method)

# --- an imported chat with marked messages (issue 7) --------------------------------------------------

DEMO_CHAT_FILE = "year4_kestrels_chat.txt"
DEMO_CHAT_CASE_TITLE = "Abusive comments about a class teacher"  # about Karl Dunn, who writes in the chat
# (words in the message, kind of clause it breaches)
DEMO_CHAT_MARKS = [("useless", "inappropriate"), ("teacher's pet", "inappropriate")]


@transaction.atomic
def seed_demo_chat() -> bool:
    """Import the Year 4 Kestrels chat on the demo case about Karl Dunn and mark two of his messages.

    Writes through the services (evidence with its SHA-256, the import, marks, events). Returns
    False when already there or when the demo case or policy is missing.
    """
    import datetime
    from pathlib import Path

    from django.utils import timezone

    from incidents import services
    from incidents.models import Case, ChatImport
    from policies.models import Clause

    case = Case.objects.filter(title=DEMO_CHAT_CASE_TITLE).first()
    if case is None or ChatImport.objects.filter(evidence__case=case).exists():
        return False
    if case.policy_version_id is None:
        return False  # no policy in force on the incident date: no clauses to mark against
    users = {u.username: u for u in User.objects.filter(username__in=["office", "lead"])}
    data = (Path(__file__).parent / "demo_data" / DEMO_CHAT_FILE).read_bytes()
    result = services.evidence_add_chat(
        case=case, by=users["office"], data=data, file_name="WhatsApp Chat with Year 4 Kestrels parents.txt",
        provided_by="Ruth Adeyemi (group admin)", provided_at=timezone.now() - datetime.timedelta(days=38),
        description="Exported by the group admin from her phone.",
    )
    clauses = Clause.objects.filter(version=case.policy_version_id)
    for words, kind in DEMO_CHAT_MARKS:
        clause = clauses.filter(kind=kind).first() or clauses.first()
        message = result.chat_import.messages.get(text__contains=words)
        services.chat_message_mark(message=message, clause=clause, by=users["lead"])
    return True
