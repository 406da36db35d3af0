"""Whatever an office's browser sends — odd query values, paths, visit forms — the pages answer
below 500 (a page, a redirect or a 4xx), never a server error."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.conftest import csrf_of, log_in

ODD = st.one_of(st.text(max_size=40), st.sampled_from([
    "", " ", "2024-07-01", "9999-99-99", "0001-01-01", "2024-02-30", "-1", "1e309", "nan", "\x00", "％",
    "2024-07-01T00:00", "370321", "370321101", "3703211010010", "../..", "%00", "待认定", "high", "因病",
    "<script>", "a" * 5000]))
PARAMS = st.dictionaries(st.sampled_from(["week", "township", "status", "risk_type", "county", "village", "next"]),
                         ODD, max_size=4)
EXAMPLES = settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("role", ["office", "analyst", "admin"])
def test_no_query_or_path_makes_a_page_fail(client, users, week_rows, role):
    log_in(client, *users[role])
    known = week_rows["household_id"].astype(str).tolist()[:5]

    @EXAMPLES
    @given(path=st.sampled_from(["/", "/download.xlsx", "/overview", "/households/{known}", "/households/{odd}"]),
           params=PARAMS, known=st.sampled_from(known), odd=ODD)
    def check(path, params, known, odd):
        url = path.format(known=known, odd=quote(odd, safe=""))
        r = client.get(url, params=params)
        assert r.status_code < 500, (url, params, r.status_code)

    check()


def test_no_visit_form_makes_the_page_fail(client, users, week_rows, counties):
    log_in(client, *users["office"])
    mine = week_rows.loc[week_rows["county_code"] == counties[0], "household_id"].astype(str).tolist()[:5]

    @EXAMPLES
    @given(hid=st.sampled_from(mine), day=ODD, measures=st.lists(ODD, max_size=4), note=ODD,
           outcome=st.one_of(ODD, st.sampled_from(["confirmed_at_risk", "not_at_risk", "not_home", "pending"])),
           extra=st.dictionaries(st.text(max_size=10), ODD, max_size=2))
    def check(hid, day, outcome, measures, note, extra):
        page = client.get(f"/households/{hid}")
        assert page.status_code == 200
        form = {**extra, "visited_on": day, "outcome": outcome, "measures": measures, "note": note,
                "csrf_token": csrf_of(page.text)}
        r = client.post(f"/households/{hid}/visits", data=form)
        assert r.status_code < 500, (form, r.status_code)

    check()
