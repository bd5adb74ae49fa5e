"""Reading a case's evidence, with the chat read from each export."""

from incidents.models import Case, Evidence


def case_evidence(case: Case) -> list[Evidence]:
    """The case's evidence, oldest first, each with who uploaded it and, if it was read as a chat,
    its chat (one query for both: see chat_imports_among)."""
    return list(case.evidence.select_related("uploaded_by", "chat_import"))
