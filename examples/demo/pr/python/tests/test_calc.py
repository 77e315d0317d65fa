from demo import calc


def test_add():
    assert calc.add(2, 3) == 5


def test_divide():
    assert calc.divide(6, 3) == 2


def test_sign_positive():
    assert calc.sign(5) == 1


def test_clamp_inside():
    assert calc.clamp(5, 0, 10) == 5


def test_clamp_below():
    assert calc.clamp(-3, 0, 10) == 0
