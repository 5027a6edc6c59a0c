"""The API docs render in a real browser (headless Chromium) with no network but loopback.

Chromium runs behind a proxy that answers nothing (127.0.0.1:9, the discard port, where no one
listens) and goes direct only to 127.0.0.1, so a page that needed a CDN would stay blank; the
last test shows that it does. Skipped where Chromium is not installed.

``python -m tests.api.test_docs_browser docs/api_docs.png`` retakes the screenshot kept in the
repo (the endpoint list with /wealth open).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from fastapi import FastAPI

from tests.api.test_api import serving
from wealthgraph.api import create_app

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
BROWSER = next((found for name in BROWSERS if (found := shutil.which(name))), None)
needs_browser = pytest.mark.skipif(
    BROWSER is None, reason=f"no headless browser on PATH (looked for {', '.join(BROWSERS)})"
)
OFFLINE = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=127.0.0.1"]
# virtual time: the page's scripts run (and its fetch of /openapi.json completes) before the
# DOM is taken, without a real 10-second wait
RENDER = "--virtual-time-budget=10000"


def _browse(url: str, *action: str) -> str:
    """Run headless Chromium on ``url`` offline; its stdout (the DOM for ``--dump-dom``)."""
    assert BROWSER is not None
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [
                BROWSER,
                "--headless",
                "--no-sandbox",  # root in CI and containers
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                f"--user-data-dir={profile}",
                *OFFLINE,
                RENDER,
                *action,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _text(dom: str) -> str:
    """The page's text: tags dropped (Swagger UI breaks paths with <wbr>), entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", dom))


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> FastAPI:
    # the docs need no published data: an empty root shows they do not read it
    return create_app(tmp_path_factory.mktemp("published"), {"a-key-the-browser-never-sends"})


@pytest.fixture(scope="module")
def operations(app) -> dict[str, str]:
    """Every documented path with its summary."""
    return {
        path: operation["summary"]
        for path, methods in app.openapi()["paths"].items()
        for operation in methods.values()
    }


@needs_browser
def test_swagger_ui_shows_every_endpoint_offline(app, operations):
    with serving(app) as url:
        text = _text(_browse(f"{url}/docs", "--dump-dom"))
    assert "Unable to render" not in text and "Failed to load" not in text, text[:2000]
    assert "wealthgraph API" in text
    assert "/customers/{customer_id}/wealth" in text
    for path, summary in operations.items():
        assert path in text, path
        assert summary in text, summary
    # the models section, built from the schema's components
    assert "WealthSummary" in text and "SocialMap" in text


@needs_browser
def test_an_opened_endpoint_shows_its_described_fields_and_examples(app):
    with serving(app) as url:
        text = _text(_browse(f"{url}/docs#/customers/people_you_may_know", "--dump-dom"))
    # the operation is open: its parameters and the example answer built from the fields'
    # examples (a sample customer, not "string")
    assert "at most this many people" in text
    assert "pymk-weighted-adamic-adar-v1" in text
    assert "2 mutual friends, 1 shared group" in text


@needs_browser
def test_redoc_shows_every_endpoint_offline(app, operations):
    with serving(app) as url:
        text = _text(_browse(f"{url}/redoc", "--dump-dom"))
    assert "wealthgraph API" in text
    for summary in operations.values():
        assert summary in text, summary


@needs_browser
def test_a_page_that_needs_a_cdn_stays_blank_here():
    # the control: FastAPI's default /docs loads Swagger UI from a CDN, which this browser
    # cannot reach, so the test above would fail if our page did the same
    cdn = FastAPI(title="from a CDN")

    @cdn.get("/customers/{customer_id}/wealth", summary="Wealth overview")
    def wealth(customer_id: str) -> dict:
        return {}

    with serving(cdn) as url:
        dom = _browse(f"{url}/docs", "--dump-dom")
    assert re.search(r"""src=["']https://""", dom)  # it did try
    assert "Wealth overview" not in _text(dom)


def screenshot(target: Path, width: int = 1280, height: int = 1600) -> None:
    """The endpoint list with the last endpoint open, as docs/api_docs.png shows it.

    Opening an endpoint by its link scrolls the page to it, and headless Chromium then paints
    the part above it blank; so the page is taken in a window taller than the page (nothing to
    scroll), and that picture shown in a window of the wanted size and taken again (the crop).
    """
    with tempfile.TemporaryDirectory() as work:
        tall = Path(work) / "tall.png"
        with serving(create_app(Path(work) / "published", {"k"})) as url:
            _browse(
                f"{url}/docs#/customers/people_you_may_know",
                "--hide-scrollbars",
                f"--window-size={width},6000",
                f"--screenshot={tall}",
            )
        page = Path(work) / "crop.html"
        page.write_text(f'<body style="margin:0"><img src="{tall.name}"></body>')
        _browse(
            page.as_uri(),
            "--hide-scrollbars",
            f"--window-size={width},{height}",
            f"--screenshot={target.resolve()}",
        )


if __name__ == "__main__":
    screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/api_docs.png"))
