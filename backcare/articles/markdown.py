"""Markdown to safe HTML, done once when an item is saved rather than per request."""

from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt

# "js-default" escapes raw HTML in the source; nh3 is the second line of defence.
_md = MarkdownIt("js-default")

_ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote",
    "code", "pre", "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def _site_or_https(element: str, attribute: str, value: str) -> str | None:
    """Keep a link only if it is https:, mailto:, a path on this site ("/relief/") or a
    place on the page ("#..."). nh3 keeps every relative address, and "//host/" is one
    that leaves the site (browsers read "/\\host/" the same way)."""
    if element != "a" or attribute != "href":
        return value
    plain = unquote(value).lstrip()
    for char in "\t\n\r":  # browsers drop these inside an address
        plain = plain.replace(char, "")
    if plain.replace("\\", "/").startswith("//"):
        return None
    if plain.startswith(("/", "#")) or plain.lower().startswith(("https:", "mailto:")):
        return value
    return None


def render_markdown(source: str) -> str:
    html = _md.render(source)
    return nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        attribute_filter=_site_or_https,
        url_schemes={"https", "mailto"},
        link_rel="noopener noreferrer",
    )
