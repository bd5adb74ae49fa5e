"""Reading letters: those a user may see (the cases they may see, through cases_visible_to), a case's
letters, one letter for a user."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.shortcuts import get_object_or_404

from incidents.access.visibility import _IsTrue, cases_visible_to, sees_every_case
from incidents.models import Case, Decision, Letter, Sanction, SanctionStep, User
from policies.models import LetterTemplate


def letters_visible_to(user: User, *, for_page: bool = False):
    """Letters of the cases this user may see (and no others): the register and every letter page start here.

    `for_page`: the same letters, for one page of the ordered register (see cases_visible_to).
    """
    of_visible_cases = Q(case__in=cases_visible_to(user))
    if for_page and not sees_every_case(user):  # all cases: nothing to test each letter against
        return Letter.objects.filter(_IsTrue(of_visible_cases)).select_related(*LETTER_RELATED)
    return Letter.objects.filter(of_visible_cases).select_related(*LETTER_RELATED)


# What a letter's row in a list shows besides the letter.
LETTER_RELATED = ("case", "template_version__template", "issued_by", "approved_by", "created_by")


def case_letters(case: Case):
    """The case's letters, newest first, each with its template (the case page names it)."""
    return list(case.letters.select_related("template_version__template"))


def letter_for(user: User, pk: int):
    """The letter if the user may see its case; 404 otherwise, as for the case itself."""
    return get_object_or_404(letters_visible_to(user), pk=pk)


def case_step_letters(letters: list[Letter]) -> dict[str, Letter]:
    """The latest of these letters (a case's) for each step, by step token ("decision-3", "step-9")."""
    kinds = {ContentType.objects.get_for_model(model).pk: kind  # cached by Django after the first call
             for kind, model in (("decision", Decision), ("sanction", Sanction), ("step", SanctionStep))}
    by_step: dict[str, Letter] = {}
    for letter in sorted(letters, key=lambda letter: (letter.version, letter.pk)):
        if letter.step_id is not None and letter.step_type_id in kinds:
            by_step[f"{kinds[letter.step_type_id]}-{letter.step_id}"] = letter
    return by_step


def letter_names(case: Case) -> dict[str, str]:
    """The school's name for each kind of letter: "Cautionary notice"."""
    return dict(LetterTemplate.objects.filter(school=case.school_id).values_list("purpose", "name"))
