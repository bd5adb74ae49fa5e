from .cases import Case, CaseAccess, CaseEvent, Concern, ReferenceCounter
from .decisions import Complaint, Decision, DecisionImmutable, Recommendation, Representation, Sanction, SanctionStep
from .evidence import Contact, Evidence, Statement
from .people import Child, Parent, ParentGroup
from .submissions import Submission
from .users import User

__all__ = [
    "Case", "CaseAccess", "CaseEvent", "Child", "Complaint", "Concern", "Contact", "Decision", "DecisionImmutable",
    "Evidence", "Recommendation", "Representation", "Sanction", "SanctionStep",
    "Parent", "ParentGroup", "ReferenceCounter", "Statement", "Submission", "User",
]
