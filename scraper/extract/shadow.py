"""Declarative shadow roots, read as a browser renders them.

A ``<template shadowrootmode="open|closed">`` (Chrome's earlier ``shadowroot`` attribute
likewise) is not inert: the HTML parser attaches its content to the parent element as a
shadow root, and that is what the reader sees. The host's own children show only where a
``<slot>`` of the shadow tree takes them (by their ``slot`` name, unnamed ones in the
default slot); the rest are not rendered. Pages rendered on the server by web components put
the whole article there. lexbor parses such a template like any other: its content is a
fragment outside the tree. Here it is moved into the tree in the template's place, with the
host's children put into their slots, so that every later step reads the page as shown. Any
other template is inert, shows nothing, and goes.
"""

from __future__ import annotations

from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode

__all__ = ["render_templates"]

#: The attributes that make a template a shadow root, the standard one first.
_MODE_ATTRIBUTES: Final = ("shadowrootmode", "shadowroot")
_MODES: Final = frozenset({"open", "closed"})
#: Built-in elements that may host a shadow root (the DOM's attachShadow list); any other
#: built-in element keeps the template as an inert one.
_HOST_TAGS: Final = frozenset(
    {
        "article", "aside", "blockquote", "body", "div", "footer", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "main", "nav", "p", "section", "span",
    }
)  # fmt: skip
#: Names with a hyphen that are not custom element names.
_RESERVED_NAMES: Final = frozenset(
    {
        "annotation-xml", "color-profile", "font-face", "font-face-src", "font-face-uri",
        "font-face-format", "font-face-name", "missing-glyph",
    }
)  # fmt: skip
#: Shadow roots nested inside shadow roots, levels attached: each level is one more walk of
#: the tree, and deeper ones are left as inert templates.
_MAX_LEVELS: Final = 32


def render_templates(tree: LexborHTMLParser) -> None:
    """Templates as a browser renders them: a declarative shadow root's content in place of its
    template, the host's children in its slots; any other template removed."""
    seen: set[int] = set()
    hosts: set[int] = set()
    templates: list[LexborNode] = []
    for _ in range(_MAX_LEVELS):
        # A round attaches the roots in the tree; the next one those their content held.
        fresh = [t for t in tree.tags("template") if t.mem_id not in seen]
        attached = False
        for template in fresh:
            seen.add(template.mem_id)
            templates.append(template)
            host = template.parent
            if host is None or host.mem_id in hosts or not _is_shadow_root(template, host):
                continue
            hosts.add(host.mem_id)
            _render(host, template)
            attached = True
        if not attached:
            break
    else:
        templates.extend(tree.tags("template"))  # the levels left unattached
    # Removed only at the end. selectolax's decompose() unlinks and does not free, so the
    # views held stay valid; one inside a subtree already removed is removed again harmlessly.
    for template in templates:
        template.decompose()


def _is_shadow_root(template: LexborNode, host: LexborNode) -> bool:
    attributes = template.attributes
    mode = None
    for name in _MODE_ATTRIBUTES:
        if name in attributes:
            mode = attributes[name]
            break
    if mode is None or mode.lower() not in _MODES:
        return False
    tag = host.tag or ""
    if tag in _HOST_TAGS:
        return True
    # A custom element's name: a lower-case ASCII letter first, and a hyphen.
    return "-" in tag and "a" <= tag[0] <= "z" and tag not in _RESERVED_NAMES


def _render(host: LexborNode, template: LexborNode) -> None:
    """Fill the shadow tree's slots with the host's children, then show the shadow tree only."""
    fragments = template.template_fragments()
    content = fragments[0] if fragments else None
    light = [child for child in host.iter(include_text=True) if child.mem_id != template.mem_id]
    if content is not None:
        _fill_slots(content, light)
    # What no slot took is not rendered; comments never are.
    for child in light:
        if child.parent is not None and child.parent.mem_id == host.mem_id:
            child.decompose()
    if content is None:
        return
    node = content.first_child
    while node is not None:
        following = node.next
        template.insert_before(node, move=True)
        node = following


def _fill_slots(content: LexborNode, light: list[LexborNode]) -> None:
    slots = content.css("slot")
    by_name: dict[str, LexborNode] = {}
    for slot in slots:
        # The first slot of a name takes the children; a later one shows its own content.
        by_name.setdefault(slot.attributes.get("name") or "", slot)
    taken: dict[int, list[LexborNode]] = {}
    for child in light:
        if child.is_comment_node:
            continue
        name = (child.attributes.get("slot") or "") if child.is_element_node else ""
        target = by_name.get(name)
        if target is not None:
            taken.setdefault(target.mem_id, []).append(child)
    for slot in slots:
        nodes = taken.get(slot.mem_id)
        if nodes is None:
            continue  # nothing assigned: the slot shows its own content
        # The slot stays as the wrapper a browser lays out through: a template it holds is
        # then never taken for a root of the element around it (a slot hosts none).
        for own in list(slot.iter(include_text=True)):
            own.decompose()
        for node in nodes:
            slot.insert_child(node, move=True)
