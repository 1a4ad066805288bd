"""Every model, imported once so the metadata (and the schema test) sees all tables."""
from app.accounts import models as accounts_models  # noqa: F401
from app.assessments import models as assessments_models  # noqa: F401
from app.audit import models as audit_models  # noqa: F401
from app.clients import models as clients_models  # noqa: F401
from app.documents import models as documents_models  # noqa: F401
from app.exercises import models as exercises_models  # noqa: F401
from app.goals import models as goals_models  # noqa: F401
from app.journal import models as journal_models  # noqa: F401
from app.messages import models as messages_models  # noqa: F401
from app.notifications import models as notifications_models  # noqa: F401
from app.programmes import models as programmes_models  # noqa: F401
from app.reports import models as reports_models  # noqa: F401
from app.settings import models as settings_models  # noqa: F401
from app.tenancy import models as tenancy_models  # noqa: F401
