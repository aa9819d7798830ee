"""Any input, however strange, gets a page with a message (or the next step), never a 500:
unicode, right-to-left marks, control characters, very long values, header-injection
attempts, malformed tokens."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.referral_journey import SELF_ANSWERS, Journey

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\u202eevil",
        "\u200f\u05e9\u05dc\u05d5\u05dd",
        "x\r\nBcc: victim@example.org",
        "\x00\x07\x1b[31m",
        "<script>alert(1)</script>",
        "'; DROP TABLE referral;--",
        "9" * 400,
        "١٢",
        "１２",
        "-1",
        "1e3",
        "NaN",
        "😀" * 50,
        "%00",
        "../../etc/passwd",
    ]
)
VALUES = st.one_of(NASTY, st.text(max_size=300), st.lists(NASTY, max_size=3))

FIELDS = {
    "about-you": [
        "name",
        "age",
        "gender",
        "trans",
        "lgbt",
        "communities",
        "language",
        "other_language",
        "interpreter",
    ],
    "where": ["area"],
    "needs": ["needs", "nrpf"],
    "who-with": [
        "children-0-age",
        "children-0-sex",
        "children-1-age",
        "pets",
        "wheelchair",
        "add_child",
        "remove_child",
    ],
    "contact": [
        "do_not_contact",
        "channels",
        "phone",
        "email",
        "address",
        "times",
        "may_say_who",
        "code_word",
        "third_party",
        "anything_else",
    ],
}
OK = {200, 303, 400, 413, 422}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "PORTAL_STEP_LIMIT": "100000 per minute",
        "PORTAL_SUBMIT_LIMIT": "100000 per minute",
    }


def _answered_up_to(client, step: str) -> Journey:
    journey = Journey(client)
    for name, data in SELF_ANSWERS.items():
        if name == step:
            break
        journey.post(name, data)
    return journey


@pytest.mark.parametrize("step", list(FIELDS))
def test_any_answers_to_a_step_get_a_message_or_the_next_step(client, step):
    journey = _answered_up_to(client, step)

    @FUZZ
    @given(data=st.fixed_dictionaries({}, optional={name: VALUES for name in FIELDS[step]}))
    def check(data):
        response = journey.post(step, data)
        body = response.get_data(as_text=True)
        assert response.status_code in OK, response.status_code
        if response.status_code == 422:
            assert 'class="error-summary"' in body
        assert "Traceback" not in body

    check()


@FUZZ
@given(token=st.one_of(NASTY, st.text(max_size=100)))
def test_a_malformed_security_token_is_refused_with_a_page(client, token):
    response = client.post("/en/refer/about-you", data={"csrf_token": token, "age": "30"})
    assert response.status_code == 400
    assert "0808 2000 247" in response.get_data(as_text=True)


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "area",
                "need",
                "specialism",
                "men",
                "nrpf",
                "pets",
                "wheelchair",
                "family",
                "son",
                "ended",
                "x",
            ]
        ),
        NASTY,
        max_size=6,
    )
)
def test_any_directory_filter_gets_a_page(client, query):
    response = client.get("/en/services", query_string=query)
    assert response.status_code == 200
