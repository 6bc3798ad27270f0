"""The audit trail: who did what, when, to which case, append-only and hash-chained."""

from engine.audit.entry import GENESIS_HASH, AuditAction, AuditDraft, AuditEntry
from engine.audit.listing import AUDIT_PATH, audit_page, audit_query
from engine.audit.pending import pending_audit, recorded_with
from engine.audit.trail import AUDIT_DB_FILE, AuditQuery, AuditTrail, VerifyResult

__all__ = [
    "AUDIT_DB_FILE",
    "AUDIT_PATH",
    "GENESIS_HASH",
    "AuditAction",
    "AuditDraft",
    "AuditEntry",
    "AuditQuery",
    "AuditTrail",
    "VerifyResult",
    "audit_page",
    "audit_query",
    "pending_audit",
    "recorded_with",
]
