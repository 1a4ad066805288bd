"""Every practice feature's pages, nested once under the /<practice>/ prefix."""
from app.accounts.routes import bp as accounts_bp
from app.clients.routes import bp as clients_bp
from app.notifications.routes import bp as notifications_bp
from app.home.routes import bp as home_bp
from app.people.routes import bp as people_bp
from app.tenancy.routes import bp as practice_bp

# Nesting happens at import, which Python does once, while create_app() may run many times.
for _feature in (accounts_bp, home_bp, people_bp, clients_bp, notifications_bp):
    practice_bp.register_blueprint(_feature)

__all__ = ["practice_bp"]
