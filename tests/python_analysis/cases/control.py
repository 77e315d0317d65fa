import sys

if 0:
    dead = 1
if False:
    def gone():
        return 1
if not __debug__:
    x = 1
if __debug__:
    y = 2
elif sys:
    y = 3
else:
    y = 4
while True:
    if y:
        break
    y += 1
else:
    never = 1
while 1:
    break
while 0:
    z = 1
if (1, 2):
    t = 1
else:
    t = 2
if ():
    u = 1
assert True
while x and False:
    q = 1


def returns(a):
    if a:
        return 1
    else:
        return 2
    unreachable = 3


def raises(a):
    raise ValueError(a)
    after = 1


def loop(items):
    for i in items:
        if i:
            continue
        elif i is None:
            break
        print(i)
    else:
        print("done")
    for j in items:
        pass
    while items:
        items.pop()
        if not items:
            return
    return None


def trying(a):
    try:
        a()
    except (ValueError, TypeError) as e:
        print(e)
    except Exception:
        raise
    else:
        print("ok")
    finally:
        print("finally")
    try:
        return a
    finally:
        print("x")
    print("dead")


def star(a):
    try:
        a()
    except* ValueError:
        pass


def withs(path):
    with open(path) as f, open(path) as g:
        data = f.read()
    with open(path) as f:
        return f.read()
    print("reachable after a with that returns")
    with a:
        with b:
            pass
    with c: pass


async def asyncs(stream):
    async for item in stream:
        await item
    async with stream as s:
        yield s
    return


def matching(command):
    match command.split():
        case [action]:
            return action
        case [action, obj] if obj:
            return obj
        case Point(x=0) | Point(y=0):
            pass
        case {"k": v, **rest}:
            pass
        case _:
            return None


def matching2(c):
    match c:
        case 1:
            pass
        case str() as s:
            pass
    return c


class C:
    """Docstring."""
    attr: int
    other: int = 1

    @property
    @other.setter
    def p(self):
        """Method docstring."""
        global G
        nonlocal_ish = 1
        self.q: int
        return self

    @staticmethod
    def s(): pass


def annotated():
    local: int
    (paren): int
    del ()
    return [i for i in range(3)], {k: v for k, v in {}.items()}, (g for g in ()), lambda: (
        1
    )


def after_infinite():
    while True:
        pass
    print("dead")


values = [
    1,
    2,
]
call(
    a,
    b=lambda x: x,
)
s = """multi
line""" + 'x'
t = "a" \
    "b"
d = {**{}, 'k': 1}
