from .cases import Case, CaseAccess, CaseEvent, Concern, ReferenceCounter
from .chats import ChatImport, ChatMark, ChatMedia, ChatMessage
from .evidence import Contact, Evidence, Statement
from .letters import Letter
from .people import Child, Parent, ParentGroup
from .privacy import CaseTombstone, SubjectAccessRequest
from .submissions import Submission
from .users import User

__all__ = [
    "Case", "CaseAccess", "CaseEvent", "CaseTombstone", "ChatImport", "ChatMark", "ChatMedia", "ChatMessage",
    "Child", "Concern", "Contact", "Evidence", "Letter", "Parent", "ParentGroup", "ReferenceCounter", "Statement",
    "SubjectAccessRequest", "Submission", "User",
]
