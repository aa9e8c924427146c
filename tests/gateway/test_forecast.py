"""The demand and price forecast: Holt's smoothing follows a trend, stays within its bounds, and its backtest
beats the naive last value on a trending series (and says so when it does not)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.forecast import Holt, backtest, class_forecast, fit, predict


def test_holt_extrapolates_a_straight_line_exactly():
    series = [10.0 + 2 * i for i in range(12)]
    assert predict(series, 3) == pytest.approx([34.0, 36.0, 38.0])
    bent = [10.0] * 6 + [10.0 + 3 * i for i in range(1, 10)]  # flat, then a trend the model must pick up
    assert fit(bent).beta > 0 and predict(bent, 1)[0] > bent[-1]


def test_a_flat_series_forecasts_flat_and_short_series_repeat_the_last_value():
    assert predict([5.0] * 8, 2) == [5.0, 5.0]
    assert predict([3.0, 4.0], 3) == [4.0, 4.0, 4.0]
    assert predict([], 3) == []


def test_forecasts_are_clipped_to_their_bounds():
    falling = [50.0 - 10 * i for i in range(6)]  # 50 .. 0, heading below zero
    assert min(predict(falling, 5, low=0.0, high=100.0)) == 0.0
    rising = [60.0 + 10 * i for i in range(6)]
    assert max(predict(rising, 5, low=0.0, high=100.0)) == 100.0


def test_the_backtest_beats_the_naive_forecast_on_a_trend_and_reports_both():
    series = [100.0 - 5 * i for i in range(20)]  # a price falling by a bounded step each epoch
    result = backtest(series)
    assert result["points"] == 16
    assert result["model_mae"] < result["naive_mae"] == 5.0


def test_the_model_never_looks_ahead_in_the_backtest():
    series = [1.0, 1.0, 1.0, 1.0, 100.0]  # a jump nobody could forecast
    result = backtest(series)
    assert result["points"] == 1 and result["model_mae"] == 99.0 == result["naive_mae"]


def test_a_class_forecast_reads_the_chain_history_shape():
    history = [{"epoch": e, "price": 1000 - 50 * e, "utilisation_bps": 1000 * (e % 3)} for e in range(1, 11)]
    forecast = class_forecast("small", history, 3)
    assert forecast.epochs == 10 and forecast.last_epoch == 10 and len(forecast.price) == 3
    assert forecast.price[0] < 500 and all(0 <= u <= 100 for u in forecast.utilisation)
    assert Holt(0.5, 0.1).forecast([1.0, 2.0, 3.0], 1)[0] > 3.0


def test_the_forecast_endpoint_refuses_a_malformed_class_or_horizon():
    with TestClient(create_app("http://127.0.0.1:9", live=False, explorer=False)) as client:
        assert client.get("/forecast/Bad Class").status_code == 400
        assert client.get("/forecast/small", params={"horizon": 0}).status_code == 400
        assert client.get("/forecast/small", params={"horizon": 99}).status_code == 400
