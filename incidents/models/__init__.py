from .cases import Case, CaseAccess, CaseEvent, Concern, ReferenceCounter
from .evidence import Contact, Evidence, Statement
from .letters import Letter
from .notifications import Notification
from .people import Child, Parent, ParentGroup
from .privacy import CaseTombstone, SubjectAccessRequest
from .submissions import Submission
from .users import User

__all__ = [
    "Case", "CaseAccess", "CaseEvent", "CaseTombstone", "Child", "Concern", "Contact", "Evidence", "Letter",
    "Notification", "Parent", "ParentGroup", "ReferenceCounter", "Statement", "SubjectAccessRequest", "Submission",
    "User",
]
