"""Filling in the referral form with Flask's test client, as a person would step by step."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

SELF_ANSWERS = {
    "about-you": {
        "name": "Asha",
        "age": "29",
        "gender": "woman",
        "communities": "bme",
        "language": "gu",
        "interpreter": "yes",
    },
    "where": {"area": "leicester"},
    "needs": {"needs": ["safe-accommodation"], "nrpf": "yes"},
    "who-with": {
        "children-0-age": "6",
        "children-0-sex": "female",
        "children-1-age": "15",
        "children-1-sex": "male",
        "pets": "no",
    },
    "contact": {
        "channels": ["text", "call"],
        "phone": "07700 900123",
        "times": "weekdays 10am to 2pm",
        "may_say_who": "no",
        "code_word": "sunflower",
    },
}

PROFESSIONAL_ANSWERS = {
    "referrer": {
        "referrer_name": "Sam Jones",
        "organisation": "Melton Housing",
        "role": "Housing officer",
        "work_email": "sam.jones@housing.example.org",
        "work_phone": "0116 496 0000",
        "consent": "yes",
        "risk": "high",
        "dash_score": "16",
    },
    "about-you": {"age": "41", "gender": "man", "language": "en", "interpreter": "no"},
    "where": {"area": "melton"},
    "needs": {"needs": ["support"]},
    "who-with": {},
    "contact": {"channels": ["call"], "phone": "07700 900456", "may_say_who": "yes"},
}


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


class Journey:
    """One browser session going through the form."""

    def __init__(self, client, referrer: str = "self", lang: str = "en"):
        self.client = client
        self.base = f"/{lang}/refer" + ("/professional" if referrer == "professional" else "")
        self.token: str | None = None

    def get(self, step: str, **kwargs):
        response = self.client.get(f"{self.base}/{step}", **kwargs)
        if response.status_code == 200 and 'name="csrf_token"' in response.get_data(as_text=True):
            self.token = csrf_token(response.get_data(as_text=True))
        return response

    def post(self, step: str, data: dict, **kwargs):
        if self.token is None:
            self.get(step)
        return self.client.post(
            f"{self.base}/{step}", data={"csrf_token": self.token, **data}, **kwargs
        )

    def answer_all(self, answers: dict) -> None:
        for step, data in answers.items():
            response = self.post(step, data)
            assert response.status_code == 303, (
                step,
                response.status_code,
                response.get_data(as_text=True)[-3000:],
            )

    def check_page(self):
        response = self.get("check")
        assert response.status_code == 200
        return page(response)

    def send(self, services: list[str] | None = None):
        """Tick the given services (default: all offered) and send; returns the response."""
        check = self.check_page()
        key = check.select_one('input[name="submission_key"]')["value"]
        offered = [box["value"] for box in check.select('input[name="share_with"]')]
        return (
            self.post(
                "check",
                {"submission_key": key, "share_with": offered if services is None else services},
            ),
            key,
            offered,
        )
