from .cases import Case, CaseAccess, CaseEvent, Concern, ReferenceCounter
from .chats import ChatImport, ChatMark, ChatMedia, ChatMessage
from .evidence import Contact, Evidence, Statement
from .people import Child, Parent, ParentGroup
from .submissions import Submission
from .users import User

__all__ = [
    "Case", "CaseAccess", "CaseEvent", "ChatImport", "ChatMark", "ChatMedia", "ChatMessage", "Child",
    "Concern", "Contact", "Evidence",
    "Parent", "ParentGroup", "ReferenceCounter", "Statement", "Submission", "User",
]
