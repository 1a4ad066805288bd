"""Audit action codes in plain words, for a client's access log and the admin's audit search.

One mapping from the codes features pass to audit() (grep `audit(` in app/) to a short,
translated phrase that reads the same from the client's side ("Coach Alice Jansen · Dossier
opened") and the admin's. A code missing here is described from its parts ("exercise.*"
gives "Exercise viewed" or "Exercise changed"), so a new feature never shows a raw code
to a client; add its own phrase here when it lands.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ACTIONS: dict[str, str] = {
    # accounts
    "login": _l("Signed in"),
    "login.failed": _l("Failed sign-in attempt"),
    "logout": _l("Signed out"),
    "password.changed": _l("Password changed"),
    "password.reset": _l("Password reset with a reset link"),
    "password.reset_requested": _l("Password reset link requested"),
    "invitation.accepted": _l("Invitation accepted"),
    "user.created": _l("Account created"),
    "user.invited": _l("Invitation sent"),
    "user.activated": _l("Account reactivated"),
    "user.deactivated": _l("Account deactivated"),
    "coach.assigned": _l("Coach assigned"),
    "coach.unassigned": _l("Coach no longer assigned"),
    # the dossier
    "client.created": _l("Dossier created"),
    "dossier.read": _l("Dossier opened"),
    "details.read": _l("Contact details viewed"),
    "details.corrected": _l("Contact details corrected"),
    # exercises
    "exercise.assigned": _l("Exercise given"),
    "exercise.answer_saved": _l("Exercise answer saved"),
    "exercise.answers_read": _l("Exercise answers read"),
    "exercise.submitted": _l("Exercise handed in"),
    "exercise.reopened": _l("Exercise reopened"),
    "exercise.feedback_saved": _l("Feedback on an exercise written"),
    # session reports
    "report.create": _l("Session report written"),
    "report.update": _l("Session report changed"),
    "report.list": _l("Session reports listed"),
    "report.read": _l("Session report read"),
    "report.history.read": _l("Earlier versions of a session report viewed"),
    "report.version.read": _l("Earlier version of a session report read"),
    # documents
    "document.create": _l("Document uploaded"),
    "document.delete": _l("Document deleted"),
    "document.download": _l("Document downloaded"),
    "document.list": _l("Documents listed"),
    "document.read": _l("Document viewed"),
    # journal
    "journal.create": _l("Journal entry written"),
    "journal.update": _l("Journal entry changed"),
    "journal.delete": _l("Journal entry deleted"),
    "journal.list": _l("Journal listed"),
    "journal.read": _l("Journal entry read"),
    "journal.share": _l("Journal entry shared with the coach"),
    "journal.unshare": _l("Journal entry no longer shared"),
    # goals
    "goal.created": _l("Goal added"),
    "goal.updated": _l("Goal changed"),
    "goal.deleted": _l("Goal deleted"),
    "goal.read": _l("Goal opened"),
    "goals.read": _l("Goals viewed"),
    "goal.exercises_linked": _l("Exercises linked to a goal"),
    # messages
    "message.sent": _l("Message sent"),
    "messages.read": _l("Messages read"),
    # programmes
    "programme.created": _l("Programme started"),
    "programme.updated": _l("Programme changed"),
    "programme.read": _l("Programme viewed"),
    "programme.step_added": _l("Programme step added"),
    "programme.step_moved": _l("Programme step moved"),
    "programme.step_removed": _l("Programme step removed"),
    "programme.step_read": _l("Programme step read"),
    "programmes.listed": _l("Programmes listed"),
    # questionnaires (assessments) and 360-degree feedback
    "assessment.assigned": _l("Questionnaire given"),
    "assessment.answers_saved": _l("Questionnaire answers saved"),
    "assessment.answers_read": _l("Questionnaire answers read"),
    "assessment.submitted": _l("Questionnaire handed in"),
    "assessment.result_read": _l("Questionnaire result viewed"),
    "assessment.note_saved": _l("Interpretation of a questionnaire written"),
    "assessment.rater_invited": _l("Feedback giver invited"),
    "assessment.rater_form_opened": _l("Feedback form opened by a feedback giver"),
    "assessment.rater_answered": _l("Feedback given by a feedback giver"),
    "assessment.rater_link_refused": _l("Expired or used feedback link refused"),
    "assessment.rater_answers_read": _l("Feedback from others viewed"),
    "assessment.raters_read": _l("Feedback givers listed"),
    "assessment.raters_closed": _l("Feedback round closed"),
    # practice (admin) work, not about one client
    "exercise.created": _l("Exercise created"),
    "exercise.updated": _l("Exercise changed"),
    "exercise.archived": _l("Exercise archived"),
    "exercise.restored": _l("Exercise restored"),
    "exercise.version_created": _l("New version of an exercise made"),
    "exercise.question_added": _l("Question added to an exercise"),
    "exercise.question_changed": _l("Question of an exercise changed"),
    "exercise.question_moved": _l("Question of an exercise moved"),
    "exercise.question_removed": _l("Question removed from an exercise"),
    "instrument.imported": _l("Questionnaire imported"),
    "settings.updated": _l("Practice settings changed"),
    # privacy
    "privacy_settings.updated": _l("Privacy settings changed"),
    "processor.created": _l("Processor added to the register"),
    "processor.updated": _l("Processor in the register changed"),
    "processor.deleted": _l("Processor removed from the register"),
    "audit_log.searched": _l("Audit log searched"),
    # consent, restriction, requests, erasure and the take-away archive
    "consent.given": _l("Consent given"),
    "consent.withdrawn": _l("Consent withdrawn"),
    "consent_version.published": _l("New consent text published"),
    "marketing.opted_in": _l("Signed up for news and marketing mail"),
    "marketing.opted_out": _l("Signed off from news and marketing mail"),
    "restriction.started": _l("Use of the dossier restricted"),
    "restriction.lifted": _l("Restriction of the dossier lifted"),
    "restrictions.read": _l("Restriction of the dossier viewed"),
    "data_request.opened": _l("Privacy request received"),
    "data_request.identity_confirmed": _l("Identity confirmed for a privacy request"),
    "data_request.started": _l("Privacy request taken in hand"),
    "data_request.done": _l("Privacy request completed"),
    "data_request.refused": _l("Privacy request refused"),
    "data_request.read": _l("Privacy request viewed"),
    "client.erased": _l("Client's data erased"),
    "client.anonymised": _l("Client's data anonymised after the retention period"),
    "dossier.extended": _l("Retention period of the dossier extended"),
    "dossier_policy.updated": _l("Dossier retention policy changed"),
    "archive.export_requested": _l("Export of data requested"),
    "archive.exported": _l("Data exported"),
    "archive.downloaded": _l("Export downloaded"),
    "archive.imported": _l("Archive imported"),
}

# For codes without their own phrase: what the first part names ...
_THINGS: dict[str, str] = {
    "account": _l("Account"),
    "archive": _l("Export"),
    "assessment": _l("Questionnaire"),
    "audit_log": _l("Audit log"),
    "client": _l("Dossier"),
    "consent": _l("Consent"),
    "consent_version": _l("Consent"),
    "data_request": _l("Privacy request"),
    "details": _l("Contact details"),
    "document": _l("Document"),
    "dossier": _l("Dossier"),
    "exercise": _l("Exercise"),
    "export": _l("Export"),
    "goal": _l("Goal"),
    "journal": _l("Journal"),
    "login": _l("Account"),
    "marketing": _l("News and marketing mail"),
    "message": _l("Messages"),
    "password": _l("Account"),
    "privacy": _l("Privacy settings"),
    "processor": _l("Processor register"),
    "programme": _l("Programme"),
    "report": _l("Session report"),
    "request": _l("Privacy request"),
    "restriction": _l("Restriction of the dossier"),
    "rights": _l("Privacy request"),
    "user": _l("Account"),
}
# ... and which last parts only look at something.
_READS = ("read", "list", "listed", "viewed", "opened", "download", "downloaded", "searched")


def describe(action: str) -> str:
    """The plain-language phrase for an audit action code (translated)."""
    known = ACTIONS.get(action)
    if known is not None:
        return str(known)
    parts = action.split(".")
    head = parts[0]
    thing = _THINGS.get(head) or _THINGS.get(head.rstrip("s"))
    if thing is None:
        return _("Other activity")
    if any(parts[-1] == r or parts[-1].endswith("_" + r) for r in _READS) and len(parts) > 1:
        return _("%(thing)s viewed", thing=thing)
    return _("%(thing)s changed", thing=thing)


def known_actions() -> list[str]:
    """Every action code with its own phrase, sorted."""
    return sorted(ACTIONS)
