from .administration import AdministrationEvent, Invitation
from .cases import Case, CaseAccess, CaseEvent, Concern, ReferenceCounter
from .chats import ChatImport, ChatMark, ChatMedia, ChatMessage
from .decisions import (
    Complaint,
    Decision,
    DecisionImmutable,
    PanelConfirmation,
    Recommendation,
    Representation,
    ReviewParticipation,
    Sanction,
    SanctionStep,
)
from .evidence import Contact, Evidence, Statement
from .letters import Letter
from .notifications import Notification
from .parents import ParentCode, ParentLink
from .people import Child, Parent, ParentGroup
from .privacy import CaseTombstone, SubjectAccessRequest
from .reporting import ReportedFile
from .submissions import Submission
from .trusts import TrustStatisticsSnapshot
from .users import Membership, TrustMembership, TwoFactorReset, User

__all__ = [
    "AdministrationEvent", "Case", "CaseAccess", "CaseEvent", "CaseTombstone", "ChatImport", "ChatMark", "ChatMedia",
    "ChatMessage", "Child", "Complaint", "Concern", "Contact", "Decision", "DecisionImmutable", "Evidence",
    "Invitation", "Letter", "Membership", "Notification", "PanelConfirmation", "Parent", "ParentCode", "ParentGroup",
    "ParentLink",
    "Recommendation", "ReferenceCounter", "ReportedFile", "Representation", "ReviewParticipation", "Sanction",
    "SanctionStep",
    "Statement", "SubjectAccessRequest", "Submission", "TrustMembership", "TrustStatisticsSnapshot", "TwoFactorReset",
    "User",
]
