"""The API on the real ``Scorer`` (trained quickly on the ``synth_dir`` panel): same numbers as
scoring the panel directly, a brand-new household scores, hot swap between two real models."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from tests.serving.serving_fakes import auth

from riskmodel.scoring import Scorer
from riskmodel.serving import ServingSettings, create_app
from riskmodel.serving.payload import panel_payloads
from riskmodel.store import Store
from riskmodel.training.config import TrainConfig
from riskmodel.training.pipeline import fit_recipe

AS_OF = "2024-06-30"
FAST = TrainConfig(step_weeks=8, fit_periods=3, calibration_periods=2, num_boost_round=30,
                   lightgbm={"num_leaves": 7, "min_data_in_leaf": 20})


@pytest.fixture(scope="module")
def fitted(synth_panel):
    return fit_recipe(synth_panel.as_of("2024-03-31"), "2024-03-31", FAST)


@pytest.fixture
def real_client(fitted, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'real.db'}")
    versions = {"current": "1"}

    def load(uri):
        return Scorer(fitted.lightgbm, model_name="riskmodel", model_version=uri.rsplit("/", 1)[-1])

    app = create_app(store=store, scorer_loader=load, version_resolver=lambda: versions["current"],
                     serving=ServingSettings(reload_interval_s=0, auth_cache_s=0, startup_wait_s=30))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c, store.create_api_key("analyst")[1], store, app, versions
    store.dispose()


def test_api_scores_equal_direct_scoring(real_client, synth_panel):
    c, key, *_ = real_client
    ids = sorted(synth_panel.households["household_id"].astype(str))[:8]
    payloads = panel_payloads(synth_panel, ids)
    r = c.post("/v1/score/batch", json={"households": payloads, "as_of": AS_OF}, headers=auth(key))
    assert r.status_code == 200, r.text[:2000]
    got = pd.DataFrame(r.json()["results"]).set_index("household_id")
    direct = Scorer(real_client[3].state.holder.current.scorer.model).score(
        synth_panel.subset(ids), AS_OF, explain=ids).set_index("household_id")
    direct.index = direct.index.astype(str)
    assert set(got.index) == set(direct.index)  # every household sent is eligible here
    assert got["score"].to_numpy() == pytest.approx(direct.loc[got.index, "score"].to_numpy())
    assert got["probability"].to_numpy() == pytest.approx(direct.loc[got.index, "probability"].to_numpy())
    main = direct.loc[got.index, "risk_types"].map(lambda t: t[0]).tolist()
    assert [rt[0]["code"] for rt in got["risk_types"]] == main
    single = c.post("/v1/score", json={**payloads[0], "as_of": AS_OF}, headers=auth(key)).json()
    assert single["score"] == pytest.approx(got.loc[ids[0], "score"])


def test_new_household_without_history_scores_with_the_real_model(real_client):
    c, key, *_ = real_client
    payload = {"household": {"household_id": "H0NEW001", "region_code": "520322104201",
                             "household_type": "general", "registered_on": "2024-06-15"}, "as_of": AS_OF}
    r = c.post("/v1/score", json=payload, headers=auth(key))
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0 <= body["probability"] <= 1 and body["category"] in ("unstable", "marginal", "sudden")
    assert body["model"] == {"name": "riskmodel", "version": "1"}


def test_real_models_swap_when_the_alias_moves(real_client, synth_panel):
    c, key, _store, app, versions = real_client
    payload = panel_payloads(synth_panel, [str(synth_panel.households["household_id"].iloc[0])], as_of=AS_OF)[0]
    before = c.post("/v1/score", json=payload, headers=auth(key)).json()
    versions["current"] = "2"
    assert app.state.holder.refresh() is True
    after = c.post("/v1/score", json=payload, headers=auth(key)).json()
    assert (before["model"]["version"], after["model"]["version"]) == ("1", "2")
    assert after["score"] == pytest.approx(before["score"])  # same fitted model, new version label


def test_a_household_monitored_before_scores_the_same_over_http_on_the_list_and_in_the_pyfunc(real_client,
                                                                                               synth_panel):
    """The 返贫 group itself: its monitoring history is part of the payload, so the door does not matter."""
    from riskmodel.training.pyfunc import RiskmodelPyfunc, panel_to_records

    c, key, _store, app, _ = real_client
    mon = synth_panel.monitoring
    before = mon[(mon["reported_on"] <= AS_OF) & mon["eliminated_on"].notna() & (mon["eliminated_on"] <= AS_OF)]
    eligible = set(Scorer(app.state.holder.current.scorer.model).score(synth_panel, AS_OF)["household_id"].astype(str))
    hid = next(h for h in before["household_id"].astype(str) if h in eligible)
    payload = panel_payloads(synth_panel, [hid], as_of=AS_OF)[0]
    assert payload["monitoring"]  # sent with its history
    over_http = c.post("/v1/score", json=payload, headers=auth(key))
    assert over_http.status_code == 200, over_http.text[:2000]
    scorer = app.state.holder.current.scorer
    listed = scorer.score(synth_panel, AS_OF).set_index("household_id")
    listed.index = listed.index.astype(str)
    pyfunc = RiskmodelPyfunc()
    pyfunc.scorer = scorer
    via_pyfunc = pyfunc.predict(None, panel_to_records(synth_panel, [hid]), {"as_of": AS_OF})
    assert over_http.json()["score"] == pytest.approx(listed.loc[hid, "score"])
    assert float(via_pyfunc["score"].iloc[0]) == pytest.approx(listed.loc[hid, "score"])
    from riskmodel.serving.payload import build_panel
    from riskmodel.serving.schemas import HouseholdPayload

    sent = build_panel([HouseholdPayload.model_validate(payload)], ["body"])
    assert len(sent.monitoring) == len(payload["monitoring"]) > 0  # the history reaches the features


def test_one_household_at_a_time_gives_the_weekly_panels_features_and_score_bit_for_bit(fitted, synth_panel):
    """The API's one-household panels (typed from the payload, checked, featured alone) give each
    household exactly its row of the whole panel: every feature and the score, to the last bit."""
    import datetime as dt

    import numpy as np

    from riskmodel.features import feature_arrays
    from riskmodel.serving.model_holder import LoadedModel
    from riskmodel.serving.payload import build_panel, score_payloads
    from riskmodel.serving.schemas import HouseholdPayload

    scorer = Scorer(fitted.lightgbm, model_name="riskmodel", model_version="1")
    t = pd.Timestamp(AS_OF)
    whole = feature_arrays(synth_panel, t)
    row = {h: i for i, h in enumerate(whole.household_id.tolist())}
    listed = scorer.columns(synth_panel, t)
    listed_score = dict(zip(listed["household_id"].tolist(), listed["score"].tolist()))
    loaded = LoadedModel(scorer, "riskmodel", "1", "models:/riskmodel/1", dt.datetime.now(dt.timezone.utc))
    ids = whole.household_id.tolist()[::13][:120]  # a spread of households, several with claims, events, history
    checked = 0
    for payload in panel_payloads(synth_panel, ids):
        p = HouseholdPayload.model_validate(payload)
        hid = p.household.household_id
        alone = feature_arrays(build_panel([p], ["body"]), t)
        assert alone.household_id.tolist() == [hid]
        np.testing.assert_array_equal(alone.values[0], whole.values[row[hid]], err_msg=hid, strict=True)
        assert score_payloads(loaded, [p], ["body"], dt.date.fromisoformat(AS_OF))[0]["score"] == listed_score[hid]
        checked += 1
    assert checked == len(ids) > 100
