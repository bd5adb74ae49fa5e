"""Subject access: everything held about one parent, as a zip with a PDF summary and the originals."""

import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from incidents.cases.selectors import case_timeline
from incidents.models import Case, Letter, Parent, Statement, SubjectAccessRequest
from policies.pdf import html_to_pdf

WITHHELD = "[name withheld]"


@dataclass
class Redactor:
    """Replaces other people's names with a marker, when the person exporting chooses to."""

    names: set[str] = field(default_factory=set)
    enabled: bool = True

    def __post_init__(self):
        names = sorted({n.strip() for n in self.names if n and len(n.strip()) > 2}, key=len, reverse=True)
        self._pattern = re.compile("|".join(rf"\b{re.escape(n)}\b" for n in names), re.I) if names else None

    def __call__(self, text: str) -> str:
        if not self.enabled or self._pattern is None or not text:
            return text
        return self._pattern.sub(WITHHELD, text)


def _other_people(parent: Parent, cases: list[Case]) -> set[str]:
    """Names of people other than the subject that appear in these cases: other parents, their
    children, people who raised concerns, people who gave statements."""
    names: set[str] = set()
    own_children = {c.pk for c in parent.children.all()}
    for case in cases:
        for other in case.parents.exclude(pk=parent.pk):
            names.add(other.full_name)
        for concern in case.concerns.all():
            names.add(concern.raised_by_name)
            for other in concern.parents.exclude(pk=parent.pk):
                names.add(other.full_name)
        for statement in case.statements.all():
            if statement.given_by.lower() != parent.full_name.lower():
                names.add(statement.given_by)
        for contact in case.contacts.all():
            if contact.parent_id != parent.pk:
                names.add(contact.with_whom)
    for other_parent in Parent.objects.filter(cases__in=cases).exclude(pk=parent.pk).prefetch_related("children"):
        names.update(f"{c.first_name} {c.last_name}" for c in other_parent.children.all() if c.pk not in own_children)
    names.discard(parent.full_name)
    return names


def subject_access_export(*, access_request: SubjectAccessRequest, redact_others: bool) -> tuple[str, bytes]:
    """Build the export. Returns (file name, zip bytes). Writes nothing (the caller records it).

    Contents: summary.pdf (the parent's record, every case about them with its concerns,
    statements, contacts and timeline), statements-by-them.txt, letters/ (every letter PDF sent
    to them), and evidence/<case>/<file> — the original files byte for byte (they are not
    redacted: review them before release).
    """
    parent = access_request.parent
    cases = list(
        Case.objects.filter(parents=parent).select_related("lead").prefetch_related("parents").order_by("opened_at")
    )
    redact = Redactor(names=_other_people(parent, cases), enabled=redact_others)
    sections: list[dict[str, Any]] = []
    for case in cases:
        sections.append({
            "case": case,
            "concerns": [
                {"received_at": c.received_at, "channel": c.get_channel_display(),
                 "raised_by": "Another person" if redact_others or c.raised_anonymously else c.raised_by_name,
                 "description": redact(c.description)}
                for c in case.concerns.filter(parents=parent)
            ],
            "statements": [{"given_by": redact(s.given_by), "given_on": s.given_on, "text": redact(s.text)}
                           for s in case.statements.all()],
            "contacts": [{"happened_at": c.happened_at, "method": c.get_method_display(),
                          "with_whom": redact(c.with_whom), "summary": redact(c.summary),
                          "agreed_actions": redact(c.agreed_actions)} for c in case.contacts.all()],
            "timeline": [{"at": e.at, "summary": redact(e.summary)} for e in case_timeline(case)],
            "evidence": list(case.evidence.all()),
        })
    html = render_to_string("incidents/records/sar_summary.html", {
        "request": access_request, "parent": parent, "sections": sections, "redacted": redact_others,
        "generated_at": timezone.now(),
    })
    pdf = html_to_pdf(html)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.pdf", pdf)
        own = Statement.objects.filter(case__in=cases, given_by__iexact=parent.full_name)
        archive.writestr("statements-by-them.txt", "\n\n".join(
            f"{s.case.reference}, {s.given_on:%d %B %Y}:\n{s.text}" for s in own) or "None recorded.\n")
        letters = Letter.objects.filter(recipient_parent=parent, case__in=cases).exclude(pdf="")
        for letter in letters.select_related("case"):
            with letter.pdf.open("rb") as handle:
                archive.writestr(f"letters/{letter.case.reference}-{letter.purpose}-v{letter.version}.pdf",
                                 handle.read())
        for section in sections:
            for item in section["evidence"]:
                with item.file.open("rb") as handle:
                    archive.writestr(f"evidence/{section['case'].reference}/{item.pk}-{item.original_name}",
                                     handle.read())
    name = f"subject-access-{parent.last_name.lower()}-{timezone.localdate():%Y%m%d}.zip"
    return name, buffer.getvalue()
