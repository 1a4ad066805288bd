"""Extension objects, created here and bound to the app in create_app()."""
from __future__ import annotations

from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from app.tenancy.session import RoutingSession


class Base(DeclarativeBase):
    """Declarative base shared by platform and practice models."""


__all__ = ["Base", "RoutingSession", "babel", "csrf", "db", "login_manager"]

db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
