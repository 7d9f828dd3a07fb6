"""Shared helpers for browser tests: Debian's chromium driven by Playwright (never a downloaded browser)."""

import os
from contextlib import contextmanager
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "test-results"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@contextmanager
def page_chromium(**options):
    """Yield a Playwright page in headless Debian chromium; Django's ORM is used from the same thread.
    `options` go to the browser context (e.g. accept_downloads=True)."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    RESULTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("SOCLE_CHROMIUM", "/usr/bin/chromium"),
                                     headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, **options)
            yield context.new_page()
        finally:
            browser.close()


def se_connecter(page, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/comptes/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
