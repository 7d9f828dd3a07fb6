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
    `options` go to the browser context (e.g. accept_downloads=True). Anything the Content-Security-Policy
    refused on the way (inline script or style, outside resource) fails the test."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    RESULTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=os.environ.get("SOCLE_CHROMIUM", "/usr/bin/chromium"),
                                     headless=True, args=CHROMIUM_ARGS)
        refus_csp: list[str] = []
        try:
            context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, **options)
            page = context.new_page()
            page.on("console", lambda m: refus_csp.append(f"{page.url} : {m.text}")
                    if "Content Security Policy" in m.text else None)
            yield page
        finally:
            browser.close()
        assert not refus_csp, "Refusé par la CSP :\n" + "\n".join(refus_csp)


def se_connecter(page, base_url: str, username: str, password: str) -> None:
    """Password, then (when the account has one) the second factor: the current code of its TOTP device."""
    page.goto(f"{base_url}/comptes/connexion/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#formulaire-connexion button[type=submit]")
    page.wait_for_load_state()
    if "/comptes/second-facteur/" in page.url:
        page.fill("#id_code", code_totp(username))
        page.click("button[type=submit]")
        page.wait_for_load_state()


def code_totp(username: str) -> str:
    """The current code of this account's TOTP application (what her phone would show)."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
