"""A first look: the practice's sign-in page answers and a persona can sign in."""


def test_it_shows_the_sign_in_page(visitor):
    response = visitor.get("/praktijk-een/login")
    assert response.status_code == 200
    assert b'name="email"' in response.data and b'name="password"' in response.data


def test_it_lands_a_coach_on_the_coach_page(as_persona):
    alice = as_persona("alice")
    page = alice.get("/praktijk-een/coach")
    assert page.status_code == 200
    assert "Carol Test" in page.get_data(as_text=True)
    assert "Dave Test" not in page.get_data(as_text=True)
