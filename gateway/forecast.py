"""Demand and price forecasts for the resource classes: Holt's linear exponential smoothing over the price
history the chain records each price epoch (``/compute/prices/<class>``: utilisation and price).

Off-chain and advisory: nothing on chain reads it. The smoothing weights are chosen per series by the
smallest one-step-ahead squared error over a fixed grid, and ``backtest`` replays the history (each point
forecast from the points before it only) against the naive forecast "the next epoch is like the last one",
so the error of both is printed side by side (``GET /forecast/<class>``, ``bench/gateway.py --forecast``).

Holt's method is a dozen lines; it is written out here instead of pulling statsmodels (with numpy, scipy
and pandas) into the gateway for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel

from gateway.errors import GatewayError
from gateway.explorer_data import query
from gateway.render import decode_view

ALPHAS = tuple(a / 10 for a in range(1, 10))
BETAS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5)
MAX_HORIZON = 24


@dataclass(frozen=True)
class Holt:
    alpha: float
    beta: float

    def run(self, series: list[float]) -> tuple[float, float, list[float]]:
        """Level and trend after ``series``, and the one-step-ahead forecast made before each point."""
        level, trend = series[0], (series[1] - series[0]) if len(series) > 1 else 0.0
        ahead = [series[0]]
        for value in series[1:]:
            ahead.append(level + trend)
            previous = level
            level = self.alpha * value + (1 - self.alpha) * (level + trend)
            trend = self.beta * (level - previous) + (1 - self.beta) * trend
        return level, trend, ahead

    def forecast(self, series: list[float], horizon: int) -> list[float]:
        level, trend, _ahead = self.run(series)
        return [level + step * trend for step in range(1, horizon + 1)]


def fit(series: list[float]) -> Holt:
    """The grid's weights with the smallest one-step-ahead squared error over ``series``."""
    def error(model: Holt) -> float:
        _level, _trend, ahead = model.run(series)
        return sum((a - v) ** 2 for a, v in zip(ahead[1:], series[1:]))

    return min((Holt(a, b) for a in ALPHAS for b in BETAS), key=error)


def predict(series: list[float], horizon: int, low: float | None = None, high: float | None = None) -> list[float]:
    """``horizon`` forecasts after ``series``, clipped to [low, high] (utilisation cannot leave 0..100%)."""
    if not series:
        return []
    if len(series) < 3:
        values = [series[-1]] * horizon
    else:
        values = fit(series).forecast(series, horizon)
    return [min(high, v) if high is not None else v for v in (max(low, v) if low is not None else v for v in values)]


def backtest(series: list[float], warmup: int = 4, low: float | None = None, high: float | None = None) -> dict:
    """Mean absolute error of one-step forecasts made from each prefix, for the model and for the naive last value."""
    model_errors, naive_errors = [], []
    for end in range(warmup, len(series)):
        history, actual = series[:end], series[end]
        model_errors.append(abs(predict(history, 1, low, high)[0] - actual))
        naive_errors.append(abs(history[-1] - actual))
    if not model_errors:
        return {"points": 0, "model_mae": None, "naive_mae": None}
    return {"points": len(model_errors), "model_mae": sum(model_errors) / len(model_errors),
            "naive_mae": sum(naive_errors) / len(naive_errors)}


class Backtest(BaseModel):
    points: int
    model_mae: float | None
    naive_mae: float | None


class Forecast(BaseModel):
    class_name: str
    epochs: int
    last_epoch: int | None
    horizon: int
    utilisation: list[float]  # percent
    price: list[int]  # uamio per megafuel
    backtest_utilisation: Backtest
    backtest_price: Backtest


def class_forecast(class_name: str, history: list[dict], horizon: int) -> Forecast:
    utilisation = [point["utilisation_bps"] / 100 for point in history]
    prices = [float(point["price"]) for point in history]
    return Forecast(
        class_name=class_name, epochs=len(history), last_epoch=history[-1]["epoch"] if history else None,
        horizon=horizon, utilisation=[round(v, 2) for v in predict(utilisation, horizon, 0.0, 100.0)],
        price=[max(0, round(v)) for v in predict(prices, horizon, 0.0)],
        backtest_utilisation=Backtest(**backtest(utilisation, low=0.0, high=100.0)),
        backtest_price=Backtest(**backtest(prices, low=0.0)))


router = APIRouter()


@router.get("/forecast/{class_name}", response_model=Forecast, tags=["forecast"],
            summary="demand (utilisation) and price forecast of a resource class for the next epochs, with a "
                    "backtest against the naive last-value forecast")
async def forecast(request: Request, class_name: str = Path(pattern=r"^[a-z][a-z0-9_-]{0,63}$"),
                   horizon: int = Query(3, ge=1, le=MAX_HORIZON)) -> Forecast:
    result = await request.app.state.rpc.query(f"/compute/prices/{class_name}")
    if result["code"]:
        raise GatewayError(404 if result["code"] == 5 else 400, result["log"], result["code"], result["codespace"])
    return class_forecast(class_name, decode_view(result["value"]) or [], horizon)


async def explorer_forecasts(rpc, classes: list[dict], horizon: int = 3) -> dict:
    """Forecasts of every class for the explorer's resources page."""
    found = {}
    for resource in classes:
        history = await query(rpc, f"/compute/prices/{resource['name']}") or []
        found[resource["name"]] = class_forecast(resource["name"], history, horizon)
    return found
