"""Casebook's starting point for a school: a code of conduct, a ladder of responses and nine letters.

Written for a UK primary school in plain British English. `load_defaults` gives them to a school that
has none yet; the school then changes them to suit itself (a new policy version, new template versions).
"""

import datetime

from django.contrib.auth.models import AbstractUser
from django.db import transaction

from policies.models import LetterTemplate, Policy, ResponseType, School
from policies.services import letter_template_version_create, policy_import_text, policy_version_adopt

DEFAULT_POLICY_TITLE = "Code of conduct for parents' class groups and class lists"

# Written as schools publish it, and loaded through the same import an administrator uses.
DEFAULT_POLICY_TEXT = """\
Code of conduct for parents' class groups and class lists

Many parents and carers belong to class or year groups on WhatsApp and to e-mail class lists. These
groups are set up and run by parents, not by the school, and the school does not post in them. They
are a good way to share reminders and news and to support one another. This code of conduct asks
everyone to use them in a way that keeps our school community a kind and safe place for children,
parents and staff.

Guidelines for group members

1. Do not use the group to raise grievances or complaints about named members of staff, children or other parents.
2. Do not discuss political or contentious matters unrelated to the class or the school.
3. Keep private conversations private: message the person directly rather than the whole group.
4. Be respectful and culturally sensitive in everything you post.
5. Do not post screenshots of messages from teachers or other staff, or share their contents.
6. Only share links to sites that are relevant to the class or the school.
7. Remember that no one is obliged to read or reply to messages, especially in the evening or at weekends.
8. Do not add anyone to the group without the agreement of the group's moderators.

Expectations of all parents and carers

We expect all parents and carers to:
1. Treat every member of the school community with courtesy and respect, online and in person.
2. Raise any concern about their child or the school directly with the class teacher, the office or a member of
   the Senior Leadership Team, and in confidence.
3. Follow the school's complaints procedure if they are unhappy with how a concern has been handled.
4. Set a good example to children in what they say and write, remembering that children often
   see and hear what adults post.
5. Respect the privacy of children, families and staff, and not share photographs or personal details of
   other people's children.
6. Work in partnership with the school to resolve problems calmly.

Inappropriate activity

The school considers the following activity inappropriate, whether in a group, on social media,
by e-mail or on the school site:
1. Abusive or personal comments about members of staff, children or other parents.
2. Expressions of anger, swearing or offensive language.
3. Posts or messages that bring the school into disrepute.
4. Aggressive, defamatory or libellous posts or comments.
5. Publicly challenging school policy, or discussing individual children, in a group or on social media.
6. Abusive e-mails to members of staff.
7. Threatening or intimidating behaviour towards staff, children or other parents, online or in person.

What the school may do

Anyone worried about a post or message may raise it in confidence with the Senior Leadership Team.
The school will gather information from those involved and speak to the parent concerned. Depending
on the incident, and in proportion to it, the school may:
- send a cautionary notice or warning letter;
- invite the parent to meet a senior member of staff or the Head Teacher;
- contact the appropriate authorities where behaviour may be criminal;
- seek advice from its own or the local authority's legal team, for example about libel or slander;
- ban the parent from the school site, after giving them the chance to put their side in writing.

The final decision rests with the Head Teacher. Separately, a group's parent moderators may remove a
parent from the group. A parent who is unhappy with a decision may use the school's complaints procedure.
"""

_ADDRESS = """\
<p>{{ recipient.full_name }}<br>
{{ recipient.address|linebreaksbr }}{% if recipient.postcode %}<br>{{ recipient.postcode }}{% endif %}</p>

<p>{{ today|date:"j F Y" }}{% if case_reference %}<br>Our reference: {{ case_reference }}{% endif %}</p>
"""

_SIGN_OFF = """\
{% if free_text %}<p>{{ free_text|linebreaksbr }}</p>
{% endif %}<div class="signature">
<p>Yours sincerely,</p>

<p>{{ signatory.name }}<br>
{{ signatory.role }}<br>
{{ school.name }}</p>
</div>
"""

_CLAUSES = """\
<ul>
{% for clause in clauses_breached %}  <li>clause {{ clause.number }}: “{{ clause.text }}”</li>
{% endfor %}</ul>
"""

_PROTECT = (
    "<p>The school has a duty to protect its pupils, staff and families, and to keep the school a safe and "
    "calm place for everyone. Parents have an implied permission to come onto the school site; the school may "
    "withdraw that permission where a parent's behaviour makes it necessary.</p>\n"
)

# purpose → (name, subject, body)
DEFAULT_LETTERS: dict[str, tuple[str, str, str]] = {
    LetterTemplate.Purpose.ACKNOWLEDGEMENT: (
        "Acknowledgement of a concern",
        "Your concern: {{ case_reference }}",
        _ADDRESS + """
<p>Dear {{ recipient.salutation }},</p>

<p>Thank you for letting us know about your concern, which we received on
{{ concern_received_on|date:"j F Y" }}. I am writing to confirm that it has been passed, in confidence,
to the Senior Leadership Team.</p>

<p>We will look into what happened, in line with our {{ policy_title }}, and speak to those involved.
Please understand that we cannot share with you the details of any action we take in relation to another
parent, as that information is confidential to them.</p>

<p>If anything else happens that you are worried about, please contact the school office on
{{ school.phone }} or at {{ school.email }}, quoting the reference above. Please do not reply to or
forward the messages concerned in the group.</p>
""" + _SIGN_OFF,
    ),
    LetterTemplate.Purpose.WARNING: (
        "Cautionary notice",
        "Cautionary notice: conduct on {{ incident_date|date:\"j F Y\" }}",
        _ADDRESS + """
<p>Dear {{ parent.salutation }},</p>

<p>I am writing to you about your conduct on {{ incident_date|date:"j F Y" }}{% if group_name %} in the
{{ group_name }} group{% endif %}.</p>

<p><strong>What happened.</strong> {{ conduct_summary }}</p>

{% if quoted_messages %}<p>The messages concerned were:</p>
<ul>{% for message in quoted_messages %}
  <li>{{ message.sent_at|date:"j F Y, H:i" }}, {{ message.author }}: “{{ message.text }}”
    (clause {{ message.clause }})</li>
{% endfor %}</ul>{% endif %}

<p>This is contrary to our {{ policy_title }}, which all parents and carers are asked to follow, and in
particular to:</p>
""" + _CLAUSES + """
<p>We value the part you play in {% if child_names %}{{ child_names }}'s{% else %}your child's{% endif %}
education and want to work with you. If you have a concern about the school, please raise it directly
with the class teacher, the office or a member of the Senior Leadership Team, or use our complaints
procedure, rather than in a group or on social media.</p>

<p>I expect this conduct not to be repeated. If it is, the school will consider further action, which
may include inviting you to a meeting, seeking legal advice, informing the appropriate authorities, or
withdrawing your permission to come onto the school site.</p>

<p>A copy of this letter will be kept on file. If you would like to discuss it, please contact the
school office on {{ school.phone }}.</p>
""" + _SIGN_OFF,
    ),
    LetterTemplate.Purpose.MEETING_INVITATION: (
        "Invitation to a meeting",
        "Invitation to a meeting on {{ meeting_at|date:\"j F Y\" }}",
        _ADDRESS + """
<p>Dear {{ parent.salutation }},</p>

<p>I would like to invite you to meet me to talk about your conduct on
{{ incident_date|date:"j F Y" }}{% if group_name %} in the {{ group_name }} group{% endif %}.</p>

<p><strong>What happened.</strong> {{ conduct_summary }}</p>

<p>The school's {{ policy_title }} asks all parents and carers to follow it, and this appears to go
against:</p>
""" + _CLAUSES + """
<p>The meeting will be on {{ meeting_at|date:"l j F Y" }} at {{ meeting_at|time:"g:i a" }} in
{{ meeting_place }}. It is a chance for you to give your account and for us to agree how we can work
together in {% if child_names %}{{ child_names }}'s{% else %}your child's{% endif %} interests. You are
welcome to bring a friend or family member with you.</p>

<p>Please let the school office know by telephone ({{ school.phone }}) or e-mail ({{ school.email }})
whether you can attend. If the time is not convenient, we will offer another.</p>
""" + _SIGN_OFF,
    ),
    LetterTemplate.Purpose.PROVISIONAL_BAN: (
        "Provisional ban from the school site",
        "Notice of a provisional ban from the school site",
        _ADDRESS + """
<p>Dear {{ parent.salutation }},</p>

<p>I am writing to you about your conduct on {{ incident_date|date:"j F Y" }}.</p>

<p><strong>What happened.</strong> {{ conduct_summary }}</p>

<p>This conduct is contrary to our {{ policy_title }}, and in particular to:</p>
""" + _CLAUSES + _PROTECT + """
<p>For these reasons I have decided provisionally to withdraw your permission to enter the school's
buildings and grounds from {{ ban_start|date:"j F Y" }}. {{ decision_reasons }}</p>

{% if ban_conditions %}<p>{{ ban_conditions|linebreaksbr }}</p>
{% endif %}
<p><strong>Arrangements for your {% if children|length > 1 %}children{% else %}child{% endif %}.</strong>
{% if child_arrangements %}{{ child_arrangements|linebreaksbr }}{% else %}Please arrange for another
adult to bring {{ child_names }} to school and collect them from the main gate.{% endif %} This decision
is about the conduct of adults and does not change the school's care for
{% if child_names %}{{ child_names }}{% else %}your child{% endif %} in any way.</p>

<p><strong>Your right to respond.</strong> Before I decide whether to confirm this ban, I invite you to
put your side in writing. Please send any written representations to me at the school, or by e-mail to
{{ school.email }}, <strong>{{ representations_deadline_in_words }}</strong>. I will consider anything you
send{% if school.chair_of_governors_name %}, with {{ school.chair_of_governors_name }}, chair of
governors,{% endif %} before making a final decision, and I will write to you with that decision and my
reasons. If you do not send representations by that date, I will make my decision on the information I
have.</p>

<p>If you enter the school site while this provisional ban is in place, the school may treat you as a
trespasser and may ask the police to remove you.</p>
""" + _SIGN_OFF,
    ),
    LetterTemplate.Purpose.BAN_CONFIRMED: (
        "Ban from the school site confirmed",
        "Confirmation of a ban from the school site",
        _ADDRESS + """
<p>Dear {{ parent.salutation }},</p>

<p>I wrote to you about your conduct on {{ incident_date|date:"j F Y" }} and told you that I had
provisionally withdrawn your permission to come onto the school site. I have now reviewed the matter,
including any written representations you sent, and I have decided to confirm the ban.</p>

<p><strong>My reasons.</strong> {{ conduct_summary }} {{ decision_reasons }} This conduct is contrary to
our {{ policy_title }}, and in particular to:</p>
""" + _CLAUSES + """
<p><strong>Length and review.</strong> The ban runs from {{ ban_start|date:"j F Y" }}
{{ ban_length }}. I will review it on {{ ban_review_on|date:"j F Y" }} and write to you after that
review.</p>

{% if ban_conditions %}<p>{{ ban_conditions|linebreaksbr }}</p>
{% endif %}
<p><strong>Arrangements for your {% if children|length > 1 %}children{% else %}child{% endif %}.</strong>
{% if child_arrangements %}{{ child_arrangements|linebreaksbr }}{% else %}Please arrange for another
adult to bring {{ child_names }} to school and collect them from the main gate.{% endif %}</p>

<p><strong>If the ban is not kept.</strong> If you come onto the school site while the ban is in place,
you will be a trespasser and the school may ask the police to remove you. Causing a nuisance or
disturbance on school premises is a criminal offence under section 547 of the Education Act 1996, and
the school may also seek a court order.</p>

<p>If you are unhappy with this decision, you may ask for it to be considered under the school's
complaints procedure, by a panel of governors who have not been involved. Please contact the clerk to the
governors through the school office.</p>
""" + _SIGN_OFF,
    ),
    LetterTemplate.Purpose.BAN_VARIED: (
        "Ban from the school site varied",
        "A change to your ban from the school site",
        _ADDRESS + """
<p>Dear {{ parent.salutation }},</p>

<p>I am writing about the ban from the school site which began on {{ ban_start|date:"j F Y" }}. Having
reviewed it, I have decided to change it as follows:</p>

<p>{{ ban_changes|linebreaksbr }}</p>

<p>{{ decision_reasons }}</p>

<p>The ban, as changed, runs {{ ban_length }}{% if ban_review_on %} and I will review it again on
{{ ban_review_on|date:"j F Y" }}{% endif %}.</p>

{% if ban_conditions %}<p>{{ ban_conditions|linebreaksbr }}</p>
{% endif %}{% if child_arrangements %}<p>{{ child_arrangements|linebreaksbr }}</p>
{% endif %}
<p>All other terms of the ban stay as they were. If you come onto the school site other than as allowed
above, you will be a trespasser, and causing a nuisance or disturbance on school premises is an offence
under section 547 of the Education Act 1996.</p>
""" + _SIGN_OFF,
    ),
    LetterTemplate.Purpose.BAN_LIFTED: (
        "Ban from the school site lifted",
        "Your ban from the school site has ended",
        _ADDRESS + """
<p>Dear {{ parent.salutation }},</p>

<p>I have reviewed the ban from the school site which began on {{ ban_start|date:"j F Y" }}, and I am
writing to tell you that I have decided to lift it with effect from {{ effective_on|date:"j F Y" }}. You are
welcome on the school site again, as any parent is.</p>

{% if decision_reasons %}<p>{{ decision_reasons }}</p>
{% endif %}
<p>I would remind you of our {{ policy_title }}, which we ask all parents and carers to follow. If you
have a concern about the school in future, please raise it with the class teacher, the office or a
member of the Senior Leadership Team, and we will do our best to resolve it with you.</p>

<p>I hope we can now work together in {% if child_names %}{{ child_names }}'s{% else %}your child's{% endif %}
interests.</p>
""" + _SIGN_OFF,
    ),
    LetterTemplate.Purpose.OUTCOME_NFA: (
        "Outcome: no further action",
        "Outcome of the school's enquiries: {{ case_reference }}",
        _ADDRESS + """
<p>Dear {{ recipient.salutation }},</p>

<p>I am writing about the matter concerning {{ incident_date|date:"j F Y" }} which the school has been
looking into. Having considered the information gathered, I have decided that no further action will be
taken.</p>

{% if decision_reasons %}<p>{{ decision_reasons }}</p>
{% endif %}
<p>May I take this opportunity to remind all parents and carers of our {{ policy_title }}, which helps keep
our school community a kind and safe place for everyone. If you have any questions, please contact the
school office on {{ school.phone }}.</p>
""" + _SIGN_OFF,
    ),
    LetterTemplate.Purpose.MODERATOR_REQUEST: (
        "Request to group moderators",
        "Request about the {{ group_name }} group",
        _ADDRESS + """
<p>Dear {{ recipient.salutation }},</p>

<p>Thank you for moderating the {{ group_name }} group. We know the group is run by parents, not by the
school, and we are grateful for the time you give to it.</p>

<p>The school has looked into messages posted in the group on {{ incident_date|date:"j F Y" }} by
{{ parent.full_name }}. We believe they go against our {{ policy_title }}, in particular:</p>
""" + _CLAUSES + """
<p>We would ask you, as the group's moderators, to consider removing {{ parent.full_name }} from the
group, and to remove the messages concerned. The decision is yours. Please treat this letter as
confidential and do not share it in the group.</p>

<p>If you would like to talk about this, please contact the school office on {{ school.phone }}.</p>
""" + _SIGN_OFF,
    ),
}

# code → (name, level, needs_letter, has_duration, is_referral, letter purposes, description)
DEFAULT_LADDER: list[tuple[str, str, int, bool, bool, bool, list[str], str]] = [
    (ResponseType.Code.NO_FURTHER_ACTION, "No further action", 0, True, False, False,
     [LetterTemplate.Purpose.OUTCOME_NFA, LetterTemplate.Purpose.ACKNOWLEDGEMENT],
     "The school has looked into the concern and will take no further action."),
    (ResponseType.Code.MODERATOR_REQUEST, "Request to the group's moderators", 1, True, False, False,
     [LetterTemplate.Purpose.MODERATOR_REQUEST],
     "Ask the parent moderators of the group to consider removing the parent. The decision is theirs."),
    (ResponseType.Code.WARNING, "Cautionary notice", 2, True, False, False,
     [LetterTemplate.Purpose.WARNING],
     "A letter setting out the conduct, what is expected, and what will follow if it goes on."),
    (ResponseType.Code.MEETING, "Invitation to meet the Head Teacher", 3, True, False, False,
     [LetterTemplate.Purpose.MEETING_INVITATION],
     "Invite the parent to meet a senior member of staff or the Head Teacher."),
    (ResponseType.Code.AUTHORITIES, "Referral to the appropriate authorities", 4, False, False, True, [],
     "Where the behaviour may be criminal: the police, or the local authority."),
    (ResponseType.Code.LEGAL_ADVICE, "Referral for legal advice", 5, False, False, True, [],
     "Seek advice from the school's or the local authority's legal team, for example about libel or slander."),
    (ResponseType.Code.PROVISIONAL_BAN, "Provisional ban from the school site", 6, True, False, False,
     [LetterTemplate.Purpose.PROVISIONAL_BAN],
     "Withdraw permission to come onto the site provisionally, inviting written representations by a date."),
    (ResponseType.Code.CONFIRMED_BAN, "Confirmed ban from the school site", 7, True, True, False,
     [LetterTemplate.Purpose.BAN_CONFIRMED, LetterTemplate.Purpose.BAN_VARIED],
     "Confirm the ban after considering representations, with its length and a review date."),
    (ResponseType.Code.BAN_LIFTED, "Ban lifted", 8, True, False, False,
     [LetterTemplate.Purpose.BAN_LIFTED],
     "End a ban at or before its review."),
]


# Wording earlier releases gave as defaults, replaced because it was wrong: (purpose, current text,
# earlier text). A template still word for word in the earlier default gets the current one.
EARLIER_DEFAULT_WORDING: list[tuple[str, str, str]] = [
    (LetterTemplate.Purpose.PROVISIONAL_BAN,
     """{{ school.email }}, <strong>{{ representations_deadline_in_words }}</strong>. I will consider""",
     """{{ school.email }}, by <strong>{{ representations_deadline|date:"l j F Y" }}</strong>
({{ representations_school_days }} school days from the date of this letter). I will consider"""),
]


def _is_earlier_default(template: LetterTemplate, body: str) -> bool:
    current = template.current_version
    if current is None:
        return False
    return any(current.body == body.replace(now, before)
               for purpose, now, before in EARLIER_DEFAULT_WORDING if purpose == template.purpose and now in body)


@transaction.atomic
def load_defaults(*, school: School, by: AbstractUser | None = None, today: datetime.date | None = None) -> list[str]:
    """Give a school the default letters, ladder and policy, where it has none yet. Idempotent.

    Writes: each missing LetterTemplate with version 1, and a new version of a template still in an
    earlier default wording the school never changed; each missing ResponseType, linked to its
    letters; and, if the school has no policy, the default policy, imported and adopted today.
    Returns what was created, in words. Existing rows are never changed. Administrators and seed_demo.
    """
    created: list[str] = []
    templates: dict[str, LetterTemplate] = {}
    for purpose, (name, subject, body) in DEFAULT_LETTERS.items():
        template, was_created = LetterTemplate.objects.get_or_create(
            school=school, purpose=purpose, defaults={"name": name}
        )
        templates[purpose] = template
        if not template.versions.exists():
            letter_template_version_create(template=template, subject=subject, body=body, by=by)
            created.append(f"letter template '{name}'")
        elif _is_earlier_default(template, body):
            letter_template_version_create(template=template, subject=subject, body=body, by=by)
            created.append(f"letter template '{name}' (new wording)")
    for code, name, level, needs_letter, has_duration, is_referral, purposes, description in DEFAULT_LADDER:
        response, was_created = ResponseType.objects.get_or_create(
            school=school, code=code,
            defaults={"name": name, "level": level, "needs_letter": needs_letter, "has_duration": has_duration,
                      "is_referral": is_referral, "description": description},
        )
        if was_created:
            response.letter_templates.set([templates[purpose] for purpose in purposes])
            created.append(f"response '{name}'")
    if not Policy.objects.filter(school=school).exists():
        policy = Policy.objects.create(school=school, title=DEFAULT_POLICY_TITLE)
        version = policy_import_text(policy=policy, text=DEFAULT_POLICY_TEXT, by=by)
        policy_version_adopt(version=version, by=by, adopted_on=today or datetime.date.today())
        created.append(f"policy '{DEFAULT_POLICY_TITLE}'")
    return created
