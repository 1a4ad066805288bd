"""Every model, imported once so the metadata (and the schema test) sees all tables."""
from app.accounts import models as accounts_models  # noqa: F401
from app.audit import models as audit_models  # noqa: F401
from app.clients import models as clients_models  # noqa: F401
from app.notifications import models as notifications_models  # noqa: F401
from app.settings import models as settings_models  # noqa: F401
from app.tenancy import models as tenancy_models  # noqa: F401
