"""The syntax of Docusaurus and Hugo pages the body conversion reads: admonition kinds and
their labels, Hugo shortcodes and their arguments, MDX and HTML lines, links."""

from __future__ import annotations

import re

__all__ = [
    "ADMONITION_CLOSE",
    "ADMONITION_KIND",
    "ADMONITION_LABELS",
    "ADMONITION_OPEN",
    "ALERT",
    "BR",
    "CLOSING_TAIL",
    "CODE_SHORTCODES",
    "CODE_SPAN",
    "EXPORT",
    "FENCE",
    "H1",
    "HEADING_ID",
    "HTML_ONLY",
    "HTML_WRAP",
    "IMPORT",
    "JSX_TAG",
    "LINK",
    "LINK_SCHEMES",
    "MDX_COMMENT",
    "PAIRED_INLINE",
    "PRE_CLOSE",
    "PRE_OPEN",
    "QUOTE_SHORTCODES",
    "REFDEF",
    "SCHEME",
    "SCRIPT_OPEN",
    "SHORTCODE",
    "SNIPPETISH",
    "TRANSLATED_LABELS",
    "admonition_label",
    "shortcode_args",
    "shortcode_label",
]

#: Admonition kinds (Docusaurus `:::kind`, Hugo notice/hint kinds, GitHub alerts) and their label.
ADMONITION_LABELS = {
    "note": "Note",
    "tip": "Tip",
    "info": "Info",
    "warning": "Warning",
    "caution": "Caution",
    "danger": "Danger",
    "important": "Important",
    "success": "Success",
    "secondary": "Note",
    "primary": "Note",
}
_KINDS = ("note", "tip", "info", "warning", "caution", "danger", "important", "success")
#: Kinds that are another's synonym (Bootstrap colours in Hugo themes).
ADMONITION_KIND = {**{k: k for k in _KINDS}, "secondary": "note", "primary": "note"}
#: Hugo shortcodes that hold an admonition (their first argument or `title=` names the kind).
QUOTE_SHORTCODES = frozenset({"notice", "hint", "alert", "callout", "admonition", "expand"})
QUOTE_SHORTCODES |= frozenset({"details", *ADMONITION_LABELS})
#: Hugo shortcodes that hold code or a diagram: a fenced block of that language.
CODE_SHORTCODES = {"highlight": "", "mermaid": "mermaid", "katex": "latex", "math": "latex"}

FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
ADMONITION_OPEN = re.compile(r"^\s*(:{3,})\s*([A-Za-z][\w-]*)(.*)$")
ADMONITION_CLOSE = re.compile(r"^\s*:{3,}\s*$")
_ARGS = r"((?:(?!\}\}).)*?)"  # a shortcode's arguments: up to its closing braces
SHORTCODE = re.compile(r"\{\{([<%])(/\*)?\s*(/?)\s*([\w.-]+)" + _ARGS + r"(\*/)?\s*[>%]\}\}")
_PARAM = re.compile(r'(?:([\w-]+)\s*=\s*)?(?:"([^"]*)"|\'([^\']*)\'|([^\s"\'=/]+))')
IMPORT = re.compile(r"^\s*(import\s.*\bfrom\s+['\"].*['\"]|import\s+['\"].*['\"]);?\s*$")
EXPORT = re.compile(r"^\s*export\s")
JSX_TAG = re.compile(r"^\s*<(/?)([A-Z][\w.]*)")
HTML_ONLY = re.compile(r"^\s*</?([a-z][\w-]*)(?:\s[^>]*)?/?>\s*$")
HTML_WRAP = re.compile(r"^\s*<([a-z][\w-]*)(?:\s[^>]*)?>(.*)</\1>\s*$")
PAIRED_INLINE = re.compile(
    r"\{\{([<%])\s*([\w.-]+)" + _ARGS + r"\s*[>%]\}\}(.*?)\{\{[<%]\s*/\s*\2\s*[>%]\}\}"
)
ALERT = re.compile(r"^(\s*>\s*)\[!([A-Za-z]+)\][ \t]*(.*)$")
HEADING_ID = re.compile(r"^(#{1,6}\s.*?)\s*\{#[\w.:-]+\}\s*$")
CLOSING_TAIL = re.compile(r"\{\{[<%]\s*/\s*([\w.-]+)\s*[>%]\}\}$")
#: A block whose content is code for the browser, never text: dropped with it.
SCRIPT_OPEN = re.compile(r"^\s*<(script|style|iframe)\b", re.IGNORECASE)
PRE_OPEN = re.compile(r"^\s*<pre>(?:<code[^>]*>)?\s*$")
PRE_CLOSE = re.compile(r"^\s*(?:</code>)?</pre>\s*$")
H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")
LINK = re.compile(
    r"(!?)\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\(\s*<?([^)\s>]*)>?(\s+\"[^\"]*\")?\s*\)"
)
REFDEF = re.compile(r"^(\s{0,3}\[[^\]]+\]:\s*)(\S+)(.*)$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
#: The schemes a unit's link may have (the channels' own list, and our `unit:`/`snippet:`).
LINK_SCHEMES = frozenset({"http", "https", "mailto", "tel", "unit", "snippet"})
SNIPPETISH = re.compile(r"\{\{(?=\s*[a-z][a-z0-9_]*\s*\}\})")
MDX_COMMENT = re.compile(r"\{/\*.*?\*/\}")
BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
CODE_SPAN = re.compile(r"(`+)(.+?)\1")


#: The labels in the languages of our data sets and of the sites we read (else English).
TRANSLATED_LABELS = {
    "ru": dict(
        zip(
            _KINDS,
            (
                "Примечание",
                "Совет",
                "Информация",
                "Внимание",
                "Осторожно",
                "Опасно",
                "Важно",
                "Готово",
            ),
            strict=True,
        )
    ),
    "bg": dict(
        zip(
            _KINDS,
            (
                "Бележка",
                "Съвет",
                "Информация",
                "Внимание",
                "Внимание",
                "Опасност",
                "Важно",
                "Готово",
            ),
            strict=True,
        )
    ),
    "fr": dict(
        zip(
            _KINDS,
            (
                "Remarque",
                "Astuce",
                "Info",
                "Avertissement",
                "Attention",
                "Danger",
                "Important",
                "Succès",
            ),
            strict=True,
        )
    ),
    "de": dict(
        zip(
            _KINDS,
            ("Hinweis", "Tipp", "Info", "Warnung", "Vorsicht", "Gefahr", "Wichtig", "Erfolg"),
            strict=True,
        )
    ),
    "es": dict(
        zip(
            _KINDS,
            (
                "Nota",
                "Consejo",
                "Información",
                "Advertencia",
                "Precaución",
                "Peligro",
                "Importante",
                "Éxito",
            ),
            strict=True,
        )
    ),
    "zh": dict(
        zip(_KINDS, ("注意", "提示", "信息", "警告", "小心", "危险", "重要", "成功"), strict=True)
    ),
}


def admonition_label(kind: str, title: str, locale: str = "en") -> str:
    """The bold first line of a quote made from an admonition: its kind (in the page's
    language when we know the word), then its title."""
    english = ADMONITION_LABELS.get(kind)
    words = TRANSLATED_LABELS.get(locale.split("-")[0], {})
    name = words.get(ADMONITION_KIND.get(kind, ""), english) if english else None
    name = name or kind.replace("-", " ").replace("_", " ").capitalize()
    if title and title.lower() != name.lower():
        return f"**{name}: {title}**" if name else f"**{title}**"
    return f"**{name}**"


def shortcode_args(text: str) -> tuple[list[str], dict[str, str]]:
    """A shortcode's positional and named arguments."""
    positional: list[str] = []
    named: dict[str, str] = {}
    for match in _PARAM.finditer(text):
        value = next((g for g in match.groups()[1:] if g is not None), "")
        if match.group(1):
            named[match.group(1).lower()] = value
        elif value:
            positional.append(value)
    return positional, named


def shortcode_label(
    name: str, positional: list[str], named: dict[str, str], locale: str = "en"
) -> str:
    """The bold first line of a quote made from an admonition shortcode."""
    if name in ("expand", "details"):
        return f"**{named.get('title') or ' '.join(positional) or name.capitalize()}**"
    if name in ADMONITION_LABELS:
        return admonition_label(name, named.get("title") or " ".join(positional), locale)
    if name in ("notice", "hint") and positional:
        title = named.get("title") or " ".join(positional[1:])
        return admonition_label(positional[0].lower(), title, locale)
    color = ADMONITION_LABELS.get(named.get("color", ""), name.capitalize())
    return f"**{named.get('title') or color}**"
