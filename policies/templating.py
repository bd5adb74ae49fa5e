"""Letter templates: a fixed, documented set of variables and a sealed template engine.

Administrators write letters in Django's template language, but only against `LETTER_VARIABLES`,
with the tags and filters registered in this module's own library. The engine has no loaders and
none of Django's built-in libraries, so `{% load %}`, `{% include %}`, `{% extends %}`, `{% debug %}`
and `{% ssi %}` are unknown tags, and `|safe` an unknown filter. Rendering takes plain data only
(dicts, lists, strings, numbers, dates), never model instances, so a template cannot reach
settings, other rows or other schools' data.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Library, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, Node, Variable, VariableNode
from django.template.defaulttags import ForNode, IfNode

from policies.letter_resources import external_references
from policies.selectors import deadline_in_words, school_days_after

# name → what it holds. Paths with "[]" are the fields of each item of a list, used inside
# `{% for item in list %}`: `{% for child in children %}{{ child.name }}{% endfor %}`.
LETTER_VARIABLES: dict[str, str] = {
    "school.name": "The school's name.",
    "school.address": "The school's postal address (several lines: use |linebreaksbr).",
    "school.postcode": "The school's postcode.",
    "school.phone": "The school office telephone number.",
    "school.email": "The school office e-mail address.",
    "school.website": "The school's website.",
    "school.head_teacher_name": "The Head Teacher's name.",
    "school.chair_of_governors_name": "The chair of governors' name.",
    "school.safeguarding_lead_name": "The Designated Safeguarding Lead's name.",
    "recipient.full_name": "Who the letter is addressed to (the parent, the person who raised the "
    "concern, or a group moderator).",
    "recipient.salutation": "How to greet the recipient: 'Ms Jones'.",
    "recipient.address": "The recipient's postal address (several lines).",
    "recipient.postcode": "The recipient's postcode.",
    "parent.full_name": "The parent or carer whose conduct the case is about.",
    "parent.salutation": "How to greet that parent: 'Mr Patel'.",
    "parent.address": "That parent's postal address (several lines).",
    "parent.postcode": "That parent's postcode.",
    "children": "The parent's children at the school (a list).",
    "children[].name": "A child's full name.",
    "children[].class_name": "A child's class or year.",
    "child_names": "The children's names in one phrase: 'Amy Jones and Ben Jones'.",
    "case_reference": "The case reference: HIL-2026-0001 (the school's short code, the year, a number).",
    "conduct_summary": "A factual summary of the conduct, as recorded on the case.",
    "incident_date": "When the conduct happened (a date).",
    "group_name": "The parents' group concerned: 'Year 4 parents'.",
    "concern_received_on": "When the school received the concern (a date).",
    "policy_title": "The title of the school's code of conduct.",
    "policy_adopted_on": "When the version of the policy in force was adopted (a date).",
    "clauses_breached": "The clauses of the policy the conduct breached (a list).",
    "clauses_breached[].number": "A clause's number: '3.2'.",
    "clauses_breached[].text": "A clause's wording.",
    "clauses_breached[].kind": "Which part of the policy the clause is in.",
    "quoted_messages": "Chat messages marked on the case as breaching the code (a list). Other group "
    "members' names and phone numbers may have been redacted when the letter was made.",
    "quoted_messages[].author": "Who wrote the message, as named in the chat (or '[group member A]').",
    "quoted_messages[].sent_at": "When it was sent, as shown on the phone (a date and time; use |date).",
    "quoted_messages[].text": "The message, as written (several lines: use |linebreaksbr).",
    "quoted_messages[].clause": "The number of the clause it breaches: '3.1'.",
    "decision_reasons": "The Head Teacher's reasons for the decision.",
    "today": "The date of the letter.",
    "meeting_at": "When the meeting is (a date and time).",
    "meeting_place": "Where the meeting is.",
    "representations_deadline": "The last day for written representations (a date).",
    "representations_deadline_in_words": "The last day for representations as the letter says it, "
    "worked out from the school's term dates and bank holidays: 'by Friday 15 January 2027'.",
    "representations_school_days": "How many school days the parent has for representations.",
    "ban_start": "When the ban starts (a date).",
    "ban_length": "How long the ban lasts, in words: 'until the end of the autumn term'.",
    "ban_review_on": "When the ban will be reviewed (a date).",
    "ban_conditions": "What the ban covers and any conditions (several lines).",
    "ban_changes": "How a ban has been varied (several lines).",
    "effective_on": "When the step the letter is about took effect: the ban confirmed, changed or lifted (a date).",
    "child_arrangements": "Arrangements for the children while the ban lasts: drop-off, collection, "
    "meetings (several lines).",
    "free_text": "Anything the author adds to this one letter (several lines).",
    "signatory.name": "Who signs the letter.",
    "signatory.role": "The signatory's role: 'Head Teacher'.",
}

# Inside a {% for %}, Django supplies these without any data of ours behind them.
FORLOOP_FIELDS = frozenset({"counter", "counter0", "revcounter", "revcounter0", "first", "last"})

register = Library()

for _tag in ("if", "for", "comment", "spaceless", "firstof", "cycle"):
    register.tag(_tag, getattr(defaulttags, {"if": "do_if", "for": "do_for"}.get(_tag, _tag)))

ALLOWED_TAGS = frozenset({"if", "for", "comment", "spaceless", "firstof", "cycle"})
ALLOWED_FILTERS = frozenset({
    "add", "capfirst", "date", "default", "default_if_none", "first", "join", "last", "length",
    "linebreaks", "linebreaksbr", "lower", "pluralize", "time", "title", "truncatewords", "upper", "yesno",
})
for _filter in ALLOWED_FILTERS:
    register.filter(_filter, getattr(defaultfilters, _filter))


class _SealedEngine(Engine):
    # Django's default built-in libraries hold `load`, `include`, `extends`, `debug`, `|safe`…
    # Leaving them out means the parser refuses those with a line number, like any typo.
    default_builtins: list[str] = []


_ENGINE = _SealedEngine(
    dirs=[], app_dirs=False, loaders=[], libraries={}, builtins=["policies.templating"],
    autoescape=True, debug=True, string_if_invalid="",
)

PLAIN_TYPES = (str, int, float, bool, Decimal, datetime.date, datetime.datetime, datetime.time, type(None))


@dataclass(frozen=True)
class TemplateProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


def _documented_paths() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    plain: set[str] = set()
    items: dict[str, set[str]] = {}
    for name in LETTER_VARIABLES:
        if "[]." in name:
            list_name, field = name.split("[].", 1)
            items.setdefault(list_name, set()).add(field)
        else:
            plain.add(name)
    return frozenset(plain), {key: frozenset(value) for key, value in items.items()}


PLAIN_PATHS, LIST_ITEM_FIELDS = _documented_paths()


def _parse(body: str):
    return _ENGINE.from_string(body)


def validate_letter_template(body: str) -> list[TemplateProblem]:
    """Every problem in a letter template, with its line: syntax, unknown tags, filters and variables.

    An empty list means the template is safe to save and render.
    """
    try:
        template = _parse(body)
    except TemplateSyntaxError as error:
        line = getattr(error, "template_debug", {}).get("line", 1)
        return [TemplateProblem(line, _plain_syntax_message(str(error)))]
    problems: list[TemplateProblem] = [TemplateProblem(line, message) for line, message in external_references(body)]
    _check_nodes(template.nodelist, scope={}, problems=problems, line=1)
    return sorted(set(problems), key=lambda problem: (problem.line, problem.message))


def trial_render_problems(body: str, school) -> list[TemplateProblem]:
    """Render a template that passed validate_letter_template with the sample letter, to find what
    only rendering shows (a filter given a value it cannot take: `{{ today|first }}`). No writes."""
    try:
        render_letter_template(body, sample_letter_context(school))
    except LetterRenderError as error:
        return [error.problem]
    return []


def _plain_syntax_message(message: str) -> str:
    for unknown in ("Invalid block tag", "Invalid filter"):
        if message.startswith(unknown):
            tag = message.split("'")[1] if "'" in message else ""
            what = "tag" if "tag" in unknown else "filter"
            unclosed = ", or a block above it is not closed" if what == "tag" else ""
            return (f"The {what} '{tag}' is not allowed in letter templates, or is misspelt{unclosed}. "
                    f"Allowed {what}s: " + ", ".join(sorted(ALLOWED_TAGS if what == "tag" else ALLOWED_FILTERS)) + ".")
    return message


def _check_nodes(nodelist, *, scope: dict[str, str], problems: list[TemplateProblem], line: int) -> None:
    for node in nodelist:
        node_line = getattr(getattr(node, "token", None), "lineno", None) or line
        _check_node(node, scope=scope, problems=problems, line=node_line)


def _check_node(node: Node, *, scope: dict[str, str], problems: list[TemplateProblem], line: int) -> None:
    if isinstance(node, VariableNode):
        _check_expression(node.filter_expression, scope=scope, problems=problems, line=line)
    elif isinstance(node, IfNode):
        for condition, nodelist in node.conditions_nodelists:
            if condition is not None:
                _check_condition(condition, scope=scope, problems=problems, line=line)
            _check_nodes(nodelist, scope=scope, problems=problems, line=line)
        return
    elif isinstance(node, ForNode):
        assert isinstance(node.sequence, FilterExpression)  # the for tag compiles it so; the stubs allow a str
        _check_expression(node.sequence, scope=scope, problems=problems, line=line)
        sequence = node.sequence.var
        list_name = ".".join(sequence.lookups) if isinstance(sequence, Variable) and sequence.lookups else ""
        inner = dict(scope)
        inner["forloop"] = "forloop"
        for loopvar in node.loopvars:
            if list_name in LIST_ITEM_FIELDS:
                inner[loopvar] = list_name
            else:
                problems.append(TemplateProblem(
                    line, f"'{list_name or node.sequence.token}' is not a list you can loop over in a letter."
                ))
        _check_nodes(node.nodelist_loop, scope=inner, problems=problems, line=line)
        _check_nodes(node.nodelist_empty, scope=scope, problems=problems, line=line)
        return
    else:
        for attr in ("vars", "cyclevars"):  # firstof and cycle
            for expression in getattr(node, attr, None) or []:
                _check_expression(expression, scope=scope, problems=problems, line=line)
    for attr in getattr(node, "child_nodelists", ()):
        _check_nodes(getattr(node, attr, None) or [], scope=scope, problems=problems, line=line)


def _check_condition(condition, *, scope, problems, line) -> None:
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        _check_expression(value, scope=scope, problems=problems, line=line)
    for side in ("first", "second"):
        part = getattr(condition, side, None)
        if part is not None:
            _check_condition(part, scope=scope, problems=problems, line=line)


def _check_expression(expression: FilterExpression, *, scope, problems, line) -> None:
    _check_variable(expression.var, scope=scope, problems=problems, line=line)
    for _func, args in expression.filters:
        for is_lookup, arg in args:
            if is_lookup:
                _check_variable(arg, scope=scope, problems=problems, line=line)


def _check_variable(variable, *, scope: dict[str, str], problems: list[TemplateProblem], line: int) -> None:
    if not isinstance(variable, Variable) or variable.lookups is None:
        return  # a literal: "text" or 3
    head, *rest = variable.lookups
    path = ".".join(variable.lookups)
    if head in scope:
        if scope[head] == "forloop":
            known = len(rest) == 1 and rest[0] in FORLOOP_FIELDS
        else:
            known = len(rest) <= 1 and (not rest or rest[0] in LIST_ITEM_FIELDS[scope[head]])
    else:
        known = path in PLAIN_PATHS or path in LIST_ITEM_FIELDS
    if not known:
        problems.append(TemplateProblem(
            line, f"'{path}' is not one of the letter variables. See the list of variables you can use."
        ))


def _check_plain(value, where: str = "context") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: keys must be strings")
            _check_plain(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
    elif not isinstance(value, PLAIN_TYPES):
        raise TypeError(f"{where} is a {type(value).__name__}: letters are rendered from plain data only")


class LetterRenderError(ValidationError):
    """A letter template could not be filled in; the message says where and why, in words."""

    def __init__(self, problem: TemplateProblem):
        self.problem = problem
        super().__init__(f"The letter could not be written from its template. {problem}")


class EmptyLetterPart(ValueError):
    """Rendering would print a sentence with a hole in it ("The ban runs ."): `names` are the empty variables."""

    def __init__(self, names: list[str]):
        self.names = names
        super().__init__("The letter would print an empty part: " + ", ".join(names) + ". Fill it in first.")


def render_letter_template(body: str, context: dict, *, allow_empty: bool = True) -> str:
    """Render a letter body with the sealed engine. Autoescaped; raises TypeError on non-plain data.

    With `allow_empty=False`, refuses (EmptyLetterPart) a body that would print an empty variable
    outside an `{% if %}` (see `empty_variables`). Callers build `context` with `school_context`,
    `sample_letter_context` or their own plain dicts. Raises LetterRenderError (a ValidationError,
    with the line) when the template cannot be filled in.
    """
    _check_plain(context)
    template = _parse(body)
    if not allow_empty:
        empty = _empty_in(template.nodelist, context)
        if empty:
            raise EmptyLetterPart(empty)
    try:
        return template.render(Context(context, autoescape=True))
    except Exception as error:  # a filter's own failure, in whatever words Python gave it
        raise LetterRenderError(_render_problem(error)) from error


def _render_problem(error: Exception) -> TemplateProblem:
    # The engine runs with debug on, so Django notes where in the template the error happened.
    debug = getattr(error, "template_debug", None) or {}
    line = debug.get("line", 1)
    during = " ".join(str(debug.get("during", "")).split())[:120]
    if isinstance(error, TemplateSyntaxError):
        return TemplateProblem(line, _plain_syntax_message(str(error)))
    where = f"“{during}”" if during else "A part of the template"
    return TemplateProblem(
        line, f"{where} cannot be filled in: a filter there was given a kind of value it does not work on "
        "(for example |date on something that is not a date, or |first on a date). Change or remove the filter."
    )


def empty_variables(body: str, context: dict) -> list[str]:
    """The variables `body` prints unconditionally whose value in `context` is empty, in order.

    What sits inside `{% if %}` is optional by the template's own design, and so is a value with a
    `|default`; a loop over an empty list without `{% empty %}` counts as empty (it prints nothing
    after a sentence that announced it).
    """
    return _empty_in(_parse(body).nodelist, context)


def _blank(value) -> bool:
    return value is None or value == [] or value == {} or (isinstance(value, str) and not value.strip())


def _lookup(context: dict, lookups: tuple[str, ...]):
    value = context
    for name in lookups:
        if not isinstance(value, dict) or name not in value:
            return None
        value = value[name]
    return value


def _empty_in(nodelist, context: dict) -> list[str]:
    found: list[str] = []
    for node in nodelist:
        if isinstance(node, IfNode):
            continue
        if isinstance(node, VariableNode):
            expression = node.filter_expression
            filters = {getattr(func, "__name__", "") for func, _args in expression.filters}
            if filters & {"default", "default_if_none"}:
                continue
            variable = expression.var
        elif isinstance(node, ForNode):
            assert isinstance(node.sequence, FilterExpression)  # as in _check_node
            variable = node.sequence.var if not node.nodelist_empty else None
        else:
            for attr in getattr(node, "child_nodelists", ()):
                found += _empty_in(getattr(node, attr, None) or [], context)
            continue
        if isinstance(variable, Variable) and variable.lookups and _blank(_lookup(context, variable.lookups)):
            name = ".".join(variable.lookups)
            if name not in found:
                found.append(name)
    return found


def school_context(school) -> dict:
    """The `school` part of a letter context, as plain strings."""
    return {
        "name": school.name,
        "address": school.address,
        "postcode": school.postcode,
        "phone": school.phone,
        "email": school.email,
        "website": school.website,
        "head_teacher_name": school.head_teacher_name,
        "chair_of_governors_name": school.chair_of_governors_name,
        "safeguarding_lead_name": school.safeguarding_lead_name,
    }


def sample_letter_context(school, *, today: datetime.date | None = None) -> dict:
    """A complete, made-up letter context for previews: every documented variable has a value."""
    today = today or datetime.date.today()
    deadline_days = school.representation_school_days
    deadline = school_days_after(school=school, start=today, days=deadline_days)
    children = [
        {"name": "Amy Sample", "class_name": "Year 4"},
        {"name": "Ben Sample", "class_name": "Year 1"},
    ]
    return {
        "school": school_context(school),
        "recipient": {"full_name": "Sam Sample", "salutation": "Ms Sample",
                      "address": "12 Orchard Road\nHillside", "postcode": "EX1 4AB"},
        "parent": {"full_name": "Sam Sample", "salutation": "Ms Sample",
                   "address": "12 Orchard Road\nHillside", "postcode": "EX1 4AB"},
        "children": children,
        "child_names": " and ".join(child["name"] for child in children),
        "case_reference": f"{school.code}-{today.year}-0001",
        "conduct_summary": "On 3 March a message was posted in the Year 4 parents' WhatsApp group naming a "
        "member of staff and calling her incompetent.",
        "incident_date": today - datetime.timedelta(days=7),
        "group_name": "Year 4 parents",
        "concern_received_on": today - datetime.timedelta(days=6),
        "policy_title": "Code of conduct for parents' class groups and class lists",
        "policy_adopted_on": datetime.date(today.year - 1, 9, 1),
        "clauses_breached": [
            {"number": "1.1", "text": "Do not raise grievances about named members of staff.",
             "kind": "Guideline for group members"},
            {"number": "3.1", "text": "Abusive or personal comments about staff, children or other parents.",
             "kind": "Inappropriate activity"},
        ],
        "quoted_messages": [
            {"author": "Sam Sample", "sent_at": datetime.datetime.combine(today - datetime.timedelta(days=7),
                                                                         datetime.time(21, 14)),
             "text": "The Year 4 teacher is useless and should be sacked.", "clause": "3.1"},
        ],
        "decision_reasons": "The messages named a member of staff and were seen by about 30 parents.",
        "today": today,
        "meeting_at": datetime.datetime.combine(today + datetime.timedelta(days=7), datetime.time(15, 30)),
        "meeting_place": "the school office",
        "representations_deadline": deadline,
        "representations_deadline_in_words": deadline_in_words(deadline),
        "representations_school_days": deadline_days,
        "ban_start": today + datetime.timedelta(days=1),
        "ban_length": "until the end of the spring term",
        "ban_review_on": today + datetime.timedelta(days=56),
        "ban_conditions": "You may not enter the school buildings or grounds.",
        "ban_changes": "You may now attend the school office by appointment.",
        "effective_on": today,
        "child_arrangements": "Another adult may drop off and collect Amy and Ben at the main gate.\n"
        "Meetings about the children can be held by telephone or at the local library.",
        "free_text": "",
        "signatory": {"name": school.head_teacher_name, "role": "Head Teacher"},
    }
