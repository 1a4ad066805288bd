"""Every practice feature's pages, nested once under the /<practice>/ prefix."""
from app.accounts.routes import bp as accounts_bp
from app.assessments.routes import bp as assessments_bp
from app.clients.routes import bp as clients_bp
from app.notifications.routes import bp as notifications_bp
from app.home.routes import bp as home_bp
from app.people.routes import bp as people_bp
from app.tenancy.routes import bp as practice_bp
from app.documents.routes import bp as documents_bp
from app.exercises.routes import bp as exercises_bp
from app.goals.routes import bp as goals_bp
from app.journal.routes import bp as journal_bp
from app.messages.routes import bp as messages_bp
from app.programmes.routes import bp as programmes_bp
from app.reports.routes import bp as reports_bp
from app.settings.routes import bp as settings_bp
from app.privacy.routes import bp as privacy_bp
from app.consent.routes import bp as consent_bp
from app.restrictions.routes import bp as restrictions_bp
from app.rights.routes import bp as rights_bp
from app.archive.routes import bp as archive_bp
from app.dossiers.routes import bp as dossiers_bp

# Nesting happens at import, which Python does once, while create_app() may run many times.
for _feature in (
    accounts_bp, home_bp, people_bp, clients_bp, notifications_bp,
    exercises_bp, programmes_bp, reports_bp, documents_bp, journal_bp, goals_bp, messages_bp, settings_bp,
    assessments_bp, privacy_bp, consent_bp, restrictions_bp, rights_bp, archive_bp, dossiers_bp,
):
    practice_bp.register_blueprint(_feature)

__all__ = ["practice_bp"]
