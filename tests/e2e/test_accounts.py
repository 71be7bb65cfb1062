"""Accounts in a real browser: sign-up and email verification, sign-in, sign-out, password reset.

Every page the journeys pass through is checked with axe-core on the way.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import PASSWORD, unique_email

pytestmark = pytest.mark.e2e


def sign_in(page: Page, email: str, password: str) -> None:
    page.get_by_label(re.compile(r"^Email address")).fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("navigation", name="Main menu").get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/")


def test_signup_with_email_verification(page: Page, server, mailbox, assert_accessible):
    page.goto("/")
    assert_accessible(page)
    page.get_by_role("link", name="Create an account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)

    page.get_by_role("button", name="Create my account").click()
    errors = page.get_by_role("alert")
    expect(errors.get_by_role("heading")).to_have_text("Please correct the following:")
    expect(errors.get_by_role("link")).to_have_text(
        [
            "Enter your name.",
            "Enter your email address.",
            "Use at least 8 characters.",
            "You must accept the terms and the privacy notice to create an account.",
        ]
    )
    expect(page.get_by_label(re.compile(r"^Name"))).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    email = unique_email("ada")
    page.get_by_label(re.compile(r"^Name")).fill("Ada Lovelace")
    page.get_by_label(re.compile(r"^Email address")).fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^I accept the terms")).check()
    page.get_by_role("button", name="Create my account").click()

    page.wait_for_url("**/account")
    expect(page.get_by_role("status")).to_have_text(
        "Welcome! We sent you a link to confirm your email address."
    )
    expect(page.get_by_text("Your email address is not confirmed yet.")).to_be_visible()
    assert_accessible(page)

    mail = mailbox.wait_for(email, "Confirm your email address for hackcity")
    page.goto(server.link_in(mail, "/verify/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your email address")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm my email address").click()

    page.wait_for_url("**/account")
    expect(page.get_by_role("status")).to_have_text("Your email address is confirmed.")
    expect(page.get_by_text("Your email address is not confirmed yet.")).to_have_count(0)
    assert_accessible(page)


def test_signup_with_a_used_email_shows_the_error(page: Page, new_page, sign_up, assert_accessible):
    email = sign_up(new_page())
    page.goto("/signup")
    page.get_by_label(re.compile(r"^Name")).fill("Someone Else")
    page.get_by_label(re.compile(r"^Email address")).fill(email)
    page.get_by_label(re.compile(r"^Password")).fill(PASSWORD)
    page.get_by_label(re.compile(r"^I accept the terms")).check()
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "An account already uses this email address. Sign in or reset your password."
    )
    expect(page.get_by_label(re.compile(r"^Email address"))).to_have_value(email)
    assert_accessible(page)


def test_login_then_logout(page: Page, sign_up, assert_accessible):
    email = sign_up(page)
    sign_out(page)
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_role("link", name="My account")).to_have_count(0)
    assert_accessible(page)

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)
    sign_in(page, email, "not the password")
    expect(page.get_by_role("alert").get_by_role("listitem")).to_have_text("Wrong email or password.")
    assert_accessible(page)

    sign_in(page, email, PASSWORD)
    page.wait_for_url("**/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_text(email, exact=True)).to_be_visible()
    assert_accessible(page)

    sign_out(page)
    page.goto("/account")
    page.wait_for_url(re.compile(r"/login\?next=/account$"))


def test_login_returns_to_the_page_asked_for(page: Page, sign_up):
    email = sign_up(page)
    sign_out(page)
    page.goto("/account/delete")
    page.wait_for_url(re.compile(r"/login\?next="))
    sign_in(page, email, PASSWORD)
    page.wait_for_url("**/account/delete")


def test_password_reset(page: Page, sign_up, server, mailbox, assert_accessible):
    email = sign_up(page)
    sign_out(page)
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    assert_accessible(page)

    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text("Enter your email address.")
    assert_accessible(page)

    page.get_by_label(re.compile(r"^Email address")).fill(email)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/login")
    expect(page.get_by_role("status")).to_have_text(
        "If an account uses this address, we sent it a link to reset the password."
    )

    mail = mailbox.wait_for(email, "Reset your hackcity password")
    link = server.link_in(mail, "/password/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert_accessible(page)
    page.get_by_label(re.compile(r"^New password")).fill("short")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_label(re.compile(r"^New password"))).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    new_password = "another long and memorable passphrase"
    page.get_by_label(re.compile(r"^New password")).fill(new_password)
    page.get_by_role("button", name="Save the new password").click()
    page.wait_for_url("**/login")
    expect(page.get_by_role("status")).to_have_text("Your password is changed. Sign in with the new one.")

    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("alert").get_by_role("listitem")).to_have_text("Wrong email or password.")
    sign_in(page, email, new_password)
    page.wait_for_url("**/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("My account")

    # The link worked once: the new password makes it stale.
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text(
        "This link is invalid, has expired or was already used."
    )
    assert_accessible(page)
