"""The help center's theme (api/help/theme.py): KB_SITE_NAME and the KB_THEME file make it, every
value is checked so none can break out of the CSS, the defaults and every accepted file pass WCAG
AA contrast, and `kb serve` refuses to start on a file it cannot use, saying what is wrong where."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.app import create_app
from api.help.theme import DEFAULT_THEME, Theme, load_theme
from kb.errors import ConfigError
from kb.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SAMPLE_THEME = REPO / "content" / "theme.yaml"


def wcag_contrast(first: str, second: str) -> float:
    """The contrast ratio as WCAG 2.x defines it, written here apart from the module's."""

    def luminance(color: str) -> float:
        def linear(part: str) -> float:
            c = int(part, 16) / 255
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = linear(color[1:3]), linear(color[3:5]), linear(color[5:7])
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def themed(tmp_path: Path, text: str, **env: str) -> Theme:
    """The theme a KB_THEME file holding `text` makes."""
    path = tmp_path / "theme.yaml"
    path.write_text(text, encoding="utf-8")
    return load_theme(Settings.from_env({"KB_THEME": str(path), **env}))


def test_the_default_colours_pass_wcag_aa_on_their_background() -> None:
    assert wcag_contrast(DEFAULT_THEME.accent, DEFAULT_THEME.background) >= 4.5
    assert wcag_contrast(DEFAULT_THEME.text, DEFAULT_THEME.background) >= 4.5


def test_without_a_theme_file_the_defaults_carry_kb_site_name() -> None:
    assert load_theme(Settings.from_env({})) == DEFAULT_THEME
    assert load_theme(Settings.from_env({"KB_SITE_NAME": "Acme Help"})).name == "Acme Help"


def test_a_full_theme_file_sets_every_field_and_its_name_wins_over_kb_site_name(
    tmp_path: Path,
) -> None:
    theme = themed(
        tmp_path,
        "name: Acme Support\n"
        "logo: https://cdn.acme.example/logo.svg\n"
        "colors: {accent: '#7A1F00', text: '#111111', background: '#FAFAF7'}\n"
        "font: '\"Source Sans 3\", Arial, sans-serif'\n"
        "promoted: [check-balance, top-up]\n",
        KB_SITE_NAME="Ignored Help",
    )
    assert theme == Theme(
        name="Acme Support",
        logo="https://cdn.acme.example/logo.svg",
        accent="#7a1f00",
        text="#111111",
        background="#fafaf7",
        font='"Source Sans 3", Arial, sans-serif',
        promoted=("check-balance", "top-up"),
    )


def test_a_partial_file_keeps_the_defaults_for_what_it_leaves_out(tmp_path: Path) -> None:
    theme = themed(tmp_path, "logo: /static/help/logo.svg\ncolors: {accent: '#005a32'}\n")
    assert theme.logo == "/static/help/logo.svg"
    assert (theme.accent, theme.text, theme.background) == ("#005a32", "#1f2328", "#ffffff")
    assert theme.font == DEFAULT_THEME.font and theme.promoted == ()


def test_an_empty_file_is_the_default_theme(tmp_path: Path) -> None:
    assert themed(tmp_path, "# nothing yet\n") == DEFAULT_THEME


def test_the_sample_theme_loads_and_promotes_units_of_the_sample_content() -> None:
    theme = load_theme(Settings.from_env({"KB_THEME": str(SAMPLE_THEME)}))
    assert (theme.name, theme.logo) == ("Aurora Mobile Help", "/static/favicon.svg")
    assert (REPO / "api" / "static" / "favicon.svg").is_file()  # served under /static/
    ids = {
        line.removeprefix("id:").strip()
        for path in (REPO / "content").rglob("*.md")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("id:")
    }
    assert theme.promoted and set(theme.promoted) <= ids
    assert wcag_contrast(theme.accent, theme.background) >= 4.5


def test_css_sets_the_four_custom_properties_on_root() -> None:
    theme = Theme(
        name=None,
        logo=None,
        accent="#0b5cad",
        text="#222222",
        background="#ffffff",
        font='"Inter", sans-serif',
        promoted=(),
    )
    assert theme.css() == (
        ":root{--kb-accent:#0b5cad;--kb-text:#222222;--kb-background:#ffffff;"
        '--kb-font:"Inter", sans-serif}'
    )


BAD_FILES = [
    pytest.param("colors: [\n", "KB_THEME: not valid YAML", id="not-yaml"),
    pytest.param("- a list\n", "KB_THEME: must be a mapping", id="not-a-mapping"),
    pytest.param("colour: {accent: '#000000'}\n", "colour: unknown key", id="unknown-key"),
    pytest.param("colors: {link: '#000000'}\n", "colors.link: unknown key", id="unknown-colour"),
    pytest.param(
        "colors: {accent: red}\n", "colors.accent: must be a colour as #rrggbb", id="named"
    ),
    pytest.param(
        "colors: {text: '#fff'}\n", "colors.text: must be a colour as #rrggbb", id="short-hex"
    ),
    pytest.param(
        "colors: {accent: '#000000;}body{x:y'}\n",
        "colors.accent: must be a colour as #rrggbb",
        id="colour-breaking-out",
    ),
    pytest.param(
        "colors: {accent: '#ffff00'}\n",
        "colors.accent: contrast with colors.background is 1.07:1, below the 4.5:1",
        id="low-contrast-accent",
    ),
    pytest.param(
        "colors: {background: '#000000'}\n",
        "colors.accent: contrast with colors.background is 3.15:1",
        id="dark-background-under-default-accent",
    ),
    pytest.param(
        "colors: {text: '#777777'}\n",
        "colors.text: contrast with colors.background is 4.48:1",
        id="just-below-aa",
    ),
    pytest.param("logo: http://acme.example/l.png\n", "logo: must be an https:// URL", id="http"),
    pytest.param("logo: 'javascript:alert(1)'\n", "logo: must be an https:// URL", id="js"),
    pytest.param("logo: logo.png\n", "logo: must be an https:// URL", id="relative"),
    pytest.param("logo: 'https://a.example/\" onerror=x'\n", "logo: must be", id="quote"),
    pytest.param("logo: /static/../keys.db\n", "logo: must stay under /static/", id="dotdot"),
    pytest.param("font: 'Arial; color: red'\n", "font: 'Arial; color: red' is not", id="semi"),
    pytest.param("font: 'Arial}</style><script>'\n", "font: 'Arial}</style><script>'", id="tag"),
    pytest.param("font: '\"Inter, sans-serif'\n", "font: '\"Inter' is not a font", id="quote"),
    pytest.param("font: 'url(x), serif'\n", "font: 'url(x)' is not a font name", id="url"),
    pytest.param("font: 'Arial,, serif'\n", "font: '' is not a font name", id="empty-name"),
    pytest.param("name: ''\n", "name: must be text of 1 to 100 characters", id="empty-name"),
    pytest.param("promoted: check-balance\n", "promoted: must be a list", id="promoted"),
    pytest.param("promoted: [Top Up]\n", "promoted[0]: must be a unit id", id="promoted-id"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_theme_file_is_refused_naming_the_file_the_key_and_the_reason(
    tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        themed(tmp_path, text)
    assert str(raised.value).startswith(f"{tmp_path / 'theme.yaml'}: {message}")


def test_a_missing_or_unreadable_theme_file_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: KB_THEME: cannot be read"):
        load_theme(Settings.from_env({"KB_THEME": str(missing)}))
    with pytest.raises(ConfigError, match=r"KB_THEME: cannot be read \(Is a directory\)"):
        load_theme(Settings.from_env({"KB_THEME": str(tmp_path)}))
    binary = tmp_path / "logo.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ConfigError, match=r"logo\.png: KB_THEME: cannot be read"):
        load_theme(Settings.from_env({"KB_THEME": str(binary)}))


def test_the_app_keeps_the_loaded_theme_for_its_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # create_app without a kb reads the environment, as each worker of kb serve does
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KB_THEME", str(SAMPLE_THEME))
    app = create_app()
    assert app.state.theme == load_theme(Settings.from_env())


def test_kb_serve_refuses_to_start_on_a_bad_theme_file(tmp_path: Path) -> None:
    theme = tmp_path / "theme.yaml"
    theme.write_text("colors: {accent: '#cccccc'}\n", encoding="utf-8")
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "kb"), "KB_THEME": str(theme)}
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert f"error: {theme}: colors.accent: contrast with colors.background is 1.61:1" in (
        done.stderr
    )
