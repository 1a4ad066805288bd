"""Markdown that coaches write (instructions, step texts), rendered and then sanitised."""
from __future__ import annotations

import markdown as markdown_lib
import nh3
from flask import Flask
from markupsafe import Markup

# Headings start at h3: the page and its sections own h1 and h2.
ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "a", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> Markup:
    """HTML for text written in Markdown; anything outside the allow-list (scripts, raw HTML, styles) is removed."""
    html = markdown_lib.markdown(text or "", extensions=["sane_lists", "nl2br"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 (sanitised just above)


def init_app(app: Flask) -> None:
    """Make `{{ text|markdown }}` available in templates."""
    app.jinja_env.filters["markdown"] = render_markdown
