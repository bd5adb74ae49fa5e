"""Demo data for `seed_demo`: one user per role now; later a realistic school.

Every function here is idempotent: running seed_demo twice changes nothing.
"""

import datetime
import random
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from incidents.access.twofactor import needs_two_factor
from incidents.cases import services as case_services
from incidents.chats import services as chat_services
from incidents.decisions import ban as ban_process
from incidents.decisions import complaints, sanctions
from incidents.decisions import services as decision_services
from incidents.decisions.selectors import decision_justification_needed
from incidents.demo.clock import Story, happening_at
from incidents.demo.school import seed_school
from incidents.evidence import services as evidence_services
from incidents.letters import services as letter_services
from incidents.models import (
    Case,
    ChatImport,
    Child,
    Concern,
    Contact,
    Letter,
    Membership,
    Parent,
    ParentGroup,
    Sanction,
    User,
)
from incidents.roles import Role, ensure_role_groups
from policies.models import Clause, ResponseType

DEMO_USERS: list[tuple[str, str, str, Role]] = [
    ("office", "Olivia", "Okafor", Role.OFFICE),
    ("lead", "Liam", "Lewis", Role.LEAD),
    ("head", "Helen", "Hart", Role.HEAD),
    ("dsl", "Daniel", "Shah", Role.DSL),
    ("governor", "Grace", "Gordon", Role.GOVERNOR),  # the chair of governors (DEMO_CHAIR)
    ("panel", "Peter", "Price", Role.GOVERNOR),  # a second governor, on the contested case's panel
    ("admin", "Aisha", "Adams", Role.ADMIN),
]


# The demo school names Grace Gordon as its chair of governors (demo/school.py): she sees the bans
# under review with the Head Teacher.
DEMO_CHAIR = "governor"


DEMO_DEVICE_NAME = "Demo authenticator"


def seed_demo_devices() -> list[str]:
    """Give each senior demo user a two-factor device, so the demo can be signed into without a
    phone: `python manage.py demo_code head` prints the current code. Only demo devices are read
    by that command; real users set up their own phone."""

    created = []
    for user in User.objects.filter(username__in=[username for username, *_ in DEMO_USERS]).order_by("pk"):
        if needs_two_factor(user) and not TOTPDevice.objects.filter(user=user).exists():
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True)
            created.append(user.username)
    return created


@transaction.atomic
def validate_demo_password(password: str) -> None:
    """The demo password passes the same password rules as everyone's (ValidationError if not)."""
    for username, first, last, _ in DEMO_USERS:
        validate_password(password, User(username=username, first_name=first, last_name=last,
                                         email=f"{username}@school.example"))


def seed_users(*, password: str | None = None) -> list[tuple[str, bool]]:
    """Create the demo users, one per role, and a second governor; the first governor is the chair.
    Returns (username, created) pairs.

    Writes: users and their membership of the demo school, with their role. Existing users are left as
    they are.
    """
    password = password or settings.DEMO_PASSWORD
    validate_demo_password(password)
    ensure_role_groups()
    school, _ = seed_school()
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
            user.is_chair_of_governors = username == DEMO_CHAIR
            user.save()
            Membership.objects.get_or_create(user=user, school=school)[0].roles.add(Group.objects.get(name=role.value))
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
# When each of SCENARIOS began and moved on, as a school's cases do: (days ago the concern arrived,
# days after that the lead recommended, days after that the Head Teacher decided). Spread over the
# last two school years; the open ones recent, so that today's deadlines come from them.
SCENARIO_DAYS = [(18, 0, 0), (2, 0, 0), (24, 10, 0), (41, 9, 23), (150, 12, 26), (262, 8, 19), (480, 6, 9),
                 (33, 7, 12), (6, 4, 0), (618, 14, 35), (9, 0, 0), (1, 0, 0)]
# The parent with a history: earlier, closed cases before the current one (days ago, its text).
REPEAT_PARENT = ("Karl", "Dunn")
REPEAT_CASES = [(425, "Posted insulting remarks about the PE teacher."),
                (212, "Swore at the moderators after a post was removed.")]


def _advance(case, final: str, *, lead: User, head: User, story: Story, recommend_on: float = 7,
             decide_on: float = 14) -> None:
    """Take a demo case to `final` the way staff would, each step on its day of the story:
    investigate the next day, recommend after `recommend_on` days, decide after `decide_on`, act."""
    if final == "new":
        return
    with story.on(1):
        case_services.case_transition(case=case, to="investigating", by=lead)
    if final == "investigating":
        return
    warning = ResponseType.objects.get(school=case.school, code=ResponseType.Code.WARNING)
    breached = list(Clause.objects.filter(version=case.policy_version_id, kind=Clause.Kind.INAPPROPRIATE)[:1])
    with story.on(recommend_on):
        decision_services.recommendation_submit(
            case=case, by=lead, responses=[warning], clauses=breached,
            facts_found="The posts were made and seen by other parents; the parent accepted writing them.",
            reasons="A first breach of this kind: a warning is proportionate.",
        )
    if final == "awaiting_decision":
        return
    with story.on(decide_on):
        _decide(case, final, warning=warning, lead=lead, head=head)
    if final == "sanction_in_force":
        with story.on(decide_on + 2):
            sanctions.sanction_transition(sanction=case.decisions.get().sanctions.get(), to="issued", by=head)


def _decide(case, final: str, *, warning: ResponseType, lead: User, head: User) -> None:
    decision_services.decision_record(
        case=case, by=head, responses=[] if final == "closed" else [warning], no_further_action=final == "closed",
        reasons="I have read the posts and the notes of the conversation with the parent."
        + (" The parent apologised at once; no further action." if final == "closed"
           else " A written warning is proportionate to a first breach."),
        seriousness="Moderate", repetition="First time", parent_response="Apologised when spoken to",
        justification="" if final == "closed" else "The posts named a member of staff and the whole class saw them.",
    )
    if final == "closed":
        case_services.case_transition(case=case, to="closed", by=head, reason="No further action; parent told.")


@transaction.atomic
def seed_school_data() -> bool:
    """Parents, children, a dozen groups and cases in every status. Returns False if already there.

    Writes through the services, so every case has a consistent timeline.
    """


    school, _ = seed_school()
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

    repeat_parent = next(p for p in parents if (p.first_name, p.last_name) == REPEAT_PARENT)
    # Two earlier, closed cases about the same parent.
    for days_ago, text in REPEAT_CASES:
        story = Story(days_ago=days_ago, hour=20)
        with story.on() as received:
            concern = case_services.concern_log(
                school=school, by=office, received_at=received, channel=Concern.Channel.WHATSAPP, description=text,
                parents=[repeat_parent], raised_by_name="A class representative", group=groups[4],
            )
        case = concern.case
        assert case is not None  # concern_log files every concern on a case
        Case.objects.filter(pk=case.pk).update(lead=lead)
        case.refresh_from_db()
        _advance(case, "closed", lead=lead, head=head, story=story, recommend_on=rng.randint(4, 9),
                 decide_on=rng.randint(10, 20))

    for i, (title, text, severity, final, restricted, safeguarding) in enumerate(SCENARIOS):
        concerned = [repeat_parent] if i == 0 else [parents[(i * 3 + 1) % len(parents)]]
        days_ago, recommend_on, decide_on = SCENARIO_DAYS[i]
        story = Story(days_ago=days_ago, hour=rng.randint(8, 16))
        with story.on() as received:
            concern = case_services.concern_log(
            school=school, by=office, received_at=received, channel=rng.choice(
                [Concern.Channel.WHATSAPP, Concern.Channel.WHATSAPP, Concern.Channel.EMAIL, Concern.Channel.IN_PERSON]),
            description=text, parents=concerned, raised_by_name=f"{parents[i + 20].full_name}",
            raised_anonymously=(i % 4 == 1), group=groups[i % len(groups)], safeguarding=safeguarding,
            )
        case = concern.case
        assert case is not None  # concern_log files every concern on a case
        # Its status dates from the concern (the field's default was read from the real clock).
        Case.objects.filter(pk=case.pk).update(title=title, severity=severity, lead=lead if final != "new" else None,
                                               status_changed_at=received)
        case.refresh_from_db()
        if final != "new":
            with story.on(1):
                evidence_services.statement_add(case=case, by=lead, given_by=parents[i + 20].full_name,
                                                given_on=story.day(1), text=f"I saw the posts. {text}")
            with story.on(2) as spoken:
                evidence_services.contact_record(
                    case=case, by=lead, happened_at=spoken, parent=concerned[0],
                    with_whom=concerned[0].full_name, method=Contact.Method.PHONE,
                    summary="Explained the concern and the code of conduct. The parent gave their account.",
                    agreed_actions="Parent to read the code of conduct again.",
                )
        _advance(case, final, lead=lead, head=head, story=story, recommend_on=recommend_on, decide_on=decide_on)
        if restricted:
            with story.on(2.1):
                case_services.case_set_restricted(case=case, by=head, restricted=True,
                                                  reason="Concerns a member of staff's conduct allegations.")
    return True


def seed_step_letter(step, *, users: dict[str, User], issued_on: datetime.date | None = None,
                     recipient_details: dict | None = None) -> Letter:
    """The letter of one step, the way a user makes it: drafted from the step (what the step recorded
    fills it), its PDF prepared (here and now: no worker), approved by the Head Teacher and, when
    `issued_on` is given, issued by the office, which completes the step."""
    case = step.case if hasattr(step, "case") else step.sanction.case
    recipient = None if recipient_details else case.parents.order_by("pk").first()
    letter = letter_services.letter_start(case=case, purpose="", by=users["lead"], step=step, recipient=recipient,
                                          recipient_details=recipient_details)
    letter_services.letter_render_pdf(letter_id=letter.pk)
    letter_services.letter_transition(letter=letter, to=Letter.Status.APPROVED, by=users["head"])
    if issued_on is not None:
        method = Letter.IssueMethod.POST if letter.recipient_address.strip() else Letter.IssueMethod.HAND
        letter_services.letter_transition(letter=letter, to=Letter.Status.ISSUED, by=users["office"], method=method,
                                          issued_on=issued_on)
    letter.refresh_from_db()
    return letter


# --- an imported chat with marked messages --------------------------------------------------

DEMO_CHAT_FILE = "year4_kestrels_chat.txt"
DEMO_CHAT_PATH = Path(__file__).parent / "data" / DEMO_CHAT_FILE
DEMO_CHAT_CASE_TITLE = "Abusive comments about a class teacher"  # about Karl Dunn, who writes in the chat
# (words in the message, kind of clause it breaches)
DEMO_CHAT_MARKS = [("useless", "inappropriate"), ("teacher's pet", "inappropriate")]


@transaction.atomic
def seed_demo_chat() -> bool:
    """Import the Year 4 Kestrels chat on the demo case about Karl Dunn and mark two of his messages.

    Writes through the services (evidence with its SHA-256, the import, marks, events). Returns
    False when already there or when the demo case or policy is missing.
    """


    case = Case.objects.filter(title=DEMO_CHAT_CASE_TITLE).first()
    if case is None or ChatImport.objects.filter(evidence__case=case).exists():
        return False
    if case.policy_version_id is None:
        return False  # no policy in force on the incident date: no clauses to mark against
    users = {u.username: u for u in User.objects.filter(username__in=["office", "lead"])}
    data = DEMO_CHAT_PATH.read_bytes()
    # The group admin sent the export the day after the concern; the lead marked it the day after that.
    with happening_at(case.opened_at + datetime.timedelta(days=1)) as provided_at:
        result = chat_services.evidence_add_chat(
            case=case, by=users["office"], data=data, file_name="WhatsApp Chat with Year 4 Kestrels parents.txt",
            provided_by="Ruth Adeyemi (group admin)", provided_at=provided_at,
            description="Exported by the group admin from her phone.",
        )
    assert result.chat_import is not None  # the demo chat is a chat export, so it is imported
    clauses = Clause.objects.filter(version=case.policy_version_id)
    for words, kind in DEMO_CHAT_MARKS:
        clause = clauses.filter(kind=kind).first() or clauses.first()
        assert clause is not None  # an adopted policy has clauses
        message = result.chat_import.messages.get(text__contains=words)
        with happening_at(case.opened_at + datetime.timedelta(days=2)):
            chat_services.chat_message_mark(message=message, clause=clause, by=users["lead"])
    return True


# --- recommendations, decisions and sanctions at every step ---------------------------------

# (code, name, level, has_duration, is_referral, needs_letter): used only when the school has no
# ladder yet; an existing ladder (policies' defaults, or the school's own) is left as it is.
DEMO_LADDER = [
    ("nfa", "No further action", 0, False, False, True),
    ("moderator_request", "Request to group moderators", 1, False, False, True),
    ("warning", "Cautionary notice", 2, False, False, True),
    ("meeting", "Invitation to meet", 3, False, False, True),
    ("authorities", "Referral to the authorities", 4, False, True, False),
    ("legal_advice", "Referral for legal advice", 5, False, True, False),
    ("provisional_ban", "Provisional ban from the site", 6, True, False, True),
    ("confirmed_ban", "Confirmed ban", 7, True, False, True),
    ("ban_lifted", "Ban lifted", 8, False, False, True),
]
# Who raised the contested case's concern in confidence, and how the lead can call them back.
ANONYMOUS_RAISER = ("Joanna Pryce", "07700 900461")

DECISION_SCENARIOS = [
    # (title, what happened, step reached)
    ("Insulting a lunchtime supervisor online", "Posted that a named supervisor 'can't be trusted with "
     "children'.", "awaiting_decision"),
    ("Apologised at once for a heated message", "Swore in the group, then apologised the same evening.", "nfa"),
    ("Repeated rude replies to the office", "Four rude replies to routine office messages.", "warning_due"),
    ("Shouting at the class teacher at pick-up", "Raised voice at the Year 2 teacher in front of children.",
     "meeting_held"),
    ("Threatening message to a teacher", "Sent a message saying the teacher 'should watch her back'.", "referred"),
    ("Allegations about the Head Teacher's honesty", "Posted that the Head Teacher lies to Ofsted.",
     "legal_advice"),
    ("Spamming the PTA group after warnings", "Kept posting a petition after the moderators asked them to stop.",
     "moderators"),
    ("Aggressive confrontation in the car park", "Blocked a teacher's car and shouted at her.", "provisional"),
    ("Pushed past staff into the school building", "Entered the building without permission and refused "
     "to leave when asked.", "under_review"),
    ("Abuse of office staff at the front desk", "Swore at the office manager across the desk.", "confirmed"),
    ("Threats at the school gate, since resolved", "Threatened another parent at the gate.", "lifted"),
    ("Meeting ordered in error, corrected to a warning", "Posted a teacher's home address.", "corrected"),
    ("Disputed warning about comments on a teacher", "Called a teacher incompetent in the class group.",
     "contested"),
]


# When each of DECISION_SCENARIOS began (days ago) and how many days later the Head Teacher decided.
DECISION_DAYS = {
    "awaiting_decision": (9, 6), "nfa": (380, 8), "warning_due": (20, 12), "meeting_held": (200, 14),
    "referred": (90, 10), "legal_advice": (300, 20), "moderators": (500, 6), "provisional": (25, 18),
    "under_review": (45, 10), "confirmed": (160, 12), "lifted": (420, 9), "corrected": (130, 15),
    "contested": (70, 14),
}


def _justified(case: Case, response: ResponseType, why: str) -> str:
    """The Head Teacher's justification, given where the proportionality panel asks for one."""
    return why if decision_justification_needed(case=case, responses=[response]) else ""


def _demo_ladder(school) -> dict:
    ladder = {}
    for code, name, level, duration, referral, letter in DEMO_LADDER:
        ladder[code], _ = ResponseType.objects.get_or_create(school=school, code=code, defaults={
            "name": name, "level": level, "has_duration": duration, "is_referral": referral, "needs_letter": letter})
    return ladder


@transaction.atomic
def seed_decisions() -> bool:
    """Cases at each step of recommendation, decision, sanction, ban and contest. False if already there.

    Writes through the services (so every timeline, history and rule is as a user would leave it).
    """


    school, _ = seed_school()
    titles = [title for title, *_ in DECISION_SCENARIOS]
    if Case.objects.filter(school=school, title__in=titles).exists():
        return False
    parents = list(Parent.objects.filter(school=school).order_by("pk"))
    if not parents:
        return False
    users = {u.username: u for u in User.objects.filter(
        username__in=["office", "lead", "head", "governor", "panel"])}
    lead, head, governor = users["lead"], users["head"], users["governor"]
    ladder = _demo_ladder(school)
    state = Sanction.State

    def step(sanction, to, by=lead, **details):
        return sanctions.sanction_transition(sanction=sanction, to=to, by=by, details=details)

    def letter(of, **kwargs):
        # Every step that needs a letter gets it through the same path a user takes, issued the day it was taken.
        return seed_step_letter(of, users=users, issued_on=timezone.localdate(), **kwargs)

    def ban_terms(starts_on):
        return {"reasons": "Aggressive behaviour towards staff on the school site.",
                "conditions": "The child is dropped off and collected at the side gate by a grandparent; "
                              "meetings with staff by appointment at the office.",
                "starts_on": starts_on}

    for i, (title, text, reached) in enumerate(DECISION_SCENARIOS):
        parent = parents[(i * 5 + 2) % len(parents)]
        days_ago, decide_on = DECISION_DAYS[reached]
        story = Story(days_ago=days_ago, hour=8 + i % 8)
        with story.on():
            case = case_services.case_open(school=school, by=lead, title=title, summary=text, lead=lead,
                                           parents=[parent], incident_date=story.day() - datetime.timedelta(days=1))
            if reached == "contested":  # a case whose letters were issued, raised by someone who asked
                # to remain anonymous: staff see who and how to call back; the letters never name them.
                case_services.concern_log(
                    school=school, by=users["office"], received_at=timezone.now(), channel="phone",
                    description=f"{text} The caller asked that the parent is not told who reported it.",
                    parents=[parent], raised_by_name=ANONYMOUS_RAISER[0], raised_by_contact=ANONYMOUS_RAISER[1],
                    raised_anonymously=True, link_to=case)
        with story.on(1):
            case_services.case_transition(case=case, to=Case.Status.INVESTIGATING, by=lead)
        code = {"nfa": "warning", "warning_due": "warning", "meeting_held": "meeting", "referred": "authorities",
                "legal_advice": "legal_advice", "moderators": "moderator_request", "corrected": "meeting",
                "contested": "warning"}.get(reached, "provisional_ban")
        # The clauses breached are recorded by the recommendation: every letter quotes them.
        breached = Clause.objects.filter(version=case.policy_version_id, kind=Clause.Kind.INAPPROPRIATE)
        with story.on(max(2, decide_on - 3)):
            decision_services.recommendation_submit(
                case=case, by=lead, responses=[ladder[code]],
                clauses=list(breached.order_by("position")[i % 3:i % 3 + 2]),
                facts_found=f"{text} Confirmed by two statements and a screenshot.",
                reasons="Proportionate to what happened and to the parent's response.")
        if reached == "awaiting_decision":
            continue
        if reached == "nfa":
            with story.on(decide_on):
                letter(decision_services.decision_record(
                    case=case, by=head, no_further_action=True,
                    reasons="The parent apologised at once and has not repeated it."))
            continue
        with story.on(decide_on):
            decision = decision_services.decision_record(
                case=case, by=head, responses=[ladder[code]], reasons="The conduct breached the code of conduct.",
                seriousness="Directed at a named member of staff.", parent_response="Accepted that it happened.",
                justification=_justified(case, ladder[code], "Staff felt unsafe; a lesser response would not "
                                                         "protect them."),
            )
        sanction = decision.sanctions.get()
        after = decide_on
        if reached == "meeting_held":
            with story.on(after + 2):
                letter(step(sanction, state.INVITED, meeting_on=story.day(after + 9), meeting_time="15:30",
                            meeting_place="the Head Teacher's office"))
            with story.on(after + 9):
                step(sanction, state.HELD, attendees="Helen Hart, the parent",
                     notes="The parent agreed to raise concerns through the office.")
        elif reached == "referred":
            with story.on(after + 1):
                step(sanction, state.REFERRED, organisation="Local police (Safer Schools officer)", reference="PC-4471")
        elif reached == "legal_advice":
            with story.on(after + 2):
                sanctions.sanction_transition(sanction=sanction, to=state.ADVICE_SOUGHT, by=head,
                                              details={"adviser": "Local authority legal services"},
                                              head_only_note="The posts are likely defamatory; a letter before "
                                                             "action is an option if they continue.")
        elif reached == "moderators":
            with story.on(after + 1):
                letter(step(sanction, state.REQUESTED, group="Whole school PTA"),
                       recipient_details={"full_name": "The moderators of the Whole school PTA group",
                                          "salutation": "Group moderators"})
            with story.on(after + 6):
                step(sanction, state.RESULT_RECORDED, result="The moderators removed the parent from the group.")
        elif reached == "provisional":  # the parent's representations are awaited: their deadline is to come
            with story.on(after + 1):
                letter(step(sanction, state.PROVISIONAL, **ban_terms(story.day(after + 1))))
        elif reached == "under_review":  # representations in; the Head Teacher's review is due
            with story.on(after + 1):
                letter(step(sanction, state.PROVISIONAL, **ban_terms(story.day(after + 1))))
            with story.on(after + 9):
                ban_process.representation_record(sanction=sanction, by=lead, received_on=story.day(after + 9), text=(
                    "I accept I was angry but I did not mean to frighten anyone. I ask to be allowed to collect "
                    "my son from the gate."))
        elif reached in ("confirmed", "lifted"):
            with story.on(after + 1):
                letter(step(sanction, state.PROVISIONAL, **ban_terms(story.day(after + 1))))
            sanction.refresh_from_db()
            # A few days after the representations deadline passed with none received.
            assert sanction.representations_due is not None  # a provisional ban sets its deadline
            confirmed_on = (sanction.representations_due - story.day()).days + 3
            # The confirmed ban's review falls in the coming weeks; the lifted one's came and went.
            review_on = (timezone.localdate() + datetime.timedelta(days=10) if reached == "confirmed"
                         else story.day(confirmed_on + 42))
            with story.on(confirmed_on):
                letter(step(sanction, state.CONFIRMED, by=head, ends_on=story.day(confirmed_on) +
                            datetime.timedelta(days=180), review_on=review_on, with_chair=True))
            if reached == "lifted":
                with story.on(confirmed_on + 42):
                    letter(step(sanction, state.LIFTED, by=head, reasons="No further incidents; the parent has kept "
                                                                         "to the arrangements."))
                    case_services.case_transition(case=case, to=Case.Status.CLOSED, by=head)
        elif reached == "corrected":
            with story.on(after + 3):
                decision_services.decision_record(
                    case=case, by=head, responses=[ladder["warning"]], supersedes=decision,
                    reasons="On reflection a written warning is proportionate; the meeting is not needed.",
                    justification=_justified(case, ladder["warning"], "A teacher's home address was shared."))
        elif reached == "contested":
            with story.on(after + 2):
                letter(sanction)  # issuing the cautionary notice gives the warning
            with story.on(after + 11):
                complaint = complaints.complaint_record(case=case, by=lead, received_on=story.day(after + 11),
                                                        summary="The parent says the warning is unfair.")
            with story.on(after + 13):
                complaints.complaint_refer(complaint=complaint, by=head, governors=[governor, users["panel"]],
                                           on=story.day(after + 13))
    return True
