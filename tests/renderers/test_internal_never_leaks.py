"""Internal stays internal: a secret inside internal blocks never reaches a customer channel.

Property-based: hypothesis builds units from paragraphs, lists, headings, links, snippets and
channel-only blocks, hides a secret marker in internal blocks (in text, link labels and
addresses, code, list items, nested `only` blocks, headings), and checks every channel that is
not for staff. The operator channel must show the secret, so the generator is honest.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renderers import registry
from renderers.base import RenderContext
from tests.renderers.conftest import TODAY, render, snapshot_with, stored

SECRET = "XSECRET42X"
#: Every built-in channel: a new one is covered as soon as renderers/__init__.py registers it.
CHANNELS = registry.names()

_word = st.sampled_from(["balance", "top", "up", "call", "press", "one", "the", "app", "now"])
_words = st.lists(_word, min_size=1, max_size=8).map(" ".join)
_public_inline = st.one_of(
    _words,
    st.just("{{ support_phone }}"),
    st.just("{{ identity_check }}"),
    st.just("[tariffs](unit:tariffs)"),
    st.just("[help]({{ help_url }})"),
    _words.map(lambda w: f"**{w}**"),
)
_secret_inline = st.sampled_from(
    [
        SECRET,
        f"**{SECRET}**",
        f"[{SECRET}](unit:tariffs)",
        f"[see](https://aurora-mobile.example/{SECRET})",
        f"`{SECRET}`",
        f"{{{{ support_phone }}}} {SECRET}",
        f"![{SECRET}](https://aurora-mobile.example/x.png)",
    ]
)


def _paragraph(inline: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.lists(inline, min_size=1, max_size=4).map(" ".join)


def _block(inline: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        _paragraph(inline),
        st.lists(_paragraph(inline), min_size=1, max_size=3).map(
            lambda items: "\n".join(f"- {i}" for i in items)
        ),
        _paragraph(inline).map(lambda p: f"## {p}"),
        _paragraph(inline).map(lambda p: f"> {p}"),
    )


_only = st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=3, unique=True)


@st.composite
def _internal_block(draw: st.DrawFn) -> str:
    inner = draw(
        st.lists(_block(st.one_of(_public_inline, _secret_inline)), min_size=1, max_size=3)
    )
    inner.insert(draw(st.integers(0, len(inner))), draw(_paragraph(_secret_inline)))
    if draw(st.booleans()):  # an internal note inside a channel-only block (staff included)
        channels = " ".join(sorted({*draw(_only), "operator"}))
        return "::::: only {}\n::: internal\n{}\n:::\n:::::".format(channels, "\n\n".join(inner))
    return "::: internal\n{}\n:::".format("\n\n".join(inner))


@st.composite
def _unit_body(draw: st.DrawFn) -> str:
    blocks = [draw(_paragraph(_public_inline))]  # a public first paragraph: the short answer
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["public", "internal", "only"]))
        if kind == "public":
            blocks.append(draw(_block(_public_inline)))
        elif kind == "internal":
            blocks.append(draw(_internal_block()))
        else:
            channels = " ".join(draw(_only))
            blocks.append(f"::: only {channels}\n{draw(_block(_public_inline))}\n:::")
    if all(SECRET not in b for b in blocks):
        blocks.insert(draw(st.integers(1, len(blocks))), draw(_internal_block()))
    if draw(st.booleans()):
        blocks.insert(0, f"::: summary\n{draw(_paragraph(_public_inline))}\n:::")
    return "\n\n".join(blocks)


def _everything(rendering: object) -> str:
    return json.dumps(rendering.to_json(), ensure_ascii=False)  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_unit_body())
def test_internal_marker_never_appears_outside_staff_channels(body: str) -> None:
    for renderer in registry.renderers():
        output = _everything(render(renderer, body))
        if renderer.for_staff:
            continue
        assert SECRET not in output, (renderer.name, body)


def test_a_link_to_an_internal_unit_gives_customers_no_address_or_title() -> None:
    internal = stored(SECRET.lower(), title=f"{SECRET} procedure", audience="internal")
    unit = stored(body=f"Ask us. See [the procedure](unit:{SECRET.lower()}).")
    snap = snapshot_with(unit, internal)
    context = RenderContext.from_snapshot(snap, unit, today=TODAY, public_url="https://h.example")
    for renderer in registry.renderers():
        rendering = renderer.render(context)  # findings name it: they are for editors
        customer_facing: object = [rendering.body, dict(rendering.data)]
        if renderer.for_staff:  # only the text offered for copying goes to a customer
            customer_facing = rendering.data["copy_text"]
        assert SECRET.lower() not in json.dumps(customer_facing).lower(), renderer.name


@settings(max_examples=60, deadline=None)
@given(body=_unit_body())
def test_operator_channel_does_show_the_internal_marker(body: str) -> None:
    staff = [r for r in registry.renderers() if r.for_staff]
    assert staff, "no staff channel registered"
    for renderer in staff:
        assert SECRET in render(renderer, body).body
