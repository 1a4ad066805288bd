"""The operator console's pages, nested once under the reserved /platform prefix."""
from app.billing.routes import bp as billing_bp
from app.console import readonly
from app.console.routes import bp as console_bp
from app.retention.routes import bp as retention_bp
from app.tenancy.routes import bp as practice_bp

# Nesting happens at import, which Python does once, while create_app() may run many times.
for _feature in (billing_bp, retention_bp):
    console_bp.register_blueprint(_feature)

# A suspended or read-only practice is decided once, for every practice page.
readonly.install(practice_bp, console_bp)

__all__ = ["console_bp"]
