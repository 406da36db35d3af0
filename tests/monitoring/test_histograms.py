"""A feature's counts in the reference's bins, against counting sorted values edge by edge."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from riskmodel.monitoring.drift import FeatureBins, Histogram

VALUES = st.one_of(st.floats(-1e12, 1e12), st.sampled_from([0.0, 1.0, 2.0, 0.5, -0.0, 1 / 3, np.nan, np.inf, -np.inf]))


def counted_after_sorting(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin i: the values above i edges — how many are at most each edge, differenced."""
    ok = np.sort(values[np.isfinite(values)])
    return np.diff(np.searchsorted(ok, edges, side="right"), prepend=0, append=len(ok))


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 60), elements=VALUES),
       hnp.arrays(np.float64, st.integers(0, 60), elements=VALUES))
def test_counts_equal_counting_sorted_values(reference, current):
    bins = FeatureBins.of(reference, bins=4, points=9)  # repeated edges when the reference repeats values
    h = Histogram.of(current, bins)
    np.testing.assert_array_equal(h.psi_counts[:-1], counted_after_sorting(current, bins.deciles))
    np.testing.assert_array_equal(h.grid_counts, counted_after_sorting(current, bins.grid))
    assert h.psi_counts[-1] == int((~np.isfinite(current)).sum())
    assert h.psi_counts.sum() == h.total == len(current)


def test_a_value_on_an_edge_counts_in_the_bin_below_it():
    bins = FeatureBins(grid=np.array([0.0, 1.0, 2.0]), deciles=np.array([1.0]), spread=1.0)
    h = Histogram.of(np.array([1.0, 1.0, 0.5, 2.0, 3.0, np.nan, np.inf]), bins)
    assert h.psi_counts.tolist() == [3, 2, 2]  # ≤ 1, above 1, not finite
    assert h.grid_counts.tolist() == [0, 3, 1, 1]  # ≤ 0, (0, 1], (1, 2], above 2
