from .cases import Case, CaseAccess, CaseEvent, Concern, ReferenceCounter
from .evidence import Contact, Evidence, Statement
from .letters import Letter
from .people import Child, Parent, ParentGroup
from .submissions import Submission
from .users import User

__all__ = [
    "Case", "CaseAccess", "CaseEvent", "Child", "Concern", "Contact", "Evidence",
    "Letter", "Parent", "ParentGroup", "ReferenceCounter", "Statement", "Submission", "User",
]
