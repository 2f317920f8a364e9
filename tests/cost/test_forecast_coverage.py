"""The forecast interval is calibrated: simulated programs land inside it at about its level."""

import numpy as np
import pandas as pd

from labelqc.cost import forecast_to_finish


def test_ninety_percent_interval_covers_about_ninety_percent_of_simulated_futures() -> None:
    # Each accepted label costs Gamma(2, 1) (mean 2, variance 2); about 100 labels a period.
    # After 8 observed periods, forecast the cost of the next 400 labels and draw it.
    rng = np.random.default_rng(20240601)
    simulations, hits = 300, 0
    periods = [f"2024-{week:02d}" for week in range(1, 9)]
    for _ in range(simulations):
        accepted = rng.poisson(100, len(periods)).astype(float)
        frame = pd.DataFrame(
            {
                "period": periods,
                "total_cost": rng.gamma(2.0 * accepted, 1.0),
                "accepted_labels": accepted,
            }
        )
        interval = forecast_to_finish(frame, 400, confidence=0.90)["forecast_to_finish"]
        future = rng.gamma(2.0 * 400, 1.0)
        hits += interval["lower"] <= future <= interval["upper"]
    # Binomial standard deviation at p = 0.9, n = 300 is 0.017: allow about 3.5 of them.
    assert 0.84 <= hits / simulations <= 0.96
