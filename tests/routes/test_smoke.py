from tests.helpers import make_user, post_form, sign_in


async def test_home_renders(client):
    response = await client.get("/")
    assert response.status_code == 200
    assert "hackcity" in response.text  # the site's name, in every page's header and title
    # what the home page alone shows: its heading, and (no event yet) the empty list of events
    assert "<h1>Open-data challenges and hackathons</h1>" in response.text
    assert "<p>No event is published yet.</p>" in response.text


async def test_signup_then_account(client):
    response = await post_form(
        client,
        "/signup",
        {
            "name": "Ada",
            "email": "ada@example.org",
            "password": "a long enough passphrase",
            "accept_terms": "on",
        },
        page="/signup",
    )
    assert response.status_code == 303
    page = await client.get("/account")
    assert page.status_code == 200
    assert "ada@example.org" in page.text


async def test_login(client):
    await make_user("bob@example.org")
    await sign_in(client, "bob@example.org")
    page = await client.get("/account")
    assert page.status_code == 200
    assert "bob@example.org" in page.text
