"""Disposal at the end of the retention period: the only code that ever deletes a case.

A case is removed with everything that hangs from it (concerns, evidence files, statements,
contacts, timeline, decisions, letters, chats — whatever points at it, found by walking the
model relations, so a new kind of record is covered without changes here) and with their
field history. A tombstone keeps the reference, the dates, who authorised it and when.
"""

from collections import Counter

from django.db import models

from incidents.models import Case


def _has_history(model) -> bool:
    return hasattr(model, "history") and hasattr(model.history, "model")


def _purge(queryset: models.QuerySet, removed: Counter, seen: frozenset = frozenset()) -> None:
    model = queryset.model
    ids = list(queryset.values_list("pk", flat=True))
    if not ids:
        return
    for relation in model._meta.related_objects:
        related = relation.related_model
        if relation.many_to_many or related._meta.auto_created:
            continue  # through rows go with their owner
        if related is model or related in seen:
            continue  # self-links are cleared below; cycles are not followed
        _purge(related._default_manager.filter(**{f"{relation.field.name}__in": ids}), removed, seen | {model})
    self_links = [f for f in model._meta.fields if f.is_relation and f.related_model is model and f.null]
    if self_links:
        queryset.model._default_manager.filter(pk__in=ids).update(**{f.name: None for f in self_links})
    file_fields = [f for f in model._meta.fields if isinstance(f, models.FileField)]
    if file_fields:
        for row in model._default_manager.filter(pk__in=ids):
            for file_field in file_fields:
                stored = getattr(row, file_field.name)
                if stored:
                    stored.storage.delete(stored.name)
    model._default_manager.filter(pk__in=ids).delete()
    if _has_history(model):  # after the delete, which itself adds a "deleted" history record
        model.history.model.objects.filter(id__in=ids).delete()
    removed[model._meta.verbose_name_plural.capitalize()] += len(ids)


def case_purge_content(case: Case) -> dict[str, int]:
    """Delete the case and everything that hangs from it. Returns counts by kind. Call only from
    services.case_dispose, inside its transaction."""
    removed: Counter = Counter()
    _purge(Case.objects.filter(pk=case.pk), removed)
    return dict(removed)
