"""The simulator's exact splitting: totals are kept to the unit, caps are respected."""

import pytest

from simulator.apportion import apportion, apportion_capped


def test_apportion_keeps_the_total_exactly():
    shares = apportion(339_133, [1.0, 2.5, 0.3, 7.1, 0.0, 4.4])
    assert sum(shares) == 339_133
    assert shares[4] == 0


def test_apportion_is_proportional_within_one_unit():
    shares = apportion(1000, [1, 1, 2])
    assert shares == [250, 250, 500]


def test_apportion_capped_moves_excess_to_cells_with_room():
    shares = apportion_capped(10, [10.0, 1.0, 1.0], caps=[2, 5, 5])
    assert shares[0] == 2
    assert sum(shares) == 10
    assert all(s <= c for s, c in zip(shares, [2, 5, 5], strict=True))


def test_apportion_capped_refuses_a_total_above_capacity():
    with pytest.raises(ValueError, match="exceeds the sum of caps"):
        apportion_capped(11, [1.0, 1.0], caps=[5, 5])
